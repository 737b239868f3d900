#!/usr/bin/python3
"""Train the vision-prior encoder (encoder.VisionEncoder) without labels.

SimCLR (Chen et al. 2020) on image patches: every step takes --batch
square patches (--min-patch to --max-patch pixels of the photo at the
model's size) from random source photos and makes two views of each (a
random sub-box of 60-100 % of the patch, horizontal flip, brightness,
contrast and saturation jitter), resampled to --view pixels in one
grid_sample.  Loss: NT-Xent at temperature --tau over the globally pooled,
projected features (the projection head is dropped at export).  Patch-level
instances suit the prior: each cell of the dense feature map describes a
patch of about that size, and class prototypes average those cells.

The labels are never used for training.  At the end (and with
--prototypes-only) the source class prototypes, the mean dense feature over
each class' pixels in --split, are stored with the encoder; export.py
--encoder puts both in the model file (V.*, P.source_prototypes).
Resumable (--resume); SIGTERM saves and stops.
"""

import argparse
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import encoder as enc  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, help="source dataset folder")
    p.add_argument("--split", default="train")
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--height", type=int, default=96)
    p.add_argument("--widths", default="32,64,128,128")
    p.add_argument("--features", type=int, default=64)
    p.add_argument("--pools", type=int, default=3)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--tau", type=float, default=0.2)
    p.add_argument("--view", type=int, default=32)
    p.add_argument("--min-patch", type=int, default=24)
    p.add_argument("--max-patch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--ckpt-every", type=int, default=100)
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--prototypes-only", action="store_true",
                   help="recompute the prototypes of the run in --out "
                        "(implies --resume; no training)")
    return p.parse_args()


class Projection(nn.Module):
    def __init__(self, f, hidden=128, out=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(f, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, out))

    def forward(self, x):
        return self.net(x)


def views(images, gen, args):
    """Two augmented views of a patch of each photo: (2B,3,v,v), [-1,1]."""
    b = images.shape[0]
    W, H = args.width, args.height
    p = torch.empty(b).uniform_(args.min_patch, args.max_patch, generator=gen)
    # patch centre, in pixels, fully inside the photo
    cx = (p / 2) + torch.rand(b, generator=gen) * (W - p)
    cy = (p / 2) + torch.rand(b, generator=gen) * (H - p)
    out = []
    for _ in range(2):
        s = p * torch.empty(b).uniform_(0.6, 1.0, generator=gen)
        vx = cx + (torch.rand(b, generator=gen) - 0.5) * (p - s)
        vy = cy + (torch.rand(b, generator=gen) - 0.5) * (p - s)
        flip = torch.where(torch.rand(b, generator=gen) < 0.5, -1.0, 1.0)
        theta = torch.zeros(b, 2, 3)
        theta[:, 0, 0] = s / W * flip
        theta[:, 1, 1] = s / H
        theta[:, 0, 2] = 2 * vx / W - 1
        theta[:, 1, 2] = 2 * vy / H - 1
        grid = F.affine_grid(theta, (b, 3, args.view, args.view),
                             align_corners=False)
        v = F.grid_sample(images, grid, mode="bilinear",
                          padding_mode="border", align_corners=False)
        bright = torch.empty(b, 1, 1, 1).uniform_(-0.2, 0.2, generator=gen)
        contrast = torch.empty(b, 1, 1, 1).uniform_(0.8, 1.2, generator=gen)
        sat = torch.empty(b, 1, 1, 1).uniform_(0.7, 1.3, generator=gen)
        grey = v.mean(1, keepdim=True)
        v = grey + (v - grey) * sat
        mean = v.mean((1, 2, 3), keepdim=True)
        v = ((v - mean) * contrast + mean + bright).clamp(-1, 1)
        out.append(v)
    return torch.cat(out)


def nt_xent(z, tau):
    """(loss, top-1 accuracy of finding each view's partner)."""
    z = F.normalize(z, dim=1)
    n = z.shape[0] // 2
    sim = z @ z.t() / tau
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    loss = F.cross_entropy(sim, target)
    acc = (sim.argmax(1) == target).float().mean()
    return loss, float(acc)


