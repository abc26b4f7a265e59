#!/usr/bin/env bash
# Scale-out on this machine: one process with 2 workers against
# `mpirun -np 2` with 1 worker per rank, the TCP transport forced (the bytes
# cross sockets, as between hosts), alternated in one run: word count on the
# 1 GB corpus, reduce_by_key with 10 M distinct keys, sort of 1 GB of
# records under 256 MB, a generator (on rank 0, dealt to both) into a
# CPU-bound map and reduce_by_key. Prints each run's time and the bytes each rank sent,
# what the transport carries alone and what loopback TCP carries without
# MPI (bench_mpi_bandwidth).
#   bench/mpi.sh [REPS]    (after bench/suite.sh made the data in /tmp/parade-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
data=${PARADE_BENCH_DATA:-/tmp/parade-bench}
bin=build/bench/bench
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench -j2 --target bench_word_count bench_external_sort bench_mpi_bandwidth >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PARADE_STATUS=off
mpi=(mpirun --oversubscribe --mca btl tcp,self -np 2 -x BENCH_WORKERS=1)
[ -f "$data/gcide-1000m.txt" ] && [ -f "$data/records-1000.txt" ] || { echo "run bench/suite.sh first (it makes the data)"; exit 1; }

echo "== loopback TCP alone (no MPI): one connection, both ways at once"
"$bin/bench_mpi_bandwidth" --tcp 4096
echo "== transport: all-to-all rounds of 16 MiB, 2 ranks over loopback TCP"
"${mpi[@]}" "$bin/bench_mpi_bandwidth" 4096
for r in $(seq 1 "$reps"); do
  echo "== round $r"
  echo "-- word count, 1 process x 2 workers";   "$bin/bench_word_count" parade "$data/gcide-1000m.txt" 2
  echo "-- word count, 2 ranks x 1 worker";      "${mpi[@]}" "$bin/bench_word_count" parade "$data/gcide-1000m.txt" 1
  echo "-- reduce_by_key 10M keys, 1 process";   /usr/bin/time -f "user %U s  peak RSS %M KB" "$bin/bench_external_sort" reduce 20000000 10000000 1024
  echo "-- reduce_by_key 10M keys, 2 ranks";     "${mpi[@]}" "$bin/bench_external_sort" reduce 20000000 10000000 512
  echo "-- sort 1 GB, 1 process, 256 MB";        "$bin/bench_external_sort" sort "$data/records-1000.txt" /tmp/parade-bench-sorted.txt 256
  echo "-- sort 1 GB, 2 ranks, 128 MB each";     "${mpi[@]}" "$bin/bench_external_sort" sort "$data/records-1000.txt" /tmp/parade-bench-sorted-mpi.txt 128
  cmp /tmp/parade-bench-sorted.txt /tmp/parade-bench-sorted-mpi.txt && echo "sorted outputs identical"
  echo "-- generate 2M into a map of 1000 hash rounds, 1 process x 1 worker (rank 0 alone)"
  BENCH_WORKERS=1 "$bin/bench_external_sort" generate 2000000 1000
  echo "-- the same, 1 process x 2 workers";       "$bin/bench_external_sort" generate 2000000 1000
  echo "-- the same, 2 ranks (rank 0 deals)";     "${mpi[@]}" "$bin/bench_external_sort" generate 2000000 1000
done
rm -f /tmp/parade-bench-sorted.txt /tmp/parade-bench-sorted-mpi.txt
