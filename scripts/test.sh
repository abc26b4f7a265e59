#!/usr/bin/env bash
# The README's second command: installs what is missing, builds and runs the
# tests, then runs them again with every barrier forced to spill to disk
# (PARADE_FORCE_SPILL=1), so the spill and merge paths run on small data.
# With --sanitize thread|address, builds them under ThreadSanitizer or
# AddressSanitizer+UBSan instead (CI runs all three).
#   ./scripts/test.sh [--sanitize thread|address]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=""
if [ "${1:-}" = "--sanitize" ]; then sanitize="${2:?thread or address}"; fi
./scripts/install-deps.sh
dir=build/test${sanitize:+-$sanitize}
# Sanitized builds at -O1 with line tables only (-g1): what sanitizers are
# meant to run at, and half the compile time of -O2 -g (a keyed test file
# under ASan: 159 s -> 74 s), which is most of CI's time.
# The plain build keeps -O2 (what users ship) with line tables only: full
# debug info was a third of its compile time (a keyed test file: 94 s -> 66 s).
opt=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
[ -z "$sanitize" ] || opt=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG")
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARADE_SANITIZE="$sanitize" \
  -DPARADE_BUILD_BENCH=OFF "${opt[@]}" >/dev/null
if [ -n "$sanitize" ]; then
  # The test binary and what it runs; not the compile-only checks (strict
  # warnings, the docs' snippets, the other examples), which the plain
  # build covers and which would only lengthen CI.
  targets=(parade_tests)
  # The MPI tests too under ThreadSanitizer (the exchange's hand-offs between
  # the action's thread and the workers), on 2 ranks.
  mpi_tsan=""
  if [ "$sanitize" = thread ] && grep -q "parade_mpi_tests" "$dir/build.ninja"; then
    targets+=(parade_mpi_tests mpi_child)
    mpi_tsan=1
  fi
  cmake --build "$dir" -j2 --target "${targets[@]}"
else
  cmake --build "$dir" -j2
fi
export PARADE_STATUS=off
# Steps that hold data, for the forced-spill passes.
# (The spill tests spill for real already; the million-key tests are slow
# when every 16 KiB spills.)
spilling="^(differential|sort|group_by_key|reduce_by_key|keys|element_types|failure|cancel|context|status|distinct|count_by_value|aggregate_by_key|group_by|join|concat|take|top)\\."
slow="a_million_distinct_keys"
# Tests whose cost is volume (a million keys, a 64 MiB line, big elements):
# under ThreadSanitizer they take 30 s each and add no hand-off that the
# smaller tests do not make; AddressSanitizer still runs them.
volume="a_million_distinct_keys|a_line_longer_than_every_buffer|big_elements_stream_with_bounded_buffers"
if [ -n "$sanitize" ]; then
  # Fewer random cases: sanitized code runs 5-20x slower (ThreadSanitizer
  # most: 500 string cases took over 300 s). The differential tests were a
  # third of each sanitizer's test time (TSan 218 s of 707, ASan 190 s of
  # 621, summed over both passes) with 120 and 250; these counts keep CI
  # under 45 minutes on a fresh machine.
  if [ "$sanitize" = thread ]; then cases=80; else cases=160; fi
  export PARADE_DIFF_CASES=${PARADE_DIFF_CASES:-$cases}
  export PARADE_SOAK_CASES=${PARADE_SOAK_CASES:-12}  # kills and interrupts over writes: 36 when plain
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  skip="^(warnings|docs)\\."
  [ "$sanitize" = thread ] && skip="$skip|$volume"
  ctest --test-dir "$dir" --output-on-failure -j2 -LE "consumer|compile_fail|cluster" -E "$skip"
  PARADE_DIFF_CASES=$((PARADE_DIFF_CASES / 2)) PARADE_FORCE_SPILL=1 \
    ctest --test-dir "$dir" --output-on-failure -j2 -LE "consumer|compile_fail|cluster" -R "$spilling" -E "$slow|^status\\."
  if [ -n "$mpi_tsan" ]; then
    PARADE_DIFF_CASES=60 ctest --test-dir "$dir" --output-on-failure -R "^mpi\\.np2$"
  fi
else
  ctest --test-dir "$dir" --output-on-failure -j2
  # Fewer random cases when everything spills: the plain pass ran them all.
  PARADE_DIFF_CASES=${PARADE_DIFF_CASES:-300} PARADE_FORCE_SPILL=1 \
    ctest --test-dir "$dir" --output-on-failure -j2 -LE "consumer|compile_fail" -R "$spilling" -E "$slow"
fi
