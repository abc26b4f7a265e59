// take(n), first(): the first n elements in order; the run stops as soon as
// they are known.
#pragma once

#include <optional>
#include <vector>

#include "parade/dataset.hpp"
#include "parade/detail/action.hpp"
#include "parade/detail/gather.hpp"

namespace parade {

// The first n elements in dataset order. The run stops once it has them:
// chunks are put in order by one ordered stage, and when the first n are
// there the run completes (its workers stop; nothing more is read), so
// take(5) over an endless generate returns, and take(10) over a huge file
// reads only its beginning. Steps before a barrier (sort, group_by_key)
// still read all of their input.
//   auto head = parade::read_lines("big.log").take(10);
template <class T>
std::vector<T> dataset<T>::take(std::size_t n, run_options o) const {
  return detail::run_action(o, [&](detail::run_state& rs) {
    std::vector<T> result;
    std::vector<detail::origin_run> runs;  // under MPI, of dealt chunks
    if (n == 0) return result;
    auto e = detail::close(rs, node_->compile(rs));
    auto& stats = detail::add_step_after(rs, e, "take", "take", "", detail::yields::same);
    detail::add_ordered_stage(e, "take", [&result, &runs, &stats, &rs, n](detail::token& t) {
      if (result.size() >= n) return t.data.reset();  // a chunk after the run completed
      if (auto* items = t.items<T>()) {
        std::size_t k = std::min(items->size(), n - result.size());
        stats.in.fetch_add(k, std::memory_order_relaxed);
        detail::note_origin(runs, t, k);
        for (std::size_t i = 0; i < k; ++i) result.emplace_back(std::move((*items)[i]));
      }
      t.data.reset();
      if (result.size() >= n) rs.complete();
    });
    // Dealt chunks: a rank's first n hold every one of the first n of all
    // that reached it (its chunks are a subsequence of the input).
    e.spread = true;
    detail::run_segment(rs, e);
    if (rs.distributed()) {  // every rank's first n, in input order: the first n of all
      detail::gather_ranks(rs, stats, result, runs);
      while (result.size() > n) result.pop_back();
    }
    return result;
  });
}

// The first element, or nullopt when the dataset is empty; stops early
// like take(1).
template <class T>
std::optional<T> dataset<T>::first(run_options o) const {
  auto v = take(1, std::move(o));
  if (v.empty()) return std::nullopt;
  return std::optional<T>(std::move(v.front()));
}

}  // namespace parade
