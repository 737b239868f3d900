#!/usr/bin/python3
"""A training checkpoint as a few small files, and back.

A lent GPU machine returns at most 8 files of 16 MiB (64 MiB in all), and
train.py's latest.pt for the 256x192 model is about 140 MB (fp32 weights of
G, its EMA and D, and both Adam states).  ``pack`` stores the weights in
fp16, Adam's second moments in bf16 (their range, not their precision,
matters) and its first moments not at all (beta1 = 0: never read again),
serialises that and cuts it into parts of at most --part-mib;
``unpack`` joins the parts and restores an fp32 checkpoint that
``train.py --resume`` reads.  Rounding the weights to fp16 once per GPU
chunk moves them by at most 2^-11 of their size, far below one Adam
step's change.

    /usr/bin/python3 training/ckpt_parts.py pack RUN/latest.pt OUTDIR
    /usr/bin/python3 training/ckpt_parts.py unpack OUTDIR RUN/latest.pt
"""

import argparse
import glob
import io
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

WEIGHTS = ("G", "EMA", "D", "T")  # T: the local discriminator, if any
OPTIMIZERS = ("opt_g", "opt_d", "opt_t")


def _convert(obj, dtype):
    """Every floating tensor in a nested dict/list to dtype."""
    if torch.is_tensor(obj):
        return obj.to(dtype) if obj.is_floating_point() else obj
    if isinstance(obj, dict):
        return {k: _convert(v, dtype) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_convert(v, dtype) for v in obj)
    return obj


def _drop_first_moment(opt):
    """With beta1 = 0 (OASIS's Adam) the next step's first moment is the
    next gradient alone: the stored one is never read, so it need not
    travel (unpack puts zeros back)."""
    if all(g["betas"][0] == 0 for g in opt["param_groups"]):
        for st in opt["state"].values():
            st.pop("exp_avg", None)
    return opt


def _restore_first_moment(opt):
    for st in opt["state"].values():
        if "exp_avg" not in st and "exp_avg_sq" in st:
            st["exp_avg"] = torch.zeros_like(st["exp_avg_sq"])
    return opt


def pack(ckpt_path, out_dir, part_mib=15):
    ck = torch.load(ckpt_path, map_location="cpu")
    for k in WEIGHTS:
        if k in ck:
            ck[k] = _convert(ck[k], torch.float16)
    for k in OPTIMIZERS:
        if k in ck:
            ck[k] = _convert(_drop_first_moment(ck[k]), torch.bfloat16)
    buf = io.BytesIO()
    torch.save(ck, buf)
    raw = buf.getvalue()
    os.makedirs(out_dir, exist_ok=True)
    for old in glob.glob(os.path.join(out_dir, "ckpt-part-*.bin")):
        os.remove(old)
    step = max(1, int(part_mib * (1 << 20)))
    names = []
    for i in range(0, len(raw), step):
        name = "ckpt-part-%02d.bin" % (i // step)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(raw[i:i + step])
        names.append(name)
    with open(os.path.join(out_dir, "ckpt-parts.json"), "w") as f:
        json.dump({"parts": names, "bytes": len(raw), "iter": ck.get("iter"),
                   "train_seconds": ck.get("train_seconds")}, f)
        f.write("\n")
    return names


def unpack(in_dir, ckpt_path):
    with open(os.path.join(in_dir, "ckpt-parts.json")) as f:
        meta = json.load(f)
    raw = b"".join(open(os.path.join(in_dir, n), "rb").read()
                   for n in meta["parts"])
    if len(raw) != meta["bytes"]:
        raise SystemExit("%s: the parts hold %d bytes, not %d: a part is "
                         "missing or truncated" % (in_dir, len(raw),
                                                   meta["bytes"]))
    ck = torch.load(io.BytesIO(raw), map_location="cpu")
    for k in WEIGHTS + OPTIMIZERS:
        if k in ck:
            ck[k] = _convert(ck[k], torch.float32)
    for k in OPTIMIZERS:
        if k in ck:
            ck[k] = _restore_first_moment(ck[k])
    os.makedirs(os.path.dirname(os.path.abspath(ckpt_path)), exist_ok=True)
    common.atomic_torch_save(ck, ckpt_path)
    return ck["iter"]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a_pack = sub.add_parser("pack")
    a_pack.add_argument("ckpt")
    a_pack.add_argument("out_dir")
    a_pack.add_argument("--part-mib", type=float, default=15)
    a_unpack = sub.add_parser("unpack")
    a_unpack.add_argument("in_dir")
    a_unpack.add_argument("ckpt")
    a = p.parse_args()
    if a.cmd == "pack":
        names = pack(a.ckpt, a.out_dir, a.part_mib)
        print("%d parts in %s" % (len(names), a.out_dir))
    else:
        print("iteration %d -> %s" % (unpack(a.in_dir, a.ckpt), a.ckpt))


if __name__ == "__main__":
    main()
