#!/bin/bash
# tools/gpu-vulkan.sh: the Vulkan backend on a lent GPU machine, in one run
# (issue 21; docs/PERFORMANCE.md, "The GPU-run script").
#
#   tools/gpu-vulkan.sh [--short] [--allow-cpu-device] [--torch-device cuda|cpu]
#                       [--out DIR] [--budget SECONDS] [--runs N] [--rehearse]
#
# Prepare here: tools/build.sh, then tools/gpu-pack.sh (writes .gpu/, which
# the device tool carries: the run's command is just `tools/gpu-vulkan.sh`
# with carry [".gpu"]). The machine has no network and no Debian packages:
# the CLI, the Vulkan op tests, the Vulkan loader, vulkaninfo, the validation
# layer and the CLI's libraries come from .gpu/bundle.tar.gz; without it,
# ./build and the system's libraries are used.
#
# Steps, each under a timeout, all within --budget (default 450 s):
#  1. vulkaninfo --summary, catbrush-cli devices (and nvidia-smi -L); when no
#     Vulkan device is a GPU, again with NVIDIA's ICD file named; still none:
#     a message, exit 3 (--allow-cpu-device: go on with lavapipe);
#  2. the Vulkan op tests (test-vk-device, -gather, -ops), validation on
#     when the layer travelled;
#  3. the bundled model and the ADE20K-shaped synthetic model on Vulkan fp32
#     and fp16 against the CPU reference (bundled) or the CPU backend (ADE20K;
#     the reference would take minutes): max and mean |Δ| / max |ref|;
#  4. a tools/bench.sh-style table: Vulkan fp32/fp16 and the CPU backend
#     beside PyTorch eager fp32 and fp16 autocast (training/bench_torch.py
#     --device cuda), then tools/bench-ops.sh's single ops.
# Writes $OUT/summary.txt (what is printed) and $OUT/logs.tar.gz.
#
# --rehearse = --short --allow-cpu-device --torch-device cpu: the same steps
# on lavapipe with small sizes and PyTorch on the CPU standing in for CUDA.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
out="${OUT:-/tmp/catbrush-gpu-out}"
short=0
allow_cpu=0
torch_dev=cuda
budget=450
runs=""
# the python with torch and numpy: the GPU image's first on PATH, Debian's here
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import numpy, torch' >/dev/null 2>&1; then
    python=$p
    break
  fi
done
[ -n "$python" ] || python=python3

while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1; shift ;;
    --allow-cpu-device) allow_cpu=1; shift ;;
    --torch-device) torch_dev="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --rehearse) short=1; allow_cpu=1; torch_dev=cpu; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-vulkan.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$runs" ] || runs=$([ $short -eq 1 ] && echo 1 || echo 20)

start=$(date +%s)
mkdir -p "$out"
logs=$(mktemp -d /tmp/catbrush-gpu-logs-XXXXXX)
work=$(mktemp -d /tmp/catbrush-gpu-work-XXXXXX) # the synthetic model (~100 MB): not in the logs
summary="$out/summary.txt"
: >"$summary"
trap 'tar -C "$logs" -czf "$out/logs.tar.gz" . 2>/dev/null; rm -rf "$work" "$logs"' EXIT

say() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - ($(date +%s) - start))); }
# step NAME LIMIT CMD...: runs CMD into $logs/NAME.log under min(LIMIT, time left)
step() {
  local name=$1 limit=$2 l rc t0
  shift 2
  l=$(left)
  if [ "$l" -lt 15 ]; then
    say "  $name: skipped, the time budget (${budget} s) is spent"
    return 124
  fi
  [ "$limit" -gt "$l" ] && limit=$l
  t0=$(date +%s)
  timeout -k 5 "$limit" "$@" >"$logs/$name.log" 2>&1
  rc=$?
  [ $rc -eq 124 ] && say "  $name: stopped after ${limit} s (timeout)"
  echo "# exit $rc after $(($(date +%s) - t0)) s" >>"$logs/$name.log"
  return $rc
}

say "== catbrush gpu-vulkan.sh $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC')"
say "   mode: $([ $short -eq 1 ] && echo short || echo full), torch on $torch_dev, budget ${budget} s, runs $runs"
say "   python: $python ($("$python" -c 'import torch; print("torch", torch.__version__)' 2>&1 | tail -n 1))"
say "   machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores"

