// The transport between ranks, MPI underneath (src/cluster.cpp; stubs when
// parade is built without MPI). The collectives are called by the thread that
// runs the action, between segments; while a segment runs, that thread polls
// (failure notices, status) and the worker reading a spread source (generate)
// sends and receives its chunks. Every call takes one lock, so MPI is never
// entered by two threads at once (MPI_THREAD_SERIALIZED). The collectives
// must be called by every rank in the same order; run_state's checks make
// sure that a failed rank still meets the others at their next one. Not API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parade::detail::cluster {

int rank();
int ranks();
inline bool active() { return ranks() > 1; }

// Every rank's `mine`, the largest wins (a run's outcome: 0 ok, more is worse).
int max_of(int mine);
// Every rank's sum of `mine`.
std::uint64_t sum_of(std::uint64_t mine);
// Every rank's bytes, in rank order, on every rank.
std::vector<std::string> all_gather(std::string_view mine);
// out[d] goes to rank d; in[s] becomes what rank s sent here. Callers send
// in bounded rounds and pass the same `in` each round: its strings keep
// their capacity. A message is under 2 GiB.
void all_to_all(const std::vector<std::string>& out, std::vector<std::string>& in);

// A run failed here: tell the other ranks now (non-blocking), so they stop
// their work instead of finding out at the next collective.
void notify_failure(std::uint64_t run);
// Whether another rank said that run `run` failed (cheap; polled).
bool failure_noticed(std::uint64_t run);
// Status for rank 0's display, from a rank above 0: sent without waiting
// (an update still in flight makes this one be dropped: the next will do).
// Returns whether it was sent.
bool send_status(std::string bytes);
// On rank 0: the next status that arrived from any rank, if any, and the
// rank it came from (cheap; polled).
bool receive_status(std::string& bytes, int& from);
// On rank 0: the next status from `rank`, waiting for it (the updates a rank
// says it sent, drained when the run ends so none is left for the next).
std::string receive_status_from(int rank);
// On a rank above 0: waits until the updates it sent have left.
void status_sent();
// Point to point on a channel of its own (generate's spread: spread.cpp).
// Sends without waiting; the bytes are kept until they have left.
enum class channel { chunks, credits };
void send_to(int to, channel c, std::string bytes);
// A message on `c` from any rank, if one arrived: its bytes and sender.
bool try_receive(channel c, std::string& bytes, int& from);
// Whether every send_to so far has left (tests them).
bool sends_done();
// Numbers the actions: every rank counts the same.
std::uint64_t next_run();
// Bytes this process sent to other ranks so far (for the report and benchmarks).
std::uint64_t bytes_sent();

}  // namespace parade::detail::cluster
