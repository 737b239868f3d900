#!/usr/bin/python3
"""Train the evaluation segmenter (segmenter.UNet) on real photos.

Augmentation: random scale (1.0-1.5x) and crop, horizontal flip, brightness
and contrast jitter.  Loss: cross-entropy with void ignored and
sqrt-inverse-frequency class weights.  Evaluates mIoU on --val-split at the
evaluation size (the whole photo resized to --width x --height) every
--eval-every epochs and keeps the best checkpoint.  Resumable (--resume).
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
import segmenter  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="train")
    p.add_argument("--val-split", default="val")
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--height", type=int, default=96)
    p.add_argument("--widths", default="32,64,128,256")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--epochs", type=int, default=80)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--max-scale", type=float, default=1.5)
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--resume", action="store_true")
    return p.parse_args()


def class_weights(ds, n):
    counts = np.bincount(ds.labels[ds.labels != 255].ravel(), minlength=n)
    freq = counts / max(1, counts.sum())
    w = 1.0 / np.sqrt(np.maximum(freq, 1e-4))
    return torch.tensor(w / w.mean(), dtype=torch.float32)


def to_ids(lab):
    """uint8 ids -> int64 with void 255 kept."""
    return torch.from_numpy(lab.astype(np.int64))


def augmented_batch(ds, idx, rng, w, h, max_scale):
    """Random scale, crop and flip from the full-size preloaded data."""
    s = rng.uniform(1.0, max_scale)
    sw, sh = int(round(w * s)), int(round(h * s))
    img = torch.from_numpy(ds.images[idx]).permute(0, 3, 1, 2).float()
    img = F.interpolate(img / 127.5 - 1, size=(sh, sw), mode="bilinear",
                        align_corners=False, antialias=True)
    lab = to_ids(ds.labels[idx])[:, None].float()
    lab = F.interpolate(lab, size=(sh, sw), mode="nearest")[:, 0].long()
    x0 = int(rng.integers(sw - w + 1))
    y0 = int(rng.integers(sh - h + 1))
    img = img[:, :, y0:y0 + h, x0:x0 + w]
    lab = lab[:, y0:y0 + h, x0:x0 + w]
    if rng.integers(2):
        img, lab = img.flip(3), lab.flip(2)
    b = img.shape[0]
    gain = torch.from_numpy(rng.uniform(0.8, 1.2, (b, 1, 1, 1))).float()
    bias = torch.from_numpy(rng.uniform(-0.1, 0.1, (b, 1, 1, 1))).float()
    mean = img.mean(dim=(1, 2, 3), keepdim=True)
    img = ((img - mean) * gain + mean + bias).clamp(-1, 1)
    return img.contiguous(), lab.contiguous()


@torch.no_grad()
def evaluate(net, images, ids, n, batch=16):
    """mIoU of ``net`` on (N,3,H,W) images against (N,H,W) ids."""
    net.eval()
    conf = torch.zeros(n, n, dtype=torch.long)
    for i in range(0, len(images), batch):
        pred = net(images[i:i + batch]).argmax(1)
        conf += segmenter.confusion(pred, ids[i:i + batch], n)
    net.train()
    return segmenter.miou(conf)


def eval_tensors(ds):
    img = torch.from_numpy(ds.images).permute(0, 3, 1, 2).float()
    return img / 127.5 - 1, to_ids(ds.labels)


def main():
    args = parse_args()
    common.set_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    widths = [int(x) for x in args.widths.split(",")]
    big_w = int(round(args.width * args.max_scale)) + 1
    big_h = int(round(args.height * args.max_scale)) + 1
    train = data.SegDataset(args.data, args.split, big_w, big_h,
                            limit=args.limit or None)
    val = data.SegDataset(args.data, args.val_split, args.width, args.height,
                          limit=args.limit or None)
    n = len(train.classes["classes"])
    net = segmenter.UNet(n, widths)
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=1e-4)
    steps_per_epoch = max(1, len(train) // args.batch)
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=total,
                                                pct_start=0.1)
    weights = class_weights(train, n)
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
    val_img, val_ids = eval_tensors(val)
    meta = {"num_classes": n, "widths": widths, "width": args.width,
            "height": args.height, "classes": train.classes,
            "data": os.path.abspath(args.data), "split": args.split,
            "command": common.command_line()}
    while epoch < args.epochs and not stop:
        t0 = time.time()
        order = rng.permutation(len(train))
        tot = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * args.batch:(s + 1) * args.batch]
            img, lab = augmented_batch(train, idx, rng, args.width,
                                       args.height, args.max_scale)
            loss = F.cross_entropy(net(img), lab, weight=weights,
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
            m, per = evaluate(net, val_img, val_ids, n)
            history.append({"epoch": epoch, "miou": m})
            line += "  val mIoU %.4f" % m
            if m > best:
                best = m
                common.atomic_torch_save(
                    dict(meta, state=net.state_dict(), epoch=epoch,
                         val_miou=m, val_iou=per),
                    os.path.join(args.out, "segmenter.pt"))
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


if __name__ == "__main__":
    main()
