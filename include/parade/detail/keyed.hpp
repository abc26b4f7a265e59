// Shared machinery of the keyed barriers (group_by_key, reduce_by_key,
// aggregate_by_key, ...): per-worker hash tables split into P partitions
// that pre-combine; over the memory budget a worker writes its tables out as
// a sorted run (values combined) and starts again. After the input,
// partition p of every worker merges into one table (P tasks in parallel),
// sorted; then the in-memory partitions and the spilled runs merge k-way by
// key ranges, combining equal keys, into the next segment (merge.hpp). Keys
// come out ascending when the key has `<`, else in the order they were
// first met (a second, internal barrier sorts them so). Not API.
#pragma once

#include <compare>
#include <memory>
#include <utility>
#include <vector>

#include "parade/detail/hash.hpp"
#include "parade/detail/hash_table.hpp"
#include "parade/detail/memory.hpp"
#include "parade/detail/exchange.hpp"
#include "parade/detail/merge.hpp"
#include "parade/detail/node.hpp"
#include "parade/detail/sorter.hpp"

namespace parade::detail {

// A value that carries nothing (distinct's): keys alone.
struct unit {
  bool operator==(const unit&) const = default;
};

template <class T>
struct pair_traits {
  static constexpr bool is_pair = false;
};
template <class K, class V>
struct pair_traits<std::pair<K, V>> {
  static constexpr bool is_pair = true;
  using key = K;
  using value = V;
};

// Number of hash partitions: a few per worker so the merge balances.
inline std::size_t partitions_for(std::size_t workers) { return std::clamp<std::size_t>(workers * 4, 4, 256); }

// Partition of a hash, from its lower half (the table uses the upper half,
// so the two do not correlate).
inline std::size_t partition_of(std::uint64_t h, std::size_t parts) {
  return std::size_t((std::uint64_t(std::uint32_t(h)) * parts) >> 32);
}

// Where an element was met, in input order: its token and its place in the
// token. Keys without `<` come out in the order they were first met.
struct arrival {
  std::uint64_t token = 0, index = 0;
  auto operator<=>(const arrival&) const = default;
};

// What a key without `<` carries beside its accumulator: where it was first
// met, and its hash (runs are in hash order).
template <class A>
struct unordered_acc {
  arrival first;
  std::uint64_t hash = 0;
  A acc;
};

template <class K, class A>
using keyed_acc = std::conditional_t<ordered_key<K>, A, unordered_acc<A>>;

template <class K, class A>
A& acc_of(keyed_acc<K, A>& a) {
  if constexpr (ordered_key<K>) return a;
  else return a.acc;
}

// The order of keyed records in runs: by key; keys without `<` by hash,
// then (equal hashes, rare) by their serialized bytes, which equal keys
// share, or by first arrival when they cannot be serialized (then they
// never spill, and in memory no key is in two runs).
template <class K, class A>
bool keyed_less(const std::pair<K, keyed_acc<K, A>>& a, const std::pair<K, keyed_acc<K, A>>& b) {
  if constexpr (ordered_key<K>) {
    return a.first < b.first;
  } else {
    if (a.second.hash != b.second.hash) return a.second.hash < b.second.hash;
    if constexpr (is_serializable_v<K>) {
      if (a.first == b.first) return false;
      std::string x, y;
      byte_writer wx(x), wy(y);
      serializer<K>::write(wx, a.first);
      serializer<K>::write(wy, b.first);
      return x < y;
    } else {
      return a.second.first < b.second.first;
    }
  }
}

// keyed_less as one type per record type, so every sort of keyed records
// (a spill, a merged partition; every op on the same K and A) shares one
// instantiation of std::sort.
template <class K, class A>
struct keyed_order {
  bool operator()(const std::pair<K, keyed_acc<K, A>>& a, const std::pair<K, keyed_acc<K, A>>& b) const {
    return keyed_less<K, A>(a, b);
  }
};

// Whether a keyed step can spill: its keys and accumulators serialize.
template <class K, class A>
inline constexpr bool keyed_spills = is_serializable_v<K> && is_serializable_v<A>;

template <class K, class A>
void write_keyed(byte_writer& w, const std::pair<K, keyed_acc<K, A>>& r) {
  if constexpr (keyed_spills<K, A>) {
    serializer<K>::write(w, r.first);
    if constexpr (ordered_key<K>) {
      serializer<A>::write(w, r.second);
    } else {
      w.varint(r.second.first.token);
      w.varint(r.second.first.index);
      w.bytes(&r.second.hash, sizeof r.second.hash);
      serializer<A>::write(w, r.second.acc);
    }
  }
}

template <class K, class A>
std::pair<K, keyed_acc<K, A>> read_keyed(byte_reader& r) {
  if constexpr (keyed_spills<K, A>) {
    K k = serializer<K>::read(r);
    if constexpr (ordered_key<K>) {
      return {std::move(k), serializer<A>::read(r)};
    } else {
      arrival first;
      first.token = r.varint();
      first.index = r.varint();
      std::uint64_t hash = 0;
      r.bytes(&hash, sizeof hash);
      return {std::move(k), unordered_acc<A>{first, hash, serializer<A>::read(r)}};
    }
  } else {
    throw std::logic_error("parade: read of a type without a serializer");
  }
}

// One worker slot's partitioned tables; `Ops` says how a value enters an
// accumulator (make(V&&, seq), add(A&, V&&, seq, context)), how two
// accumulators combine (combine(A&, A&&, context)). What an accumulator grows
// by is measured (heap_mark / heap_grown), whatever the user function does.
// The slot's context (if the step has one) is kept for the merges.
template <class K, class V, class A, class Ops, class Make>
class keyed_terminal final : public sink<std::pair<K, V>> {
 public:
  using acc_t = keyed_acc<K, A>;
  using record = std::pair<K, acc_t>;
  using table_t = hash_table<K, acc_t>;

