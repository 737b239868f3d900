#!/bin/sh
# tools/precision-error.sh: the CPU backend in fp32 and in bf16
# (CATBRUSH_CPU_PRECISION=bf16), same model, label map, seed and threads:
# both medians and the error of the bf16 image per 8-bit value
# (docs/PERFORMANCE.md, "bf16").
#
#   tools/precision-error.sh [--synthetic ade20k | --model M] [--labels L.png]
#                            [--runs N] [--threads N] [--build DIR]
#
# Without --model or --synthetic: the bundled model.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
src="--model $here/resources/models/default.safetensors"
labels="/work/shared/datasets/camvid/labels/0016E5_07959.png"
runs=5
threads=2
python=/usr/bin/python3

while [ $# -gt 0 ]; do
  case "$1" in
    --synthetic) src="--synthetic $2"; shift 2 ;;
    --model) src="--model $2"; shift 2 ;;
    --labels) labels="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "precision-error.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cli="$build/app/cli/catbrush-cli"
[ -x "$cli" ] || { echo "precision-error.sh: $cli not found: build first" >&2; exit 1; }
[ -f "$labels" ] || { echo "precision-error.sh: label map $labels not found (--labels L.png)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/catbrush-precision-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export CATBRUSH_CPU_THREADS="$threads"
for p in fp32 bf16; do
  # shellcheck disable=SC2086
  CATBRUSH_CPU_PRECISION=$p "$cli" bench $src --labels "$labels" --backend cpu --runs "$runs" --no-profile \
    --save-output "$tmp/$p.npy" >"$tmp/$p.log" 2>&1 || { cat "$tmp/$p.log" >&2; exit 1; }
done

"$python" - "$tmp" <<'PY'
import sys

import numpy as np

tmp = sys.argv[1]


def median(name):
    for line in open(f"{tmp}/{name}.log"):
        if line.startswith("Total:"):
            return float(line.split()[2])
    raise SystemExit(f"no total in {name}.log")


def to_byte(v):
    # the generator's own conversion (cb-cpu-backend.c to_byte)
    u = np.clip((v.astype(np.float64) + 1.0) * 0.5, 0.0, 1.0)
    return np.floor(u * 255.0 + 0.5).astype(np.int32)


a, b = np.load(f"{tmp}/fp32.npy"), np.load(f"{tmp}/bf16.npy")
d = np.abs(to_byte(a) - to_byte(b))
fp, bf = median("fp32"), median("bf16")
backend = next(line.split(":", 1)[1].strip() for line in open(f"{tmp}/bf16.log") if line.startswith("Backend:"))
print(f"backend (bf16 run): {backend}")
print(f"{'fp32 ms':>10} {'bf16 ms':>10} {'speed-up':>9} {'max err':>8} {'mean err':>9} {'values > 2':>11}")
print(f"{fp:10.1f} {bf:10.1f} {fp / bf:8.2f}x {d.max():8d} {d.mean():9.3f} {100.0 * (d > 2).mean():10.3f}%")
print("(error: |fp32 - bf16| per 8-bit value of the RGB image; values > 2: share of them)")
PY
