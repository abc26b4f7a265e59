// One barrier per process under a memory budget, for bench/memory.sh: the
// kernel's peak RSS against parade's own accounted peak. Inputs are made by
// parade::range as they stream (nothing held before the run), so what the
// process holds is what the barrier holds.
//   bench_memory OP WORKERS BUDGET_MB [SCALE]
// OP: group       group_by_key of 20 M (int64, 40-byte string) pairs
//     sort        sort of 10 M 100-byte strings (1 GB)
//     join        10 M orders x 1 M users (int64 keys, short strings)
//     left_join   the same as a left join, a tenth of the users missing
//     reduce      reduce_by_key(+) of 50 M pairs over 10 M keys
//     aggregate   aggregate_by_key of 20 M pairs into (count, longest string)
//     distinct    distinct of 50 M int64, 20 M of them distinct
//     group_by    group_by of 10 M 100-byte strings by their first 3 bytes
// SCALE (default 1) multiplies the input sizes (bench/memory.sh --quick: 0.05).
// Prints one line: op, workers, budget, a digest of the result (the same
// at every worker count and budget), seconds, peak RSS and accounted peak.
#include <parade/parade.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using i64 = std::int64_t;

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// 100 bytes: a 10-byte pseudo-random key, the row number, padding.
std::string record(i64 row) {
  std::string r(100, ' ');
  std::uint64_t a = mix(std::uint64_t(row));
  for (int i = 0; i < 10; ++i) r[std::size_t(i)] = char('!' + (a >> (i * 6)) % 90);
  auto id = std::to_string(row);
  std::memcpy(r.data() + 12, id.data(), id.size());
  return r;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_memory OP WORKERS BUDGET_MB [SCALE] (see bench/memory.cpp)\n");
    return 2;
  }
  std::string op = argv[1];
  double scale = argc > 4 ? std::atof(argv[4]) : 1.0;
  auto n = [scale](i64 full) { return std::max<i64>(1, i64(double(full) * scale)); };
  parade::run_options run{.name = "bench_memory", .workers = std::size_t(std::atoi(argv[2]))};
  run.memory_limit = std::size_t(std::atol(argv[3])) << 20;
  // The summary line (memory_peak=) is what bench/memory.sh reads.
  run.status = parade::status_mode::plain;
  run.status_interval = std::chrono::hours(1);
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t digest = 0;
  auto sum = [](std::uint64_t a, std::uint64_t b) { return a + b; };

  if (op == "group") {
    i64 total = n(20000000), keys = total;
    digest = parade::range(0, total)
                 .map([keys](i64 i) { return std::pair<i64, std::string>(i64(mix(std::uint64_t(i)) % std::uint64_t(keys)), std::string(40, char('a' + i % 26))); })
                 .group_by_key()
                 .map([](const std::pair<i64, std::vector<std::string>>& g) { return std::uint64_t(g.first) * g.second.size(); })
                 .fold(std::uint64_t{0}, sum, run);
  } else if (op == "sort") {
    // Position-weighted, so a wrong order changes the digest.
    auto sorted = parade::range(0, n(10000000)).map(record).sort().enumerate();
    digest = sorted.map([](const std::pair<std::size_t, std::string>& r) { return std::uint64_t(r.first) * std::uint64_t(std::uint8_t(r.second[0])); })
                 .fold(std::uint64_t{0}, sum, run);
  } else if (op == "join" || op == "left_join") {
    i64 users = n(1000000), orders = n(10000000);
    i64 missing = op == "left_join" ? 10 : users + 1;  // every tenth user missing, or none
    auto u = parade::range(0, users).filter([missing](i64 i) { return i % missing != 9; }).map([](i64 i) {
      return std::pair<i64, std::string>(i, "user-" + std::to_string(i));
    });
    auto o = parade::range(0, orders).map([users](i64 i) {
      return std::pair<i64, std::string>(i * 2654435761LL % users, "o" + std::to_string(i % 100000));
    });
    if (op == "join") {
      digest = o.join(u).map([](const std::pair<i64, std::pair<std::string, std::string>>& r) {
                   return std::uint64_t(r.first) + r.second.first.size() + r.second.second.size();
                 }).fold(std::uint64_t{0}, sum, run);
    } else {
      digest = o.left_join(u).map([](const std::pair<i64, std::pair<std::string, std::optional<std::string>>>& r) {
                   return std::uint64_t(r.first) + r.second.first.size() + (r.second.second ? r.second.second->size() : 1000);
                 }).fold(std::uint64_t{0}, sum, run);
    }
  } else if (op == "reduce") {
    i64 total = n(50000000), keys = n(10000000);
    digest = parade::range(0, total)
                 .map([keys](i64 i) { return std::pair<i64, i64>(i64(mix(std::uint64_t(i)) % std::uint64_t(keys)), i % 7); })
                 .reduce_by_key(std::plus<>{})
                 .map([](const std::pair<i64, i64>& kv) { return std::uint64_t(kv.first) * std::uint64_t(kv.second); })
                 .fold(std::uint64_t{0}, sum, run);
  } else if (op == "aggregate") {
    using acc = std::pair<i64, std::string>;  // count, longest value
    i64 total = n(20000000), keys = n(5000000);
    digest = parade::range(0, total)
                 .map([keys](i64 i) { return std::pair<i64, std::string>(i64(mix(std::uint64_t(i)) % std::uint64_t(keys)), std::string(std::size_t(10 + i % 31), 'x')); })
                 .aggregate_by_key(acc(0, ""),
                                   [](acc a, const std::string& v) {
                                     a.first += 1;
                                     if (v.size() > a.second.size()) a.second = v;
                                     return a;
                                   },
                                   [](acc a, acc b) {
                                     a.first += b.first;
                                     if (b.second.size() > a.second.size()) a.second = std::move(b.second);
                                     return a;
                                   })
                 .map([](const std::pair<i64, acc>& kv) { return std::uint64_t(kv.first) * std::uint64_t(kv.second.first) + kv.second.second.size(); })
                 .fold(std::uint64_t{0}, sum, run);
  } else if (op == "distinct") {
    i64 total = n(50000000), values = n(20000000);
    digest = parade::range(0, total)
                 .map([values](i64 i) { return i64(mix(std::uint64_t(i)) % std::uint64_t(values)); })
                 .distinct()
                 .map([](i64 v) { return std::uint64_t(v); })
                 .fold(std::uint64_t{0}, sum, run);
  } else if (op == "group_by") {
    digest = parade::range(0, n(10000000))
                 .map(record)
                 .group_by([](const std::string& r) { return r.substr(0, 3); })
                 .map([](const std::pair<std::string, std::vector<std::string>>& g) { return std::uint64_t(g.second.size()) * std::uint8_t(g.first[0]); })
                 .fold(std::uint64_t{0}, sum, run);
  } else {
    std::fprintf(stderr, "bench_memory: unknown OP %s\n", op.c_str());
    return 2;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("op=%s workers=%s budget_mb=%s digest=%llu seconds=%.2f peak_rss_mb=%.0f\n", op.c_str(), argv[2], argv[3],
              static_cast<unsigned long long>(digest), s, peak_rss_mb());
}
