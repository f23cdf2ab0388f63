#!/usr/bin/env bash
# The ClassSR x4 recipe, every step: data -> class split -> stage 1 -> camera fine-tuning (models v2: clean +
# camera-like LR, class split again) -> stage 2 -> routing calibration -> export/quantize -> evaluate -> manifest.
#   models-int8/recipe/make.sh            full run; writes models-int8/*.onnx and manifest.json (resumes from work/)
#   models-int8/recipe/make.sh --quick    every step on a tiny budget into work-quick/ (part of ./build.sh test)
#   models-int8/recipe/make.sh --eval     only the evaluation and the manifest/card, of the models in place
#   models-int8/recipe/make.sh --scale 2  the x2 set (models-int8/x2/; work-x2/, work-quick-x2/), after the options above
# Training checkpoints every 250 iterations; rerunning continues where it stopped. checkpoints/ holds the
# state of the committed models (copy work/*.ckpt and split.json there with them): more iterations means
# raising the budgets in classsr/__main__.py (FULL) and rerunning.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=
EVAL_ONLY=
[[ ${1:-} == --quick ]] && { QUICK=--quick; shift; }
[[ ${1:-} == --eval ]] && { EVAL_ONLY=1; shift; }
SCALE=4
[[ ${1:-} == --scale ]] && { SCALE=${2:?--scale needs 2 or 4}; shift 2; }
[[ $SCALE == 2 || $SCALE == 4 ]] || { echo "make.sh: --scale $SCALE: the recipe makes x2 or x4 sets" >&2; exit 1; }
export CLASSSR_SCALE=$SCALE
X2=; [[ $SCALE == 2 ]] && X2=-x2

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
if [[ -z $QUICK && $SCALE == 4 ]]; then
  # Training spans sessions: the committed checkpoints seed a fresh clone's work/ so it resumes.
  mkdir -p work
  for f in checkpoints/*; do if [[ -f $f && ! -e work/$(basename "$f") ]]; then cp "$f" work/; fi; done
fi
if [[ -z $QUICK && $SCALE == 2 && -d checkpoints/x2 ]]; then
  mkdir -p work-x2
  for f in checkpoints/x2/*; do [[ -e work-x2/$(basename "$f") ]] || cp "$f" work-x2/; done
fi
[[ -n $EVAL_ONLY ]] || $PY -m classsr all $QUICK --shared "$SHARED" "$@"

if [[ -n $QUICK ]]; then OUT=$HERE/work-quick$X2/models; SETS=(Set5); DEGRADE=(none jpeg:75); else OUT=$ROOT/models-int8; SETS=(Set5 Set14 B100); DEGRADE=(none jpeg:75 noise:3); fi
[[ -n $QUICK || $SCALE == 4 ]] || OUT=$ROOT/models-int8/x2
# Evaluate with the product's own engine (ONNX Runtime), so the manifest holds what users will get. Plans priced by
# MACs (--cost-model macs), not by start-up timings: the card's figures must not depend on how busy the machine was.
# Each set is scored on our bicubic LR as it is (none) and as cameras deliver it (JPEG q75, sensor noise sigma 3): the
# card's compressed columns.
dotnet build "$ROOT/src/ClassSR.Edge.Cli" -c Release -nologo -v q >/dev/null
CLI=(dotnet "$ROOT/src/ClassSR.Edge.Cli/bin/Release/net10.0/classsr-edge.dll")
PEER=
if [[ -z $QUICK && $SCALE == 4 && -f $SHARED/peers/opencv-dnn-superres/FSRCNN_x4.pb ]]; then
  # OpenCV's FSRCNN_x4 on the same LR, for the card's peer row (the development bench links OpenCV; the product does not).
  dotnet build "$ROOT/src/ClassSR.Edge.DevBench" -c Release -nologo -v q >/dev/null
  PEER=(dotnet "$ROOT/src/ClassSR.Edge.DevBench/bin/Release/net10.0/classsr-edge-bench.dll")
fi
rm -rf "$OUT/eval"; mkdir -p "$OUT/eval"
for set in "${SETS[@]}"; do
  for deg in "${DEGRADE[@]}"; do
    key=$set; [[ $deg == none ]] || key=$set.${deg/:/}
    ev=(--hr "$SHARED/datasets/test/$set" --degrade "$deg" --models "$OUT" --scale "$SCALE" --quiet)
    "${CLI[@]}" eval "${ev[@]}" --mode bicubic --json "$OUT/eval/$key.bicubic.fp32.json"
    [[ -z $PEER ]] || "${PEER[@]}" --eval-opencv "$SHARED/datasets/test/$set" --degrade "$deg" --json "$OUT/eval/$key.opencv.fp32.json"
    for prec in fp32 int8; do
      for mode in small medium large classsr; do
        "${CLI[@]}" eval "${ev[@]}" --mode $mode --precision $prec --cost-model macs --json "$OUT/eval/$key.$mode.$prec.json"
      done
      # Routing only: every tile in its class's branch, no promotion by the planner (the model set's own quality).
      "${CLI[@]}" eval "${ev[@]}" --mode classsr --no-promote --precision $prec --cost-model macs --json "$OUT/eval/$key.routed.$prec.json"
    done
  done
done
$PY -m classsr manifest $QUICK --out "$OUT" --shared "$SHARED"
