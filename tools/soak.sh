#!/bin/sh
# tools/soak.sh: the long soak test (docs/RELIABILITY.md, issue 9)
#
#   tools/soak.sh [-n N] [--synthetic camvid128] [--backends "cpu vulkan"] [--build DIR]
#
# Runs `catbrush-cli soak` (N generations, default 1000, with changing label
# maps, seeds and profiles on the tiny fixture model, or a synthetic model)
# on each backend and prints its table; exits non-zero when any run fails
# (a failed generation, a validation message, memory growth after the
# warm-up). Vulkan runs twice: once with the Khronos validation layer on
# (every message fails its generation; host memory is reported but not
# judged, because the layer's own bookkeeping grows with every plan made),
# once without it, where host memory is judged (the default tolerance,
# 4 MiB). Device memory is judged in both. On lavapipe, 1000 generations of
# the tiny model take about 2 minutes per run.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
n=1000
model_args="--model $here/tests/fixtures/tiny-model.safetensors"
backends="cpu vulkan"

while [ $# -gt 0 ]; do
  case "$1" in
    -n|--iterations) n=$2; shift 2 ;;
    --synthetic) model_args="--synthetic $2"; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: $0 [-n N] [--synthetic camvid128] [--backends \"cpu vulkan\"] [--build DIR]" >&2; exit 2 ;;
  esac
done

ninja -C "$build" app/cli/catbrush-cli >/dev/null || exit 1
cli="$build/app/cli/catbrush-cli"
status=0

run() {
  label=$1; shift
  echo "== $label: $*"
  start=$(date +%s)
  if "$@"; then result=PASS; else result=FAIL; status=1; fi
  echo "== $label: $result ($(($(date +%s) - start)) s)"
  echo
}

for backend in $backends; do
  case "$backend" in
    vulkan)
      run "vulkan, validation on" env CATBRUSH_VK_VALIDATION=1 "$cli" soak $model_args -n "$n" -b vulkan \
        --host-tolerance 1048576
      run "vulkan, validation off" env CATBRUSH_VK_VALIDATION=0 "$cli" soak $model_args -n "$n" -b vulkan ;;
    *)
      run "$backend" "$cli" soak $model_args -n "$n" -b "$backend" ;;
  esac
done
exit $status
