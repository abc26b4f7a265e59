// A splittable source over indices [0, n): any worker takes the next range.
// Shared by range() and from(). Not API.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parade/detail/std.hpp"  // std::sort and friends, without <algorithm>
#include "parade/detail/node.hpp"

namespace parade::detail {

// Where rank r's share of [0, n) starts (rank `ranks` gives n).
inline std::int64_t rank_share(std::int64_t n, int r, int ranks) {
  return n / ranks * r + n % ranks * r / ranks;  // n * r / ranks without overflow
}

class index_source final : public source_def {
 public:
  // Indices [begin, end).
  index_source(std::int64_t begin, std::int64_t end, std::size_t max_chunk)
      : begin_(begin), n_(end), pos_(begin), max_chunk_(max_chunk) {}
  index_source(std::int64_t n, std::size_t max_chunk) : index_source(0, n, max_chunk) {}
  source_mode mode() const override { return source_mode::splittable; }
  bool next(token& t, std::size_t n) override {
    if (pos_ >= n_) return false;
    t.begin = pos_;
    t.end = std::min<std::int64_t>(n_, pos_ + std::int64_t(n));
    t.source_items = std::uint64_t(t.end - t.begin);
    pos_ = t.end;
    return true;
  }
  std::size_t max_chunk() const override { return max_chunk_; }
  // For a source whose size is known only when an earlier segment has run.
  void reset(std::int64_t n) {
    begin_ = 0;
    n_ = n;
    pos_ = 0;
  }
  std::optional<std::uint64_t> length() const override { return std::uint64_t(n_ - begin_); }

 private:
  std::int64_t begin_, n_, pos_;
  std::size_t max_chunk_;
};

// Reads index tokens: fill(buf, begin, count) makes buf hold exactly the
// `count` elements from index `begin` (reusing its storage). A fill whose
// elements are numbers (fill.number(i), range's) hands them to a sink that
// takes them as (first, count) without the buffer.
template <class T, class Fill>
class index_reader final : public reader_base {
 public:
  index_reader(run_state& rs, step_stats& stats, sink<T>& out, Fill fill, bool count_in = true)
      : rs_(rs), count_(stats), out_(out), fill_(std::move(fill)), count_in_(count_in) {
    this->feeds(out);
    if constexpr (requires { fill_.number(0); }) numbers_ = out.as_numbers();
  }
  void process(token& t) override {
    constexpr std::int64_t b = std::int64_t(batch_size<T>());
    out_.begin_token(t);
    for (std::int64_t i = t.begin; i < t.end; i += b) {
      if (rs_.stopped()) throw stop_signal{};
      std::size_t n = std::size_t(std::min(b, t.end - i));
      if (count_in_) count_.in(n);
      count_.out(n);
      if constexpr (requires { fill_.number(0); }) {
        if (numbers_) {
          numbers_->consume_numbers(fill_.number(i), n);
          continue;
        }
      }
      fill_(buf_, i, n);  // leaves exactly n elements in buf_
      out_.consume(std::span<T>(buf_));
    }
    count_.publish();
    out_.end_token(t);
  }

 private:
  run_state& rs_;
  step_counter count_;
  sink<T>& out_;
  Fill fill_;
  bool count_in_;
  std::vector<T> buf_;
  numbers_sink* numbers_ = nullptr;
};

// A source node over [0, n) whose elements come from fill().
template <class T, class Fill>
class index_node final : public node<T> {
 public:
  // kind: the step's kind ("range"); dataset: its output's default name.
  index_node(std::int64_t n, Fill fill, source_options o, const char* kind, const char* dataset)
      : n_(n), fill_(std::move(fill)), o_(std::move(o)), kind_(kind), dataset_(dataset) {}
  open_end<T> compile(run_state& rs) const override {
    if constexpr (requires { fill_.claim(); }) fill_.claim();
    open_end<T> e;
    // Under MPI each rank reads its share, in rank order.
    std::int64_t begin = rank_share(n_, rs.rank(), rs.ranks()), end = rank_share(n_, rs.rank() + 1, rs.ranks());
    auto& stats = add_source_step(rs, e, o_, kind_, std::uint64_t(end - begin), dataset_);
    e.source = std::make_shared<index_source>(begin, end, chunk_limit<T>());
    e.make = [&rs, &stats, fill = fill_](sink<T>& out) -> std::unique_ptr<reader_base> {
      return std::make_unique<index_reader<T, Fill>>(rs, stats, out, fill);
    };
    return e;
  }

 private:
  std::int64_t n_;
  Fill fill_;
  source_options o_;
  const char* kind_;
  const char* dataset_;
};

}  // namespace parade::detail
