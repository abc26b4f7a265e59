// What a run looked like, sampled by the status monitor: the input of the
// summary table and of the HTML/JSON report. Private to the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parade::detail {

// One step's counters at one moment of the run.
struct step_sample {
  double t = 0;              // seconds since the run started
  std::uint64_t in = 0;      // processed so far (items, or bytes when unit == "bytes")
  std::uint64_t out = 0;     // items given to the next step so far
  double busy_s = 0;         // worker-seconds spent in the step so far
  std::uint32_t queued = 0;  // chunks waiting in the step's output buffer
  int state = 0;             // a step_state (see step_state_name)
};

struct step_record {
  std::string name{};     // the step's display name ("split")
  std::string kind{};     // "map", "read_lines", "reduce_by_key", ...
  std::string dataset{};  // the name of the dataset the step produces ("Words")
  std::string unit{};     // what `in` counts: "items" or "bytes"
  std::optional<std::uint64_t> total{};  // known input size, in `unit`
  std::uint64_t in = 0, out = 0;       // final counts
  double wall_s = 0;    // from the step's start to its end
  double busy_s = 0;    // worker-seconds (fused steps share their stage's time)
  double start_s = -1, end_s = -1;  // seconds since the run started; -1 = never
  std::size_t cap = 0;         // workers the step may use
  std::size_t buffer_cap = 0;  // chunks its output buffer holds; 0 = fused (no buffer)
  bool barrier = false;        // holds its whole output until its input ends
  std::uint64_t spilled = 0;   // bytes written to disk (as stored, compressed)
  std::string state{};           // final state: "done", "FAILED", "stopped", "waiting"
  std::vector<step_sample> samples{};  // in time order
};

// One rank of a distributed run (under MPI), as it ended.
struct rank_record {
  int rank = 0;
  std::string host{};
  std::string state{};           // of its steps together: "done", "FAILED", "stopped", ...
  std::size_t workers = 0;
  std::uint64_t peak_rss = 0;     // bytes, this rank's process
  std::uint64_t memory_peak = 0;  // most its buffers and barriers held at once
  std::uint64_t spilled = 0;      // bytes it wrote to disk
  std::uint64_t bytes_sent = 0;   // bytes it sent to other ranks during the run
  std::vector<std::uint64_t> in{}, out{};  // per step, in plan order
  std::vector<double> busy_s{};            // per step
};

struct run_record {
  std::string name{};     // run_options::name
  std::string outcome{};  // "done", "failed" or "cancelled"
  std::string error{};    // what() of the failure, if any
  std::string started{};  // local wall-clock time the run started, "2026-11-24 21:03:05"
  double elapsed_s = 0;
  std::size_t workers = 0;
  std::uint64_t peak_rss = 0;     // bytes
  std::uint64_t memory_budget = 0;  // run_options::memory_limit or its default, bytes
  std::uint64_t memory_peak = 0;    // most the run's buffers and barriers held at once, bytes
  std::vector<double> rss_t{};      // seconds since start
  std::vector<std::uint64_t> rss{}; // resident set size at rss_t, bytes
  std::vector<step_record> steps; // in plan order
  // A distributed run: one entry per rank, and the figures above are the
  // job's (counts and workers summed over ranks; peaks the largest rank's).
  std::vector<rank_record> ranks{};
};

// "waiting", "running", "finishing", "done", "FAILED", "stopping", "stopped".
const char* step_state_name(int state);

// The report as JSON (all of the record) and as one self-contained HTML page
// (inline CSS and SVG charts, no scripts or network fetches). src/status/report.cpp.
std::string report_json(const run_record& r);
std::string report_html(const run_record& r);

}  // namespace parade::detail
