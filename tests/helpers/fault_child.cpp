// A test helper: small programs the hardening tests run as child processes,
// to put them under faults a test process cannot take itself (a closed or
// stuck stderr, SIGINT ignored, an address-space limit, kill -9 at a chosen
// system call). Prints one line on stdout saying how it ended.
//   fault_child write FILE N            write_lines of N numbers, plain status
//   fault_child parts DIR N             write_lines(DIR, {.parts = 3})
//   fault_child slow SECONDS [fail]     a run of about SECONDS with plain status
//                                       every 1 ms (fail: it throws at the end)
//   fault_child read PATH               counts the lines of PATH ("-": stdin)
//   fault_child oom KIND MB             KIND under an address-space limit of MB
//   fault_child spill DIR               a sort spilling into DIR under a 1 MiB
//                                       file-size limit (a full disk)
//   fault_child big WORKERS MB          1 MB strings through a step capped at
//                                       one worker, buffers of MB; prints the
//                                       peak RSS
//   fault_child barrier OP WORKERS MB N one barrier (group: group_by_key of N
//                                       (int64, 40-byte string) pairs; sort: N
//                                       100-byte strings) under a memory_limit
//                                       of MB; prints a digest of the result
//                                       and the RSS after the run (the parent
//                                       reads the peak RSS)
#include <parade/parade.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <thread>

