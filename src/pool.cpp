// worker_pool: a fixed set of threads that run one job at a time on all of
// them (like a parallel region). See executor.cpp for why this is not oneTBB.
#include "pool.hpp"

#include <chrono>

namespace parade::detail {

worker_pool::worker_pool(std::size_t workers) {
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this, i] { loop(i); });
}

worker_pool::~worker_pool() {
  {
    std::lock_guard lk(m_);
    quit_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

namespace {
thread_local bool t_worker = false;
}
bool on_worker_thread() { return t_worker; }

void worker_pool::loop(std::size_t index) {
  t_worker = true;
  std::uint64_t seen = 0;
  std::unique_lock lk(m_);
  for (;;) {
    work_cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
    if (quit_) return;
    seen = generation_;
    const auto* job = job_;
    lk.unlock();
    (*job)(index);
    lk.lock();
    if (--remaining_ == 0) done_cv_.notify_all();
  }
}

void worker_pool::run_all(const std::function<void(std::size_t)>& job, const std::function<void()>& idle) {
  std::unique_lock lk(m_);
  job_ = &job;
  remaining_ = threads_.size();
  ++generation_;
  work_cv_.notify_all();
  while (remaining_ > 0) {
    done_cv_.wait_for(lk, std::chrono::milliseconds(50));
    lk.unlock();
    idle();
    lk.lock();
  }
  job_ = nullptr;
}

}  // namespace parade::detail
