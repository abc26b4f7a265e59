// Shared machinery of the keyed barriers (group_by_key, reduce_by_key):
// per-worker hash tables split into P partitions, a parallel merge of
// partition p across workers, then output in ascending key order when the
// key has `<`, else in the order keys were first met. Not API.
//
// Layout for spilling (a later issue): a partition is the unit that is merged,
// sorted and handed on, so a partition can be sorted and written as a run.
#pragma once

#include <compare>
#include <memory>
#include <utility>
#include <vector>

#include "parade/detail/hash.hpp"
#include "parade/detail/hash_table.hpp"
#include "parade/detail/index_source.hpp"
#include "parade/detail/node.hpp"

namespace parade::detail {

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

// One worker slot's partitioned tables; `Ops` says how a value enters an
// accumulator (Ops::make(V&&, seq), Ops::add(A&, V&&, seq, context)) and how
// two accumulators combine (Ops::combine(A&, A&&, context)). The slot's
// context (if the step has one) is kept for the merge.
template <class K, class V, class A, class Ops, class Make>
class keyed_terminal final : public sink<std::pair<K, V>> {
 public:
  static constexpr bool ordered = ordered_key<K>;
  struct part {
    hash_table<K, A> table;
    std::vector<arrival> first;  // keys without `<`: where each entry's key was first met
  };

  keyed_terminal(step_stats& st, std::size_t parts, Ops ops, Make make)
      : stats_(st), count_(st), parts_(parts), ops_(std::move(ops)), ctx_(std::move(make)) {}
  void begin_token(const token& t) override {
    seq_ = t.order();
    index_ = 0;
  }
  void end_token(token&) override { count_.publish(); }
  void consume(std::span<std::pair<K, V>> in) override {
    count_.in(in.size());
    guarded(stats_, [&] {
      if constexpr (!std::is_same_v<Make, no_context>) ctx_.get();
      for (auto& kv : in) {
        std::uint64_t h = hash_key(kv.first);
        auto& p = parts_[partition_of(h, parts_.size())];
        bool added = false;
        std::size_t i = p.table.find_or_add(std::move(kv.first), hash_table<K, A>::tag_of(h),
                                            [&] { return ops_.make(std::move(kv.second), seq_); }, added);
        if (!added) ops_.add(p.table[i].second, std::move(kv.second), seq_, ctx_);
        else if constexpr (!ordered) p.first.push_back({seq_, index_});
        ++index_;
      }
    });
  }
  std::vector<part>& parts() { return parts_; }
  context_slot<Make>& context() { return ctx_; }
  // The context stays open for the merge; the barrier closes it after.
  void close() override {}
  void close_context() {
    guarded(stats_, [&] { ctx_.close(); });
  }
  const Ops& ops() const { return ops_; }

