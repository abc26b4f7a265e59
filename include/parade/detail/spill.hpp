// Data bigger than memory: the run's memory account and the spill files.
// Knows nothing of operations; barriers ask the account before they grow
// and write sorted runs here when it says no. Not API. The untyped parts
// are compiled in src/spill.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parade/detail/std.hpp"  // std::clamp
#include "parade/serialize.hpp"

namespace parade::detail {

// One account per run, as Thrill's block pool and DuckDB's buffer manager:
// every barrier and buffer asks it before holding more, so the budget is
// one budget, not a share per operation that adds up to more.
class memory_account {
 public:
  // Of a run's memory limit, barriers hold at most this share; the rest is
  // for buffers, merge read blocks, sorting's scratch and the allocator's
  // overhead (freed blocks glibc keeps per thread), which the estimates of
  // held elements do not see. Measured: 1 GB sorted under 256 MB peaked at
  // 290-400 MB of RSS with barriers holding all of it.
  static constexpr std::size_t held_percent = 70;
  explicit memory_account(std::size_t limit) : limit_(limit), budget_(limit / 100 * held_percent) {}
  // What barriers may hold, and the run's whole limit.
  std::size_t budget() const { return budget_; }
  std::size_t limit() const { return limit_; }
  // Takes `bytes` if the total stays within the budget.
  bool try_take(std::size_t bytes) {
    for (std::size_t cur = used_.load(std::memory_order_relaxed);;) {
      if (cur + bytes > budget_) return false;
      if (used_.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed)) {
        note_peak(cur + bytes);
        return true;
      }
    }
  }
  // Takes `bytes` whatever the total (memory that cannot be spilled).
  void take(std::size_t bytes) { note_peak(used_.fetch_add(bytes, std::memory_order_relaxed) + bytes); }
  void give_back(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t peak() const { return peak_.load(std::memory_order_relaxed); }

 private:
  void note_peak(std::size_t v) {
    for (std::size_t p = peak_.load(std::memory_order_relaxed); v > p && !peak_.compare_exchange_weak(p, v);) {
    }
  }
  std::size_t limit_, budget_;
  std::atomic<std::size_t> used_{0}, peak_{0};
};

// A worker's part of the account: taken in steps (a MiB, less for small
// budgets), so the shared counter is touched once per step, not once per
// element. Below a floor a worker always may hold more: runs that small
// would only make the merge slow (many tiny runs), so a small budget with
// many workers is exceeded by at most the workers' floors.
class memory_lease {
 public:
  explicit memory_lease(memory_account& a)
      : account_(&a),
        step_(std::clamp<std::size_t>(a.budget() / 64, std::size_t{16} << 10, std::size_t{1} << 20)),
        floor_(std::clamp<std::size_t>(a.budget() / 32, std::size_t{64} << 10, std::size_t{4} << 20)) {}
  memory_lease(const memory_lease&) = delete;
  memory_lease& operator=(const memory_lease&) = delete;
  ~memory_lease() { release(); }
  // Counts `bytes` more; false if the account cannot grant them (then the
  // holder should spill and shrink).
  bool grow(std::size_t bytes) {
    used_ += bytes;
    if (used_ <= granted_) return true;
    std::size_t want = used_ - granted_ + step_;
    if (!account_->try_take(want)) {
      if (used_ <= floor_) {
        force(0);
        return true;
      }
      used_ -= bytes;
      return false;
    }
    granted_ += want;
    return true;
  }
  // Counts `bytes` more whatever the budget.
  void force(std::size_t bytes) {
    used_ += bytes;
    if (used_ > granted_) {
      account_->take(used_ - granted_);
      granted_ = used_;
    }
  }
  void shrink(std::size_t bytes) { used_ -= std::min(bytes, used_); }
  // Gives everything back (after a spill, or when the data is gone).
  void release() {
    account_->give_back(granted_);
    granted_ = used_ = 0;
  }
  std::size_t used() const { return used_; }

