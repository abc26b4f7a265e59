// reduce_by_key(f): pairs (k, v) become (k, f(...f(v1, v2)..., vn)), keys
// ascending when K has `<`.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"

namespace parade {
namespace detail {

template <class K, class V, class Fn, class Make>
class reduce_node final : public node<std::pair<K, V>> {
 public:
  reduce_node(std::shared_ptr<const node<std::pair<K, V>>> parent, Fn f, Make make, op_options o)
      : parent_(std::move(parent)), f_(std::move(f)), make_(std::move(make)), o_(std::move(o)) {}
  open_end<std::pair<K, V>> compile(run_state& rs) const override {
    struct ops {
      Fn f;
      V make(V&& v, std::uint64_t) const { return std::move(v); }
      void add(V& a, V&& v, std::uint64_t, context_slot<Make>& c) const {
        replace_value(a, call_user<Make>(f, c, std::move(a), std::move(v)));
      }
      void combine(V& a, V&& b, context_slot<Make>& c) const {
        replace_value(a, call_user<Make>(f, c, std::move(a), std::move(b)));
      }
    };
    auto finish = [](V&& a) { return std::move(a); };
    return run_keyed<K, V, V, V>(rs, parent_->compile(rs), o_, "reduce_by_key", ops{f_}, make_, finish);
  }

 private:
  std::shared_ptr<const node<std::pair<K, V>>> parent_;
  Fn f_;
  Make make_;
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
  static_assert(detail::check_key<K>::ok);
  return dataset<T>(std::make_shared<detail::reduce_node<K, V, Fn, detail::no_context>>(
      node_, std::move(f), detail::no_context{}, std::move(o)));
}

// With a worker context: f(V, V, Ctx&) -> V. The merge after the input reuses
// the workers' contexts, so the factory still runs once per worker slot.
template <class T>
template <class Fn, class Make>
dataset<T> dataset<T>::reduce_by_key(Fn f, context_factory<Make> c, op_options o) const {
  static_assert(detail::pair_traits<T>::is_pair, "reduce_by_key needs a dataset of std::pair<K, V>");
  using K = typename detail::pair_traits<T>::key;
  using V = typename detail::pair_traits<T>::value;
  using Ctx = std::decay_t<std::invoke_result_t<Make&>>;
  static_assert(std::is_invocable_r_v<V, const Fn&, V&&, V&&, Ctx&>,
                "reduce_by_key with a context needs f(V, V, Ctx&) -> V");
  static_assert(detail::check_key<K>::ok);
  return dataset<T>(std::make_shared<detail::reduce_node<K, V, Fn, Make>>(node_, std::move(f), std::move(c.make),
                                                                           std::move(o)));
}

}  // namespace parade
