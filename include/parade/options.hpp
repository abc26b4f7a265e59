// Options taken by every operation (op_options), source (source_options) and
// action (run_options).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>

#include "parade/detail/std.hpp"  // std::chrono::milliseconds

namespace parade {

// How a run shows its progress. automatic: live on a terminal, plain otherwise;
// the environment variable PARADE_STATUS=live|plain|off overrides it.
enum class status_mode { automatic, live, plain, off };

// The last argument of every operation; all fields optional. (Every field
// has an initializer, so designated initializers that leave some out do not
// warn under -Wextra.)
struct op_options {
  std::string name{};         // the step's display name ("calculate")
  std::string output_name{};  // the resulting dataset's display name
  std::size_t workers = 0;    // cap on parallel workers for this step; 0 = the run's
};

// The last argument of every source.
struct source_options {
  std::string name{};                        // display name ("Numbers")
  std::optional<std::uint64_t> length = std::nullopt;  // hint for progress/ETA only
};

// The last argument of every action; all fields optional.
struct run_options {
  std::string name = "Parallel process";
  std::size_t workers = 0;  // 0 = std::thread::hardware_concurrency()
  status_mode status = status_mode::automatic;
  std::chrono::milliseconds status_interval{0};  // 0 = 1 s live, 10 s plain
  std::size_t memory_limit = 0;  // bytes for buffers and shuffles; 0 = default
  std::string temp_dir{};        // where spills go; "" = $TMPDIR or /tmp
  std::stop_token stop{};        // request_stop() on its source cancels the run
  std::string report{};          // HTML run report path; "" = none
};

// write_lines(dir, parts_options): a directory of part files.
struct parts_options {
  std::size_t parts = 0;  // number of part files; 0 = the run's workers
  std::string extension{};  // ".txt", ".txt.gz", ".zst", ...: compressed by extension
};

}  // namespace parade
