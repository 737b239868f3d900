#!/usr/bin/python3
"""Where does a generator's grid texture come from?  Ablations measured
with spectrum.py's measures.

The same label maps and seeds go through the model file's generator as it
is and with one change at a time to its forward pass; each row is the
spectrum of the changed generator's images against the real photos:

  as is                 the model, as the app runs it
  bilinear upsampling   the 2x feature up-sampling between blocks is
                        bilinear instead of nearest (and SPADE's label
                        map, too): does the texture come from the
                        nearest-neighbour copies?
  block k residual off  block k's output is its shortcut only: which
                        block draws the texture?
  blur before conv_img  a [1 2 1] x [1 2 1] blur of the last features: is
                        the texture a last-layer, pixel-scale pattern?
  batch statistics      batch norm with the statistics of this batch of
                        images rather than the stored running ones: is it
                        a mismatch of the running statistics?

A change that removes the 2-D peak but also loses the upper-half power
(more negative mean dB) only blurs the texture away.

    /usr/bin/python3 training/texture_ablation.py \\
        --data ../shared/datasets/camvid --split val --limit 40 \\
        --model resources/models/default.safetensors
"""

import argparse
import contextlib
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import modelfile  # noqa: E402
import oasis  # noqa: E402
import spectrum  # noqa: E402


@contextlib.contextmanager
def bilinear_upsampling():
    """Every 2x nearest interpolation in oasis.py becomes bilinear."""
    orig = F.interpolate

    def interp(x, size=None, scale_factor=None, mode="nearest", **kw):
        if mode == "nearest" and scale_factor == 2:
            return orig(x, scale_factor=2, mode="bilinear",
                        align_corners=False)
        return orig(x, size=size, scale_factor=scale_factor, mode=mode, **kw)

    oasis.F.interpolate = interp
    try:
        yield
    finally:
        oasis.F.interpolate = orig


@contextlib.contextmanager
def residual_off(gen, k):
    block = gen.body[k]
    orig = block.forward

    def forward(x, seg):
        if block.learned_shortcut:
            return block.conv_s(block.norm_s(x, seg))
        return x

    block.forward = forward
    try:
        yield
    finally:
        block.forward = orig


@contextlib.contextmanager
def blur_before_conv_img(gen):
    conv = gen.conv_img
    orig = conv.forward
    k1 = torch.tensor([1.0, 2.0, 1.0]) / 4
    k2 = torch.outer(k1, k1)

    def forward(x):
        c = x.shape[1]
        w = k2.to(x.dtype).expand(c, 1, 3, 3)
        x = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), w, groups=c)
        return orig(x)

    conv.forward = forward
    try:
        yield
    finally:
        conv.forward = orig


@contextlib.contextmanager
def batch_statistics(gen):
    norms = [m for m in gen.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    saved = [(m.track_running_stats, m.training) for m in norms]
    for m in norms:
        m.track_running_stats = False  # use the batch's own statistics
        m.train()
    try:
        yield
    finally:
        for m, (t, tr) in zip(norms, saved):
            m.track_running_stats, m.training = t, tr


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--limit", type=int, default=40)
    p.add_argument("--model", required=True)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    common.set_threads(a.threads)
    gen, cfg = modelfile.load_generator(a.model)
    g = cfg["generator"]
    ds = data.SegDataset(a.data, a.split, g["width"], g["height"],
                         limit=a.limit)
    p_real = spectrum.power_spectrum(ds.images)
    # Batch statistics need a batch of many images; the others are
    # per-image (eval mode), so the batch size does not change them.
    runs = [("as is", contextlib.nullcontext, 8),
            ("bilinear upsampling", bilinear_upsampling, 8)]
    runs += [("block %d residual off" % k,
              lambda k=k: residual_off(gen, k), 8)
             for k in range(len(gen.body))]
    runs += [("blur before conv_img", lambda: blur_before_conv_img(gen), 8),
             ("batch statistics (batches of 20)",
              lambda: batch_statistics(gen), 20)]
    print("%s, %s %s, %d maps (%dx%d)" % (os.path.basename(a.model), a.data,
                                         a.split, len(ds), g["width"],
                                         g["height"]))
    print("| generator | upper half: mean abs dB | mean dB | "
          "2-D peak dB at (fx, fy) |")
    print("|---|---|---|---|")
    for name, ctx, batch in runs:
        with ctx():
            r = spectrum.compare(
                spectrum.power_spectrum(
                    spectrum.images_of(gen, cfg, ds, batch=batch)), p_real)
        print("| %s | %.2f | %+.1f | %+.1f at (%+.3f, %+.3f) |"
              % (name, r["upper_mean_abs_db"], r["upper_mean_db"],
                 r["peak2d_db"], r["peak2d_fx"], r["peak2d_fy"]), flush=True)


if __name__ == "__main__":
    main()
