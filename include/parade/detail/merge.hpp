// The output of a sorting barrier: sorted runs (in memory and spilled)
// merged k-way, in parallel by key ranges, streamed to the next segment in
// order without being materialized first. Not API.
//
// A Policy says what a record is and how runs of it merge:
//   using record = ...; using output = ...;
//   static constexpr bool stable;    // equal records keep their input order
//   static constexpr bool combines;  // equal keys become one output
//   bool less(const record&, const record&) const;
//   void write(byte_writer&, const record&, std::uint64_t arrival) const;
//   record read(byte_reader&, std::uint64_t& arrival) const;
//   void combine(record& into, record&& from, std::size_t part);  // if combines
//   output finish(record&&, std::size_t part);
// A policy may instead see each key's records as a group (a join streams
// its matches out); it then has `struct group` and
//   bool in_group(const group&, const record&) const;  // same key as the group's
//   void add(group&, record&&);                         // may leave output pending
//   bool pending(const group&) const;
//   void drain(group&, std::vector<output>&, std::size_t n);  // about n at most
//   void end_group(group&, std::vector<output>&);       // no-op on an empty group
//
// Threading: one worker at a time works on a part (a key range); parts run
// in parallel; setup runs on one thread before any part.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "parade/detail/elements.hpp"
#include "parade/detail/node.hpp"
#include "parade/detail/spill.hpp"

namespace parade::detail {

// A sorted run held in memory, with each record's arrival for stable
// merges (empty otherwise). `id` orders runs of one worker by creation.
template <class E>
struct memory_run {
  std::vector<E> items;
  std::vector<std::uint64_t> arrival;
  std::uint32_t id = 0;
};

// A policy that sees groups (see above) has a group type.
template <class Policy>
concept grouping_policy = requires { typename Policy::group; };

template <class Policy>
struct group_of {
  struct type {};
};
template <grouping_policy Policy>
struct group_of<Policy> {
  using type = typename Policy::group;
};

// A sorted run on disk, with its id (see memory_run).
struct disk_run {
  run_ref ref;
  std::uint32_t id = 0;
};

// The first record of every block of every disk run, decoded (to find
// where a key range starts in a run).
template <class Policy>
std::vector<std::vector<typename Policy::record>> decode_firsts(const Policy& policy, const std::vector<disk_run>& disk) {
  std::vector<std::vector<typename Policy::record>> firsts(disk.size());
  for (std::size_t r = 0; r < disk.size(); ++r)
    for (auto& bytes : disk[r].ref.first) {
      byte_reader rd(bytes);
      std::uint64_t a = 0;
      firsts[r].push_back(policy.read(rd, a));
    }
  return firsts;
}

// The last block of a run (given its blocks' first records) whose first
// record is before s: records equal to s may begin there.
template <class Policy, class E>
std::size_t start_block(const Policy& policy, const std::vector<E>& firsts, const E& s) {
  auto it = std::lower_bound(firsts.begin(), firsts.end(), s, [&](const E& e, const E& k) { return policy.less(e, k); });
  return it == firsts.begin() ? 0 : std::size_t(it - firsts.begin()) - 1;
}

// Reads one run's records of one part in batches: a memory slice at once,
// a disk run a block at a time. Only refill() is virtual.
template <class E>
class run_cursor {
 public:
  virtual ~run_cursor() = default;
  E* cur = nullptr;
  E* end = nullptr;
  const std::uint64_t* arrival = nullptr;  // parallel to cur, or null
  std::uint32_t id = 0;
  std::uint64_t key = 0;  // the policy's prefix of *cur, if it has one (kept by the merge)
  // Loads the next batch; false when the run's part has no more.
  virtual bool refill() = 0;
  bool valid() { return cur != end || refill(); }
  void advance() {
    ++cur;
    if (arrival) ++arrival;
  }
};

template <class E>
class memory_cursor final : public run_cursor<E> {
 public:
  memory_cursor(memory_run<E>& r, std::size_t from, std::size_t to) {
    this->cur = r.items.data() + from;
    this->end = r.items.data() + to;
    this->arrival = r.arrival.empty() ? nullptr : r.arrival.data() + from;
    this->id = r.id;
  }
  bool refill() override { return false; }
};

template <class Policy>
class disk_cursor final : public run_cursor<typename Policy::record> {
  using E = typename Policy::record;

