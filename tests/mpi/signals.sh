#!/usr/bin/env bash
# Ctrl-C on mpirun, and a rank killed with SIGKILL, under parade: every rank
# ends (no hang: each wait below has a deadline), Ctrl-C cancels every rank,
# and no spill file is left behind.
#   signals.sh MPIEXEC MPI_CHILD
set -uo pipefail
mpiexec=$1 child=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- output:"; cat "$tmp/out" 2>/dev/null; exit 1; }

# Waits up to $2 seconds for pid $1 to end; its status in $status.
wait_for() {
  for _ in $(seq 1 $(($2 * 10))); do
    if ! kill -0 "$1" 2>/dev/null; then wait "$1"; status=$?; return 0; fi
    sleep 0.1
  done
  return 1
}

start() {  # starts 2 ranks in the background on source $1; waits until both are running
  mkdir -p "$tmp/spill"
  "$mpiexec" --oversubscribe -np 2 "$child" "$tmp/spill" "$1" >"$tmp/out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    [ "$(grep -c ready "$tmp/out")" -ge 2 ] && break
    sleep 0.1
  done
  [ "$(grep -c ready "$tmp/out")" -ge 2 ] || fail "the ranks did not start"
  sleep 1.5  # well into the run: spilling
}

# Each with range (split by rank) and generate (rank 0 deals its chunks).
for source in range generate; do
  # 1. Ctrl-C on mpirun (it forwards SIGTERM to the ranks): both cancelled.
  start "$source"
  kill -INT "$pid"
  wait_for "$pid" 60 || { kill -9 "$pid"; fail "mpirun still running 60 s after SIGINT"; }
  grep -q "rank 0: cancelled" "$tmp/out" || fail "rank 0 not cancelled"
  grep -q "rank 1: cancelled" "$tmp/out" || fail "rank 1 not cancelled"
  [ -z "$(ls -A "$tmp/spill")" ] || fail "left in temp_dir: $(ls -A "$tmp/spill")"
  echo "$source: SIGINT: both ranks cancelled, mpirun exit $status, temp_dir empty"

  # 2. A rank killed with SIGKILL: mpirun ends the job and says so.
  rm -rf "$tmp/spill"
  start "$source"
  victim=$(sed -n 's/^rank 1 pid \([0-9]*\) ready$/\1/p' "$tmp/out")
  [ -n "$victim" ] || fail "no pid for rank 1"
  kill -KILL "$victim"
  wait_for "$pid" 60 || { kill -9 "$pid"; fail "mpirun still running 60 s after a rank was killed"; }
  [ "$status" -ne 0 ] || fail "mpirun exited 0 after a rank was killed"
  grep -qi "signal 9\|killed" "$tmp/out" || fail "no message about the killed rank"
  [ -z "$(ls -A "$tmp/spill")" ] || fail "left in temp_dir: $(ls -A "$tmp/spill")"
  echo "$source: SIGKILL of rank 1: mpirun exit $status with a message, temp_dir empty"
done
