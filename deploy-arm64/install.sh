#!/usr/bin/env bash
# Installs classsr-edge as a systemd service on a board without dpkg (or where a .deb is not wanted), from a
# published folder (artifacts/linux-arm64 of ./build.sh publish-arm64, copied to the board). Run as root on the board.
#   sudo deploy-arm64/install.sh [--from DIR] [--prefix /usr/local] [--no-start]
#   sudo deploy-arm64/install.sh --uninstall [--purge] [--prefix /usr/local]
# Layout under PREFIX as the .deb has it under /usr: bin/classsr-edge, lib/classsr-edge/libonnxruntime.so,
# share/classsr-edge/models/; /etc/classsr-edge/config.json is written only if absent (an edited one is kept).
# DESTDIR=/some/root stages the files there instead, without touching users or systemd (for packaging and tests).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
from=$(dirname "$here")/artifacts/linux-arm64
prefix=/usr/local
action=install start=1 purge=0
while (($#)); do
  case $1 in
    --from) from=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    --uninstall) action=uninstall; shift ;;
    --purge) purge=1; shift ;;
    *) sed -n '2,9p' "$0" >&2; exit 2 ;;
  esac
done
dest=${DESTDIR:-}
unit=$dest/etc/systemd/system/classsr-edge.service
live=1; [[ -z $dest ]] || live=0
if ((live)); then
  [[ $(id -u) == 0 ]] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
  [[ -d /run/systemd/system ]] || { echo "install.sh: systemd is not running here; use DESTDIR= to stage the files" >&2; exit 1; }
fi

if [[ $action == uninstall ]]; then
  if ((live)); then systemctl disable --now classsr-edge.service 2>/dev/null || true; fi
  rm -f "$unit" "$dest$prefix/bin/classsr-edge" "$dest/usr/lib/sysusers.d/classsr-edge.conf"
  rm -rf "$dest$prefix/lib/classsr-edge" "$dest$prefix/share/classsr-edge" "$dest$prefix/share/doc/classsr-edge"
  ((purge)) && rm -rf "$dest/etc/classsr-edge"
  if ((live)); then systemctl daemon-reload; fi
  echo "install.sh: removed classsr-edge$( ((purge)) && echo ' and its configuration' || echo '; /etc/classsr-edge kept (--purge removes it)')"
  exit 0
fi

for f in classsr-edge libonnxruntime.so models/manifest.json; do
  [[ -f $from/$f ]] || { echo "install.sh: $from/$f missing (./build.sh publish-arm64, or --from DIR)" >&2; exit 1; }
done
if ((live)); then
  machine=$(uname -m)
  file_machine=$(od -An -t u2 -j 18 -N 2 "$from/classsr-edge" | tr -d ' ')
  case "$machine:$file_machine" in
    aarch64:183|x86_64:62) ;;
    *) echo "install.sh: $from/classsr-edge (ELF machine $file_machine) does not run on this $machine" >&2; exit 1 ;;
  esac
fi
install -D -m 755 "$from/classsr-edge" "$dest$prefix/bin/classsr-edge"
install -D -m 644 "$from/libonnxruntime.so" "$dest$prefix/lib/classsr-edge/libonnxruntime.so"
rm -rf "$dest$prefix/share/classsr-edge/models"
install -d -m 755 "$dest$prefix/share/classsr-edge/models"
install -m 644 "$from"/models/*.* "$dest$prefix/share/classsr-edge/models/"
if [[ -d $from/models/x2 ]]; then install -d -m 755 "$dest$prefix/share/classsr-edge/models/x2"; install -m 644 "$from"/models/x2/* "$dest$prefix/share/classsr-edge/models/x2/"; fi
[[ -f $dest/etc/classsr-edge/config.json ]] || install -D -m 644 "$here/config.json" "$dest/etc/classsr-edge/config.json"
install -D -m 644 "$here/classsr-edge.sysusers" "$dest/usr/lib/sysusers.d/classsr-edge.conf"
# The unit names /usr/bin and /usr/share, the .deb's paths; this install lives under PREFIX.
install -d -m 755 "$(dirname "$unit")"
sed -e "s|/usr/bin/classsr-edge|$prefix/bin/classsr-edge|g" \
    -e "s|/usr/share/classsr-edge/models|$prefix/share/classsr-edge/models|g" \
    -e "s|/usr/share/doc/classsr-edge|$prefix/share/doc/classsr-edge|g" \
    "$here/classsr-edge.service" > "$unit"
chmod 644 "$unit"
install -D -m 644 "$here/README.md" "$dest$prefix/share/doc/classsr-edge/README.md"

if ((live)); then
  systemd-sysusers classsr-edge.conf
  "$prefix/bin/classsr-edge" check-config /etc/classsr-edge/config.json
  systemctl daemon-reload
  if ((start)); then systemctl enable --now classsr-edge.service; else systemctl enable classsr-edge.service; fi
fi
echo "install.sh: installed classsr-edge under $dest$prefix$( ((live && start)) && echo '; started: systemctl status classsr-edge')"
