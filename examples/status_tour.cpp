// A tour of the status display: a run slow enough to watch, with a file
// source (progress in bytes), fused steps, a step with its own worker cap (so
// a buffer between steps), a barrier, and messages through parade::log.
//
//   status_tour [--seconds S] [--report run.html]
//
// Writes a sample log file first (its own run), then counts the requests per
// path in it, pacing the work so the whole count takes about S seconds
// (default 12). With --report, also writes the HTML run report (and .json).
#include <parade/parade.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

namespace {

constexpr std::int64_t lines = 400'000;

std::string make_line(std::int64_t i) {
  static const char* paths[] = {"/", "/index.html", "/api/items", "/api/users", "/login", "/static/app.js"};
  auto h = std::uint64_t(i) * 0x9e3779b97f4a7c15ULL;
  return "10.0." + std::to_string(h >> 56) + "." + std::to_string((h >> 48) & 255) + " GET " +
         paths[(h >> 40) % 6] + " " + (h % 50 == 0 ? "500" : "200") + " " + std::to_string(h % 9000 + 100);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 12;
  std::string report;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--report" && i + 1 < argc) report = argv[++i];
  }
  auto dir = std::filesystem::temp_directory_path() / ("parade-status-tour-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto file = (dir / "access.log").string();
  try {
    parade::range(0, lines, {.name = "Line numbers"})
        .map(make_line, {.name = "format", .output_name = "Log lines"})
        .write_lines(file, {.name = "Writing a sample log"});

    // A stand-in for real per-record work: each line keeps a worker busy for
    // seconds x workers / lines, so the parse takes about `seconds`.
    double workers = std::max(1u, std::thread::hardware_concurrency());
    auto pace = std::chrono::nanoseconds(std::int64_t(seconds * workers * 1e9 / double(lines)));
    auto counts =
        parade::read_lines(file, {.name = "Access log"})
            .map([pace](const std::string& line) {
                   auto until = std::chrono::steady_clock::now() + pace;
                   while (std::chrono::steady_clock::now() < until) {
                   }
                   auto a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
                   return std::pair{line.substr(b + 1, c - b - 1), line.substr(c + 1, 3)};
                 },
                 {.name = "parse", .output_name = "Requests"})
            .filter([](const auto& r) {
                      if (r.second == "500" && r.first == "/login") {
                        static std::atomic<int> shown{0};
                        if (shown++ < 3) parade::log("tour: a failed login request (logged through parade::log)");
                      }
                      return true;
                    },
                    {.name = "check", .output_name = "Checked requests", .workers = 1})
            .map([](const auto& r) { return std::pair{r.first, std::int64_t{1}}; }, {.name = "key by path"})
            .reduce_by_key(std::plus<>{}, {.name = "count per path", .output_name = "Requests per path"})
            .map([](const auto& kv) {
                   std::this_thread::sleep_for(std::chrono::milliseconds(300));
                   return kv;
                 },
                 {.name = "slow report step", .output_name = "Report rows"})
            .collect({.name = "Status tour", .report = report});
    for (auto& [path, n] : counts) std::printf("%-16s %lld\n", path.c_str(), static_cast<long long>(n));
  } catch (const parade::cancelled&) {
    std::filesystem::remove_all(dir);
    std::fprintf(stderr, "status_tour: cancelled\n");
    return 130;
  } catch (const std::exception& e) {
    std::filesystem::remove_all(dir);
    std::fprintf(stderr, "status_tour: %s\n", e.what());
    return 1;
  }
  std::filesystem::remove_all(dir);
}