  keyed_terminal(run_state& rs, step_stats& st, std::size_t parts, Ops ops, Make make, std::size_t slot)
      : rs_(rs), stats_(st), count_(st), parts_(parts), ops_(std::move(ops)), ctx_(std::move(make)),
        lease_(rs.memory()), slot_(slot) {}
  void begin_token(const token& t) override {
    seq_ = rs_.arrival(t);
    index_ = 0;
  }
  void end_token(token&) override { count_.publish(); }
  void consume(std::span<std::pair<K, V>> in) override {
    count_.in(in.size());
    guarded(stats_, [&] {
      if constexpr (!std::is_same_v<Make, no_context>) ctx_.get();
      // Read once a chunk, not once an element (a spill empties the tables
      // but keeps the vector of them).
      const bool forced = this->forced();
      // Inlined by force: called from three loops, g++ made it a call per
      // element (1 K keys: 107 -> 150 ms).
      auto one = [&](table_t& p, std::pair<K, V>& kv, std::uint64_t h) __attribute__((always_inline)) {
        bool added = false;
        std::size_t grow = 0;
        std::size_t i = p.find_or_add(std::move(kv.first), table_t::tag_of(h), [&] { return make_acc(std::move(kv.second), h); },
                                      added);
        if (added) {
          // The table's own arrays as they grow (they double), and what the
          // new key and accumulator own.
          grow = p.take_grown() + heap_bytes(p[i].first) + heap_bytes(acc_of<K, A>(p[i].second));
        } else {
          // What the accumulator grew by (a reduce that concatenates
          // grows; a sum does not, and costs nothing to measure).
          A& acc = acc_of<K, A>(p[i].second);
          auto mark = heap_mark(acc);
          ops_.add(acc, std::move(kv.second), seq_, ctx_);
          grow = heap_grown(acc, mark);
        }
        ++index_;
        // Nothing grew (a value combined in place): nothing to account.
        if (grow != 0 && (!lease_.grow(grow) || (forced && lease_.used() > force_spill_bytes))) {
          spill();
          lease_.force(0);
        }
      };
      if (!split_) {
        // Few keys so far: one table, no partition to pick per element.
        for (auto& kv : in) one(whole_, kv, hash_key(kv.first));
        if (whole_.table_bytes() > split_above) split();
        return;
      }
      table_t* const parts = parts_.data();
      const std::size_t nparts = parts_.size();
      std::size_t bytes = 0;
      for (std::size_t q = 0; q < nparts; ++q) bytes += parts[q].table_bytes();
      if (bytes < prefetch_above) {
        for (auto& kv : in) {
          std::uint64_t h = hash_key(kv.first);
          one(parts[partition_of(h, nparts)], kv, h);
        }
        return;
      }
      // Tables far larger than the cache: the probe of element i + ahead is
      // started (its slot fetched) while element i is looked up, so misses
      // overlap instead of following one another.
      constexpr std::size_t ahead = 8;
      std::uint64_t hashes[ahead];
      const std::size_t n = in.size();
      auto start = [&](std::size_t j) {
        std::uint64_t h = hash_key(in[j].first);
        parts[partition_of(h, nparts)].prefetch(table_t::tag_of(h));
        hashes[j % ahead] = h;
      };
      for (std::size_t j = 0; j < std::min(ahead, n); ++j) start(j);
      for (std::size_t j = 0; j < n; ++j) {
        std::uint64_t h = hashes[j % ahead];
        if (j + ahead < n) start(j + ahead);
        one(parts[partition_of(h, nparts)], in[j], h);
      }
    });
  }
  // The context stays open for the merges; the barrier closes it after.
  void close() override {}
  void close_context() {
    guarded(stats_, [&] { ctx_.close(); });
  }
  // After the input: the table split into the partitions the merge takes
  // (when spilling is forced, what is left goes to disk instead).
  void end_input() {
    if (forced()) spill();
    split();
  }

