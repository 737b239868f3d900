"""In-memory loader for the shared dataset layout (../shared/datasets/*).

Each dataset folder has classes.json, images/STEM.jpg (RGB),
labels/STEM.png (indexed; 255 = void) and split files SPLIT.txt.
Everything is resized once to the training size (photos with a
high-quality filter, label maps by nearest neighbour per docs/FORMATS.md)
and kept in memory.
"""

import os

import numpy as np
import torch
from PIL import Image

import labels as lbl


def read_split(root, split):
    with open(os.path.join(root, split + ".txt")) as f:
        return [s.strip() for s in f if s.strip()]


class SegDataset:
    """Photos and label maps of one split, preloaded.

    ``crop_scale`` > 1 stores everything at that multiple of width x height
    and random crops back to width x height when sampling.
    ``dontcare`` is the label channel that void pixels go to (-1: none);
    ``semantic_nc`` the number of label channels.
    """

    def __init__(self, root, split, width, height, semantic_nc=None,
                 dontcare=None, crop_scale=1.0, limit=None):
        self.root = root
        self.classes = lbl.load_classes(os.path.join(root, "classes.json"))
        ids = [c["id"] for c in self.classes["classes"]]
        n_real = len(ids)
        if dontcare is None:
            dontcare = n_real  # void gets its own channel after the classes
        if semantic_nc is None:
            semantic_nc = n_real + (1 if dontcare >= 0 else 0)
        self.semantic_nc = semantic_nc
        self.dontcare = dontcare
        self.lut = lbl.lookup_table(ids, semantic_nc, dontcare)
        self.width, self.height = width, height
        self.sw = int(round(width * crop_scale))
        self.sh = int(round(height * crop_scale))
        self.stems = read_split(root, split)
        if limit:
            self.stems = self.stems[:limit]
        imgs, labs = [], []
        for stem in self.stems:
            im = Image.open(os.path.join(root, "images", stem + ".jpg"))
            im = im.convert("RGB").resize((self.sw, self.sh), Image.LANCZOS)
            imgs.append(np.asarray(im, dtype=np.uint8))
            lab = lbl.load_label_png(os.path.join(root, "labels",
                                                  stem + ".png"))
            labs.append(lbl.resize_nearest(lab, self.sw, self.sh))
        self.images = np.stack(imgs)          # N, H, W, 3 uint8
        self.labels = np.stack(labs)          # N, H, W uint8 ids

    def __len__(self):
        return len(self.stems)

    def keep(self, indices):
        """Only these maps, in this order."""
        self.stems = [self.stems[i] for i in indices]
        self.images = self.images[indices]
        self.labels = self.labels[indices]

    def item(self, i, flip=False, x0=0, y0=0):
        """(image (3,H,W) in [-1,1], ids (H,W)) with optional flip/crop."""
        im = self.images[i, y0:y0 + self.height, x0:x0 + self.width]
        lab = self.labels[i, y0:y0 + self.height, x0:x0 + self.width]
        if flip:
            im, lab = im[:, ::-1], lab[:, ::-1]
        img = im.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
        return img, np.ascontiguousarray(lab)

    def batch(self, indices, rng=None, augment=True):
        """Tensors (images B,3,H,W; one-hot B,S,H,W; ids B,H,W)."""
        imgs, onehots, ids = [], [], []
        for i in indices:
            flip, x0, y0 = False, 0, 0
            if augment and rng is not None:
                flip = bool(rng.integers(2))
                x0 = int(rng.integers(self.sw - self.width + 1))
                y0 = int(rng.integers(self.sh - self.height + 1))
            img, lab = self.item(i, flip, x0, y0)
            imgs.append(img)
            ids.append(lab)
            onehots.append(lbl.one_hot(lab, self.lut, self.semantic_nc))
        return (torch.from_numpy(np.stack(imgs)),
                torch.from_numpy(np.stack(onehots)),
                torch.from_numpy(np.stack(ids).astype(np.int64)))


class Sampler:
    """Endless shuffled epochs of batch indices from a seeded generator."""

    def __init__(self, n, batch, seed=0):
        self.n, self.batch = n, batch
        self.rng = np.random.default_rng(seed)
        self.order, self.pos = self.rng.permutation(n), 0

    def next(self):
        out = []
        while len(out) < self.batch:
            if self.pos >= self.n:
                self.order, self.pos = self.rng.permutation(self.n), 0
            out.append(int(self.order[self.pos]))
            self.pos += 1
        return out

    def state(self):
        return {"rng": self.rng.bit_generator.state,
                "order": self.order.tolist(), "pos": self.pos}

    def load(self, st):
        self.rng.bit_generator.state = st["rng"]
        self.order = np.array(st["order"], dtype=np.int64)
        self.pos = st["pos"]
