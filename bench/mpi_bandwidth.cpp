// What the network path of a barrier's exchange can carry: rounds of
// all-to-all of 16 MiB per rank pair through parade's transport (the calls
// the shuffle makes), as MB/s sent per rank. Run under mpirun; bench/mpi.sh
// compares the shuffles' throughput with it, and with what loopback TCP
// carries without MPI (`--tcp`: two endpoints of one 127.0.0.1 connection
// sending to each other at once, as two ranks' all-to-all does).
//   mpirun -np 2 bench_mpi_bandwidth [MiB per rank pair, default 2048]
//   bench_mpi_bandwidth --tcp [MiB each way, default 2048]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <parade/cluster.hpp>
#include <parade/detail/cluster.hpp>

namespace {

// Plain sockets, no MPI: the loopback's own capacity, both ways at once.
int tcp_loopback(std::size_t total_mib) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("loopback");
    return 1;
  }
  int one = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(one, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    return 1;
  }
  int two = ::accept(listener, nullptr, nullptr);
  std::size_t bytes = total_mib << 20;
  auto send_all = [bytes](int fd) {
    std::string buf(std::size_t{1} << 20, 'x');
    for (std::size_t sent = 0; sent < bytes;) {
      ssize_t n = ::send(fd, buf.data(), std::min(buf.size(), bytes - sent), 0);
      if (n <= 0) return;
      sent += std::size_t(n);
    }
  };
  auto recv_all = [bytes](int fd) {
    std::string buf(std::size_t{1} << 20, '\0');
    for (std::size_t got = 0; got < bytes;) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) return;
      got += std::size_t(n);
    }
  };
  auto t0 = std::chrono::steady_clock::now();
  std::thread s1(send_all, one), s2(send_all, two), r1(recv_all, one), r2(recv_all, two);
  s1.join(), s2.join(), r1.join(), r2.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double mb = double(bytes) / 1e6;
  std::printf("loopback tcp each_way_mb=%.0f seconds=%.2f mb_per_s_each_way=%.0f\n", mb, s, mb / s);
  ::close(one), ::close(two), ::close(listener);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--tcp") == 0)
    return tcp_loopback(argc > 2 ? std::size_t(std::atoll(argv[2])) : 2048);
  namespace cl = parade::detail::cluster;
  std::size_t total_mib = argc > 1 ? std::size_t(std::atoll(argv[1])) : 2048;
  constexpr std::size_t round = std::size_t{16} << 20;
  int ranks = parade::ranks(), me = parade::rank();
  std::vector<std::string> out(static_cast<std::size_t>(ranks));
  for (int d = 0; d < ranks; ++d)
    if (d != me) out[std::size_t(d)].assign(round, char('a' + d));
  std::vector<std::string> in;
  cl::all_to_all(out, in);  // warm-up: connections made
  std::uint64_t before = cl::bytes_sent();
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t sent = 0; sent < total_mib << 20; sent += round) cl::all_to_all(out, in);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double mb = double(cl::bytes_sent() - before) / 1e6;
  std::printf("bandwidth rank=%d sent_mb=%.0f seconds=%.2f mb_per_s=%.0f\n", me, mb, s, mb / s);
}
