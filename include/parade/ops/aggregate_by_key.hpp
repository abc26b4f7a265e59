// aggregate_by_key(zero, seq, comb): pairs (k, v) become (k, a), a folded
// from zero over k's values with seq(A, V) -> A, partial results combined
// with comb(A, A) -> A. Keys ascending when K has `<`.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"

namespace parade {
namespace detail {

template <class K, class V, class A, class Seq, class Comb>
class aggregate_node final : public node<std::pair<K, A>> {
 public:
  aggregate_node(std::shared_ptr<const node<std::pair<K, V>>> parent, A zero, Seq seq, Comb comb, op_options o)
      : parent_(std::move(parent)), zero_(std::move(zero)), seq_(std::move(seq)), comb_(std::move(comb)), o_(std::move(o)) {}
  open_end<std::pair<K, A>> compile(run_state& rs) const override {
    struct ops {
      A zero;
      Seq seq;
      Comb comb;
      A make(V&& v, std::uint64_t) const { return seq(A(zero), std::move(v)); }
      void add(A& a, V&& v, std::uint64_t, context_slot<no_context>&) const { replace_value(a, seq(std::move(a), std::move(v))); }
      void combine(A& a, A&& b, context_slot<no_context>&) const { replace_value(a, comb(std::move(a), std::move(b))); }
    };
    return run_keyed<K, V, A, A>(rs, parent_->compile(rs), o_, "aggregate_by_key", ops{zero_, seq_, comb_}, no_context{},
                                 [](A&& a) { return std::move(a); });
  }

 private:
  std::shared_ptr<const node<std::pair<K, V>>> parent_;
  A zero_;
  Seq seq_;
  Comb comb_;
  op_options o_;
};

}  // namespace detail

// Folds each key's values into an accumulator of another type A: every key
// starts from a copy of zero, seq(A, V) -> A adds a value, comb(A, A) -> A
// joins two partial accumulators (from different workers, or spilled runs);
// comb must be associative and commutative, zero neutral for it. Keys come
// out ascending when K has `<`. Spilling needs a parade::serializer for A.
//   // (user, amount) -> (user, (sum, count))
//   orders.aggregate_by_key(std::pair{0.0, 0L},
//       [](auto a, double v) { return std::pair{a.first + v, a.second + 1}; },
//       [](auto a, auto b) { return std::pair{a.first + b.first, a.second + b.second}; });
template <class T>
template <class A, class Seq, class Comb>
auto dataset<T>::aggregate_by_key(A zero, Seq seq, Comb comb, op_options o) const {
  static_assert(detail::pair_traits<T>::is_pair, "aggregate_by_key needs a dataset of std::pair<K, V>");
  using K = typename detail::pair_traits<T>::key;
  using V = typename detail::pair_traits<T>::value;
  static_assert(std::is_copy_constructible_v<A>, "aggregate_by_key copies `zero` for every key: A must be copyable");
  static_assert(std::is_invocable_r_v<A, const Seq&, A&&, V&&>, "aggregate_by_key needs seq(A, V) -> A");
  static_assert(std::is_invocable_r_v<A, const Comb&, A&&, A&&>, "aggregate_by_key needs comb(A, A) -> A");
  static_assert(detail::check_key<K>::ok);
  return dataset<std::pair<K, A>>(std::make_shared<detail::aggregate_node<K, V, A, Seq, Comb>>(
      node_, std::move(zero), std::move(seq), std::move(comb), std::move(o)));
}

}  // namespace parade
