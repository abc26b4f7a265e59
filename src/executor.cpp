// The scheduler: a token pipeline over std::thread, mutex and condition
// variable.
//
// Why not oneTBB's parallel_pipeline, which has the same shape: Debian's
// libtbb is not built for ThreadSanitizer, so the hand-offs inside it are
// invisible to TSan and every token passed between threads is reported as a
// race (27 reports on a three-filter probe). Every concurrency change here must
// be checked under TSan, so the scheduler is written against primitives TSan
// understands. Scheduling decisions take one lock per chunk, never per element.
#include "parade/detail/executor.hpp"
#include "pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <span>
#include <mutex>
#include <thread>

namespace parade::detail {
namespace {

using clock = std::chrono::steady_clock;

struct stage_rt {
  stage_def* def = nullptr;
  std::deque<token> fifo;               // parallel stages: any order
  std::map<std::uint64_t, token> held;  // ordered stages: by token::order()
  std::uint64_t next_order = 0;         // ordered stages: the one to run next
  std::size_t running = 0;
  std::size_t cap = 1;
  bool finishing = false, done = false;  // for the steps' states
  std::vector<std::unique_ptr<stage_instance>> slots;
  std::vector<std::size_t> free_slots;
};

class segment_run {
 public:
  segment_run(run_state& rs, source_def& src, std::vector<stage_def>& defs, step_stats* source_step)
      : rs_(rs), src_(src), source_step_(source_step), mode_(src.mode()) {
    stages_.resize(defs.size());
    for (std::size_t i = 0; i < defs.size(); ++i) {
      auto& s = stages_[i];
      s.def = &defs[i];
      s.cap = defs[i].ordered ? 1 : std::max<std::size_t>(1, std::min(defs[i].cap, rs.workers()));
      s.slots.resize(s.cap);
      for (std::size_t k = s.cap; k-- > 0;) s.free_slots.push_back(k);
    }
    max_tokens_ = rs.max_tokens();
    // A concurrent source's parts (files, a merge's key ranges) are read
    // ahead of the head part, their tokens waiting for ordered steps
    // downstream: room for a few parts' worth, while the byte bound allows.
    if (mode_ == source_mode::concurrent) max_tokens_ *= 4;
    max_bytes_ = rs.buffer_bytes();
    for (auto& s : stages_) {
      for (auto* st : s.def->steps) {
        st->cap.store(std::uint32_t(s.cap));
        start(st);
      }
      if (s.def->input_of) s.def->input_of->buffer_cap.store(std::uint32_t(max_tokens_));
    }
    if (source_step_) start(source_step_);
    max_chunk_ = rs.max_chunk(src.max_chunk());
    if (auto len = src.length()) {
      // Enough chunks that every worker gets a share of a short input.
      std::uint64_t fair = *len / (rs.workers() * 4) + 1;
      max_chunk_ = std::min<std::uint64_t>(max_chunk_, fair);
    }
  }

  void run() {
    // The action's thread polls for Ctrl-C and run_options::stop while the
    // workers run; on a stop it wakes the waiting workers.
    rs_.pool().run_all([this](std::size_t) { work(); },
                       [this] {
                         bool stop = rs_.poll();
                         if (stop) {
                           std::lock_guard lk(m_);
                           cv_.notify_all();
                         }
                       });
    // Instances (and the contexts they own) close here, on every outcome.
    // A context's destructor that throws (declared noexcept(false)) fails
    // the run here, naming its step, instead of ending the process.
    for (auto& s : stages_)
      for (auto& inst : s.slots) {
        if (!inst) continue;
        try {
          inst->close();
        } catch (const step_failure& f) {
          rs_.fail(f.step, f.original);
        } catch (...) {
          rs_.fail(s.def->name, std::current_exception());
        }
      }
    for (auto& s : stages_) s.slots.clear();
    if (!rs_.stopped()) {
      std::lock_guard lk(m_);
      update_states();
    }
  }

 private:
  bool ready(std::size_t i) const {
    const auto& s = stages_[i];
    if (s.running >= s.cap) return false;
    if (s.def->ordered) return !s.held.empty() && s.held.begin()->first == s.next_order;
    return !s.fifo.empty();
  }

