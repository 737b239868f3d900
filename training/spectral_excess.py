"""The persistent spectral-excess term (--lambda-spec): a generator loss
against periodic textures that the discriminator does not punish.

The bundled model's images carry a fine diagonal cross-hatch: its mean 2-D
power spectrum exceeds the real photos' by 12-16 dB in one narrow band
(docs/MODEL_CARD.md, "Where the texture comes from").  Spectral losses in the
literature (Durall et al., CVPR 2020) match the radially averaged spectrum,
which a narrow 2-D peak hardly moves; this one works on the 2-D spectrum and
only where the excess persists:

  P(x)      mean over the batch of |FFT2(hann * (luma - mean))|^2, smoothed
            over 3x3 frequency bins, in dB (as training/spectrum.py measures)
  real, fk  running means (EMA) of P(real batch) and P(fake batch), no grad
  mask      bins above a radius of 0.1 cycles per pixel where
            fk - real > margin: a texture the generator draws again and
            again, not one batch's noise
  loss      mean over the mask of relu(P(fake) - real - margin), in dB

Per class with prominence (--spec-classes --spec-prominence): the excess
fk - real is measured against its own surround (the median excess of the
7x7 bins around, spectrum.py's prominence), the mask is where that height
exceeds the margin, and the loss is relu(e - surround(e) - margin) there,
e = P(fake) - real with the batch's own surround (taken with gradient).
A narrow peak is pushed down to the level of its surround, whatever that
level: a broad difference of content between the generated and the real
patches (more or less fine detail in general) is neither pushed nor does
it hide a peak that sits on top of it, and less power everywhere does not
pay (against the running surround it did, and the generator went black).

Streaks (--spec-streaks, with --spec-classes): a class whose running
excess has a ridge along the fx or fy axis (its mean on the axis minus
the median off both axes, spectrum.py's streaks) beyond the margin adds
relu(that height of e - margin) to its loss: a band across a road puts
its power on an axis at many frequencies, which no single bin's
prominence shows.

It pushes power down only at the frequencies of a persistent excess, so a
generator without such a peak feels nothing, and fine detail that real
photos have is not asked to go.

It does not ask for fine detail either, and the cheapest way down at one
peak is less power at every high frequency: with it alone the images went
soft (docs/MODEL_CARD.md, stage 6).  The radial gap term (--lambda-radial)
holds the other side:

  ring(x)   the batch's mean power, radially averaged (linear) over the
            rings of training/spectrum.py's upper half (centres 0.25 to 0.5
            cycles per pixel, 1/64 wide), in dB
  loss      mean over the rings of relu(|ring(fake) - ring(real)| - margin)

against the real photos of the same batch, whose label maps the fakes were
drawn from (so the scenes match and no running mean is needed).  Two-sided:
too little detail is pushed up, too much down, but only as whole rings, so
the cheap way is no longer cheap and a narrow peak is left to the 2-D term.
"""

import math

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)
MIN_RADIUS = 0.1


def _hann(n, device):
    # numpy's np.hanning (symmetric), as training/spectrum.py uses
    if n == 1:
        return torch.ones(1, device=device)
    k = torch.arange(n, dtype=torch.float32, device=device)
    return 0.5 - 0.5 * torch.cos(2 * math.pi * k / (n - 1))


def _smooth_db(p):
    # (K, H, W) linear spectra -> 3x3-smoothed dB, circularly: the
    # unshifted spectrum wraps around
    p = F.pad(p[:, None], (1, 1, 1, 1), mode="circular")
    return 10 * torch.log10(F.avg_pool2d(p, 3, stride=1)[:, 0] + 1e-10)


def power_db(images):
    """(N, 3, H, W) images in [-1, 1] -> (H, W) mean power spectrum in dB,
    unshifted, 3x3-smoothed."""
    return _smooth_db(_power(images)[None])[0]


def _luma(images):
    # (N, 3, H, W) -> (N, H, W), in fp32 whatever the autocast
    x = images.float()
    return sum(c * x[:, i] for i, c in enumerate(LUMA))


def _power(images):
    # linear, unsmoothed, batch mean of the windowed luma: what
    # training/spectrum.py averages
    lum = _luma(images)
    lum = lum - lum.mean(dim=(1, 2), keepdim=True)
    h, w = lum.shape[1:]
    win = torch.outer(_hann(h, lum.device), _hann(w, lum.device))
    return torch.fft.fft2(lum * win).abs().pow(2).mean(0)


