// The external sort barrier: each worker collects what it is given, sorts
// it and writes it as a run to disk when the run's memory account says no
// more; at the end the in-memory rest and the runs merge k-way, in parallel
// by key ranges, into the next segment (merge.hpp). Stable: ties keep input
// order (by the arrival of the chunk, then the place in it). Not API.
#pragma once

#include <concepts>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "parade/detail/memory.hpp"
#include "parade/detail/exchange.hpp"
#include "parade/detail/merge.hpp"
#include "parade/detail/node.hpp"
#include "parade/serialize.hpp"

namespace parade::detail {

// Strings under `<` sort by their first 8 bytes as one integer first, so
// most comparisons touch no string memory (the idea of DuckDB's and
// Spark's prefix sorts); equal prefixes fall back to the full comparison.
template <class T, class Less>
inline constexpr bool prefix_sorted =
    std::is_same_v<T, std::string> && (std::is_same_v<Less, std::less<>> || std::is_same_v<Less, std::less<std::string>>);

inline std::uint64_t string_prefix(const std::string& s) {
  unsigned char b[8] = {};
  std::memcpy(b, s.data(), std::min<std::size_t>(8, s.size()));
  std::uint64_t v = 0;
  for (unsigned char c : b) v = v << 8 | c;  // big-endian: integer order is byte order
  return v;
}

// How a sort's records merge and spill: T itself, ordered by `less`, with
// its arrival for stability.
template <class T, class Less>
struct sort_policy {
  using record = T;
  using output = T;
  static constexpr bool stable = true;
  static constexpr bool combines = false;
  Less less_fn;
  bool less(const T& a, const T& b) const { return less_fn(a, b); }
  void write(byte_writer& w, const T& x, std::uint64_t arrival) const {
    if constexpr (is_serializable_v<T>) {
      w.varint(arrival);
      serializer<T>::write(w, x);
    }
  }
  T read(byte_reader& r, std::uint64_t& arrival) const {
    if constexpr (is_serializable_v<T>) {
      arrival = r.varint();
      return serializer<T>::read(r);
    } else {
      throw std::logic_error("parade: read of a type without a serializer");
    }
  }
  void combine(T&, T&&, std::size_t) {}
  T finish(T&& x, std::size_t) { return std::move(x); }
  // Strings by `<`: merged by their first 8 bytes first (as runs are sorted).
  std::uint64_t prefix(const T& x) const requires prefix_sorted<T, Less> { return string_prefix(x); }
  int compare(const T& a, const T& b) const requires prefix_sorted<T, Less> { return a.compare(b); }
};

// A comparator whose order is that of one integer per element, given by
// its static exact_key (a join's integer or hashed keys): the sort then
// never touches the elements.
template <class T, class Less>
concept exact_key_sorted = requires(const T& x) {
  { Less::exact_key(x) } -> std::same_as<std::uint64_t>;
};

// What sorting a run needs besides the run: kept by a sort's worker slot
// from run to run, so each sort does not fault in fresh pages (on these
// machines a page fault costs more than the sorting of its records).
struct sort_scratch {
  struct prefix_entry {
    std::uint64_t prefix;
    std::uint32_t i;
  };
  struct key_entry {
    std::uint64_t key, arrival;
    std::uint32_t i;
  };
  std::vector<prefix_entry> prefixes;
  std::vector<key_entry> keys;
  std::vector<std::uint32_t> idx;
};

// Puts items[idx[i]] at i for every i (a permutation), in place when T can
// be assigned; arrivals likewise. Destroys idx.
template <class T>
void permute(std::vector<T>& items, std::vector<std::uint64_t>& arrival, std::vector<std::uint32_t>& idx) {
  if constexpr (std::is_move_assignable_v<T> && std::is_move_constructible_v<T>) {
    // Cycle by cycle; a place done is marked by idx[j] == j.
    for (std::uint32_t i = 0; i < idx.size(); ++i) {
      if (idx[i] == i) continue;
      T t(std::move(items[i]));
      std::uint64_t a = arrival[i];
      std::uint32_t j = i;
      for (std::uint32_t k = idx[j]; k != i; j = k, k = idx[j]) {
        items[j] = std::move(items[k]);
        arrival[j] = arrival[k];
        idx[j] = j;
      }
      items[j] = std::move(t);
      arrival[j] = a;
      idx[j] = j;
    }
  } else {  // const members: moved into a new vector
    std::vector<T> sorted;
    sorted.reserve(items.size());
    std::vector<std::uint64_t> arr(items.size());
    for (std::size_t i = 0; i < idx.size(); ++i) {
      sorted.emplace_back(std::move(items[idx[i]]));
      arr[i] = arrival[idx[i]];
    }
    items.swap(sorted);
    arrival.swap(arr);
  }
}

// Sorts items (and their arrivals alongside) by less, then arrival, then
// place: a total order, so an unstable sort gives the stable result.
template <class T, class Less>
void sort_run(std::vector<T>& items, std::vector<std::uint64_t>& arrival, const Less& less, sort_scratch& scratch) {
  auto& idx = scratch.idx;
  idx.resize(items.size());
  if constexpr (prefix_sorted<T, Less>) {
    auto& keys = scratch.prefixes;
    keys.resize(items.size());
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = {string_prefix(items[i]), std::uint32_t(i)};
    std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      if (int c = items[a.i].compare(items[b.i]); c != 0) return c < 0;
      if (arrival[a.i] != arrival[b.i]) return arrival[a.i] < arrival[b.i];
      return a.i < b.i;
    });
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = keys[i].i;
  } else if constexpr (exact_key_sorted<T, Less>) {
    auto& keys = scratch.keys;
    keys.resize(items.size());
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = {Less::exact_key(items[i]), arrival[i], std::uint32_t(i)};
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return a.key != b.key ? a.key < b.key : a.arrival != b.arrival ? a.arrival < b.arrival : a.i < b.i;
    });
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = keys[i].i;
  } else {
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = std::uint32_t(i);
    std::sort(idx.begin(), idx.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (less(items[a], items[b])) return true;
      if (less(items[b], items[a])) return false;
      if (arrival[a] != arrival[b]) return arrival[a] < arrival[b];
      return a < b;
    });
  }
  permute(items, arrival, idx);
}

