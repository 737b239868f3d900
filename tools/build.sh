#!/bin/sh
# Configures (once) and builds Catbrush into ./build.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
