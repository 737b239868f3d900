"""Evaluation segmenter: a small U-Net trained from scratch on real photos.

It is deliberately independent of the GAN (DESIGN §5): the generated images
are judged by a network that only ever saw real photographs.  ``features``
returns the globally average-pooled bottleneck activations used for the
Fréchet distance.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

import common


def _double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, num_classes, widths=(32, 64, 128, 256)):
        super().__init__()
        self.widths = list(widths)
        self.num_classes = num_classes
        self.down = nn.ModuleList()
        cin = 3
        for w in widths:
            self.down.append(_double_conv(cin, w))
            cin = w
        self.up = nn.ModuleList()
        self.fuse = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.Conv2d(cin, w, 1))
            self.fuse.append(_double_conv(2 * w, w))
            cin = w
        self.head = nn.Conv2d(cin, num_classes, 1)

    def forward(self, x, return_features=False):
        """x in [-1, 1], (B,3,H,W) with H, W divisible by 2^(levels-1)."""
        skips = []
        for i, block in enumerate(self.down):
            if i:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        feat = x.mean(dim=(2, 3))
        for up, fuse, skip in zip(self.up, self.fuse, reversed(skips[:-1])):
            x = F.interpolate(up(x), size=skip.shape[2:], mode="bilinear",
                              align_corners=False)
            x = fuse(torch.cat((skip, x), dim=1))
        logits = self.head(x)
        return (logits, feat) if return_features else logits


def load(path):
    ck = common.torch_load(path)
    net = UNet(ck["num_classes"], ck["widths"])
    net.load_state_dict(ck["state"])
    return net.eval(), ck


def confusion(pred, target, n):
    """n x n confusion matrix (rows = truth); target 255 ignored."""
    valid = target != 255
    idx = target[valid] * n + pred[valid]
    return torch.bincount(idx, minlength=n * n).reshape(n, n)


def miou(conf):
    """(mean IoU over classes present in truth or prediction, per-class)."""
    conf = conf.double()
    inter = conf.diag()
    union = conf.sum(0) + conf.sum(1) - inter
    iou = torch.where(union > 0, inter / union.clamp(min=1),
                      torch.full_like(union, float("nan")))
    present = conf.sum(1) > 0
    return float(iou[present].nanmean()), iou.tolist()
