// Out-of-core workloads for bench/run_sort.sh, each a parade program a user
// could write:
//   external_sort gen FILE MB              100-byte records (a 10-byte random
//                                          key, the row number, padding; 99
//                                          characters and a newline), like
//                                          TeraSort's gensort
//   external_sort sort IN OUT BUDGET_MB    read_lines(IN).sort().write_lines(OUT)
//   external_sort group N KEYS BUDGET_MB   group_by_key over N pairs of
//                                          (int64, 40-byte string), KEYS keys
//   external_sort reduce N KEYS BUDGET_MB  reduce_by_key(+) over N pairs, KEYS keys
//   external_sort prefix IN group|aggregate BUDGET_MB
//                                          the records of IN by their first 3
//                                          bytes: per group its size and
//                                          largest record, by group_by_key
//                                          (holding the groups) or by
//                                          aggregate_by_key; prints
//                                          result=groups,rows,bytes of the maxima
//   external_sort generate N SPINS         N records made by parade::generate
//                                          (serial; under mpirun on rank 0,
//                                          which deals them to all ranks), a
//                                          map of SPINS hash rounds each, and
//                                          reduce_by_key over 1000 keys; prints
//                                          the records this rank mapped
// BUDGET_MB 0 is the default budget. Prints one line of figures.
#include <parade/parade.hpp>
#include <parade/detail/cluster.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64: a fixed pseudo-random key per row
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string record(std::int64_t row) {
  std::string r(99, ' ');
  std::uint64_t a = mix(std::uint64_t(row)), b = mix(a);
  for (int i = 0; i < 10; ++i) {  // 95 printable characters per key byte
    r[std::size_t(i)] = char(' ' + (i < 5 ? a : b) % 95);
    (i < 5 ? a : b) /= 95;
  }
  auto id = std::to_string(row);
  std::memcpy(r.data() + 12, id.data(), id.size());
  for (std::size_t i = 12 + id.size() + 2; i < r.size(); ++i) r[i] = char('A' + (row + std::int64_t(i)) % 26);
  return r;
}

parade::run_options options(const char* budget_mb) {
  parade::run_options o;
  o.name = "bench";
  o.status = parade::status_mode::off;
  o.memory_limit = std::size_t(std::atol(budget_mb)) << 20;
  if (const char* w = std::getenv("BENCH_WORKERS")) o.workers = std::size_t(std::atoi(w));  // bench/mpi.sh: 1 per rank
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::string mode = argv[1];
  auto t0 = std::chrono::steady_clock::now();
  if (mode == "gen" && argc == 4) {
    std::int64_t rows = std::atoll(argv[3]) * 1000000 / 100;
    parade::range(0, rows).map(record).write_lines(argv[2], {.status = parade::status_mode::off});
    std::printf("gen rows=%lld seconds=%.2f\n", static_cast<long long>(rows), seconds_since(t0));
  } else if (mode == "sort" && argc == 5) {
    parade::read_lines(argv[2]).sort().write_lines(argv[3], options(argv[4]));
    std::printf("sort seconds=%.2f\n", seconds_since(t0));
  } else if ((mode == "group" || mode == "reduce") && argc == 5) {
    std::int64_t n = std::atoll(argv[2]), keys = std::atoll(argv[3]);
    auto pairs = parade::range(0, n).map([keys](std::int64_t i) {
      return std::pair<std::int64_t, std::string>(std::int64_t(mix(std::uint64_t(i)) % std::uint64_t(keys)),
                                                  std::string(40, char('a' + i % 26)));
    });
    std::size_t out = 0, values = 0;
    if (mode == "group") {
      out = pairs.group_by_key()
                .map([](const std::pair<std::int64_t, std::vector<std::string>>& g) { return g.second.size(); })
                .fold(std::size_t{0}, std::plus<>{}, options(argv[4]));
      values = out;
    } else {
      out = pairs.map([](const std::pair<std::int64_t, std::string>& p) { return std::pair<std::int64_t, std::int64_t>(p.first, std::int64_t(p.second.size())); })
                .reduce_by_key(std::plus<>{})
                .count(options(argv[4]));
    }
    std::printf("%s n=%lld keys_out=%zu values=%zu seconds=%.2f\n", mode.c_str(), static_cast<long long>(n), out,
                values, seconds_since(t0));
  } else if (mode == "generate" && argc == 4) {
    std::int64_t n = std::atoll(argv[2]), spins = std::atoll(argv[3]);
    std::atomic<std::int64_t> here{0};
    auto keys = parade::generate([n, i = std::int64_t(0)]() mutable -> std::optional<std::string> {
                  if (i == n) return std::nullopt;
                  return record(i++).substr(0, 40);
                })
                    .map([spins, &here](const std::string& r) {
                      here.fetch_add(1, std::memory_order_relaxed);
                      std::uint64_t h = std::hash<std::string>{}(r);
                      for (std::int64_t k = 0; k < spins; ++k) h = mix(h);
                      return std::pair<std::int64_t, std::int64_t>(std::int64_t(h % 1000), 1);
                    })
                    .reduce_by_key(std::plus<>{})
                    .count(options("0"));
    std::printf("generate n=%lld keys_out=%zu rank=%d mapped_here=%lld seconds=%.2f\n", static_cast<long long>(n), keys,
                parade::rank(), static_cast<long long>(here.load()), seconds_since(t0));
  } else if (mode == "prefix" && argc == 5) {
    using group = std::pair<std::int64_t, std::string>;  // size, largest record
    auto keyed = parade::read_lines(argv[2]).map([](std::string&& line) {
      std::string key = line.substr(0, 3);
      return std::pair<std::string, std::string>(std::move(key), std::move(line));
    });
    auto groups = std::string(argv[3]) == "group"
        ? keyed.group_by_key().map([](std::pair<std::string, std::vector<std::string>>&& g) {
            return group(std::int64_t(g.second.size()), *std::max_element(g.second.begin(), g.second.end()));
          })
        : keyed.aggregate_by_key(group(0, ""),
                                 [](group a, const std::string& line) {
                                   a.first += 1;
                                   if (line > a.second) a.second = line;
                                   return a;
                                 },
                                 [](group a, group b) {
                                   a.first += b.first;
                                   if (b.second > a.second) a.second = std::move(b.second);
                                   return a;
                                 }).map([](std::pair<std::string, group>&& kv) { return std::move(kv.second); });
    auto sums = groups.map([](const group& g) { return std::array<std::int64_t, 3>{1, g.first, std::int64_t(g.second.size())}; })
                    .fold(std::array<std::int64_t, 3>{}, [](std::array<std::int64_t, 3> a, const std::array<std::int64_t, 3>& b) {
                      for (int i = 0; i < 3; ++i) a[std::size_t(i)] += b[std::size_t(i)];
                      return a;
                    }, options(argv[4]));
    std::printf("prefix %s result=%lld,%lld,%lld seconds=%.2f\n", argv[3], static_cast<long long>(sums[0]),
                static_cast<long long>(sums[1]), static_cast<long long>(sums[2]), seconds_since(t0));
  } else {
    std::fprintf(stderr, "usage: see the comment at the top of bench/external_sort.cpp\n");
    return 2;
  }
  // Under mpirun: what this rank sent to the others (the shuffle's bytes).
  if (parade::ranks() > 1)
    std::printf("rank=%d sent_bytes=%llu\n", parade::rank(), static_cast<unsigned long long>(parade::detail::cluster::bytes_sent()));
}
