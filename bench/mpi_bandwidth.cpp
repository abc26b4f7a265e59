// What the network path of a barrier's exchange can carry: rounds of
// all-to-all of 16 MiB per rank pair through parade's transport (the calls
// the shuffle makes), as MB/s sent per rank. Run under mpirun; bench/mpi.sh
// compares the shuffles' throughput with it.
//   mpirun -np 2 bench_mpi_bandwidth [MiB per rank pair, default 2048]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <parade/cluster.hpp>
#include <parade/detail/cluster.hpp>

int main(int argc, char** argv) {
  namespace cl = parade::detail::cluster;
  std::size_t total_mib = argc > 1 ? std::size_t(std::atoll(argv[1])) : 2048;
  constexpr std::size_t round = std::size_t{16} << 20;
  int ranks = parade::ranks(), me = parade::rank();
  std::vector<std::string> out(static_cast<std::size_t>(ranks));
  for (int d = 0; d < ranks; ++d)
    if (d != me) out[std::size_t(d)].assign(round, char('a' + d));
  cl::all_to_all(out);  // warm-up: connections made
  std::uint64_t before = cl::bytes_sent();
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t sent = 0; sent < total_mib << 20; sent += round) cl::all_to_all(out);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double mb = double(cl::bytes_sent() - before) / 1e6;
  std::printf("bandwidth rank=%d sent_mb=%.0f seconds=%.2f mb_per_s=%.0f\n", me, mb, s, mb / s);
}
