// top(n), top(n, cmp): the n largest elements, largest first.
#pragma once

#include <vector>

#include "parade/detail/std.hpp"  // std::sort and friends, without <algorithm>
#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/gather.hpp"
#include "parade/detail/elements.hpp"
#include "parade/detail/hash.hpp"

namespace parade {
namespace detail {

// An element with where it was met: equal elements rank by input order
// (the earlier one first), so the result is the same for any worker count.
template <class T>
struct ranked {
  T value;
  std::uint64_t token, index;
};

// "a ranks before b": larger under cmp, or equal and met earlier.
template <class T, class Cmp>
struct rank_before {
  const Cmp* cmp;
  bool operator()(const ranked<T>& a, const ranked<T>& b) const {
    if ((*cmp)(b.value, a.value)) return true;
    if ((*cmp)(a.value, b.value)) return false;
    return a.token != b.token ? a.token < b.token : a.index < b.index;
  }
};

// One worker slot's n best so far, as a heap (of places in `kept_`, so T
// needs no assignment) whose front is the worst of them: one comparison per
// element once it is full.
template <class T, class Cmp>
class top_sink final : public sink<T> {
 public:
  top_sink(step_stats& st, std::size_t n, Cmp cmp) : stats_(st), count_(st), n_(n), cmp_(std::move(cmp)) {}
  void begin_token(const token& t) override {
    token_ = t.order();
    index_ = 0;
  }
  void end_token(token&) override { count_.publish(); }
  void consume(std::span<T> items) override {
    count_.in(items.size());
    rank_before<T, Cmp> before{&cmp_};
    auto worse = [&](std::uint32_t a, std::uint32_t b) { return before(kept_[a], kept_[b]); };
    guarded(stats_, [&] {
      for (auto& x : items) {
        std::uint64_t i = index_++;
        if (kept_.size() < n_) {
          kept_.push_back(ranked<T>{std::move(x), token_, i});
          heap_.push_back(std::uint32_t(kept_.size() - 1));
          std::push_heap(heap_.begin(), heap_.end(), worse);
          continue;
        }
        auto& w = kept_[heap_.front()];
        bool better = cmp_(w.value, x) || (!cmp_(x, w.value) && (token_ != w.token ? token_ < w.token : i < w.index));
        if (!better) continue;
        std::pop_heap(heap_.begin(), heap_.end(), worse);
        replace_value(kept_[heap_.back()], ranked<T>{std::move(x), token_, i});
        std::push_heap(heap_.begin(), heap_.end(), worse);
      }
    });
  }
  std::vector<ranked<T>>& kept() { return kept_; }

 private:
  step_stats& stats_;
  step_counter count_;
  std::size_t n_;
  Cmp cmp_;
  std::vector<ranked<T>> kept_;
  std::vector<std::uint32_t> heap_;
  std::uint64_t token_ = 0, index_ = 0;
};

template <class T, class Cmp>
std::vector<T> run_top(const std::shared_ptr<const node<T>>& node, std::size_t n, Cmp cmp, const run_options& o) {
  return run_action(o, [&](run_state& rs) {
    std::vector<T> result;
    if (n == 0) return result;
    auto e = node->compile(rs);
    auto& stats = add_step_after(rs, e, "top", "top", "", yields::same);
    auto slots = std::make_shared<slot_list>();
    add_terminal(e, stats.name, SIZE_MAX, [&stats, slots, n, cmp] {
      auto s = std::make_shared<top_sink<T, Cmp>>(stats, n, cmp);
      slots->add(s);
      return s;
    });
    run_segment(rs, e);
    // The workers' n best each: at most workers x n, ranked once.
    std::vector<ranked<T>> all;
    for (auto& s : slots->all()) {
      auto& k = static_cast<top_sink<T, Cmp>*>(s.get())->kept();
      append_moved(all, std::span<ranked<T>>(k));
    }
    guarded(stats, [&] { sort_elements(all, rank_before<T, Cmp>{&cmp}); });
    for (std::size_t i = 0; i < all.size() && i < n; ++i) result.push_back(std::move(all[i].value));
    if (rs.distributed()) {
      // Every rank's n best, in rank order, ranked again (ties: input order).
      gather_ranks(rs, stats, result);
      all.clear();
      for (std::size_t i = 0; i < result.size(); ++i) all.push_back({std::move(result[i]), 0, i});
      result.clear();
      guarded(stats, [&] { sort_elements(all, rank_before<T, Cmp>{&cmp}); });
      for (std::size_t i = 0; i < all.size() && i < n; ++i) result.push_back(std::move(all[i].value));
    }
    return result;
  });
}

}  // namespace detail

// The n largest elements (by `<`), largest first; equal elements in input
// order. Each worker keeps its n best in a heap (no sort of the input), and
// those are ranked at the end.
//   auto best = scores.top(10);
template <class T>
std::vector<T> dataset<T>::top(std::size_t n, run_options o) const {
  static_assert(detail::ordered_key<T>, "top(n) needs `<` on the elements; give top a comparator, top(n, cmp)");
  return detail::run_top(node_, n, std::less<>{}, o);
}

// The n largest by cmp(a, b) ("a is less than b"), largest first.
//   auto longest = words.top(3, [](auto& a, auto& b) { return a.size() < b.size(); });
template <class T>
template <class Cmp>
  requires(!std::is_same_v<std::decay_t<Cmp>, run_options>)
std::vector<T> dataset<T>::top(std::size_t n, Cmp cmp, run_options o) const {
  static_assert(std::is_invocable_r_v<bool, const Cmp&, const T&, const T&>, "top(n, cmp) needs cmp(const T&, const T&) -> bool");
  return detail::run_top(node_, n, std::move(cmp), o);
}

}  // namespace parade
