// The pieces a run is made of: tokens (chunks with sequence numbers), sinks
// (per-worker consumers of element batches) and stages (what the scheduler
// runs). Not API.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "parade/detail/memory.hpp"
#include "parade/detail/std.hpp"

namespace parade::detail {

// Type-erased elements carried by a token.
struct chunk_base {
  virtual ~chunk_base() = default;
};
template <class T>
struct chunk final : chunk_base {
  std::vector<T> items;
};

// One unit of scheduling. Every stage turns its input token into its output
// token in place; its place in the order, (part, seq), never changes, so
// ordered stages can put tokens back in input order. Within a part, seq counts
// 0, 1, 2, ...; the part's last token has part_end set, and the next part
// starts at seq 0 (a part is a file read as its own stream; most sources have
// only part 0). The last token of a segment is empty and has `last` set, so
// stages that carry state across tokens (batch) can flush.
struct token {
  std::uint64_t seq = 0;
  std::uint32_t part = 0;
  bool part_end = false;
  std::int64_t begin = 0, end = 0;    // index range for splittable sources
  std::unique_ptr<chunk_base> data;   // elements, for everything else
  std::uint64_t source_items = 0;     // elements the source put in (chunk sizing)
  std::uint64_t work_ns = 0;          // time spent on this token (chunk sizing)
  std::size_t bytes = 0;              // memory its data holds (buffers are bounded in bytes)
  std::size_t accounted = 0;          // what the scheduler counts for it (bytes, or a guess before it has data)
  std::size_t peak_bytes = 0;         // the most it held between two stages
  bool last = false;
  // Under MPI, a chunk generate dealt to a rank: its place in the whole
  // input (rank 0's order), which arrivals use instead of this rank's.
  static constexpr std::uint64_t no_origin = ~std::uint64_t{0};
  std::uint64_t origin = no_origin;

  // Position in input order, as one number (seq < 2^32; see rank_bits()).
  std::uint64_t order() const { return (std::uint64_t(part) << 32) | seq; }

  template <class T>
  std::vector<T>* items() {
    return data ? &static_cast<chunk<T>&>(*data).items : nullptr;
  }
  template <class T>
  void set_items(std::vector<T> v) {
    auto c = std::make_unique<chunk<T>>();
    bytes = memory_of(v);
    c->items = std::move(v);
    data = std::move(c);
  }
};

class numbers_sink;

// Per-worker consumer of batches. consume() may move from the elements.
// begin_token() and end_token() bracket each token's elements and run down the
// chain to the terminal, which may put its output in the token at the end.
// The untyped part (so a reader can close its chain without knowing T).
class sink_base {
 public:
  virtual ~sink_base() = default;
  virtual void begin_token(const token&) {}
  virtual void end_token(token&) {}
  // Closes the contexts of this sink and those after it (when the segment
  // ends): a context's destructor that throws fails the run, naming its step.
  virtual void close() {}
  // Non-null when the sink takes consecutive integers without their being
  // written out first (see numbers_sink).
  virtual numbers_sink* as_numbers() { return nullptr; }
};

template <class T>
class sink : public sink_base {
 public:
  virtual void consume(std::span<T> items) = 0;
};

// A sink of integers that can take first, first + 1, ..., first + n - 1
// as the pair (first, n): a map after range() computes f(first + k) in one
// pass, instead of range writing the numbers out and the map reading them
// back (that pass was 40% of range(0, n).map(x + 1).fold).
class numbers_sink {
 public:
  virtual void consume_numbers(std::int64_t first, std::size_t n) = 0;

 protected:
  ~numbers_sink() = default;
};
struct not_numbers {};

// Thrown through user code to unwind a worker quickly; never seen by users.
struct unwinding {};
struct stop_signal : unwinding {};
struct step_failure : unwinding {
  std::string step;
  std::exception_ptr original;
};

// What a step is doing. `stopping` is only ever shown (a running step of a
// run that is stopping); `stopped` ends a step the run left unfinished.
enum class step_state : int { waiting, running, finishing, done, failed, stopping, stopped };

// How a step's output count follows from its input count; the display uses
// it to give later steps a total (and so a percentage and an ETA).
enum class yields { same, unknown, batch, known };

inline constexpr std::uint64_t unknown_total = ~std::uint64_t{0};

// Counters of one step, bumped once per token (never per element), read by
// the status monitor from its own thread. The plain fields are written while
// the plan is compiled, before the monitor starts, and only read afterwards.
struct alignas(64) step_stats {
  std::string name;
  std::string kind;     // "map", "read_lines", "group_by_key", ...
  std::string dataset;  // display name of the dataset it makes; "" for actions
  bool bytes = false;   // `in` counts input bytes (file sources), not items
  std::optional<std::uint64_t> total;  // known input size (sources)
  yields yield = yields::same;
  std::uint64_t batch_n = 0;           // yields::batch: n per output element
  step_stats* upstream = nullptr;      // the step whose output this one reads
  step_stats* feeder = nullptr;        // the source step of its segment
  step_stats* second = nullptr;        // concat: the other input, whose length adds to upstream's
  bool barrier = false;                // holds its output until its input ends

  std::atomic<std::uint64_t> in{0}, out{0};
  std::atomic<step_state> state{step_state::waiting};
  std::atomic<std::uint64_t> out_total{unknown_total};  // yields::known: set when known
  std::atomic<std::int64_t> out_known_ns{0};  // when out_total was set (steady_clock)
  std::atomic<std::uint64_t> spilled{0};      // bytes the step wrote to disk (as stored)
  std::atomic<std::uint64_t> busy_ns{0};   // worker time in the step's stage
  std::atomic<std::uint32_t> busy{0};      // workers in the step's stage now
  std::atomic<std::uint32_t> cap{0};       // workers the step may use (set by the executor)
  std::atomic<std::uint32_t> queued{0};    // tokens in its output buffer now
  std::atomic<std::uint32_t> buffer_cap{0};  // tokens its output buffer holds; 0 = fused
  std::atomic<std::int64_t> started_ns{0}, ended_ns{0};  // steady_clock, 0 = not yet

