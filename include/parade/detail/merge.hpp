// The output of a sorting barrier: sorted runs (in memory and spilled)
// merged k-way, in parallel by key ranges, streamed to the next segment in
// order without being materialized first. Not API. The Policy contract is
// in runs.hpp.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "parade/detail/merge_passes.hpp"
#include "parade/detail/runs.hpp"

namespace parade::detail {

// The merged runs as a concurrent source: each part is a key range, read by
// one worker at a time, several parts at once; tokens of part i come in
// order, so ordered steps downstream see the merged order.
template <class Policy>
class merge_source final : public source_def {
  using E = typename Policy::record;
  using Out = typename Policy::output;

 public:
  // `held`: what the memory runs hold, counted against the run's budget
  // until this source is gone (after the segment that reads it), with what
  // its open parts' cursors may hold. Too many disk runs for the budget to
  // read at once are first merged in passes (merge_passes.hpp).
  merge_source(run_state& rs, step_stats& stats, Policy policy, std::vector<memory_run<E>> memory,
               std::vector<disk_run> disk, spill_space* space, std::size_t parts_wanted, std::size_t held)
      : rs_(rs), stats_(stats), policy_(std::move(policy)), memory_(std::move(memory)), disk_(std::move(disk)),
        space_(space), account_(rs.memory()), held_(held) {
    account_.take(held_);
    // What cursors may hold: what the budget has left, and at least the
    // part of the limit kept beside barriers for buffers and read blocks.
    const std::size_t budget = account_.budget();
    const std::size_t share = std::max(budget - std::min(budget, account_.used()), account_.limit() - budget);
    try {
      renumber();
      std::vector<std::uint32_t> fixed;
      for (const auto& m : memory_) fixed.push_back(m.id);
      if (!disk_.empty()) merge_passes(rs, stats, policy_, disk_, std::move(fixed), share);
    } catch (...) {
      account_.give_back(held_);
      throw;
    }
    split(parts_wanted);
    // An open part reads a block of every disk run: as many parts open at
    // once as the share holds (the head part always may open), reserved now.
    std::size_t part = 0;
    for (const auto& d : disk_) part += disk_cursor_bytes<E>(d.ref);
    max_open_ = part ? std::clamp<std::size_t>(share / part, 1, 2 * rs.workers()) : 2 * rs.workers();
    account_.take(max_open_ * part);
    held_ += max_open_ * part;
  }

  // The barrier's records are gone with it: their pages go back.
  ~merge_source() override {
    account_.give_back(held_);
    parts_.clear();
    firsts_.clear();
    memory_.clear();
    disk_.clear();
    return_free_memory();
  }

  source_mode mode() const override { return source_mode::concurrent; }
  std::uint32_t parts() const override { return std::uint32_t(parts_.size()); }
  std::size_t max_chunk() const override { return chunk_limit<Out>(); }
  std::optional<std::uint64_t> length() const override { return std::nullopt; }
  // Records in all runs (the output's length when nothing combines).
  std::uint64_t records() const { return records_; }

  pull next_concurrent(token& t, std::size_t n, bool lookahead) override {
    std::unique_lock lk(m_);
    while (head_ < parts_.size() && parts_[head_].done) ++head_;
    bool waiting = false;
    for (std::size_t i = head_; i < parts_.size() && (i == head_ || lookahead); ++i) {
      auto& p = parts_[i];
      if (p.done) continue;
      if (p.claimed) {
        waiting = true;
        continue;
      }
      // An open part holds a block of every run: few are open at once (the
      // head always may open, so the output in order always moves).
      if (!p.open && i != head_ && open_ >= max_open_) {
        waiting = true;
        continue;
      }
      if (!p.open) p.open = true, ++open_;
      p.claimed = true;
      lk.unlock();
      bool finished = false;
      std::vector<Out> out;
      try {
        finished = fill(i, out, std::max<std::size_t>(n, 1));
      } catch (...) {
        lk.lock();
        p.claimed = false;
        throw;
      }
      t.part = std::uint32_t(i);
      t.seq = p.seq++;
      t.part_end = finished;
      t.source_items = std::max<std::size_t>(1, out.size());
      stats_.out.fetch_add(out.size(), std::memory_order_relaxed);
      t.set_items(std::move(out));
      lk.lock();
      p.claimed = false;
      p.done = finished;
      if (finished) {
        p.cursors.clear();
        --open_;
        // Combined or spilled runs know their output's length only now.
        if (++parts_done_ == parts_.size() && stats_.out_total.load() == unknown_total) {
          stats_.out_total.store(stats_.out.load());
          stats_.out_known_ns.store(std::chrono::steady_clock::now().time_since_epoch().count());
        }
      }
      return pull::token;
    }
    return waiting ? pull::wait : pull::done;
  }

