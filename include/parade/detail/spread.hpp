// Under MPI: generate's chunks spread from rank 0, where the generator runs,
// to every rank (docs/cluster.md, "generate"). The protocol, on bytes; the
// source (sources/generate.hpp) serializes. Not API.
//
// Rank 0 deals its chunks round the ranks, itself included, skipping a rank
// that holds `window` chunks it has not yet taken (each rank answers every
// chunk it takes with a credit), so a slow rank gets fewer and nothing piles
// up. An empty chunk ends the stream; an empty credit says a rank is done.
// finish() runs on every rank after the segment, whatever its outcome, and
// returns once no message of this segment is left in flight: the next
// segment, or action, starts clean.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parade::detail {

class run_state;

// `count` consecutive elements of a rank's part of a result came from the
// dealt chunk `origin` (token::origin).
struct origin_run {
  std::uint64_t origin = 0, count = 0;
};
// Where the gathered parts' elements go, in input order: each part's
// elements beyond its runs first (a fold's zero), in part order, then the
// runs by origin. Without runs, rank order.
struct part_slice {
  std::size_t part = 0, first = 0, count = 0;
};
std::vector<part_slice> origin_order(const std::vector<std::vector<origin_run>>& runs, const std::vector<std::size_t>& sizes);
template <class Parts>
std::vector<part_slice> origin_order(const std::vector<std::vector<origin_run>>& runs, const Parts& parts) {
  std::vector<std::size_t> sizes;
  for (auto& p : parts) sizes.push_back(p.size());
  return origin_order(runs, sizes);
}

class spread_link {
 public:
  explicit spread_link(run_state& rs);
  // Rank 0: the rank that gets the next chunk (0: keep it here).
  int next_target();
  // Rank 0: a chunk for rank `to`.
  void send(int to, std::string bytes);
  // Rank 0: the generator is exhausted (or stopping): no more chunks.
  void end();
  // Ranks above 0: the next chunk, waiting for it; false when the stream has
  // ended. Throws stop_signal when the run stops meanwhile.
  bool receive(std::string& bytes);
  // Every rank, on the action's thread once the segment's workers are done.
  void finish();

 private:
  run_state& rs_;
  int rank_, ranks_;
  std::uint64_t window_;
  std::vector<std::uint64_t> sent_, taken_;  // rank 0: per rank
  std::vector<char> done_;                   // rank 0: a rank's empty credit came
  int turn_ = 0;
  bool ended_ = false;  // rank 0: end() sent; above: the end arrived
  std::uint64_t received_ = 0;
};

}  // namespace parade::detail
