#!/bin/sh
# tools/gpu-pack.sh: packs what tools/gpu-vulkan.sh needs on a machine
# without network or Debian packages (the lent GPU machine) into
# .gpu/bundle.tar.gz: the CLI and the Vulkan op tests from ./build, the
# Vulkan loader, vulkaninfo, the Khronos validation layer, and every shared
# library they load that is not the C library's own (GLib, json-glib, libpng,
# libjpeg, libzip, ...), taken from this machine (Debian 12).
#
#   tools/gpu-pack.sh [--build DIR] [--no-validation]
#
# Then name .gpu in the device tool's carry (the folder is in .gitignore).
# The bundle is ~16 MB, gzip (every image has gzip, not every one xz); the
# validation layer is half of it (--no-validation leaves it out). The
# binaries need a glibc at least as new as Debian 12's.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
validation=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --no-validation) validation=0; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-pack.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

bins="$build/app/cli/catbrush-cli $build/tests/render/test-vk-ops $build/tests/render/test-vk-gather
      $build/tests/render/test-vk-device"
for b in $bins; do
  if [ ! -x "$b" ]; then
    echo "gpu-pack.sh: $b not found: build first (tools/build.sh)" >&2
    exit 1
  fi
done
libdir=/usr/lib/x86_64-linux-gnu
layer="$libdir/libVkLayer_khronos_validation.so"
layer_json=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
vulkaninfo=$(command -v vulkaninfo || true)
for f in "$libdir/libvulkan.so.1" "$vulkaninfo"; do
  if [ -z "$f" ] || [ ! -e "$f" ]; then
    echo "gpu-pack.sh: ${f:-vulkaninfo} missing: apt-get install libvulkan1 vulkan-tools" >&2
    exit 1
  fi
done
if [ $validation -eq 1 ] && [ ! -f "$layer" ]; then
  echo "gpu-pack.sh: $layer missing: apt-get install vulkan-validationlayers, or --no-validation" >&2
  exit 1
fi

stage=$(mktemp -d /tmp/catbrush-gpu-pack-XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/lib-fallback" "$stage/layers"
# shellcheck disable=SC2086
cp $bins "$vulkaninfo" "$stage/bin/"
cp -L "$libdir/libvulkan.so.1" "$stage/lib/"
objs="$bins $vulkaninfo $libdir/libvulkan.so.1"
if [ $validation -eq 1 ]; then
  cp "$layer" "$stage/lib/"
  cp "$layer_json" "$stage/layers/"
  objs="$objs $layer"
fi
# what they load, less the C library (the target's own must be used)
# shellcheck disable=SC2086
ldd $objs 2>/dev/null | awk '/=> \// { print $3 }' | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|ld-linux*|libresolv.so.*) ;;
    # the target's own are newer where it has them (the NVIDIA driver may need them)
    libstdc++.so.*|libgcc_s.so.*) cp -L "$lib" "$stage/lib-fallback/" ;;
    *) cp -L "$lib" "$stage/lib/" ;;
  esac
done
{
  echo "packed: $(date -u '+%Y-%m-%d %H:%M UTC') from $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
  # shellcheck disable=SC1091
  echo "on: $(. /etc/os-release && echo "$PRETTY_NAME"), glibc $(ldd --version | head -n 1 | awk '{ print $NF }')"
  echo "validation layer: $([ $validation -eq 1 ] && echo yes || echo no)"
} >"$stage/PACKED"

mkdir -p "$here/.gpu"
tar -C "$stage" -czf "$here/.gpu/bundle.tar.gz" .
echo "gpu-pack.sh: $here/.gpu/bundle.tar.gz, $(du -h "$here/.gpu/bundle.tar.gz" | cut -f1); carry .gpu"
