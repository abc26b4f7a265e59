// Under MPI, a sorting barrier's runs cross ranks before they merge: keys
// are range-partitioned by splitters sampled on every rank, so rank r ends
// up with the r-th key range of the whole job and the ranks' outputs, in
// rank order, are the single-process output. Records travel as the bytes a
// spill writes (Policy::write/read), in bounded rounds; what arrives is kept
// as sorted runs (in memory while the budget allows, else written as spill
// runs) and merged by merge_source unchanged. Not API.
//
// All of it runs on the action's thread between segments (the workers are
// idle), so MPI is called from one thread only.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "parade/detail/cluster.hpp"
#include "parade/detail/merge.hpp"

namespace parade::detail {

template <class Policy>
class run_exchange {
  using E = typename Policy::record;

 public:
  run_exchange(run_state& rs, step_stats& stats, const Policy& policy) : rs_(rs), stats_(stats), policy_(policy) {}

  // Replaces this rank's runs with the runs of its key range; returns the
  // bytes the memory runs now hold (an estimate, for the budget), given
  // what they held before.
  std::size_t run(std::vector<memory_run<E>>& memory, std::vector<disk_run>& disk, std::size_t held) {
    if (!rs_.ranks_ok()) throw stop_signal{};
    R_ = rs_.ranks();
    me_ = rs_.rank();
    firsts_ = decode_firsts(policy_, disk);
    choose_splitters(memory, disk);
    std::uint64_t local = 0, kept = 0;
    for (auto& m : memory) local += m.items.size();
    plan_outgoing(memory, disk);
    // This rank's own range of its memory runs stays where it is.
    std::vector<memory_run<E>> mine;
    for (auto& m : memory) {
      auto [from, to] = bounds(m, me_);
      if (from == to) continue;
      memory_run<E> k;
      k.id = m.id;
      if (from == 0 && to == m.items.size()) {
        k.items = std::move(m.items);
        k.arrival = std::move(m.arrival);
      } else {
        k.items.reserve(to - from);
        for (std::size_t i = from; i < to; ++i) k.items.push_back(std::move(m.items[i]));
        if (!m.arrival.empty()) k.arrival.assign(m.arrival.begin() + std::ptrdiff_t(from), m.arrival.begin() + std::ptrdiff_t(to));
      }
      kept += k.items.size();
      mine.push_back(std::move(k));
    }
    rounds();
    if (!rs_.ranks_ok()) throw stop_signal{};
    // Sent runs are gone; what arrived joins what stayed.
    memory.clear();
    out_.clear();
    std::vector<disk_run> received;
    for (auto& in : incoming_) {
      if (in->writer) {
        received.push_back({in->writer->finish(), in->id});
      } else if (!in->run.items.empty()) {
        in->run.id = in->id;
        mine.push_back(std::move(in->run));
      }
    }
    disk = std::move(received);
    memory = std::move(mine);
    std::size_t now = local ? std::size_t(double(held) * double(kept) / double(local)) : 0;
    now += lease_ ? lease_->used() : 0;
    if (lease_) lease_->release();
    return now;
  }

 private:
  struct outgoing {
    std::vector<std::unique_ptr<run_cursor<E>>> runs;
    std::size_t at = 0;  // the run being sent
  };
  struct incoming {
    int from = 0;
    std::uint32_t id = 0;
    memory_run<E> run;
    std::unique_ptr<run_writer<E>> writer;  // once it did not fit the budget
    std::size_t bytes = 0;                  // counted against the budget while in memory
  };

