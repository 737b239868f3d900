#!/bin/sh
# Compiles the GTK >= 4.10 branch of cb-alert.c and cb-file-chooser.c
# (GtkAlertDialog, GtkFileDialog) with the project's warnings as errors,
# against the 4.10 declarations in gtk-4-10/gtk/gtk.h: Debian 12 has only
# GTK 4.8, so the build itself compiles the 4.8 branch only.
# Usage: test-gtk-4-10-branch.sh SOURCE_DIR BUILD_DIR CC [CC ARGS…]
set -eu

src=$1
build=$2
shift 2
command -v pkg-config >/dev/null || { echo "# pkg-config is missing"; exit 77; }
for f in cb-alert cb-file-chooser; do
  "$@" -std=c11 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -Wno-unused-parameter -Wmissing-prototypes \
    -Wstrict-prototypes -D_GNU_SOURCE -DGDK_VERSION_MIN_REQUIRED=GDK_VERSION_4_8 \
    -I"$src/tests/app/gtk-4-10" -I"$src" -I"$build" $(pkg-config --cflags gtk4) "$src/app/gui/$f.c" ||
    { echo "FAIL: the GTK >= 4.10 branch of app/gui/$f.c does not compile" >&2; exit 1; }
  # the shim must have switched the branch: the 4.10 calls are in the preprocessed file
  "$@" -std=c11 -E -D_GNU_SOURCE -I"$src/tests/app/gtk-4-10" -I"$src" -I"$build" $(pkg-config --cflags gtk4) \
    "$src/app/gui/$f.c" | grep -q -e 'gtk_alert_dialog_choose (' -e 'gtk_file_dialog_open (' ||
    { echo "FAIL: app/gui/$f.c: the GTK >= 4.10 branch was not selected" >&2; exit 1; }
  echo "ok: app/gui/$f.c compiles for GTK >= 4.10"
done
