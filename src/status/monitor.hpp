// The status monitor: a thread that samples the steps' counters, estimates
// rates and ETAs, draws the live display or plain lines, and at the end prints
// the summary and writes the report. Nothing on the workers' path waits for
// it: it only reads atomics. Private to the library.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "parade/detail/plan.hpp"
#include "parade/detail/spill.hpp"
#include "parade/io/output_file.hpp"
#include "parade/options.hpp"
#include "status/rank_status.hpp"
#include "status/record.hpp"

namespace parade::detail {

// One step as the display shows it at one moment.
struct step_view {
  const step_stats* s = nullptr;
  step_state state = step_state::waiting;
  std::uint64_t in = 0, out = 0;
  std::optional<std::uint64_t> total;   // input size, in the step's unit
  std::optional<std::uint64_t> length;  // the length of the dataset it makes
  std::optional<double> rate;           // unit per second (smoothed); none = not yet known
  std::optional<double> eta;            // seconds left; none = not enough to tell
  std::uint32_t busy = 0, cap = 0, queued = 0, buffer_cap = 0;
  int phase = 0;                        // barriers upstream of it
};

// A rank of a distributed run, as the display lists it.
struct rank_line {
  int rank = 0;
  std::string host;       // "" until it has reported
  step_state state = step_state::waiting;
  std::uint64_t rss = 0;  // bytes
};

// What one frame shows.
struct frame {
  std::string name;
  double elapsed = 0;
  std::optional<double> eta;  // of the current phase
  int phase = 0, phases = 1;
  std::string outcome;        // "" while running; "done", "failed", "cancelled"
  std::string error;
  std::vector<step_view> steps;
  std::uint64_t spilled = 0;  // bytes all steps wrote to disk so far
  std::vector<rank_line> ranks;  // a distributed run (else empty); counts above are summed over them
};

// Rendering (src/status/render.cpp). Live lines fit `width` columns.
std::vector<std::string> render_live(const frame& f, int width, bool color);
// Shortens a live frame to fit a terminal `rows` high.
std::vector<std::string> fit_height(std::vector<std::string> lines, int rows);
// Columns a line takes on a terminal (escape codes take none).
int text_columns(const std::string& s);
std::string render_plain_line(const frame& f, const step_view& v);
std::string render_summary(const run_record& r, bool plain, bool color, int width);
std::string format_duration(double seconds);

class monitor {
 public:
  // quiet_s: nothing is shown before the run has lasted that long, and a
  // run that ends sooner shows nothing at all (0 = show from the start).
  monitor(const run_options& opts, status_mode mode, std::chrono::milliseconds interval, double quiet_s,
          std::size_t workers, std::deque<step_stats>& steps, std::mutex& steps_mutex,
          const std::atomic<bool>& stopping, const memory_account& memory, std::string report_path);
  ~monitor();
  monitor(const monitor&) = delete;
  monitor& operator=(const monitor&) = delete;

  // Starts sampling (and drawing); called once the plan is complete.
  void start();
  // A distributed run (rank 0 of `ranks`): the display and the report add
  // the other ranks' counters, as add_rank() receives them.
  void distributed(int ranks);
  // Another rank's counters (rank 0 of a distributed run); the newest wins.
  // Rank 0's own, given at the end, brings the bytes it sent.
  void add_rank(rank_status s);
  // This rank's counters now, to send to rank 0. `sent`: bytes this rank sent
  // to others during the run.
  rank_status own_status(int rank, std::uint64_t sent);
  // Stops the thread, draws the final frame and the summary, writes the
  // report. Returns a message if the report could not be written.
  std::string finish(const std::string& outcome, const std::string& error);

 private:
  struct history {
    std::vector<step_sample> samples;
  };
  void loop();
  void sample(double t);  // under mu_
  frame make_frame(double t);
  void draw(const frame& f, bool final);
  run_record record(const frame& f, double t);  // f: the final frame, with its outcome
  double now() const;
  double since_start(std::int64_t steady_ns) const;  // seconds from the run's start; -1 for 0 (never)
  // The other ranks' figures for step i, as seen now (under mu_).
  template <class Fn>
  void each_rank_step(std::size_t i, Fn&& fn) const {
    for (std::size_t r = 1; r < others_.size(); ++r)
      if (i < others_[r].steps.size()) fn(others_[r].steps[i]);
  }
  bool all_heard() const;  // every other rank has reported (under mu_)

  run_options opts_;
  status_mode mode_;
  std::chrono::milliseconds interval_;
  double quiet_s_;
  std::size_t workers_;
  std::deque<step_stats>& steps_;
  std::mutex& steps_mutex_;
  const std::atomic<bool>& stopping_;
  const memory_account& memory_;
  std::string report_path_;
  // The report's files, opened (unnamed) when the run starts, so a path that
  // cannot be written fails before any work; named when the run ends.
  std::unique_ptr<output_file> html_, json_;
  std::chrono::steady_clock::time_point start_;
  std::string started_text_;
  long start_maxrss_kb_ = 0;

  // Guards everything below between the monitor's thread and finish();
  // draw() reads printed_ and width_ without it, as only that thread (or
  // finish(), after joining it) draws.
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  std::thread thread_;
  std::vector<history> hist_;
  std::vector<double> rss_t_;
  std::vector<std::uint64_t> rss_;
  std::uint64_t peak_rss_ = 0;
  double period_ = 0.1;  // seconds between samples; doubles as history thins
  double last_sample_ = -1, last_draw_ = -1;
  std::vector<std::string> printed_;  // plain: the last line printed per step
  int width_ = 0, rows_ = 0;
  bool live_owner_ = false;
  bool color_ = false;
  std::vector<rank_status> others_;  // by rank ([0]: this one, at the end); empty unless distributed
  std::string host_;
};

}  // namespace parade::detail
