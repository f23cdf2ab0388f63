#!/usr/bin/env bash
# ClassSR.Edge build driver. Installs what it needs from Debian on first use.
#   ./build.sh run        publish if needed, then start the main job
#   ./build.sh test       the whole test suite (recipe --quick, unit and end-to-end tests)
#   ./build.sh publish    native AOT linux-x64 into artifacts/linux-x64/
#   ./build.sh bench      the benchmark (figures printed, JSON written to artifacts/bench.json)
#   ./build.sh soak [S]   the daemon's start-to-first-frame and steady RSS over S seconds
#   ./build.sh deps       install the Debian packages only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

DEBS=(clang lld zlib1g-dev libturbojpeg0-dev python3-torch python3-onnx python3-numpy python3-pil)
# Real clients for the end-to-end tests; chromium renders the bench's HTML report.
TEST_DEBS=(ffmpeg chromium)

deps() {
  local missing=()
  for p in "${DEBS[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "build.sh: installing ${missing[*]}" >&2
    local sudo=; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v dotnet >/dev/null || { echo "build.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
}

publish() {
  local rid=${1:-linux-x64} out="$ROOT/artifacts/${1:-linux-x64}"
  deps
  dotnet publish src/ClassSR.Edge.Cli/ClassSR.Edge.Cli.csproj -c Release -r "$rid" -o "$out" -p:DebugType=none -nologo "${@:2}" \
    | tee "$ROOT/artifacts/publish-$rid.log" | grep -E "warning|error|->" || true
  if grep -qE "warning (IL|AOT)[0-9]+" "$ROOT/artifacts/publish-$rid.log"; then
    echo "build.sh: AOT/trim warnings in publish (see artifacts/publish-$rid.log)" >&2; exit 1
  fi
  # The package carries every platform's native library; keep only this one's.
  find "$out" -maxdepth 1 \( -name "*.dll" -o -name "*.dylib" -o -name "*.pdb" -o -name "*.dbg" \) -delete
  rm -rf "$out/models"; mkdir -p "$out/models"
  if [[ -f models-int8/manifest.json ]]; then cp models-int8/manifest.json models-int8/*.onnx "$out/models/"
  else echo "build.sh: models-int8/manifest.json missing: the binary has no models (run models-int8/recipe/make.sh)" >&2; fi
  echo "build.sh: published $out/classsr-edge"
}

count_tests() {
  # Prints the plain closing line 'N passed, N failed' from dotnet test's summaries.
  awk '/(Passed|Failed)!/ { for (i=1;i<=NF;i++) { if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
       END { gsub(",","",p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$1"
}

case "${1:-}" in
  deps) deps ;;
  publish) mkdir -p artifacts; publish "${2:-linux-x64}" ;;
  test)
    mkdir -p artifacts
    deps "${TEST_DEBS[@]}"
    models-int8/recipe/make.sh --quick
    publish linux-x64
    set +e
    dotnet test ClassSR.Edge.sln -c Release --nologo 2>&1 | tee artifacts/test.log
    rc=${PIPESTATUS[0]}
    set -e
    count_tests artifacts/test.log
    exit "$rc" ;;
  bench)
    mkdir -p artifacts
    deps libgtk-3-0
    dotnet run --project src/ClassSR.Edge.Bench -c Release -- "${@:2}" ;;
  soak)
    mkdir -p artifacts
    [[ -x artifacts/linux-x64/classsr-edge && -z "$(find src models-int8 -newer artifacts/linux-x64/classsr-edge -type f -print -quit)" ]] || publish linux-x64
    deps bc curl
    exec src/ClassSR.Edge.Bench/soak.sh "${@:2}" ;;
  run)
    mkdir -p artifacts
    [[ -x artifacts/linux-x64/classsr-edge && -z "$(find src models-int8 -newer artifacts/linux-x64/classsr-edge -type f -print -quit)" ]] || publish linux-x64
    exec artifacts/linux-x64/classsr-edge run "${@:2}" ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