  // Under the lock: a stage whose input has ended is finishing, and done once
  // nothing of it is queued or running. A barrier's input stage leaves it
  // finishing: its merge comes next.
  void update_states() {
    if (failed_ || rs_.stopped()) return;  // finish() settles the states
    bool upstream_done = src_done_ && src_readers_ == 0;
    for (auto& s : stages_) {
      if (!upstream_done) break;
      if (!s.finishing) {
        s.finishing = true;
        for (auto* st : s.def->steps) st->set_state(step_state::finishing);
      }
      if (!s.done && s.running == 0 && s.fifo.empty() && s.held.empty()) {
        s.done = true;
        for (auto* st : s.def->steps)
          st->set_state(st->barrier && st != source_step_ ? step_state::finishing : step_state::done);
      }
      upstream_done = s.done;
    }
  }

  // Steps start running once; a barrier handing out its result stays
  // finishing (states only move forward).
  static void start(step_stats* st) {
    if (st->state.load() == step_state::waiting) st->set_state(step_state::running);
  }

  // Under the lock: the fill of the buffer in front of stage i.
  void note_fill(stage_rt& s) {
    if (s.def->input_of) s.def->input_of->queued.store(std::uint32_t(s.fifo.size() + s.held.size()), std::memory_order_relaxed);
  }

  token take(std::size_t i) {
    auto& s = stages_[i];
    token t;
    if (s.def->ordered) {
      auto it = s.held.begin();
      t = std::move(it->second);
      s.held.erase(it);
      // The next in order: the following seq of this part, or the next part.
      token nxt;
      nxt.part = t.part_end ? t.part + 1 : t.part;
      nxt.seq = t.part_end ? 0 : t.seq + 1;
      s.next_order = nxt.order();
    } else {
      t = std::move(s.fifo.front());
      s.fifo.pop_front();
    }
    note_fill(s);
    return t;
  }

  void put(std::size_t i, token&& t) {
    auto& s = stages_[i];
    // The token's data may have grown or shrunk in the stage before. A
    // token without data yet (an index range) keeps the guess made when it
    // was read.
    if (t.data) {
      flight_bytes_ = flight_bytes_ + t.bytes - t.accounted;
      t.accounted = t.bytes;
      t.peak_bytes = std::max(t.peak_bytes, t.bytes);
    }
    if (s.def->ordered) {
      auto key = t.order();
      s.held.emplace(key, std::move(t));
    } else {
      s.fifo.push_back(std::move(t));
    }
    note_fill(s);
  }

  // What a chunk of n source items will hold, from the chunks so far.
  std::size_t expected_bytes(std::size_t n) const {
    return bytes_per_item_ > 0 ? std::size_t(bytes_per_item_ * double(n)) : 0;
  }
  // The chunks in flight (queued or being worked on) and one more would
  // hold more than the run allows. Until a first chunk has shown what its
  // elements weigh, one chunk at a time: 64 workers starting at once on
  // 10 MB elements would otherwise hold 640 MB before anything is known.
  bool over_bytes() const {
    return bytes_per_item_ < 0 ? live_ > 0 : flight_bytes_ + expected_bytes(chunk_) > max_bytes_;
  }
  // Learns from a finished token the most it held at once, per source item.
  void learn_bytes(const token& t) {
    if (t.source_items == 0) return;
    double per = double(std::max(t.peak_bytes, t.bytes)) / double(t.source_items);
    bytes_per_item_ = bytes_per_item_ < 0 ? per : std::max(0.7 * bytes_per_item_ + 0.3 * per, per);
  }
  // Over the byte bound, a read is still allowed when nothing is in flight,
  // and for a concurrent source (files) a read of the head part only: an
  // ordered stage may be waiting for exactly that token.
  bool may_read_over_bytes() const { return live_ == 0 || mode_ == source_mode::concurrent; }

