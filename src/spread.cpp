// generate's chunks spread over the ranks: see detail/spread.hpp.
#include "parade/detail/spread.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "parade/detail/cluster.hpp"
#include "parade/detail/run.hpp"

namespace parade::detail {
namespace {

// MPI has no wait that a condition variable could share, so waiting for a
// message polls: from 50 us, doubling to 1.6 ms while nothing comes.
void pause(int& idle) {
  std::this_thread::sleep_for(std::chrono::microseconds(50 << std::min(idle, 5)));
  ++idle;
}

std::string credit(std::uint64_t n) {
  std::string s(sizeof n, '\0');
  std::memcpy(s.data(), &n, sizeof n);
  return s;
}

}  // namespace

std::vector<part_slice> origin_order(const std::vector<std::vector<origin_run>>& runs, const std::vector<std::size_t>& sizes) {
  std::vector<part_slice> out;
  std::vector<std::pair<std::uint64_t, part_slice>> dealt;
  for (std::size_t p = 0; p < sizes.size(); ++p) {
    std::size_t ruled = 0;
    for (auto& r : runs[p]) ruled += std::size_t(r.count);
    std::size_t at = sizes[p] - std::min(ruled, sizes[p]);
    if (at > 0) out.push_back({p, 0, at});
    for (auto& r : runs[p]) {
      dealt.push_back({r.origin, {p, at, std::size_t(r.count)}});
      at += std::size_t(r.count);
    }
  }
  std::sort(dealt.begin(), dealt.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& d : dealt) out.push_back(d.second);
  return out;
}

spread_link::spread_link(run_state& rs)
    : rs_(rs), rank_(rs.rank()), ranks_(rs.ranks()),
      // Enough chunks waiting at a rank that its workers never starve while
      // rank 0's reader works on its own chunk, few enough to bound memory.
      window_(std::max<std::uint64_t>(4, 2 * rs.workers())),
      sent_(std::size_t(ranks_)), taken_(std::size_t(ranks_)), done_(std::size_t(ranks_)) {}

int spread_link::next_target() {
  std::string b;
  for (int from = 0; cluster::try_receive(cluster::channel::credits, b, from);) {
    if (b.size() == sizeof(std::uint64_t)) std::memcpy(&taken_[std::size_t(from)], b.data(), b.size());
    else done_[std::size_t(from)] = 1;
  }
  // Round the ranks from the one after the last served; 0 always may.
  for (;; turn_ = (turn_ + 1) % ranks_) {
    auto r = std::size_t(turn_);
    if (turn_ == 0 || (!done_[r] && sent_[r] - taken_[r] < window_)) {
      int to = turn_;
      turn_ = (turn_ + 1) % ranks_;
      return to;
    }
  }
}

void spread_link::send(int to, std::string bytes) {
  ++sent_[std::size_t(to)];
  cluster::send_to(to, cluster::channel::chunks, std::move(bytes));
}

void spread_link::end() {
  if (ended_ || rank_ != 0) return;
  ended_ = true;
  for (int r = 1; r < ranks_; ++r) cluster::send_to(r, cluster::channel::chunks, {});
}

bool spread_link::receive(std::string& bytes) {
  for (int idle = 0;;) {
    if (ended_) return false;
    int from = 0;
    if (cluster::try_receive(cluster::channel::chunks, bytes, from)) {
      if (bytes.empty()) {
        ended_ = true;
        return false;
      }
      cluster::send_to(0, cluster::channel::credits, credit(++received_));
      return true;
    }
    if (rs_.stopped()) throw stop_signal{};
    pause(idle);
  }
}

void spread_link::finish() {
  std::string b;
  int from = 0, idle = 0;
  if (rank_ == 0) {
    end();
    // Every rank's last credit, and every chunk gone (a rank that stopped
    // still reads and drops the chunks on their way, up to the end).
    for (;;) {
      bool got = false;
      while (cluster::try_receive(cluster::channel::credits, b, from)) {
        got = true;
        if (b.empty()) done_[std::size_t(from)] = 1;
      }
      if (std::count(done_.begin() + 1, done_.end(), 1) == ranks_ - 1 && cluster::sends_done()) return;
      if (got) idle = 0;
      pause(idle);
    }
  }
  while (!ended_) {
    if (cluster::try_receive(cluster::channel::chunks, b, from)) {
      ended_ = b.empty();
      idle = 0;
    } else {
      pause(idle);
    }
  }
  cluster::send_to(0, cluster::channel::credits, {});
  while (!cluster::sends_done()) pause(idle);
}

}  // namespace parade::detail
