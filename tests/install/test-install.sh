#!/bin/sh
# Installs the build into a temporary prefix, moves that prefix elsewhere and
# checks that the installed catbrush-cli finds its bundled model there, never
# in the source tree, and that the desktop and AppStream files validate.
# Usage: test-install.sh MESON BUILD_DIR SOURCE_DIR CONFIGURED_DATADIR
# Exit 77 (skip) when a validator is missing, after the other checks.
set -eu

meson=$1
build=$2
src=$3
configured_datadir=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

if ! "$meson" install -C "$build" --no-rebuild --destdir "$tmp/stage" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  fail "meson install --destdir failed"
fi

# The staged prefix is wherever bin/catbrush-cli landed; move it, so that
# only a lookup relative to the program can find the data.
cli=$(find "$tmp/stage" -path '*/bin/catbrush-cli' -type f | head -n 1)
[ -n "$cli" ] || fail "catbrush-cli was not installed"
mv "$(dirname "$(dirname "$cli")")" "$tmp/moved"
prefix="$tmp/moved"

need () {
  found=$(find "$prefix" -path "*/$1" | head -n 1)
  [ -n "$found" ] || fail "$1 was not installed under the prefix"
  echo "$found"
}
need bin/catbrush-cli >/dev/null
model=$(need catbrush/models/default.safetensors)
for set in ade20k cityscapes cocostuff; do
  need "catbrush/classes/$set.json" >/dev/null
done
need catbrush/training/finetune.py >/dev/null
if [ -f "$build/app/gui/catbrush" ]; then
  need bin/catbrush >/dev/null
  desktop=$(need applications/org.catbrush.Catbrush.desktop)
  metainfo=$(need metainfo/org.catbrush.Catbrush.metainfo.xml)
  need icons/hicolor/scalable/apps/org.catbrush.Catbrush.svg >/dev/null
fi

# Run from elsewhere, with no hint of the source tree; hide the tree itself
# where a private mount namespace is allowed, except under the sanitizers
# (tools/sanitize.sh), whose preload and suppression files live in the tree.
mkdir "$tmp/run"
# A 32×24 grey label map of CamVid ids 0..10 in bands (grey: no palette to match).
python3 - "$tmp/run/labels.png" <<'PY'
import struct, sys, zlib
w, h = 32, 24
rows = b"".join(b"\0" + bytes((x * 11 // w) for x in range(w)) for _ in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
cd "$tmp/run"
hide=""
if [ -z "${LD_PRELOAD:-}${LSAN_OPTIONS:-}${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}" ] && unshare -r -m true 2>/dev/null; then
  hide="unshare -r -m sh -c 'mount -t tmpfs tmpfs \"\$0\" && exec \"\$@\"' $src"
  echo "# the source tree is hidden (tmpfs over $src)"
fi
run () {
  eval "env -u CB_SOURCE_DIR -u CATBRUSH_MODEL -u CATBRUSH_DATADIR $hide \"\$@\""
}
run "$prefix/bin/catbrush-cli" generate --backend cpu -l labels.png -o out.png >"$tmp/generate.log" 2>&1 \
  || { cat "$tmp/generate.log" >&2; fail "the installed catbrush-cli generate did not run on the bundled model"; }
[ -s out.png ] || fail "catbrush-cli generate wrote no image"
echo "ok: the installed catbrush-cli generated an image with $model"

# Without the installed model it must fail, not fall back to the source tree,
# which stays visible here (unless the configured datadir really holds a model
# on this machine).
if [ ! -e "$configured_datadir/models/default.safetensors" ]; then
  rm "$model"
  hide=""
  if run "$prefix/bin/catbrush-cli" generate --backend cpu -l labels.png -o out2.png >"$tmp/missing.log" 2>&1; then
    fail "with its model removed, the installed catbrush-cli still found one (the source tree?)"
  fi
  grep -q "no bundled default model" "$tmp/missing.log" || { cat "$tmp/missing.log" >&2; fail "unexpected error"; }
  echo "ok: without its installed model, catbrush-cli looks nowhere else"
fi

skip=0
if [ -n "${desktop:-}" ]; then
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$desktop" || fail "desktop-file-validate refused $desktop"
    echo "ok: desktop-file-validate accepts the desktop file"
  else
    echo "# desktop-file-validate is missing (apt install desktop-file-utils)"
    skip=1
  fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$metainfo" || fail "appstreamcli validate refused $metainfo"
    echo "ok: appstreamcli validate accepts the metainfo file"
  else
    echo "# appstreamcli is missing (apt install appstream)"
    skip=1
  fi
fi
[ "$skip" = 0 ] || exit 77
