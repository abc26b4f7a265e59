// Word count over a big text file: parade against a hand-written two-thread
// program (mmap, byte ranges, per-thread abseil map of string_view, merge).
// Also read_lines(...).count() alone. Prints seconds, MB/s and peak RSS.
//
//   bench_word_count parade|hand|read|stream FILE [workers]
//
// stream: a map/filter chain (line lengths, the non-empty ones, summed),
// whose peak RSS must not grow with the file (bench/suite.mjs runs it on
// 1 GB and 4 GB).
//
// bench/suite.sh runs them beside DuckDB; bench/run_files.sh makes the 1 GB corpus and runs them, with the
// `tr | sort | uniq -c` and `wc -l` baselines.
#include <absl/container/flat_hash_map.h>
#include <fcntl.h>
#include <parade/parade.hpp>
#include <parade/detail/cluster.hpp>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::size_t parade_count(const std::string& path, std::size_t workers) {
  return parade::read_lines(path)
      .flat_map<std::pair<std::string, std::int64_t>>([](const std::string& line, auto& emit) {
        std::size_t i = 0, n = line.size();
        while (i < n) {
          while (i < n && space(line[i])) ++i;
          std::size_t start = i;
          while (i < n && !space(line[i])) ++i;
          if (i > start) emit({line.substr(start, i - start), 1});
        }
      })
      .reduce_by_key(std::plus<>{})
      .count({.workers = workers, .status = parade::status_mode::off});
}

std::size_t hand_count(const std::string& path, std::size_t workers) {
  int fd = ::open(path.c_str(), O_RDONLY);
  struct stat st {};
  fstat(fd, &st);
  std::size_t size = std::size_t(st.st_size);
  auto* data = static_cast<const char*>(mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
  madvise(const_cast<char*>(data), size, MADV_SEQUENTIAL);
  std::vector<absl::flat_hash_map<std::string_view, std::int64_t>> maps(workers);
  std::vector<std::thread> threads;
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      std::size_t lo = size * w / workers, hi = size * (w + 1) / workers;
      while (lo > 0 && lo < size && !space(data[lo - 1])) ++lo;  // start at a word boundary
      while (hi < size && !space(data[hi - 1]) && hi > 0 && w + 1 < workers) ++hi;
      if (w + 1 == workers) hi = size;
      auto& m = maps[w];
      std::size_t i = lo;
      while (i < hi) {
        while (i < hi && space(data[i])) ++i;
        std::size_t start = i;
        while (i < size && !space(data[i])) ++i;
        if (i > start) m[std::string_view(data + start, i - start)] += 1;
      }
    });
  for (auto& t : threads) t.join();
  for (std::size_t w = 1; w < workers; ++w)
    for (auto& [k, v] : maps[w]) maps[0][k] += v;
  std::size_t n = maps[0].size();
  munmap(const_cast<char*>(data), size);
  ::close(fd);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_word_count parade|hand|read|stream FILE [workers]\n");
    return 2;
  }
  std::string mode = argv[1], path = argv[2];
  std::size_t workers = argc > 3 ? std::size_t(std::atoi(argv[3])) : 2;
  struct stat st {};
  stat(path.c_str(), &st);
  auto t0 = std::chrono::steady_clock::now();
  parade::run_options run{.workers = workers, .status = parade::status_mode::off};
  std::size_t result = mode == "parade" ? parade_count(path, workers)
                       : mode == "hand" ? hand_count(path, workers)
                       : mode == "stream"
                           ? parade::read_lines(path)
                                 .map([](const std::string& line) { return line.size(); })
                                 .filter([](std::size_t n) { return n > 0; })
                                 .fold(std::size_t{0}, std::plus<>{}, run)
                           : parade::read_lines(path).count(run);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%-7s workers=%zu result=%zu  %.2f s  %.0f MB/s  peak RSS %.0f MB\n", mode.c_str(), workers, result, secs,
              double(st.st_size) / 1e6 / secs, double(ru.ru_maxrss) / 1024);
  // Under mpirun: what this rank sent to the others (the shuffle's bytes).
  if (parade::ranks() > 1)
    std::printf("rank=%d sent_bytes=%llu\n", parade::rank(), static_cast<unsigned long long>(parade::detail::cluster::bytes_sent()));
}
