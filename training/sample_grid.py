#!/usr/bin/python3
"""A sample grid for the model card: one row per label map of a split,
label colours | generated image | real photo, at the model's size.

    /usr/bin/python3 training/sample_grid.py --model MODEL \\
        --data /work/shared/datasets/camvid --split val --rows 6 \\
        --seed 3 -o docs/images/default-grid.jpg

Rows are every (len(split) / rows)-th stem of the split, so that the grid
is not hand-picked; the image seed is --seed for every row.
"""

import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import labels as lbl  # noqa: E402
import modelfile  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--rows", type=int, default=6)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--scale", type=int, default=1,
                   help="nearest upscaling of the whole grid")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args()
    common.set_threads(args.threads)
    gen, cfg = modelfile.load_generator(args.model)
    g = cfg["generator"]
    ds = data.SegDataset(args.data, args.split, g["width"], g["height"])
    step = max(1, len(ds) // args.rows)
    rows = []
    for i in range(0, min(len(ds), step * args.rows), step):
        ids = ds.labels[i]
        label, zmap = modelfile.generator_inputs(cfg, ids, args.seed)
        with torch.no_grad():
            y = gen(label, zmap)[0].numpy()
        rows.append(np.concatenate([lbl.colorize(ids, ds.classes),
                                    modelfile.to_uint8(y), ds.images[i]],
                                   axis=1))
    grid = Image.fromarray(np.concatenate(rows, axis=0))
    if args.scale > 1:
        grid = grid.resize((grid.width * args.scale,
                            grid.height * args.scale), Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    grid.save(args.output, quality=90)
    print("wrote %s: %d rows (%s)" % (args.output, len(rows),
                                      ", ".join(ds.stems[i] for i in
                                                range(0, step * len(rows),
                                                      step))))


if __name__ == "__main__":
    main()