UPPER_BANDS = 16       # spectrum.py's 32 bands from 0 to 0.5, upper half


def upper_rings(h, w, device=None):
    """(UPPER_BANDS, H, W) float masks of the upper half's rings, each
    normalised to sum 1 (so a product with the power is the ring's mean)."""
    r = radius(h, w, device)
    edges = torch.linspace(0.25, 0.5, UPPER_BANDS + 1)
    rings = torch.stack([((r >= lo) & (r < hi)).float()
                         for lo, hi in zip(edges[:-1], edges[1:])])
    return rings / rings.sum(dim=(1, 2), keepdim=True)


def ring_db(images, rings):
    p = _power(images)
    return 10 * torch.log10((rings * p).sum(dim=(1, 2)) + 1e-10)


def radial_gap(fake, real, margin_db=1.0):
    """The radial gap term of the module docstring (differentiable in
    fake): real holds the photos of fake's label maps, row by row."""
    h, w = fake.shape[2:]
    rings = upper_rings(h, w, fake.device)
    with torch.no_grad():
        target = ring_db(real, rings)
    gap = ring_db(fake, rings) - target
    return F.relu(gap.abs() - margin_db).mean(), gap.detach().mean().item()


def radius(h, w, device=None):
    fy = torch.fft.fftfreq(h, device=device)[:, None]
    fx = torch.fft.fftfreq(w, device=device)[None, :]
    return torch.sqrt(fx * fx + fy * fy)