  std::vector<table_t>& parts() { return parts_; }
  context_slot<Make>& context() { return ctx_; }
  Ops& ops() { return ops_; }
  std::vector<disk_run>& disk() { return disk_; }
  memory_lease& lease() { return lease_; }

 private:
  static constexpr std::size_t force_spill_bytes = 16 << 10;
  // Tables bigger than this (together) are probed with prefetching: below,
  // they stay in the cache and the extra hashing would only cost.
  static constexpr std::size_t prefetch_above = std::size_t{4} << 20;
  // A worker starts with one table and splits it into its partitions when
  // it outgrows this (or when the input ends): while the keys are few and
  // the table in cache, picking a partition was a quarter of a lookup.
  static constexpr std::size_t split_above = std::size_t{256} << 10;
  // Forced spilling (PARADE_FORCE_SPILL) applies to what can be spilled.
  bool forced() const { return keyed_spills<K, A> && rs_.force_spill(); }
  acc_t make_acc(V&& v, std::uint64_t h) {
    if constexpr (ordered_key<K>) return ops_.make(std::move(v), seq_);
    else return unordered_acc<A>{{seq_, index_}, h, ops_.make(std::move(v), seq_)};
  }
  // Moves the one table's entries into the partitions (their keys hashed
  // again: the table keeps only the upper half of each hash). The arrays
  // it freed were counted; only what the partitions take beyond that is.
  void split() {
    if (split_) return;
    split_ = true;
    if (whole_.empty()) return;
    std::size_t was = whole_.table_bytes(), now = 0;
    auto entries = whole_.take();
    for (auto& e : entries) {
      std::uint64_t h = hash_key(e.first);
      bool added = false;
      auto& p = parts_[partition_of(h, parts_.size())];
      p.find_or_add(std::move(e.first), table_t::tag_of(h), [&] { return std::move(e.second); }, added);
    }
    for (auto& p : parts_) now += p.take_grown();
    if (now > was) lease_.force(now - was);
  }
  // Writes every table out as one run, sorted, and starts again. Each
  // table's entries are sorted where they are and merged as they are
  // written: gathering them into one vector first took a third as much
  // again as the tables held, uncounted, at every spill.
  void spill() {
    std::vector<memory_run<record>> tables;
    auto add = [&](table_t& t) {
      auto e = t.take();
      if (!e.empty()) tables.push_back({std::move(e), {}, std::uint32_t(tables.size())});
    };
    add(whole_);
    for (auto& p : parts_) add(p);
    if (tables.empty()) return;
    if constexpr (!keyed_spills<K, A>) {
      cannot_spill(stats_.name);
    } else {
      std::vector<memory_cursor<record>> cursors;
      cursors.reserve(tables.size());
      std::vector<run_cursor<record>*> leaves;
      for (auto& t : tables) {
        sort_elements(t.items, keyed_order<K, A>{});
        cursors.emplace_back(t, 0, t.items.size());
        leaves.push_back(&cursors.back());
      }
      // A key is in one table only: the order of keys is the whole order.
      auto before = [](const run_cursor<record>& a, const run_cursor<record>& b) {
        return keyed_less<K, A>(*a.cur, *b.cur);
      };
      loser_tree<record> tree;
      tree.build(std::move(leaves), before);
      run_writer<record> w(rs_.spill(), slot_, stats_.spilled);
      while (!tree.empty()) {
        auto* c = tree.top();
        w.add(*c->cur, [](byte_writer& bw, const record& x) { write_keyed<K, A>(bw, x); });
        c->advance();
        tree.replay(before);
      }
      disk_.push_back({w.finish(), std::uint32_t(disk_.size())});
      tables.clear();
      lease_.release();
    }
  }

