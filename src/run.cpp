// run_state: stop flag, first failure, Ctrl-C handling and the status line.
#include "parade/detail/run.hpp"

#include <unistd.h>

#include <csignal>
#include <exception>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>

#include "parade/detail/pool.hpp"
#include "parade/error.hpp"
#include "parade/log.hpp"
#include "status/monitor.hpp"

namespace parade::detail {
namespace {

// Ctrl-C: the first sets a flag the waiting thread polls; the second restores
// the default action and re-raises, ending the process at once. Installed for
// the duration of runs (counted, so concurrent runs share it) and restored.
std::atomic<int> g_sigint{0};
std::mutex g_sig_mutex;
int g_sig_users = 0;
struct sigaction g_old_action;

extern "C" void on_sigint(int) {
  if (g_sigint.fetch_add(1) >= 1) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

void install_sigint() {
  std::lock_guard lk(g_sig_mutex);
  if (g_sig_users++ == 0) {
    g_sigint.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &g_old_action);
  }
}

void remove_sigint() {
  std::lock_guard lk(g_sig_mutex);
  if (--g_sig_users == 0) sigaction(SIGINT, &g_old_action, nullptr);
}

status_mode resolve_mode(status_mode m) {
  if (const char* env = std::getenv("PARADE_STATUS")) {
    std::string_view v(env);
    if (v == "live") return status_mode::live;
    if (v == "plain") return status_mode::plain;
    if (v == "off") return status_mode::off;
  }
  if (m == status_mode::automatic) return isatty(STDERR_FILENO) ? status_mode::live : status_mode::plain;
  return m;
}

// PARADE_REPORT covers every action of the program. The first run writes the
// path as given; later ones number theirs (run.html, run-2.html, run-3.html),
// so no run's report overwrites another's.
std::string env_report_path(const std::string& path) {
  static std::mutex m;
  static std::map<std::string, int> runs;
  int n;
  {
    std::lock_guard lock(m);
    n = ++runs[path];
  }
  if (n == 1) return path;
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot <= slash + 1) || dot == 0) dot = path.size();
  return path.substr(0, dot) + "-" + std::to_string(n) + path.substr(dot);
}

}  // namespace

run_state::run_state(const run_options& opts)
    : opts_(opts), workers_(opts.workers ? opts.workers : std::max(1u, std::thread::hardware_concurrency())) {
  auto mode = resolve_mode(opts.status);
  auto interval = opts.status_interval.count() > 0
                      ? opts.status_interval
                      : std::chrono::milliseconds(mode == status_mode::live ? 1000 : 10000);
  std::string report = opts.report;
  if (const char* env = std::getenv("PARADE_REPORT"); report.empty() && env && *env) report = env_report_path(env);
  monitor_ = std::make_unique<monitor>(opts_, mode, interval, workers_, steps_, mutex_, stop_, std::move(report));
  install_sigint();
  signals_ = true;
}

run_state::~run_state() {
  pool_.reset();
  monitor_.reset();
  if (signals_) remove_sigint();
}

worker_pool& run_state::pool() {
  if (!pool_) pool_ = std::make_unique<worker_pool>(workers_);
  return *pool_;
}

std::size_t run_state::max_tokens() const {
  std::size_t per = tuning::buffer_chunks.load();
  if (per == 0) per = 4;
  return std::max<std::size_t>(1, per * workers_);
}

std::size_t run_state::max_chunk(std::size_t for_type) const {
  std::size_t m = tuning::max_chunk.load();
  return std::max<std::size_t>(1, m ? std::min(m, for_type) : for_type);
}

void run_state::fail(const std::string& step, std::exception_ptr e) {
  {
    std::lock_guard lk(mutex_);
    if (!failure_ && !cancelled_) {
      failure_ = std::move(e);
      failed_step_ = step;
      for (auto& s : steps_)
        if (s.name == step) s.set_state(step_state::failed);
    }
  }
  stop_.store(true);
}

bool run_state::poll() {
  if (!stop_.load()) {
    bool cancel = g_sigint.load() > 0 || opts_.stop.stop_requested();
    if (cancel) {
      std::lock_guard lk(mutex_);
      if (!failure_) cancelled_ = true;
      stop_.store(true);
    }
  }
  return stop_.load();
}

step_stats& run_state::add_step(std::string name, std::string kind, std::optional<std::uint64_t> total) {
  std::lock_guard lk(mutex_);
  auto& s = steps_.emplace_back();
  s.name = std::move(name);
  s.kind = std::move(kind);
  s.total = total;
  return s;
}

void run_state::start_monitor() { monitor_->start(); }

void run_state::fail_as_is(std::exception_ptr e, std::string what) {
  raw_ = std::move(e);
  raw_what_ = std::move(what);
  stop_.store(true);
}

void run_state::finish() {
  std::exception_ptr failure;
  std::string step;
  bool cancelled;
  {
    std::lock_guard lk(mutex_);
    failure = failure_;
    step = failed_step_;
    cancelled = cancelled_;
    // Steps the run left unfinished are stopped; a failed one stays FAILED.
    for (auto& s : steps_) {
      auto st = s.state.load();
      if (st == step_state::running || st == step_state::finishing) {
        if (failure || cancelled || stop_.load()) s.set_state(step_state::stopped);
        else s.set_state(step_state::done);
      }
    }
  }
  std::string what;
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "a non-standard exception (not derived from std::exception; it is nested)";
    }
  }
  if (raw_) what = raw_what_;
  std::string outcome = failure || raw_ ? "failed" : (cancelled || stop_.load()) ? "cancelled" : "done";
  std::string report_error = monitor_->finish(outcome, raw_ ? what : failure ? "step '" + step + "': " + what : "");
  // The report path was checked when the run started; what fails now (a
  // full disk) fails a run that succeeded, and is told beside another error.
  if (!report_error.empty()) {
    std::string msg = "parade: cannot write the run report: " + report_error;
    if (outcome == "done") throw error(msg);
    parade::log(msg);
  }
  if (raw_) std::rethrow_exception(raw_);
  if (failure) {
    // Thrown inside a handler of the original, so it is nested in the error.
    try {
      std::rethrow_exception(failure);
    } catch (...) {
      std::throw_with_nested(error("parade: step '" + step + "' failed: " + what));
    }
  }
  if (cancelled || stop_.load()) throw parade::cancelled("parade: run '" + opts_.name + "' cancelled");
}

}  // namespace parade::detail
