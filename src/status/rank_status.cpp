// A rank's counters for rank 0's display and report, and their bytes.
#include "status/rank_status.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <type_traits>

#include "parade/error.hpp"

namespace parade::detail {
namespace {

static_assert(std::is_trivially_copyable_v<rank_step> && sizeof(rank_step) == 6 * 8 + 4 * 4 + 8 + 3 * 8,
              "rank_step travels as its bytes: no padding");

double seconds(std::int64_t ns, std::int64_t since) { return ns ? double(ns - since) * 1e-9 : -1.0; }

void put(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

std::uint64_t take(std::string_view& in) {
  std::uint64_t v;
  if (in.size() < sizeof v) throw error("parade: a rank's status message is cut short");
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return v;
}

// The busier state wins; done only once all are done, waiting while none started.
int rank_of(step_state s) {
  switch (s) {
    case step_state::failed: return 6;
    case step_state::stopping: return 5;
    case step_state::stopped: return 4;
    case step_state::running: return 3;
    case step_state::finishing: return 2;
    case step_state::waiting: return 1;
    case step_state::done: return 0;
  }
  return 0;
}

}  // namespace

std::vector<rank_step> snapshot(const std::deque<step_stats>& steps, std::int64_t since) {
  std::vector<rank_step> out;
  out.reserve(steps.size());
  for (auto& s : steps) {
    rank_step x;
    x.in = s.in.load(std::memory_order_relaxed);
    x.out = s.out.load(std::memory_order_relaxed);
    x.busy_ns = s.busy_ns.load(std::memory_order_relaxed);
    x.spilled = s.spilled.load(std::memory_order_relaxed);
    x.total = s.total.value_or(unknown_total);
    x.out_total = s.out_total.load();
    x.busy = s.busy.load(std::memory_order_relaxed);
    x.cap = s.cap.load(std::memory_order_relaxed);
    x.queued = s.queued.load(std::memory_order_relaxed);
    x.buffer_cap = s.buffer_cap.load(std::memory_order_relaxed);
    x.state = std::int64_t(s.state.load());
    x.start_s = seconds(s.started_ns.load(), since);
    x.end_s = seconds(s.ended_ns.load(), since);
    x.out_known_s = seconds(s.out_known_ns.load(), since);
    out.push_back(x);
  }
  return out;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "?";
  return buf;
}

std::string encode(const rank_status& s) {
  std::string out;
  for (std::uint64_t v : {std::uint64_t(s.rank), s.workers, s.rss, s.peak_rss, s.memory_peak, s.bytes_sent, s.messages,
                          std::uint64_t(s.steps.size()), std::uint64_t(s.host.size())})
    put(out, v);
  out += s.host;
  out.append(reinterpret_cast<const char*>(s.steps.data()), s.steps.size() * sizeof(rank_step));
  return out;
}

rank_status decode(std::string_view in) {
  rank_status s;
  s.rank = int(take(in));
  s.workers = take(in);
  s.rss = take(in);
  s.peak_rss = take(in);
  s.memory_peak = take(in);
  s.bytes_sent = take(in);
  s.messages = take(in);
  std::uint64_t n = take(in), host = take(in);
  if (host > in.size() || (in.size() - host) != n * sizeof(rank_step))
    throw error("parade: a rank's status message has the wrong length");
  s.host.assign(in.substr(0, host));
  in.remove_prefix(host);
  s.steps.resize(n);
  if (n) std::memcpy(s.steps.data(), in.data(), n * sizeof(rank_step));
  return s;
}

step_state combine(step_state a, step_state b) {
  if (a == b) return a;
  // One rank done and another not started: the step is under way.
  if ((a == step_state::done && b == step_state::waiting) || (a == step_state::waiting && b == step_state::done))
    return step_state::running;
  return rank_of(a) >= rank_of(b) ? a : b;
}

step_state overall(const std::vector<rank_step>& steps) {
  if (steps.empty()) return step_state::waiting;
  step_state st = step_state(steps.front().state);
  for (auto& x : steps) st = combine(st, step_state(x.state));
  return st;
}

}  // namespace parade::detail
