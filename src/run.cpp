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
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>

#include "io/fd.hpp"
#include "parade/detail/cluster.hpp"
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

extern "C" void on_sigint(int sig) {
  if (g_sigint.fetch_add(1) >= 1) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

// Under mpirun, Ctrl-C reaches the ranks as SIGTERM (mpirun forwards it so):
// a distributed run treats it as Ctrl-C, so every rank stops cleanly.
bool g_term = false;
struct sigaction g_old_term;

void install_sigint(bool term) {
  std::lock_guard lk(g_sig_mutex);
  // A distributed run takes SIGTERM too, also when it joins runs that
  // already hold the SIGINT handler.
  if (term && !g_term) {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    g_term = sigaction(SIGTERM, &sa, &g_old_term) == 0;
  }
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
  if (--g_sig_users == 0) {
    if (g_installed) sigaction(SIGINT, &g_old_action, nullptr);
    if (g_term) sigaction(SIGTERM, &g_old_term, nullptr);
    g_term = false;
  }
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
  bool remote_stop = false;  // another rank failed or stopped (distributed runs)
  bool notified = false;     // the other ranks were told this run failed here
  // This rank's outcome so far (2: failed here; 1: cancelled, or stopped for
  // another rank; 0: fine); `tell`: the others must hear of it now (once).
  int status(bool& tell) {
    std::lock_guard lk(mutex);
    int st = failure || raw ? 2 : (cancelled || remote_stop) ? 1 : 0;
    tell = st > 0 && !notified;
    notified = notified || tell;
    return st;
  }
  std::deque<step_stats> steps;
  bool signals = false;
  std::exception_ptr raw;
  std::string raw_what;
  std::unique_ptr<memory_account> memory;
  std::once_flag spill_made;
  std::unique_ptr<spill_space> spill;  // after the pool's users are gone, before the account
  std::unique_ptr<monitor> mon;
  // A distributed run's status traffic: ranks above 0 send their counters
  // to rank 0 a few times a second, counted so that rank 0 can take every
  // one before the run ends.
  std::uint64_t sent_before = 0;            // cluster::bytes_sent() when the run started
  std::uint64_t updates_sent = 0;
  std::vector<std::uint64_t> updates_heard;  // on rank 0, by rank
  std::chrono::steady_clock::time_point last_update{};
  void exchange_status(int rank);
  std::unique_ptr<worker_pool> pool;  // last: joined first
};

void run_state::impl::exchange_status(int rank) {
  if (rank > 0) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_update < std::chrono::milliseconds(250)) return;
    last_update = now;
    if (cluster::send_status(encode(mon->own_status(rank, cluster::bytes_sent() - sent_before)))) ++updates_sent;
    return;
  }
  std::string bytes;
  for (int from = 0; cluster::receive_status(bytes, from);) {
    ++updates_heard.at(std::size_t(from));
    mon->add_rank(decode(bytes));
  }
}

run_state::run_state(const run_options& opts)
    : workers_(opts.workers ? opts.workers : std::max(1u, std::thread::hardware_concurrency())),
      p_(std::make_unique<impl>()) {
  p_->opts = opts;
  // A distributed run: under mpirun with more than one rank, and not nested
  // in a user function (that one stays on its rank and talks to no other).
  if (cluster::active() && !on_worker_thread()) {
    rank_ = cluster::rank();
    ranks_ = cluster::ranks();
    run_id_ = cluster::next_run();
  }
  p_->memory = std::make_unique<memory_account>(opts.memory_limit ? opts.memory_limit : default_memory_budget());
  int forced = tuning::force_spill.load();
  if (forced < 0) {
    const char* env = std::getenv("PARADE_FORCE_SPILL");
    forced = env && *env && std::string_view(env) != "0";
  }
  force_spill_ = forced > 0;
  auto [mode, chosen] = resolve_mode(opts.status);
  // One display for the job, on rank 0; the other ranks stay quiet.
  if (rank_ > 0) mode = status_mode::off, chosen = true;
  auto interval = opts.status_interval.count() > 0
                      ? opts.status_interval
                      : std::chrono::milliseconds(mode == status_mode::live ? 1000 : 10000);
  // Like tqdm's `delay`: an automatic display shows nothing for a run that
  // ends within a second (a fold of a thousand numbers needs no summary).
  double quiet_s = chosen ? 0.0 : 1.0;
  std::string report = opts.report;
  if (const char* env = std::getenv("PARADE_REPORT"); report.empty() && env && *env) report = env_report_path(env);
  if (rank_ > 0) report.clear();
  p_->mon = std::make_unique<monitor>(p_->opts, mode, interval, quiet_s, workers_, p_->steps, p_->mutex, stop_, *p_->memory, std::move(report));
  if (distributed()) {
    p_->sent_before = cluster::bytes_sent();
    if (rank_ == 0) p_->mon->distributed(ranks_), p_->updates_heard.assign(std::size_t(ranks_), 0);
  }
  install_sigint(distributed());
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
  if (distributed()) {
    // Tell the other ranks at once when this one failed; stop when one of
    // them did (the outcome is agreed in finish()).
    bool tell = false;
    p_->status(tell);
    if (tell) cluster::notify_failure(run_id_);
    else if (!stop_.load() && cluster::failure_noticed(run_id_)) {
      std::lock_guard lk(p_->mutex);
      p_->remote_stop = true;
      stop_.store(true);
    }
    p_->exchange_status(rank_);
  }
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

namespace {
// The text of a failure as finish() throws it (parade's own messages start
// "parade: ": said once).
std::string failure_text(const std::string& step, const std::string& what, bool raw) {
  if (raw) return what;
  std::string_view own = what;
  if (own.starts_with("parade: ")) own.remove_prefix(8);
  return "parade: step '" + step + "' failed: " + std::string(own);
}

// The same text with the rank that failed, as every rank throws it.
std::string on_rank(int rank, std::string_view text) {
  if (text.starts_with("parade: ")) text.remove_prefix(8);
  return "parade: rank " + std::to_string(rank) + ": " + std::string(text);
}

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "a non-standard exception (not derived from std::exception; it is nested)";
  }
}
}  // namespace