class SpectralExcess:
    """Running spectra and the loss of the module docstring."""

    def __init__(self, margin_db=2.0, decay=0.99):
        self.margin = margin_db
        self.decay = decay
        self.real = None
        self.fake = None

    def _ema(self, old, new):
        if old is None or old.shape != new.shape:
            return new.clone()
        return self.decay * old + (1 - self.decay) * new

    @torch.no_grad()
    def observe_real(self, real):
        self.real = self._ema(self.real, power_db(real))

    def mask(self):
        """Bins of persistent excess (bool (H, W)), or None before both
        running means exist."""
        if self.real is None or self.fake is None:
            return None
        h, w = self.real.shape
        far = radius(h, w, self.real.device) >= MIN_RADIUS
        return far & (self.fake - self.real > self.margin)

    def loss(self, fake):
        """The term for this batch's generated images (differentiable);
        also updates the fake running mean."""
        p = power_db(fake)
        self.fake = self._ema(self.fake, p.detach())
        m = self.mask()
        if m is None or not bool(m.any()):
            return p.sum() * 0.0
        excess = F.relu(p - self.real - self.margin)
        return excess[m].mean()

    def peak(self):
        """(excess dB, fx, fy) of the running means' largest excess above
        MIN_RADIUS, for the log; None before both exist."""
        if self.real is None or self.fake is None:
            return None
        h, w = self.real.shape
        d = self.fake - self.real
        d = d.masked_fill(radius(h, w, d.device) < MIN_RADIUS, -math.inf)
        k = int(torch.argmax(d))
        fy = torch.fft.fftfreq(h)[k // w].item()
        fx = torch.fft.fftfreq(w)[k % w].item()
        return d.flatten()[k].item(), fx, fy

    def state_dict(self):
        return {"margin": self.margin, "decay": self.decay,
                "real": self.real, "fake": self.fake}

    def load_state_dict(self, st):
        # a per-class term's state (ClassSpectralExcess) starts afresh
        if "seen_real" in st:
            return
        self.margin, self.decay = st["margin"], st["decay"]
        self.real, self.fake = st["real"], st["fake"]


PATCH = 32          # class patches, as training/spectrum.py measures them
PURITY = 0.9


def patch_power(images, label, dontcare):
    """Per class, the mean 2-D power spectrum (linear, unshifted) of the
    32x32 luma patches (stride 16) that lie on PURITY of their pixels inside
    that class of the one-hot label (N, C, H, W).  Returns (C, P, P) and a
    (C,) bool of the classes that had a patch."""
    lum = _luma(images)[:, None]
    step = PATCH // 2
    patches = F.unfold(lum, PATCH, stride=step)           # N, P*P, L
    patches = patches.transpose(1, 2).reshape(-1, PATCH, PATCH)
    share = F.avg_pool2d(label.float(), PATCH, stride=step)  # N, C, h, w
    share = share.flatten(2).transpose(1, 2).reshape(-1, share.shape[1])
    patches = patches - patches.mean(dim=(1, 2), keepdim=True)
    win = torch.outer(_hann(PATCH, lum.device), _hann(PATCH, lum.device))
    power = torch.fft.fft2(patches * win).abs().pow(2)   # L', P, P
    keep = (share >= PURITY).float()                      # L', C
    if 0 <= dontcare < keep.shape[1]:
        keep[:, dontcare] = 0
    count = keep.sum(0)
    mean = torch.einsum("lc,lij->cij", keep, power) / count.clamp(min=1)[
        :, None, None]
    return mean, count > 0


SURROUND = 3        # prominence: the surround is the 7x7 bins around


def surround_db(e):
    """(K, P, P) dB excess -> the median of each bin's surround (the 7x7
    bins around it, circularly, its 3x3 centre left out), as
    training/spectrum.py's prominence2d takes it."""
    r = SURROUND
    k, h, w = e.shape
    q = F.pad(e[:, None], (r, r, r, r), mode="circular")
    win = F.unfold(q, 2 * r + 1).reshape(k, (2 * r + 1) ** 2, h, w)
    ring = torch.ones(2 * r + 1, 2 * r + 1, dtype=torch.bool)
    ring[r - 1:r + 2, r - 1:r + 2] = False
    # quantile 0.5 is numpy's median (the mean of the two middle values)
    return torch.quantile(win[:, ring.flatten()], 0.5, dim=1)


def streak_heights(e):
    """(K, P, P) dB excess (unshifted) -> (K, 2): the mean excess on the
    fy axis (horizontal streaks) and on the fx axis (vertical ones), within
    one bin of it and above MIN_RADIUS, minus the median excess off both
    axes; training/spectrum.py's streaks2d on class patches."""
    k, h, w = e.shape
    fy = torch.fft.fftfreq(h, device=e.device)[:, None].expand(h, w)
    fx = torch.fft.fftfreq(w, device=e.device)[None, :].expand(h, w)
    far = radius(h, w, e.device) >= MIN_RADIUS
    hor = far & (fx.abs() <= 1.0 / w)
    ver = far & (fy.abs() <= 1.0 / h)
    off = far & ~hor & ~ver
    flat = e.flatten(1)
    base = torch.quantile(flat[:, off.flatten()], 0.5, dim=1)
    return torch.stack([flat[:, hor.flatten()].mean(1) - base,
                        flat[:, ver.flatten()].mean(1) - base], dim=1)


class ClassSpectralExcess:
    """SpectralExcess per class on class patches (--spec-classes): the
    texture sits in trees, on roads and facades, which cover too little of
    the frame for the whole-frame spectrum to see it (training/spectrum.py's
    per-class measure).  Running means of power per class, updated only by
    batches that have patches of the class, and taken to dB after, as
    spectrum.py averages: a running mean of each batch's dB counted a
    texture strong in some images and absent in others for about 5 dB less
    than the measure does (docs/MODEL_CARD.md, stage 6c).  The loss is the
    mean over the classes of this batch of the mean excess of the batch's
    dB over the running real dB (with prominence: its height above the
    batch's surround), over their persistent-excess bins, plus their
    streak heights (with streaks); the module docstring has the terms."""

    def __init__(self, margin_db=2.0, decay=0.99, dontcare=-1,
                 prominence=False, streaks=False):
        self.margin = margin_db
        self.decay = decay
        self.dontcare = dontcare
        self.prominence = prominence
        self.streaks = streaks
        self.real = self.fake = None
        self.seen_real = self.seen_fake = None

    def _ema(self, old, seen, new, present):
        if old is None or old.shape != new.shape:
            return new.clone(), present.clone()
        first = present & ~seen
        upd = present & seen
        out = old.clone()
        out[first] = new[first]
        out[upd] = self.decay * old[upd] + (1 - self.decay) * new[upd]
        return out, seen | present

    @torch.no_grad()
    def observe_real(self, real, label):
        p, present = patch_power(real, label, self.dontcare)
        self.real, self.seen_real = self._ema(self.real, self.seen_real, p,
                                              present)

    def _excess(self):
        # running excess in dB, from the running means of power
        return _smooth_db(self.fake) - _smooth_db(self.real)

    def _floor(self):
        """(C, P, P) dB above the real photos' that passes free: the
        surround's excess with prominence, else 0."""
        if not self.prominence:
            return torch.zeros_like(self.real)
        return surround_db(self._excess())

    def height(self):
        """(C, P, P) running excess above the floor, in dB."""
        return self._excess() - self._floor()

    def mask(self):
        """(C, P, P) bool of the bins of persistent excess, or None."""
        if self.real is None or self.fake is None:
            return None
        far = radius(PATCH, PATCH, self.real.device) >= MIN_RADIUS
        both = (self.seen_real & self.seen_fake)[:, None, None]
        return far[None] & both & (self.height() > self.margin)

    def streak_mask(self):
        """(C, 2) bool: classes whose running spectra carry horizontal /
        vertical streaks beyond the margin (--spec-streaks), or None."""
        if not self.streaks or self.real is None or self.fake is None:
            return None
        both = (self.seen_real & self.seen_fake)[:, None]
        return both & (streak_heights(self._excess()) > self.margin)

    def streak_heights_now(self):
        """(dB, "horizontal" or "vertical", class) of the largest running
        streak height, for the log."""
        if self.real is None or self.fake is None:
            return None
        h = streak_heights(self._excess())
        both = (self.seen_real & self.seen_fake)[:, None]
        h = h.masked_fill(~both, -math.inf)
        c, axis = divmod(int(torch.argmax(h)), 2)
        return h[c, axis].item(), ("horizontal", "vertical")[axis], c

    def loss(self, fake, label):
        p, present = patch_power(fake, label, self.dontcare)
        self.fake, self.seen_fake = self._ema(self.fake, self.seen_fake,
                                              p.detach(), present)
        m = self.mask()
        if m is None:
            return p.sum() * 0.0
        m = m & present[:, None, None]
        classes = m.flatten(1).any(1)
        sm = self.streak_mask()
        if sm is not None:
            sm = sm & present[:, None]
            classes = classes | sm.any(1)
        if not bool(classes.any()):
            return p.sum() * 0.0
        e = _smooth_db(p) - _smooth_db(self.real)
        # streaks: the batch's ridge on an axis above its off-axis median,
        # a uniform drop of power leaves it as the peaks' height
        streak = (F.relu(streak_heights(e) - self.margin) * sm).sum(1) \
            if sm is not None else 0.0
        if self.prominence:
            # the batch's height above its own surround, not above the
            # running one: against a fixed floor the cheapest way down was
            # less power everywhere, the surround followed, and the peak
            # stood again; a ratchet that drew roads and trees black
            # (docs/MODEL_CARD.md, stage 6c at --lambda-spec 2).  A change
            # of power that the surround shares leaves this loss alone.
            e = e - surround_db(e)
        excess = F.relu(e - self.margin) * m
        per_class = excess.flatten(1).sum(1) / m.flatten(1).sum(1).clamp(
            min=1) + streak
        return per_class[classes].mean()

    def peak(self):
        """(excess dB, fx, fy, class) of the largest running excess (its
        height above the surround with prominence)."""
        if self.real is None or self.fake is None:
            return None
        d = self.height()
        far = radius(PATCH, PATCH, d.device) >= MIN_RADIUS
        both = (self.seen_real & self.seen_fake)[:, None, None]
        d = d.masked_fill(~(far[None] & both), -math.inf)
        k = int(torch.argmax(d))
        c, k = divmod(k, PATCH * PATCH)
        f = torch.fft.fftfreq(PATCH)
        return d.flatten()[c * PATCH * PATCH + k].item(), \
            f[k % PATCH].item(), f[k // PATCH].item(), c

    def state_dict(self):
        return {"margin": self.margin, "decay": self.decay, "linear": True,
                "prominence": self.prominence, "streaks": self.streaks,
                "dontcare": self.dontcare, "real": self.real,
                "fake": self.fake, "seen_real": self.seen_real,
                "seen_fake": self.seen_fake}

    def load_state_dict(self, st):
        # a whole-frame term's state (no "seen_real"), or running means
        # of dB (no "linear"), start afresh
        if "seen_real" not in st or not st.get("linear"):
            return
        self.margin, self.decay = st["margin"], st["decay"]
        self.dontcare = st["dontcare"]
        self.real, self.fake = st["real"], st["fake"]
        self.seen_real, self.seen_fake = st["seen_real"], st["seen_fake"]
        self.prominence = st.get("prominence", self.prominence)
