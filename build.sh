#!/usr/bin/env bash
# ClassSR.Edge build driver. Installs what it needs from Debian on first use.
#   ./build.sh run        publish if needed, then start the main job
#   ./build.sh test       the whole test suite (recipe --quick, unit and end-to-end tests)
#   ./build.sh publish    native AOT linux-x64 into artifacts/linux-x64/
#   ./build.sh publish-arm64   cross-built native AOT linux-arm64 into artifacts/linux-arm64/
#   ./build.sh bench      the benchmark (figures printed, JSON written to artifacts/bench.json)
#   ./build.sh soak [S]   the daemon's start-to-first-frame and steady RSS over S seconds
#   ./build.sh hold       the frame-budget controller's figures: paced bench with and without a competing load
#   ./build.sh fuzz [N]   the parser fuzzing tests with N mutated inputs per parser (the test command runs a few thousand)
#   ./build.sh deb        the arm64 .deb from artifacts/linux-arm64 (deploy-arm64/build-deb.sh)
#   ./build.sh deps       install the Debian packages only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

DEBS=(clang lld zlib1g-dev libturbojpeg0-dev python3-torch python3-onnx python3-numpy python3-pil)
# Real clients for the end-to-end tests (ffmpeg; chromium renders the bench's HTML report); qemu, dpkg's and
# systemd's checkers for the arm64 build and package.
TEST_DEBS=(ffmpeg chromium qemu-user-static lintian file systemd)
# Debian's cross toolchain: the arm64 binary is linked here, never on a board.
ARM64_DEBS=(binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev-arm64-cross libstdc++-12-dev-arm64-cross)
ARM64_SYSROOT=$ROOT/artifacts/arm64-sysroot

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

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }

# arm64 files Debian ships only in arm64 packages, unpacked (never installed) into artifacts/arm64-sysroot:
# libturbojpeg.a, linked into the binary, and libssl3, which .NET's SHA-256 loads, for runs under qemu.
arm64_sysroot() {
  deps "${ARM64_DEBS[@]}"
  [[ -f $ARM64_SYSROOT/usr/lib/aarch64-linux-gnu/libturbojpeg.a && -f $ARM64_SYSROOT/usr/lib/aarch64-linux-gnu/libssl.so.3 ]] && return
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "build.sh: adding arm64 to apt's architectures (to download arm64 packages; nothing arm64 is installed)" >&2
    as_root dpkg --add-architecture arm64
    as_root apt-get update -qq
  fi
  local tmp; tmp=$(mktemp -d); chmod 755 "$tmp"
  # apt downloads as the _apt user, which must be able to write there.
  (cd "$tmp" && as_root chown _apt "$tmp" 2>/dev/null; apt-get download -q libturbojpeg0-dev:arm64 libssl3:arm64 >/dev/null)
  rm -rf "$ARM64_SYSROOT"; mkdir -p "$ARM64_SYSROOT"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$ARM64_SYSROOT"; done
  rm -rf "$tmp"
}

