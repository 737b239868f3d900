#!/bin/sh
# tools/measure-snapshot.sh: the model card's measures of one snapshot of a
# training run, as one row of the card's stage tables.
#
#   tools/measure-snapshot.sh RUN_DIR ITER [CARRY_FROM]
#
# Exports RUN_DIR/iter_ITER.pt (ITER "latest" takes latest.pt) as F16 with
# the encoder and prototypes of CARRY_FROM (default RUN_DIR/v2-2500.safetensors,
# the model file a train.py --init-from run went on from), then runs on
# CamVid val: evaluate.py (mIoU, Fréchet distance), spectrum.py (upper half,
# whole-frame and per-class 2-D excess) at --seed-base 0, 1000 and 2000 with
# seed_spread.py's mean and spread of the texture rows over the three,
# diversity.py (seeds, the 101 maps) and patch_c2st.py (local texture told
# from photos', per class): the bundle rule's rows (docs/MODEL_CARD.md).
# The JSON and the text of each land in /work/runs/eval/RUN-ITER-*, named by
# the run's folder, so that two runs' snapshots do not overwrite each other.
# About 7 minutes on two idle cores of an AMD EPYC Zen 4.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 RUN_DIR ITER [CARRY_FROM]" >&2; exit 2; }
run=$1
iter=$2
carry=${3:-$run/v2-2500.safetensors}
py=/usr/bin/python3
data=../shared/datasets/camvid
case $iter in
latest) ck=$run/latest.pt ;;
*) ck=$run/iter_$(printf %07d "$iter").pt ;;
esac
[ -f "$ck" ] || { echo "$0: no snapshot $ck (train.py --snapshot-every writes iter_NNNNNNN.pt)" >&2; exit 1; }
[ -f "$carry" ] || { echo "$0: no model file $carry to carry the encoder from" >&2; exit 1; }
out=/work/runs/eval
mkdir -p "$out"
tag=$out/$(basename "$run")-$iter
model=$tag.safetensors

$py training/export.py "$ck" "$model.tmp" --f16 --carry-from "$carry" --threads 2 > /dev/null
mv "$model.tmp" "$model"
$py training/evaluate.py --model "$model" --segmenter training/judges/camvid-segmenter.pt \
  --data $data --split val --threads 2 --out "$tag-val.json" > "$tag-val.txt"
for base in 0 1000 2000; do
  $py training/spectrum.py --data $data --split val --model "$model" --threads 2 \
    --seed-base $base --out "$tag-spec-$base.json" > "$tag-spec-$base.txt"
done
$py training/seed_spread.py "$tag-spec-0.json" "$tag-spec-1000.json" "$tag-spec-2000.json" \
  > "$tag-spread.txt"
$py training/diversity.py --data $data --split val --model "$model" \
  --threads 2 > "$tag-div.txt"
$py training/patch_c2st.py --data $data --model "$model" --threads 2 \
  --out "$tag-c2st.json" > "$tag-c2st.txt"

# one row: mIoU (ratio) | Fréchet | upper half | whole-frame peak and
# prominence | per-class peak | per-class prominence (seed base 0; the
# three-base means follow, from seed_spread.py) | seeds (101 maps)
$py - "$tag" "$iter" <<'EOF'
import json, sys
tag, it = sys.argv[1], sys.argv[2]
v = json.load(open(tag + "-val.json"))
spec = json.load(open(tag + "-spec-0.json"))[-1]
div = [l for l in open(tag + "-div.txt") if l.startswith("| ") and "model" not in l][-1]
px, col = [c.strip() for c in div.strip().strip("|").split("|")][-2:]
order = ["sky", "building", "road", "pavement", "tree"]
cls = spec["classes"]


def per_class(key):
    return " / ".join("%+.1f" % cls[c][key] if c in cls else "—" for c in order)


print("| %s | %.3f (%.2f) | %.2f | %.2f | %+.1f at (%.3f, %.3f); %+.1f | %s | %s | %s / %s |"
      % (it, v["miou_generated"], v["miou_generated"] / v["miou_real"],
         v["frechet_segmenter"], spec["upper_mean_abs_db"], spec["peak2d_db"],
         abs(spec["peak2d_fx"]), abs(spec["peak2d_fy"]), spec["prominence_db"],
         per_class("peak_db"), per_class("prominence_db"), px, col))
print("per class (%s): %s" % (", ".join(order), ", ".join(
    "%s %+.1f at (%.3f, %.3f), prominence %+.1f at (%.3f, %.3f)"
    % (c, e["peak_db"], abs(e["fx"]), abs(e["fy"]), e["prominence_db"],
       abs(e["prominence_fx"]), abs(e["prominence_fy"]))
    for c, e in cls.items())))
print("streaks, horizontal / vertical: whole frame %+.1f / %+.1f; %s"
      % (spec["streaks_h_db"], spec["streaks_v_db"], ", ".join(
          "%s %+.1f / %+.1f" % (c, cls[c]["streaks_h_db"], cls[c]["streaks_v_db"])
          for c in order if c in cls)))
c2 = json.load(open(tag + "-c2st.json"))[-1]["accuracy"]
print("local texture told from photos (patch_c2st.py, %%; real vs real 52): %s"
      % ", ".join("%s %.1f" % (k, a) for k, a in c2.items()))
EOF
cat "$tag-spread.txt"
