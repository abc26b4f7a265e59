// run_state: stop flag, first failure, Ctrl-C handling and the status line.
#include "parade/detail/run.hpp"
#include "parade/detail/action.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <exception>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>

#include "io/fd.hpp"
#include "parade/detail/spill.hpp"
#include "pool.hpp"
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
bool g_installed = false;
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
    // A program started with SIGINT ignored (nohup, a background job of a
    // script, a daemon) keeps it ignored: a Ctrl-C meant for the foreground
    // must not cancel it.
    struct sigaction now {};
    sigaction(SIGINT, nullptr, &now);
    g_installed = now.sa_handler != SIG_IGN;
    if (g_installed) {
      struct sigaction sa {};
      sa.sa_handler = on_sigint;
      sigemptyset(&sa.sa_mask);
      sigaction(SIGINT, &sa, &g_old_action);
    }
  }
}

void remove_sigint() {
  std::lock_guard lk(g_sig_mutex);
  if (--g_sig_users == 0 && g_installed) sigaction(SIGINT, &g_old_action, nullptr);
}

// The display a run gets, and whether it was asked for explicitly (by the
// code or PARADE_STATUS): an automatic one stays quiet for a short run.
struct display_choice {
  status_mode mode;
  bool chosen;
};

display_choice resolve_mode(status_mode m) {
  // A closed stderr: nothing to show, and nowhere to show it.
  if (::fcntl(STDERR_FILENO, F_GETFD) == -1) return {status_mode::off, true};
  if (const char* env = std::getenv("PARADE_STATUS"); env && *env) {
    std::string_view v(env);
    if (v == "live") return {status_mode::live, true};
    if (v == "plain") return {status_mode::plain, true};
    if (v == "off") return {status_mode::off, true};
    if (v != "automatic") {
      static std::once_flag warned;
      std::call_once(warned, [&] {
        parade::log("parade: PARADE_STATUS=" + std::string(v) +
                    " is not one of live, plain, off, automatic; it is ignored");
      });
    }
  }
  if (m != status_mode::automatic) return {m, true};
  // A dumb terminal cannot redraw in place: it gets plain lines.
  const char* term = std::getenv("TERM");
  bool dumb = term && std::string_view(term) == "dumb";
  return {isatty(STDERR_FILENO) && !dumb ? status_mode::live : status_mode::plain, false};
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

// A number from a file such as /sys/fs/cgroup/memory.max ("max": none).
std::optional<std::uint64_t> read_number(const char* path) {
  int fd = io::open_fd(path, O_RDONLY);
  if (fd < 0) return std::nullopt;
  char buf[64] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0 || buf[0] < '0' || buf[0] > '9') return std::nullopt;
  return std::strtoull(buf, nullptr, 10);
}

// A field of /proc/meminfo, in bytes.
std::optional<std::uint64_t> meminfo(const char* field) {
  int fd = io::open_fd("/proc/meminfo", O_RDONLY);
  if (fd < 0) return std::nullopt;
  char buf[4096] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  const char* at = std::strstr(buf, field);
  if (!at) return std::nullopt;
  return std::strtoull(at + std::strlen(field), nullptr, 10) * 1024;
}

}  // namespace

std::size_t default_memory_budget() {
  // The memory the process can have: the machine's, or its cgroup's limit
  // inside a container (v2, then v1), whichever is smaller.
  std::uint64_t limit = meminfo("MemTotal:").value_or(std::uint64_t{4} << 30);
  for (const char* p : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"})
    if (auto c = read_number(p); c && *c > 0) limit = std::min(limit, *c);
  std::uint64_t budget = limit / 2;
  // No more than most of what is free now.
  if (auto avail = meminfo("MemAvailable:")) budget = std::min(budget, *avail / 10 * 8);
  return std::size_t(std::max<std::uint64_t>(budget, std::uint64_t{64} << 20));
}

void record_failures(run_state& rs, const run_options& o, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const parade::error& e) {
    rs.fail_as_is(std::current_exception(), e.what());
  } catch (const stop_signal&) {
  } catch (const step_failure& f) {
    rs.fail(f.step, f.original);
  } catch (...) {
    rs.fail(o.name, std::current_exception());
  }
}