# --- the bundle -------------------------------------------------------------
validation=0
if [ -f "$here/.gpu/bundle.tar.gz" ]; then
  b=/tmp/catbrush-gpu-bundle
  rm -rf "$b" && mkdir -p "$b" && tar -C "$b" -xzf "$here/.gpu/bundle.tar.gz"
  cli="$b/bin/catbrush-cli"
  tests="$b/bin"
  vulkaninfo="$b/bin/vulkaninfo"
  export LD_LIBRARY_PATH="$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  for l in libstdc++.so.6 libgcc_s.so.1; do
    ldconfig -p 2>/dev/null | grep -q "$l " || { LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$b/lib-fallback"; break; }
  done
  if [ -f "$b/layers/VkLayer_khronos_validation.json" ]; then
    export VK_LAYER_PATH="$b/layers"
    validation=1
  fi
  say "   bundle: .gpu/bundle.tar.gz ($(head -n 1 "$b/PACKED"))"
else
  cli="$here/build/app/cli/catbrush-cli"
  tests="$here/build/tests/render"
  vulkaninfo=$(command -v vulkaninfo || echo vulkaninfo)
  [ -f /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ] && validation=1
  say "   bundle: none, ./build and the system's libraries"
fi
if [ ! -x "$cli" ]; then
  say "STOP: $cli is missing: run tools/build.sh and tools/gpu-pack.sh here first"
  exit 1
fi
model="$here/resources/models/default.safetensors"

# --- 1. does Vulkan see the GPU? ----------------------------------------------
say ""
say "== 1. devices"
command -v nvidia-smi >/dev/null 2>&1 && say "   nvidia-smi: $(nvidia-smi -L 2>&1 | head -n 2 | tr '\n' ' ')"
gpu_seen() {
  step vulkaninfo 60 "$vulkaninfo" --summary
  step devices 60 "$cli" devices
  grep -q 'type:' "$logs/devices.log" && grep 'type:' "$logs/devices.log" | grep -vq 'CPU device'
}
found=0
if gpu_seen; then
  found=1
else
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
             /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$icd" ] || continue
    say "   no GPU among the Vulkan devices: again with VK_DRIVER_FILES=$icd"
    export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
    if gpu_seen; then
      found=1
      break
    fi
    unset VK_DRIVER_FILES VK_ICD_FILENAMES
    gpu_seen >/dev/null
  done
fi
sed -n '/^Devices:/,$p' "$logs/vulkaninfo.log" | grep -E 'deviceName|deviceType|driverName|driverInfo|apiVersion' |
  sed 's/^/   /' | tee -a "$summary"
sed 's/^/   /' "$logs/devices.log" | grep -v '^   # exit' | tee -a "$summary"
if [ $found -eq 0 ]; then
  if [ $allow_cpu -eq 0 ]; then
    say "STOP: no Vulkan device is a GPU (see vulkaninfo.log; tried the loader's defaults and NVIDIA's ICD files)."
    say "      The GPU part of issue 21 stops here; record this in docs/PERFORMANCE.md."
    exit 3
  fi
  say "   no GPU: --allow-cpu-device, going on with the CPU device (a rehearsal)"
fi

# --- 2. the Vulkan op tests ---------------------------------------------------
say ""
say "== 2. Vulkan op tests (validation layer: $([ $validation -eq 1 ] && echo on || echo 'not available'))"
export CB_SOURCE_DIR="$here" G_DEBUG=fatal-criticals CATBRUSH_VK_VALIDATION=$validation
for t in test-vk-device test-vk-gather test-vk-ops; do
  args="--tap"
  # lavapipe takes minutes over the whole of test-vk-ops: a sample of it
  [ $short -eq 1 ] && [ $t = test-vk-ops ] && args="--tap -p /render/vk/embed -p /render/vk/spade-norm -p /render/vk/graph"
  # shellcheck disable=SC2086
  step "$t" 240 "$tests/$t" $args
  rc=$?
  say "   $t: exit $rc, $(grep -c '^ok' "$logs/$t.log") ok, $(grep -c '^not ok' "$logs/$t.log") not ok, $(grep -c '# SKIP' "$logs/$t.log") skipped"
  grep -E '^not ok|^Bail out|ERROR|CRITICAL' "$logs/$t.log" | head -n 5 | sed 's/^/     /' | tee -a "$summary"
done
export CATBRUSH_VK_VALIDATION=0

# --- 3 and 4. models: errors and times ---------------------------------------
compare() {
  "$python" - "$1" "$2" <<'EOF'
import sys
import numpy as np
a, r = np.load(sys.argv[1]), np.load(sys.argv[2])
scale = max(float(np.abs(r).max()), 1e-12)
d = np.abs(a.astype(np.float64) - r)
print("max %.2e  mean %.2e" % (d.max() / scale, d.mean() / scale))
EOF
}
median() { sed -n 's/^Total: *median \([0-9.]*\) ms.*/\1/p' "$1" | tail -n 1; }

# run_model TAG SRC SIZE REF_BACKEND: CLI rows and torch rows, one table
run_model() {
  local tag=$1 src=$2 size=$3 refb=$4 weights=$5 sizeopt="" refms t p rows="$logs/$1-rows.txt"
  [ -n "$size" ] && sizeopt="--size $size"
  : >"$rows"
  say ""
  say "== 3/4. $tag ${size:+at $size }(reference: $refb backend)"
  # shellcheck disable=SC2086
  step "$tag-ref" 240 "$cli" bench $src $sizeopt --backend "$refb" -n 1 --no-profile --save-output "$logs/$tag-ref.npy"
  refms=$(median "$logs/$tag-ref.log")
  printf '%-22s %12s  %s\n' "$refb (reference)" "${refms:--}" "$(sed -n 's/^Backend: *//p' "$logs/$tag-ref.log")" >>"$rows"
  for p in 0 1; do
    t="$tag-vulkan-fp$([ $p -eq 1 ] && echo 16 || echo 32)"
    # shellcheck disable=SC2086
    step "$t" 120 env CATBRUSH_FP16=$p "$cli" bench $src $sizeopt --backend vulkan -n "$runs" --no-profile \
      --save-output "$logs/$t.npy"
    if [ -f "$logs/$t.npy" ] && [ -f "$logs/$tag-ref.npy" ]; then
      err=$(compare "$logs/$t.npy" "$logs/$tag-ref.npy" 2>&1 | tail -n 1)
    else
      err="no output: $(grep -v '^# exit' "$logs/$t.log" | tail -n 1)"
    fi
    printf '%-22s %12s  vs %s: %s\n' "vulkan fp$([ $p -eq 1 ] && echo 16 || echo 32)" "$(median "$logs/$t.log")" \
      "$refb" "$err" >>"$rows"
  done
  if [ "$refb" != cpu ]; then
    # shellcheck disable=SC2086
    step "$tag-cpu" 120 "$cli" bench $src $sizeopt --backend cpu -n "$runs" --no-profile
    printf '%-22s %12s  %s\n' "cpu" "$(median "$logs/$tag-cpu.log")" "$(sed -n 's/^Backend: *//p' "$logs/$tag-cpu.log")" >>"$rows"
  fi
  for p in fp32 fp16; do
    [ "$torch_dev" = cpu ] && [ $p = fp16 ] && continue # CPU autocast has no fp16
    t="$tag-torch-$p"
    # shellcheck disable=SC2086
    step "$t" 120 "$python" "$here/training/bench_torch.py" --model "$weights" ${size:+--size $size} --runs "$runs" \
      --device "$torch_dev" --precision $p --threads "$(nproc)"
    printf '%-22s %12s  %s\n' "torch $torch_dev $p" "$(median "$logs/$t.log")" \
      "$(sed -n 's/^Device: *//p; s/^Torch: *\([^,]*\),.*/torch \1/p' "$logs/$t.log" | head -n 1)$(grep -v '^# exit' "$logs/$t.log" | grep -m1 -E 'Error|error:' | cut -c1-100)" >>"$rows"
  done
  printf '   %-22s %12s  %s\n' "backend" "median ms" "device / error" | tee -a "$summary"
  sed 's/^/   /' "$rows" | tee -a "$summary"
}

vk_desc=$("$cli" bench --op conv,k=1,cin=1,cout=1,size=1x1 --backend vulkan -n 1 2>&1 | sed -n 's/^Backend: *//p')
say ""
say "   Vulkan device used: ${vk_desc:-none}"
run_model default "--model $model" "$([ $short -eq 1 ] && echo 64x64)" reference "$model"
run_model ade20k-synthetic "--synthetic ade20k --save-synthetic $work/ade20k.safetensors" \
  "$([ $short -eq 1 ] && echo 64x64)" cpu "$work/ade20k.safetensors"
say "   (median ms over $runs run(s), no per-op timestamps; errors: max and mean |Δ| / max |reference| on y ∈ [-1, 1])"

# --- 4b. single ops -----------------------------------------------------------
say ""
say "== 4b. single ops (tools/bench-ops.sh)"
torch_ops="$torch_dev"
[ "$torch_dev" = cuda ] && torch_ops="cuda cuda:fp16"
# shellcheck disable=SC2046
step bench-ops 150 env PYTHON="$python" "$here/tools/bench-ops.sh" --cli "$cli" --backends "vulkan cpu" --torch "$torch_ops" \
  --runs $([ $short -eq 1 ] && echo 2 || echo 10) --threads "$(nproc)" $([ $short -eq 1 ] && echo --short)
grep -v '^# exit' "$logs/bench-ops.log" | sed 's/^/   /' | tee -a "$summary"

say ""
say "== done in $(($(date +%s) - start)) s; logs in logs.tar.gz"
exit 0
