"""A second, local discriminator that sees every pixel (train.py --lambda-tex).

Why: OASIS's U-Net discriminator judges each pixel's class, and its only
full-resolution layers are the first block's two convolutions, whose output
is average-pooled before anything else sees it; its decoder comes back to
full resolution by nearest up-sampling from half resolution.  A texture a
few pixels in period (v2's 2.7-px cross-hatch in trees, the branch runs'
bands) costs the generator nothing there, which is why it survives any
amount of OASIS training (docs/MODEL_CARD.md, "Where the texture comes
from").  This discriminator has a 12-pixel receptive field, no pooling
before its last layer and no label input: it asks only "is this 12×12
patch from a photo?", so a dot grid, a stripe or a band that no photo has
is what it learns to see, wherever it is and at any frequency.

It is unconditional on purpose: given the label map at full resolution, a
local discriminator learns that generated edges sit exactly on the map's
boundaries while hand-drawn labels do not, and pushes the generator off
them.

Losses: the logistic (non-saturating) GAN loss, per output pixel.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class TextureDiscriminator(nn.Module):
    """Fully convolutional: RGB in [-1, 1] -> one logit per 2×2 pixels."""

    def __init__(self, width=32):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            spectral_norm(nn.Conv2d(3, w, 3, 1, 1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(w, 2 * w, 3, 1, 1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(2 * w, 2 * w, 4, 2, 1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(2 * w, 1, 3, 1, 1)))

    def forward(self, x):
        return self.net(x)


def receptive_field():
    """Pixels one output sees along each axis (3, 3, 4 at stride 1, then 3
    at stride 2)."""
    return 1 + 2 + 2 + 3 + 2 * 2


def d_loss(logits_real, logits_fake):
    return (F.softplus(-logits_real.float()).mean()
            + F.softplus(logits_fake.float()).mean())


def g_loss(logits_fake):
    return F.softplus(-logits_fake.float()).mean()


def accuracy(logits_real, logits_fake):
    """Share of output pixels on the right side of 0: how well it tells."""
    with torch.no_grad():
        right = ((logits_real > 0).float().mean()
                 + (logits_fake < 0).float().mean())
    return (right / 2).item()
