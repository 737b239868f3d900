#!/usr/bin/python3
"""Generate an image from a label map with an exported model file.

This is the PyTorch reference that the C code must reproduce: the label map
is resized (nearest, docs/FORMATS.md) to the model's native size, z-map(p) =
z[class(p)] from training/noise.py (void pixels take the global vector), and
the 8-bit pixel is floor(clamp((y + 1) / 2, 0, 1) * 255 + 0.5).
"""

import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import labels as lbl  # noqa: E402
import modelfile  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("model")
    p.add_argument("labels", help="indexed label PNG (255 = void)")
    p.add_argument("output", help="output PNG")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--class-seed", action="append", default=[],
                   metavar="NAME=N", help="re-roll one class with seed N")
    p.add_argument("--raw", help="also write the float32 CHW tanh output")
    p.add_argument("--double", action="store_true",
                   help="compute in float64")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--noise-file", help="exact noise: float32 .npy of shape "
                   "(z_dim,) for every pixel, or (z_dim, H, W)")
    return p.parse_args()


def parse_class_seeds(items, classes):
    by_name = {c["name"]: c["id"] for c in classes["classes"]}
    out = {}
    for item in items:
        name, _, seed = item.rpartition("=")
        if name not in by_name:
            raise SystemExit("unknown class %r (known: %s)"
                             % (name, ", ".join(by_name)))
        out[by_name[name]] = int(seed)
    return out


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.double else torch.float32
    gen, cfg = modelfile.load_generator(args.model, dtype)
    g = cfg["generator"]
    ids = lbl.load_label_png(args.labels)
    ids = lbl.resize_nearest(ids, g["width"], g["height"])
    known = {c["id"] for c in cfg["classes"]["classes"]} | {255}
    bad = sorted(set(np.unique(ids).tolist()) - known)
    if bad:
        raise SystemExit("label map uses unknown class ids %s" % bad)
    seeds = parse_class_seeds(args.class_seed, cfg["classes"])
    label, zmap = modelfile.generator_inputs(cfg, ids, args.seed, seeds)
    if args.noise_file:
        z = torch.from_numpy(np.load(args.noise_file).astype(np.float32))
        if z.dim() == 1:
            z = z.view(1, -1, 1, 1).expand_as(zmap)
        zmap = z.reshape(zmap.shape).clone()
    with torch.no_grad():
        y = gen(label.to(dtype), zmap.to(dtype))[0].float().numpy()
    Image.fromarray(modelfile.to_uint8(y)).save(args.output)
    if args.raw:
        y.astype("<f4").tofile(args.raw)
    print("wrote %s (%dx%d)" % (args.output, g["width"], g["height"]))


if __name__ == "__main__":
    main()
