#!/bin/sh
# tools/make-default-model.sh: the bundled default model from a training run,
# every step that docs/MODEL_CARD.md quotes:
#
#   tools/make-default-model.sh [RUN_DIR | CHECKPOINT.pt] [ENCODER] [SEGMENTER]
#
# RUN_DIR (default /work/runs/camvid256, the v2 run) holds train.py's
# latest.pt; a .pt file names the checkpoint itself (the copy
# tools/check-checkpoint.sh kept of one that passed, while training goes on).
# ENCODER (/work/runs/encoder256/encoder.pt) is train_encoder.py's result at
# the model's size, or the model file a train.py --init-from run went on
# from (its encoder and prototypes are carried over: export.py
# --carry-from); SEGMENTER (training/judges/camvid-segmenter.pt) is the
# CamVid evaluation segmenter. CB_MODEL_NAME names the model in its card.
#  1. export.py: EMA generator + discriminator + encoder, F16, to a temporary file
#  2. evaluate.py on CamVid val: generated-image mIoU, real-photo mIoU, Fréchet
#  3. export.py again with those metrics in the model card, into
#     resources/models/default.safetensors
#  4. make_default_fixture.py: PyTorch's image for the C test
#  5. sample_grid.py: docs/images/default-grid.jpg
# Metrics and logs go to /work/runs/eval/.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
run=${1:-/work/runs/camvid256}
case $run in
*.pt) ck=$run ;;
*) ck=$run/latest.pt ;;
esac
encoder=${2:-/work/runs/encoder256/encoder.pt}
segmenter=${3:-training/judges/camvid-segmenter.pt}
data=../shared/datasets/camvid
py=/usr/bin/python3
# the encoder: train_encoder.py's .pt, or the model file a run went on from
# (train.py --init-from), whose encoder and prototypes are carried over
case $encoder in
*.safetensors) encoder_opt=--carry-from ;;
*) encoder_opt=--encoder ;;
esac
out=/work/runs/eval
mkdir -p "$out" docs/images
tmp=$out/default-unrated.safetensors

$py training/export.py "$ck" "$tmp" --f16 "$encoder_opt" "$encoder" --threads 2
$py training/evaluate.py --model "$tmp" --segmenter "$segmenter" --data "$data" --split val \
  --threads 2 --out "$out/default-val.json" --save-images "$out/default-val-images"
$py training/export.py "$ck" resources/models/default.safetensors --f16 \
  "$encoder_opt" "$encoder" --metrics "$out/default-val.json" --threads 2 \
  --name "${CB_MODEL_NAME:-Catbrush default v2: OASIS 256x192 on CamVid}"
$py training/make_default_fixture.py
$py training/sample_grid.py --model resources/models/default.safetensors --data "$data" \
  --split val --rows 6 --seed 3 --scale 1 -o docs/images/default-grid.jpg
ls -l resources/models/default.safetensors
cat "$out/default-val.json"
