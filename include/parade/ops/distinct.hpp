// distinct(): each value once, ascending when T has `<`.
#pragma once

#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"

namespace parade {
namespace detail {

template <class T>
class distinct_node final : public node<T> {
 public:
  distinct_node(std::shared_ptr<const node<T>> parent, op_options o) : parent_(std::move(parent)), o_(std::move(o)) {}
  open_end<T> compile(run_state& rs) const override {
    struct ops {  // keys alone: nothing to combine
      unit make(unit&&, std::uint64_t) const { return {}; }
      void add(unit&, unit&&, std::uint64_t, context_slot<no_context>&) const {}
      void combine(unit&, unit&&, context_slot<no_context>&) const {}
    };
    auto in = transform_end<std::pair<T, unit>>(parent_->compile(rs), [](T&& x) { return std::pair<T, unit>(std::move(x), unit{}); });
    auto out = run_keyed<T, unit, unit, unit>(rs, std::move(in), o_, "distinct", ops{}, no_context{}, [](unit&&) { return unit{}; });
    return transform_end<T>(std::move(out), [](std::pair<T, unit>&& p) { return std::move(p.first); });
  }

 private:
  std::shared_ptr<const node<T>> parent_;
  op_options o_;
};

}  // namespace detail

// Each value once (the first met of equal values), ascending when T has
// `<`, else in the order first met. A barrier like reduce_by_key: per-worker
// hash tables, merged in parallel, spilled under the memory budget. T is
// the key, so it needs `==` and a hash (docs/keys.md).
//   auto users = visits.map([](auto& v) { return v.user; }).distinct();
template <class T>
dataset<T> dataset<T>::distinct(op_options o) const {
  static_assert(detail::check_key<T>::ok);
  return dataset<T>(std::make_shared<detail::distinct_node<T>>(node_, std::move(o)));
}

}  // namespace parade
