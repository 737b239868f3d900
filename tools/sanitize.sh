#!/bin/sh
# Builds Catbrush with AddressSanitizer + UndefinedBehaviorSanitizer into
# ./build-asan (gcc; CC=clang works too) and runs the whole `meson test`
# suite under Xvfb, leak checking on. Third-party leaks are suppressed by
# tests/lsan.supp (each one explained in docs/RELIABILITY.md); any other
# leak, memory error or undefined behaviour fails its test. Ends with the
# summary line "N passed, N failed, N skipped"; non-zero on any failure.
#
#   tools/sanitize.sh [MESON TEST ARGS...]     e.g. tools/sanitize.sh --suite io
#
# Environment: SANITIZE_BUILD (the build folder, default build-asan).
set -eu
"$(dirname "$0")/setup.sh"
cd "$(dirname "$0")/.."
build="${SANITIZE_BUILD:-build-asan}"

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
fi
nice -n 5 ninja -C "$build" -j2

# fast_unwind_on_malloc=0: GLib, json-glib, GTK and Mesa are built without
# frame pointers; the slow unwinder gives whole stacks, which the
# suppressions need to match library frames.
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30:detect_stack_use_after_return=0:strict_string_checks=0:check_initialization_order=1:abort_on_error=0"
root="$(pwd)"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/ubsan.supp"
# GLib's slice allocator hides leaks and frees from ASan; gc-friendly clears
# freed pointers so that LeakSanitizer does not see stale references.
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly

status=0
start=$(date +%s)
xvfb-run -a -s "-screen 0 1280x800x24" nice -n 5 meson test -C "$build" --no-rebuild --print-errorlogs \
  --timeout-multiplier 4 "$@" || status=$?
end=$(date +%s)
echo "sanitizer suite: $((end - start)) s"
python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "TIMEOUT": 0, "ERROR": 0, "EXPECTEDFAIL": 0, "UNEXPECTEDPASS": 0}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            r = json.loads(line)["result"]
            counts[r] = counts.get(r, 0) + 1
failed = counts["FAIL"] + counts["TIMEOUT"] + counts["ERROR"] + counts["UNEXPECTEDPASS"]
print(f"{counts['OK'] + counts['EXPECTEDFAIL']} passed, {failed} failed, {counts['SKIP']} skipped")
PY
exit $status
