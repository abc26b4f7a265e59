// enumerate(): each element with its index in input order.
#pragma once

#include "parade/dataset.hpp"
#include "parade/detail/indexed.hpp"
#include "parade/detail/sorter.hpp"

namespace parade {
namespace detail {

template <class T>
class enumerate_node final : public node<std::pair<std::size_t, T>> {
  using out_t = std::pair<std::size_t, T>;

 public:
  enumerate_node(std::shared_ptr<const node<T>> parent, op_options o) : parent_(std::move(parent)), o_(std::move(o)) {}
  open_end<out_t> compile(run_state& rs) const override {
    auto emit = [](std::uint64_t pos, T&& x, std::vector<out_t>& out) { out.emplace_back(std::size_t(pos), std::move(x)); };
    auto up = on_one_rank(rs, parent_->compile(rs), o_, "enumerate");
    return positioned<T, out_t>(rs, std::move(up), o_, "enumerate", yields::same, emit);
  }

 private:
  std::shared_ptr<const node<T>> parent_;
  op_options o_;
};

}  // namespace detail

// Pairs each element with its index in input order (0, 1, 2, ...), the same
// for any worker count: one ordered pass notes where each chunk starts (a
// count per chunk, not per element), the pairing runs in parallel.
//   lines.enumerate().filter([](auto& p) { return p.first % 1000 == 0; });
template <class T>
dataset<std::pair<std::size_t, T>> dataset<T>::enumerate(op_options o) const {
  return dataset<std::pair<std::size_t, T>>(std::make_shared<detail::enumerate_node<T>>(node_, std::move(o)));
}

}  // namespace parade