  // Adapts the chunk size so a chunk takes about a millisecond of work:
  // large enough that per-chunk costs vanish, small enough to balance.
  void learn(const token& t) {
    if (t.source_items == 0) return;
    double per_item = double(t.work_ns) / double(t.source_items);
    ns_per_item_ = ns_per_item_ < 0 ? per_item : 0.7 * ns_per_item_ + 0.3 * per_item;
    double want = 1e6 / std::max(ns_per_item_, 0.1);
    // And small enough in bytes: chunks of big elements hold a few MiB.
    if (bytes_per_item_ > 0) want = std::min(want, double(chunk_bytes) / bytes_per_item_);
    std::size_t next = std::size_t(std::clamp(want, 1.0, double(max_chunk_)));
    chunk_ = std::min(next, chunk_ * 2);
    chunk_ = std::max<std::size_t>(chunk_, 1);
  }

  void fail_locked(std::unique_lock<std::mutex>& lk, const std::string& where) {
    lk.unlock();
    try {
      throw;
    } catch (const step_failure& f) {
      rs_.fail(f.step, f.original);
    } catch (const stop_signal&) {
      // The run is already stopping.
    } catch (...) {
      rs_.fail(where, std::current_exception());
    }
    lk.lock();
    failed_ = true;
    cv_.notify_all();
  }

  // A worker leaves the steps of a stage it ran since t0; returns the time.
  static std::uint64_t idle(std::span<step_stats* const> steps, clock::time_point t0) {
    auto ns = std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - t0).count());
    for (auto* st : steps) {
      st->busy_ns.fetch_add(ns, std::memory_order_relaxed);
      st->busy.fetch_sub(1, std::memory_order_relaxed);
    }
    return ns;
  }

  void work() {
    std::unique_lock lk(m_);
    for (;;) {
      if (failed_ || rs_.stopped()) break;
      // Downstream first: drains the pipeline and keeps memory bounded.
      std::size_t pick = stages_.size();
      for (std::size_t i = stages_.size(); i-- > 0;)
        if (ready(i)) { pick = i; break; }
      if (pick < stages_.size()) {
        run_stage(lk, pick);
        continue;
      }
      if (!src_done_ && !src_blocked_ && live_ < max_tokens_ && (!over_bytes() || may_read_over_bytes()) &&
          (mode_ == source_mode::concurrent ? src_readers_ < rs_.workers() : src_readers_ == 0)) {
        read_source(lk);
        continue;
      }
      if (src_done_ && live_ == 0) break;
      cv_.wait(lk);
    }
    // Wake the others: whatever ended this worker's loop ends theirs too.
    cv_.notify_all();
  }

  void run_stage(std::unique_lock<std::mutex>& lk, std::size_t i) {
    auto& s = stages_[i];
    token t = take(i);
    std::size_t slot = s.free_slots.back();
    s.free_slots.pop_back();
    ++s.running;
    lk.unlock();
    for (auto* st : s.def->steps) st->busy.fetch_add(1, std::memory_order_relaxed);
    auto t0 = clock::now();
    try {
      if (!s.slots[slot]) s.slots[slot] = s.def->make();
      s.slots[slot]->process(t);
    } catch (...) {
      idle(s.def->steps, t0);
      lk.lock();
      --s.running;
      s.free_slots.push_back(slot);
      fail_locked(lk, s.def->name);
      return;
    }
    t.work_ns += idle(s.def->steps, t0);
    lk.lock();
    --s.running;
    s.free_slots.push_back(slot);
    if (i + 1 < stages_.size()) {
      put(i + 1, std::move(t));
      if (s.finishing) update_states();
      cv_.notify_all();
      return;
    }
    learn(t);
    learn_bytes(t);
    flight_bytes_ -= t.accounted;
    --live_;
    if (s.finishing) update_states();
    cv_.notify_all();
    // The finished token's memory is freed outside the lock.
    lk.unlock();
    t = token{};
    lk.lock();
  }

