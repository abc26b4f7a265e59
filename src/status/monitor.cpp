// The status monitor's thread, its rate and ETA estimates, the terminal it
// draws on and parade::log.
#include "status/monitor.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <unordered_map>

#include "parade/error.hpp"
#include "parade/io/output_file.hpp"
#include "parade/log.hpp"
#include "io/fd.hpp"

namespace parade::detail {
namespace {

using clock = std::chrono::steady_clock;

// Everything parade writes to stderr goes through here, so log lines and
// frames never interleave. The live frame on screen is kept to redraw it
// below a log line.
struct terminal {
  std::mutex m;
  const monitor* owner = nullptr;    // the run whose live display is on screen
  std::vector<std::string> frame;    // its lines as last drawn
  std::vector<int> widths;           // their display widths
  int cols = 80;                     // the width they were drawn at

  // Moves the cursor to the frame's first line. A terminal made narrower
  // since reflows the old lines, so count the rows they take now.
  std::string up(int cols_now) const {
    if (frame.empty()) return {};
    std::size_t rows = 0;
    for (int w : widths) rows += cols_now < cols && w > cols_now ? std::size_t((w + cols_now - 1) / cols_now) : 1;
    return "\r\x1b[" + std::to_string(rows) + "F";
  }
  static std::string lines(const std::vector<std::string>& f) {
    std::string s;
    for (auto& l : f) s += l + "\x1b[K\n";
    return s;
  }
  // Writes `text` (whole lines) above the live frame, if one is on screen:
  // erase the frame, write, draw it again below. Called with `m` held.
  void print(const std::string& text, int cols_now) const;
};
terminal& term() {
  static terminal t;
  return t;
}

// Status output never holds up a run: stderr may be a pipe nobody reads, or
// a terminal stopped with Ctrl-S. Each piece is written only when poll()
// says stderr can take it (waiting at most 50 ms); what cannot be written is
// dropped. After 2 s of dropped output in all, parade stops writing to
// stderr for the rest of the process. Pieces of 512 bytes: a pipe or
// terminal that is writable at all takes that much without blocking.
std::atomic<bool> g_stderr_gave_up{false};
double g_stuck_s = 0;  // under the terminal's lock

void write_err(const std::string& s) {
  if (g_stderr_gave_up.load(std::memory_order_relaxed)) return;
  constexpr std::size_t piece = 512;
  for (std::size_t at = 0; at < s.size();) {
    pollfd p{STDERR_FILENO, POLLOUT, 0};
    int r = ::poll(&p, 1, 50);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
      g_stuck_s += 0.05;
      if (g_stuck_s >= 2.0 || (r > 0)) g_stderr_gave_up.store(true);  // closed or stuck: give up
      return;
    }
    ssize_t n = ::write(STDERR_FILENO, s.data() + at, std::min(piece, s.size() - at));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      g_stderr_gave_up.store(true);
      return;
    }
    at += std::size_t(n);
  }
}

void terminal::print(const std::string& text, int cols_now) const {
  write_err(owner && !frame.empty() ? up(cols_now) + "\x1b[J" + text + lines(frame) : text);
}

// The terminal's size, from the terminal itself, else $COLUMNS / $LINES.
int terminal_size(bool rows) {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && (rows ? ws.ws_row : ws.ws_col) > 0) return rows ? ws.ws_row : ws.ws_col;
  if (const char* c = std::getenv(rows ? "LINES" : "COLUMNS")) {
    int n = std::atoi(c);
    if (n > 0) return n;
  }
  return rows ? 50 : 100;
}
int terminal_width() { return terminal_size(false); }

std::uint64_t current_rss() {
  int fd = io::open_fd("/proc/self/statm", O_RDONLY);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return std::uint64_t(resident) * std::uint64_t(sysconf(_SC_PAGESIZE));
}

long maxrss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

