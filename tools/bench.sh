#!/bin/sh
# tools/bench.sh: the generator's forward pass on every backend and in PyTorch,
# same model, weights, label map, noise and thread count; one table with ratios
# (docs/PERFORMANCE.md).
#
#   tools/bench.sh [--synthetic ade20k | --model M] [--labels L.png] [--size WxH]
#                  [--runs N] [--threads N] [--backends "vulkan cpu"] [--profile]
#                  [--build DIR] [--logs DIR]
#
# Without --model or --synthetic: the bundled model. A CPU row can name its
# kernels or precision: cpu:avx512, cpu:avx2, cpu:portable (CATBRUSH_CPU_ISA),
# cpu:bf16 (CATBRUSH_CPU_PRECISION=bf16), e.g. --backends "cpu cpu:avx2 cpu:bf16".
#
# A synthetic model is written once (catbrush-cli bench --save-synthetic) and
# PyTorch loads that file; the other backends make the same weights again
# (the synthetic weights are seeded; a synthetic model's label maps are read
# by id, not by its made-up colours). A backend that fails (no
# Vulkan device, no CPU backend yet) is reported as such; the rest still run.
# Totals come from runs without per-op timestamps (--no-profile); with
# --profile the timed runs record them (per-op tables in the logs; Vulkan
# then serialises its ops, which costs little on lavapipe), for runs too
# long to repeat.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
model=""
synthetic=""
labels="/work/shared/datasets/camvid/labels/0016E5_07959.png"
size=""
runs=3
threads=2
backends="vulkan cpu"
profile=0
logs=""
python=/usr/bin/python3

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --synthetic) synthetic="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --labels) labels="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --backends) backends="$2"; shift 2 ;;
    --profile) profile=1; shift ;;
    --build) build="$2"; shift 2 ;;
    --logs) logs="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; usage 2 >&2 ;;
  esac
done

cli="$build/app/cli/catbrush-cli"
if [ ! -x "$cli" ]; then
  echo "bench.sh: $cli not found: build first (ninja -C build)" >&2
  exit 1
fi
if [ -z "$model" ] && [ -z "$synthetic" ]; then
  model="$here/resources/models/default.safetensors"
  if [ ! -f "$model" ]; then
    echo "bench.sh: no bundled model ($model): give --model M or --synthetic NAME" >&2
    exit 2
  fi
fi
if [ -n "$labels" ] && [ ! -f "$labels" ]; then
  echo "bench.sh: label map $labels not found; using the CLI's stripes" >&2
  labels=""
fi
[ -n "$logs" ] || logs=$(mktemp -d /tmp/catbrush-bench-XXXXXX)
mkdir -p "$logs"

# the same number of threads everywhere: the CPU backend, lavapipe, torch (OpenMP)
export CATBRUSH_CPU_THREADS="$threads" LP_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"
# OpenMP's spinning waits cost PyTorch dearly on a shared machine
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

common=""
[ -n "$labels" ] && common="$common --labels $labels"
[ -n "$size" ] && common="$common --size $size"
weights="$model"
[ -n "$synthetic" ] && weights="$logs/$synthetic.safetensors"

median() { sed -n 's/^Total: *median \([0-9.]*\) ms.*/\1/p' "$1" | tail -n 1; }
describe() { sed -n 's/^Backend: *//p' "$1" | head -n 1; }

results="$logs/results.txt"
: >"$results"
for b in $backends; do
  backend=${b%%:*}
  variant=""
  [ "$backend" != "$b" ] && variant=${b#*:}
  isa_env="${CATBRUSH_CPU_ISA:-}" prec_env="${CATBRUSH_CPU_PRECISION:-}"
  case "$variant" in
    "") ;;
    avx512|avx2|portable) isa_env="$variant" ;;
    bf16|fp32) prec_env="$variant" ;;
    *) echo "bench.sh: unknown variant $b (cpu:avx512, cpu:avx2, cpu:portable, cpu:bf16)" >&2; exit 2 ;;
  esac
  log="$logs/$(echo "$b" | tr ':' '-').log"
  if [ -n "$synthetic" ] && [ ! -f "$weights" ]; then
    src="--synthetic $synthetic --save-synthetic $weights"
  elif [ -n "$synthetic" ]; then
    src="--synthetic $synthetic"
  else
    src="--model $weights"
  fi
  prof="--no-profile"
  [ $profile -eq 1 ] && prof=""
  echo "== $b: ${variant:+CATBRUSH_CPU_ISA=$isa_env CATBRUSH_CPU_PRECISION=$prec_env }catbrush-cli bench $src $common --backend $backend --runs $runs $prof" >&2
  # shellcheck disable=SC2086
  CATBRUSH_CPU_ISA="$isa_env" CATBRUSH_CPU_PRECISION="$prec_env" \
    "$cli" bench $src $common --backend "$backend" --runs "$runs" $prof >"$log" 2>&1
  rc=$?
  ms=$(median "$log")
  if [ $rc -ne 0 ] || [ -z "$ms" ]; then
    echo "   failed (exit $rc): $(tail -n 1 "$log")" >&2
    printf '%s\t%s\t%s\n' "$b" "-" "failed: $(tail -n 1 "$log")" >>"$results"
    continue
  fi
  echo "   median $ms ms" >&2
  printf '%s\t%s\t%s\n' "$b" "$ms" "$(describe "$log")" >>"$results"
done

torch_ms=""
if [ -f "$weights" ]; then
  tlog="$logs/pytorch.log"
  targs="--model $weights --threads $threads --runs $runs"
  [ -n "$labels" ] && targs="$targs --labels $labels"
  [ -n "$size" ] && targs="$targs --size $size"
  echo "== pytorch: training/bench_torch.py $targs" >&2
  # shellcheck disable=SC2086
  if "$python" "$here/training/bench_torch.py" $targs >"$tlog" 2>&1; then
    torch_ms=$(median "$tlog")
    echo "   median $torch_ms ms ($(sed -n 's/^Conv: *//p' "$tlog"))" >&2
  else
    echo "   failed: $(tail -n 1 "$tlog")" >&2
  fi
else
  echo "== pytorch: skipped, no model file (every backend failed before writing it)" >&2
fi

echo
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Flags:   $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|avx512_vnni|amx_tile|amx_bf16)$' | tr '\n' ' ')"
echo "Model:   ${synthetic:-$model}${size:+ at $size}; labels: ${labels:-stripes}; threads: $threads; runs: $runs (median)"
[ -n "$torch_ms" ] && echo "PyTorch: $(sed -n 's/^Torch: *//p' "$logs/pytorch.log"); conv: $(sed -n 's/^Conv: *//p' "$logs/pytorch.log")"
echo
printf '%-12s %12s %14s  %s\n' "backend" "median ms" "vs PyTorch" "device"
while IFS="$(printf '\t')" read -r b ms what; do
  if [ "$ms" = "-" ]; then
    printf '%-12s %12s %14s  %s\n' "$b" "-" "-" "$what"
  elif [ -n "$torch_ms" ]; then
    printf '%-12s %12s %13sx  %s\n' "$b" "$ms" "$(awk -v t="$torch_ms" -v m="$ms" 'BEGIN { printf "%.2f", t / m }')" "$what"
  else
    printf '%-12s %12s %14s  %s\n' "$b" "$ms" "-" "$what"
  fi
done <"$results"
[ -n "$torch_ms" ] && printf '%-12s %12s %13sx  %s\n' "pytorch" "$torch_ms" "1.00" "training/bench_torch.py"
echo
echo "(vs PyTorch: PyTorch's time / this time; above 1 is faster than PyTorch. Logs: $logs)"
