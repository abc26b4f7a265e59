// Test helpers for spilling: a private temp_dir that must stay empty, and a
// run with plain status whose summary says how much each step spilled.
#pragma once

#include <gtest/gtest.h>

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include <parade/parade.hpp>

namespace ptest {

// A fresh directory for run_options::temp_dir, removed at the end.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string t = (std::filesystem::temp_directory_path() / "parade-test-XXXXXX").string();
    path = ::mkdtemp(t.data()) ? t : "";
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  // Nothing in it: spill files are unnamed and their directory is gone.
  bool empty() const { return std::filesystem::is_empty(path); }
};

// Descriptors this process has open on deleted files (spill files still
// open after a run would show here).
inline int open_deleted_files() {
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.find("(deleted)") != std::string::npos && target.find("parade-spill") != std::string::npos) ++n;
  }
  return n;
}

template <class R>
struct plain_run {
  R result;
  std::string log;  // the run's plain status lines
  // The step's spilled bytes, from its summary line.
  std::uint64_t spilled(const std::string& step) const {
    auto at = log.find("parade: summary step=\"" + step + "\"");
    if (at == std::string::npos) return 0;
    auto end = log.find('\n', at);
    auto s = log.find(" spilled=", at);
    if (s == std::string::npos || s > end) return 0;
    return std::stoull(log.substr(s + 9));
  }
  // A field of the run's summary line ("memory_budget", ...).
  std::uint64_t run_field(const std::string& key) const {
    auto at = log.find("parade: summary run=");
    auto s = log.find(" " + key + "=", at);
    return s == std::string::npos ? 0 : std::stoull(log.substr(s + key.size() + 2));
  }
};

// Runs fn(o) with plain status lines captured. PARADE_STATUS (which the
// test scripts set to off) is cleared for the call and put back.
template <class Fn>
auto run_plain(Fn fn, parade::run_options o) {
  std::string saved;
  const char* env = std::getenv("PARADE_STATUS");
  if (env) saved = env;
  ::unsetenv("PARADE_STATUS");
  o.status = parade::status_mode::plain;
  o.status_interval = std::chrono::milliseconds(100000);
  testing::internal::CaptureStderr();
  using R = decltype(fn(o));
  plain_run<R> r;
  try {
    r.result = fn(o);
  } catch (...) {
    r.log = testing::internal::GetCapturedStderr();
    if (env) ::setenv("PARADE_STATUS", saved.c_str(), 1);
    throw;
  }
  r.log = testing::internal::GetCapturedStderr();
  if (env) ::setenv("PARADE_STATUS", saved.c_str(), 1);
  return r;
}

}  // namespace ptest
