// The transport between ranks: MPI (Open MPI from Debian) when parade is
// built with it and the program was started by mpirun; otherwise one rank
// and no MPI at all. The action's thread and the worker reading a spread
// source call in here, never at once (one lock around every call), so
// MPI_THREAD_SERIALIZED is all parade asks for.
#include "parade/cluster.hpp"
#include "parade/detail/cluster.hpp"

#include <atomic>
#include <cstdlib>
#include <deque>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>

#ifdef PARADE_WITH_MPI
#include <mpi.h>
#endif

namespace parade::detail::cluster {

#ifdef PARADE_WITH_MPI
namespace {

// Failure notices travel on their own tag of parade's own communicator, so
// they never meet a collective's messages nor the user's.
constexpr int notice_tag = 7001;
// Status updates (rank > 0 to rank 0), on a tag of their own.
constexpr int status_tag = 7002;
// A barrier's all-to-all rounds: every rank posts them in the same order and
// MPI keeps a pair's messages on one tag in order, so rounds never mix.
constexpr int exchange_tag = 7003;
// generate's chunks (rank 0 to the others) and the credits that answer them.
constexpr int chunks_tag = 7004, credits_tag = 7005;
int tag_of(channel c) { return c == channel::chunks ? chunks_tag : credits_tag; }

// Every call into MPI holds it (MPI_THREAD_SERIALIZED: one thread at a time).
std::mutex g_mpi;
using held = std::lock_guard<std::mutex>;

struct world {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, size = 1;
  std::uint64_t runs = 0;
  std::set<std::uint64_t> noticed;
  std::deque<std::uint64_t> sent_notices;  // buffers of notices in flight
  std::string status_buf;                  // the status update in flight
  MPI_Request status_req = MPI_REQUEST_NULL;
  // send_to's messages in flight, each with its buffer (a list: stable).
  std::list<std::pair<MPI_Request, std::string>> p2p;
  std::atomic<std::uint64_t> sent{0};
};

void finalize() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

// Started by mpirun (Open MPI, or an MPICH/PMI launcher): then MPI is
// initialized on first use. A plain start stays out of MPI entirely (an
// MPI singleton would start a daemon for nothing).
bool launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

world& the_world() {
  static world* w = [] {
    auto* x = new world;  // never destroyed: used until MPI_Finalize at exit
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && !launched()) return x;
    if (!inited) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
      if (provided < MPI_THREAD_SERIALIZED) {
        MPI_Finalize();
        throw std::runtime_error("parade: this MPI library cannot give MPI_THREAD_SERIALIZED");
      }
      std::atexit(finalize);  // a program that initialized MPI itself finalizes it itself
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &x->comm);
    MPI_Comm_rank(x->comm, &x->rank);
    MPI_Comm_size(x->comm, &x->size);
    return x;
  }();
  return *w;
}

}  // namespace

int rank() { return the_world().rank; }
int ranks() { return the_world().size; }

int max_of(int mine) {
  held lk(g_mpi);
  int out = mine;
  MPI_Allreduce(&mine, &out, 1, MPI_INT, MPI_MAX, the_world().comm);
  return out;
}

std::uint64_t sum_of(std::uint64_t mine) {
  held lk(g_mpi);
  std::uint64_t out = mine;
  MPI_Allreduce(&mine, &out, 1, MPI_UINT64_T, MPI_SUM, the_world().comm);
  return out;
}

std::vector<std::string> all_gather(std::string_view mine) {
  held lk(g_mpi);
  auto& w = the_world();
  if (mine.size() > std::size_t(INT32_MAX)) throw std::length_error("parade: more than 2 GiB to gather from one rank");
  int n = int(mine.size());
  std::vector<int> sizes(std::size_t(w.size)), at(std::size_t(w.size));
  MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, w.comm);
  std::size_t total = 0;
  for (int r = 0; r < w.size; ++r) {
    at[std::size_t(r)] = int(total);
    total += std::size_t(sizes[std::size_t(r)]);
  }
  if (total > std::size_t(INT32_MAX)) throw std::length_error("parade: more than 2 GiB to gather");
  std::string all(total, '\0');
  MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), sizes.data(), at.data(), MPI_BYTE, w.comm);
  w.sent.fetch_add(mine.size() * std::size_t(w.size - 1), std::memory_order_relaxed);
  std::vector<std::string> out;
  for (int r = 0; r < w.size; ++r) out.emplace_back(all, std::size_t(at[std::size_t(r)]), std::size_t(sizes[std::size_t(r)]));
  return out;
}

