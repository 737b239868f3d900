#!/bin/sh
# Sets up, builds and runs every test: lavapipe as the Vulkan device, the
# Khronos validation layer on, Xvfb for the UI tests. Ends with the summary
# line "N passed, N failed, N skipped".
set -eu
here="$(dirname "$0")"
"$here/setup.sh"
"$here/build.sh"
cd "$here/.."
status=0
xvfb-run -a -s "-screen 0 1280x800x24" meson test -C build --print-errorlogs "$@" || status=$?
python3 - build/meson-logs/testlog.json <<'PY'
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
