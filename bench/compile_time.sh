#!/usr/bin/env bash
# Compile time and compiler memory of programs that use parade, so header
# weight never creeps back: the word-count example, a three-line program, the
# umbrella header alone, and three keyed operations. Each is compiled RUNS
# times (default 3) with the flags a Release build uses; the fastest wall
# time and its peak memory are reported.
#   bench/compile_time.sh [RUNS] [INCLUDE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
inc=${2:-$PWD/include}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/include_only.cpp" <<'CPP'
#include <parade/parade.hpp>
int main() {}
CPP
cat > "$tmp/three_lines.cpp" <<'CPP'
#include <parade/parade.hpp>
int main() {
  return int(parade::range(0, 1000).map([](std::int64_t x) { return x + 1; }).fold(std::int64_t{0}, std::plus<>{}));
}
CPP
cat > "$tmp/keyed.cpp" <<'CPP'
#include <parade/parade.hpp>
#include <string>
int main() {
  auto a = parade::range(0, 1000).map([](std::int64_t x) { return std::pair{x % 10, x}; }).reduce_by_key(std::plus<>{}).collect();
  auto b = parade::range(0, 1000).map([](std::int64_t x) { return std::pair{std::to_string(x % 10), x}; }).group_by_key().collect();
  auto c = parade::range(0, 1000).map([](std::int64_t x) { return std::pair{x % 7, 1.0 * x}; }).reduce_by_key(std::plus<>{}).count();
  return int(a.size() + b.size() + c);
}
CPP
printf '%-22s %10s %12s %14s\n' program "wall (s)" "memory (MB)" "lines (pp)"
for src in "$tmp/include_only.cpp" "$tmp/three_lines.cpp" "$tmp/keyed.cpp" examples/word_count.cpp; do
  best=""
  mem=""
  for ((i = 0; i < runs; i++)); do
    out=$( { /usr/bin/time -f "%e %M" g++ -std=c++20 -O3 -DNDEBUG -I"$inc" -c "$src" -o /dev/null; } 2>&1 | tail -1)
    t=${out% *}
    m=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; mem=$m; fi
  done
  lines=$(g++ -std=c++20 -I"$inc" -E "$src" | wc -l)
  printf '%-22s %10s %12d %14d\n' "$(basename "$src" .cpp)" "$best" $((mem / 1024)) "$lines"
done
