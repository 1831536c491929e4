#!/usr/bin/env bash
# tools/shot.sh FILE.html OUT.png [height] : headless screenshot of a report
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir=$(mktemp -d) --hide-scrollbars \
  --window-size=1150,${3:-1400} --screenshot="$2" "file://$(realpath "$1")" 2>/dev/null
