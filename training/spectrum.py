#!/usr/bin/python3
"""How far a generator's images are from real photos in frequency content.

For each model: one image per label map of --split (seed = index, the
app's per-class noise), at the model's own size; the real photos of the
same split at that size (Lanczos, as training sees them).  For each set:
luma, mean removed, a 2-D Hann window, |FFT|^2 averaged over the images.

Reported, in dB (10 log10 generated / real):
  radial      the radially averaged power spectrum's difference, mean of
              |dB| over the upper half of the frequencies (0.25 to 0.5
              cycles per pixel), and the worst single band there;
  peak2d      the largest excess of the 2-D spectrum (smoothed over 3x3
              frequency bins) above a radius of 0.1 cycles per pixel, and
              its wave vector (fx, fy) in cycles per pixel: a narrow peak
              here is a periodic texture, a grid or a stripe.
  prominence  the largest height of that excess above its own surround
              (the median excess over the 7x7 bins around it, its 3x3
              centre left out): a periodic texture is a narrow peak and
              stands high; a broad difference of content (the generator's
              facades carry more fine detail than this street's do) moves
              the surround with it and does not.  peak2d mixes the two:
              on the val split, one street filmed frame by frame, one
              checkpoint's per-class peak2d read 9-12 dB where on 100
              training photos drawn at random it read 1-4 (MODEL_CARD).
  streaks     horizontal / vertical: the mean excess on the fy axis
              (|fx| within one bin) / on the fx axis, above a radius of
              0.1, minus the median excess off both axes.  Streaks, a
              road drawn in horizontal bands or a facade in vertical ones,
              put their power along an axis at many frequencies, a ridge
              that no single bin's prominence shows (MODEL_CARD: stage
              6c's branch from 750 drew them at +3.6 dB of prominence).
  classes     peak2d, prominence and streaks, per class, on 32x32
              patches that lie (90 % of their pixels) inside one class of
              the label map: a texture drawn only in trees or on facades
              covers too little of the frame to show in peak2d, and shows
              here.  Generated and real patches come from the same places
              of the same maps.
The reference line "real vs real" compares two sets of real photos the
same way: the first half of the split's photos against the second half
(other scenes; neighbouring frames, as even against odd would be, are
nearly the same picture)
(or, with --ref-split, the split against as many photos of that split; on
CamVid train and val are different drives, and their spectra differ by more
than a good generator's should).  It is what a perfect generator would
score, up to the sampling noise of half as many images.

    /usr/bin/python3 training/spectrum.py --data ../shared/datasets/camvid \\
        --split val --model resources/models/default.safetensors [--model M2 ...]
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import modelfile  # noqa: E402

BANDS = 32           # radial bins from 0 to 0.5 cycles per pixel
PEAK_MIN_RADIUS = 0.1


def luma(images):
    """(N, H, W, 3) uint8 -> (N, H, W) float64, BT.601 luma in [0, 1]."""
    x = np.asarray(images, np.float64) / 255.0
    return x @ np.array([0.299, 0.587, 0.114])


def power_spectrum(images):
    """Mean 2-D power spectrum (fftshifted) of (N, H, W, 3) uint8 images."""
    y = luma(images)
    n, h, w = y.shape
    win = np.outer(np.hanning(h), np.hanning(w))
    y = (y - y.mean(axis=(1, 2), keepdims=True)) * win
    p = np.abs(np.fft.fft2(y)) ** 2
    return np.fft.fftshift(p.mean(0))


def frequencies(h, w):
    fy = np.fft.fftshift(np.fft.fftfreq(h))
    fx = np.fft.fftshift(np.fft.fftfreq(w))
    return np.meshgrid(fx, fy)


def radial(p):
    h, w = p.shape
    fx, fy = frequencies(h, w)
    r = np.hypot(fx, fy)
    edges = np.linspace(0, 0.5, BANDS + 1)
    out = np.full(BANDS, np.nan)
    for i in range(BANDS):
        m = (r >= edges[i]) & (r < edges[i + 1])
        if m.any():
            out[i] = p[m].mean()
    return (edges[:-1] + edges[1:]) / 2, out


def smooth3(p):
    q = np.pad(p, 1, mode="edge")
    return sum(q[1 + dy:1 + dy + p.shape[0], 1 + dx:1 + dx + p.shape[1]]
               for dy in (-1, 0, 1) for dx in (-1, 0, 1)) / 9.0


def peak2d(p_gen, p_real):
    """(dB, fx, fy) of the largest 3x3-smoothed excess above
    PEAK_MIN_RADIUS."""
    h, w = p_gen.shape
    fx, fy = frequencies(h, w)
    ratio = 10 * np.log10(smooth3(p_gen) / smooth3(p_real))
    ratio[np.hypot(fx, fy) < PEAK_MIN_RADIUS] = -np.inf
    k = np.unravel_index(np.argmax(ratio), ratio.shape)
    return float(ratio[k]), float(fx[k]), float(fy[k])


SURROUND = 3         # prominence: the surround is the 7x7 bins around


def prominence2d(p_gen, p_real):
    """(dB, fx, fy) of the largest height of the 3x3-smoothed excess
    above the median excess of its surround (7x7 bins, circularly, the
    3x3 centre left out), above PEAK_MIN_RADIUS."""
    h, w = p_gen.shape
    fx, fy = frequencies(h, w)
    e = 10 * np.log10(smooth3(p_gen) / smooth3(p_real))
    r = SURROUND
    q = np.pad(e, r, mode="wrap")
    win = np.lib.stride_tricks.sliding_window_view(q, (2 * r + 1,
                                                       2 * r + 1))
    ring = np.ones((2 * r + 1, 2 * r + 1), bool)
    ring[r - 1:r + 2, r - 1:r + 2] = False
    height = e - np.median(win[:, :, ring], axis=2)
    height[np.hypot(fx, fy) < PEAK_MIN_RADIUS] = -np.inf
    k = np.unravel_index(np.argmax(height), height.shape)
    return float(height[k]), float(fx[k]), float(fy[k])


def compare(p_gen, p_real):
    """The measures of the docstring for two mean power spectra."""
    centres, rg = radial(p_gen)
    _, rr = radial(p_real)
    db = 10 * np.log10(rg / rr)
    upper = centres >= 0.25
    peak_db, peak_fx, peak_fy = peak2d(p_gen, p_real)
    prom_db, prom_fx, prom_fy = prominence2d(p_gen, p_real)
    hor, ver = streaks2d(p_gen, p_real)
    return {
        "streaks_h_db": hor, "streaks_v_db": ver,
        "prominence_db": prom_db, "prominence_fx": prom_fx,
        "prominence_fy": prom_fy,
        "upper_mean_abs_db": float(np.mean(np.abs(db[upper]))),
        "upper_worst_db": float(db[upper][np.argmax(np.abs(db[upper]))]),
        "upper_mean_db": float(np.mean(db[upper])),
        "peak2d_db": peak_db, "peak2d_fx": peak_fx, "peak2d_fy": peak_fy,
        "radial_db": [round(float(v), 2) for v in db],
    }


PATCH = 32           # class patches: side, stride half of it
PURITY = 0.9         # share of a patch's pixels in its class
MIN_PATCHES = 40     # fewer: the class is not reported


def streaks2d(p_gen, p_real):
    """(horizontal, vertical) streak excess in dB: the mean 3x3-smoothed
    excess on the fy axis and on the fx axis (within one bin of it),
    above PEAK_MIN_RADIUS, minus the median excess off both axes."""
    h, w = p_gen.shape
    fx, fy = frequencies(h, w)
    e = 10 * np.log10(smooth3(p_gen) / smooth3(p_real))
    far = np.hypot(fx, fy) >= PEAK_MIN_RADIUS
    hor = far & (np.abs(fx) <= 1.0 / w)
    ver = far & (np.abs(fy) <= 1.0 / h)
    base = np.median(e[far & ~hor & ~ver])
    return float(e[hor].mean() - base), float(e[ver].mean() - base)


def class_patches(images, labels, cls):
    """Luma patches (n, PATCH, PATCH) of (N, H, W, 3) uint8 images at the
    places where (N, H, W) labels are cls on PURITY of the patch."""
    y = luma(images)
    step = PATCH // 2
    out = []
    _, h, w = y.shape
    for y0 in range(0, h - PATCH + 1, step):
        for x0 in range(0, w - PATCH + 1, step):
            lab = labels[:, y0:y0 + PATCH, x0:x0 + PATCH]
            keep = (lab == cls).mean(axis=(1, 2)) >= PURITY
            out.append(y[keep, y0:y0 + PATCH, x0:x0 + PATCH])
    return np.concatenate(out) if out else np.zeros((0, PATCH, PATCH))


def patch_spectrum(patches):
    """Mean 2-D power spectrum (fftshifted) of luma patches (n, P, P)."""
    win = np.outer(np.hanning(PATCH), np.hanning(PATCH))
    y = (patches - patches.mean(axis=(1, 2), keepdims=True)) * win
    return np.fft.fftshift((np.abs(np.fft.fft2(y)) ** 2).mean(0))


def class_peaks(gen, gen_labels, real, real_labels, classes):
    """{class name: {patches, peak_db, fx, fy}} for the (id, name) classes
    with at least MIN_PATCHES patches on both sides."""
    out = {}
    for cls, name in classes:
        pg = class_patches(gen, gen_labels, cls)
        pr = class_patches(real, real_labels, cls)
        if min(len(pg), len(pr)) < MIN_PATCHES:
            continue
        sg, sr = patch_spectrum(pg), patch_spectrum(pr)
        db, fx, fy = peak2d(sg, sr)
        pdb, pfx, pfy = prominence2d(sg, sr)
        hor, ver = streaks2d(sg, sr)
        out[name] = {"patches": len(pg), "peak_db": round(db, 2),
                     "fx": round(fx, 3), "fy": round(fy, 3),
                     "prominence_db": round(pdb, 2),
                     "prominence_fx": round(pfx, 3),
                     "prominence_fy": round(pfy, 3),
                     "streaks_h_db": round(hor, 2),
                     "streaks_v_db": round(ver, 2)}
    return out


def class_ids(ds):
    return [(c["id"], c["name"]) for c in ds.classes["classes"]]


@torch.no_grad()
def images_of(gen, cfg, ds, seed_base=0, batch=8, indices=None):
    """One uint8 image per map of ds, or of its maps at indices, with the
    app's noise (seed = seed_base + the map's index in ds)."""
    indices = list(range(len(ds))) if indices is None else list(indices)
    out = []
    for i0 in range(0, len(indices), batch):
        items = indices[i0:i0 + batch]
        labs, zs = zip(*(modelfile.generator_inputs(cfg, ds.labels[i],
                                                    seed_base + i)
                         for i in items))
        fake = gen(torch.cat(labs), torch.cat(zs))
        out += [modelfile.to_uint8(f.numpy()) for f in fake]
    return np.stack(out)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--ref-split",
                   help="real vs real: the split against this split "
                   "(default: the split's first half against its second)")
    p.add_argument("--model", action="append", default=[],
                   help="model file (repeat for several)")
    p.add_argument("--limit", type=int, default=0,
                   help="only N maps of the split: its first N, or with "
                   "--spread N spread evenly over it")
    p.add_argument("--spread", action="store_true",
                   help="with --limit: every (len/N)-th map, so that "
                   "several drives are in (CamVid's splits are drives "
                   "filmed frame by frame)")
    p.add_argument("--seed-base", type=int, default=0,
                   help="seed = this + the map's index: another draw of "
                   "the noise, to see a measure's own spread over seeds")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", help="write the results as JSON here")
    a = p.parse_args()
    common.set_threads(a.threads)
    rows = []
    reals = {}

    def real_spectrum(w, h):
        if (w, h) not in reals:
            ds = data.SegDataset(a.data, a.split, w, h,
                                 limit=None if a.spread else a.limit)
            if a.limit and a.spread:
                ds.keep(np.linspace(0, len(ds) - 1, a.limit).round()
                        .astype(int))
            p_real = power_spectrum(ds.images)
            if a.ref_split:
                ref = data.SegDataset(a.data, a.ref_split, w, h,
                                      limit=len(ds))
                name = "real %s vs real %s" % (a.ref_split, a.split)
                r = compare(power_spectrum(ref.images), p_real)
            else:
                half = len(ds) // 2
                name = "real %s: first vs second half" % a.split
                r = compare(power_spectrum(ds.images[:half]),
                            power_spectrum(ds.images[half:]))
            half = len(ds) // 2
            r["classes"] = class_peaks(ds.images[:half], ds.labels[:half],
                                       ds.images[half:], ds.labels[half:],
                                       class_ids(ds))
            reals[(w, h)] = (ds, p_real)
            rows.append((name, "%dx%d" % (w, h), r))
        return reals[(w, h)]

    for model in a.model:
        gen, cfg = modelfile.load_generator(model)
        w, h = cfg["generator"]["width"], cfg["generator"]["height"]
        ds, p_real = real_spectrum(w, h)
        images = images_of(gen, cfg, ds, a.seed_base)
        r = compare(power_spectrum(images), p_real)
        r["seed_base"] = a.seed_base
        r["classes"] = class_peaks(images, ds.labels, ds.images, ds.labels,
                                   class_ids(ds))
        rows.append((os.path.basename(model), "%dx%d" % (w, h), r))
    print("| images | size | upper half: mean abs dB | worst band dB | "
          "2-D peak dB at (fx, fy) | prominence dB at (fx, fy) | "
          "streaks dB, horizontal / vertical |")
    print("|---|---|---|---|---|---|---|")
    for name, size, r in rows:
        print("| %s | %s | %.2f | %+.1f | %+.1f at (%+.3f, %+.3f) | "
              "%+.1f at (%+.3f, %+.3f) | %+.1f / %+.1f |"
              % (name, size, r["upper_mean_abs_db"], r["upper_worst_db"],
                 r["peak2d_db"], r["peak2d_fx"], r["peak2d_fy"],
                 r["prominence_db"], r["prominence_fx"],
                 r["prominence_fy"], r["streaks_h_db"], r["streaks_v_db"]))
    names = [n for n in rows[0][2]["classes"]] if rows else []
    for (db, fx, fy), what in ((("peak_db", "fx", "fy"),
                                "largest 2-D excess"),
                               (("prominence_db", "prominence_fx",
                                 "prominence_fy"), "prominence")):
        print("\nPer class (32x32 patches inside one class; real vs real "
              "compares the split's halves): %s, dB at (fx, fy)" % what)
        print("| class | " + " | ".join(n for n, _, _ in rows) + " |")
        print("|---|" + "---|" * len(rows))
        for c in names:
            cells = []
            for _, _, r in rows:
                e = r["classes"].get(c)
                cells.append("%+.1f at (%+.3f, %+.3f)" % (e[db], e[fx], e[fy])
                             if e else "—")
            print("| %s | %s |" % (c, " | ".join(cells)))
    print("\nPer class: streaks, horizontal / vertical, dB")
    print("| class | " + " | ".join(n for n, _, _ in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for c in names:
        cells = ["%+.1f / %+.1f" % (r["classes"][c]["streaks_h_db"],
                                    r["classes"][c]["streaks_v_db"])
                 if c in r["classes"] else "—" for _, _, r in rows]
        print("| %s | %s |" % (c, " | ".join(cells)))
    if a.out:
        with open(a.out, "w") as f:
            json.dump([{"images": n, "size": s, **r} for n, s, r in rows], f,
                      indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