  // Moves the step to `s`, noting when it started and ended. FAILED is
  // final: a worker draining the stage afterwards must not turn it to done.
  void set_state(step_state s) {
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (auto cur = state.load(); cur != s;)
      if (cur == step_state::failed || state.compare_exchange_weak(cur, s)) break;
    if (state.load() != s) return;
    if (s == step_state::running || s == step_state::finishing) {
      std::int64_t zero = 0;
      started_ns.compare_exchange_strong(zero, now);
      ended_ns.store(0);
    } else if (s == step_state::done || s == step_state::failed || s == step_state::stopped) {
      ended_ns.store(now);
    }
  }
};

// A worker slot's counts for one step, published to the shared step_stats
// once per token: bumping shared atomics per batch makes their cache line
// bounce between cores (measured: a third of map+fold's time on 2 cores).
class step_counter {
 public:
  explicit step_counter(step_stats& s) : s_(s) {}
  void in(std::size_t n) { in_ += n; }
  void out(std::size_t n) { out_ += n; }
  void publish() {
    if (in_) s_.in.fetch_add(in_, std::memory_order_relaxed);
    if (out_) s_.out.fetch_add(out_, std::memory_order_relaxed);
    in_ = out_ = 0;
  }

 private:
  step_stats& s_;
  std::uint64_t in_ = 0, out_ = 0;
};

// Throws step_failure for the exception being handled, naming `step`
// (src/plan.cpp: one copy of this code, not one per guarded call).
[[noreturn]] void fail_step(const std::string& step);

// Runs a user callable; an exception it throws becomes a step_failure naming
// the step (unwinding signals from further down the chain pass through).
template <class Fn>
decltype(auto) guarded(const step_stats& step, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const unwinding&) {
    throw;
  } catch (...) {
    fail_step(step.name);
  }
}

// A stage instance processes tokens for one worker slot of its stage. The
// scheduler never calls one instance from two threads at once.
class stage_instance {
 public:
  virtual ~stage_instance() = default;
  virtual void process(token& t) = 0;
  // Called once when the segment ends, before the instance is destroyed.
  virtual void close() {}
};

// One stage of a segment: `cap` instances at most run at once; an ordered
// stage runs one token at a time in sequence order.
struct stage_def {
  std::string name;
  std::size_t cap = SIZE_MAX;
  bool ordered = false;
  std::function<std::unique_ptr<stage_instance>()> make;
  std::vector<step_stats*> steps;  // the (fused) steps it runs
  step_stats* input_of = nullptr;  // the step whose output waits in front of it
};

// How a source is read.
//  splittable: hands out cheap descriptors (index ranges); next() is called
//              under the scheduler's lock.
//  serial:     one stream (a generator); next() is called by one worker at a
//              time, outside the lock.
//  concurrent: several streams (files); next() is called by several workers
//              at once, outside the lock; the source synchronizes itself and
//              sets each token's (part, seq, part_end).
enum class source_mode { splittable, serial, concurrent };

// What a concurrent source's pull gave.
enum class pull { token, wait, done };

// Where a segment's tokens come from.
class source_def {
 public:
  virtual ~source_def() = default;
  virtual source_mode mode() const = 0;
  // splittable and serial: fills `t` with at most `n` elements (the unit is
  // the source's: elements, or bytes for files); false when exhausted.
  virtual bool next(token& t, std::size_t n) {
    (void)t, (void)n;
    return false;
  }
  // concurrent: a token, or wait (all remaining work is being read by other
  // workers; try again after one of them returns), or done. Without
  // `lookahead`, only the head part (the first not yet fully read) may be
  // read: the last free token slot is kept for it, so an ordered stage waiting
  // for an earlier part can never be starved by tokens of later parts.
  virtual pull next_concurrent(token& t, std::size_t n, bool lookahead) {
    (void)t, (void)n, (void)lookahead;
    return pull::done;
  }
  // concurrent: the number of parts (the final token comes after them).
  virtual std::uint32_t parts() const { return 0; }
  // Largest chunk worth making (bounds memory for big elements).
  virtual std::size_t max_chunk() const { return std::size_t{1} << 20; }
  virtual std::optional<std::uint64_t> length() const { return std::nullopt; }
  // On the action's thread, before the segment's workers start and after
  // they have all left (any outcome). `spread`: the segment ends where
  // arrivals restore input order across ranks (a barrier) or order does not
  // matter (count, for_each), so a source read on one rank may deal its
  // chunks to all of them (generate under MPI).
  virtual void begin_segment(bool spread) { (void)spread; }
  virtual void end_segment() {}
};

// Element batch size for a type: small enough to stay in cache between fused
// steps, large enough to amortize the virtual call per step.
template <class T>
constexpr std::size_t batch_size() {
  constexpr std::size_t b = 32768 / sizeof(T);
  return b < 1 ? 1 : (b > 1024 ? 1024 : b);
}

// Largest chunk for a type: 1 MiB of elements (sizeof), at least 1.
template <class T>
constexpr std::size_t chunk_limit() {
  constexpr std::size_t b = (std::size_t{1} << 20) / sizeof(T);
  return b < 1 ? 1 : (b > (std::size_t{1} << 20) ? (std::size_t{1} << 20) : b);
}

}  // namespace parade::detail
