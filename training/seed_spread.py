#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The texture rows of the model card over several draws of the noise.

Reads the JSON of spectrum.py runs that differ only in --seed-base and
prints, per model and per class, the mean and the spread (largest minus
smallest) of the per-class prominence and of the horizontal and vertical
streaks.  One draw reads a single frequency bin of one image per map, so
a row can move by a decibel between draws (docs/MODEL_CARD.md, stage 7c):
the bundle rule compares these means, v2's and the candidate's alike.

    for b in 0 1000 2000; do /usr/bin/python3 training/spectrum.py \\
        --data ../shared/datasets/camvid --split val --seed-base $b \\
        --model A.safetensors --out spec-$b.json; done
    /usr/bin/python3 training/seed_spread.py spec-0.json spec-1000.json spec-2000.json
"""
import argparse
import json

CLASSES = ["sky", "building", "road", "pavement", "tree"]
KEYS = [("prominence_db", "prominence"), ("streaks_h_db", "streaks h"),
        ("streaks_v_db", "streaks v")]


def spread(runs, classes=CLASSES):
    """{model: {key: {class: (mean, spread)}}} over runs, each a list of
    spectrum.py result rows; the rows of real photos (no seed_base) are
    left out, and a class is kept where every run has it."""
    out = {}
    for name in [r["images"] for r in runs[0] if "seed_base" in r]:
        rows = [next(r for r in run if r["images"] == name) for run in runs]
        bases = [r["seed_base"] for r in rows]
        if len(set(bases)) != len(bases):
            raise ValueError("%s: the runs repeat a seed base (%s); give "
                             "each its own --seed-base" % (name, bases))
        out[name] = {}
        for key, _ in KEYS:
            per = {}
            for c in classes:
                if all(c in r["classes"] for r in rows):
                    v = [r["classes"][c][key] for r in rows]
                    per[c] = (sum(v) / len(v), max(v) - min(v))
            out[name][key] = per
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("json", nargs="+", help="spectrum.py --out files")
    a = p.parse_args()
    runs = []
    for path in a.json:
        with open(path) as f:
            runs.append(json.load(f))
    table = spread(runs)
    print("Mean over %d seed bases (spread), dB: %s"
          % (len(runs), " / ".join(CLASSES)))
    print("| model | " + " | ".join(t for _, t in KEYS) + " |")
    print("|---|" + "---|" * len(KEYS))
    for name, keys in table.items():
        cells = []
        for key, _ in KEYS:
            per = keys[key]
            cells.append("%s (%s)" % (
                " / ".join("%+.2f" % per[c][0] if c in per else "—"
                           for c in CLASSES),
                " / ".join("%.1f" % per[c][1] if c in per else "—"
                           for c in CLASSES)))
        print("| %s | %s |" % (name, " | ".join(cells)))


if __name__ == "__main__":
    main()
