#!/usr/bin/env bash
# The benchmark suite in one command: installs what it needs (from Debian:
# node, npm, GNU time, dict-gcide; DuckDB from npm into build/bench/peers),
# builds parade's benchmarks in Release and runs bench/suite.mjs, which
# prints the table and writes build/bench/results/bench.{md,json}.
#   bench/suite.sh [--quick] [--reps N] [--only map_fold,word_count,...]
# --quick runs every workload on small inputs once (CI does, so the suite
# never rots; its timings mean nothing). The full suite makes its inputs in
# /tmp/parade-bench (about 7 GB) and takes about half an hour.
set -euo pipefail
cd "$(dirname "$0")/.."
# (npm only when missing: NodeSource's nodejs package bundles its own.)
./scripts/install-deps.sh nodejs time dict-gcide $(command -v npm >/dev/null || echo npm)
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench -j2
duckdb=1.5.6-r.1  # @duckdb/node-api: DuckDB 1.5 with its Linux binary
peers=build/bench/peers
if ! grep -qs "\"version\": \"$duckdb\"" "$peers/node_modules/@duckdb/node-api/package.json"; then
  mkdir -p "$peers"
  npm install --prefix "$peers" --no-audit --no-fund --loglevel=error "@duckdb/node-api@$duckdb"
fi
exec node bench/suite.mjs "$@"
