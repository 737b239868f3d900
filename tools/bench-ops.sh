#!/bin/sh
# tools/bench-ops.sh: single-op timings (catbrush-cli bench --op) on each backend
# beside PyTorch (training/bench_op.py) on the same shapes; one table
# (docs/PERFORMANCE.md, "Single ops").
#
#   tools/bench-ops.sh [--ops "SPEC SPEC ..."] [--short] [--backends "cpu vulkan"]
#                      [--torch "cpu cpu:bf16" | "cuda cuda:fp16"] [--runs N]
#                      [--threads N] [--build DIR | --cli PATH]
#
# Default ops: the ADE20K generator's kinds of work at 256² (OASIS shapes);
# --short: small shapes, for a rehearsal or a slow device (lavapipe).
# A backend or torch device that fails prints its error in the row; the
# rest still run. "vs torch" is PyTorch's first --torch entry's median over
# this row's median (above 1: faster than PyTorch).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
cli=""
ops=""
short=0
backends="cpu vulkan"
torch_devs="cpu"
runs=5
threads=2
# $PYTHON, else the first python with torch: PATH's (the GPU image's), Debian's
python="${PYTHON:-}"
if [ -z "$python" ]; then
  for p in python3 /usr/bin/python3; do
    "$p" -c 'import torch' >/dev/null 2>&1 && { python=$p; break; }
  done
  [ -n "$python" ] || python=/usr/bin/python3
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --ops) ops="$2"; shift 2 ;;
    --short) short=1; shift ;;
    --backends) backends="$2"; shift 2 ;;
    --torch) torch_devs="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --cli) cli="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-ops.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -z "$ops" ]; then
  if [ $short -eq 1 ]; then
    ops="conv,k=3,cin=256,cout=256,size=16x16 conv,k=3,cin=64,cout=64,size=64x64
         conv,k=1,cin=128,cout=64,size=64x64 spade,c=128,size=64x64
         gather,rows=152,cin=216,cout=128,size=32x32"
  else
    # ADE20K OASIS at 256²: the 1024-channel start blocks, the middle, the
    # wide-image end, a shortcut, a normalisation and a label-map conv
    ops="conv,k=3,cin=1024,cout=1024,size=16x16 conv,k=3,cin=256,cout=256,size=64x64
         conv,k=3,cin=64,cout=64,size=256x256 conv,k=1,cin=256,cout=128,size=128x128
         spade,c=256,size=64x64 gather,rows=152,cin=216,cout=128,size=128x128"
  fi
fi

[ -n "$cli" ] || cli="$build/app/cli/catbrush-cli"
if [ ! -x "$cli" ]; then
  echo "bench-ops.sh: $cli not found: build first (tools/build.sh)" >&2
  exit 1
fi
export CATBRUSH_CPU_THREADS="$threads" LP_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# glibc hands PyTorch's CPU tensors (> 128 KiB) back to the kernel when freed,
# so eager ops pay page faults on every call (25 ms instead of 0.6 for a
# 128×64² SPADE): keep freed memory, as the CPU backend keeps its arena
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-4294967296}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"

row() { grep -A1 '^op ' | tail -n 1; }
line() { printf '%-46s %-16s %10s %10s %10s %9s %9s\n' "$@"; }

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for b in $backends; do
  echo "$b: $("$cli" bench --op conv,k=1,cin=1,cout=1,size=1x1 --backend "$b" -n 1 2>&1 | sed -n 's/^Backend: *//p; s/^catbrush-cli: //p' | head -n 1)"
done
for t in $torch_devs; do
  dev=${t%%:*} prec=fp32
  [ "$dev" != "$t" ] && prec=${t#*:}
  echo "torch $t: $("$python" "$here/training/bench_op.py" --op conv,k=1,cin=1,cout=1,size=1x1 --device "$dev" --precision "$prec" -n 1 2>&1 | sed -n 's/^Torch: *//p' | head -n 1)"
done
echo "threads: $threads; runs: $runs (median, quartiles); op time: device timestamps (vulkan), per-op clock (cpu), events (cuda)"
echo
line "shape" "backend" "median_ms" "q1_ms" "q3_ms" "GMAC/s" "vs torch"
for op in $ops; do
  ref=""
  lines=""
  for t in $torch_devs; do
    dev=${t%%:*} prec=fp32
    [ "$dev" != "$t" ] && prec=${t#*:}
    out=$("$python" "$here/training/bench_op.py" --op "$op" --device "$dev" --precision "$prec" -n "$runs" --threads "$threads" 2>&1)
    r=$(echo "$out" | row)
    if echo "$out" | grep -q '^op '; then
      # shellcheck disable=SC2086
      set -- $r
      [ -z "$ref" ] && ref=$4
      vs=$(awk -v t="$ref" -v m="$4" 'BEGIN { if (m > 0) printf "%.2f", t / m; else print "-" }')
      lines="$lines$(line "$op" "torch-$t" "$4" "$5" "$6" "$7" "$vs")
"
    else
      lines="$lines$(printf '%-46s %-16s failed: %s' "$op" "torch-$t" "$(echo "$out" | tail -n 1)")
"
    fi
  done
  for b in $backends; do
    out=$("$cli" bench --op "$op" --backend "$b" -n "$runs" 2>&1)
    if echo "$out" | grep -q '^op '; then
      # shellcheck disable=SC2046
      set -- $(echo "$out" | row)
      vs="-"
      [ -n "$ref" ] && vs=$(awk -v t="$ref" -v m="$4" 'BEGIN { if (m > 0) printf "%.2f", t / m; else print "-" }')
      line "$op" "$b" "$4" "$5" "$6" "$7" "$vs"
    else
      printf '%-46s %-16s failed: %s\n' "$op" "$b" "$(echo "$out" | tail -n 1)"
    fi
  done
  printf '%s' "$lines"
done
