// Test helpers: the configuration matrix every engine test loops over, and a
// watchdog that fails a test instead of letting it hang.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <functional>
#include <utility>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <parade/parade.hpp>

// For a test that needs a tool install-deps.sh installs (tmux, Chromium,
// the locale sources): skipped where the tool is missing, but failed when
// PARADE_REQUIRE_TOOLS is set (CI sets it), so a broken install cannot leave
// CI green with the test skipped. A macro: FAIL and GTEST_SKIP return.
#define PTEST_NEEDS(available, what)                                                              \
  do {                                                                                            \
    if (!(available)) {                                                                           \
      if (std::getenv("PARADE_REQUIRE_TOOLS")) FAIL() << what << " is required but missing"; \
      GTEST_SKIP() << what << " is not installed";                                                \
    }                                                                                             \
  } while (0)

namespace ptest {

// One point of the matrix: workers x buffer chunks per worker.
struct config {
  std::size_t workers;
  std::size_t buffer;  // 0 = default
  std::string str() const {
    return "workers=" + std::to_string(workers) + " buffer=" + (buffer ? std::to_string(buffer) : "default");
  }
  parade::run_options run() const {
    parade::run_options o;
    o.workers = workers;
    o.status = parade::status_mode::off;
    return o;
  }
};

// Sets the buffer knob for the scope of one test case.
class buffer_scope {
 public:
  explicit buffer_scope(std::size_t chunks) { parade::detail::tuning::buffer_chunks = chunks; }
  ~buffer_scope() { parade::detail::tuning::buffer_chunks = 0; }
};

// Requests a stop of the run given `o` after `delay`, from a thread of its
// own, joined when this goes out of scope.
class stop_after {
 public:
  stop_after(parade::run_options& o, std::chrono::microseconds delay) {
    o.stop = src_.get_token();
    thread_ = std::thread([this, delay] {
      std::this_thread::sleep_for(delay);
      src_.request_stop();
    });
  }
  ~stop_after() { thread_.join(); }

 private:
  std::stop_source src_;
  std::thread thread_;
};

// Runs fn(config) for workers {1, 2, 8} x buffer {1, default}.
inline void each_config(const std::function<void(const config&)>& fn) {
  for (std::size_t w : {1, 2, 8})
    for (std::size_t b : {1, 0}) {
      config c{w, b};
      buffer_scope scope(b);
      SCOPED_TRACE(c.str());
      fn(c);
    }
}

// Runs fn; if it has not returned after `limit`, reports a hang and aborts
// the test binary (a hung run must fail CI, not time it out).
inline void with_watchdog(std::chrono::seconds limit, const std::function<void()>& fn) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread dog([&] {
    std::unique_lock lk(m);
    if (!cv.wait_for(lk, limit, [&] { return done; })) {
      std::fprintf(stderr, "watchdog: test still running after %lds, a hang\n", long(limit.count()));
      std::abort();
    }
  });
  try {
    fn();
  } catch (...) {
    { std::lock_guard lk(m); done = true; }
    cv.notify_all();
    dog.join();
    throw;
  }
  { std::lock_guard lk(m); done = true; }
  cv.notify_all();
  dog.join();
}

// Counts worker contexts: opened (made), closed (destroyed).
struct context_tracker {
  std::atomic<int> opened{0}, closed{0};
};
struct tracked_context {
  context_tracker* t;
  explicit tracked_context(context_tracker* tr) : t(tr) { ++t->opened; }
  tracked_context(tracked_context&& o) noexcept : t(std::exchange(o.t, nullptr)) {}
  ~tracked_context() {
    if (t) ++t->closed;
  }
};

// The message of a parade::error and of what it nests.
inline std::string nested_message(const parade::error& e) {
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    return inner.what();
  } catch (...) {
    return "<non-std exception>";
  }
  return "";
}

}  // namespace ptest