std::string local_time(std::time_t t, const char* fmt) {
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

// report.html -> report.json; other names get ".json" appended.
std::string json_path(std::string p) {
  for (std::string ext : {".html", ".htm"}) {
    if (p.size() > ext.size() && p.compare(p.size() - ext.size(), ext.size(), ext) == 0) {
      p.resize(p.size() - ext.size());
      break;
    }
  }
  return p + ".json";
}

// The counter a step's progress is measured by: its input, or for a barrier
// handing out its result, its output.
bool by_output(const step_stats& s) {
  return s.barrier && s.out_total.load() != unknown_total;
}

// The rate of a counter over a trailing window: long enough to smooth bursts
// (at least 1 s and half the step's running time, up to 30 s), short enough
// to follow a real change of pace. 0 before the step starts, none until it
// has run for a second.
std::optional<double> window_rate(const std::vector<step_sample>& h, bool out, double started, double t,
                                  std::uint64_t now_value) {
  if (started < 0) return 0;
  if (t - started < 1.0 || h.empty()) return std::nullopt;
  double w = std::clamp(0.5 * (t - started), 1.0, 30.0);
  auto it = std::upper_bound(h.begin(), h.end(), t - w, [](double x, const step_sample& s) { return x < s.t; });
  const step_sample& then = it == h.begin() ? *it : *(it - 1);
  double dt = t - std::max(then.t, started);
  std::uint64_t v = out ? then.out : then.in;
  if (dt <= 0 || now_value <= v) return 0;
  return double(now_value - v) / dt;
}

}  // namespace

monitor::monitor(const run_options& opts, status_mode mode, std::chrono::milliseconds interval, double quiet_s,
                 std::size_t workers,
                 std::deque<step_stats>& steps, std::mutex& steps_mutex, const std::atomic<bool>& stopping,
                 const memory_account& memory, std::string report_path)
    : opts_(opts),
      mode_(mode),
      interval_(interval),
      quiet_s_(quiet_s),
      workers_(workers),
      steps_(steps),
      steps_mutex_(steps_mutex),
      stopping_(stopping),
      memory_(memory),
      report_path_(std::move(report_path)),
      start_(clock::now()) {
  if (!report_path_.empty()) {
    try {
      html_ = std::make_unique<output_file>(report_path_);
      json_ = std::make_unique<output_file>(json_path(report_path_));
    } catch (const std::exception& e) {
      throw error(std::string("parade: cannot write the run report: ") + e.what());
    }
  }
  started_text_ = local_time(std::time(nullptr), "%Y-%m-%d %H:%M:%S");
  host_ = host_name();
  start_maxrss_kb_ = maxrss_kb();
  const char* no_color = std::getenv("NO_COLOR");
  color_ = mode_ == status_mode::live && isatty(STDERR_FILENO) && !(no_color && *no_color);
  if (mode_ == status_mode::live) {
    // One live display at a time: a run started while another draws (an
    // action inside a user function) stays quiet rather than garble it.
    auto& tm = term();
    std::lock_guard lk(tm.m);
    if (tm.owner) mode_ = status_mode::off;
    else {
      tm.owner = this;
      tm.frame.clear();
      tm.widths.clear();
      live_owner_ = true;
    }
  }
}

monitor::~monitor() {
  {
    std::lock_guard lk(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (live_owner_) {
    auto& tm = term();
    std::lock_guard lk(tm.m);
    tm.owner = nullptr;
    tm.frame.clear();
    tm.widths.clear();
  }
}

double monitor::now() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

double monitor::since_start(std::int64_t ns) const {
  return ns ? std::chrono::duration<double>(clock::duration(ns) - start_.time_since_epoch()).count() : -1.0;
}

void monitor::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable() || quit_) return;
  {
    std::lock_guard sl(steps_mutex_);
    hist_.resize(steps_.size());
    printed_.resize(steps_.size());
  }
  if (mode_ == status_mode::off && report_path_.empty()) return;
  thread_ = std::thread([this] { loop(); });
}

