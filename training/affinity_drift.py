#!/usr/bin/python3
"""How far fine-tuning moved the affinity matrix.

For each model file written by finetune.py (its ``affinity_transfer``
record), prints a Markdown table: per target class, the most likely source
class at the start and at the end of fine-tuning with its probability, and
the total-variation distance between the start and end rows (0: unchanged,
1: disjoint).  The start of a ``--init-floor`` run is the floored matrix.  The start of a ``--init random`` run is recomputed from the
run's seed (finetune.py's initial_logits).

    /usr/bin/python3 training/affinity_drift.py MODEL.safetensors... [--seed 1]
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402


def record(path):
    _, meta = safetensors_io.read(path)
    try:
        return json.loads(meta["catbrush.config"])["affinity_transfer"]
    except (KeyError, ValueError):
        raise SystemExit("%s: no affinity_transfer record (not a model "
                         "made by finetune.py)" % path)


def start_matrix(rec, seed):
    if rec["initial"] is not None:
        a0 = np.asarray(rec["initial"], dtype=np.float64)
        floor = rec.get("init_floor", 0.0)  # finetune.py --init-floor
        return (1 - floor) * a0 + floor / a0.shape[1]
    if rec["init"] != "random":
        return None
    import torch
    import finetune
    meta = {"init": "random", "target_classes": rec["target_classes"],
            "source": {"classes": rec["source_model"]["classes"]}}
    logits = finetune.initial_logits(meta, seed).double()
    return torch.softmax(logits, dim=1).numpy()


def table(path, seed):
    rec = record(path)
    end = np.asarray(rec["learned"], dtype=np.float64)
    start = start_matrix(rec, seed)
    src = rec["source_model"]["classes"]
    name = lambda j: src[j] if j < len(src) else "don't care"
    lines = ["%s (init %s):" % (path, rec["init"]), "",
             "| target | start | end | TV distance |", "|---|---|---|---:|"]
    for i, t in enumerate(rec["target_classes"]):
        e = int(end[i].argmax())
        if start is None:
            lines.append("| %s | | %s %.2f | |" % (t, name(e), end[i, e]))
            continue
        s = int(start[i].argmax())
        tv = 0.5 * np.abs(start[i] - end[i]).sum()
        lines.append("| %s | %s %.2f | %s %.2f | %.2f |"
                     % (t, name(s), start[i, s], name(e), end[i, e], tv))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--seed", type=int, default=1,
                   help="finetune.py's --seed (random starts)")
    args = p.parse_args(argv)
    print("\n\n".join(table(m, args.seed) for m in args.models))


if __name__ == "__main__":
    main()
