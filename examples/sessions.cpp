// Bigger than memory: the events of every user, in time order, with a memory
// limit far below the data, so the sort and the grouping spill to disk and
// merge back (docs/spilling.md).
//
//   sessions [--events N] [--memory-mb M] [-o FILE]
//
// It makes N events (user, time, page) as tab-separated lines in a temporary
// file, sorts them by (user, time), groups them by user and writes one line
// per user: the user, the number of events, the first and last page. The
// summary on stderr shows what each step spilled.
#include <parade/parade.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 27);
}

// user <TAB> time <TAB> page
std::string event_line(std::int64_t i) {
  std::uint64_t h = mix(std::uint64_t(i));
  return "user" + std::to_string(h % 200000) + '\t' + std::to_string(1'700'000'000 + (h >> 20) % 86400) + '\t' +
         "/page/" + std::to_string(h >> 40 & 4095);
}

struct event {
  std::string user;
  std::int64_t time;
  std::string page;
};

event parse(const std::string& line) {
  std::vector<std::string_view> f;
  for (auto part : parade::split(line, '\t')) f.push_back(part);
  if (f.size() != 3) throw std::runtime_error("not 3 fields: " + line);
  return {std::string(f[0]), std::stoll(std::string(f[1])), std::string(f[2])};
}

}  // namespace

// Events spill, so they need a serializer: the fields in order.
template <>
struct parade::serializer<event> {
  static void write(parade::byte_writer& w, const event& e) { w(e.user, e.time, e.page); }
  static event read(parade::byte_reader& r) {
    auto user = r.get<std::string>();
    auto time = r.get<std::int64_t>();
    auto page = r.get<std::string>();
    return {std::move(user), time, std::move(page)};
  }
};

int main(int argc, char** argv) {
  std::int64_t events = 3'000'000;
  std::size_t memory_mb = 64;
  std::string out = "sessions.txt";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--events" && i + 1 < argc) events = std::atoll(argv[++i]);
    else if (a == "--memory-mb" && i + 1 < argc) memory_mb = std::size_t(std::atol(argv[++i]));
    else if (a == "-o" && i + 1 < argc) out = argv[++i];
    else {
      std::fprintf(stderr, "usage: sessions [--events N] [--memory-mb M] [-o FILE]\n");
      return a == "--help" ? 0 : 2;
    }
  }
  auto input = (fs::temp_directory_path() / "parade-sessions-events.txt").string();
  try {
    parade::range(0, events).map(event_line).write_lines(input, {.name = "Make the events"});

    parade::run_options o{.name = "Sessions", .memory_limit = memory_mb << 20};
    parade::read_lines(input, {.name = "Events"})
        .map(parse, {.name = "parse"})
        .sort_by([](const event& e) { return std::tie(e.user, e.time); }, {.name = "by user and time"})
        .map([](event e) { return std::pair{e.user, std::move(e)}; }, {.name = "key"})
        .group_by_key({.name = "per user"})
        .map([](const std::pair<std::string, std::vector<event>>& g) {
          // Values of a group keep their input order: here, time order.
          return std::tuple{g.first, g.second.size(), g.second.front().page, g.second.back().page};
        }, {.name = "summarize"})
        .write_lines(out, o);
  } catch (const parade::error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fs::remove(input);
    return 1;
  }
  fs::remove(input);
  std::printf("wrote %s\n", out.c_str());
}
