#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for
# SECONDS (default 30) from the seed corpus in fuzz/corpus. CI runs it.
#   ./scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
./scripts/install-deps.sh
CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARADE_FUZZ=ON \
  -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_EXAMPLES=OFF -DPARADE_BUILD_BENCH=OFF >/dev/null
cmake --build build/fuzz -j2
for target in fuzz_lines fuzz_decoders; do
  corpus=build/fuzz/corpus-$target
  mkdir -p "$corpus"
  log=build/fuzz/$target.log
  echo "== $target for ${secs}s"
  # libFuzzer exits non-zero on a crash, leak, timeout or sanitizer report,
  # and leaves the input in build/fuzz/.
  if ! ./build/fuzz/fuzz/$target -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix=build/fuzz/ "$corpus" "fuzz/corpus/${target#fuzz_}" > "$log" 2>&1; then
    tail -60 "$log"
    echo "$target found a failing input (see build/fuzz/)"
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
done
