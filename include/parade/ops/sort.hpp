// sort(), sort(cmp), sort_by(key): the elements in ascending order, stable,
// parallel and external (bigger than memory spills to disk).
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/detail/sorter.hpp"

namespace parade {
namespace detail {

template <class T, class Less>
class sort_node final : public node<T> {
 public:
  sort_node(std::shared_ptr<const node<T>> parent, Less less, op_options o)
      : parent_(std::move(parent)), less_(std::move(less)), o_(std::move(o)) {}
  open_end<T> compile(run_state& rs) const override { return run_sort(rs, parent_->compile(rs), o_, "sort", less_); }

 private:
  std::shared_ptr<const node<T>> parent_;
  Less less_;
  op_options o_;
};

template <class Fn>
struct by_key {
  Fn key;
  template <class T>
  bool operator()(const T& a, const T& b) const {
    return key(a) < key(b);
  }
};

}  // namespace detail

// The elements in ascending order (`<`). Stable: equal elements keep their
// input order. Each worker sorts what it holds and, over the memory budget,
// writes it to disk as a sorted run; the runs then merge in parallel by key
// ranges and stream on in order. Spilling needs a parade::serializer for T
// (strings, numbers, pairs, ... have one).
//   auto sorted = parade::read_lines("big.txt").sort();
template <class T>
dataset<T> dataset<T>::sort(op_options o) const {
  static_assert(detail::ordered_key<T>, "sort() needs `<` on the elements; give sort a comparator, sort(cmp)");
  using less = std::less<>;
  return dataset<T>(std::make_shared<detail::sort_node<T, less>>(node_, less{}, std::move(o)));
}

// The elements ordered by cmp(a, b) (a strict weak order), stable.
//   words.sort(std::greater<>{});  // descending
template <class T>
template <class Cmp>
dataset<T> dataset<T>::sort(Cmp cmp, op_options o) const {
  static_assert(std::is_invocable_r_v<bool, const Cmp&, const T&, const T&>, "sort(cmp) needs cmp(const T&, const T&) -> bool");
  return dataset<T>(std::make_shared<detail::sort_node<T, Cmp>>(node_, std::move(cmp), std::move(o)));
}

// The elements ordered by key(t) ascending (`<` on the keys), stable.
//   people.sort_by([](const person& p) { return p.age; });
template <class T>
template <class Fn>
dataset<T> dataset<T>::sort_by(Fn key, op_options o) const {
  static_assert(std::is_invocable_v<const Fn&, const T&>, "sort_by needs key(const T&) -> K");
  using K = std::decay_t<std::invoke_result_t<const Fn&, const T&>>;
  static_assert(detail::ordered_key<K>, "sort_by needs `<` on the keys key(t) returns");
  using less = detail::by_key<Fn>;
  return dataset<T>(std::make_shared<detail::sort_node<T, less>>(node_, less{std::move(key)}, std::move(o)));
}

}  // namespace parade
