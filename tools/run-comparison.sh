#!/bin/sh
# tools/run-comparison.sh: runs the rows of the few-shot comparison
# (docs/RESULTS.md) that have no result file yet, one after the other, the
# ones that tell CAT from its baselines first; a row whose fine-tuning was
# interrupted (SIGTERM saves a checkpoint) continues from its checkpoint.
# Safe to start again in every session until the table is complete. After
# each row its result file goes to docs/results/compare/ and its sample grid
# to docs/images/compare/ (the run folders stay outside the repository), and
# the table in docs/RESULTS.md is rebuilt from docs/results/compare/.
#
#   tools/run-comparison.sh [RESULTS_DIR]      (default /work/runs/compare)
#
# Needs a configured ./build and /usr/bin/python3 with torch. About 55 min a
# fine-tuned row on two idle cores. Stop it with: kill -TERM -- -PGID
# (start it with setsid to have its own process group).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."
results=${1:-/work/runs/compare}
# The table's rows were made on v1 (the 128x96 model bundled before v2);
# rows added to it must use the same source: CB_COMPARE_SOURCE=v1's file.
source=${CB_COMPARE_SOURCE:-resources/models/default.safetensors}
py=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$results"

# METHOD:SHOTS[:SEED[:FLOOR]]; after the table's rows, CAT with the text
# prior from a floored matrix (finetune.py --init-floor; docs/RESULTS.md,
# "CAT with one prior"), the second seed of CAT at 25 shots (the pair that
# is within run-to-run variation), CAT with the combined prior from a
# floored matrix (whether the floor should be the default), then the other
# second seeds
rows="cat-combined:100 ft-random:100 scratch:100 cat-combined:25 ft-random:25 scratch:25
cat-text:100 cat-seg:100 cat-vision:100 cat-text:25 cat-seg:25 cat-vision:25
cat-text:100:1:0.1 cat-combined:25:2 cat-combined:100:1:0.1 cat-combined:25:1:0.1
ft-random:25:2 cat-combined:100:2 ft-random:100:2"

# done when its result file is here or committed; a seed-1 row also when
# its GPU run (tools/run-comparison-gpu.sh, name ending -cuda) is
done_already() {
  for n in "$@"; do
    if [ -f "$results/$n.json" ] || [ -f "docs/results/compare/$n.json" ]; then
      return 0
    fi
  done
  return 1
}

# the result files and grids of the finished rows into the repository, the table rebuilt
record() {
  mkdir -p docs/results/compare docs/images/compare
  for json in "$results"/*.json; do
    [ -f "$json" ] || continue
    name=$(basename "$json" .json)
    cp "$json" docs/results/compare/
    if [ -f "$results/$name/grid.png" ]; then
      $py -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2], quality=90)" \
        "$results/$name/grid.png" "docs/images/compare/$name.jpg"
    fi
  done
  $py training/compare.py --table --results docs/results/compare --output docs/RESULTS.md
}

record
for row in $rows; do
  IFS=: read -r method shots seed floor <<EOF
$row
EOF
  seed=${seed:-1}
  floor=${floor:-0}
  name=$method-$shots
  [ "$floor" = 0 ] || name=$name-floor$floor
  if [ "$seed" = 1 ]; then
    done_already "$name" "$name-cuda" && continue
  else
    name=$name-seed$seed
    done_already "$name" && continue
  fi
  resume=
  [ -f "$results/$name/run/latest.pt" ] && resume=--resume
  echo "$(date -u +%FT%TZ) $name $resume ($source)"
  nice -n 10 $py training/compare.py --method "$method" --shots "$shots" --seed "$seed" \
    --init-floor "$floor" --iters 1000 \
    --threads 2 --source "$source" \
    --segmenter training/judges/labelmefacade-segmenter.pt --results "$results" \
    $resume >> "$results/$name.log" 2>&1
  record
done
echo "$(date -u +%FT%TZ) every row has its result file"