void monitor::loop() {
  std::unique_lock lk(mu_);
  width_ = terminal_width();
  while (!quit_) {
    cv_.wait_for(lk, std::chrono::milliseconds(50));
    if (quit_) break;
    double t = now();
    if (t - last_sample_ >= period_) sample(t);
    if (mode_ == status_mode::off || t < quiet_s_) continue;
    int w = mode_ == status_mode::live ? terminal_width() : width_;
    bool resized = w != width_;
    width_ = w;
    if (resized || t - std::max(last_draw_, 0.0) >= std::chrono::duration<double>(interval_).count()) {
      last_draw_ = t;
      auto f = make_frame(t);
      lk.unlock();  // drawing may block on a slow terminal; sampling need not
      draw(f, false);
      lk.lock();
    }
  }
}

// Records every step's counters. The history keeps at most 2048 samples per
// step: when full, every other one goes and sampling slows by half, so a
// day-long run costs as little memory as a minute-long one.
void monitor::sample(double t) {
  last_sample_ = t;
  {
    std::lock_guard sl(steps_mutex_);
    std::size_t i = 0;
    for (auto& s : steps_) {
      if (i >= hist_.size()) break;
      auto& h = hist_[i++].samples;
      step_sample x;
      x.t = t;
      x.in = s.in.load(std::memory_order_relaxed);
      x.out = s.out.load(std::memory_order_relaxed);
      x.busy_s = double(s.busy_ns.load(std::memory_order_relaxed)) * 1e-9;
      x.queued = s.queued.load(std::memory_order_relaxed);
      auto st = s.state.load();
      each_rank_step(i - 1, [&](const rank_step& o) {
        x.in += o.in;
        x.out += o.out;
        x.busy_s += double(o.busy_ns) * 1e-9;
        x.queued += o.queued;
        st = combine(st, step_state(o.state));
      });
      x.state = int(st);
      h.push_back(x);
    }
  }
  auto rss = current_rss();  // a file read: not under the run's lock, which failing workers take
  peak_rss_ = std::max(peak_rss_, rss);
  rss_t_.push_back(t);
  rss_.push_back(rss);
  if (!hist_.empty() && hist_[0].samples.size() >= 2048) {
    auto thin = [](auto& v) {
      std::size_t k = 0;
      for (std::size_t j = 0; j < v.size(); j += 2) v[k++] = v[j];
      v.resize(k);
    };
    for (auto& h : hist_) thin(h.samples);
    thin(rss_t_);
    thin(rss_);
    period_ *= 2;
  }
}

