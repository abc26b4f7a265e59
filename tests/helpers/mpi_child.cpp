// A rank of the MPI signal tests (tests/mpi/signals.sh): says it is ready,
// then runs a keyed job that spills into argv[1] and never ends by itself,
// and prints how it ended. Its input: range split by rank, or with argv[2]
// "generate" an endless generator on rank 0 that deals its chunks.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <parade/cluster.hpp>
#include <parade/parade.hpp>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  parade::run_options o;
  o.workers = 2;
  o.status = parade::status_mode::off;
  o.memory_limit = std::size_t{1} << 20;
  o.temp_dir = argv[1];
  std::printf("rank %d pid %d ready\n", parade::rank(), int(::getpid()));
  std::fflush(stdout);
  try {
    bool gen = argc > 2 && std::string(argv[2]) == "generate";
    auto numbers = gen ? parade::generate([i = std::int64_t{0}]() mutable -> std::optional<std::int64_t> { return i++; })
                       : parade::range(0, std::int64_t{1} << 40);
    numbers
        .map([](std::int64_t x) { return std::pair<std::int64_t, std::int64_t>(x % 100003, x); })
        .reduce_by_key([](std::int64_t a, std::int64_t b) { return a + b; })
        .count(o);
    std::printf("rank %d: done\n", parade::rank());
  } catch (const parade::cancelled& e) {
    std::printf("rank %d: cancelled\n", parade::rank());
    return 0;
  } catch (const parade::error& e) {
    std::printf("rank %d: error: %s\n", parade::rank(), e.what());
    return 1;
  }
}