 private:
  memory_account* account_;
  std::size_t step_, floor_;
  std::size_t granted_ = 0, used_ = 0;
};

// Where one block of a run went.
struct block_ref {
  std::uint64_t offset = 0;
  std::uint32_t stored = 0, raw = 0, records = 0;
  bool packed = false;  // lz4-compressed (else stored as it is: it did not shrink)
};

// A sorted run on disk: its blocks in order, the first record of each
// (serialized, to find where a key range starts), and its size.
struct run_ref {
  std::size_t file = 0;
  std::vector<block_ref> blocks;
  std::vector<std::string> first;
  std::uint64_t records = 0;
};

// A run's spill files: one append-only, unnamed file per writer, in a
// private directory under temp_dir that exists only while the files are
// made (they are O_TMPFILE or unlinked at once, and the directory removed),
// so nothing is ever left behind, even by kill -9. Made on first use.
// Thread-safe: writers to different files and readers of any at once.
class spill_space {
 public:
  spill_space(std::string temp_dir, std::size_t files);
  ~spill_space();
  spill_space(const spill_space&) = delete;
  spill_space& operator=(const spill_space&) = delete;

  // Appends a block of serialized records to file f, compressed when that
  // pays. Throws parade::error naming the directory and what was spilled
  // when the disk is full or the directory cannot be written.
  block_ref write(std::size_t f, std::string_view raw, std::uint32_t records);
  // Reads a block back (decompressed) into `raw`.
  void read(std::size_t f, const block_ref& b, std::string& raw) const;
  // The block will not be read again: its disk space is freed.
  void forget(std::size_t f, const block_ref& b) const;
  std::uint64_t spilled() const { return spilled_.load(std::memory_order_relaxed); }
  std::size_t files() const { return files_; }
  const std::string& where() const { return dir_; }

 private:
  void open_files();
  std::string dir_;
  std::size_t files_;
  struct impl;
  std::unique_ptr<impl> p_;
  std::atomic<std::uint64_t> spilled_{0};
};

// Fails a step that must spill elements parade cannot serialize.
[[noreturn]] void cannot_spill(const std::string& step);
// Fails a step whose records parade cannot serialize, under MPI.
[[noreturn]] void cannot_exchange(const std::string& step);
// Bytes a rank sends one other rank per round of a barrier's exchange under
// MPI: rounds keep what is in flight bounded whatever the data's size.
std::size_t exchange_round_bytes(const memory_account& a, int ranks);
// Fails a step one of whose groups does not fit the memory budget.
[[noreturn]] void group_too_large(const std::string& step, std::size_t values, std::size_t bytes, std::size_t budget);
// Hands the heap's free pages back to the system (glibc keeps what was
// freed, per thread arena): called when a barrier's memory is gone, so a
// run's later steps and the program after it do not carry it.
void return_free_memory();

// Block size of runs: big enough for sequential I/O and good compression,
// small enough that a merge of many runs holds little (a 4 GB sort under
// 256 MB merges about 45 runs, in up to workers + 1 parts at once, each
// holding one decoded block of every run).
inline constexpr std::size_t spill_block = std::size_t{64} << 10;

// Writes records of type E as one sorted run. Each record is `write(w, e)`.
template <class E>
class run_writer {
 public:
  // `spilled` counts the bytes stored (the step's figure in the display).
  run_writer(spill_space& space, std::size_t file, std::atomic<std::uint64_t>& spilled)
      : space_(space), spilled_(spilled) {
    run_.file = file;
  }
  template <class Write>
  void add(const E& e, Write&& write) {
    std::size_t before = buf_.size();
    byte_writer w(buf_);
    write(w, e);
    if (n_ == 0) run_.first.emplace_back(buf_.data() + before, buf_.size() - before);
    ++n_;
    if (buf_.size() >= spill_block) flush();
  }
  run_ref finish() {
    flush();
    return std::move(run_);
  }

 private:
  void flush() {
    if (n_ == 0) return;
    run_.blocks.push_back(space_.write(run_.file, buf_, n_));
    spilled_.fetch_add(run_.blocks.back().stored, std::memory_order_relaxed);
    run_.records += n_;
    buf_.clear();
    n_ = 0;
  }
  spill_space& space_;
  std::atomic<std::uint64_t>& spilled_;
  run_ref run_;
  std::string buf_;
  std::uint32_t n_ = 0;
};

}  // namespace parade::detail
