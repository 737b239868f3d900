#!/bin/sh
# Installs what Catbrush needs to build, run and test on Debian 12.
# Runs apt-get as root, through sudo when started as another user.
set -eu

PACKAGES="
  build-essential meson ninja-build pkg-config clang-format
  libglib2.0-dev libgtk-4-dev libjson-glib-dev libpng-dev libjpeg62-turbo-dev libzip-dev
  libvulkan-dev glslang-tools mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  wordnet-base wordnet-dev
  xvfb xauth appstream desktop-file-utils gettext
  clang libclang-rt-14-dev zlib1g-dev time
  python3 python3-torch python3-numpy python3-pil
"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
else
  SUDO="sudo"
fi
echo "Installing:$missing"
$SUDO apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