 private:
  struct part_state {
    std::vector<std::size_t> from, to;  // per memory run
    std::vector<std::size_t> block;     // per disk run: the block to start at
    const E* lo = nullptr;
    const E* hi = nullptr;
    std::vector<std::unique_ptr<run_cursor<E>>> cursors;  // made at first claim
    loser_tree<E> tree;
    bool started = false, claimed = false, done = false, open = false;
    std::uint64_t seq = 0;
    typename group_of<Policy>::type group;  // a grouping policy's current key
  };

  bool before(const run_cursor<E>& a, const run_cursor<E>& b) const { return merge_before(policy_, a, b); }

  // Run ids made unique, in the same order: ties are ordered by id, and a
  // run merged in a pass takes its group's first id, so that id must order
  // it among all the others. (Under MPI a rank's received runs keep their
  // senders' ids, which repeat across senders; within one sender they are
  // unique, and equal ids of two senders never order a tie.)
  void renumber() {
    std::vector<std::pair<std::uint32_t, std::size_t>> ids;
    for (std::size_t i = 0; i < memory_.size(); ++i) ids.emplace_back(memory_[i].id, i);
    for (std::size_t i = 0; i < disk_.size(); ++i) ids.emplace_back(disk_[i].id, memory_.size() + i);
    std::stable_sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = 0; k < ids.size(); ++k) {
      std::size_t i = ids[k].second;
      (i < memory_.size() ? memory_[i].id : disk_[i - memory_.size()].id) = std::uint32_t(k);
    }
  }

