// collect(): runs the chain and returns all elements in order.
#pragma once

#include <vector>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/gather.hpp"

namespace parade {

// Runs the chain on all workers; returns its elements in dataset order.
//   std::vector<std::int64_t> v = parade::range(0, 5).collect();
template <class T>
std::vector<T> dataset<T>::collect(run_options o) const {
  return detail::run_action(o, [&](detail::run_state& rs) {
    std::vector<T> result;
    std::vector<detail::origin_run> runs;  // under MPI, of dealt chunks
    auto e = detail::close(rs, node_->compile(rs));
    auto& stats = detail::add_step_after(rs, e, "collect", "collect", "", detail::yields::same);
    // Workers fill chunks in parallel; one ordered stage appends them in
    // sequence, so order is kept without serializing the work.
    detail::add_ordered_stage(e, "collect", [&result, &runs, &stats](detail::token& t) {
      if (auto* items = t.items<T>()) {
        stats.in.fetch_add(items->size(), std::memory_order_relaxed);
        detail::note_origin(runs, t, items->size());
        if (result.empty()) result = std::move(*items);
        else detail::append_moved(result, std::span<T>(*items));
      }
      t.data.reset();
    });
    e.spread = true;  // the gather puts dealt chunks back in order
    detail::run_segment(rs, e);
    detail::gather_ranks(rs, stats, result, runs);
    return result;
  });
}

}  // namespace parade