bool run_state::ranks_ok() {
  if (!distributed()) return true;
  if (agreed_stop_) return false;
  bool tell = false;
  int st = p_->status(tell);
  if (tell) cluster::notify_failure(run_id_);
  if (cluster::max_of(st) == 0) return true;
  agreed_stop_ = true;
  stop_.store(true);
  return false;
}

void run_state::finish() {
  std::exception_ptr failure;
  std::string step;
  bool cancelled;
  bool stopped = stop_.load();
  // A distributed run ends with one outcome on every rank: the failure of
  // the lowest rank that failed (its text, naming the rank), else cancelled
  // if any rank stopped. Every rank gets here once per action, after its
  // last collective: the check below meets the others' ranks_ok() or
  // finish(), and the gather follows on every rank when anything failed.
  std::string remote_error;  // another rank's failure, as thrown here
  bool mine_chosen = false;
  if (distributed()) {
    bool tell = false;
    int st = p_->status(tell);
    std::string text;
    {
      std::lock_guard lk(p_->mutex);
      if (p_->raw) text = p_->raw_what;
      else if (p_->failure) text = failure_text(p_->failed_step, what_of(p_->failure), false);
    }
    if (tell) cluster::notify_failure(run_id_);
    if (agreed_stop_ || cluster::max_of(st) > 0) {
      auto all = cluster::all_gather(std::string(1, char(st)) + text);
      int chosen = -1;
      for (int r = 0; r < ranks_ && chosen < 0; ++r)
        if (!all[std::size_t(r)].empty() && all[std::size_t(r)][0] == 2) chosen = r;
      std::lock_guard lk(p_->mutex);
      if (chosen < 0) {
        if (!p_->completed) p_->cancelled = true;
        stopped = true;
      } else if (chosen == rank_) {
        mine_chosen = true;
      } else {
        remote_error = on_rank(chosen, std::string_view(all[std::size_t(chosen)]).substr(1));
        p_->failure = nullptr;
        p_->raw = nullptr;
        p_->cancelled = false;
        stopped = true;
      }
    }
  }
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
  if (distributed()) {
    // Every rank's final counters for rank 0's last frame and report; then
    // rank 0 takes the updates still on their way, so none is left over.
    auto mine = p_->mon->own_status(rank_, cluster::bytes_sent() - p_->sent_before);
    mine.messages = p_->updates_sent;
    auto all = cluster::all_gather(encode(mine));
    if (rank_ == 0) {
      for (int r = 0; r < ranks_; ++r) {
        auto s = decode(all[std::size_t(r)]);
        for (auto& heard = p_->updates_heard[std::size_t(r)]; heard < s.messages; ++heard) cluster::receive_status_from(r);
        p_->mon->add_rank(std::move(s));
      }
    } else {
      cluster::status_sent();
    }
  }
  std::string what;
  if (failure) what = what_of(failure);
  if (p_->raw) what = p_->raw_what;
  std::string outcome = failure || p_->raw || !remote_error.empty() ? "failed" : (cancelled || stopped) ? "cancelled" : "done";
  std::string shown = !remote_error.empty() ? remote_error
                      : p_->raw            ? what
                      : failure            ? "step '" + step + "': " + what
                                           : "";
  if (mine_chosen) shown = on_rank(rank_, failure_text(step, what, bool(p_->raw)));
  std::string report_error = p_->mon->finish(outcome, shown);
  // The report path was checked when the run started; what fails now (a
  // full disk) fails a run that succeeded, and is told beside another error.
  if (!report_error.empty()) {
    std::string msg = "parade: cannot write the run report: " + report_error;
    if (outcome == "done") throw error(msg);
    parade::log(msg);
  }
  if (!remote_error.empty()) throw error(remote_error);
  if (mine_chosen) {
    // The same text as every other rank's, the original nested.
    try {
      std::rethrow_exception(p_->raw ? p_->raw : failure);
    } catch (...) {
      std::throw_with_nested(error(shown));
    }
  }
  if (p_->raw) std::rethrow_exception(p_->raw);
  if (failure) {
    // Thrown inside a handler of the original, so it is nested in the error.
    try {
      std::rethrow_exception(failure);
    } catch (...) {
      std::throw_with_nested(error(failure_text(step, what, false)));
    }
  }
  if (cancelled || stopped) throw parade::cancelled("parade: run '" + p_->opts.name + "' cancelled");
}

}  // namespace parade::detail
