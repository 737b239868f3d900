"""OASIS generator and discriminator (Sushko et al., ICLR 2021).

The module tree and parameter names follow the official implementation
(boschresearch/OASIS), so that state dicts translate name for name:

Generator: ``fc``, ``body.<i>`` (ResnetBlock_with_SPADE: ``conv_0``,
``conv_1``, ``conv_s``, ``norm_0``, ``norm_1``, ``norm_s``), ``conv_img``.
SPADE: ``first_norm`` (BatchNorm2d, affine=False), ``mlp_shared`` (Sequential
of a 3x3 conv and ReLU), ``mlp_gamma``, ``mlp_beta``.

Discriminator: ``body_down.<i>`` / ``body_up.<i>`` (residual_block_D with
``conv1``, ``conv2``, ``conv_s``), ``layer_up_last``.

Differences from the official code, all configuration only: the widths are
lists given by the caller, SPADE's hidden width is a parameter, the
generator starts from a ``width/2^(n-1) x height/2^(n-1)`` grid, and the noise
is passed in explicitly (a per-image vector or a full z-map) so that results
are reproducible.  The discriminator's last decoder width (64 officially) is
the ``head`` parameter.
"""

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

BN_EPS = 1e-5


def _sn(module, use):
    return spectral_norm(module) if use else module


class SPADE(nn.Module):
    """Parameter-free batch norm modulated by the label map."""

    def __init__(self, norm_nc, label_nc, hidden):
        super().__init__()
        self.first_norm = nn.BatchNorm2d(norm_nc, affine=False, eps=BN_EPS)
        self.mlp_shared = nn.Sequential(
            nn.Conv2d(label_nc, hidden, kernel_size=3, padding=1), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, kernel_size=3, padding=1)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, kernel_size=3, padding=1)

    def forward(self, x, seg):
        normalized = self.first_norm(x)
        seg = F.interpolate(seg, size=x.shape[2:], mode="nearest")
        actv = self.mlp_shared(seg)
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class ResnetBlock_with_SPADE(nn.Module):  # noqa: N801 (official name)
    def __init__(self, fin, fout, label_nc, hidden, sn=True):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmid = min(fin, fout)
        self.conv_0 = _sn(nn.Conv2d(fin, fmid, 3, padding=1), sn)
        self.conv_1 = _sn(nn.Conv2d(fmid, fout, 3, padding=1), sn)
        if self.learned_shortcut:
            self.conv_s = _sn(nn.Conv2d(fin, fout, 1, bias=False), sn)
        self.norm_0 = SPADE(fin, label_nc, hidden)
        self.norm_1 = SPADE(fmid, label_nc, hidden)
        if self.learned_shortcut:
            self.norm_s = SPADE(fin, label_nc, hidden)

    def forward(self, x, seg):
        if self.learned_shortcut:
            x_s = self.conv_s(self.norm_s(x, seg))
        else:
            x_s = x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return x_s + dx


class OASISGenerator(nn.Module):
    """OASIS generator; ``channels`` has n+1 entries for n blocks."""

    def __init__(self, channels, z_dim, semantic_nc, spade_hidden,
                 width, height, sn=True):
        super().__init__()
        self.channels = list(channels)
        self.z_dim = z_dim
        self.semantic_nc = semantic_nc
        self.width = width
        self.height = height
        n = len(self.channels) - 1
        if n < 1:
            raise ValueError("channels needs at least two entries")
        f = 2 ** (n - 1)
        if width % f or height % f:
            raise ValueError("%dx%d not divisible by 2^%d" % (width, height,
                                                               n - 1))
        self.init_w, self.init_h = width // f, height // f
        label_nc = z_dim + semantic_nc
        self.fc = nn.Conv2d(label_nc, self.channels[0], 3, padding=1)
        self.body = nn.ModuleList(
            ResnetBlock_with_SPADE(self.channels[i], self.channels[i + 1],
                                   label_nc, spade_hidden, sn)
            for i in range(n))
        self.conv_img = nn.Conv2d(self.channels[-1], 3, 3, padding=1)

    def make_seg(self, label, z):
        """Concatenate noise and label: z is (B, z_dim) or (B, z_dim, H, W)."""
        if z.dim() == 2:
            z = z[:, :, None, None].expand(-1, -1, label.shape[2],
                                           label.shape[3])
        return torch.cat((z.to(label.dtype), label), dim=1)

    def forward(self, label, z):
        seg = self.make_seg(label, z)
        x = F.interpolate(seg, size=(self.init_h, self.init_w),
                          mode="nearest")
        x = self.fc(x)
        last = len(self.body) - 1
        for i, block in enumerate(self.body):
            x = block(x, seg)
            if i < last:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        x = self.conv_img(F.leaky_relu(x, 0.2))
        return torch.tanh(x)


