#!/usr/bin/python3
"""Models and seeds side by side, for looking at textures by eye.

One row per label map; the columns are, for each --model, its image at
each --seeds, then the real photo. --crop cuts the same box out of every
cell (in the model's pixels) and --scale enlarges it with nearest
neighbours, so that a one-pixel texture stays what it is:

    /usr/bin/python3 training/seed_grid.py --data ../shared/datasets/camvid \\
        --model resources/models/default.safetensors --model /tmp/c.safetensors \\
        --stems 0016E5_07959,0016E5_08039 --seeds 1,2 --crop 0,0,128,96 \\
        --scale 2 -o /tmp/look.png

Every model must generate at the same size. Without --stems the rows are
spread over the split as in sample_grid.py (not hand-picked).
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
import modelfile  # noqa: E402

GAP = 4  # pixels of white between cells, so that neighbours do not blend


def parse_box(text, w, h):
    if not text:
        return 0, 0, w, h
    x, y, bw, bh = (int(v) for v in text.split(","))
    if x < 0 or y < 0 or bw <= 0 or bh <= 0 or x + bw > w or y + bh > h:
        raise SystemExit("--crop %s does not fit in %dx%d" % (text, w, h))
    return x, y, bw, bh


def row_indices(ds, stems, rows):
    if stems:
        missing = [s for s in stems if s not in ds.stems]
        if missing:
            raise SystemExit("not in the split: %s" % ", ".join(missing))
        return [ds.stems.index(s) for s in stems]
    step = max(1, len(ds) // rows)
    return list(range(0, min(len(ds), step * rows), step))


def hstack(cells):
    h = cells[0].shape[0]
    gap = np.full((h, GAP, 3), 255, np.uint8)
    out = [cells[0]]
    for c in cells[1:]:
        out += [gap, c]
    return np.concatenate(out, axis=1)


def vstack(rows):
    gap = np.full((GAP, rows[0].shape[1], 3), 255, np.uint8)
    out = [rows[0]]
    for r in rows[1:]:
        out += [gap, r]
    return np.concatenate(out, axis=0)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", action="append", required=True,
                   help="model file (repeat for several)")
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--stems", help="comma-separated label maps of the split")
    p.add_argument("--rows", type=int, default=3)
    p.add_argument("--seeds", default="1,2")
    p.add_argument("--crop", help="x,y,w,h in the model's pixels")
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    common.set_threads(a.threads)
    seeds = [int(s) for s in a.seeds.split(",")]
    models = [modelfile.load_generator(m) for m in a.model]
    sizes = {(c["generator"]["width"], c["generator"]["height"])
             for _, c in models}
    if len(sizes) != 1:
        raise SystemExit("the models generate at different sizes: %s"
                         % sorted(sizes))
    w, h = sizes.pop()
    x, y, bw, bh = parse_box(a.crop, w, h)
    ds = data.SegDataset(a.data, a.split, w, h)
    idx = row_indices(ds, a.stems.split(",") if a.stems else None, a.rows)
    rows = []
    for i in idx:
        cells = []
        for gen, cfg in models:
            for s in seeds:
                label, zmap = modelfile.generator_inputs(cfg, ds.labels[i], s)
                with torch.no_grad():
                    img = modelfile.to_uint8(gen(label, zmap)[0].numpy())
                cells.append(img[y:y + bh, x:x + bw])
        cells.append(ds.images[i][y:y + bh, x:x + bw])
        rows.append(hstack(cells))
    grid = Image.fromarray(vstack(rows))
    if a.scale > 1:
        grid = grid.resize((grid.width * a.scale, grid.height * a.scale),
                           Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(a.output)), exist_ok=True)
    grid.save(a.output)
    print("wrote %s: rows %s; columns: %s, each at seeds %s; the photo"
          % (a.output, ", ".join(ds.stems[i] for i in idx),
             ", ".join(os.path.basename(m) for m in a.model), a.seeds))


if __name__ == "__main__":
    main()