struct slot_list::lock {
  std::mutex m;
};
slot_list::slot_list() : lock_(std::make_unique<lock>()) {}
slot_list::~slot_list() = default;
void slot_list::add(std::shared_ptr<void> slot) {
  std::lock_guard lk(lock_->m);
  all_.push_back(std::move(slot));
}

struct run_state::impl {
  run_options opts;
  std::mutex mutex;  // guards the fields below
  std::exception_ptr failure;
  std::string failed_step;
  bool cancelled = false;
  bool completed = false;
  std::deque<step_stats> steps;
  bool signals = false;
  std::exception_ptr raw;
  std::string raw_what;
  std::unique_ptr<memory_account> memory;
  std::once_flag spill_made;
  std::unique_ptr<spill_space> spill;  // after the pool's users are gone, before the account
  std::unique_ptr<monitor> mon;
  std::unique_ptr<worker_pool> pool;  // last: joined first
};

run_state::run_state(const run_options& opts)
    : workers_(opts.workers ? opts.workers : std::max(1u, std::thread::hardware_concurrency())),
      p_(std::make_unique<impl>()) {
  p_->opts = opts;
  p_->memory = std::make_unique<memory_account>(opts.memory_limit ? opts.memory_limit : default_memory_budget());
  int forced = tuning::force_spill.load();
  if (forced < 0) {
    const char* env = std::getenv("PARADE_FORCE_SPILL");
    forced = env && *env && std::string_view(env) != "0";
  }
  force_spill_ = forced > 0;
  auto [mode, chosen] = resolve_mode(opts.status);
  auto interval = opts.status_interval.count() > 0
                      ? opts.status_interval
                      : std::chrono::milliseconds(mode == status_mode::live ? 1000 : 10000);
  // Like tqdm's `delay`: an automatic display shows nothing for a run that
  // ends within a second (a fold of a thousand numbers needs no summary).
  double quiet_s = chosen ? 0.0 : 1.0;
  std::string report = opts.report;
  if (const char* env = std::getenv("PARADE_REPORT"); report.empty() && env && *env) report = env_report_path(env);
  p_->mon = std::make_unique<monitor>(p_->opts, mode, interval, quiet_s, workers_, p_->steps, p_->mutex, stop_, *p_->memory, std::move(report));
  install_sigint();
  p_->signals = true;
}

run_state::~run_state() {
  p_->pool.reset();
  p_->mon.reset();
  if (p_->signals) remove_sigint();
}

worker_pool& run_state::pool() {
  if (!p_->pool) p_->pool = std::make_unique<worker_pool>(workers_);
  return *p_->pool;
}

std::size_t run_state::max_tokens() const {
  std::size_t per = tuning::buffer_chunks.load();
  if (per == 0) per = 4;
  return std::max<std::size_t>(1, per * workers_);
}

std::size_t run_state::buffer_bytes() const {
  // A sixteenth of the budget, 4 to 64 MiB: chunks in flight need little.
  std::size_t b = tuning::buffer_bytes.load();
  return b ? b : std::clamp(p_->memory->limit() / 16, std::size_t{4} << 20, std::size_t{64} << 20);
}

memory_account& run_state::memory() { return *p_->memory; }

spill_space& run_state::spill() {
  std::call_once(p_->spill_made, [&] { p_->spill = std::make_unique<spill_space>(p_->opts.temp_dir, workers_ + 1); });
  return *p_->spill;
}

std::size_t run_state::max_chunk(std::size_t for_type) const {
  std::size_t m = tuning::max_chunk.load();
  return std::max<std::size_t>(1, m ? std::min(m, for_type) : for_type);
}