frame monitor::make_frame(double t) {
  frame f;
  f.name = opts_.name;
  f.elapsed = t;
  bool stopping = stopping_.load();
  std::lock_guard sl(steps_mutex_);
  std::unordered_map<const step_stats*, std::size_t> index;
  std::size_t i = 0;
  step_state local_state = steps_.empty() ? step_state::waiting : steps_.front().state.load();
  for (auto& s : steps_) {
    step_view v;
    v.s = &s;
    v.state = s.state.load();
    if (stopping && (v.state == step_state::running || v.state == step_state::finishing)) v.state = step_state::stopping;
    v.in = s.in.load(std::memory_order_relaxed);
    v.out = s.out.load(std::memory_order_relaxed);
    f.spilled += s.spilled.load(std::memory_order_relaxed);
    v.busy = s.busy.load(std::memory_order_relaxed);
    v.cap = s.cap.load(std::memory_order_relaxed);
    v.queued = s.queued.load(std::memory_order_relaxed);
    v.buffer_cap = s.buffer_cap.load(std::memory_order_relaxed);
    // A distributed run: the job's figures are the sums over ranks; a known
    // size stays known only if every rank knows its own.
    std::optional<std::uint64_t> own_total = s.total;
    std::uint64_t out_total = s.out_total.load();
    double started = since_start(s.started_ns.load()), out_known = since_start(s.out_known_ns.load());
    if (!others_.empty()) {
      local_state = combine(local_state, v.state);
      if (!all_heard()) own_total = std::nullopt, out_total = unknown_total;
      each_rank_step(i, [&](const rank_step& o) {
        v.in += o.in;
        v.out += o.out;
        f.spilled += o.spilled;
        v.busy += o.busy;
        v.cap += o.cap;
        v.queued += o.queued;
        v.buffer_cap += o.buffer_cap;
        v.state = combine(v.state, step_state(o.state));
        if (own_total && o.total != unknown_total) *own_total += o.total;
        else own_total = std::nullopt;
        out_total = out_total != unknown_total && o.out_total != unknown_total ? out_total + o.out_total : unknown_total;
        if (o.start_s >= 0) started = started < 0 ? o.start_s : std::min(started, o.start_s);
        out_known = o.out_known_s < 0 || out_known < 0 ? -1 : std::max(out_known, o.out_known_s);
      });
      if (stopping && (v.state == step_state::running || v.state == step_state::finishing)) v.state = step_state::stopping;
    }
    const step_view* up = nullptr;
    if (s.upstream) {
      auto it = index.find(s.upstream);
      if (it != index.end()) up = &f.steps[it->second];
    }
    v.phase = up ? up->phase + (s.upstream->barrier ? 1 : 0) : 0;
    v.total = s.total ? own_total : up ? up->length : std::nullopt;
    if (s.second && v.total) {  // concat: both inputs' lengths
      auto it = index.find(s.second);
      auto other = it == index.end() ? std::nullopt : f.steps[it->second].length;
      v.total = other ? std::optional(*v.total + *other) : std::nullopt;
    }
    switch (s.yield) {
      case yields::same: v.length = v.total; break;
      case yields::batch:
        if (v.total && s.batch_n) v.length = (*v.total + s.batch_n - 1) / s.batch_n;
        break;
      case yields::known:
        if (out_total != unknown_total) v.length = out_total;
        break;
      case yields::unknown: break;
    }
    // Rate and ETA from the smoothed rate of the step's progress counter.
    static const std::vector<step_sample> none;
    const auto& h = i < hist_.size() ? hist_[i].samples : none;
    v.rate = window_rate(h, false, started, t, v.in);
    bool out = by_output(s);
    std::uint64_t p = out ? v.out : v.in;
    std::uint64_t total = v.total.value_or(unknown_total);
    double prate = v.rate.value_or(0);
    if (out) {
      // A barrier handing out its result is timed from when it had it.
      total = out_total;
      prate = out_known < 0 ? 0 : window_rate(h, true, out_known, t, v.out).value_or(0);
    }
    bool active = v.state == step_state::running || v.state == step_state::finishing;
    if (active && total != unknown_total && prate > 0) v.eta = double(total > p ? total - p : 0) / prate;
    index[&s] = f.steps.size();
    f.steps.push_back(v);
    ++i;
  }
  // A step without a total ends when its segment's source does.
  for (auto& v : f.steps) {
    if (v.eta || !v.s->feeder || v.s->feeder == v.s) continue;
    if (v.state != step_state::running && v.state != step_state::finishing) continue;
    auto it = index.find(v.s->feeder);
    if (it == index.end()) continue;
    // The feeder is the segment's source: of the same phase, or the barrier
    // whose result starts this phase.
    const auto& feeder = f.steps[it->second];
    if (feeder.phase == v.phase || (v.s->feeder->barrier && by_output(*v.s->feeder))) v.eta = feeder.eta;
  }
  // The phase running now: the latest with a step at work (a barrier still
  // hands out its result while the next phase runs), else the first not done.
  int maxphase = 0, current = -1, first_open = -1;
  for (auto& v : f.steps) {
    maxphase = std::max(maxphase, v.phase);
    bool active = v.state == step_state::running || v.state == step_state::finishing || v.state == step_state::stopping;
    if (active && !(v.s->barrier && by_output(*v.s))) current = std::max(current, v.phase);
    if (first_open < 0 && v.state != step_state::done) first_open = v.phase;
  }
  if (current < 0) current = first_open;
  f.phases = maxphase + 1;
  f.phase = std::max(current, 0);
  for (auto& v : f.steps)
    if (v.phase == f.phase && v.eta) f.eta = std::max(f.eta.value_or(0), *v.eta);
  if (!others_.empty()) {
    f.ranks.push_back({0, host_, local_state, rss_.empty() ? 0 : rss_.back()});
    for (std::size_t r = 1; r < others_.size(); ++r) {
      const auto& o = others_[r];
      f.ranks.push_back({int(r), o.host, overall(o.steps), o.rss});
    }
  }
  return f;
}