  // Every rank sends samples of its runs to every rank; all sort the same
  // samples the same way, so all find the same splitters.
  void choose_splitters(const std::vector<memory_run<E>>& memory, const std::vector<disk_run>& disk) {
    std::string mine;
    byte_writer w(mine);
    std::size_t per_run = std::size_t(16) * std::size_t(R_);
    std::uint64_t n = 0;
    std::string body;
    byte_writer b(body);
    for (auto& m : memory)
      for (std::size_t k = 0; k < per_run && !m.items.empty(); ++k) {
        std::size_t i = std::min(m.items.size() - 1, m.items.size() * k / per_run);
        policy_.write(b, m.items[i], m.arrival.empty() ? 0 : m.arrival[i]);
        ++n;
      }
    for (auto& d : disk) {
      std::size_t blocks = d.ref.first.size();
      for (std::size_t k = 0; k < per_run && blocks; ++k) {
        body += d.ref.first[std::min(blocks - 1, blocks * k / per_run)];
        ++n;
      }
    }
    w.varint(n);
    mine += body;
    auto all = cluster::all_gather(mine);
    std::vector<E> samples;
    for (auto& from : all) {
      byte_reader r(from);
      std::uint64_t count = r.varint();
      for (std::uint64_t i = 0; i < count; ++i) {
        std::uint64_t a = 0;
        samples.push_back(policy_.read(r, a));
      }
    }
    std::sort(samples.begin(), samples.end(), [this](const E& x, const E& y) { return policy_.less(x, y); });
    // Equal keys go to one rank (a combine or a group needs them together).
    for (int k = 1; k < R_ && !samples.empty(); ++k) {
      auto& s = samples[samples.size() * std::size_t(k) / std::size_t(R_)];
      if (splitters_.empty() || policy_.less(splitters_.back(), s)) splitters_.push_back(std::move(s));
    }
  }

  // Rank d's key range: [splitters[d-1], splitters[d]); ranks past the
  // last splitter get nothing.
  const E* lo(int d) const { return d == 0 ? nullptr : &splitters_[std::size_t(d - 1)]; }
  const E* hi(int d) const { return std::size_t(d) < splitters_.size() ? &splitters_[std::size_t(d)] : nullptr; }
  bool empty_range(int d) const { return std::size_t(d) > splitters_.size(); }

  std::pair<std::size_t, std::size_t> bounds(const memory_run<E>& m, int d) const {
    if (empty_range(d)) return {0, 0};
    auto at = [&](const E* s) -> std::size_t {
      if (!s) return m.items.size();
      return std::size_t(std::lower_bound(m.items.begin(), m.items.end(), *s,
                                          [this](const E& e, const E& k) { return policy_.less(e, k); }) -
                         m.items.begin());
    };
    return {lo(d) ? at(lo(d)) : 0, at(hi(d))};
  }

  void plan_outgoing(std::vector<memory_run<E>>& memory, std::vector<disk_run>& disk) {
    out_.resize(std::size_t(R_));
    for (int d = 0; d < R_; ++d) {
      if (empty_range(d)) continue;
      auto& o = out_[std::size_t(d)];
      if (d != me_)
        for (auto& m : memory) {
          auto [from, to] = bounds(m, d);
          if (from < to) o.runs.push_back(std::make_unique<memory_cursor<E>>(m, from, to));
        }
      // Disk runs go out whole, this rank's range too (written again here as
      // a run of its range only). A cursor frees the blocks only its range
      // has, as in a merge.
      for (std::size_t r = 0; r < disk.size(); ++r) {
        std::size_t next = hi(d) ? start_block(policy_, firsts_[r], *hi(d)) : ~std::size_t{0};
        o.runs.push_back(std::make_unique<disk_cursor<Policy>>(policy_, rs_.spill(), disk[r],
                                                               lo(d) ? start_block(policy_, firsts_[r], *lo(d)) : 0, next, lo(d), hi(d)));
      }
    }
  }



  // Appends frames (run id, record count, records) to `buf` until it holds
  // about `quota` bytes; false when rank d has nothing more to get.
  bool fill(int d, std::string& buf, std::size_t quota) {
    auto& o = out_[std::size_t(d)];
    byte_writer w(buf);
    std::string& frame = frame_;  // reused: its pages stay mapped round to round
    while (o.at < o.runs.size() && buf.size() < quota) {
      auto& c = *o.runs[o.at];
      if (!c.valid()) {
        ++o.at;
        continue;
      }
      frame.clear();
      byte_writer f(frame);
      std::uint64_t n = 0;
      while (buf.size() + frame.size() < quota && c.valid()) {
        policy_.write(f, *c.cur, c.arrival ? *c.arrival : 0);
        c.advance();
        ++n;
      }
      w.varint(c.id);
      w.varint(n);
      buf += frame;
    }
    return o.at < o.runs.size();
  }

