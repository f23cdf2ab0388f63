#!/usr/bin/env bash
# Daemon soak: start-to-first-frame, steady RSS and CPU of the published binary, 320x180 -> 1280x720, on its default
# source (paced at its own 30 fps), once with temporal reuse (the default) and once with --reuse off.
#   src/ClassSR.Edge.Bench/soak.sh [SECONDS] [extra run args...]   (./build.sh soak publishes first)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=artifacts/linux-x64/classsr-edge
SECS=${1:-30}; shift || true
TICKS=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

soak() {
  local label=$1; shift
  local port=$((20000 + RANDOM % 20000))
  local t0 t1 first pid
  t0=$(date +%s.%N)
  # The environment of deploy-arm64/classsr-edge.service, so the figures are the service's.
  MALLOC_ARENA_MAX=1 "$BIN" run --listen 127.0.0.1:$port --seconds $((SECS + 5)) "$@" 2>/tmp/classsr-soak.log &
  pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  until curl -sf -o /dev/null "http://127.0.0.1:$port/snapshot"; do
    sleep 0.02
    kill -0 $pid 2>/dev/null || { echo "soak: daemon exited"; cat /tmp/classsr-soak.log; exit 1; }
  done
  t1=$(date +%s.%N)
  first=$(echo "$t1 - $t0" | bc)
  local c0 w0 c1 w1
  c0=$(cpu_ticks $pid); w0=$(date +%s.%N)
  # A client reads the stream for the whole run, as a viewer would.
  curl -s -o /dev/null --max-time "$SECS" "http://127.0.0.1:$port/stream" || true
  c1=$(cpu_ticks $pid); w1=$(date +%s.%N)
  local rss_max=0 rss_last=0
  for i in $(seq 1 5); do
    rss_last=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); ((rss_last > rss_max)) && rss_max=$rss_last; sleep 0.2
  done
  local hwm state fps reused cpu
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  state=$(curl -s "http://127.0.0.1:$port/state")
  fps=$(echo "$state" | grep -o '"processed":[0-9.]*' | head -1 | cut -d: -f2)
  reused=$(echo "$state" | grep -o '"cellsReusedMean":[0-9.eE-]*' | head -1 | cut -d: -f2)
  cpu=$(echo "($c1 - $c0) / $TICKS / ($w1 - $w0) * 100" | bc -l)
  printf 'soak (%s): start-to-first-frame %.2f s, RSS steady %d MB (peak %d MB), processed %.1f fps, CPU %.0f%% of one core, cells reused %.0f%%, over %d s\n' \
    "$label" "$first" $((rss_max / 1024)) $((hwm / 1024)) "${fps:-0}" "$cpu" "$(echo "${reused:-0} * 100" | bc -l)" "$SECS"
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  trap - EXIT
}

soak "reuse on" "$@"
soak "reuse off" --reuse off "$@"