def prototypes(net, ds):
    net.eval()
    img = torch.from_numpy(ds.images).permute(0, 3, 1, 2).float() / 127.5 - 1
    ids = sorted(c["id"] for c in ds.classes["classes"])
    protos, counts = enc.class_prototypes(net.dense, img, ds.labels, ids)
    net.train()
    return protos, counts, ids


def main():
    args = parse_args()
    common.set_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    ds = data.SegDataset(args.data, args.split, args.width, args.height,
                         limit=args.limit or None)
    images = torch.from_numpy(ds.images).permute(0, 3, 1, 2).float()
    images = images / 127.5 - 1
    widths = [int(x) for x in args.widths.split(",")]
    net = enc.VisionEncoder(widths, args.features, args.pools)
    head = Projection(args.features)
    params = list(net.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, args.lr, weight_decay=1e-6)
    gen = torch.Generator().manual_seed(args.seed)
    state_path = os.path.join(args.out, "state.pt")
    step, seconds, commands = 0, 0.0, []
    if args.prototypes_only and not os.path.exists(state_path):
        raise SystemExit("--prototypes-only: no run in %s" % args.out)
    if (args.resume or args.prototypes_only) and os.path.exists(state_path):
        st = common.torch_load(state_path)
        net = enc.build(st["config"])
        net.load_state_dict(st["net"])
        head.load_state_dict(st["head"])
        params = list(net.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, args.lr, weight_decay=1e-6)
        opt.load_state_dict(st["opt"])
        gen.set_state(st["gen"])
        step, seconds = st["step"], st["seconds"]
        commands = st.get("commands", [])
        print("resumed at step %d" % step, flush=True)
    commands.append(common.command_line())
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def save():
        common.atomic_torch_save(
            {"config": net.config(), "net": net.state_dict(),
             "head": head.state_dict(), "opt": opt.state_dict(),
             "gen": gen.get_state(), "step": step, "seconds": seconds,
             "commands": commands, "args": vars(args)}, state_path)

    print("encoder %d params, %d photos, %d steps of %d patches"
          % (sum(p.numel() for p in net.parameters()), len(ds), args.steps,
             args.batch), flush=True)
    t_log, n_log = time.time(), 0
    while step < args.steps and not stop and not args.prototypes_only:
        t0 = time.time()
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, len(ds), (args.batch,), generator=gen)
        v = views(images[idx], gen, args)
        z = head(net(v).mean((2, 3)))
        loss, acc = nt_xent(z, args.tau)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        seconds += time.time() - t0
        n_log += 1
        if step % args.log_every == 0:
            print("step %d  loss %.4f  partner acc %.3f  lr %.2e  %.2f step/s"
                  % (step, float(loss), acc, lr,
                     n_log / (time.time() - t_log)), flush=True)
            t_log, n_log = time.time(), 0
        if step % args.ckpt_every == 0:
            save()
    save()
    if stop:
        print("signal received: saved at step %d" % step, flush=True)
        return
    protos, counts, ids = prototypes(net, ds)
    result = {"config": net.config(), "state": net.state_dict(),
              "prototypes": protos, "prototype_pixels": counts.tolist(),
              "class_ids": ids, "steps": step, "seconds": round(seconds, 1),
              "size": [args.width, args.height],
              "data": os.path.abspath(args.data), "split": args.split,
              "objective": "SimCLR NT-Xent on %d-%d px patches, tau %g, "
                           "batch %d" % (args.min_patch, args.max_patch,
                                         args.tau, args.batch),
              "commands": commands}
    common.atomic_torch_save(result, os.path.join(args.out, "encoder.pt"))
    print("wrote %s: %d steps, %.0f s, prototypes %s"
          % (os.path.join(args.out, "encoder.pt"), step, seconds,
             "x".join(map(str, protos.shape))), flush=True)


if __name__ == "__main__":
    main()
