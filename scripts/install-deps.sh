#!/usr/bin/env bash
# Installs the Debian 12 packages parade needs to build, test and benchmark,
# and any packages named as arguments (bench/suite.sh adds its peers').
# Idempotent: does nothing when they are all there. Run as root (or via sudo).
#   scripts/install-deps.sh [package ...]
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  libfmt-dev           # write_lines formats types that have a fmt::formatter
  libabsl-dev          # bench/: the hand-written baselines use abseil's maps
  libgtest-dev         # tests
  libbenchmark-dev     # bench/
  libsqlite3-dev       # the worker-context example and test
  zlib1g-dev libzstd-dev libbz2-dev   # read_lines / write_lines compression
  liblz4-dev           # spilled runs are lz4-compressed
  gzip zstd bzip2      # tests: the command-line tools accept what write_lines writes
  strace               # tests: kill -9 at a chosen system call (the commit)
  clang-14 libclang-rt-14-dev         # scripts/fuzz.sh: libFuzzer
  tmux                 # the live-display test runs the display in a real terminal
  chromium fonts-dejavu-core          # the report test renders the HTML report headless
  locales              # the locale test compiles de_DE (decimal commas) into a scratch dir
  libopenmpi-dev openmpi-bin          # scale-out under mpirun (optional for users: parade builds without MPI)
  iproute2             # scripts/cluster.sh: ranks in network namespaces, as separate hosts
"$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
