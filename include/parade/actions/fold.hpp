// fold(zero, f): combines all elements with an associative f.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/gather.hpp"

namespace parade {
namespace detail {

// Folds one token's elements, starting from zero; the token then carries the
// partial result.
template <class T, class Fn>
class fold_sink final : public sink<T> {
 public:
  fold_sink(step_stats& st, const T& zero, Fn f) : stats_(st), count_(st), zero_(zero), f_(std::move(f)), acc_(zero) {}
  void consume(std::span<T> items) override {
    count_.in(items.size());
    any_ = any_ || !items.empty();
    guarded(stats_, [&] {
      T acc = std::move(acc_);  // a local: stays in a register, the loop can vectorize
      std::size_t done = 0;
      if constexpr (std::is_trivially_copyable_v<T>) {
        // Small values (numbers): four quarters of the batch folded side by
        // side, each from zero, then joined in order. The same result, as f
        // is associative and zero neutral, but four dependency chains the
        // CPU overlaps instead of one.
        if (items.size() >= 64) {
          const std::size_t q = items.size() / 4;
          T* x = items.data();
          T a0 = zero_, a1 = zero_, a2 = zero_, a3 = zero_;
          for (std::size_t i = 0; i < q; ++i) {
            replace_value(a0, f_(std::move(a0), std::move(x[i])));
            replace_value(a1, f_(std::move(a1), std::move(x[q + i])));
            replace_value(a2, f_(std::move(a2), std::move(x[2 * q + i])));
            replace_value(a3, f_(std::move(a3), std::move(x[3 * q + i])));
          }
          for (T* a : {&a0, &a1, &a2, &a3}) replace_value(acc, f_(std::move(acc), std::move(*a)));
          done = 4 * q;
        }
      }
      for (auto& x : items.subspan(done)) replace_value(acc, f_(std::move(acc), std::move(x)));
      replace_value(acc_, std::move(acc));
    });
  }
  // A token without elements carries nothing, so empty input gives zero.
  void end_token(token& t) override {
    count_.publish();
    std::vector<T> v;
    if (any_) v.push_back(std::move(acc_));
    replace_value(acc_, T(zero_));
    any_ = false;
    t.set_items(std::move(v));
  }

 private:
  step_stats& stats_;
  step_counter count_;
  T zero_;
  Fn f_;
  T acc_;
  bool any_ = false;
};

}  // namespace detail

// Combines all elements with f(T, T) -> T, starting from zero. f must be
// associative and zero neutral; f need not be commutative: each chunk is
// folded on a worker, and the chunks' results are combined in input order.
//   parade::range(1, 101).fold(std::int64_t{0}, std::plus<>{});  // 5050
template <class T>
template <class Fn>
T dataset<T>::fold(T zero, Fn f, run_options o) const {
  static_assert(std::is_copy_constructible_v<T>,
                "fold copies `zero` for every chunk, so T must be copyable; for move-only elements use reduce(f)");
  static_assert(std::is_invocable_r_v<T, Fn&, T&&, T&&>, "fold needs f(T, T) -> T");
  return detail::run_action(o, [&](detail::run_state& rs) {
    auto e = node_->compile(rs);
    auto& stats = detail::add_step_after(rs, e, "fold", "fold", "", detail::yields::same);
    detail::add_terminal(e, stats.name, SIZE_MAX, [&stats, zero, f] {
      return std::make_shared<detail::fold_sink<T, Fn>>(stats, zero, f);
    });
    T result = zero;
    // Under MPI, chunks generate dealt: their results, kept for the gather
    // to put in input order.
    std::vector<T> dealt;
    std::vector<detail::origin_run> runs;
    detail::add_ordered_stage(e, "fold", [&](detail::token& t) {
      if (auto* items = t.items<T>()) {
        if (t.origin != detail::token::no_origin) {
          detail::note_origin(runs, t, items->size());
          detail::append_moved(dealt, std::span<T>(*items));
        }
        else
          for (auto& x : *items) detail::replace_value(result, detail::guarded(stats, [&] { return f(std::move(result), std::move(x)); }));
      }
      t.data.reset();
    });
    e.spread = true;
    detail::run_segment(rs, e);
    if (rs.distributed()) {  // the ranks' results, combined in input order
      std::vector<T> parts(1, std::move(result));
      detail::append_moved(parts, std::span<T>(dealt));
      detail::gather_ranks(rs, stats, parts, runs);
      detail::replace_value(result, std::move(parts[0]));
      for (std::size_t i = 1; i < parts.size(); ++i)
        detail::replace_value(result, detail::guarded(stats, [&] { return f(std::move(result), std::move(parts[i])); }));
    }
    return result;
  });
}

}  // namespace parade
