// reduce_by_key(f): pairs (k, v) become (k, f(...f(v1, v2)..., vn)), keys
// ascending when K has `<`.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"

namespace parade {
namespace detail {

template <class K, class V, class Fn>
class reduce_node final : public node<std::pair<K, V>> {
 public:
  reduce_node(std::shared_ptr<const node<std::pair<K, V>>> parent, Fn f, op_options o)
      : parent_(std::move(parent)), f_(std::move(f)), o_(std::move(o)) {}
  open_end<std::pair<K, V>> compile(run_state& rs) const override {
    struct ops {
      Fn f;
      V make(V&& v, std::uint64_t) const { return std::move(v); }
      void add(V& a, V&& v, std::uint64_t) const { a = f(std::move(a), std::move(v)); }
    };
    auto combine = [f = f_](V& a, V&& b) { a = f(std::move(a), std::move(b)); };
    auto finish = [](V&& a) { return std::move(a); };
    return run_keyed<K, V, V, V>(rs, parent_->compile(rs), o_, "reduce_by_key", ops{f_}, combine, finish);
  }

 private:
  std::shared_ptr<const node<std::pair<K, V>>> parent_;
  Fn f_;
  op_options o_;
};

}  // namespace detail

// Combines the values of each key with f(V, V) -> V. Each worker pre-combines
// into its own table, then the tables merge in parallel, so values combine in
// no fixed order: f must be associative and commutative (as in Spark's
// reduceByKey). Keys come out ascending when K has `<`.
//   words.map([](auto& w) { return std::pair{w, 1L}; }).reduce_by_key(std::plus<>{});
template <class T>
template <class Fn>
dataset<T> dataset<T>::reduce_by_key(Fn f, op_options o) const {
  static_assert(detail::pair_traits<T>::is_pair, "reduce_by_key needs a dataset of std::pair<K, V>");
  using K = typename detail::pair_traits<T>::key;
  using V = typename detail::pair_traits<T>::value;
  static_assert(std::is_invocable_r_v<V, const Fn&, V&&, V&&>, "reduce_by_key needs f(V, V) -> V");
  return dataset<T>(std::make_shared<detail::reduce_node<K, V, Fn>>(node_, std::move(f), std::move(o)));
}

}  // namespace parade
