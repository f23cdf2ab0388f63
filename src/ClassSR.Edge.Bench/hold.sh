#!/usr/bin/env bash
# Frame-budget controller figures (README "Holding the frame rate"): the published binary's paced bench on a pan
# across a mosaic of B100 photographs (every cell changes, so temporal reuse saves little), once with a busy loop
# on one core for part of the window and once without load, each mode with the controller off and then on (+hold).
#   src/ClassSR.Edge.Bench/hold.sh [HRWIDTHxHRHEIGHT] [extra bench args...]   (./build.sh hold publishes first)
# Needs ../shared (B100), ffmpeg and Debian's python3-pil. The clips go to artifacts/video (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=artifacts/linux-x64/classsr-edge
SIZE=${1:-1920x1080}; shift || true
W=${SIZE%x*}; H=${SIZE#*x}
B100=../shared/datasets/test/B100
[[ -d $B100 ]] || { echo "hold: no $B100 (the clip is made from B100)"; exit 2; }
mkdir -p artifacts/video
MOSAIC=artifacts/video/b100-mosaic.png CLIP=artifacts/video/pan-${W}x${H}.y4m
if [[ ! -f $MOSAIC ]]; then
  /usr/bin/python3 - "$B100" "$MOSAIC" <<'PY'
import glob, sys
from PIL import Image
# The first 20 landscape photographs, 480x320 each, 5 across and 4 down: 2400x1280.
files = [f for f in sorted(glob.glob(sys.argv[1] + "/*.png")) if (lambda i: i.width > i.height)(Image.open(f))][:20]
m = Image.new("RGB", (2400, 1280))
for k, f in enumerate(files):
    m.paste(Image.open(f).convert("RGB").crop((0, 0, 480, 320)), ((k % 5) * 480, (k // 5) * 320))
m.save(sys.argv[2])
PY
fi
# 48 HR pixels a second (12 LR): every block changes every frame or two. 5 s, looped by the bench.
[[ -f $CLIP ]] || ffmpeg -loglevel error -y -loop 1 -i "$MOSAIC" -vf "crop=$W:$H:x='t*48':y=100,format=yuv420p" -r 30 -t 5 -f yuv4mpegpipe "$CLIP"
grep -m1 "model name" /proc/cpuinfo; echo "cores: $(nproc)"
common=(--source "$CLIP" --hr --paced --max-frames 150 --idle 0 --warmup 1 --power none --modes large-int8,classsr-auto)
echo "== a busy loop on core $(( $(nproc) - 1 )) from 3 to 8 s of a 12 s window"
"$BIN" bench "${common[@]}" --seconds 12 --load 3-8 --out artifacts/hold-load "$@" 2>&1 | sed -n '/^paced/,/^energy/p'
echo "== no load, 8 s"
"$BIN" bench "${common[@]}" --seconds 8 --out artifacts/hold-idle "$@" 2>&1 | sed -n '/^mode /,/^paced/p'
