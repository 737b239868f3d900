#!/usr/bin/python3
"""Store an evaluation segmenter (train_segmenter.py's segmenter.pt) with its
weights in float16, half the size, for committing as a judge:

    export_segmenter.py IN.pt OUT.pt

segmenter.load() reads both (the weights are cast back to float32 when
loaded).  The record (classes, widths, size, training command, validation
mIoU) is kept; `exported_from` names IN.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("input")
    p.add_argument("output")
    args = p.parse_args()
    ck = common.torch_load(args.input)
    for key in ("num_classes", "widths", "state"):
        if key not in ck:
            sys.exit("%s: not a segmenter checkpoint (no %r)" % (args.input, key))
    ck["state"] = {k: v.half() if v.is_floating_point() else v
                   for k, v in ck["state"].items()}
    ck["exported_from"] = os.path.abspath(args.input)
    common.atomic_torch_save(ck, args.output)
    print("%s: %.1f MB, val mIoU %.4f" % (args.output,
          os.path.getsize(args.output) / 1e6, ck.get("val_miou", float("nan"))))


if __name__ == "__main__":
    main()
