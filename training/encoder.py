"""The vision-prior encoder (DESIGN §4.3): a small convolutional network
trained without labels (SimCLR on image patches, train_encoder.py) whose
dense features give class prototypes.

Layers: ``block.i`` = 3x3 conv + batch norm + ReLU (+ 2x2 average pooling
for the first ``pools`` blocks), then ``out`` = 1x1 conv to ``features``
channels with no activation, so that cosines can be negative.  At export
the batch norms are folded into the convolutions and the tensors are stored
as ``V.block.i.weight/bias`` and ``V.out.weight/bias``; the C side
(model/cb-vision-encoder.c) builds the same network from
``catbrush.config["vision_encoder"]`` and resizes the feature map back to
the photo's size with nearest (PyTorch's rule).
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class VisionEncoder(nn.Module):
    def __init__(self, widths=(32, 64, 128, 128), features=64, pools=3):
        super().__init__()
        self.widths = list(widths)
        self.n_features = features
        self.pools = pools
        self.block = nn.ModuleList()
        cin = 3
        for w in widths:
            self.block.append(nn.ModuleDict({
                "conv": nn.Conv2d(cin, w, 3, padding=1, bias=False),
                "bn": nn.BatchNorm2d(w)}))
            cin = w
        self.out = nn.Conv2d(cin, features, 1)

    def forward(self, x):
        """x (B,3,H,W) in [-1, 1] -> (B,F,H/2^pools,W/2^pools)."""
        for i, b in enumerate(self.block):
            x = F.relu(b["bn"](b["conv"](x)))
            if i < self.pools:
                x = F.avg_pool2d(x, 2)
        return self.out(x)

    def dense(self, x):
        """Features resized back to the input's size (nearest)."""
        f = self.forward(x)
        return F.interpolate(f, size=x.shape[2:], mode="nearest")

    def config(self):
        return {"widths": self.widths, "features": self.n_features,
                "pools": self.pools, "kernel": 3, "activation": "relu",
                "input": "RGB in [-1, 1] at the model's native size",
                "output": "features resized to the input size (nearest)"}

    def folded(self):
        """{name: float32 array} with every batch norm folded (eval mode)."""
        out = {}
        for i, b in enumerate(self.block):
            bn = b["bn"]
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            w = b["conv"].weight * scale[:, None, None, None]
            bias = bn.bias - bn.running_mean * scale
            out["block.%d.weight" % i] = w
            out["block.%d.bias" % i] = bias
        out["out.weight"] = self.out.weight
        out["out.bias"] = self.out.bias
        return {k: v.detach().float().numpy() for k, v in out.items()}


def build(cfg):
    return VisionEncoder(cfg["widths"], cfg["features"], cfg["pools"])


class FoldedEncoder(nn.Module):
    """The exported network (no batch norm), from the V.* tensors."""

    def __init__(self, cfg, tensors):
        super().__init__()
        self.pools = cfg["pools"]
        self.n = len(cfg["widths"])
        self.w = [torch.from_numpy(np.asarray(tensors["V.block.%d.weight" % i],
                                              np.float32))
                  for i in range(self.n)]
        self.b = [torch.from_numpy(np.asarray(tensors["V.block.%d.bias" % i],
                                              np.float32))
                  for i in range(self.n)]
        self.ow = torch.from_numpy(np.asarray(tensors["V.out.weight"],
                                              np.float32))
        self.ob = torch.from_numpy(np.asarray(tensors["V.out.bias"],
                                              np.float32))

    def forward(self, x):
        size = x.shape[2:]
        for i in range(self.n):
            x = F.relu(F.conv2d(x, self.w[i].to(x.dtype), self.b[i].to(x.dtype),
                                padding=1))
            if i < self.pools:
                x = F.avg_pool2d(x, 2)
        x = F.conv2d(x, self.ow.to(x.dtype), self.ob.to(x.dtype))
        return F.interpolate(x, size=size, mode="nearest")


@torch.no_grad()
def class_prototypes(dense_fn, images, ids, class_ids, batch=16):
    """Mean dense feature over the pixels of each class (rows in class_ids
    order; zero rows for absent classes).  images (N,3,H,W) in [-1,1],
    ids (N,H,W) uint8/int64 with 255 void."""
    sums, counts = None, np.zeros(len(class_ids))
    lut = np.full(256, -1, np.int64)
    for k, cid in enumerate(class_ids):
        lut[cid] = k
    for i in range(0, len(images), batch):
        f = dense_fn(images[i:i + batch]).double()       # B,F,H,W
        if sums is None:
            sums = np.zeros((len(class_ids), f.shape[1]))
        lab = lut[np.asarray(ids[i:i + batch], np.int64)]  # B,H,W
        lab_t = torch.from_numpy(lab)
        for k in range(len(class_ids)):
            m = lab_t == k
            n = int(m.sum())
            if n:
                counts[k] += n
                sums[k] += f.permute(0, 2, 3, 1)[m].sum(0).numpy()
    protos = np.zeros_like(sums)
    nz = counts > 0
    protos[nz] = sums[nz] / counts[nz, None]
    return protos.astype(np.float32), counts
