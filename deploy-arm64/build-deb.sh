#!/usr/bin/env bash
# Packs artifacts/linux-arm64 (./build.sh publish-arm64) into artifacts/classsr-edge_<version>_arm64.deb with dpkg-deb.
#   deploy-arm64/build-deb.sh [PUBLISH_DIR [OUT_DIR]]
# Layout: /usr/bin/classsr-edge, /usr/lib/classsr-edge/libonnxruntime.so (found by the binary relative to itself),
# /usr/share/classsr-edge/models/, /etc/classsr-edge/config.json (a conffile: kept on upgrade), the systemd unit,
# the sysusers.d entry for the service user, docs. Check it with `lintian artifacts/classsr-edge_*_arm64.deb`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
in=${1:-$root/artifacts/linux-arm64}
out=${2:-$root/artifacts}
# The package's contact; set CLASSSR_MAINTAINER to a real address when publishing to an apt repository.
maintainer=${CLASSSR_MAINTAINER:-ClassSR.Edge developers <classsr-edge@example.org>}
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")
[[ -n $version ]] || { echo "build-deb.sh: no <Version> in Directory.Build.props" >&2; exit 1; }

for f in classsr-edge libonnxruntime.so models/manifest.json; do
  [[ -f $in/$f ]] || { echo "build-deb.sh: $in/$f missing (run ./build.sh publish-arm64)" >&2; exit 1; }
done
# A package that says arm64 must hold nothing else.
for f in "$in/classsr-edge" "$in/libonnxruntime.so"; do
  file -b "$f" | grep -q "ARM aarch64" || { echo "build-deb.sh: $f is not an arm64 ELF: $(file -b "$f")" >&2; exit 1; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/classsr-edge
doc=$pkg/usr/share/doc/classsr-edge
install -D -m 755 "$in/classsr-edge" "$pkg/usr/bin/classsr-edge"
install -D -m 644 "$in/libonnxruntime.so" "$pkg/usr/lib/classsr-edge/libonnxruntime.so"
# Both come stripped; the compilers' .comment notes are all that is left to drop, as dh_strip would.
aarch64-linux-gnu-strip --remove-section=.comment "$pkg/usr/bin/classsr-edge" "$pkg/usr/lib/classsr-edge/libonnxruntime.so"
install -d -m 755 "$pkg/usr/share/classsr-edge/models"
install -m 644 "$in"/models/*.* "$pkg/usr/share/classsr-edge/models/"
if [[ -d $in/models/x2 ]]; then install -d -m 755 "$pkg/usr/share/classsr-edge/models/x2"; install -m 644 "$in"/models/x2/* "$pkg/usr/share/classsr-edge/models/x2/"; fi
install -D -m 644 "$here/config.json" "$pkg/etc/classsr-edge/config.json"
install -D -m 644 "$here/classsr-edge.service" "$pkg/lib/systemd/system/classsr-edge.service"
install -D -m 644 "$here/classsr-edge.sysusers" "$pkg/usr/lib/sysusers.d/classsr-edge.conf"
install -D -m 644 "$here/debian/copyright" "$doc/copyright"
install -m 644 "$here/README.md" "$doc/README.md"
install -m 644 "$here/debian/udev-rules.md" "$doc/udev-rules.md"
install -D -m 644 "$here/debian/lintian-overrides" "$pkg/usr/share/lintian/overrides/classsr-edge"
install -d -m 755 "$pkg/usr/share/man/man1"
gzip -9n < "$here/debian/classsr-edge.1" > "$pkg/usr/share/man/man1/classsr-edge.1.gz"
chmod 644 "$pkg/usr/share/man/man1/classsr-edge.1.gz"
# The changelog is the version's own entry; the date is the last commit's, so the same tree packs the same bytes.
when=$(git -C "$root" log -1 --format=%cD 2>/dev/null || date -R)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
printf 'classsr-edge (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
  "$version" "$commit" "$maintainer" "$when" | gzip -9n > "$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"

install -d -m 755 "$pkg/DEBIAN"
for s in postinst prerm postrm; do install -m 755 "$here/debian/$s" "$pkg/DEBIAN/$s"; done
echo /etc/classsr-edge/config.json > "$pkg/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s|@MAINTAINER@|$maintainer|" "$here/debian/control" > "$pkg/DEBIAN/control"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 644 "$pkg/DEBIAN/conffiles" "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/classsr-edge_${version}_arm64.deb
SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s) \
  dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "build-deb.sh: $deb ($(du -h "$deb" | cut -f1))"
