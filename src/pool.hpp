// The run's workers: one pool of threads per run, reused by every segment and
// merge of the run. Not API. Defined in src/pool.cpp.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace parade::detail {

// True on a worker_pool's threads (a run started there is nested in a user
// function).
bool on_worker_thread();

class worker_pool {
 public:
  explicit worker_pool(std::size_t workers);
  ~worker_pool();  // joins the threads
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  std::size_t size() const { return threads_.size(); }

  // Runs job(i) on every worker i in [0, size()) and returns when all have
  // returned; meanwhile calls idle() on the calling thread about every 50 ms.
  // job must not throw (callers record failures themselves). One job at a time.
  void run_all(const std::function<void(std::size_t)>& job, const std::function<void()>& idle);

 private:
  void loop(std::size_t index);

  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable work_cv_, done_cv_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::uint64_t generation_ = 0;
  std::size_t remaining_ = 0;
  bool quit_ = false;
};

}  // namespace parade::detail
