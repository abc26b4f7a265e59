#!/usr/bin/env bash
# The README's first command: installs what is missing, builds parade and
# runs the demo (word count over text it generates, on all cores).
#   ./scripts/demo.sh [lines]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_BENCH=OFF >/dev/null
cmake --build build/release -j2 --target demo
exec ./build/release/examples/demo "$@"