// Point to point straight from the senders' strings into the receivers':
// no packed copy on either side, and `in` keeps its capacity from the last
// round, so a shuffle's rounds touch no fresh pages (a page fault per 4 KiB
// cost more than the network here: 77 MB/s packed, see bench_mpi_bandwidth).
void all_to_all(const std::vector<std::string>& out, std::vector<std::string>& in) {
  held lk(g_mpi);
  auto& w = the_world();
  std::size_t R = std::size_t(w.size), me = std::size_t(w.rank);
  std::vector<int> send_n(R), recv_n(R);
  std::uint64_t remote = 0;
  for (std::size_t d = 0; d < R; ++d) {
    if (out[d].size() > std::size_t(INT32_MAX)) throw std::length_error("parade: a message of more than 2 GiB");
    send_n[d] = int(out[d].size());
    if (d != me) remote += out[d].size();
  }
  MPI_Alltoall(send_n.data(), 1, MPI_INT, recv_n.data(), 1, MPI_INT, w.comm);
  in.resize(R);
  std::vector<MPI_Request> reqs;
  reqs.reserve(2 * R);
  for (std::size_t s = 0; s < R; ++s) {
    if (s == me) continue;
    in[s].resize(std::size_t(recv_n[s]));
    if (recv_n[s] == 0) continue;
    MPI_Irecv(in[s].data(), recv_n[s], MPI_BYTE, int(s), exchange_tag, w.comm, &reqs.emplace_back());
  }
  for (std::size_t d = 0; d < R; ++d)
    if (d != me && send_n[d] > 0)
      MPI_Isend(out[d].data(), send_n[d], MPI_BYTE, int(d), exchange_tag, w.comm, &reqs.emplace_back());
  in[me].assign(out[me]);
  MPI_Waitall(int(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE);
  w.sent.fetch_add(remote, std::memory_order_relaxed);
}

void notify_failure(std::uint64_t run) {
  held lk(g_mpi);
  auto& w = the_world();
  auto& buf = w.sent_notices.emplace_back(run);
  for (int r = 0; r < w.size; ++r) {
    if (r == w.rank) continue;
    MPI_Request req;
    // Small: sent eagerly, complete without the receiver; the buffer lives on.
    MPI_Isend(&buf, 1, MPI_UINT64_T, r, notice_tag, w.comm, &req);
    MPI_Request_free(&req);
  }
}

bool failure_noticed(std::uint64_t run) {
  held lk(g_mpi);
  auto& w = the_world();
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, notice_tag, w.comm, &flag, &st);
    if (!flag) break;
    std::uint64_t r = 0;
    MPI_Recv(&r, 1, MPI_UINT64_T, st.MPI_SOURCE, notice_tag, w.comm, MPI_STATUS_IGNORE);
    w.noticed.insert(r);
  }
  // Notices of earlier runs (sent after those ended) are dropped here.
  while (!w.noticed.empty() && *w.noticed.begin() < run) w.noticed.erase(w.noticed.begin());
  return w.noticed.count(run) > 0;
}

bool send_status(std::string bytes) {
  held lk(g_mpi);
  auto& w = the_world();
  if (w.status_req != MPI_REQUEST_NULL) {
    int done = 0;
    MPI_Test(&w.status_req, &done, MPI_STATUS_IGNORE);
    if (!done) return false;
  }
  w.status_buf = std::move(bytes);
  MPI_Isend(w.status_buf.data(), int(w.status_buf.size()), MPI_BYTE, 0, status_tag, w.comm, &w.status_req);
  return true;
}