  // Cuts the key space into parts at splitters sampled from the runs. With
  // disk runs, splitters are their blocks' first records (decoded and owned
  // here, so they stay valid while parts move records out); with memory runs
  // only, they point into the runs, and every boundary is found before any
  // record moves.
  void split(std::size_t wanted) {
    for (auto& r : memory_) records_ += r.items.size();
    for (auto& d : disk_) records_ += d.ref.records;
    // Parts of about part_records at most: a part is merged by one worker
    // at a time and its output waits for the parts before it, so parts much
    // longer than what may wait downstream leave the other workers idle
    // (1 GB sorted in 8 parts: one worker busy through the merge).
    wanted = std::max<std::size_t>(wanted, records_ / part_records);
    std::vector<const E*> samples;
    if (!disk_.empty()) {
      firsts_ = decode_firsts(policy_, disk_);
      for (auto& f : firsts_)
        for (auto& e : f) samples.push_back(&e);
    } else if (wanted > 1) {
      for (auto& r : memory_)
        for (std::size_t k = 1; k <= wanted && !r.items.empty(); ++k)
          samples.push_back(&r.items[std::min(r.items.size() - 1, r.items.size() * k / (wanted + 1))]);
    }
    auto by = [this](const E* a, const E* b) { return policy_.less(*a, *b); };
    std::sort(samples.begin(), samples.end(), by);
    wanted = std::max<std::size_t>(1, std::min(wanted, records_ / 4096 + 1));
    std::vector<const E*> splitters;
    for (std::size_t k = 1; k < wanted && !samples.empty(); ++k) {
      const E* s = samples[samples.size() * k / wanted];
      if (splitters.empty() || policy_.less(*splitters.back(), *s)) splitters.push_back(s);
    }
    parts_.resize(splitters.size() + 1);
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      auto& p = parts_[i];
      p.lo = i == 0 ? nullptr : splitters[i - 1];
      p.hi = i + 1 < parts_.size() ? splitters[i] : nullptr;
      for (auto& r : memory_) {
        auto at = [&](const E* s) -> std::size_t {
          if (!s) return r.items.size();
          return std::size_t(std::lower_bound(r.items.begin(), r.items.end(), *s,
                                              [this](const E& e, const E& k) { return policy_.less(e, k); }) -
                             r.items.begin());
        };
        p.from.push_back(p.lo ? at(p.lo) : 0);
        p.to.push_back(at(p.hi));
      }
      for (std::size_t r = 0; r < disk_.size(); ++r) p.block.push_back(p.lo ? start_block(policy_, firsts_[r], *p.lo) : 0);
    }
  }

  // Merges part i's records into `out` until about n are there; true when
  // the part has no more.
  bool fill(std::size_t i, std::vector<Out>& out, std::size_t n) {
    auto& p = parts_[i];
    auto in_order = [this](const run_cursor<E>& a, const run_cursor<E>& b) { return before(a, b); };
    auto keep_key = [this](run_cursor<E>& c) { keep_prefix(policy_, c); };
    return guarded(stats_, [&] {
      if (!p.started) {
        p.started = true;
        for (std::size_t r = 0; r < memory_.size(); ++r)
          if (p.from[r] < p.to[r]) p.cursors.push_back(std::make_unique<memory_cursor<E>>(memory_[r], p.from[r], p.to[r]));
        for (std::size_t r = 0; r < disk_.size(); ++r)
          p.cursors.push_back(std::make_unique<disk_cursor<Policy>>(
              policy_, *space_, disk_[r], p.block[r], i + 1 < parts_.size() ? parts_[i + 1].block[r] : ~std::size_t{0},
              p.lo, p.hi));
        std::vector<run_cursor<E>*> leaves;
        for (auto& c : p.cursors)
          if (c->valid()) keep_key(*c), leaves.push_back(c.get());
        p.tree.build(std::move(leaves), in_order);
      }
      out.reserve(std::min<std::size_t>(n, 4096));
      auto pop = [&]() -> E {  // the next record in merge order
        auto* c = p.tree.top();
        E e(std::move(*c->cur));
        c->advance();
        if (c->valid()) keep_key(*c);
        p.tree.replay(in_order);
        return e;
      };
      if constexpr (grouping_policy<Policy>) {
        // Parts are cut between keys, so a key's records are all here, in
        // merge order; the policy streams output as they come.
        while (out.size() < n) {
          if (rs_.stopped()) throw stop_signal{};
          if (policy_.pending(p.group)) {
            policy_.drain(p.group, out, n);
            continue;
          }
          if (p.tree.empty()) break;
          E e = pop();
          if (!policy_.in_group(p.group, e)) policy_.end_group(p.group, out);
          policy_.add(p.group, std::move(e));
        }
        bool finished = p.tree.empty() && !policy_.pending(p.group);
        if (finished) policy_.end_group(p.group, out);
        return finished;
      } else {
        while (!p.tree.empty() && out.size() < n) {
          if (rs_.stopped()) throw stop_signal{};
          if constexpr (Policy::combines) {
            E acc = pop();
            while (!p.tree.empty() && !policy_.less(acc, *p.tree.top()->cur)) policy_.combine(acc, pop(), i);
            out.push_back(policy_.finish(std::move(acc), i));
          } else {
            out.push_back(policy_.finish(pop(), i));
          }
        }
        return p.tree.empty();
      }
    });
  }

  static constexpr std::size_t part_records = 32768;
  run_state& rs_;
  step_stats& stats_;
  Policy policy_;
  std::vector<memory_run<E>> memory_;
  std::vector<disk_run> disk_;
  spill_space* space_;
  std::vector<std::vector<E>> firsts_;  // per disk run, per block
  std::vector<part_state> parts_;
  std::uint64_t records_ = 0;
  memory_account& account_;
  std::size_t held_ = 0;
  std::mutex m_;
  std::size_t head_ = 0;
  std::size_t parts_done_ = 0;
  std::size_t open_ = 0;  // parts started and not finished
  std::size_t max_open_ = 1;
};

}  // namespace parade::detail
