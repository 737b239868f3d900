#!/usr/bin/python3
"""How well a small classifier tells a model's local texture from photos'.

A classifier two-sample test (Lopez-Paz & Oquab, ICLR 2017) on texture: a
fresh convolutional classifier with a 17-pixel receptive field sees the
high-pass of the image (what texture_d.py's discriminator sees) and learns
to tell random 64×64 crops of generated images (one per `train` map, with
the app's noise as spectrum.py makes them, seed = the map's index) from
crops of the `train` photos; it is then scored, per output pixel, on whole
generated `val` images against the `val` photos.  50 % means the textures
cannot be told apart, 100 % that every patch gives itself away.  Scored per
class of the label map too, since a texture usually lives in one class
(v2's cross-hatch is in trees).  Real vs real (--real-vs-real) trains on
the first half of the train photos against the second and scores val's
halves: what a perfect generator would get.

The classifier is not train.py's local discriminator (wider, another
layout, no spectral norm, its own seed), so that a generator trained
against that one is not scored by its own adversary.

    /usr/bin/python3 training/patch_c2st.py --data ../shared/datasets/camvid \\
        --model resources/models/default.safetensors
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import modelfile  # noqa: E402
import spectrum  # noqa: E402
import texture_d  # noqa: E402

CLASSES = ["sky", "building", "road", "pavement", "tree", "car"]


class Judge(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 48, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(48, 64, 3, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(64, 96, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(96, 96, 3, 1, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(96, 1, 1))

    def forward(self, x):
        return self.net(texture_d.GAIN * texture_d.high_pass(x))


def generated(model_path, ds, idx):
    gen, cfg = modelfile.load_generator(model_path)
    g = cfg["generator"]
    if (g["width"], g["height"]) != (ds.width, ds.height):
        raise SystemExit("%s generates %dx%d; pass --width %d --height %d"
                         % (model_path, g["width"], g["height"], g["width"],
                            g["height"]))
    with torch.no_grad():
        imgs = spectrum.images_of(gen, cfg, ds, indices=idx)
    return torch.from_numpy(
        imgs.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1.0)


def crops(rng, x, n, size):
    h, w = x.shape[2], x.shape[3]
    out = []
    for _ in range(n):
        i = rng.integers(len(x))
        y, xx = rng.integers(h - size + 1), rng.integers(w - size + 1)
        out.append(x[i, :, y:y + size, xx:xx + size])
    return torch.stack(out)


def run(a_train, b_train, a_val, b_val, ids_a, ids_b, names, steps, seed,
        size=64):
    """Train on a (label 1) vs b (0), score on the val pair per class."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    judge = Judge()
    opt = torch.optim.Adam(judge.parameters(), 4e-4, betas=(0.5, 0.999))
    for _ in range(steps):
        opt.zero_grad()
        texture_d.d_loss(judge(crops(rng, a_train, 16, size)),
                         judge(crops(rng, b_train, 16, size))).backward()
        opt.step()
    with torch.no_grad():
        la = torch.cat([judge(a_val[i:i + 8]) for i in range(0, len(a_val), 8)])
        lb = torch.cat([judge(b_val[i:i + 8]) for i in range(0, len(b_val), 8)])
    # each logit covers 2×2 pixels: the class of its top-left one
    return scores(la[:, 0] > 0, lb[:, 0] < 0, ids_a[:, ::2, ::2],
                  ids_b[:, ::2, ::2], names)


def scores(right_a, right_b, cls_a, cls_b, names):
    """% told right, the mean of both sets' shares, overall and per class
    (a class needs 200 outputs on each side)."""
    res = {"all": 100 * 0.5 * (right_a.float().mean()
                               + right_b.float().mean()).item()}
    for name, cid in names.items():
        ma, mb = cls_a == cid, cls_b == cid
        if ma.sum() >= 200 and mb.sum() >= 200:
            res[name] = 100 * 0.5 * (right_a[ma].float().mean()
                                     + right_b[mb].float().mean()).item()
    return res


def oasis_d_accuracy(model_path, fake_va, real_va, ids_va, names):
    """The model's own OASIS discriminator on the same val images: how
    often its fake channel wins on generated pixels and loses on photos'
    (the N+1 decision), per class.  Set against the classifier's row, it
    says whether the texture is one the GAN's D sees."""
    disc, _ = modelfile.load_discriminator(model_path)
    with torch.no_grad():
        fake_a = torch.cat([disc(fake_va[i:i + 8]).softmax(1)[:, 0]
                            for i in range(0, len(fake_va), 8)])
        fake_b = torch.cat([disc(real_va[i:i + 8]).softmax(1)[:, 0]
                            for i in range(0, len(real_va), 8)])
    return scores(fake_a > 0.5, fake_b <= 0.5, ids_va, ids_va, names)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--model", action="append", default=[])
    p.add_argument("--real-vs-real", action="store_true")
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--height", type=int, default=192)
    p.add_argument("--images", type=int, default=64,
                   help="train maps (and photos) the classifier learns from")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--seeds", default="1",
                   help="classifier seeds; the table gives their mean")
    p.add_argument("--oasis-d", action="store_true",
                   help="also score each model's own discriminator on the "
                   "same val images")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", help="JSON of the rows")
    args = p.parse_args()
    common.set_threads(args.threads)
    tr = data.SegDataset(args.data, "train", args.width, args.height)
    va = data.SegDataset(args.data, "val", args.width, args.height)
    n = min(args.images, len(tr))
    idx_tr = list(range(0, len(tr), len(tr) // n))[:n]
    idx_va = list(range(len(va)))
    real_tr, _, _ = tr.batch(idx_tr, augment=False)
    real_va, _, ids_va = va.batch(idx_va, augment=False)
    by_name = {c["name"]: c["id"] for c in va.classes["classes"]}
    names = {c: by_name[c] for c in CLASSES if c in by_name}
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    if args.real_vs_real:
        h, hv = len(real_tr) // 2, len(real_va) // 2
        rows.append(("real vs real", [
            run(real_tr[:h], real_tr[h:], real_va[:hv], real_va[hv:],
                ids_va[:hv], ids_va[hv:], names, args.steps, s)
            for s in seeds]))
    for path in args.model:
        fake_tr = generated(path, tr, idx_tr)
        fake_va = generated(path, va, idx_va)
        rows.append((os.path.basename(path), [
            run(fake_tr, real_tr, fake_va, real_va, ids_va, ids_va, names,
                args.steps, s) for s in seeds]))
        if args.oasis_d:
            rows.append((os.path.basename(path) + ", its own OASIS D", [
                oasis_d_accuracy(path, fake_va, real_va, ids_va, names)]))
    cols = ["all"] + list(names)
    print("Local texture, classifier two-sample test (%% of val patches "
          "told right; 50 = indistinguishable), %d steps, seeds %s, %s"
          % (args.steps, args.seeds, common.cpu_name()))
    print("| images | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    out = []
    for name, res in rows:
        mean = {c: float(np.mean([r[c] for r in res if c in r]))
                for c in cols if any(c in r for r in res)}
        print("| %s | " % name + " | ".join(
            "%.1f" % mean[c] if c in mean else "—" for c in cols) + " |")
        out.append({"images": name, "accuracy": mean, "runs": res})
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
