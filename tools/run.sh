#!/bin/sh
# Sets up, builds and opens Catbrush on the bundled default model.
set -eu
here="$(dirname "$0")"
"$here/setup.sh"
"$here/build.sh"
cd "$here/.."
if [ -x build/app/gui/catbrush ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  exec build/app/gui/catbrush "$@"
fi
# No display (or no GUI yet): show what the CLI makes of the bundled model.
build/app/cli/catbrush-cli generate --labels ../shared/datasets/camvid/labels/0016E5_07959.png -o catbrush-out.png "$@"
echo "Wrote catbrush-out.png"
