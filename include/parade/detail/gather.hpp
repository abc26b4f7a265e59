// Under MPI: an action's partial results from every rank, in rank order, on
// every rank (rank order is input order: sources split their input across
// ranks in order, barriers give rank r the r-th key range). Not API.
#pragma once

#include <string>
#include <vector>

#include "parade/detail/cluster.hpp"
#include "parade/detail/node.hpp"
#include "parade/detail/spill.hpp"
#include "parade/serialize.hpp"

namespace parade::detail {

// Replaces v (this rank's part) with every rank's parts, concatenated.
template <class T>
void gather_ranks(run_state& rs, step_stats& stats, std::vector<T>& v) {
  if (!rs.distributed()) return;
  if constexpr (!is_serializable_v<T>) {
    guarded(stats, [&] { cannot_exchange(stats.name); });
  } else {
    if (!rs.ranks_ok()) throw stop_signal{};
    std::string mine;
    byte_writer w(mine);
    w.varint(v.size());
    for (auto& x : v) serializer<T>::write(w, x);
    auto all = cluster::all_gather(mine);
    v.clear();
    guarded(stats, [&] {
      for (auto& part : all) {
        byte_reader r(part);
        for (std::uint64_t n = r.varint(); n > 0; --n) v.push_back(serializer<T>::read(r));
      }
    });
  }
}

}  // namespace parade::detail
