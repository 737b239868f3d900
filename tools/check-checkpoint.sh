#!/bin/sh
# tools/check-checkpoint.sh: is the running CamVid training ready to be
# bundled? Exports a copy of its latest checkpoint (G, D, encoder; F16),
# evaluates it on CamVid val with the evaluation segmenter (issue 4's bar:
# generated-image mIoU at least half of the real photos'), and runs the
# affinity-default test on it (issue 6's criteria), then prints one line,
# also appended to /work/runs/eval/checkpoints.tsv. A checkpoint that passes
# both is kept as /work/runs/eval/pass-ITER.pt: bundle it with
# tools/make-default-model.sh /work/runs/eval/pass-ITER.pt.
#
#   tools/check-checkpoint.sh [RUN_DIR] [ENCODER] [SEGMENTER]
#
# Needs a configured ./build. About two minutes on two cores.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
run=${1:-/work/runs/camvid256}
encoder=${2:-/work/runs/encoder256/encoder.pt}
segmenter=${3:-training/judges/camvid-segmenter.pt}
py=/usr/bin/python3
# the encoder: train_encoder.py's .pt, or the model file a run went on from
# (train.py --init-from), whose encoder and prototypes are carried over
case $encoder in
*.safetensors) encoder_opt=--carry-from ;;
*) encoder_opt=--encoder ;;
esac
out=/work/runs/eval
mkdir -p "$out"
ck=$out/check.pt
model=$out/check.safetensors

cp "$run/latest.pt" "$ck.tmp" && mv "$ck.tmp" "$ck"
iter=$($py -c "import torch, sys; print(torch.load(sys.argv[1], map_location='cpu')['iter'])" "$ck")
$py training/export.py "$ck" "$model" --f16 "$encoder_opt" "$encoder" --threads 2 > /dev/null
$py training/evaluate.py --model "$model" --segmenter "$segmenter" --data ../shared/datasets/camvid \
  --split val --threads 2 --out "$out/check-$iter.json" > /dev/null
metrics=$($py -c "
import json, sys
d = json.load(open(sys.argv[1]))
g, r = d['miou_generated'], d['miou_real']
print('%.3f\t%.3f\t%.2f\t%.2f\t%s' % (g, r, g / r, d['frechet_segmenter'], 'pass' if g >= r / 2 else 'FAIL'))
" "$out/check-$iter.json")
if CATBRUSH_MODEL=$model meson test -C build affinity-default > "$out/check-$iter-affinity.txt" 2>&1; then
  affinity=pass
else
  affinity=FAIL
fi
seg=$(grep -o 'segmentation prior: [0-9] of 6 top-1' build/meson-logs/testlog.txt | head -1 || true)
line=$(printf '%s\t%s\t%s\t%s' "$iter" "$metrics" "$affinity" "$seg")
[ -f "$out/checkpoints.tsv" ] ||
  printf 'iteration\tmiou_generated\tmiou_real\tratio\tfrechet\tbar\taffinity_default\tseg_prior\n' > "$out/checkpoints.tsv"
printf '%s\n' "$line" >> "$out/checkpoints.tsv"
# keep a checkpoint that passes both, for tools/make-default-model.sh
if [ "$affinity" = pass ] && [ "${metrics##*	}" = pass ]; then
  cp "$ck" "$out/pass-$iter.pt"
fi
printf 'iteration %s: gen mIoU %s (bar %s), affinity-default %s (%s)\n' "$iter" \
  "$(echo "$metrics" | cut -f1)" "$(echo "$metrics" | cut -f5)" "$affinity" "$seg"
