// Sorted runs and how they are read back: runs in memory and on disk,
// cursors over a run's records of one key range, and the tree of losers
// that merges them. Shared by the final merge (merge.hpp) and the merge
// passes that cut many runs down to a fan-in (merge_passes.hpp). Not API.
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
#include <utility>
#include <vector>

#include "parade/detail/std.hpp"  // std::sort, std::clamp
#include "parade/detail/elements.hpp"
#include "parade/detail/memory.hpp"
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

// Records a disk cursor decodes at a time.
inline constexpr std::size_t disk_cursor_batch = 128;

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
      while (left_ > 0 && items_.size() < disk_cursor_batch) {
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

// Memory a cursor over a disk run holds while it reads: its decoded block
// and a batch of decoded records, each taken as its object and one and a
// half times its serialized size (its heap blocks, with malloc's headers).
// What a merge of many runs costs.
template <class E>
std::size_t disk_cursor_bytes(const run_ref& r) {
  std::size_t block = 0, raw = 0;
  for (const auto& b : r.blocks) block = std::max<std::size_t>(block, b.raw), raw += b.raw;
  std::size_t per = sizeof(E) + sizeof(std::uint64_t) + 3 * (r.records ? raw / r.records : 0) / 2;
  return malloc_size(block) + std::min<std::size_t>(disk_cursor_batch, r.records) * per;
}

// The order in which a merge takes records: by the policy (its prefix
// first, kept in each cursor's `key`), then for stable merges by arrival,
// then by run.
template <class Policy>
bool merge_before(const Policy& policy, const run_cursor<typename Policy::record>& a,
                  const run_cursor<typename Policy::record>& b) {
  if constexpr (prefixed_policy<Policy>) {
    if (a.key != b.key) return a.key < b.key;
  }
  if constexpr (three_way_policy<Policy>) {
    if (int c = policy.compare(*a.cur, *b.cur); c != 0) return c < 0;
  } else {
    if (policy.less(*a.cur, *b.cur)) return true;
    if (policy.less(*b.cur, *a.cur)) return false;
  }
  if constexpr (Policy::stable) {
    std::uint64_t x = a.arrival ? *a.arrival : 0, y = b.arrival ? *b.arrival : 0;
    if (x != y) return x < y;
  }
  return a.id < b.id;
}

// Keeps the policy's prefix of a valid cursor's record (see merge_before).
template <class Policy>
void keep_prefix(const Policy& policy, run_cursor<typename Policy::record>& c) {
  if constexpr (prefixed_policy<Policy>) c.key = policy.prefix(*c.cur);
}

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

}  // namespace parade::detail
