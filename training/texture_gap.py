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
import modelfile  # noqa: E402
import spectrum  # noqa: E402


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
    names = list(rows[0][1])
    print("| generator | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for name, r in rows:
        print("| %s | %s |" % (name, " | ".join(
            "%+.1f" % r[c]["peak_db"] if c in r else "—" for c in names)))


if __name__ == "__main__":
    main()