 public:
  // Reads `run` from block `block`, skipping records before `lo` and
  // stopping at the first at or after `hi` (null: no bound). `keep`: the
  // next part's start block in this run.
  //
  // Neighbouring parts share blocks: the part before this one may read this
  // part's start block and the one after it (where it finds its end), and
  // the part after starts at `keep`. Blocks strictly between are this
  // part's alone; their disk space is freed once read.
  disk_cursor(const Policy& policy, spill_space& space, const disk_run& run, std::size_t block, std::size_t keep,
              const E* lo, const E* hi)
      : policy_(policy), space_(space), run_(run), next_(block), start_(block), keep_(keep), lo_(lo), hi_(hi) {
    this->id = run.id;
  }
  // Decodes the next few records of the block (a block at once would decode
  // records past `hi` that the next part decodes again: with parts of a few
  // blocks per run, most of the work).
  bool refill() override {
    while (!done_) {
      if (left_ == 0) {
        if (next_ >= run_.ref.blocks.size()) return done_ = true, false;
        if (next_ > start_ + 2 && next_ - 1 < keep_) space_.forget(run_.ref.file, run_.ref.blocks[next_ - 1]);
        const block_ref& b = run_.ref.blocks[next_++];
        space_.read(run_.ref.file, b, raw_);
        reader_ = byte_reader(raw_.data(), raw_.size());
        left_ = b.records;
      }
      items_.clear();
      arrivals_.clear();
      while (left_ > 0 && items_.size() < batch) {
        std::uint64_t a = 0;
        E e = policy_.read(reader_, a);
        --left_;
        if (lo_) {
          if (policy_.less(e, *lo_)) continue;
          lo_ = nullptr;  // found the start: later records need no test
        }
        if (hi_ && !policy_.less(e, *hi_)) {
          done_ = true;
          break;
        }
        items_.push_back(std::move(e));
        arrivals_.push_back(a);
      }
      this->cur = items_.data();
      this->end = items_.data() + items_.size();
      this->arrival = arrivals_.data();
      if (!items_.empty()) return true;
    }
    return false;
  }

 private:
  static constexpr std::size_t batch = 256;
  const Policy& policy_;
  spill_space& space_;
  const disk_run& run_;
  std::size_t next_, start_, keep_;
  const E* lo_;
  const E* hi_;
  bool done_ = false;
  std::string raw_;  // the block being read
  byte_reader reader_{nullptr, 0};
  std::uint32_t left_ = 0;  // its records not yet decoded
  std::vector<E> items_;
  std::vector<std::uint64_t> arrivals_;
};

// A policy may order records by a 64-bit prefix first (prefix(a) <
// prefix(b) means a before b; equal prefixes say nothing) and compare them
// three-way (negative, zero, positive: one call where less needs two).
template <class P>
concept prefixed_policy = requires(const P& p, const typename P::record& r) {
  { p.prefix(r) } -> std::same_as<std::uint64_t>;
};
template <class P>
concept three_way_policy = requires(const P& p, const typename P::record& r) {
  { p.compare(r, r) } -> std::same_as<int>;
};

// The runs' cursors as a tree of losers (Knuth, TAOCP 5.4.1): the winner's
// record is the next in merge order, and replacing it costs one comparison
// per level, about half of a binary heap's pop and push.
template <class E>
class loser_tree {
 public:
  // `before(a, b)`: a's record comes before b's (a strict total order).
  // Every leaf must be valid.
  template <class Before>
  void build(std::vector<run_cursor<E>*> leaves, const Before& before) {
    leaves_ = std::move(leaves);
    k_ = live_ = leaves_.size();
    node_.assign(std::max<std::size_t>(k_, 1), none);
    // Each leaf climbs until a free node keeps it; the last reaches the top.
    for (std::uint32_t i = 0; i < k_; ++i) {
      std::uint32_t w = i;
      std::size_t n = (i + k_) / 2;
      for (; n > 0; n /= 2) {
        if (node_[n] == none) break;
        if (wins(node_[n], w, before)) std::swap(node_[n], w);
      }
      node_[n] = w;
    }
  }
  bool empty() const { return live_ == 0; }
  run_cursor<E>* top() const { return leaves_[node_[0]]; }
  // The top advanced: it plays its way up again (or drops out, exhausted).
  template <class Before>
  void replay(const Before& before) {
    std::uint32_t w = node_[0];
    if (!leaves_[w]->valid()) leaves_[w] = nullptr, --live_;
    for (std::size_t n = (w + k_) / 2; n > 0; n /= 2)
      if (wins(node_[n], w, before)) std::swap(node_[n], w);
    node_[0] = w;
  }

