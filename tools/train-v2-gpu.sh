#!/bin/sh
# tools/train-v2-gpu.sh OUTDIR [SECONDS]: one chunk of the default model v2's
# training (CamVid 256x192, docs/MODEL_CARD.md) on a lent GPU machine, at
# most SECONDS (default 540) of training, resumable across calls.
#
# Carried in .gpu/ (ignored by git, named in the device call's carry):
#   .gpu/camvid/             CamVid's train split, copied (a link would not
#                            travel; the whole dataset and the parts would
#                            not fit in the 64 MiB a call carries):
#     d=../shared/datasets/camvid; mkdir -p .gpu/camvid/images .gpu/camvid/labels
#     cp $d/classes.json $d/train.txt .gpu/camvid/
#     for s in $(cat $d/train.txt); do cp $d/images/$s.jpg .gpu/camvid/images/
#       cp $d/labels/$s.png .gpu/camvid/labels/; done
#   .gpu/v1-default.safetensors   the 128x96 model v2 grows from (first chunk)
#   .gpu/v2-parts/           the previous chunk's OUTDIR, if any: resumes it
# Writes to OUTDIR: ckpt-part-*.bin + ckpt-parts.json (the checkpoint in
# parts small enough to come back; training/ckpt_parts.py), log.txt and
# latest.png (the sample grid). Back here:
#   /usr/bin/python3 training/ckpt_parts.py unpack OUTDIR /work/runs/camvid256/latest.pt
# and the CPU run (training/README.md) resumes from it, or the next GPU
# chunk does after `cp -r OUTDIR .gpu/v2-parts`.
# Rehearse on the CPU with CB_TRAIN_DEVICE=cpu CB_TRAIN_LIMIT=8.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
out=$1
seconds=${2:-540}
device=${CB_TRAIN_DEVICE:-cuda}
run=${CB_TRAIN_RUN:-/tmp/camvid256}
export PYTHONUNBUFFERED=1 OMP_WAIT_POLICY=PASSIVE
py=python3
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null && py=/usr/bin/python3
mkdir -p "$out" "$run"
nvidia-smi -L 2>/dev/null || true
$py -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA")'
if [ -f .gpu/v2-parts/ckpt-parts.json ] && [ ! -f "$run/latest.pt" ]; then
  $py training/ckpt_parts.py unpack .gpu/v2-parts "$run/latest.pt"
fi
limit=""
[ -n "${CB_TRAIN_LIMIT:-}" ] && limit="--limit $CB_TRAIN_LIMIT --bn-batches 2"
# shellcheck disable=SC2086 # $limit is a list of options
$py training/train.py --data .gpu/camvid --split train --width 256 --height 192 \
  --grow-from .gpu/v1-default.safetensors --z-dim 64 --spade-hidden 64 \
  --batch 4 --iters 40000 --lr-g 1e-4 --lr-d 4e-4 --threads 4 \
  --device "$device" --max-seconds "$seconds" --out "$run" --resume $limit \
  2>&1 | tee -a "$out/log.txt"
$py training/ckpt_parts.py pack "$run/latest.pt" "$out"
cp "$run/samples/latest.png" "$out/latest.png" 2>/dev/null || true
nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv 2>/dev/null || true
ls -la "$out"
