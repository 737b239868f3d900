"""A second, local discriminator that sees every pixel (train.py --lambda-tex).

Why: OASIS's U-Net discriminator judges each pixel's class, and its only
full-resolution layers are the first block's two convolutions, whose output
is average-pooled before anything else sees it; its decoder comes back to
full resolution by nearest up-sampling from half resolution.  A texture a
few pixels in period (v2's 2.7-px cross-hatch in trees, the branch runs'
bands) costs the generator nothing there, which is why it survives any
amount of OASIS training (docs/MODEL_CARD.md, "Stage 7", measures it).
This discriminator has a 16-pixel receptive field, no pooling before its
last layer and no label input: it asks only "is this 16×16
patch from a photo?", so a dot grid, a stripe or a band that no photo has
is what it learns to see, wherever it is (above about 0.1 cycles per
pixel, what the high-pass below lets through).

It is unconditional on purpose: given the label map at full resolution, a
local discriminator learns that generated edges sit exactly on the map's
boundaries while hand-drawn labels do not, and pushes the generator off
them.

It sees the image's high-pass (the image minus its 5×5 binomial blur)
times GAIN, not the image.  Spectral norm makes each layer 1-Lipschitz, so
a texture of amplitude 0.05 can move a logit by little more than that: on
raw pixels this network told v2's images from photos no better than chance
after 400 steps, on the amplified high-pass 87 % after 100 (a one-off
probe on CamVid crops, trained and scored as patch_c2st.py does).  The
high-pass also leaves colour and lighting, which the seeds are meant to
change, to OASIS's D.

Losses: the logistic (non-saturating) GAN loss, per output pixel.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


GAIN = 8.0


def high_pass(x):
    """x minus its [1 4 6 4 1]² blur (reflected edges), per channel."""
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=x.dtype,
                     device=x.device)
    k = k / k.sum()
    k2 = (k[:, None] * k[None, :]).expand(x.shape[1], 1, 5, 5)
    blur = F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k2,
                    groups=x.shape[1])
    return x - blur


class TextureDiscriminator(nn.Module):
    """Fully convolutional: RGB in [-1, 1] -> one logit per 2×2 pixels."""

    def __init__(self, width=32, gain=GAIN):
        super().__init__()
        w = width
        self.gain = gain
        self.net = nn.Sequential(
            spectral_norm(nn.Conv2d(3, w, 3, 1, 1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(w, 2 * w, 3, 1, 1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(2 * w, 2 * w, 4, 2, 1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(2 * w, 1, 3, 1, 1)))

    def forward(self, x):
        return self.net(self.gain * high_pass(x))


def receptive_field():
    """Pixels one output sees along each axis: the 5×5 high-pass, then
    3, 3, 4 at stride 1 and 3 at stride 2."""
    return 1 + 4 + 2 + 2 + 3 + 2 * 2


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
