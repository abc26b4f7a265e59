#!/usr/bin/env bash
# File benchmarks: word count and plain reading over 1 GB of real text (the
# GNU Collaborative International Dictionary of English, Debian's dict-gcide,
# repeated), on 2 workers. Needs a Release build in build/bench.
#   bench/run_files.sh [corpus-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/parade-bench}
mkdir -p "$dir"
corpus=$dir/gcide-1g.txt
if [ ! -s "$corpus" ]; then
  dpkg -s dict-gcide >/dev/null 2>&1 || { echo "needs: apt-get install dict-gcide"; exit 1; }
  zcat /usr/share/dictd/gcide.dict.dz > "$dir/gcide.txt"
  : > "$corpus"
  while [ "$(stat -c %s "$corpus")" -lt 1000000000 ]; do cat "$dir/gcide.txt" >> "$corpus"; done
  truncate -s 1000000000 "$corpus"
fi
bin=build/bench/bench/bench_word_count
cat "$corpus" > /dev/null  # warm the page cache: every run reads from memory
echo "== word count, 2 workers"
$bin parade "$corpus" 2
$bin hand "$corpus" 2
echo "== tr | sort | uniq -c (LC_ALL=C, sort --parallel=2)"
/usr/bin/time -f "%e s  peak RSS %M KB" sh -c "LC_ALL=C tr -s '[:space:]' '\n' < '$corpus' | LC_ALL=C sort --parallel=2 -S 2G | LC_ALL=C uniq -c | wc -l"
echo "== reading alone"
$bin read "$corpus" 2
/usr/bin/time -f "wc -l: %e s" wc -l "$corpus"
