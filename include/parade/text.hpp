// Small text helpers for the functions users write: splitting a line into
// words or fields without allocating.
#pragma once

#include <bits/stringfwd.h>  // std::string's declaration only, for the deleted overloads
#include <cstddef>
#include <iterator>
#include <string_view>
#include <type_traits>

namespace parade {

namespace detail {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// The pieces of a string_view, found one at a time (a forward range).
template <bool Words>
class split_view {
 public:
  class iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(std::string_view text, char sep, bool end) : text_(text), sep_(sep), end_(end) {
      if (!end_) find(0);
    }
    std::string_view operator*() const { return text_.substr(begin_, stop_ - begin_); }
    iterator& operator++() {
      if (!Words && stop_ == text_.size()) end_ = true;
      else find(Words ? stop_ : stop_ + 1);
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& o) const { return end_ == o.end_ && (end_ || begin_ == o.begin_); }

   private:
    void find(std::size_t from) {
      if constexpr (Words) {
        while (from < text_.size() && is_space(text_[from])) ++from;
        if (from == text_.size()) {
          end_ = true;
          return;
        }
        begin_ = stop_ = from;
        while (stop_ < text_.size() && !is_space(text_[stop_])) ++stop_;
      } else {
        begin_ = from;
        auto at = text_.find(sep_, from);
        stop_ = at == std::string_view::npos ? text_.size() : at;
      }
    }
    std::string_view text_;
    char sep_ = 0;
    bool end_ = true;
    std::size_t begin_ = 0, stop_ = 0;
  };

  split_view(std::string_view text, char sep) : text_(text), sep_(sep) {}
  iterator begin() const { return iterator(text_, sep_, false); }
  iterator end() const { return iterator(text_, sep_, true); }

 private:
  std::string_view text_;
  char sep_;
};

}  // namespace detail

// The words of `text`: maximal runs of non-whitespace, as views into it (so
// `text` must outlive them). No allocation.
//   for (std::string_view w : parade::split_ws("a  b\tc")) ...  // "a" "b" "c"
inline detail::split_view<true> split_ws(std::string_view text) { return {text, 0}; }
// A temporary string would be gone before the loop reads its words (a range-for
// keeps only the view alive): name it first.
template <class S>
  requires std::is_same_v<S, std::string>
void split_ws(S&& text) = delete;

// The fields of `text` between separators, empty ones included (a CSV line
// without quoting): split("a,,b", ',') gives "a" "" "b"; "" gives one "".
inline detail::split_view<false> split(std::string_view text, char sep) { return {text, sep}; }
template <class S>
  requires std::is_same_v<S, std::string>
void split(S&& text, char sep) = delete;

}  // namespace parade
