#!/usr/bin/env bash
# The README's second command: installs what is missing, builds and runs the
# tests. With --sanitize thread|address, builds them under ThreadSanitizer or
# AddressSanitizer+UBSan instead (CI runs all three).
#   ./scripts/test.sh [--sanitize thread|address]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=""
if [ "${1:-}" = "--sanitize" ]; then sanitize="${2:?thread or address}"; fi
./scripts/install-deps.sh
dir=build/test${sanitize:+-$sanitize}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARADE_SANITIZE="$sanitize" \
  -DPARADE_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" -j2
export PARADE_STATUS=off
if [ -n "$sanitize" ]; then
  # Fewer random cases: sanitized code runs 5-20x slower.
  export PARADE_DIFF_CASES=${PARADE_DIFF_CASES:-500}
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  ctest --test-dir "$dir" --output-on-failure -j2 -LE "consumer|compile_fail"
else
  ctest --test-dir "$dir" --output-on-failure -j2
fi
