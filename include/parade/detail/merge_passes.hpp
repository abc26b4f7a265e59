// Merge passes: a merge reads one decoded block of every run it merges,
// so with more disk runs than the budget can read at once (many workers
// under a small budget each write many small runs), groups of runs are
// first merged into longer runs, groups in parallel, until few enough
// remain: the multiway merge in passes of Knuth (TAOCP 5.4), Thrill's
// bounded-fan-in merge and DuckDB's cascaded merge. Not API.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "parade/detail/std.hpp"  // std::sort, std::clamp
#include "parade/detail/runs.hpp"

namespace parade::detail {

// How many disk runs one merge may read when `readers` merges read side by
// side within `share` bytes and a cursor holds `cursor` bytes: at least 8,
// or a pass would gain little. tuning::merge_fan_in sets it (tests), and
// forced spilling makes it 8, so the tests' tiny runs take passes too.
inline std::size_t merge_fan_in(const run_state& rs, std::size_t share, std::size_t readers, std::size_t cursor) {
  if (std::size_t f = tuning::merge_fan_in.load()) return std::max<std::size_t>(2, f);
  if (rs.force_spill()) return 8;
  return std::max<std::size_t>(8, share / std::max<std::size_t>(1, readers * cursor));
}

// The most any cursor over these runs holds (see disk_cursor_bytes).
template <class E>
std::size_t max_cursor_bytes(const std::vector<disk_run>& disk) {
  std::size_t m = 0;
  for (const auto& d : disk) m = std::max(m, disk_cursor_bytes<E>(d.ref));
  return m;
}

// Merges `runs` (sorted by id) into one run written to spill file `file`,
// combining equal keys when the policy combines; the run takes the first
// run's id, so ties between records of different groups keep their order.
template <class Policy>
disk_run merge_into_one(run_state& rs, step_stats& stats, Policy& policy, std::span<const disk_run> runs,
                        std::size_t part, std::size_t file) {
  using E = typename Policy::record;
  std::vector<std::unique_ptr<disk_cursor<Policy>>> cursors;
  std::vector<run_cursor<E>*> leaves;
  for (const auto& r : runs) {
    cursors.push_back(std::make_unique<disk_cursor<Policy>>(policy, rs.spill(), r, 0, ~std::size_t{0}, nullptr, nullptr));
    if (cursors.back()->valid()) keep_prefix(policy, *cursors.back()), leaves.push_back(cursors.back().get());
  }
  auto before = [&policy](const run_cursor<E>& a, const run_cursor<E>& b) { return merge_before(policy, a, b); };
  loser_tree<E> tree;
  tree.build(std::move(leaves), before);
  auto pop = [&](std::uint64_t& arrival) -> E {
    auto* c = tree.top();
    E e(std::move(*c->cur));
    arrival = c->arrival ? *c->arrival : 0;
    c->advance();
    if (c->valid()) keep_prefix(policy, *c);
    tree.replay(before);
    return e;
  };
  run_writer<E> w(rs.spill(), file, stats.spilled);
  while (!tree.empty()) {
    if (rs.stopped()) throw stop_signal{};
    std::uint64_t arrival = 0;
    E e = pop(arrival);
    if constexpr (Policy::combines) {
      std::uint64_t other = 0;
      while (!tree.empty() && !policy.less(e, *tree.top()->cur)) policy.combine(e, pop(other), part);
    }
    w.add(e, [&](byte_writer& bw, const E& x) { policy.write(bw, x, arrival); });
  }
  return {w.finish(), runs.front().id};
}

// Groups of consecutive runs (sorted by id, ids unique) to merge into one
// each: at most `fan` runs a group, balanced. A merged run takes its first
// run's id, so a group must not span the id of a run that stays as it is
// (`fixed`): under MPI a rank keeps some received runs in memory and writes
// others, and ties between them are ordered by id. In one process a
// worker's disk runs all come before its memory runs, so nothing is fixed.
inline std::vector<std::pair<std::size_t, std::size_t>> pass_groups(const std::vector<disk_run>& disk,
                                                                    const std::vector<std::uint32_t>& fixed,
                                                                    std::size_t fan) {
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  auto spans_fixed = [&](std::uint32_t lo, std::uint32_t hi) {
    auto it = std::upper_bound(fixed.begin(), fixed.end(), lo);
    return it != fixed.end() && *it <= hi;
  };
  for (std::size_t from = 0; from < disk.size();) {
    std::size_t to = from + 1;  // a stretch no fixed id cuts
    while (to < disk.size() && !spans_fixed(disk[to - 1].id, disk[to].id)) ++to;
    std::size_t n = to - from, parts = (n + fan - 1) / fan;
    for (std::size_t g = 0; g < parts; ++g) groups.emplace_back(from + n * g / parts, from + n * (g + 1) / parts);
    from = to;
  }
  return groups;
}

// Cuts `disk` down to at most a fan-in of runs (for `rs.workers()` merges
// side by side within `share` bytes) by passes over groups of consecutive
// ids, the groups of a pass merged in parallel; `fixed`: the ids of the
// memory runs. The cursors are charged to the run's account while they
// read. Runs on the action's thread.
template <class Policy>
void merge_passes(run_state& rs, step_stats& stats, Policy& policy, std::vector<disk_run>& disk,
                  std::vector<std::uint32_t> fixed, std::size_t share) {
  using E = typename Policy::record;
  const std::size_t workers = std::max<std::size_t>(1, rs.workers());
  if (!rs.distributed()) fixed.clear();
  std::sort(fixed.begin(), fixed.end());
  for (;;) {
    const std::size_t cursor = max_cursor_bytes<E>(disk);
    const std::size_t fan = merge_fan_in(rs, share, workers, cursor);
    if (disk.size() <= fan) return;
    std::sort(disk.begin(), disk.end(), [](const disk_run& a, const disk_run& b) { return a.id < b.id; });
    auto groups = pass_groups(disk, fixed, fan);
    if (groups.size() == disk.size()) return;  // fixed ids cut every group to one run
    // As many merges side by side as the share holds (each also writes).
    const std::size_t each = fan * cursor + 2 * spill_block;
    const std::size_t tasks = std::clamp<std::size_t>(share / each, 1, std::min(workers, groups.size()));
    std::vector<disk_run> merged(groups.size());
    rs.memory().take(tasks * each);
    parallel_for(rs, groups.size(), stats.name, [&](std::size_t g, std::size_t w) {
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      const std::size_t from = groups[g].first, to = groups[g].second;
      if (to - from == 1) {
        merged[g] = std::move(disk[from]);
        return;
      }
      guarded(stats, [&] {
        merged[g] = merge_into_one(rs, stats, policy, std::span<const disk_run>(disk).subspan(from, to - from), g, w);
      });
    }, tasks);
    rs.memory().give_back(tasks * each);
    if (rs.stopped()) throw stop_signal{};
    disk = std::move(merged);
  }
}

}  // namespace parade::detail
