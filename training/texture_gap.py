#!/usr/bin/python3
"""Where the per-class texture of the shipped model comes from, when the
training term does not see it: the per-class 2-D excess (spectrum.py's
class patches) of one checkpoint's generator four ways on the same maps:
the EMA or the trained weights, with running (eval) or batch (train)
BatchNorm statistics.  The exported model is "EMA, running"; what
--spec-classes trains on is "G, batch" (docs/MODEL_CARD.md, stage 6c).

    /usr/bin/python3 training/texture_gap.py CHECKPOINT \\
        --data ../shared/datasets/camvid --split val
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import labels as lbl  # noqa: E402
import modelfile  # noqa: E402
import spectral_excess  # noqa: E402
import spectrum  # noqa: E402


def term_row(ck, ds):
    """The --spec-classes term's own running excess per class (training
    photos, the trained G with batch statistics, bf16 where the run had
    it), as the loss sees it (with --spec-prominence: its height above the
    surround); None when the run had no per-class term."""
    st = ck.get("spec")
    if not st or "seen_real" not in st or not st.get("linear"):
        return None
    term = spectral_excess.ClassSpectralExcess()
    term.load_state_dict(st)
    if term.real is None or term.fake is None:
        return None
    d = term.height()      # the excess, above its surround with prominence
    far = spectral_excess.radius(spectral_excess.PATCH, spectral_excess.PATCH)
    far = far >= spectral_excess.MIN_RADIUS
    cs = ds.classes["classes"]
    chans = lbl.class_channels([c["id"] for c in cs], ds.semantic_nc,
                               ds.dontcare)
    row = {}
    for c in cs:
        ch = chans[c["id"]]
        if bool(term.seen_real[ch]) and bool(term.seen_fake[ch]):
            row[c["name"]] = {"peak_db": d[ch][far].max().item()}
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="val")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    common.set_threads(a.threads)
    ck = common.torch_load(a.checkpoint)
    g = ck["config"]["generator"]
    cfg = {"generator": g, "classes": modelfile.class_set(ck["classes"])}
    ds = data.SegDataset(a.data, a.split, g["width"], g["height"])
    ids = spectrum.class_ids(ds)
    rows = []
    for weights in ("EMA", "G"):
        if weights not in ck:
            print("%s: no %s weights (snapshots hold the EMA only; "
                  "latest.pt has both)" % (a.checkpoint, weights))
            continue
        for mode in ("running", "batch"):
            net = common.build_generator(g)
            net.load_state_dict(ck[weights])
            net.train(mode == "batch")
            images = spectrum.images_of(net, cfg, ds)
            rows.append(("%s, %s statistics" % (weights, mode),
                         spectrum.class_peaks(images, ds.labels, ds.images,
                                              ds.labels, ids)))
    term = term_row(ck, ds)
    if term is not None:
        rows.append(("the term's running excess (train, G, batch)", term))
    names = list(rows[0][1])
    print("| generator | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for name, r in rows:
        print("| %s | %s |" % (name, " | ".join(
            "%+.1f" % r[c]["peak_db"] if c in r else "—" for c in names)))


if __name__ == "__main__":
    main()