publish() {
  local rid=${1:-linux-x64} out="$ROOT/artifacts/${1:-linux-x64}"
  deps
  local rc=0
  dotnet publish src/ClassSR.Edge.Cli/ClassSR.Edge.Cli.csproj -c Release -r "$rid" -o "$out" -p:DebugType=none -nologo "${@:2}" \
    > "$ROOT/artifacts/publish-$rid.log" 2>&1 || rc=$?
  grep -E "warning|error|->" "$ROOT/artifacts/publish-$rid.log" || true
  if ((rc)) || grep -qE ": error " "$ROOT/artifacts/publish-$rid.log"; then
    echo "build.sh: publish for $rid failed (see artifacts/publish-$rid.log)" >&2; exit 1
  fi
  if grep -qE "(warning|error) (IL|AOT)[0-9]+" "$ROOT/artifacts/publish-$rid.log"; then
    echo "build.sh: AOT/trim warnings in publish (see artifacts/publish-$rid.log)" >&2; exit 1
  fi
  # The package carries every platform's native library; keep only this one's.
  find "$out" -maxdepth 1 \( -name "*.dll" -o -name "*.dylib" -o -name "*.pdb" -o -name "*.dbg" \) -delete
  # Execution-provider plumbing (CUDA, TensorRT...): the CPU provider is built into libonnxruntime.so.
  rm -f "$out/libonnxruntime_providers_shared.so"
  rm -rf "$out/models"; mkdir -p "$out/models"
  if [[ -f models-int8/manifest.json ]]; then
    cp models-int8/manifest.json models-int8/*.onnx "$out/models/"
    # The x2 set, where one has been made: models/x2/ (--scale 2 finds it there).
    if [[ -f models-int8/x2/manifest.json ]]; then mkdir -p "$out/models/x2"; cp models-int8/x2/manifest.json models-int8/x2/*.onnx "$out/models/x2/"; fi
  else echo "build.sh: models-int8/manifest.json missing: the binary has no models (run models-int8/recipe/make.sh)" >&2; fi
  echo "build.sh: published $out/classsr-edge"
}

publish_arm64() {
  arm64_sysroot
  publish linux-arm64 -p:TurboJpegStaticLib="$ARM64_SYSROOT/usr/lib/aarch64-linux-gnu/libturbojpeg.a"
}

count_tests() {
  # Prints the plain closing line 'N passed, N failed, N skipped' from dotnet test's summaries (minimal verbosity's
  # "Passed!/Failed!" lines, or normal verbosity's "Total tests" block).
  awk '/(Passed|Failed)!/ { m = 1; for (i=1;i<=NF;i++) { if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
       /^Total tests:/ { t = 1 } t && /^ +Passed: / { bp += $2 } t && /^ +Failed: / { bf += $2 } t && /^ +Skipped: / { bs += $2 }
       END { if (!m) { p = bp; f = bf; s = bs } gsub(",","",p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$1"
}

case "${1:-}" in
  deps) deps ;;
  publish) mkdir -p artifacts; publish "${2:-linux-x64}" ;;
  publish-arm64) mkdir -p artifacts; publish_arm64 ;;
  deb) exec deploy-arm64/build-deb.sh "${@:2}" ;;
  test)
    mkdir -p artifacts
    deps "${TEST_DEBS[@]}"
    if [[ -d ../shared/datasets ]]; then
      models-int8/recipe/make.sh --quick
      models-int8/recipe/make.sh --quick --scale 2
    else
      # A user's clone: the recipe trains on ../shared's datasets. Tests take the shipped models instead, and those
      # that need the datasets are skipped, each named at the end with why.
      echo "build.sh: no ../shared/datasets beside this clone: the recipe's --quick run is skipped; tests use the shipped models"
    fi
    publish linux-x64
    publish_arm64
    deploy-arm64/build-deb.sh
    # The k3s manifest's schema check runs under node; Debian's only where the machine has none.
    command -v npm >/dev/null || deps nodejs npm
    npm ci --prefix deploy-arm64/k3s --no-audit --no-fund --silent
    set +e
    dotnet test ClassSR.Edge.sln -c Release --nologo --logger "console;verbosity=normal" 2>&1 | tee artifacts/test.log | grep -v "^  Passed "
    rc=${PIPESTATUS[0]}
    set -e
    # One line per skipped test, with its reason (only a clone without ../shared skips any).
    awk '/\[SKIP\]$/ { name = $(NF - 1) } /needs .* from \.\.\/shared/ && name { sub(/^.*\] +/, ""); print "skipped: " name ": " $0; name = "" }' artifacts/test.log
    count_tests artifacts/test.log
    exit "$rc" ;;
  bench)
    mkdir -p artifacts
    deps libgtk-3-0 ffmpeg
    dotnet run --project src/ClassSR.Edge.DevBench -c Release -- "${@:2}" ;;
  fuzz)
    mkdir -p artifacts
    deps
    # The HTTP fuzzers serve a pipeline, on the recipe's --quick models as in the test command (the shipped ones
    # without ../shared).
    [[ ! -d ../shared/datasets ]] || models-int8/recipe/make.sh --quick
    CLASSSR_FUZZ_ITERATIONS=${2:-100000} dotnet test tests/ClassSR.Edge.Tests -c Release --nologo \
      --filter "FullyQualifiedName~ClassSR.Edge.Tests.Fuzz" --logger "console;verbosity=detailed" 2>&1 | grep -E "fuzz |Passed|Failed|error|Error Message" -A1 ;;
  hold)
    mkdir -p artifacts
    [[ -x artifacts/linux-x64/classsr-edge && -z "$(find src models-int8 -newer artifacts/linux-x64/classsr-edge -type f -print -quit)" ]] || publish linux-x64
    deps ffmpeg python3-pil
    exec src/ClassSR.Edge.Bench/hold.sh "${@:2}" ;;
  soak)
    mkdir -p artifacts
    [[ -x artifacts/linux-x64/classsr-edge && -z "$(find src models-int8 -newer artifacts/linux-x64/classsr-edge -type f -print -quit)" ]] || publish linux-x64
    deps bc curl
    exec src/ClassSR.Edge.Bench/soak.sh "${@:2}" ;;
  run)
    mkdir -p artifacts
    [[ -x artifacts/linux-x64/classsr-edge && -z "$(find src models-int8 -newer artifacts/linux-x64/classsr-edge -type f -print -quit)" ]] || publish linux-x64
    exec artifacts/linux-x64/classsr-edge run "${@:2}" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