bool monitor::all_heard() const {
  for (std::size_t r = 1; r < others_.size(); ++r)
    if (others_[r].host.empty()) return false;
  return true;
}

void monitor::distributed(int ranks) {
  std::lock_guard lk(mu_);
  others_.assign(std::size_t(std::max(ranks, 1)), rank_status{});
}

void monitor::add_rank(rank_status s) {
  std::lock_guard lk(mu_);
  if (s.rank >= 0 && std::size_t(s.rank) < others_.size()) {
    if (s.host.empty()) s.host = "?";  // heard from: all_heard() goes by the name
    others_[std::size_t(s.rank)] = std::move(s);
  }
}

rank_status monitor::own_status(int rank, std::uint64_t sent) {
  rank_status s;
  s.rank = rank;
  s.host = host_;
  s.workers = workers_;
  s.rss = current_rss();
  long end_kb = maxrss_kb();
  s.peak_rss = end_kb > start_maxrss_kb_ ? std::uint64_t(end_kb) * 1024 : s.rss;
  s.memory_peak = memory_.peak();
  s.bytes_sent = sent;
  std::lock_guard sl(steps_mutex_);
  s.steps = snapshot(steps_, start_.time_since_epoch().count());
  return s;
}

void monitor::draw(const frame& f, bool final) {
  if (mode_ == status_mode::off) return;
  if (mode_ == status_mode::plain) {
    // One line per step whose state or counts changed since its last line.
    std::string out;
    for (std::size_t i = 0; i < f.steps.size(); ++i) {
      const auto& v = f.steps[i];
      std::string key = std::to_string(int(v.state)) + ' ' + std::to_string(v.in) + ' ' + std::to_string(v.out);
      if (i < printed_.size()) {
        if (printed_[i] == key && !final) continue;
        printed_[i] = key;
      }
      out += render_plain_line(f, v);
    }
    auto& tm = term();
    std::lock_guard lk(tm.m);
    tm.print(out, terminal_width());  // another run's live display may be on screen
    return;
  }
  int w = std::max(8, width_);
  // One spare column (no autowrap at the edge), one spare row (no scroll).
  auto lines = fit_height(render_live(f, w - 1, color_), terminal_size(true));
  auto& tm = term();
  std::lock_guard lk(tm.m);
  std::string s = "\x1b[?25l" + tm.up(w) + terminal::lines(lines) + "\x1b[J\x1b[?25h";
  tm.frame = lines;
  tm.widths.clear();
  for (auto& l : lines) tm.widths.push_back(text_columns(l));
  tm.cols = w;
  if (final) tm.frame.clear(), tm.widths.clear();  // stays on screen; the next output goes below
  write_err(s);
}

