// Keyed operations and early stopping against hand-written code, one
// workload per process (peak RSS is the process's):
//   bench_keyed_ops join parade|hand [memory_mb [users orders]]   10 M orders x 1 M users (int64 keys, short strings)
//   bench_keyed_ops distinct parade|hand            50 M int64, 5 M distinct
//   bench_keyed_ops take FILE                       take(10) of a big file: bytes read against its size
// Inputs are made in memory before the clock starts. Prints seconds, the
// result (compare it between parade and hand) and peak RSS.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <parade/parade.hpp>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using i64 = std::int64_t;
constexpr std::size_t workers = 2;

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024;
}

// Bytes this process has read through read(2) and friends.
std::uint64_t bytes_read() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t v = 0;
  while (io >> key >> v)
    if (key == "rchar:") return v;
  return 0;
}

std::vector<std::pair<i64, std::string>> users(i64 n) {
  std::vector<std::pair<i64, std::string>> v;
  v.reserve(std::size_t(n));
  for (i64 i = 0; i < n; ++i) v.emplace_back(i, "user-" + std::to_string(i));
  return v;
}
// Order i is user (i * 2654435761) mod users: every user has the same
// number of orders, in scattered order; bench/suite.mjs makes the same
// tables in DuckDB with the same formula.
std::vector<std::pair<i64, std::string>> orders(i64 n, i64 users_n) {
  std::vector<std::pair<i64, std::string>> v;
  v.reserve(std::size_t(n));
  for (i64 i = 0; i < n; ++i) v.emplace_back(i * 2654435761LL % users_n, "o" + std::to_string(i % 100000));
  return v;
}

// What both sides compute from the join's rows: rows and their bytes.
struct digest {
  std::uint64_t rows = 0, bytes = 0;
};

i64 users_n = 1000000, orders_n = 10000000;

digest parade_join(std::size_t memory_mb) {
  auto u = users(users_n);
  auto o = orders(orders_n, users_n);
  auto t0 = std::chrono::steady_clock::now();
  parade::run_options run{.workers = workers, .status = parade::status_mode::off};
  run.memory_limit = memory_mb << 20;
  std::atomic<std::uint64_t> rows{0}, bytes{0};
  parade::from(std::move(u)).join(parade::from(std::move(o))).for_each([&](const std::pair<i64, std::pair<std::string, std::string>>& r) {
    rows.fetch_add(1, std::memory_order_relaxed);
    bytes.fetch_add(r.second.first.size() + r.second.second.size(), std::memory_order_relaxed);
  }, run);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("join parade (memory_limit %s): seconds=%.3f", memory_mb ? (std::to_string(memory_mb) + " MB").c_str() : "default", s);
  return {rows.load(), bytes.load()};
}

// The usual hand-written join: a hash table of the smaller side, probed by
// two threads over halves of the bigger side, each making the output row.
digest hand_join() {
  auto u = users(users_n);
  auto o = orders(orders_n, users_n);
  auto t0 = std::chrono::steady_clock::now();
  absl::flat_hash_map<i64, std::string> table;
  table.reserve(u.size());
  for (auto& [k, name] : u) table.emplace(k, std::move(name));
  std::vector<digest> part(workers);
  std::vector<std::thread> ts;
  for (std::size_t w = 0; w < workers; ++w)
    ts.emplace_back([&, w] {
      std::size_t lo = o.size() * w / workers, hi = o.size() * (w + 1) / workers;
      for (std::size_t i = lo; i < hi; ++i) {
        auto it = table.find(o[i].first);
        if (it == table.end()) continue;
        std::pair<i64, std::pair<std::string, std::string>> row(o[i].first, {it->second, o[i].second});
        part[w].rows += 1;
        part[w].bytes += row.second.first.size() + row.second.second.size();
      }
    });
  for (auto& t : ts) t.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("join hand: seconds=%.3f", s);
  digest d;
  for (auto& p : part) d.rows += p.rows, d.bytes += p.bytes;
  return d;
}

i64 value(i64 i) { return i64((std::uint64_t(i) * 2654435761ULL) % 5000000ULL); }

std::size_t parade_distinct() {
  auto t0 = std::chrono::steady_clock::now();
  auto n = parade::range(0, 50000000).map(value).distinct().count({.workers = workers, .status = parade::status_mode::off});
  std::printf("distinct parade: %.2f s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return n;
}

std::size_t hand_distinct() {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<absl::flat_hash_set<i64>> sets(workers);
  std::vector<std::thread> ts;
  for (std::size_t w = 0; w < workers; ++w)
    ts.emplace_back([&, w] {
      for (i64 i = 50000000 * i64(w) / i64(workers); i < 50000000 * i64(w + 1) / i64(workers); ++i) sets[w].insert(value(i));
    });
  for (auto& t : ts) t.join();
  for (std::size_t w = 1; w < workers; ++w) sets[0].insert(sets[w].begin(), sets[w].end());
  std::printf("distinct hand: %.2f s", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return sets[0].size();
}

}  // namespace

int main(int argc, char** argv) {
  std::string what = argc > 1 ? argv[1] : "", how = argc > 2 ? argv[2] : "";
  if (what == "join" && (how == "parade" || how == "hand")) {
    if (argc > 5) users_n = std::atoll(argv[4]), orders_n = std::atoll(argv[5]);
    digest d = how == "parade" ? parade_join(argc > 3 ? std::size_t(std::atoll(argv[3])) : 0) : hand_join();
    std::printf("  result=%llu,%llu (rows,bytes)  peak RSS %.0f MB\n", (unsigned long long)d.rows, (unsigned long long)d.bytes,
                peak_rss_mb());
  } else if (what == "distinct" && (how == "parade" || how == "hand")) {
    std::size_t n = how == "parade" ? parade_distinct() : hand_distinct();
    std::printf("  distinct=%zu  peak RSS %.0f MB\n", n, peak_rss_mb());
  } else if (what == "take" && !how.empty()) {
    struct stat st {};
    stat(how.c_str(), &st);
    auto before = bytes_read();
    auto t0 = std::chrono::steady_clock::now();
    auto head = parade::read_lines(how).take(10, {.workers = workers, .status = parade::status_mode::off});
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("take(10): %.3f s, %zu lines, read %.1f MB of %.1f MB  peak RSS %.0f MB\n", s, head.size(),
                double(bytes_read() - before) / 1e6, double(st.st_size) / 1e6, peak_rss_mb());
  } else {
    std::fprintf(stderr, "usage: bench_keyed_ops join parade|hand [memory_mb [users orders]] | distinct parade|hand | take FILE\n");
    return 2;
  }
}
