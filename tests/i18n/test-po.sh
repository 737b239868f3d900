#!/bin/sh
# Checks that the app is translatable: po/POTFILES.in names files that exist,
# every app/gui source that marks strings with _( or N_( (clang-format
# writes “_ (”) and every .ui file with
# translatable strings is listed, and xgettext over the list (as the build's
# catbrush-pot target runs it) extracts known strings from C, .ui, desktop
# and metainfo files.
# Usage: test-po.sh SOURCE_DIR XGETTEXT
set -eu

src=$1
xgettext=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

potfiles="$src/po/POTFILES.in"
[ -f "$potfiles" ] || fail "po/POTFILES.in is missing"
grep -v '^#' "$potfiles" | grep -v '^[[:space:]]*$' >"$tmp/listed"
while read -r f; do
  [ -f "$src/$f" ] || fail "po/POTFILES.in lists $f, which does not exist"
done <"$tmp/listed"
echo "ok: every file in POTFILES.in exists"

cd "$src"
for f in app/gui/*.c resources/ui/*.ui; do
  if grep -q -E -e '(^|[^A-Za-z0-9_])N?_ ?\(' -e 'translatable="yes"' "$f" && ! grep -qx "$f" "$tmp/listed"; then
    fail "$f has translatable strings but is not in po/POTFILES.in (add it)"
  fi
done
echo "ok: every app/gui file with _( and every .ui file with translatable strings is listed"

# the keywords of meson's i18n 'glib' preset
"$xgettext" --package-name=catbrush --from-code=UTF-8 --directory="$src" --files-from="$potfiles" \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
  --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 --output="$tmp/catbrush.pot" ||
  fail "xgettext failed over po/POTFILES.in"

expect () {
  grep -qF "msgid \"$1\"" "$tmp/catbrush.pot" || fail "the catalogue lacks \"$1\" ($2)"
}
expect "Restore the unsaved painting?" "cb-window.c, an alert"
expect "Export Label Map as Colours" "cb-window.c, a file chooser title"
expect "_Close" "cb-alert.c"
expect "Target Example Folder" "cb-finetune-dialog.c"
expect "_Open…" "cb-menus.ui"
expect "Open a project or a label map" "cb-shortcuts.c and cb-window.ui"
expect "Semantic Image Painter" "the desktop file"
n=$(grep -c '^msgid "' "$tmp/catbrush.pot")
[ "$n" -ge 300 ] || fail "only $n messages were extracted; expected several hundred"
echo "ok: xgettext extracts $n messages, among them known ones from C, .ui and desktop files"
grep -q 'resources/org.catbrush.Catbrush.metainfo.xml' "$tmp/catbrush.pot" ||
  fail "nothing was extracted from the metainfo file"
echo "ok: the metainfo file's texts are in the catalogue"