run_record monitor::record(const frame& f, double t) {
  run_record r;
  r.name = opts_.name;
  r.outcome = f.outcome;
  r.error = f.error;
  r.started = started_text_;
  r.elapsed_s = t;
  r.workers = workers_;
  // The process's peak if this run raised it, else the highest sample.
  long end_kb = maxrss_kb();
  r.peak_rss = end_kb > start_maxrss_kb_ ? std::uint64_t(end_kb) * 1024 : peak_rss_;
  r.rss_t = rss_t_;
  r.memory_budget = memory_.limit();
  r.memory_peak = memory_.peak();
  r.rss = rss_;
  std::lock_guard sl(steps_mutex_);
  std::size_t i = 0;
  for (auto& s : steps_) {
    const auto& v = f.steps[i];
    step_record x;
    x.name = s.name;
    x.kind = s.kind;
    x.dataset = s.dataset;
    x.unit = s.bytes ? "bytes" : "items";
    x.total = v.total;
    x.in = v.in;
    x.out = v.out;
    x.start_s = since_start(s.started_ns.load());
    x.end_s = since_start(s.ended_ns.load());
    if (x.start_s >= 0 && x.end_s < 0) x.end_s = t;
    x.wall_s = x.start_s >= 0 ? x.end_s - x.start_s : 0;
    x.busy_s = double(s.busy_ns.load()) * 1e-9;
    x.cap = v.cap;
    x.buffer_cap = v.buffer_cap;
    x.barrier = s.barrier;
    x.spilled = s.spilled.load();
    each_rank_step(i, [&](const rank_step& o) {
      x.busy_s += double(o.busy_ns) * 1e-9;
      x.spilled += o.spilled;
      if (o.start_s >= 0) x.start_s = x.start_s < 0 ? o.start_s : std::min(x.start_s, o.start_s);
      x.end_s = std::max(x.end_s, o.start_s >= 0 && o.end_s < 0 ? t : o.end_s);
    });
    x.state = step_state_name(int(v.state));
    if (i < hist_.size()) x.samples = hist_[i].samples;
    r.steps.push_back(std::move(x));
    ++i;
  }
  if (!others_.empty()) {
    // Rank 0's own row, then the others as they last reported (at the end:
    // finally, before this record is made).
    auto row = [&](const rank_status& o, std::string state) {
      rank_record k;
      k.rank = o.rank;
      k.host = o.host;
      k.state = std::move(state);
      k.workers = std::size_t(o.workers);
      k.peak_rss = o.peak_rss;
      k.memory_peak = o.memory_peak;
      k.bytes_sent = o.bytes_sent;
      for (auto& x : o.steps) {
        k.in.push_back(x.in);
        k.out.push_back(x.out);
        k.busy_s.push_back(double(x.busy_ns) * 1e-9);
        k.spilled += x.spilled;
      }
      return k;
    };
    rank_status mine;
    mine.host = host_;
    mine.workers = workers_;
    mine.peak_rss = r.peak_rss;
    mine.memory_peak = r.memory_peak;
    mine.bytes_sent = others_[0].bytes_sent;
    mine.steps = snapshot(steps_, start_.time_since_epoch().count());
    step_state st = overall(mine.steps);
    r.ranks.push_back(row(mine, step_state_name(int(st))));
    for (std::size_t k = 1; k < others_.size(); ++k) {
      const auto& o = others_[k];
      r.ranks.push_back(row(o, o.host.empty() ? "unheard" : step_state_name(int(overall(o.steps)))));
      r.workers += std::size_t(o.workers);
      r.peak_rss = std::max(r.peak_rss, o.peak_rss);
      r.memory_peak = std::max(r.memory_peak, o.memory_peak);
    }
  }
  return r;
}

std::string monitor::finish(const std::string& outcome, const std::string& error) {
  {
    std::lock_guard lk(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (mode_ == status_mode::off && !html_) return {};  // nothing to show or write
  std::lock_guard lk(mu_);
  if (hist_.empty()) {
    std::lock_guard sl(steps_mutex_);
    hist_.resize(steps_.size());  // a run that failed before it started
    printed_.resize(steps_.size());
  }
  double t = now();
  sample(t);
  auto f = make_frame(t);
  f.outcome = outcome;
  f.error = error;
  if (t < quiet_s_) mode_ = status_mode::off;  // a short run: nothing was shown, nothing is
  if (mode_ != status_mode::off) {
    width_ = mode_ == status_mode::live ? terminal_width() : 100;
    draw(f, true);
  }
  auto r = record(f, t);
  if (mode_ != status_mode::off) {
    auto& tm = term();
    std::lock_guard tl(tm.m);
    tm.print(render_summary(r, mode_ == status_mode::plain, color_, std::max(40, width_) - 1), terminal_width());
  }
  if (!html_) return {};
  try {
    html_->write(report_html(r));
    json_->write(report_json(r));
    html_->commit();  // each appears whole or not at all
    json_->commit();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace parade::detail

namespace parade {

void log(std::string_view line) {
  auto& tm = detail::term();
  std::lock_guard lk(tm.m);
  std::string s(line);
  if (s.empty() || s.back() != '\n') s += '\n';
  tm.print(s, detail::terminal_width());
}

}  // namespace parade
