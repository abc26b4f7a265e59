// batch(n): consecutive elements grouped into vectors of n (the last may be
// shorter), order kept.
#pragma once

#include <stdexcept>
#include <vector>

#include "parade/dataset.hpp"
#include "parade/detail/sorter.hpp"

namespace parade {
namespace detail {

template <class T>
class batch_node final : public node<std::vector<T>> {
 public:
  batch_node(std::shared_ptr<const node<T>> parent, std::size_t n, op_options o)
      : parent_(std::move(parent)), n_(n), o_(std::move(o)) {}

  // Batches span chunks, so batching is an ordered stage: one worker, in
  // sequence order, carrying the unfinished batch from token to token.
  open_end<std::vector<T>> compile(run_state& rs) const override {
    auto up = close(rs, on_one_rank(rs, parent_->compile(rs), o_, "batch"));
    auto name = step_name(o_, "batch");
    auto& stats = add_step_after(rs, up, name, "batch", dataset_name(o_, name), yields::batch);
    stats.batch_n = n_;
    auto pending = std::make_shared<std::vector<T>>();
    add_ordered_stage(up, stats.name, [n = n_, &stats, pending](token& t) {
      std::vector<std::vector<T>> out;
      if (auto* items = t.items<T>()) {
        stats.in.fetch_add(items->size(), std::memory_order_relaxed);
        for (auto& x : *items) {
          if (pending->empty()) pending->reserve(std::min<std::size_t>(n, 1 << 16));
          pending->push_back(std::move(x));
          if (pending->size() == n) {
            out.push_back(std::move(*pending));
            pending->clear();
          }
        }
      }
      if (t.last && !pending->empty()) {
        out.push_back(std::move(*pending));
        pending->clear();
      }
      stats.out.fetch_add(out.size(), std::memory_order_relaxed);
      t.set_items(std::move(out));
    });
    auto e = carry_on<std::vector<T>>(std::move(up));
    e.name = stats.name;
    e.cap = cap_of(o_);
    e.make = [&rs](sink<std::vector<T>>& o) -> std::unique_ptr<reader_base> {
      return std::make_unique<chunk_reader<std::vector<T>>>(rs, o);
    };
    return e;
  }

 private:
  std::shared_ptr<const node<T>> parent_;
  std::size_t n_;
  op_options o_;
};

}  // namespace detail

// Groups consecutive elements into vectors of n; the last may be shorter.
// Throws std::invalid_argument for n == 0.
//   parade::range(0, 10).batch(4);  // {0,1,2,3} {4,5,6,7} {8,9}
template <class T>
dataset<std::vector<T>> dataset<T>::batch(std::size_t n, op_options o) const {
  if (n == 0) throw std::invalid_argument("parade: batch(n) needs n > 0");
  return dataset<std::vector<T>>(std::make_shared<detail::batch_node<T>>(node_, n, std::move(o)));
}

}  // namespace parade
