// Under MPI: an action's partial results from every rank, in input order, on
// every rank. Rank order is input order (sources split their input across
// ranks in order, barriers give rank r the r-th key range), except after
// generate dealt its chunks round the ranks: then each chunk's part comes
// with its origin (token::origin), and the parts are put in origin order.
// Not API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parade/detail/cluster.hpp"
#include "parade/detail/node.hpp"
#include "parade/detail/spill.hpp"
#include "parade/detail/spread.hpp"
#include "parade/serialize.hpp"

namespace parade::detail {

// Notes a token's elements in `runs` when its chunk was dealt (generate
// under MPI); an ordered stage calls it for each token it keeps `n` of.
inline void note_origin(std::vector<origin_run>& runs, const token& t, std::size_t n) {
  if (t.origin != token::no_origin) runs.push_back({t.origin, n});
}

// Replaces v (this rank's part) with every rank's parts: concatenated in
// rank order, or, when any rank's part has runs, put in origin order (a
// part's elements beyond its runs come first: a fold's zero).
template <class T>
void gather_ranks(run_state& rs, step_stats& stats, std::vector<T>& v, const std::vector<origin_run>& runs = {}) {
  if (!rs.distributed()) return;
  if constexpr (!is_serializable_v<T>) {
    guarded(stats, [&] { cannot_exchange(stats.name); });
  } else {
    if (!rs.ranks_ok()) throw stop_signal{};
    std::string mine;
    byte_writer w(mine);
    w.varint(runs.size());
    for (auto& r : runs) w.varint(r.origin), w.varint(r.count);
    w.varint(v.size());
    for (auto& x : v) serializer<T>::write(w, x);
    auto all = cluster::all_gather(mine);
    v.clear();
    guarded(stats, [&] {
      std::vector<std::vector<T>> parts(all.size());
      std::vector<std::vector<origin_run>> ruled(all.size());
      for (std::size_t p = 0; p < all.size(); ++p) {
        byte_reader r(all[p]);
        ruled[p].resize(std::size_t(r.varint()));
        for (auto& x : ruled[p]) x.origin = r.varint(), x.count = r.varint();
        for (std::uint64_t n = r.varint(); n > 0; --n) parts[p].push_back(serializer<T>::read(r));
      }
      for (auto& s : origin_order(ruled, parts))
        for (std::size_t i = s.first; i < s.first + s.count; ++i) v.push_back(std::move(parts[s.part][i]));
    });
  }
}

}  // namespace parade::detail
