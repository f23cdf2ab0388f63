#!/usr/bin/env bash
# Daemon soak: start-to-first-frame and steady RSS of the published binary, 320x180 -> 1280x720.
#   src/ClassSR.Edge.Bench/soak.sh [SECONDS] [extra run args...]   (./build.sh soak publishes first)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=artifacts/linux-x64/classsr-edge
SECS=${1:-30}; shift || true
PORT=$((20000 + RANDOM % 20000))
t0=$(date +%s.%N)
# The environment of deploy-arm64/classsr-edge.service, so the figures are the service's.
MALLOC_ARENA_MAX=1 "$BIN" run --listen 127.0.0.1:$PORT --seconds $((SECS + 5)) "$@" 2>/tmp/classsr-soak.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/snapshot"; do
  sleep 0.02
  kill -0 $pid 2>/dev/null || { echo "soak: daemon exited"; cat /tmp/classsr-soak.log; exit 1; }
done
t1=$(date +%s.%N)
first=$(echo "$t1 - $t0" | bc)
# A client reads the stream for the whole run, as a viewer would.
curl -s -o /dev/null --max-time "$SECS" "http://127.0.0.1:$PORT/stream" || true
rss_max=0; rss_last=0
for i in $(seq 1 5); do
  rss_last=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); ((rss_last > rss_max)) && rss_max=$rss_last; sleep 0.2
done
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
fps=$(curl -s "http://127.0.0.1:$PORT/state" | grep -o '"processed":[0-9.]*' | head -1 | cut -d: -f2)
printf 'soak: start-to-first-frame %.2f s, RSS steady %d MB (peak %d MB), processed %.1f fps over %d s\n' \
  "$first" $((rss_max / 1024)) $((hwm / 1024)) "${fps:-0}" "$SECS"