namespace {
// A run nested in a user function of this one was cancelled (Ctrl-C reaches
// both): this run is cancelled too, not failed.
bool is_cancel(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const parade::cancelled&) {
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace

void run_state::fail(const std::string& step, std::exception_ptr e) {
  if (is_cancel(e)) return cancel();
  {
    std::lock_guard lk(p_->mutex);
    if (!p_->failure && !p_->cancelled && !p_->completed) {
      p_->failure = std::move(e);
      p_->failed_step = step;
      for (auto& s : p_->steps)
        if (s.name == step) s.set_state(step_state::failed);
    }
  }
  stop_.store(true);
}

bool run_state::poll() {
  if (!stop_.load()) {
    bool cancel = g_sigint.load() > 0 || p_->opts.stop.stop_requested();
    if (cancel) {
      std::lock_guard lk(p_->mutex);
      if (!p_->failure && !p_->completed) p_->cancelled = true;
      stop_.store(true);
    }
  }
  return stop_.load();
}

step_stats& run_state::add_step(std::string name, std::string kind, std::optional<std::uint64_t> total) {
  std::lock_guard lk(p_->mutex);
  auto& s = p_->steps.emplace_back();
  s.name = std::move(name);
  s.kind = std::move(kind);
  s.total = total;
  return s;
}

void run_state::start_monitor() { p_->mon->start(); }

void run_state::cancel() {
  {
    std::lock_guard lk(p_->mutex);
    if (!p_->failure && !p_->completed) p_->cancelled = true;
  }
  stop_.store(true);
}

void run_state::complete() {
  {
    std::lock_guard lk(p_->mutex);
    if (!p_->failure && !p_->cancelled) p_->completed = true;
  }
  stop_.store(true);
}

void run_state::fail_as_is(std::exception_ptr e, std::string what) {
  if (is_cancel(e)) return cancel();
  p_->raw = std::move(e);
  p_->raw_what = std::move(what);
  stop_.store(true);
}

void run_state::finish() {
  std::exception_ptr failure;
  std::string step;
  bool cancelled;
  bool stopped = stop_.load();
  {
    std::lock_guard lk(p_->mutex);
    failure = p_->failure;
    step = p_->failed_step;
    cancelled = p_->cancelled;
    // Stopped because the action had what it needed: a success.
    if (p_->completed) stopped = false;
    // Steps the run left unfinished are stopped; a failed one stays FAILED.
    for (auto& s : p_->steps) {
      auto st = s.state.load();
      if (st == step_state::running || st == step_state::finishing) {
        if (failure || cancelled || stopped) s.set_state(step_state::stopped);
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
  if (p_->raw) what = p_->raw_what;
  std::string outcome = failure || p_->raw ? "failed" : (cancelled || stopped) ? "cancelled" : "done";
  std::string report_error = p_->mon->finish(outcome, p_->raw ? what : failure ? "step '" + step + "': " + what : "");
  // The report path was checked when the run started; what fails now (a
  // full disk) fails a run that succeeded, and is told beside another error.
  if (!report_error.empty()) {
    std::string msg = "parade: cannot write the run report: " + report_error;
    if (outcome == "done") throw error(msg);
    parade::log(msg);
  }
  if (p_->raw) std::rethrow_exception(p_->raw);
  if (failure) {
    // Thrown inside a handler of the original, so it is nested in the error.
    try {
      std::rethrow_exception(failure);
    } catch (...) {
      // parade's own messages start "parade: ": said once.
      std::string_view own = what;
      if (own.starts_with("parade: ")) own.remove_prefix(8);
      std::throw_with_nested(error("parade: step '" + step + "' failed: " + std::string(own)));
    }
  }
  if (cancelled || stopped) throw parade::cancelled("parade: run '" + p_->opts.name + "' cancelled");
}

}  // namespace parade::detail