  void read_source(std::unique_lock<std::mutex>& lk) {
    ++live_;
    token t;
    // Counted before the read (it happens outside the lock): a guess from
    // the chunks so far, corrected once the token has data.
    t.accounted = expected_bytes(chunk_);
    flight_bytes_ += t.accounted;
    if (mode_ == source_mode::splittable) {
      finish_read(t, src_.next(t, chunk_) ? pull::token : pull::done);
      return;
    }
    // Serial and concurrent sources read outside the lock.
    ++src_readers_;
    std::size_t n = chunk_;
    // live_ counts this read already; over the byte bound, only the head part.
    bool lookahead = live_ < max_tokens_ && !over_bytes();
    lk.unlock();
    if (source_step_) source_step_->busy.fetch_add(1, std::memory_order_relaxed);
    auto t0 = clock::now();
    pull got;
    try {
      got = mode_ == source_mode::serial ? (src_.next(t, n) ? pull::token : pull::done) : src_.next_concurrent(t, n, lookahead);
    } catch (...) {
      if (source_step_) idle({&source_step_, 1}, t0);
      lk.lock();
      --src_readers_;
      --live_;
      flight_bytes_ -= t.accounted;
      fail_locked(lk, source_step_ ? source_step_->name : "source");
      return;
    }
    auto ns = std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - t0).count());
    if (source_step_) idle({&source_step_, 1}, t0);
    t.work_ns = ns;
    lk.lock();
    --src_readers_;
    finish_read(t, got);
  }

  // Under the lock: queues a token read from the source, or the final token.
  void finish_read(token& t, pull got) {
    bool concurrent = mode_ == source_mode::concurrent;
    if (got == pull::token) {
      src_blocked_ = false;
      if (!concurrent) t.seq = next_seq_++;
      put_or_drop(std::move(t));
      return;
    }
    flight_bytes_ -= t.accounted;
    --live_;
    if (got == pull::wait || src_readers_ > 0) {
      // Readers still in flight may add tokens (or end the source): retry
      // only when one of them returns, instead of spinning on next().
      src_blocked_ = src_readers_ > 0;
      cv_.notify_all();
      return;
    }
    // Exhausted, and no reader in flight: the final token.
    src_blocked_ = false;
    src_done_ = true;
    ++live_;
    token end;
    end.last = true;
    if (concurrent) end.part = src_.parts();
    else end.seq = next_seq_++;
    put_or_drop(std::move(end));
    update_states();
  }

  void put_or_drop(token&& t) {
    if (stages_.empty()) {
      flight_bytes_ -= t.accounted;
      --live_;
    } else {
      put(0, std::move(t));
    }
    cv_.notify_all();
  }

  run_state& rs_;
  source_def& src_;
  step_stats* source_step_;
  std::deque<stage_rt> stages_;  // deque: stage_rt is not movable cheaply
  std::mutex m_;
  std::condition_variable cv_;  // workers wait here
  static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
  std::size_t live_ = 0, max_tokens_ = 1;
  std::size_t flight_bytes_ = 0, max_bytes_ = 0;
  double bytes_per_item_ = -1;
  std::size_t chunk_ = 1, max_chunk_ = 1;
  double ns_per_item_ = -1;
  std::uint64_t next_seq_ = 0;
  source_mode mode_;
  std::size_t src_readers_ = 0;  // reads in flight (serial: at most 1)
  bool src_done_ = false, src_blocked_ = false, failed_ = false;
};

}  // namespace

void execute_segment(run_state& rs, source_def& source, std::vector<stage_def>& stages,
                     step_stats* source_step, bool spread) {
  source.begin_segment(spread);
  struct ender {
    source_def& s;
    ~ender() { s.end_segment(); }
  } end{source};
  segment_run(rs, source, stages, source_step).run();
}

void parallel_for(run_state& rs, std::size_t n, const std::string& step,
                  const std::function<void(std::size_t, std::size_t)>& fn, std::size_t max_workers) {
  std::atomic<std::size_t> next{0};
  rs.pool().run_all(
      [&](std::size_t worker) {
        if (worker >= max_workers) return;
        for (std::size_t i; !rs.stopped() && (i = next.fetch_add(1)) < n;) {
          try {
            fn(i, worker);
          } catch (const step_failure& f) {
            rs.fail(f.step, f.original);
          } catch (const stop_signal&) {
          } catch (...) {
            rs.fail(step, std::current_exception());
          }
        }
      },
      [&] {
        rs.poll();
      });
}

}  // namespace parade::detail