// One worker slot of a sort: a buffer that becomes runs.
template <class T, class Less>
class sort_terminal final : public sink<T> {
 public:
  // `base` is added to every arrival (a second input's come after the first's).
  sort_terminal(run_state& rs, step_stats& st, Less less, std::size_t slot, std::uint64_t base = 0)
      : rs_(rs), stats_(st), count_(st), less_(std::move(less)), lease_(rs.memory()), slot_(slot), base_(base) {}
  void begin_token(const token& t) override { arrival_ = base_ + rs_.arrival(t); }
  void end_token(token&) override { count_.publish(); }
  void consume(std::span<T> in) override {
    count_.in(in.size());
    for (auto& x : in) {
      std::size_t bytes = record_bytes + heap_bytes(x);
      if (!lease_.grow(bytes) || (forced() && lease_.used() > force_spill_bytes)) {
        spill();
        lease_.force(bytes);
      }
      items_.emplace_back(std::move(x));
      arrivals_.push_back(arrival_);
      if (items_.size() >= run_cap_) seal();
    }
  }
  // After the input: the rest sorted in memory (or spilled too when spilling
  // is forced). Runs on one worker per slot, slots in parallel.
  void finish() {
    if (forced() && (!items_.empty() || !memory_.empty())) spill();
    if (!items_.empty()) seal();
    scratch_ = {};  // no more sorting: what was kept for it goes
    std::vector<T>().swap(items_);
    std::vector<std::uint64_t>().swap(arrivals_);
  }
  // Sorted runs in memory, in the order they were made (ids: creation order,
  // shared with the disk runs).
  std::vector<memory_run<T>>& memory() { return memory_; }
  std::vector<disk_run>& disk() { return disk_; }
  memory_lease& lease() { return lease_; }