  run_state& rs_;
  step_stats& stats_;
  step_counter count_;
  std::vector<table_t> parts_;
  table_t whole_;  // before split(): every key, in one table
  bool split_ = false;
  Ops ops_;
  context_slot<Make> ctx_;
  memory_lease lease_;
  std::size_t slot_;
  std::vector<disk_run> disk_;
  std::uint64_t seq_ = 0, index_ = 0;
};

// How keyed records merge: by keyed_less, equal keys combined, then
// finished into the output value. Keys without `<` carry their first
// arrival out, for the sort that puts them in that order.
template <class K, class V, class A, class Out, class Ops, class Make, class Finish>
struct keyed_policy {
  using term_t = keyed_terminal<K, V, A, Ops, Make>;
  using record = typename term_t::record;
  using output = std::conditional_t<ordered_key<K>, std::pair<K, Out>, std::pair<arrival, std::pair<K, Out>>>;
  static constexpr bool stable = false;
  static constexpr bool combines = true;

  // The slots' contexts, for combining equal keys of two runs: part p uses
  // slot p % n's, one worker at a time.
  struct shared {
    std::vector<std::shared_ptr<void>> keep;
    std::vector<term_t*> slots;
    std::unique_ptr<std::mutex[]> locks;
  };
  std::shared_ptr<shared> s;
  Finish finish_fn;
  const step_stats* stats;

  bool less(const record& a, const record& b) const { return keyed_less<K, A>(a, b); }
  void write(byte_writer& w, const record& r, std::uint64_t) const { write_keyed<K, A>(w, r); }
  record read(byte_reader& r, std::uint64_t& arrival_out) const {
    arrival_out = 0;
    return read_keyed<K, A>(r);
  }
  void combine(record& into, record&& from, std::size_t part) {
    auto* t = s->slots[part % s->slots.size()];
    if constexpr (std::is_same_v<Make, no_context>) {
      t->ops().combine(acc_of<K, A>(into.second), std::move(acc_of<K, A>(from.second)), t->context());
    } else {
      std::lock_guard lk(s->locks[part % s->slots.size()]);
      t->ops().combine(acc_of<K, A>(into.second), std::move(acc_of<K, A>(from.second)), t->context());
    }
    if constexpr (!ordered_key<K>) into.second.first = std::min(into.second.first, from.second.first);
  }
  output finish(record&& r, std::size_t) {
    if constexpr (ordered_key<K>) {
      return output(std::move(r.first), finish_fn(std::move(r.second)));
    } else {
      arrival a = r.second.first;
      return output(a, std::pair<K, Out>(std::move(r.first), finish_fn(std::move(r.second.acc))));
    }
  }
};

// Runs a user callable for a step known by name (its stats are made later,
// by the barrier it feeds): a throw fails that step.
template <class Fn>
decltype(auto) guarded_as(const std::string& step, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const unwinding&) {
    throw;
  } catch (...) {
    fail_step(step);
  }
}

