#!/usr/bin/python3
"""Train the source segmenter S that the segmentation prior runs
(docs/AFFINITY.md): a U-Net of the OASIS discriminator's shape, trained on
the source photos alone, so that the prior's quality does not depend on
where the GAN's training stopped.

It starts from a model file's discriminator D.* (--init; the GAN already
taught it the classes) or from scratch, and learns per-pixel classes with
the discriminator's own output layout (channel 0 "fake" is never a target;
channel 1 + c is class channel c), so the C engine runs it exactly as it
runs D.  Augmentation: random scale (1 to --max-scale) and crop, flips,
brightness and contrast (train_segmenter.py's), so it sees photos at the
two scales the prior uses.  Loss: cross-entropy, void ignored,
sqrt-inverse-frequency class weights.  bf16 autocast where the CPU has it
(--precision, as train.py).  Resumable; keeps the checkpoint with the best
val mIoU.  export.py --source-segmenter stores it as S.*.

    /usr/bin/python3 training/train_source_segmenter.py \\
        --data ../shared/datasets/camvid --init MODEL.safetensors \\
        --width 256 --height 192 --epochs 12 --out /work/runs/source_seg
"""

import argparse
import json
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import oasis  # noqa: E402
import safetensors_io  # noqa: E402
import segmenter  # noqa: E402
import train_segmenter as ts  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="train")
    p.add_argument("--val-split", default="val")
    p.add_argument("--init", metavar="MODEL",
                   help="start from this model file's D.* (its shape too)")
    p.add_argument("--d-channels", default="3,32,64,128,128,256",
                   help="without --init: the U-Net's widths")
    p.add_argument("--d-head", type=int, default=32)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--height", type=int, default=192)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--max-scale", type=float, default=2.0)
    p.add_argument("--eval-every", type=int, default=2)
    p.add_argument("--precision", default="auto")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--resume", action="store_true")
    return p.parse_args(argv)


def build(args, semantic_nc):
    """(net, discriminator config) from --init or the widths."""
    if args.init:
        tensors, cfg = safetensors_io.read_config(args.init)
        dcfg = cfg["discriminator"]
        if cfg["generator"]["semantic_nc"] != semantic_nc:
            raise SystemExit("%s has %d label channels, the data %d"
                             % (args.init, cfg["generator"]["semantic_nc"],
                                semantic_nc))
        net = common.build_discriminator(dcfg, semantic_nc, sn=False)
        sd = {k[2:]: torch.from_numpy(np.ascontiguousarray(v)).float()
              for k, v in tensors.items() if k.startswith("D.")}
        net.load_state_dict(sd, strict=True)
        return net, dcfg
    dcfg = {"channels": [int(x) for x in args.d_channels.split(",")],
            "head": args.d_head}
    dcfg["num_res_blocks"] = len(dcfg["channels"]) - 1
    net = common.build_discriminator(dcfg, semantic_nc, sn=False)
    oasis.init_weights(net)
    return net, dcfg


class ClassLogits(torch.nn.Module):
    """The class channels of S's output (1 + channel of each class), in
    class order: what the evaluation and the loss compare with ids."""

    def __init__(self, net, channels):
        super().__init__()
        self.net = net
        self.index = torch.tensor([1 + c for c in channels])

    def forward(self, x):
        return self.net(x).index_select(1, self.index)


def main(argv=None):
    args = parse_args(argv)
    common.set_threads(args.threads)
    device = torch.device("cpu")
    precision = common.resolve_precision(args.precision, device)
    print("precision: %s" % common.describe_precision(precision, device),
          flush=True)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    big_w = int(round(args.width * args.max_scale)) + 1
    big_h = int(round(args.height * args.max_scale)) + 1
    train = data.SegDataset(args.data, args.split, big_w, big_h,
                            limit=args.limit or None)
    val = data.SegDataset(args.data, args.val_split, args.width, args.height,
                          limit=args.limit or None)
    n = len(train.classes["classes"])
    net, dcfg = build(args, train.semantic_nc)
    # class c of the dataset (in id order) is label channel lut[id]
    ids = sorted(c["id"] for c in train.classes["classes"])
    model = ClassLogits(net, [int(train.lut[i]) for i in ids])
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=1e-4)
    steps_per_epoch = max(1, len(train) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, args.lr, total_steps=steps_per_epoch * args.epochs,
        pct_start=0.1)
    weights = ts.class_weights(train, n)
    rng = np.random.default_rng(args.seed)
    state_path = os.path.join(args.out, "state.pt")
    epoch, best, history, seconds = 0, -1.0, [], 0.0
    if args.resume and os.path.exists(state_path):
        st = common.torch_load(state_path)
        net.load_state_dict(st["net"])
        opt.load_state_dict(st["opt"])
        sched.load_state_dict(st["sched"])
        rng.bit_generator.state = st["rng"]
        epoch, best, history = st["epoch"], st["best"], st["history"]
        seconds = st.get("seconds", 0.0)
        print("resumed at epoch %d (best %.4f)" % (epoch, best), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    val_img, val_ids = ts.eval_tensors(val)
    # void (255) and classes not in the map are ignored; ids -> class index
    to_index = np.full(256, 255, np.int64)
    for k, i in enumerate(ids):
        to_index[i] = k
    to_index = torch.from_numpy(to_index)
    meta = {"discriminator": dcfg, "semantic_nc": train.semantic_nc,
            "width": args.width, "height": args.height,
            "classes": train.classes, "init": args.init,
            "data": os.path.abspath(args.data), "split": args.split,
            "precision": precision, "command": common.command_line()}
    while epoch < args.epochs and not stop:
        t0 = time.time()
        order = rng.permutation(len(train))
        tot = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch:(s + 1) * args.batch]
            img, lab = ts.augmented_batch(train, idx, rng, args.width,
                                          args.height, args.max_scale)
            target = to_index[lab]
            with common.autocast(precision, device):
                logits = model(img)
            loss = F.cross_entropy(logits.float(), target, weight=weights,
                                   ignore_index=255)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        epoch += 1
        seconds += time.time() - t0
        line = "epoch %d loss %.4f %.1f s" % (epoch, tot / steps_per_epoch,
                                               time.time() - t0)
        if epoch % args.eval_every == 0 or epoch == args.epochs:
            m, per = ts.evaluate(model, val_img, to_index[val_ids], n)
            history.append({"epoch": epoch, "miou": m})
            line += "  val mIoU %.4f" % m
            if m > best:
                best = m
                common.atomic_torch_save(
                    dict(meta, state=net.state_dict(), epoch=epoch,
                         val_miou=m, val_iou=per),
                    os.path.join(args.out, "source_segmenter.pt"))
        print(line, flush=True)
        common.atomic_torch_save(
            {"net": net.state_dict(), "opt": opt.state_dict(),
             "sched": sched.state_dict(), "rng": rng.bit_generator.state,
             "epoch": epoch, "best": best, "history": history,
             "seconds": seconds}, state_path)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"best_val_miou": best, "epochs": epoch,
                   "seconds": round(seconds), "history": history,
                   "command": meta["command"]}, f, indent=1)
    print("best val mIoU %.4f" % best, flush=True)
    return best


if __name__ == "__main__":
    main()