 private:
  static constexpr std::size_t force_spill_bytes = 16 << 10;
  // What a record takes besides its heap: the element and its arrival (the
  // vectors' doubling may leave half of them empty), and while sorting its
  // sort key (an integer or string prefix with its place) and its place.
  static constexpr std::size_t sort_key_bytes = prefix_sorted<T, Less>      ? sizeof(sort_scratch::prefix_entry)
                                                : exact_key_sorted<T, Less> ? sizeof(sort_scratch::key_entry)
                                                                            : 0;
  static constexpr std::size_t record_bytes =
      2 * (sizeof(T) + sizeof(std::uint64_t)) + sort_key_bytes + 2 * sizeof(std::uint32_t);
  // Records of one in-memory run (about 64 MiB of them): sorting bounded
  // runs as they fill keeps each sort in cache-sized pieces and the vector
  // from growing (and faulting in fresh pages) without bound; the merge
  // reads the runs together.
  static constexpr std::size_t run_records = std::max<std::size_t>(4096, (std::size_t{64} << 20) / (sizeof(T) + 8));
  std::size_t run_cap_ = tuning::sort_run.load() ? tuning::sort_run.load() : run_records;
  // Forced spilling (PARADE_FORCE_SPILL) applies to what can be spilled.
  bool forced() const { return is_serializable_v<T> && rs_.force_spill(); }
  // The current run, sorted, joins the in-memory runs.
  void seal() {
    sort_run(items_, arrivals_, less_, scratch_);
    memory_.push_back(memory_run<T>{std::move(items_), std::move(arrivals_), next_id_++});
    items_.clear();  // moved from: valid, now surely empty (`= {}` would copy through an initializer_list)
    arrivals_.clear();
  }
  // Writes the in-memory runs and the current one to disk.
  void spill() {
    if (items_.empty() && memory_.empty()) return;
    if constexpr (!is_serializable_v<T>) {
      cannot_spill(stats_.name);
    } else {
      if (!items_.empty()) seal();
      sort_policy<T, Less> policy{less_};
      for (auto& m : memory_) {
        run_writer<T> w(rs_.spill(), slot_, stats_.spilled);
        for (std::size_t i = 0; i < m.items.size(); ++i)
          w.add(m.items[i], [&](byte_writer& bw, const T& x) { policy.write(bw, x, m.arrival[i]); });
        disk_.push_back({w.finish(), m.id});
        // The next run fills the same vectors (kept: no fresh pages).
        m.items.clear();
        m.arrival.clear();
        if (m.items.capacity() > items_.capacity()) items_.swap(m.items), arrivals_.swap(m.arrival);
      }
      memory_.clear();
      lease_.release();
    }
  }

  run_state& rs_;
  step_stats& stats_;
  step_counter count_;
  Less less_;
  memory_lease lease_;
  std::size_t slot_;
  std::uint64_t base_;
  std::uint64_t arrival_ = 0;
  std::vector<T> items_;
  std::vector<std::uint64_t> arrivals_;
  std::vector<memory_run<T>> memory_;
  sort_scratch scratch_;
  std::vector<disk_run> disk_;
  std::uint32_t next_id_ = 0;
};

// A source whose real source is made when an earlier segment has run (a
// barrier's result). Forwards every call.
class deferred_source final : public source_def {
 public:
  void set(std::shared_ptr<source_def> s) { inner_ = std::move(s); }
  source_mode mode() const override { return inner_->mode(); }
  bool next(token& t, std::size_t n) override { return inner_->next(t, n); }
  pull next_concurrent(token& t, std::size_t n, bool lookahead) override {
    return inner_->next_concurrent(t, n, lookahead);
  }
  std::uint32_t parts() const override { return inner_->parts(); }
  std::size_t max_chunk() const override { return inner_->max_chunk(); }
  std::optional<std::uint64_t> length() const override { return inner_->length(); }
  void reset() { inner_.reset(); }

 private:
  std::shared_ptr<source_def> inner_;
};