class residual_block_D(nn.Module):  # noqa: N801 (official name)
    """Residual block of the U-Net discriminator; up_or_down: -1, 0, +1."""

    def __init__(self, fin, fout, up_or_down, first=False, sn=True):
        super().__init__()
        self.up_or_down = up_or_down
        self.first = first
        self.learned_shortcut = fin != fout
        conv1 = _sn(nn.Conv2d(fin, fout, 3, 1, 1), sn)
        if first:
            self.conv1 = nn.Sequential(conv1)
        elif up_or_down > 0:
            self.conv1 = nn.Sequential(nn.LeakyReLU(0.2),
                                       nn.Upsample(scale_factor=2), conv1)
        else:
            self.conv1 = nn.Sequential(nn.LeakyReLU(0.2), conv1)
        self.conv2 = nn.Sequential(nn.LeakyReLU(0.2),
                                   _sn(nn.Conv2d(fout, fout, 3, 1, 1), sn))
        if self.learned_shortcut:
            self.conv_s = _sn(nn.Conv2d(fin, fout, 1, 1, 0), sn)

    def _resample(self, x):
        if self.up_or_down > 0:
            return F.interpolate(x, scale_factor=2, mode="nearest")
        if self.up_or_down < 0:
            return F.avg_pool2d(x, 2)
        return x

    def shortcut(self, x):
        if self.up_or_down > 0 or (self.first and self.up_or_down < 0):
            x = self._resample(x)
            if self.learned_shortcut:
                x = self.conv_s(x)
            return x
        if self.learned_shortcut:
            x = self.conv_s(x)
        return self._resample(x)

    def forward(self, x):
        dx = self.conv2(self.conv1(x))
        if self.up_or_down < 0:
            dx = F.avg_pool2d(dx, 2)
        return self.shortcut(x) + dx


class OASISDiscriminator(nn.Module):
    """U-Net discriminator with semantic_nc + 1 outputs (0 = fake).

    ``channels`` = [3, c1, ..., ck]: k down blocks, k up blocks; the last up
    block outputs ``head`` channels (64 in the official models).
    """

    def __init__(self, channels, semantic_nc, head=64, sn=True):
        super().__init__()
        ch = list(channels)
        k = len(ch) - 1
        if k < 2:
            raise ValueError("discriminator needs at least two blocks")
        self.channels = ch
        self.head = head
        self.body_down = nn.ModuleList(
            residual_block_D(ch[i], ch[i + 1], -1, first=(i == 0), sn=sn)
            for i in range(k))
        up = [residual_block_D(ch[-1], ch[-2], 1, sn=sn)]
        for i in range(1, k - 1):
            up.append(residual_block_D(2 * ch[-1 - i], ch[-2 - i], 1, sn=sn))
        up.append(residual_block_D(2 * ch[1], head, 1, sn=sn))
        self.body_up = nn.ModuleList(up)
        self.layer_up_last = nn.Conv2d(head, semantic_nc + 1, 1, 1, 0)

    def forward(self, x, return_features=False):
        skips = []
        for block in self.body_down:
            x = block(x)
            skips.append(x)
        x = self.body_up[0](x)
        for i in range(1, len(self.body_down)):
            x = self.body_up[i](torch.cat((skips[-i - 1], x), dim=1))
        out = self.layer_up_last(x)
        return (out, x) if return_features else out


