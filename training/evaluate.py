#!/usr/bin/python3
"""Evaluate a generator with the real-photo segmenter (DESIGN §5).

For every label map of --split: generate an image (seed = --seed-base + i,
then + len(split) for each further --samples), segment it and compare with
the label map that made it (mIoU; void ignored).  Also reports the
segmenter's mIoU on the real photos of the split (the ceiling) and the
Fréchet distance between its pooled bottleneck features on real and
generated images.

Class sets: when the dataset's classes are the model's own, the label map
is used directly.  For a target class set, give --profile (a target profile
JSON whose "affinity" (or "matrix") entry is the T x S' matrix, rows in
target class-id order) or an explicit --affinity .npy; the target one-hot
is mapped to source channels by it (DESIGN §2, class affinity layer).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import labels as lbl  # noqa: E402
import modelfile  # noqa: E402
import noise  # noqa: E402
import segmenter as segm  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--segmenter", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--profile", help="target profile JSON with the matrix")
    p.add_argument("--affinity", help="T x S' matrix as .npy")
    p.add_argument("--samples", type=int, default=1)
    p.add_argument("--seed-base", type=int, default=0)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--save-images", help="folder for generated PNGs")
    p.add_argument("--out", help="write the metrics JSON here")
    return p.parse_args()


def frechet_distance(a, b):
    """Fréchet distance between Gaussians fitted to feature sets a and b.

    tr(sqrt(S_a S_b)) is computed from the eigenvalues of the symmetric
    matrix sqrt(S_a) S_b sqrt(S_a) (no scipy needed).
    """
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    mu = a.mean(0) - b.mean(0)
    sa = np.cov(a, rowvar=False)
    sb = np.cov(b, rowvar=False)
    ev, vec = np.linalg.eigh(sa)
    root = (vec * np.sqrt(np.clip(ev, 0, None))) @ vec.T
    mid = np.linalg.eigvalsh(root @ sb @ root)
    tr_sqrt = np.sqrt(np.clip(mid, 0, None)).sum()
    return float(mu @ mu + np.trace(sa) + np.trace(sb) - 2 * tr_sqrt)


def load_matrix(args, n_target, n_source):
    if args.affinity:
        m = np.load(args.affinity)
    elif args.profile:
        with open(args.profile) as f:
            prof = json.load(f)
        m = prof.get("affinity", prof.get("matrix"))
        if isinstance(m, dict):
            m = m.get("values", m.get("matrix"))
        m = np.asarray(m, dtype=np.float32)
    else:
        return None
    m = np.asarray(m, dtype=np.float32).reshape(n_target, n_source)
    return m / np.maximum(m.sum(1, keepdims=True), 1e-12)


class LabelEncoder:
    """Label ids of the dataset -> generator input (label, z-map)."""

    def __init__(self, cfg, ds_classes, matrix):
        self.cfg = cfg
        g = cfg["generator"]
        self.g = g
        self.src_ids = [c["id"] for c in cfg["classes"]["classes"]]
        self.tgt_ids = sorted(c["id"] for c in ds_classes["classes"])
        self.matrix = matrix
        if matrix is None:
            names_m = [c["name"] for c in sorted(cfg["classes"]["classes"],
                                                 key=lambda c: c["id"])]
            names_d = [c["name"] for c in sorted(ds_classes["classes"],
                                                 key=lambda c: c["id"])]
            if names_m != names_d:
                raise SystemExit("dataset classes differ from the model's; "
                                 "give --profile or --affinity")
        self.channels = lbl.class_channels(self.src_ids, g["semantic_nc"],
                                           g["dontcare_channel"])

    def encode(self, ids, seed):
        g = self.g
        if self.matrix is None:
            return modelfile.generator_inputs(self.cfg, ids, seed)
        h, w = ids.shape
        label = np.zeros((g["semantic_nc"], h, w), np.float32)
        src_ch = [self.channels[s] for s in sorted(self.src_ids)]
        for t, cid in enumerate(self.tgt_ids):
            mask = ids == cid
            for s, ch in enumerate(src_ch):
                label[ch][mask] = self.matrix[t, s]
        if g["dontcare_channel"] >= 0:
            label[g["dontcare_channel"]][ids == 255] = 1.0
        # one global vector for every class (per-class seeds are not used)
        z = noise.noise_vector(seed, 0, g["z_dim"])
        zmap = np.broadcast_to(z[:, None, None], (g["z_dim"], h, w))
        return (torch.from_numpy(label)[None],
                torch.from_numpy(np.ascontiguousarray(zmap))[None])


@torch.no_grad()
def main():
    args = parse_args()
    common.set_threads(args.threads)
    gen, cfg = modelfile.load_generator(args.model)
    g = cfg["generator"]
    seg, sck = segm.load(args.segmenter)
    sw, sh = sck["width"], sck["height"]
    ds = data.SegDataset(args.data, args.split, g["width"], g["height"],
                         limit=args.limit or None)
    real = data.SegDataset(args.data, args.split, sw, sh,
                           limit=args.limit or None)
    n_src = len(cfg["classes"]["classes"])
    matrix = load_matrix(args, len(ds.classes["classes"]), n_src)
    enc = LabelEncoder(cfg, ds.classes, matrix)
    n_cls = sck["num_classes"]
    if n_cls != len(ds.classes["classes"]):
        raise SystemExit("segmenter has %d classes, dataset %d"
                         % (n_cls, len(ds.classes["classes"])))
    if args.save_images:
        os.makedirs(args.save_images, exist_ok=True)
    from PIL import Image

    conf_gen = torch.zeros(n_cls, n_cls, dtype=torch.long)
    conf_real = torch.zeros(n_cls, n_cls, dtype=torch.long)
    feats_gen, feats_real = [], []
    real_ids = torch.from_numpy(real.labels.astype(np.int64))
    real_img = torch.from_numpy(real.images).permute(0, 3, 1, 2).float()
    real_img = real_img / 127.5 - 1
    for i in range(0, len(real), args.batch):
        logits, f = seg(real_img[i:i + args.batch], return_features=True)
        conf_real += segm.confusion(logits.argmax(1),
                                    real_ids[i:i + args.batch], n_cls)
        feats_real.append(f.numpy())

    n = len(ds)
    for k in range(args.samples):
        for i0 in range(0, n, args.batch):
            items = list(range(i0, min(n, i0 + args.batch)))
            labs, zs = zip(*(enc.encode(ds.labels[i],
                                        args.seed_base + k * n + i)
                             for i in items))
            fake = gen(torch.cat(labs), torch.cat(zs))
            if (g["width"], g["height"]) != (sw, sh):
                fake = F.interpolate(fake, size=(sh, sw), mode="bilinear",
                                     align_corners=False, antialias=True)
            # segment the 8-bit image, as a user would see it
            img8 = torch.floor((fake.clamp(-1, 1) + 1) * 127.5 + 0.5)
            logits, f = seg(img8 / 127.5 - 1, return_features=True)
            conf_gen += segm.confusion(logits.argmax(1), real_ids[items],
                                       n_cls)
            feats_gen.append(f.numpy())
            if args.save_images:
                for j, i in enumerate(items):
                    Image.fromarray(modelfile.to_uint8(fake[j].numpy())).save(
                        os.path.join(args.save_images,
                                     "%s_%d.png" % (ds.stems[i], k)))
    m_gen, iou_gen = segm.miou(conf_gen)
    m_real, iou_real = segm.miou(conf_real)
    fd = frechet_distance(np.concatenate(feats_real),
                          np.concatenate(feats_gen))
    names = [c["name"] for c in sorted(ds.classes["classes"],
                                       key=lambda c: c["id"])]
    out = {
        "model": os.path.abspath(args.model),
        "segmenter": os.path.abspath(args.segmenter),
        "data": os.path.abspath(args.data), "split": args.split,
        "images": n, "samples": args.samples,
        "affinity": ("profile" if args.profile else
                     "npy" if args.affinity else "identity"),
        "miou_generated": m_gen, "miou_real": m_real,
        "frechet_segmenter": fd,
        "iou_generated": dict(zip(names, iou_gen)),
        "iou_real": dict(zip(names, iou_real)),
        "command": common.command_line(),
    }
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