 private:
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  template <class Before>
  bool wins(std::uint32_t a, std::uint32_t b, const Before& before) const {
    if (!leaves_[a]) return false;  // exhausted: loses to every leaf
    if (!leaves_[b]) return true;
    return before(*leaves_[a], *leaves_[b]);
  }
  std::vector<run_cursor<E>*> leaves_;  // null once exhausted
  std::vector<std::uint32_t> node_;     // [0]: the winner; [n]: the loser at node n
  std::size_t k_ = 0, live_ = 0;
};

// The merged runs as a concurrent source: each part is a key range, read by
// one worker at a time, several parts at once; tokens of part i come in
// order, so ordered steps downstream see the merged order.
template <class Policy>
class merge_source final : public source_def {
  using E = typename Policy::record;
  using Out = typename Policy::output;

 public:
  merge_source(run_state& rs, step_stats& stats, Policy policy, std::vector<memory_run<E>> memory,
               std::vector<disk_run> disk, spill_space* space, std::size_t parts_wanted)
      : rs_(rs), stats_(stats), policy_(std::move(policy)), memory_(std::move(memory)), disk_(std::move(disk)),
        space_(space) {
    split(parts_wanted);
    max_open_ = 2 * rs.workers();
  }

  ~merge_source() override {
    if (account_) account_->give_back(held_);
  }
  // The memory runs' bytes stay counted against the run's budget until this
  // source is gone (after the segment that reads it).
  void hold(memory_account& a, std::size_t bytes) {
    account_ = &a;
    held_ = bytes;
    a.take(bytes);
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

  // The first and second record in merge order: by the policy, then (for
  // stable merges) by arrival, then by run.
  bool before(const run_cursor<E>& a, const run_cursor<E>& b) const {
    if constexpr (prefixed_policy<Policy>) {
      if (a.key != b.key) return a.key < b.key;
    }
    if constexpr (three_way_policy<Policy>) {
      if (int c = policy_.compare(*a.cur, *b.cur); c != 0) return c < 0;
    } else {
      if (policy_.less(*a.cur, *b.cur)) return true;
      if (policy_.less(*b.cur, *a.cur)) return false;
    }
    if constexpr (Policy::stable) {
      std::uint64_t x = a.arrival ? *a.arrival : 0, y = b.arrival ? *b.arrival : 0;
      if (x != y) return x < y;
    }
    return a.id < b.id;
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
    auto keep_key = [this](run_cursor<E>& c) {
      if constexpr (prefixed_policy<Policy>) c.key = policy_.prefix(*c.cur);
    };
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
  memory_account* account_ = nullptr;
  std::size_t held_ = 0;
  std::mutex m_;
  std::size_t head_ = 0;
  std::size_t parts_done_ = 0;
  std::size_t open_ = 0;  // parts started and not finished
  std::size_t max_open_ = 1;
};

}  // namespace parade::detail
