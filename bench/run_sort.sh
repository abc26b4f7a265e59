#!/usr/bin/env bash
# Out-of-core benchmarks: external sort of 100-byte records against GNU sort
# with the same memory (outputs compared byte for byte), and group_by_key /
# reduce_by_key under a 256 MB budget. Each program runs under
# /usr/bin/time, which reports the peak RSS the kernel saw; runs alternate
# parade, GNU sort, parade, ... Needs a Release build in build/bench.
#   bench/run_sort.sh [dir] [sizes in MB, default "1000 4000"] [repetitions, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/parade-bench}
sizes=${2:-"1000 4000"}
reps=${3:-2}
bin=build/bench/bench/bench_external_sort
mkdir -p "$dir"
export TMPDIR=$dir
timed() {  # label, command...: prints seconds and peak RSS in MB
  local out
  out=$( { /usr/bin/time -f "%e %M" "${@:2}" >/dev/null; } 2>&1 | tail -1)
  awk -v l="$1" '{ printf "%-34s %7.2f s  peak RSS %6.0f MB\n", l, $1, $2 / 1024 }' <<<"$out"
}
for mb in $sizes; do
  in=$dir/records-$mb.txt
  [ -s "$in" ] || $bin gen "$in" "$mb"
  cat "$in" >/dev/null
  echo "== sort $mb MB of 100-byte records, 2 workers, 256 MB of memory"
  for r in $(seq "$reps"); do
    timed "parade sort (budget 256 MB)" $bin sort "$in" "$dir/parade-$mb.txt" 256
    timed "LC_ALL=C sort -S 256M --parallel=2" env LC_ALL=C sort -S 256M --parallel=2 -o "$dir/gnu-$mb.txt" "$in"
  done
  cmp "$dir/parade-$mb.txt" "$dir/gnu-$mb.txt" && echo "outputs identical"
  rm -f "$dir/parade-$mb.txt" "$dir/gnu-$mb.txt"
done
echo "== group_by_key: 20 M pairs (int64, 40-byte string), 1 M keys"
for budget in 0 256; do timed "parade, budget ${budget} MB (0 = default)" $bin group 20000000 1000000 $budget; done
echo "== reduce_by_key: 20 M pairs, 10 M keys"
for budget in 0 256; do timed "parade, budget ${budget} MB (0 = default)" $bin reduce 20000000 10000000 $budget; done
