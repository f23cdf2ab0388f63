#!/usr/bin/env bash
# The ClassSR x4 recipe, every step: data -> class split -> stage 1 -> camera fine-tuning (models v2: clean +
# camera-like LR, class split again) -> stage 2 -> routing calibration -> export/quantize -> evaluate -> manifest.
#   models-int8/recipe/make.sh            full run; writes models-int8/*.onnx and manifest.json (resumes from work/)
#   models-int8/recipe/make.sh --quick    every step on a tiny budget into work-quick/ (part of ./build.sh test)
# Training checkpoints every 250 iterations; rerunning continues where it stopped. checkpoints/ holds the
# state of the committed models (copy work/*.ckpt and split.json there with them): more iterations means
# raising the budgets in classsr/__main__.py (FULL) and rerunning.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=
[[ ${1:-} == --quick ]] && { QUICK=--quick; shift; }

need=()
for p in python3-torch python3-onnx python3-numpy python3-pil; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's torch and onnx live in the system python, not in a pyenv one that may be first on PATH.
PY=/usr/bin/python3
SHARED=${CLASSSR_SHARED:-$ROOT/../shared}
[[ -d $SHARED/datasets ]] || { echo "make.sh: no datasets at $SHARED (set CLASSSR_SHARED)" >&2; exit 1; }

cd "$HERE"
if [[ -z $QUICK ]]; then
  # Training spans sessions: the committed checkpoints seed a fresh clone's work/ so it resumes.
  mkdir -p work
  for f in checkpoints/*; do [[ -e work/$(basename "$f") ]] || cp "$f" work/; done
fi
$PY -m classsr all $QUICK --shared "$SHARED" "$@"

if [[ -n $QUICK ]]; then OUT=$HERE/work-quick/models; SETS=(Set5); else OUT=$ROOT/models-int8; SETS=(Set5 Set14 B100); fi
# Evaluate with the product's own engine (ONNX Runtime), so the manifest holds what users will get. Plans priced by
# MACs (--cost-model macs), not by start-up timings: the card's figures must not depend on how busy the machine was.
dotnet build "$ROOT/src/ClassSR.Edge.Cli" -c Release -nologo -v q >/dev/null
CLI=(dotnet "$ROOT/src/ClassSR.Edge.Cli/bin/Release/net10.0/classsr-edge.dll")
mkdir -p "$OUT/eval"
for set in "${SETS[@]}"; do
  "${CLI[@]}" eval --hr "$SHARED/datasets/test/$set" --mode bicubic --models "$OUT" --json "$OUT/eval/$set.bicubic.fp32.json" --quiet
  for prec in fp32 int8; do
    for mode in small medium large classsr; do
      "${CLI[@]}" eval --hr "$SHARED/datasets/test/$set" --mode $mode --precision $prec --models "$OUT" --cost-model macs \
        --json "$OUT/eval/$set.$mode.$prec.json" --quiet
    done
    # Routing only: every tile in its class's branch, no promotion by the planner (the model set's own quality).
    "${CLI[@]}" eval --hr "$SHARED/datasets/test/$set" --mode classsr --no-promote --precision $prec --models "$OUT" --cost-model macs \
      --json "$OUT/eval/$set.routed.$prec.json" --quiet
  done
done
$PY -m classsr manifest $QUICK --out "$OUT" --shared "$SHARED"