namespace {

using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

int oom(const std::string& kind, long mb) {
  rlimit lim{rlim_t(mb) << 20, rlim_t(mb) << 20};
  if (setrlimit(RLIMIT_AS, &lim) != 0) return 3;
  parade::run_options o{.workers = 2, .status = parade::status_mode::off};
  auto pairs = parade::range(0, 40'000'000).map([](std::int64_t i) { return std::pair{i % 8'000'000, i}; });
  try {
    if (kind == "group_by_key") pairs.group_by_key().count(o);
    else if (kind == "reduce_by_key") pairs.reduce_by_key(std::plus<>{}).count(o);
    else if (kind == "collect") pairs.collect(o);
    else if (kind == "strings")
      parade::range(0, 40'000'000).map([](std::int64_t i) { return std::string(100, char('a' + i % 26)); }).collect(o);
    else return 2;
    std::printf("finished\n");
  } catch (const parade::error& e) {
    bool nested_bad_alloc = false;
    try {
      std::rethrow_if_nested(e);
    } catch (const std::bad_alloc&) {
      nested_bad_alloc = true;
    } catch (...) {
    }
    std::printf("error nested_bad_alloc=%d what=%s\n", nested_bad_alloc ? 1 : 0, e.what());
  } catch (const std::exception& e) {
    std::printf("other %s\n", e.what());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string mode = argv[1];
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  try {
    if (mode == "write" && argc >= 4) {
      parade::range(0, std::atoll(argv[3]))
          .write_lines(argv[2], {.workers = 2, .status = parade::status_mode::plain,
                                 .status_interval = std::chrono::milliseconds(1)});
      std::printf("done\n");
    } else if (mode == "parts" && argc >= 4) {
      parade::range(0, std::atoll(argv[3]))
          .write_lines(argv[2], {.parts = 3, .extension = ".txt"}, {.workers = 2, .status = parade::status_mode::off});
      std::printf("done\n");
    } else if (mode == "slow") {
      double seconds = std::atof(argv[2]);
      bool fail = argc >= 4 && std::strcmp(argv[3], "fail") == 0;
      auto t0 = clock_type::now();
      auto n = parade::range(0, 200)
                   .map([&](std::int64_t x) {
                     std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 100));
                     if (fail && x == 199) throw std::runtime_error("the last element");
                     return x;
                   }, {.name = "slow step with a long name to make the status lines longer than usual"})
                   .count({.workers = 2, .status = parade::status_mode::plain,
                           .status_interval = std::chrono::milliseconds(1)});
      std::printf("done %zu work=%.2f\n", n, since(t0));
    } else if (mode == "read") {
      auto n = parade::read_lines(argv[2]).count({.workers = 2, .status = parade::status_mode::off});
      std::printf("lines %zu\n", n);
    } else if (mode == "big" && argc >= 4) {
      parade::detail::tuning::buffer_bytes = std::size_t(std::atol(argv[3])) << 20;
      // Heap in use (all arenas, mmapped blocks too), sampled as the capped
      // step takes each string: RSS would also count what malloc caches.
      auto in_use = [] {
        auto m = mallinfo2();
        return m.uordblks + m.hblkhd;
      };
      std::size_t base = in_use(), peak = base;
      auto n = parade::range(0, 300)
                   .map([](std::int64_t x) { return std::string(1 << 20, char('a' + x % 26)); })
                   .map([&](const std::string& s) {
                     std::this_thread::sleep_for(std::chrono::milliseconds(2));
                     peak = std::max(peak, in_use());
                     return s.size();
                   }, {.workers = 1})
                   .count({.workers = std::size_t(std::atol(argv[2])), .status = parade::status_mode::off});
      std::printf("peak_mb %.1f count %zu\n", double(peak - base) / (1 << 20), n);
    } else if (mode == "barrier" && argc >= 6) {
      std::string op = argv[2];
      std::int64_t n = std::atoll(argv[5]);
      parade::run_options o{.workers = std::size_t(std::atol(argv[3])), .status = parade::status_mode::off,
                            .memory_limit = std::size_t(std::atol(argv[4])) << 20};
      auto mix = [](std::uint64_t x) { return (x * 0x9e3779b97f4a7c15ull) >> 20; };
      std::uint64_t digest = 0;
      if (op == "group") {
        digest = parade::range(0, n)
                     .map([&](std::int64_t i) {
                       return std::pair<std::int64_t, std::string>(std::int64_t(mix(std::uint64_t(i)) % std::uint64_t(n)),
                                                                   std::string(40, char('a' + i % 26)));
                     })
                     .group_by_key()
                     .map([](const std::pair<std::int64_t, std::vector<std::string>>& g) {
                       return std::uint64_t(g.first) * g.second.size() + std::uint64_t(g.second.back()[0]);
                     })
                     .fold(std::uint64_t{0}, std::plus<>{}, o);
      } else if (op == "sort") {
        auto sorted = parade::range(0, n)
                          .map([&](std::int64_t i) {
                            std::string r(100, '.');
                            auto key = std::to_string(mix(std::uint64_t(i)));
                            std::memcpy(r.data(), key.data(), key.size());
                            return r;
                          })
                          .sort();
        // Each record weighted by its place: a wrong order changes it.
        digest = sorted.enumerate()
                     .map([](const std::pair<std::size_t, std::string>& r) { return r.first * std::uint64_t(r.second[1]); })
                     .fold(std::uint64_t{0}, std::plus<>{}, o);
      } else {
        return 2;
      }
      // Resident memory now that the run is over (VmRSS, KiB).
      long rss_kb = 0;
      if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f))
          if (std::strncmp(line, "VmRSS:", 6) == 0) rss_kb = std::atol(line + 6);
        std::fclose(f);
      }
      std::printf("digest %llu\nrss_after_mb %ld\n", static_cast<unsigned long long>(digest), rss_kb / 1024);
    } else if (mode == "spill") {
      std::signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG
      rlimit lim{rlim_t(1) << 20, rlim_t(1) << 20};
      if (setrlimit(RLIMIT_FSIZE, &lim) != 0) return 3;
      auto n = parade::range(0, 2'000'000)
                   .map([](std::int64_t i) { return std::to_string((i * 7919) % 2'000'003) + "-some-padding"; })
                   .sort()
                   .count({.workers = 2, .status = parade::status_mode::off, .memory_limit = 1 << 20, .temp_dir = argv[2]});
      std::printf("finished %zu\n", n);
      return 0;
    } else if (mode == "oom" && argc >= 4) {
      return oom(argv[2], std::atol(argv[3]));
    } else {
      return 2;
    }
  } catch (const parade::cancelled& e) {
    std::printf("cancelled\n");
    return 130;
  } catch (const parade::error& e) {
    std::printf("error %s\n", e.what());
    return 1;
  }
  return 0;
}
