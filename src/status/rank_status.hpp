// One rank's counters as rank 0's display and report see them: every rank
// above 0 sends its own a few times a second (and once more at the end), as
// bytes, and rank 0 adds them to its own. Private to the library.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "parade/detail/plan.hpp"

namespace parade::detail {

// A step's counters on one rank. Times are seconds since that rank's run
// started (the ranks start an action within milliseconds of each other).
struct rank_step {
  std::uint64_t in = 0, out = 0, busy_ns = 0, spilled = 0;
  std::uint64_t total = unknown_total, out_total = unknown_total;
  std::uint32_t busy = 0, cap = 0, queued = 0, buffer_cap = 0;
  std::int64_t state = 0;  // a step_state (64 bits: no padding in the bytes sent)
  double start_s = -1, end_s = -1, out_known_s = -1;  // -1: not yet
};

struct rank_status {
  int rank = 0;
  std::string host;
  std::uint64_t workers = 0, rss = 0, peak_rss = 0, memory_peak = 0, bytes_sent = 0;
  std::uint64_t messages = 0;  // live updates sent before this one (rank 0 drains them at the end)
  std::vector<rank_step> steps;  // in plan order, as on rank 0
};

// The counters of `steps` now; `since` is the steady_clock time the run started.
std::vector<rank_step> snapshot(const std::deque<step_stats>& steps, std::int64_t since_ns);
// This machine's name (for the report's rank table).
std::string host_name();

std::string encode(const rank_status& s);
// Throws parade::error if the bytes are not a rank_status.
rank_status decode(std::string_view bytes);

// The state of a step over ranks: failed if one failed, done when all are,
// waiting while none started, else the busiest state any rank is in.
step_state combine(step_state a, step_state b);
// One word for a rank's whole run ("running", "done", "FAILED", ...).
step_state overall(const std::vector<rank_step>& steps);

}  // namespace parade::detail