 private:
  step_stats& stats_;
  step_counter count_;
  std::vector<part> parts_;
  Ops ops_;
  context_slot<Make> ctx_;
  std::uint64_t seq_ = 0, index_ = 0;
};

// The finished barrier: sorted pieces whose concatenation is the output.
template <class E>
struct pieces {
  std::vector<std::vector<E>> parts;
  std::vector<std::size_t> offsets;  // prefix sums of sizes
  std::size_t size() const { return offsets.empty() ? 0 : offsets.back(); }
  void index() {
    offsets.assign(1, 0);
    for (auto& p : parts) offsets.push_back(offsets.back() + p.size());
  }
};

// Merges P key-sorted runs (keys unique across runs) into ~R sorted pieces in
// parallel: splitters sampled from the runs cut the key space, and each piece
// k-way merges its slice of every run. Elements are moved, never copied.
template <class K, class E>
pieces<E> merge_sorted_runs(run_state& rs, std::vector<std::vector<E>>& runs, const std::string& step) {
  pieces<E> out;
  std::size_t total = 0;
  for (auto& r : runs) total += r.size();
  std::size_t want = std::max<std::size_t>(1, std::min<std::size_t>(rs.workers() * 4, total / 4096 + 1));
  auto key_less = [](const K* a, const K* b) { return *a < *b; };
  std::vector<const K*> samples;
  if (want > 1)
    for (auto& r : runs)
      for (std::size_t k = 1; k <= want; ++k)
        if (!r.empty()) samples.push_back(&r[std::min(r.size() - 1, r.size() * k / (want + 1))].first);
  std::sort(samples.begin(), samples.end(), key_less);
  std::vector<const K*> splitters;
  for (std::size_t k = 1; k < want && !samples.empty(); ++k) {
    const K* s = samples[samples.size() * k / want];
    if (splitters.empty() || *splitters.back() < *s) splitters.push_back(s);
  }
  std::size_t npieces = splitters.size() + 1;
  // bounds[r][i]: where piece i starts in run r. Found before any element
  // moves, as the splitters point into the runs.
  std::vector<std::vector<std::size_t>> bounds(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    bounds[r].push_back(0);
    for (auto* sp : splitters) {
      auto it = std::lower_bound(runs[r].begin(), runs[r].end(), *sp,
                                 [](const E& e, const K& k) { return e.first < k; });
      bounds[r].push_back(std::size_t(it - runs[r].begin()));
    }
    bounds[r].push_back(runs[r].size());
  }
  out.parts.resize(npieces);
  parallel_for(rs, npieces, step, [&](std::size_t i, std::size_t) {
    auto& dst = out.parts[i];
    using cursor = std::pair<std::size_t, std::size_t>;  // run, index
    auto greater = [&](const cursor& a, const cursor& b) { return runs[b.first][b.second].first < runs[a.first][a.second].first; };
    std::vector<cursor> heap;
    std::size_t n = 0;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      n += bounds[r][i + 1] - bounds[r][i];
      if (bounds[r][i] < bounds[r][i + 1]) heap.push_back({r, bounds[r][i]});
    }
    std::make_heap(heap.begin(), heap.end(), greater);
    dst.reserve(n);
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end(), greater);
      auto [r, k] = heap.back();
      heap.pop_back();
      dst.emplace_back(std::move(runs[r][k]));
      if (k + 1 < bounds[r][i + 1]) {
        heap.push_back({r, k + 1});
        std::push_heap(heap.begin(), heap.end(), greater);
      }
    }
  });
  out.index();
  return out;
}

// Puts the runs of keys without `<` in the order their keys were first met
// (one piece): the same order for every run and worker count.
template <class E>
pieces<E> order_by_arrival(std::vector<std::vector<E>>& runs, std::vector<std::vector<arrival>>& firsts) {
  struct at {
    arrival a;
    std::uint32_t run;
    std::uint32_t i;
  };
  std::vector<at> order;
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (std::size_t i = 0; i < runs[r].size(); ++i) order.push_back({firsts[r][i], std::uint32_t(r), std::uint32_t(i)});
  std::sort(order.begin(), order.end(), [](const at& x, const at& y) { return x.a < y.a; });
  pieces<E> out;
  out.parts.resize(1);
  out.parts[0].reserve(order.size());
  for (auto& o : order) out.parts[0].emplace_back(std::move(runs[o.run][o.i]));
  out.index();
  return out;
}

// Source over a barrier's result: splittable, elements moved out. The result
// is filled in by an earlier segment, so the source learns its size then.
template <class E>
open_end<E> pieces_source(run_state& rs, step_stats& stats, std::shared_ptr<pieces<E>> data,
                          std::shared_ptr<index_source> src) {
  struct fill_t {
    std::shared_ptr<pieces<E>> d;
    void operator()(std::vector<E>& buf, std::int64_t i, std::size_t n) const {
      buf.clear();
      auto pos = std::size_t(i);
      std::size_t p = std::size_t(std::upper_bound(d->offsets.begin(), d->offsets.end(), pos) - d->offsets.begin()) - 1;
      while (n > 0) {
        std::size_t off = pos - d->offsets[p];
        std::size_t take = std::min(n, d->parts[p].size() - off);
        append_moved(buf, std::span<E>(d->parts[p].data() + off, take));
        n -= take;
        pos += take;
        ++p;
      }
    }
  };
  open_end<E> e;
  e.source = std::move(src);
  e.name = stats.name;
  e.steps.push_back(&stats);
  e.make = [&rs, &stats, fill = fill_t{std::move(data)}](sink<E>& out) -> std::unique_ptr<reader_base> {
    return std::make_unique<index_reader<E, fill_t>>(rs, stats, out, fill, /*count_in=*/false);
  };
  return e;
}