  void take(int from, const std::string& buf) {
    byte_reader r(buf);
    while (!r.done()) {
      std::uint32_t id = std::uint32_t(r.varint());
      std::uint64_t n = r.varint();
      auto& in = stream(from, id);
      std::size_t before = r.left();
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint64_t a = 0;
        E e = policy_.read(r, a);
        if (in.writer) {
          in.writer->add(e, [&](byte_writer& bw, const E& x) { policy_.write(bw, x, a); });
        } else {
          in.run.items.push_back(std::move(e));
          if constexpr (Policy::stable) in.run.arrival.push_back(a);
        }
      }
      if (in.writer) continue;
      // Decoded records take about what they took serialized, plus the
      // element itself.
      std::size_t bytes = before - r.left() + n * sizeof(E);
      if (!lease_) lease_ = std::make_unique<memory_lease>(rs_.memory());
      if (lease_->grow(bytes)) {
        in.bytes += bytes;
        continue;
      }
      // Over the budget: this stream goes to disk from now on.
      in.writer = std::make_unique<run_writer<E>>(rs_.spill(), rs_.workers(), stats_.spilled);
      for (std::size_t i = 0; i < in.run.items.size(); ++i) {
        std::uint64_t a = in.run.arrival.empty() ? 0 : in.run.arrival[i];
        in.writer->add(in.run.items[i], [&](byte_writer& bw, const E& x) { policy_.write(bw, x, a); });
      }
      in.run = {};
      lease_->shrink(in.bytes);
      in.bytes = 0;
    }
  }

  // What arrived from one run of rank `from` (a frame's run is most often
  // the previous frame's).
  incoming& stream(int from, std::uint32_t id) {
    auto is = [&](std::size_t i) { return incoming_[i]->from == from && incoming_[i]->id == id; };
    if (last_ < incoming_.size() && is(last_)) return *incoming_[last_];
    for (last_ = 0; last_ < incoming_.size(); ++last_)
      if (is(last_)) return *incoming_[last_];
    auto& in = *incoming_.emplace_back(std::make_unique<incoming>());
    in.from = from;
    in.id = id;
    return in;
  }

  // Rounds of all-to-all until no rank has anything left to send. A failure
  // here (a full disk) still takes part in every round, sending nothing, so
  // no rank waits for another that left: all leave together, then check.
  void rounds() {
    std::size_t quota = exchange_round_bytes(rs_.memory(), R_);
    bool failed = false;
    // Kept over the rounds, cleared but not freed: fresh pages each round
    // would cost more than sending them.
    std::vector<std::string> out(static_cast<std::size_t>(R_)), in;
    for (;;) {
      for (auto& o : out) o.clear();
      bool more = false;
      if (!failed) {
        try {
          guarded(stats_, [&] {
            for (int d = 0; d < R_; ++d)
              if (!empty_range(d)) more = fill(d, out[std::size_t(d)], quota) || more;
          });
        } catch (const step_failure& f) {
          rs_.fail(f.step, f.original);
          failed = true;
        }
      }
      cluster::all_to_all(out, in);
      if (!failed) {
        try {
          guarded(stats_, [&] {
            for (int s = 0; s < R_; ++s)
              if (!in[std::size_t(s)].empty()) take(s, in[std::size_t(s)]);
          });
        } catch (const step_failure& f) {
          rs_.fail(f.step, f.original);
          failed = true;
        }
      }
      int v = (failed || rs_.poll() ? 2 : 0) | (more ? 1 : 0);
      int all = cluster::max_of(v);
      if (all != 1) return;  // 0: all sent; 2 or 3: a rank failed or stopped
    }
  }

  run_state& rs_;
  step_stats& stats_;
  const Policy& policy_;
  int R_ = 1, me_ = 0;
  std::vector<std::vector<E>> firsts_;
  std::vector<E> splitters_;
  std::vector<outgoing> out_;
  std::vector<std::unique_ptr<incoming>> incoming_;
  std::string frame_;  // fill()'s scratch
  std::size_t last_ = 0;
  std::unique_ptr<memory_lease> lease_;
};

// Exchanges a barrier's runs when the run is distributed (see above).
template <bool Serializable, class Policy>
std::size_t exchange_runs(run_state& rs, step_stats& stats, const Policy& policy,
                          std::vector<memory_run<typename Policy::record>>& memory, std::vector<disk_run>& disk,
                          std::size_t held) {
  if (!rs.distributed()) return held;
  if constexpr (!Serializable) {
    guarded(stats, [&] { cannot_exchange(stats.name); });
    return held;
  } else {
    return run_exchange<Policy>(rs, stats, policy).run(memory, disk, held);
  }
}

}  // namespace parade::detail