// Plans a sorting barrier over one or more inputs by `less`: each input's
// segment runs in turn into per-slot terminals (input i's arrivals after
// input i-1's, so a stable merge puts equal records of earlier inputs
// first); then each slot's rest is sorted and everything merges through
// `policy` (a sort_policy, or one that combines or groups, merge.hpp).
// `length_known`: every record comes out once (the output's length is the
// input's).
template <class Policy, class T, class Less>
open_end<typename Policy::output> run_sorted(run_state& rs, std::vector<open_end<T>> ups, const op_options& o,
                                             const char* kind, Less less, Policy policy, bool length_known) {
  using term_t = sort_terminal<T, Less>;
  using Out = typename Policy::output;
  std::size_t cap = cap_of(o);
  for (auto& up : ups)
    if (cap != up.cap && cap != SIZE_MAX) up = close(rs, std::move(up));
  auto name = step_name(o, kind);
  auto& stats = add_step_after(rs, ups[0], name, kind, dataset_name(o, name), yields::known);
  stats.barrier = true;
  auto slots = std::make_shared<slot_list>();
  std::vector<std::shared_ptr<open_end<T>>> inputs;
  for (std::size_t i = 0; i < ups.size(); ++i) {
    auto next_slot = std::make_shared<std::atomic<std::size_t>>(0);
    std::uint64_t base = std::uint64_t(i) << 60;
    add_terminal(ups[i], stats.name, cap, [&rs, slots, next_slot, &stats, less, base]() {
      auto t = std::make_shared<term_t>(rs, stats, less, next_slot->fetch_add(1), base);
      slots->add(t);
      return t;
    });
    if (i > 0) ups[i].stages.back().steps.push_back(&stats);  // its workers show on the barrier
    ups[i].spread = true;  // arrivals keep input order
    inputs.push_back(std::make_shared<open_end<T>>(std::move(ups[i])));
  }
  auto src = std::make_shared<deferred_source>();
  auto run = [&rs, &stats, inputs, slots, src, policy, length_known]() {
    for (auto& in : inputs) {
      run_segment(rs, *in);
      *in = {};
      if (rs.stopped()) throw stop_signal{};
    }
    stats.set_state(step_state::finishing);
    std::vector<term_t*> terms;
    for (auto& s : slots->all()) terms.push_back(static_cast<term_t*>(s.get()));
    parallel_for(rs, terms.size(), stats.name, [&](std::size_t i, std::size_t) {
      guarded(stats, [&] { terms[i]->finish(); });
    });
    if (rs.stopped()) throw stop_signal{};
    // Run ids: the slot, then creation order within it (ties of one arrival
    // are only ever within one slot).
    std::vector<memory_run<T>> memory;
    std::vector<disk_run> disk;
    for (std::size_t i = 0; i < terms.size(); ++i) {
      std::uint32_t slot_id = std::uint32_t(i) << 20;
      for (auto& m : terms[i]->memory())
        if (!m.items.empty()) m.id += slot_id, memory.push_back(std::move(m));
      for (auto& d : terms[i]->disk()) disk.push_back({std::move(d.ref), d.id + slot_id});
    }
    // The slots' leases go with them; what stays in memory is the merge's now.
    std::size_t held = 0;
    for (auto* t : terms) held += t->lease().used();
    held = exchange_runs<is_serializable_v<T>>(rs, stats, policy, memory, disk, held);
    terms.clear();
    slots->all().clear();  // their leases go back; the merge holds what stays in memory
    auto merge = std::make_shared<merge_source<Policy>>(rs, stats, policy, std::move(memory), std::move(disk),
                                                        &rs.spill(), rs.workers() * 4, held);
    stats.out_known_ns.store(std::chrono::steady_clock::now().time_since_epoch().count());
    if (length_known) stats.out_total.store(merge->records());
    src->set(std::move(merge));
  };
  open_end<Out> e;
  e.source = src;
  e.name = stats.name;
  e.steps.push_back(&stats);
  e.make = [&rs](sink<Out>& out) -> std::unique_ptr<reader_base> {
    return std::make_unique<chunk_reader<Out>>(rs, out);
  };
  e.before.push_back(std::move(run));
  return e;
}

// Orders nothing: a sort by it keeps the input order (a buffer in order).
struct never_less {
  template <class T>
  bool operator()(const T&, const T&) const {
    return false;
  }
};

// Plans a sort barrier on `up` by `less`.
template <class T, class Less>
open_end<T> run_sort(run_state& rs, open_end<T> up, const op_options& o, const char* kind, Less less) {
  std::vector<open_end<T>> ups;
  ups.push_back(std::move(up));
  return run_sorted(rs, std::move(ups), o, kind, less, sort_policy<T, Less>{less}, true);
}

// Under MPI, an operation that needs positions in the whole input (batch,
// enumerate, sample, concat) first gets its input onto one rank: a barrier
// whose records all compare equal, so the exchange sends them all to one
// rank, merged in their order in the whole input (input, rank, position).
// The steps after it run on that rank, the others getting nothing. In one
// process: `up`, unchanged.
template <class T>
open_end<T> on_one_rank(run_state& rs, open_end<T> up, const op_options& o, const char* kind) {
  if (!rs.distributed()) return up;
  op_options g{.name = step_name(o, kind) + " (gather)"};
  return run_sort(rs, std::move(up), g, "gather", never_less{});
}

}  // namespace parade::detail
