#!/usr/bin/env bash
# Runs an arm64 program on an x86-64 machine under qemu-user, as the tests do and as a developer without a board can.
#   deploy-arm64/qemu/run.sh [--cpu cortex-a72|cortex-a76] PROGRAM [ARGS...]
# cortex-a72 is a Raspberry Pi 4 (no int8 dot product), cortex-a76 a Raspberry Pi 5 (asimddp); the default is a76.
#
# ONNX Runtime parses /proc/cpuinfo when it starts and crashes on the x86 host's, so the program gets the ARM cpuinfo
# of the emulated core, bind-mounted in a private mount namespace. Exit status 77 means that namespace could not be
# made here (no root and no user namespaces); the tests then skip with this script's message.
# Libraries: Debian's arm64 cross packages (libc, libstdc++) and artifacts/arm64-sysroot (libssl3, for .NET's SHA-256),
# which `./build.sh publish-arm64` unpacks.
set -euo pipefail
cpu=cortex-a76
if [[ ${1:-} == --cpu ]]; then cpu=$2; shift 2; fi
(($#)) || { sed -n '2,3p' "$0" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
cpuinfo=$here/cpuinfo-$cpu
[[ -f $cpuinfo ]] || { echo "qemu/run.sh: no cpuinfo for '$cpu' (have: $(cd "$here" && ls cpuinfo-* | sed 's/cpuinfo-//' | tr '\n' ' '))" >&2; exit 2; }
command -v qemu-aarch64-static >/dev/null || { echo "qemu/run.sh: qemu-aarch64-static is not installed (apt-get install qemu-user-static)" >&2; exit 2; }
[[ -d /usr/aarch64-linux-gnu/lib ]] || { echo "qemu/run.sh: no arm64 libc in /usr/aarch64-linux-gnu (./build.sh publish-arm64 installs it)" >&2; exit 2; }
sysroot=${CLASSSR_ARM64_SYSROOT:-$(dirname "$(dirname "$here")")/artifacts/arm64-sysroot}
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu QEMU_CPU=$cpu
export LD_LIBRARY_PATH=$sysroot/usr/lib/aarch64-linux-gnu

# As root a plain mount namespace will do; otherwise try a user namespace that maps us to root inside it.
for flags in -m -rm; do
  if unshare $flags -- mount --bind "$cpuinfo" /proc/cpuinfo 2>/dev/null; then
    exec unshare $flags -- sh -c 'mount --bind "$0" /proc/cpuinfo && exec qemu-aarch64-static "$@"' "$cpuinfo" "$@"
  fi
done
echo "qemu/run.sh: cannot make a private mount namespace to give ONNX Runtime an ARM /proc/cpuinfo (needs root or unprivileged user namespaces)" >&2
exit 77