// A sink that hands on part of each element (the keyed output without its
// arrival, once sorted by it).
template <class From, class To, class Fn>
class transform_sink final : public sink<From> {
 public:
  transform_sink(sink<To>& next, Fn fn) : next_(next), fn_(std::move(fn)) {}
  void begin_token(const token& t) override { next_.begin_token(t); }
  void end_token(token& t) override { next_.end_token(t); }
  void close() override { next_.close(); }
  void consume(std::span<From> in) override {
    buf_.clear();
    for (auto& x : in) buf_.push_back(fn_(std::move(x)));
    next_.consume(std::span<To>(buf_));
  }

 private:
  sink<To>& next_;
  Fn fn_;
  std::vector<To> buf_;
};

template <class To, class From, class Fn>
open_end<To> transform_end(open_end<From> up, Fn fn) {
  auto e = carry_on<To>(std::move(up));
  e.make = [make = std::move(up.make), fn](sink<To>& out) {
    auto s = std::make_shared<transform_sink<From, To, Fn>>(out, fn);
    auto r = make(*s);
    r->keep(s);
    return r;
  };
  return e;
}

// A keyed barrier: the parent's segment into per-slot tables, the merge,
// the ordering. Compiling only plans it (so every step is known before the
// run starts); the returned open end runs it first. finish(A&&) -> Out.
template <class K, class V, class A, class Out, class Ops, class Make, class Finish>
open_end<std::pair<K, Out>> run_keyed(run_state& rs, open_end<std::pair<K, V>> up, const op_options& o,
                                      const char* kind, Ops ops, Make make, Finish finish) {
  static_assert(check_key<K>::ok);
  using term_t = keyed_terminal<K, V, A, Ops, Make>;
  using policy_t = keyed_policy<K, V, A, Out, Ops, Make, Finish>;
  using record = typename term_t::record;
  using out_t = typename policy_t::output;
  std::size_t cap = cap_of(o);
  if (cap != up.cap && cap != SIZE_MAX) up = close(rs, std::move(up));
  auto name = step_name(o, kind);
  auto& stats = add_step_after(rs, up, name, kind, dataset_name(o, name), yields::known);
  stats.barrier = true;
  std::size_t P = partitions_for(rs.workers());
  auto reg = std::make_shared<slot_list>();
  auto next_slot = std::make_shared<std::atomic<std::size_t>>(0);
  add_terminal(up, stats.name, cap, [&rs, reg, next_slot, &stats, P, ops, make]() {
    auto t = std::make_shared<term_t>(rs, stats, P, ops, make, next_slot->fetch_add(1));
    reg->add(t);
    return t;
  });
  up.spread = true;  // arrivals keep input order
  auto src = std::make_shared<deferred_source>();
  auto input = std::make_shared<open_end<std::pair<K, V>>>(std::move(up));

  auto run = [&rs, &stats, input, reg, src, P, finish]() {
    run_segment(rs, *input);
    // The input's plan holds earlier barriers' results (their closures and
    // sources): free them now, not when the action ends.
    *input = {};
    if (rs.stopped()) throw stop_signal{};
    stats.set_state(step_state::finishing);  // its merges and its output come next

    std::vector<term_t*> slots;
    for (auto& s : reg->all()) slots.push_back(static_cast<term_t*>(s.get()));
    parallel_for(rs, slots.size(), stats.name, [&](std::size_t i, std::size_t) {
      guarded(stats, [&] { slots[i]->end_input(); });
    });
    if (rs.stopped()) throw stop_signal{};
    // Partition p of every slot merges into one table, P tasks in parallel,
    // then sorted: a memory run. Merge worker w combines with slot w's
    // context, so a step with a context makes no more of them than its slots.
    std::vector<memory_run<record>> memory(P);
    parallel_for(rs, P, stats.name, [&](std::size_t p, std::size_t w) {
      std::size_t big = 0;
      for (std::size_t s = 1; s < slots.size(); ++s)
        if (slots[s]->parts()[p].size() > slots[big]->parts()[p].size()) big = s;
      auto merged = std::move(slots[big]->parts()[p]);
      for (std::size_t s = 0; s < slots.size(); ++s) {
        if (s == big) continue;
        auto other = std::move(slots[s]->parts()[p]);
        auto tags = other.tags();
        auto entries = other.take();
        for (std::size_t i = 0; i < entries.size(); ++i) {
          bool added = false;
          std::size_t at = merged.find_or_add(std::move(entries[i].first), tags[i],
                                              [&] { return std::move(entries[i].second); }, added);
          if (added) continue;
          guarded(stats, [&] {
            slots[w]->ops().combine(acc_of<K, A>(merged[at].second), std::move(acc_of<K, A>(entries[i].second)),
                                    slots[w]->context());
          });
          if constexpr (!ordered_key<K>)
            merged[at].second.first = std::min(merged[at].second.first, entries[i].second.first);
        }
      }
      auto& mine = memory[p];
      mine.items = merged.take();
      mine.id = std::uint32_t(1u << 30) + std::uint32_t(p);
      sort_elements(mine.items, keyed_order<K, A>{});
    }, slots.size());
    if (rs.stopped()) throw stop_signal{};

    std::vector<memory_run<record>> mem;
    for (auto& m : memory)
      if (!m.items.empty()) mem.push_back(std::move(m));
    std::vector<disk_run> disk;
    std::size_t held = 0;
    bool spilled = false;
    auto sh = std::make_shared<typename policy_t::shared>();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      for (auto& d : slots[i]->disk()) disk.push_back({std::move(d.ref), std::uint32_t(disk.size())});
      held += slots[i]->lease().used();
      slots[i]->lease().release();
    }
    held = exchange_runs<keyed_spills<K, A>>(rs, stats, policy_t{nullptr, finish, &stats}, mem, disk, held);
    spilled = !disk.empty();
    // Spilled or exchanged runs may share keys: they combine in the merge.
    bool combining = spilled || rs.distributed();
    if (!combining) {
      // Nothing left to combine: the slots' contexts close now.
      for (auto* t : slots) {
        try {
          t->close_context();
        } catch (const step_failure& f) {
          rs.fail(f.step, f.original);
        }
      }
    }
    sh->keep = reg->all();
    sh->slots = slots;
    sh->locks = std::make_unique<std::mutex[]>(std::max<std::size_t>(1, slots.size()));
    auto merge = std::make_shared<merge_source<policy_t>>(rs, stats, policy_t{sh, finish, &stats}, std::move(mem),
                                                          std::move(disk), &rs.spill(), rs.workers() * 4, held);
    stats.out_known_ns.store(std::chrono::steady_clock::now().time_since_epoch().count());
    // Runs that share keys: the output's length is known once merged.
    if (!combining) stats.out_total.store(merge->records());
    src->set(std::move(merge));
  };
  open_end<out_t> e;
  e.source = src;
  e.name = stats.name;
  e.steps.push_back(&stats);
  e.make = [&rs](sink<out_t>& out) -> std::unique_ptr<reader_base> {
    return std::make_unique<chunk_reader<out_t>>(rs, out);
  };
  e.before.push_back(std::move(run));
  if constexpr (ordered_key<K>) {
    return e;
  } else {
    // Keys without `<`: in the order they were first met, by an internal sort.
    op_options order{.name = stats.name + " (first-met order)", .output_name = stats.dataset, .workers = 0};
    auto sorted = run_sort(rs, std::move(e), order, "order",
                           [](const out_t& a, const out_t& b) { return a.first < b.first; });
    return transform_end<std::pair<K, Out>>(std::move(sorted), [](out_t&& x) { return std::move(x.second); });
  }
}

}  // namespace parade::detail

namespace parade {
template <>
struct serializer<detail::unit> {
  static void write(byte_writer&, const detail::unit&) {}
  static detail::unit read(byte_reader&) { return {}; }
};
}  // namespace parade
