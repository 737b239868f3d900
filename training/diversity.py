#!/usr/bin/python3
"""How much re-rolling the seed changes a model's image.

For each label map of --split: --seeds images with seeds 1000 k + index
(the app's noise, modelfile.generator_inputs), at the model's own size.
Reported, per model:
  pixel std     the per-pixel standard deviation over the seeds, in 8-bit
                levels, averaged over the pixels, channels and maps (the
                measure issue 18 quotes: 4.3 for v1);
  mean colour   the standard deviation over the seeds of each image's mean
                colour (global changes: lighting, colour cast), 8-bit;
  layout kept   the judge's agreement between seeds is not measured here;
                evaluate.py's mIoU per seed says whether the layout holds.

    /usr/bin/python3 training/diversity.py --data ../shared/datasets/camvid \\
        --split val --model resources/models/default.safetensors [--model M2]
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import modelfile  # noqa: E402


@torch.no_grad()
def measure(model, data_dir, split, seeds, limit):
    gen, cfg = modelfile.load_generator(model)
    g = cfg["generator"]
    ds = data.SegDataset(data_dir, split, g["width"], g["height"],
                         limit=limit or None)
    pixel, colour = [], []
    for i in range(len(ds)):
        labs, zs = zip(*(modelfile.generator_inputs(cfg, ds.labels[i],
                                                    1000 * k + i)
                         for k in range(seeds)))
        fake = gen(torch.cat(labs), torch.cat(zs))
        img = np.stack([modelfile.to_uint8(f.numpy()) for f in fake])
        img = img.astype(np.float64)
        pixel.append(img.std(axis=0).mean())
        colour.append(img.mean(axis=(1, 2)).std(axis=0).mean())
    return len(ds), g, float(np.mean(pixel)), float(np.mean(colour))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--model", action="append", default=[])
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    common.set_threads(a.threads)
    print("| model | size | maps | seeds | pixel std (8-bit) | "
          "mean-colour std (8-bit) |")
    print("|---|---|---|---|---|---|")
    for m in a.model:
        n, g, px, col = measure(m, a.data, a.split, a.seeds, a.limit)
        print("| %s | %dx%d | %d | %d | %.2f | %.2f |"
              % (os.path.basename(m), g["width"], g["height"], n, a.seeds,
                 px, col), flush=True)


if __name__ == "__main__":
    main()
