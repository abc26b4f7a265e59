// Log analysis over a directory of compressed web server logs: requests and
// bytes per status code, and requests per hour.
//
//   log_analysis [dir|glob ...]
//
// Without arguments it writes a small sample first: 6 gzip-compressed access
// logs (common log format) in a temporary directory.
#include <parade/parade.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 27);
}

// 10.0.3.7 - - [24/Nov/2026:13:05:59 +0000] "GET /item/42 HTTP/1.1" 200 5120
std::string log_line(std::int64_t i) {
  std::uint64_t h = mix(std::uint64_t(i));
  static constexpr int statuses[] = {200, 200, 200, 200, 200, 200, 304, 301, 404, 500};
  static constexpr const char* paths[] = {"/", "/item/", "/search?q=", "/static/app.js", "/api/v1/orders/"};
  char buf[160];
  std::snprintf(buf, sizeof buf, "10.0.%d.%d - - [24/Nov/2026:%02d:%02d:%02d +0000] \"GET %s%d HTTP/1.1\" %d %d",
                int(h % 8), int(h >> 8 & 255), int(i * 24 / 600000 % 24), int(h >> 16 & 63) % 60, int(h >> 24 & 63) % 60,
                paths[h >> 32 & 3], int(h >> 40 & 1023), statuses[(h >> 50) % 10], int(h >> 20 & 65535));
  return buf;
}

struct request {
  int status = 0;
  int hour = -1;
  std::int64_t bytes = 0;
};

// Parses the fields we need; a malformed line gives status 0.
request parse(const std::string& line) {
  request r;
  auto open = line.find('[');
  if (open != std::string::npos && open + 14 < line.size()) r.hour = std::atoi(line.c_str() + open + 13);
  auto quote = line.rfind('"');
  if (quote == std::string::npos) return r;
  std::sscanf(line.c_str() + quote + 1, "%d %ld", &r.status, &r.bytes);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> inputs(argv + 1, argv + argc);
  try {
    if (inputs.empty()) {
      auto dir = fs::temp_directory_path() / "parade-log-analysis";
      fs::create_directories(dir);
      for (int f = 0; f < 6; ++f)
        parade::range(f * 100000, (f + 1) * 100000)
            .map(log_line)
            .write_lines((dir / ("access-" + std::to_string(f) + ".log.gz")).string(),
                         {.name = "Writing sample log " + std::to_string(f + 1)});
      inputs.push_back(dir.string());
    }
    auto requests = parade::read_lines(inputs, {.name = "Logs"}).map(parse, {.name = "parse", .output_name = "Requests"});

    auto per_status = requests.map([](const request& r) { return std::pair{r.status, std::pair<std::int64_t, std::int64_t>{1, r.bytes}}; })
                          .reduce_by_key([](auto a, auto b) { return std::pair{a.first + b.first, a.second + b.second}; },
                                         {.name = "per status"})
                          .collect({.name = "Requests per status"});
    auto per_hour = requests.map([](const request& r) { return std::pair{r.hour, std::int64_t{1}}; })
                        .reduce_by_key(std::plus<>{}, {.name = "per hour"})
                        .collect({.name = "Requests per hour"});

    std::printf("status  requests        bytes\n");
    for (auto& [status, v] : per_status)
      std::printf("%6d %9lld %12lld\n", status, static_cast<long long>(v.first), static_cast<long long>(v.second));
    std::printf("\nhour  requests\n");
    for (auto& [hour, n] : per_hour) std::printf("  %02d %9lld\n", hour, static_cast<long long>(n));
  } catch (const parade::error& e) {
    std::fprintf(stderr, "log_analysis: %s\n", e.what());
    return 1;
  }
}
