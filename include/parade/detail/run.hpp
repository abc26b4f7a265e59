// The state of one action's run: workers, the stop flag, the first failure,
// step counters and the status line. Not API. Defined in src/run.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parade/detail/plan.hpp"
#include "parade/options.hpp"

namespace parade::detail {

class worker_pool;
class memory_account;
class spill_space;

// Test-only knobs (the differential tests sweep them); 0 = default.
struct tuning {
  static inline std::atomic<std::size_t> buffer_chunks{0};  // tokens per worker
  static inline std::atomic<std::size_t> max_chunk{0};      // elements per chunk
  static inline std::atomic<std::size_t> buffer_bytes{0};   // bytes of waiting chunks per segment
  static inline std::atomic<int> force_spill{-1};           // -1: from PARADE_FORCE_SPILL
  static inline std::atomic<std::size_t> sort_run{0};       // records of a sort's in-memory run
  static inline std::atomic<std::size_t> merge_fan_in{0};   // disk runs one merge reads at once
};

// Worker slots register here as a segment starts (several threads may add
// at once); after the segment, one thread reads the list.
class slot_list {
 public:
  slot_list();
  ~slot_list();
  slot_list(const slot_list&) = delete;
  slot_list& operator=(const slot_list&) = delete;
  void add(std::shared_ptr<void> slot);
  std::vector<std::shared_ptr<void>>& all() { return all_; }  // once the segment has ended

 private:
  struct lock;
  std::unique_ptr<lock> lock_;
  std::vector<std::shared_ptr<void>> all_;
};

// Half the memory the process can have (the machine's, or its cgroup's
// limit), at most 80% of what is available now, at least 64 MiB.
std::size_t default_memory_budget();

class run_state {
 public:
  explicit run_state(const run_options& opts);
  ~run_state();
  run_state(const run_state&) = delete;
  run_state& operator=(const run_state&) = delete;

  std::size_t workers() const { return workers_; }
  // Under MPI: this process's rank and the job's ranks (0 and 1 otherwise,
  // and for a run nested in a user function, which stays on its rank).
  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  bool distributed() const { return ranks_ > 1; }
  // Added to arrivals, so rank r's records come after rank r-1's (sources
  // split their input across ranks in order). Parts of a source stay below
  // 2^16 per rank, 4096 ranks at most.
  std::uint64_t rank_bits() const { return std::uint64_t(rank_) << 48; }
  // A token's place in the whole input, for barriers' arrivals: this rank's
  // order, or the origin of a chunk dealt from rank 0 (token::origin).
  std::uint64_t arrival(const token& t) const { return t.origin != token::no_origin ? t.origin : rank_bits() + t.order(); }
  // At a collective point of a distributed run (every rank calls it at the
  // same point): false when any rank failed or stopped; the caller then
  // throws stop_signal, and finish() tells every rank the same outcome.
  bool ranks_ok();
  // The run's threads, started on first use and joined when the run ends.
  worker_pool& pool();
  // Tokens in flight per segment: a few per worker (backpressure bound).
  std::size_t max_tokens() const;
  std::size_t max_chunk(std::size_t for_type) const;
  // Bytes the chunks waiting in a segment's buffers may hold: a stream of
  // big elements stays near this whatever the number of workers.
  std::size_t buffer_bytes() const;
  // The run's memory account: its budget is run_options::memory_limit, or
  // half the memory the process can have (docs/spilling.md).
  memory_account& memory();
  // Where barriers spill (made on first use).
  spill_space& spill();
  // PARADE_FORCE_SPILL=1: every barrier spills, even a tiny one (tests).
  bool force_spill() const { return force_spill_; }

  // Cheap enough for every batch; also true after Ctrl-C.
  bool stopped() const noexcept { return stop_.load(std::memory_order_relaxed); }
  // Records the first failure (later ones are dropped) and raises the stop flag.
  void fail(const std::string& step, std::exception_ptr e);
  // Stops the run as cancelled (unless it already failed).
  void cancel();
  // The action has what it needs (take(n) has its n): the run stops early
  // as a success; failures after this are of work nobody needs, and dropped.
  void complete();
  // Checks Ctrl-C and run_options::stop; returns stopped(). Called by the
  // thread that waits for the workers, every few tens of milliseconds.
  bool poll();

  // Registers a step for counters and display. Addresses stay valid.
  step_stats& add_step(std::string name, std::string kind,
                       std::optional<std::uint64_t> total = std::nullopt);
  // Bad input found on the action's thread (already a parade::error naming
  // the path): finish() shows the failure, then rethrows it unchanged.
  void fail_as_is(std::exception_ptr e, std::string what);
  // Starts the status monitor once the plan is compiled (idempotent).
  void start_monitor();
  // Ends the run: final status, summary and report, then throws
  // parade::error or parade::cancelled if the run failed or was stopped.
  void finish();

 private:
  struct impl;  // the lock-guarded state, the monitor and the pool (src/run.cpp)
  std::size_t workers_;
  int rank_ = 0, ranks_ = 1;
  std::uint64_t run_id_ = 0;  // the action's number, the same on every rank
  bool agreed_stop_ = false;  // ranks_ok() found a rank failed or stopped
  bool force_spill_ = false;
  std::atomic<bool> stop_{false};
  std::unique_ptr<impl> p_;
};

}  // namespace parade::detail
