#!/bin/sh
# tools/run-comparison-gpu.sh: the fine-tuned runs of the few-shot
# comparison (docs/RESULTS.md) on a GPU machine lent for minutes: first a
# 5-iteration run through the whole path (fails fast), then many runs at
# once (training/compare_batch.py), most wanted first, with a deadline.
# Fine-tuning runs on the GPU in fp32 (no TF32); the judge runs on the CPU.
#
#   tools/run-comparison-gpu.sh OUTDIR [JOBS] [LAUNCH_UNTIL_S] [DEADLINE_S]
#
# Expects .gpu/labelmefacade (a copy of ../shared/datasets/labelmefacade)
# and .gpu/profiles/PRIOR-SHOTS.json (the profiles of the CPU rows, made by
# `catbrush-cli affinity`); writes OUTDIR/gpu-results.tar.gz (result files,
# logs, grids) and OUTDIR/batch.log. Unpack the archive into
# /work/runs/compare and run tools/run-comparison.sh to record the results.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
out=$1
# 15 at once ran at 1.7 it/s each on an H200 (session 6) and did not finish
# 1000 iterations in 470 s; 10 at once should, at about 2.6 it/s each
jobs=${2:-10}
launch_until=${3:-300}
deadline=${4:-480}
results=/tmp/compare-gpu
export PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out" "$results"
nvidia-smi -L || true
python3 -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__, torch.cuda.get_device_name(0))'

common="--device cuda --threads 1 --source resources/models/default.safetensors
--segmenter training/judges/labelmefacade-segmenter.pt
--data .gpu/labelmefacade --profiles .gpu/profiles"

# shellcheck disable=SC2086 # $common is a list of options
python3 training/compare_batch.py $common --jobs 1 --results /tmp/compare-smoke \
  --iters 5 --extra "--limit 4 --eval-limit 4 --bn-batches 2" cat-text:25 \
  || { tail -40 /tmp/compare-smoke/*.log; exit 1; }

# the rows the table lacks; the CPU rows again on the GPU; more seeds
runs="scratch:25 cat-text:100 cat-seg:100 cat-vision:100 cat-text:25 cat-seg:25 cat-vision:25
cat-combined:100 ft-random:100 cat-combined:25 ft-random:25
cat-combined:100:2 ft-random:100:2 cat-combined:25:2 ft-random:25:2
cat-combined:100:3 ft-random:100:3 cat-combined:25:3 ft-random:25:3
scratch:100
cat-text:100:2 cat-seg:100:2 cat-vision:100:2 cat-text:25:2 cat-seg:25:2 cat-vision:25:2
scratch:100:2 scratch:25:2
cat-text:100:3 cat-seg:100:3 cat-vision:100:3 cat-text:25:3 cat-seg:25:3 cat-vision:25:3
scratch:100:3 scratch:25:3"

# shellcheck disable=SC2086
python3 training/compare_batch.py $common --jobs "$jobs" --results "$results" \
  --launch-until "$launch_until" --deadline "$deadline" $runs \
  2>&1 | tee "$out/batch.log" || true
nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv || true
# without the run folders (checkpoints, also ones still being written by a
# run stopped at the deadline), images and models: what comes back is small
tar czf "$out/gpu-results.tar.gz" -C "$results" --exclude images \
  --exclude run --exclude model.safetensors .
ls -la "$out"