namespace {
std::string receive_status(int from, const MPI_Status& st) {
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  std::string bytes(std::size_t(n), '\0');
  MPI_Recv(bytes.data(), n, MPI_BYTE, from, status_tag, the_world().comm, MPI_STATUS_IGNORE);
  return bytes;
}
}  // namespace

bool receive_status(std::string& bytes, int& from) {
  held lk(g_mpi);
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, status_tag, the_world().comm, &flag, &st);
  if (flag) from = st.MPI_SOURCE, bytes = receive_status(from, st);
  return flag != 0;
}

std::string receive_status_from(int rank) {
  held lk(g_mpi);
  MPI_Status st;
  MPI_Probe(rank, status_tag, the_world().comm, &st);
  return receive_status(rank, st);
}

void status_sent() {
  held lk(g_mpi);
  auto& w = the_world();
  if (w.status_req != MPI_REQUEST_NULL) MPI_Wait(&w.status_req, MPI_STATUS_IGNORE);
}

namespace {
// Forgets the sends that have left (under the lock).
void reap(world& w) {
  for (auto it = w.p2p.begin(); it != w.p2p.end();) {
    int done = 0;
    MPI_Test(&it->first, &done, MPI_STATUS_IGNORE);
    it = done ? w.p2p.erase(it) : std::next(it);
  }
}
}  // namespace

void send_to(int to, channel c, std::string bytes) {
  held lk(g_mpi);
  auto& w = the_world();
  reap(w);
  if (bytes.size() > std::size_t(INT32_MAX)) throw std::length_error("parade: a message of more than 2 GiB");
  auto& m = w.p2p.emplace_back(MPI_REQUEST_NULL, std::move(bytes));
  MPI_Isend(m.second.data(), int(m.second.size()), MPI_BYTE, to, tag_of(c), w.comm, &m.first);
  w.sent.fetch_add(m.second.size(), std::memory_order_relaxed);
}

bool try_receive(channel c, std::string& bytes, int& from) {
  held lk(g_mpi);
  auto& w = the_world();
  int flag = 0;
  MPI_Status st;
  MPI_Iprobe(MPI_ANY_SOURCE, tag_of(c), w.comm, &flag, &st);
  if (!flag) return false;
  int n = 0;
  MPI_Get_count(&st, MPI_BYTE, &n);
  from = st.MPI_SOURCE;
  bytes.resize(std::size_t(n));
  MPI_Recv(bytes.data(), n, MPI_BYTE, from, tag_of(c), w.comm, MPI_STATUS_IGNORE);
  return true;
}

bool sends_done() {
  held lk(g_mpi);
  auto& w = the_world();
  reap(w);
  return w.p2p.empty();
}

std::uint64_t next_run() { return ++the_world().runs; }
std::uint64_t bytes_sent() { return the_world().sent.load(std::memory_order_relaxed); }

#else  // built without MPI: one rank

int rank() { return 0; }
int ranks() { return 1; }
int max_of(int mine) { return mine; }
std::uint64_t sum_of(std::uint64_t mine) { return mine; }
std::vector<std::string> all_gather(std::string_view mine) { return {std::string(mine)}; }
void all_to_all(const std::vector<std::string>& out, std::vector<std::string>& in) {
  in.resize(1);
  in[0].assign(out.at(0));
}
void notify_failure(std::uint64_t) {}
bool failure_noticed(std::uint64_t) { return false; }
bool send_status(std::string) { return false; }
bool receive_status(std::string&, int&) { return false; }
std::string receive_status_from(int) { return {}; }
void status_sent() {}
void send_to(int, channel, std::string) {}
bool try_receive(channel, std::string&, int&) { return false; }
bool sends_done() { return true; }
std::uint64_t next_run() {
  static std::atomic<std::uint64_t> n{0};
  return ++n;
}
std::uint64_t bytes_sent() { return 0; }

#endif

}  // namespace parade::detail::cluster

namespace parade {
int rank() { return detail::cluster::rank(); }
int ranks() { return detail::cluster::ranks(); }
}  // namespace parade
