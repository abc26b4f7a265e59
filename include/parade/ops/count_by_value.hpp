// count_by_value(): each distinct value with how often it occurs, ascending.
#pragma once

#include "parade/dataset.hpp"
#include "parade/detail/keyed.hpp"

namespace parade {
namespace detail {

template <class T>
class count_node final : public node<std::pair<T, std::size_t>> {
  using out_t = std::pair<T, std::size_t>;

 public:
  count_node(std::shared_ptr<const node<T>> parent, op_options o) : parent_(std::move(parent)), o_(std::move(o)) {}
  open_end<out_t> compile(run_state& rs) const override {
    struct ops {
      std::size_t make(std::size_t&& v, std::uint64_t) const { return v; }
      void add(std::size_t& a, std::size_t&& v, std::uint64_t, context_slot<no_context>&) const { a += v; }
      void combine(std::size_t& a, std::size_t&& b, context_slot<no_context>&) const { a += b; }
    };
    auto in = transform_end<out_t>(parent_->compile(rs), [](T&& x) { return out_t(std::move(x), 1); });
    return run_keyed<T, std::size_t, std::size_t, std::size_t>(rs, std::move(in), o_, "count_by_value", ops{},
                                                               no_context{}, [](std::size_t&& n) { return n; });
  }

 private:
  std::shared_ptr<const node<T>> parent_;
  op_options o_;
};

}  // namespace detail

// Counts each distinct value: pairs (value, occurrences), ascending when T
// has `<`, else in the order first met. Counted like reduce_by_key (per-worker
// tables, merged in parallel, spilled under the budget).
//   auto freq = words.count_by_value();  // ("a", 3), ("b", 1), ...
template <class T>
dataset<std::pair<T, std::size_t>> dataset<T>::count_by_value(op_options o) const {
  static_assert(detail::check_key<T>::ok);
  return dataset<std::pair<T, std::size_t>>(std::make_shared<detail::count_node<T>>(node_, std::move(o)));
}

}  // namespace parade
