#!/usr/bin/env bash
# Peak memory of each barrier under a budget, at several worker counts: the
# kernel's peak RSS (/usr/bin/time -f %M) beside parade's accounted peak
# (memory_peak= of the run's summary), one process per cell, inputs
# streamed (bench/memory.cpp). Every cell of an operation must give the same
# result; the promise is RSS <= budget + 96 MB. Prints a markdown table and
# writes it to build/bench/results/memory.md.
#   bench/memory.sh [--quick] [--only group,sort,...] [--workers "2 16"] [--budgets "64 256"]
# --quick: inputs a twentieth of the size (that it runs; the figures mean
# little). BENCH_MEMORY_BIN runs another build's bench_memory (before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
ops="group sort join left_join reduce aggregate distinct group_by"
workers="2 16"
budgets="64 256"
scale=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) scale=0.05 ;;
    --only) ops="${2//,/ }"; shift ;;
    --workers) workers="$2"; shift ;;
    --budgets) budgets="$2"; shift ;;
    *) echo "memory.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
bin=${BENCH_MEMORY_BIN:-}
if [ -z "$bin" ]; then
  ./scripts/install-deps.sh time >&2
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build/bench -j2 --target bench_memory >&2
  bin=build/bench/bench/bench_memory
fi
mkdir -p build/bench/results
out=build/bench/results/memory.md
log=$(mktemp)
trap 'rm -f "$log"' EXIT
{
  echo "| op | workers | budget MB | peak RSS MB | accounted peak MB | RSS - budget MB | seconds |"
  echo "|---|---|---|---|---|---|---|"
} | tee "$out"
status=0
for op in $ops; do
  digest=""
  for w in $workers; do
    for b in $budgets; do
      /usr/bin/time -f "time_rss_kb=%M" "$bin" "$op" "$w" "$b" "$scale" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
      rss=$(($(grep -o 'time_rss_kb=[0-9]*' "$log" | cut -d= -f2) / 1024))
      acc=$(($(grep -o 'memory_peak=[0-9]*' "$log" | cut -d= -f2) / 1048576))
      sec=$(grep -o 'seconds=[0-9.]*' "$log" | cut -d= -f2)
      d=$(grep -o 'digest=[0-9]*' "$log" | cut -d= -f2)
      if [ -z "$digest" ]; then digest=$d; elif [ "$d" != "$digest" ]; then
        echo "memory.sh: $op at $w workers, $b MB gave $d, not $digest" >&2
        status=1
      fi
      echo "| $op | $w | $b | $rss | $acc | $((rss - b)) | $sec |" | tee -a "$out"
    done
  done
done
exit $status
