#!/usr/bin/env bash
# Regenerates the screenshots in docs/images: the live status display (the
# status tour in a tmux terminal, captured with its colours and rendered by
# aha and headless Chromium) and the HTML run report of the same run.
# Needs tmux, aha and chromium (apt-get install tmux aha chromium).
#   ./scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARADE_BUILD_TESTS=OFF -DPARADE_BUILD_BENCH=OFF >/dev/null
cmake --build build/release -j2 --target status_tour
tmp=$(mktemp -d)
tmux() { command tmux -S "$tmp/tmux.sock" "$@"; }  # a server of its own, removed with $tmp
trap 'tmux kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
tour="$PWD/build/release/examples/status_tour"
tmux new-session -d -s s -x 118 -y 32 \
  "env -u NO_COLOR -u PARADE_STATUS $tour --seconds 16 --report $tmp/report.html; tmux -S $tmp/tmux.sock wait-for -S finished; sleep 60"
sleep 6   # mid-run: the file is about half read
tmux capture-pane -p -e -t s > "$tmp/live.ansi"
tmux wait-for finished
tmux capture-pane -p -t s > docs/images/status-final.txt
shot() {  # shot HTML PNG WIDTH HEIGHT
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size="$3,$4" --screenshot="$2" "file://$1" 2>/dev/null
}
# Only the run's own frame: from the tour's header down.
sed -n '/Status tour/,$p' "$tmp/live.ansi" | sed '/^$/d' | aha --black --title "parade status" > "$tmp/live.html"
shot "$tmp/live.html" docs/images/status-live.png 1020 330
shot "$tmp/report.html" docs/images/report.png 1200 1900
echo "screenshots: docs/images/status-live.png docs/images/report.png docs/images/status-final.txt"
