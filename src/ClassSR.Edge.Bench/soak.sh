#!/usr/bin/env bash
# Daemon soak of the published binary on its default source (320x180 -> 1280x720, paced at its own 30 fps), with the
# service unit's MALLOC_ARENA_MAX=1.
#   src/ClassSR.Edge.Bench/soak.sh [SECONDS] [extra run args...]
#       clients join and leave throughout (soak_clients.py: MJPEG viewers, snapshots, raw-socket readers, one stalled
#       client of each); RSS, fps and drops every minute (every SECONDS/10 for shorter runs), then the RSS slope fitted
#       from minute 5 on and the growth from minute 5 to the end
#   src/ClassSR.Edge.Bench/soak.sh --compare [SECONDS] [extra run args...]
#       start-to-first-frame, steady RSS and CPU with one /stream reader, once with temporal reuse and once with --reuse off
# (./build.sh soak ... publishes first)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=artifacts/linux-x64/classsr-edge
COMPARE=0
[[ ${1:-} == --compare ]] && { COMPARE=1; shift; }
SECS=${1:-30}; shift || true
TICKS=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_daemon PORT SECONDS [run args...]: starts the daemon in the background (pid in $pid) and waits for its first frame.
# The environment of deploy-arm64/classsr-edge.service (MALLOC_ARENA_MAX=1), so the figures are the service's;
# SOAK_ARENAS=default runs with glibc's own arena count instead.
start_daemon() {
  local port=$1 secs=$2; shift 2
  if [[ ${SOAK_ARENAS:-1} == default ]]; then
    "$BIN" run --listen 127.0.0.1:$port --seconds "$secs" "$@" 2>/tmp/classsr-soak.log &
  else
    MALLOC_ARENA_MAX=${SOAK_ARENAS:-1} "$BIN" run --listen 127.0.0.1:$port --seconds "$secs" "$@" 2>/tmp/classsr-soak.log &
  fi
  pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  until curl -sf -o /dev/null "http://127.0.0.1:$port/snapshot"; do
    sleep 0.02
    kill -0 $pid 2>/dev/null || { echo "soak: daemon exited"; cat /tmp/classsr-soak.log; exit 1; }
  done
}

soak() {
  local label=$1; shift
  local port=$((20000 + RANDOM % 20000))
  local t0 t1 first
  t0=$(date +%s.%N)
  start_daemon $port $((SECS + 5)) "$@"
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

long_soak() {
  local port=$((20000 + RANDOM % 20000)) sock
  sock=$(mktemp -u /tmp/classsr-soak-XXXX.sock)
  # The daemon is stopped below, once the clients have gone and the last figures are read; its own limit only
  # guards against a soak that is itself stuck (the clients take a while to close after the last sample).
  start_daemon $port $((SECS + 300)) --frames-socket "$sock" "$@"
  grep -m1 "model name" /proc/cpuinfo; echo "cores: $(nproc); $SECS s, clients joining and leaving (soak_clients.py), MALLOC_ARENA_MAX=${SOAK_ARENAS:-1}"
  python3 src/ClassSR.Edge.Bench/soak_clients.py $port "$sock" "$SECS" > /tmp/classsr-soak-clients.txt &
  local clients=$! step=$((SECS >= 600 ? 60 : (SECS >= 10 ? SECS / 10 : 1))) t=0 samples=""
  local t0; t0=$(date +%s)
  printf '%8s %8s %8s %8s %10s %8s %14s %8s %8s\n' "t s" "RSS MB" "fps" "drops" "processed" "clients" "ring frames" "heap MB" "threads"
  while ((t < SECS)); do
    sleep $((t0 + t + step - $(date +%s))) 2>/dev/null || true
    t=$(( $(date +%s) - t0 ))
    kill -0 $pid 2>/dev/null || { echo "soak: the daemon died at ${t} s"; tail -5 /tmp/classsr-soak.log; exit 1; }
    local rss state figures
    rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$pid/status)
    state=$(curl -s --max-time 5 "http://127.0.0.1:$port/state" || echo '{}')
    # From /state: fps, drops, frames, clients; the frames each ring holds (captured+upscaled) and frames made so far,
    # so a step in RSS that is the ring shows here; and the managed heap's committed MB and the thread count, so a
    # growth outside the rings can be told apart (managed or native).
    figures=$(echo "$state" | python3 -c 'import json,sys
s = json.load(sys.stdin); r = s["rings"]; m = s.get("memory") or {}
print("%.1f %d %d %d %d+%d/%d %s %s" % (s["fps"]["processed"], sum(s["drops"].values()), s["frames"]["processed"], len(s["clients"]),
    r["captured"]["frames"], r["upscaled"]["frames"], r["captured"]["made"] + r["upscaled"]["made"],
    m.get("managedCommittedMb", "-"), m.get("threads", "-")))' 2>/dev/null || echo "- - - - - - -")
    # shellcheck disable=SC2086
    printf '%8d %8s %8s %8s %10s %8s %14s %8s %8s\n' "$t" "$rss" $figures
    samples+="$t $rss"$'\n'
  done
  # Read while the daemon surely runs: the peak (VmHWM) covers the joiners between samples too.
  local hwm; hwm=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' /proc/$pid/status)
  wait $clients || true
  cat /tmp/classsr-soak-clients.txt
  # Where frames were dropped (a paced source drops at capture when the pipeline falls behind it: the machine).
  curl -s --max-time 5 "http://127.0.0.1:$port/state" | python3 -c 'import json,sys; d=json.load(sys.stdin)["drops"]; print("drops by stage: " + ", ".join("%s %d" % kv for kv in d.items()))' 2>/dev/null || true
  # Least squares from minute 5 (from a twelfth of the run when it is shorter): MB per hour, and the growth in %.
  local from=$((SECS >= 600 ? 300 : SECS / 12))
  printf '%s' "$samples" | awk -v from=$from '$1 >= from { n++; x += $1; y += $2; xx += $1 * $1; xy += $1 * $2; if (n == 1) first = $2; last = $2 }
    END { if (n < 2) { print "too few samples for a slope"; exit }
          b = (n * xy - x * y) / (n * xx - x * x);
          printf "RSS from %d s: %.1f -> %.1f MB, fitted slope %+.2f MB/hour, growth %+.2f%%\n", from, first, last, b * 3600, (last - first) / first * 100 }'
  # The samples are taken between the minute's joiners (see soak_clients.py); the peak covers the joiners too.
  echo "RSS peak over the run: $hwm MB"
  echo "daemon log: $(grep -c . /tmp/classsr-soak.log) lines, $(grep -ci ' error' /tmp/classsr-soak.log || true) errors"
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  trap - EXIT
  rm -f "$sock"
}

if ((COMPARE)); then
  soak "reuse on" "$@"
  soak "reuse off" --reuse off "$@"
else
  long_soak "$@"
fi
