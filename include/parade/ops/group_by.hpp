// group_by(key): elements grouped by key(t), as (k, elements with that key),
// keys ascending, each group in input order.
#pragma once

#include <type_traits>

#include "parade/dataset.hpp"
#include "parade/ops/group_by_key.hpp"

namespace parade {
namespace detail {

template <class T, class K, class Fn>
class group_by_node final : public node<std::pair<K, std::vector<T>>> {
 public:
  group_by_node(std::shared_ptr<const node<T>> parent, Fn key, op_options o)
      : parent_(std::move(parent)), key_(std::move(key)), o_(std::move(o)) {}
  open_end<std::pair<K, std::vector<T>>> compile(run_state& rs) const override {
    auto in = transform_end<std::pair<K, T>>(parent_->compile(rs), [key = key_, step = step_name(o_, "group_by")](T&& x) {
      K k = guarded_as(step, [&] { return K(key(std::as_const(x))); });
      return std::pair<K, T>(std::move(k), std::move(x));
    });
    return run_group<K, T>(rs, std::move(in), o_, "group_by");
  }

 private:
  std::shared_ptr<const node<T>> parent_;
  Fn key_;
  op_options o_;
};

}  // namespace detail

// Groups the elements by key(t): pairs (k, the elements whose key is k),
// keys ascending when K has `<`, each group's elements in input order. Like
// group_by_key on (key(t), t); a group must fit the memory budget.
//   auto by_user = orders.group_by([](const order& o) { return o.user; });
template <class T>
template <class Fn>
auto dataset<T>::group_by(Fn key, op_options o) const {
  static_assert(std::is_invocable_v<const Fn&, const T&>, "group_by needs key(const T&) -> K");
  using K = std::decay_t<std::invoke_result_t<const Fn&, const T&>>;
  static_assert(detail::check_key<K>::ok);
  return dataset<std::pair<K, std::vector<T>>>(
      std::make_shared<detail::group_by_node<T, K, Fn>>(node_, std::move(key), std::move(o)));
}

}  // namespace parade
