// run_state: stop flag, first failure, Ctrl-C handling and the status line.
#include "parade/detail/run.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include "parade/detail/pool.hpp"
#include "parade/error.hpp"

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

std::string human(double v) {
  char buf[32];
  const char* unit = "";
  if (v >= 1e9) { v /= 1e9; unit = "G"; }
  else if (v >= 1e6) { v /= 1e6; unit = "M"; }
  else if (v >= 1e4) { v /= 1e3; unit = "k"; }
  else { std::snprintf(buf, sizeof buf, "%.0f", v); return buf; }
  std::snprintf(buf, sizeof buf, "%.1f%s", v, unit);
  return buf;
}

const char* state_name(int s) {
  switch (s) {
    case 1: return "running";
    case 2: return "done";
    case 3: return "FAILED";
    default: return "waiting";
  }
}

}  // namespace

run_state::run_state(const run_options& opts)
    : opts_(opts),
      workers_(opts.workers ? opts.workers : std::max(1u, std::thread::hardware_concurrency())),
      mode_(resolve_mode(opts.status)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  interval_ = opts.status_interval.count() > 0
                  ? opts.status_interval
                  : std::chrono::milliseconds(mode_ == status_mode::live ? 1000 : 10000);
  install_sigint();
  signals_ = true;
}

run_state::~run_state() {
  pool_.reset();
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
        if (s.name == step) s.state = 3;
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

void run_state::tick() {
  if (mode_ == status_mode::off) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < interval_) return;
  last_draw_ = now;
  draw(false);
}

// A minimal display: one line per step. The full display is its own issue.
void run_state::draw(bool final) {
  if (mode_ == status_mode::off) return;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string out;
  std::lock_guard lk(mutex_);
  if (mode_ == status_mode::live && drawn_lines_ > 0) out += "\x1b[" + std::to_string(drawn_lines_) + "F";
  const char* outcome = !final ? "" : failure_ ? "  failed" : (cancelled_ || stop_.load()) ? "  cancelled" : "  done";
  char head[256];
  std::snprintf(head, sizeof head, "%s  %.1fs%s", opts_.name.c_str(), secs, outcome);
  out += mode_ == status_mode::live ? std::string(head) + "\x1b[K\n" : std::string("[parade] ") + head + "\n";
  std::size_t lines = 1;
  for (auto& s : steps_) {
    auto in = s.in.load(), outn = s.out.load();
    int st = s.state.load();
    if (final && st == 1) st = stop_.load() ? 3 : 2;
    char line[512];
    std::string total = s.total ? human(double(*s.total)) : "?";
    std::snprintf(line, sizeof line, "  %-24s %-8s in %s/%s  out %s  %s/s", s.name.c_str(), state_name(st),
                  human(double(in)).c_str(), total.c_str(), human(double(outn)).c_str(),
                  human(secs > 0 ? double(in) / secs : 0).c_str());
    out += mode_ == status_mode::live ? std::string(line) + "\x1b[K\n" : std::string("[parade] ") + line + "\n";
    ++lines;
  }
  drawn_lines_ = lines;
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
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
    for (auto& s : steps_) {
      int st = s.state.load();
      if (failure && st != 3) s.state = st == 2 ? 2 : 0;
      else if (!failure && !cancelled) s.state = 2;
    }
  }
  draw(true);
  if (failure) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    // Thrown inside a handler of the original, so it is nested in the error.
    try {
      std::rethrow_exception(failure);
    } catch (...) {
      throw error("parade: step '" + step + "' failed: " + what);
    }
  }
  if (cancelled || stop_.load()) throw parade::cancelled("parade: run '" + opts_.name + "' cancelled");
}

}  // namespace parade::detail