// A keyed barrier: the parent's segment into per-slot tables, the merge, the
// ordering. Compiling only plans it (so every step is known before the run
// starts); the returned open end runs it first. finish(A&&) -> output value.
template <class K, class V, class A, class Out, class Ops, class Make, class Finish>
open_end<std::pair<K, Out>> run_keyed(run_state& rs, open_end<std::pair<K, V>> up, const op_options& o,
                                      const char* kind, Ops ops, Make make, Finish finish) {
  static_assert(check_key<K>::ok);
  using term_t = keyed_terminal<K, V, A, Ops, Make>;
  using part_t = typename term_t::part;
  using E = std::pair<K, Out>;
  std::size_t cap = cap_of(o);
  if (cap != up.cap && cap != SIZE_MAX) up = close(rs, std::move(up));
  auto name = step_name(o, kind);
  auto& stats = add_step_after(rs, up, name, kind, dataset_name(o, name), yields::known);
  stats.barrier = true;
  std::size_t P = partitions_for(rs.workers());
  auto reg = std::make_shared<slot_list>();
  add_terminal(up, stats.name, cap, [reg, &stats, P, ops, make]() {
    auto t = std::make_shared<term_t>(stats, P, ops, make);
    reg->add(t);
    return t;
  });
  auto data = std::make_shared<pieces<E>>();
  auto src = std::make_shared<index_source>(0, chunk_limit<E>());
  auto input = std::make_shared<open_end<std::pair<K, V>>>(std::move(up));

  auto run = [&rs, &stats, input, reg, data, src, P, finish]() {
    run_segment(rs, *input);
    // The input's plan holds earlier barriers' results (their closures and
    // sources): free them now, not when the action ends.
    *input = {};
    if (rs.stopped()) throw stop_signal{};
    stats.set_state(step_state::finishing);  // its merge and its output come next

    // Partition p of every slot merges into one table, P tasks in parallel.
    // Merge worker w combines with slot w's context, so a step with a context
    // makes no more of them than its slots (and never makes new ones here).
    std::vector<std::vector<E>> runs(P);
    std::vector<std::vector<arrival>> firsts(term_t::ordered ? 0 : P);
    std::vector<term_t*> slots;
    for (auto& s : reg->all()) slots.push_back(static_cast<term_t*>(s.get()));
    parallel_for(rs, P, stats.name, [&](std::size_t p, std::size_t w) {
      std::size_t big = 0;
      for (std::size_t s = 1; s < slots.size(); ++s)
        if (slots[s]->parts()[p].table.size() > slots[big]->parts()[p].table.size()) big = s;
      part_t merged = std::move(slots[big]->parts()[p]);
      for (std::size_t s = 0; s < slots.size(); ++s) {
        if (s == big) continue;
        part_t other = std::move(slots[s]->parts()[p]);
        auto tags = other.table.tags();
        auto entries = other.table.take();
        for (std::size_t i = 0; i < entries.size(); ++i) {
          bool added = false;
          std::size_t at = merged.table.find_or_add(std::move(entries[i].first), tags[i],
                                                    [&] { return std::move(entries[i].second); }, added);
          if (added) {
            if constexpr (!term_t::ordered) merged.first.push_back(other.first[i]);
            continue;
          }
          guarded(stats, [&] {
            slots[w]->ops().combine(merged.table[at].second, std::move(entries[i].second), slots[w]->context());
          });
          if constexpr (!term_t::ordered) merged.first[at] = std::min(merged.first[at], other.first[i]);
        }
      }
      auto entries = merged.table.take();
      auto& out = runs[p];
      out.reserve(entries.size());
      for (auto& en : entries)
        out.emplace_back(std::move(en.first), guarded(stats, [&] { return finish(std::move(en.second)); }));
      if constexpr (term_t::ordered)
        sort_elements(out, [](const E& a, const E& b) { return a.first < b.first; });
      else
        firsts[p] = std::move(merged.first);
    }, slots.size());
    for (auto* s : slots) {  // the slots' contexts close here
      try {
        s->close_context();
      } catch (const step_failure& f) {
        rs.fail(f.step, f.original);
      }
    }
    slots.clear();
    reg->all().clear();
    if (rs.stopped()) throw stop_signal{};

    if constexpr (term_t::ordered) {
      *data = merge_sorted_runs<K, E>(rs, runs, stats.name);
    } else {
      *data = order_by_arrival(runs, firsts);
    }
    if (rs.stopped()) throw stop_signal{};
    src->reset(std::int64_t(data->size()));
    stats.out_known_ns.store(std::chrono::steady_clock::now().time_since_epoch().count());
    stats.out_total.store(data->size());  // the next steps now have a total
  };
  auto e = pieces_source<E>(rs, stats, data, src);
  e.before.push_back(std::move(run));
  return e;
}

}  // namespace parade::detail