# ---------------------------------------------------------------- init
def init_weights(net, gain=0.02):
    """Official OASIS init: Xavier-normal (gain 0.02) for plain convs.

    Spectral-normalised convs keep PyTorch's default init, as in the official
    code (its init touches only the derived ``weight`` of those layers).
    """
    for m in net.modules():
        if isinstance(m, nn.Conv2d) and not hasattr(m, "weight_orig"):
            nn.init.xavier_normal_(m.weight, gain=gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


@torch.no_grad()
def warm_spectral_norm(net, iters=30):
    """Run power iterations on every spectral-normalised layer so that the
    stored ``u``/``v`` estimate sigma well before the first step (torch
    starts them at random vectors and iterates once per forward pass)."""
    for m in net.modules():
        if hasattr(m, "weight_orig"):
            w = m.weight_orig.reshape(m.weight_orig.shape[0], -1)
            u, v = m.weight_u, m.weight_v
            for _ in range(iters):
                v.copy_(F.normalize(torch.mv(w.t(), u), dim=0, eps=1e-12))
                u.copy_(F.normalize(torch.mv(w, v), dim=0, eps=1e-12))


@torch.no_grad()
def load_folded(net, folded):
    """Copy folded tensors (spectral norm's effective weights, as stored in
    a model file) into a spectral-normalised net: W goes to weight_orig and
    the power iteration is settled, so W_eff = W / sigma(W) ~= W."""
    params = dict(net.named_parameters())
    bufs = dict(net.named_buffers())
    sn = {n for n, m in net.named_modules() if hasattr(m, "weight_orig")}
    done = set()
    for key, value in folded.items():
        mod, _, leaf = key.rpartition(".")
        name = mod + ".weight_orig" if mod in sn and leaf == "weight" else key
        dst = params.get(name, bufs.get(name))
        if dst is None or tuple(dst.shape) != tuple(value.shape):
            raise ValueError("cannot load %s %s" % (key, tuple(value.shape)))
        dst.copy_(torch.as_tensor(value))
        done.add(name)
    left = [n for n in list(params) + list(bufs) if n not in done
            and not n.endswith(("weight_u", "weight_v",
                                "num_batches_tracked"))]
    if left:
        raise ValueError("not in the model file: %s" % left)
    warm_spectral_norm(net, iters=200)


def count_params(net):
    return sum(p.numel() for p in net.parameters())


# ---------------------------------------------------------------- losses
def class_weights(label, dontcare):
    """Per-pixel class-balancing weights (B, H, W) from the one-hot label.

    Weight of class c = numel / (present_classes * C * count_c); the
    don't-care channel has weight 0.
    """
    count = label.sum(dim=(0, 2, 3))
    if dontcare >= 0:
        count[dontcare] = 0
    present = (count > 0).sum()
    coef = label.numel() / (present * label.shape[1] * count.clamp(min=1))
    coef = torch.where(count > 0, coef, torch.zeros_like(coef))
    return coef[label.argmax(dim=1)]


def n1_target(label, real):
    """N+1 target: class + 1 for real pixels, 0 (fake) for generated."""
    if real:
        return label.argmax(dim=1) + 1
    return torch.zeros(label.shape[0], label.shape[2], label.shape[3],
                       dtype=torch.long, device=label.device)


def diversity_ratio(fake1, fake2, z1, z2, tau):
    """Diversity-sensitive ratio (Yang et al., ICLR 2019): how far two noises
    move the images per unit of noise distance, clamped at tau so that it
    stops pushing once seeds differ enough.  Per sample, then averaged."""
    num = (fake1.float() - fake2.float()).abs().flatten(1).mean(1)
    den = (z1.float() - z2.float()).abs().flatten(1).mean(1)
    return torch.clamp(num / (den + 1e-5), max=tau).mean()


def d_loss(logits, label, real, dontcare):
    """OASIS N+1 cross-entropy; class-balanced for the real target."""
    ce = F.cross_entropy(logits, n1_target(label, real), reduction="none")
    if real:
        return (ce * class_weights(label, dontcare)).mean()
    return ce.mean()


def labelmix(label, fake, real, generator=None):
    """LabelMix: each class of each image takes real or fake at random."""
    cls = label.argmax(dim=1, keepdim=True)
    bits = torch.randint(0, 2, (label.shape[0], label.shape[1]),
                         generator=generator, device=label.device)
    mask = torch.gather(bits, 1, cls.flatten(1)).view_as(cls).to(real.dtype)
    return mask * real + (1 - mask) * fake, mask


def labelmix_loss(mask, d_mixed, d_fake, d_real):
    return F.mse_loss(mask * d_real + (1 - mask) * d_fake, d_mixed)


# ---------------------------------------------------------------- EMA
@torch.no_grad()
def ema_update(ema, net, decay):
    """EMA of the parameters; buffers (SN vectors, BN stats) are copied."""
    for pe, p in zip(ema.parameters(), net.parameters()):
        pe.mul_(decay).add_(p, alpha=1 - decay)
    for be, b in zip(ema.buffers(), net.buffers()):
        be.copy_(b)


@torch.no_grad()
def recompute_bn_stats(gen, batches):
    """Re-estimate BatchNorm running statistics of ``gen`` (the official
    OASIS trick for the EMA generator).

    ``batches`` yields (label, z).  Statistics are the plain average over
    the batches; the generator runs in train mode, so the spectral-norm power
    iteration also adapts ``u``/``v`` to the EMA weights.
    """
    bns = [m for m in gen.modules() if isinstance(m, nn.BatchNorm2d)]
    saved = [m.momentum for m in bns]
    was_training = gen.training
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    gen.train()
    for label, z in batches:
        gen(label, z)
    for m, mom in zip(bns, saved):
        m.momentum = mom
    gen.train(was_training)


# ---------------------------------------------------------------- export
def sn_effective_weight(module):
    """W / sigma exactly as torch's spectral norm computes it in eval mode."""
    w = module.weight_orig.detach()
    u = module.weight_u.detach()
    v = module.weight_v.detach()
    mat = w.reshape(w.shape[0], -1)
    sigma = torch.dot(u, torch.mv(mat, v))
    return w / sigma


def folded_state(net):
    """State dict with spectral norm folded: ``x.weight`` = effective W.

    Drops ``weight_orig``/``weight_u``/``weight_v`` and BN's
    ``num_batches_tracked``.
    """
    out = {}
    sn_prefixes = set()
    for name, m in net.named_modules():
        if hasattr(m, "weight_orig"):
            out[(name + "." if name else "") + "weight"] = \
                sn_effective_weight(m)
            sn_prefixes.add(name)
    for k, v in net.state_dict().items():
        mod, _, leaf = k.rpartition(".")
        if mod in sn_prefixes and leaf in ("weight_orig", "weight_u",
                                           "weight_v"):
            continue
        if leaf == "num_batches_tracked":
            continue
        out[k] = v.detach()
    return out


def plain_copy(net, builder):
    """A copy of ``net`` without spectral norm (folded), built by
    ``builder(sn=False)``."""
    plain = builder(sn=False)
    missing, unexpected = plain.load_state_dict(folded_state(net),
                                                strict=False)
    bad = [k for k in missing if not k.endswith("num_batches_tracked")]
    if bad or unexpected:
        raise RuntimeError("fold mismatch: %s %s" % (bad, unexpected))
    return plain


def clone(net):
    return copy.deepcopy(net)
