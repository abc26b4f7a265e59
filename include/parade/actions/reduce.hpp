// reduce(f): all elements combined with an associative f; nullopt if none.
#pragma once

#include <optional>
#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/gather.hpp"

namespace parade {
namespace detail {

// Reduces one token's elements; the token then carries the partial result
// (none for a token without elements).
template <class T, class Fn>
class reduce_sink final : public sink<T> {
 public:
  reduce_sink(step_stats& st, Fn f) : stats_(st), count_(st), f_(std::move(f)) {}
  void consume(std::span<T> items) override {
    count_.in(items.size());
    if (items.empty()) return;
    guarded(stats_, [&] {
      std::size_t i = 0;
      if constexpr (std::is_trivially_copyable_v<T>) {
        // Small values: four quarters of the batch reduced side by side,
        // each seeded by its first element, then joined in order (as fold
        // does: four dependency chains the CPU overlaps instead of one).
        if (items.size() >= 64) {
          const std::size_t q = items.size() / 4;
          T* x = items.data();
          T a0 = std::move(x[0]), a1 = std::move(x[q]), a2 = std::move(x[2 * q]), a3 = std::move(x[3 * q]);
          for (std::size_t k = 1; k < q; ++k) {
            replace_value(a0, f_(std::move(a0), std::move(x[k])));
            replace_value(a1, f_(std::move(a1), std::move(x[q + k])));
            replace_value(a2, f_(std::move(a2), std::move(x[2 * q + k])));
            replace_value(a3, f_(std::move(a3), std::move(x[3 * q + k])));
          }
          if (!acc_) acc_.emplace(std::move(a0));
          else replace_value(*acc_, f_(std::move(*acc_), std::move(a0)));
          for (T* a : {&a1, &a2, &a3}) replace_value(*acc_, f_(std::move(*acc_), std::move(*a)));
          i = 4 * q;
        }
      }
      if (!acc_ && i < items.size()) acc_.emplace(std::move(items[i++]));
      for (; i < items.size(); ++i) replace_value(*acc_, f_(std::move(*acc_), std::move(items[i])));
    });
  }
  void end_token(token& t) override {
    count_.publish();
    std::vector<T> v;
    if (acc_) v.push_back(std::move(*acc_));
    acc_.reset();
    t.set_items(std::move(v));
  }

 private:
  step_stats& stats_;
  step_counter count_;
  Fn f_;
  std::optional<T> acc_;
};

}  // namespace detail

// Combines all elements with f(T, T) -> T; std::nullopt when there are
// none. f must be associative (not commutative: chunks are reduced on the
// workers, and their results combined in input order). Unlike fold, needs
// no zero, so move-only elements work.
//   auto longest = words.reduce([](std::string a, std::string b) { return a.size() >= b.size() ? a : b; });
template <class T>
template <class Fn>
std::optional<T> dataset<T>::reduce(Fn f, run_options o) const {
  static_assert(std::is_invocable_r_v<T, Fn&, T&&, T&&>, "reduce needs f(T, T) -> T");
  return detail::run_action(o, [&](detail::run_state& rs) {
    auto e = node_->compile(rs);
    auto& stats = detail::add_step_after(rs, e, "reduce", "reduce", "", detail::yields::same);
    detail::add_terminal(e, stats.name, SIZE_MAX, [&stats, f] { return std::make_shared<detail::reduce_sink<T, Fn>>(stats, f); });
    std::optional<T> result;
    // Under MPI, chunks generate dealt: their results, kept for the gather
    // to put in input order.
    std::vector<T> dealt;
    std::vector<detail::origin_run> runs;
    detail::add_ordered_stage(e, "reduce", [&](detail::token& t) {
      if (auto* items = t.items<T>()) {
        if (t.origin != detail::token::no_origin) {
          detail::note_origin(runs, t, items->size());
          detail::append_moved(dealt, std::span<T>(*items));
        } else {
          for (auto& x : *items) {
            if (!result) result.emplace(std::move(x));
            else detail::replace_value(*result, detail::guarded(stats, [&] { return f(std::move(*result), std::move(x)); }));
          }
        }
      }
      t.data.reset();
    });
    e.spread = true;
    detail::run_segment(rs, e);
    if (rs.distributed()) {  // the ranks' results, combined in input order
      std::vector<T> parts;
      if (result) parts.push_back(std::move(*result));
      detail::append_moved(parts, std::span<T>(dealt));
      detail::gather_ranks(rs, stats, parts, runs);
      result.reset();
      for (auto& x : parts) {
        if (!result) result.emplace(std::move(x));
        else detail::replace_value(*result, detail::guarded(stats, [&] { return f(std::move(*result), std::move(x)); }));
      }
    }
    return result;
  });
}

}  // namespace parade
