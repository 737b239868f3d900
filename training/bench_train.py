#!/usr/bin/python3
"""Seconds per training iteration of train.py (G forward and backward,
three D forward and backward passes, both Adam steps, EMA) for each
precision and size asked, on this machine.  Prints a table.

    /usr/bin/python3 training/bench_train.py --data ../shared/datasets/camvid \\
        --sizes 128x96,256x192 --precisions fp32,bf16 --steps 5

Sizes above the bundled model's are grown from it (--grow-from), as the
v2 run is; the first two steps of each row are warm-up and not counted.
Each row runs in a process of its own (oneDNN keeps state between bf16 and
fp32 runs in one process).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import train  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, "..", "resources", "models",
                             "default.safetensors")


def one_row(a, size, prec):
    w, h = (int(v) for v in size.split("x"))
    with tempfile.TemporaryDirectory() as out:
        argv = ["--data", a.data, "--limit", "16", "--batch", str(a.batch),
                "--width", str(w), "--height", str(h), "--threads",
                str(a.threads), "--precision", prec, "--out", out]
        if w > 128:
            argv += ["--grow-from", a.model]
        tr = train.Trainer(train.parse_args(argv))
        times = []
        for i in range(a.steps + 2):
            t = time.perf_counter()
            losses = tr.step()
            if i >= 2:
                times.append(time.perf_counter() - t)
    return (size, tr.precision, statistics.median(times), losses)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--sizes", default="128x96,256x192")
    p.add_argument("--precisions", default="fp32,bf16")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help="the 128x96 model the larger sizes grow from")
    p.add_argument("--row", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.row:
        size, prec = a.row.split(":")
        print(json.dumps(one_row(a, size, prec)))
        return
    rows = []
    for size in a.sizes.split(","):
        for prec in a.precisions.split(","):
            out = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--row",
                 "%s:%s" % (size, prec)] + sys.argv[1:],
                check=True, stdout=subprocess.PIPE, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
    print()
    print("CPU: %s, %d threads, batch %d" % (common.cpu_name(), a.threads,
                                             a.batch))
    print("| size | precision | s/iteration (median of %d) | it/s | "
          "losses G, D fake, D real, LM |" % a.steps)
    print("|---|---|---|---|---|")
    for size, prec, sec, losses in rows:
        print("| %s | %s | %.2f | %.2f | %s |"
              % (size, prec, sec, 1 / sec,
                 ", ".join("%.2f" % v for v in losses)))


if __name__ == "__main__":
    main()
