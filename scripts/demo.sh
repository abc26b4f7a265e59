#!/usr/bin/env bash
# The README's first command: installs what is missing, builds parade and
# runs the demo: word count over a sample corpus it writes first (or over the
# files, globs or directories given), on all cores.
#   ./scripts/demo.sh [--lines N] [-o counts.txt] [path|glob|dir ...]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_BENCH=OFF >/dev/null
cmake --build build/release -j2 --target word_count
exec ./build/release/examples/word_count "$@"
