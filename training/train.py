#!/usr/bin/python3
"""Train an OASIS generator (with its U-Net discriminator) on a dataset in
the shared layout.  Resumable: ``RUN_DIR/latest.pt`` is written atomically
every --ckpt-every iterations and on SIGTERM/SIGINT; ``--resume`` continues
from it (the architecture comes from the checkpoint).

Per iteration (OASIS losses, no VGG loss):
  fake = G(label, z)
  D step: N+1 cross-entropy on D(fake) (target fake) and D(real) (target
          class+1, class-balanced) + lambda * LabelMix consistency
  G step: class-balanced N+1 cross-entropy of D(fake) against class+1
          - lambda_div * min(|G(l, z1) - G(l, z2)| / |z1 - z2|, tau)
          (diversity-sensitive term, Yang et al. ICLR 2019, off by default:
          a second noise for the first half of the batch, same labels)
          + lambda_spec * persistent 2-D spectral excess over the real
          photos (spectral_excess.py, off by default)
          + lambda_radial * the upper half's radially averaged spectrum's
          gap to the batch's real photos beyond a margin, both ways
          (spectral_excess.py, off by default)
  EMA of G's weights; BatchNorm statistics of the EMA generator are
  re-estimated before every sample grid and checkpoint.
The D step reuses the fake of the G forward pass (detached), which saves one
generator forward per iteration compared with the official loop.
"""

import argparse
import json
import os
import signal
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import grow  # noqa: E402
import labels as lbl  # noqa: E402
import oasis  # noqa: E402
import safetensors_io  # noqa: E402
import spectral_excess  # noqa: E402
import texture_d  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True, help="dataset folder")
    p.add_argument("--split", default="train")
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--height", type=int, default=96)
    p.add_argument("--channels", default="256,256,192,96,48,24",
                   help="generator widths, n+1 entries for n blocks")
    p.add_argument("--z-dim", type=int, default=64)
    p.add_argument("--spade-hidden", type=int, default=64)
    p.add_argument("--d-channels", default="3,32,64,128,128,256")
    p.add_argument("--d-head", type=int, default=32,
                   help="width of the last decoder block of D (official 64)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iters", type=int, default=100000)
    p.add_argument("--lr-g", type=float, default=2e-4)
    p.add_argument("--lr-d", type=float, default=4e-4)
    p.add_argument("--beta1", type=float, default=0.0)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--lambda-labelmix", type=float, default=10.0)
    p.add_argument("--lambda-div", type=float, default=0.0,
                   help="weight of the diversity-sensitive G term (0: off)")
    p.add_argument("--div-tau", type=float, default=0.5,
                   help="the diversity term's ratio is clamped at this")
    p.add_argument("--lambda-spec", type=float, default=0.0,
                   help="weight of the spectral-excess G term against "
                   "periodic textures (0: off; spectral_excess.py)")
    p.add_argument("--spec-margin", type=float, default=2.0,
                   help="dB of excess over the real photos' 2-D spectrum "
                   "that the spectral term lets pass")
    p.add_argument("--spec-classes", action="store_true",
                   help="the spectral-excess term per class, on 32x32 "
                   "patches inside one class (spectral_excess.py)")
    p.add_argument("--spec-prominence", action="store_true",
                   help="with --spec-classes: measure the excess against "
                   "its own surround, so that only narrow peaks (periodic "
                   "textures) are pushed down (spectral_excess.py)")
    p.add_argument("--spec-streaks", action="store_true",
                   help="with --spec-classes: also push down streaks, a "
                   "class's excess along the fx or fy axis above its "
                   "off-axis median (spectral_excess.py)")
    p.add_argument("--lambda-radial", type=float, default=0.0,
                   help="weight of the two-sided radial gap G term on the "
                   "upper half of the frequencies (0: off; "
                   "spectral_excess.py)")
    p.add_argument("--radial-margin", type=float, default=1.0,
                   help="dB of radial gap to the batch's real photos that "
                   "the radial term lets pass, either way")
    p.add_argument("--lambda-tex", type=float, default=0.0,
                   help="weight of a second, local discriminator that "
                   "sees every pixel (16-px patches, no labels) in G's "
                   "loss (0: off; texture_d.py)")
    p.add_argument("--tex-width", type=int, default=32,
                   help="the local discriminator's first layer's channels")
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--bn-batches", type=int, default=16,
                   help="batches used to re-estimate the EMA's BN stats")
    p.add_argument("--crop-scale", type=float, default=1.0,
                   help=">1: random crops from images scaled by this")
    p.add_argument("--limit", type=int, default=0,
                   help="use only the first N images (smoke tests)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu",
                   help="cpu, or cuda for a GPU (fp32, no TF32)")
    p.add_argument("--precision", default="auto",
                   help="auto (bf16 on a CPU with AVX512_BF16 or AMX, "
                   "else fp32), fp32 or bf16")
    p.add_argument("--max-seconds", type=float, default=0,
                   help="stop, refresh the EMA's statistics and save once "
                   "this much wall time has passed (a lent GPU's chunk)")
    p.add_argument("--grow-from", metavar="MODEL",
                   help="start from this model file's G and D, grown by "
                   "one block to twice its size (training/grow.py)")
    p.add_argument("--init-from", metavar="MODEL",
                   help="start from this model file's G and D at its own "
                   "size, with fresh optimisers (continue a bundled model "
                   "whose training checkpoint is gone)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--ckpt-every", type=int, default=250)
    p.add_argument("--snapshot-every", type=int, default=2000,
                   help="keep a G/EMA/D copy every N iterations (0: never)")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--resume", action="store_true")
    a = p.parse_args(argv)
    if (a.spec_prominence or a.spec_streaks) and not a.spec_classes:
        p.error("--spec-prominence and --spec-streaks work on class "
                "patches: add --spec-classes")
    return a


def ints(text):
    return [int(x) for x in text.split(",") if x.strip()]


def make_config(args, ds):
    return {
        "format": "catbrush-model",
        "version": 1,
        "architecture": "oasis",
        "generator": {
            "channels": ints(args.channels),
            "z_dim": args.z_dim,
            "semantic_nc": ds.semantic_nc,
            "dontcare_channel": ds.dontcare,
            "spade_hidden": args.spade_hidden,
            "width": args.width,
            "height": args.height,
            "bn_eps": oasis.BN_EPS,
        },
        "discriminator": {
            "channels": ints(args.d_channels),
            "num_res_blocks": len(ints(args.d_channels)) - 1,
            "head": args.d_head,
        },
    }


class Trainer:
    # the spectral-excess term's running spectra; finetune.py's FineTuner,
    # which builds its own state, has none
    spec = None
    # the local discriminator (--lambda-tex); None when off
    tex = None

    def __init__(self, args):
        self.args = args
        os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
        self.ckpt_path = os.path.join(args.out, "latest.pt")
        ckpt = None
        if args.resume and os.path.exists(self.ckpt_path):
            ckpt = common.torch_load(self.ckpt_path)
            self.config = ckpt["config"]
            g = self.config["generator"]
            if (g["width"], g["height"]) != (args.width, args.height):
                print("note: resuming at the checkpoint's size %dx%d"
                      % (g["width"], g["height"]), flush=True)
            args.width, args.height = g["width"], g["height"]
        common.set_threads(args.threads)
        self.device = common.training_device(args.device)
        self.precision = common.resolve_precision(args.precision, self.device)
        print("precision: %s" % common.describe_precision(self.precision,
                                                          self.device),
              flush=True)
        torch.manual_seed(args.seed)
        self.ds = data.SegDataset(args.data, args.split, args.width,
                                  args.height, crop_scale=args.crop_scale,
                                  limit=args.limit or None)
        grown_from = None
        if ckpt is None:
            self.config = make_config(args, self.ds)
            if args.grow_from:
                _, src_cfg = safetensors_io.read_config(args.grow_from)
                grown = grow.grown_config(src_cfg, args.width, args.height)
                grown["generator"]["semantic_nc"] = \
                    self.config["generator"]["semantic_nc"]
                self.config.update(grown)
                grown_from = args.grow_from
            elif args.init_from:
                _, src_cfg = safetensors_io.read_config(args.init_from)
                self.config.update(grow.same_size_config(
                    src_cfg, self.config["generator"]["semantic_nc"]))
                g = self.config["generator"]
                if (g["width"], g["height"]) != (args.width, args.height):
                    raise SystemExit("--init-from: the model is %dx%d; pass "
                                     "--width %d --height %d"
                                     % (g["width"], g["height"], g["width"],
                                        g["height"]))
        g = self.config["generator"]
        self.dontcare = g["dontcare_channel"]
        self.z_dim = g["z_dim"]
        self.G = common.build_generator(g)
        self.D = common.build_discriminator(self.config["discriminator"],
                                            g["semantic_nc"])
        oasis.init_weights(self.G)
        oasis.init_weights(self.D)
        oasis.warm_spectral_norm(self.G)
        oasis.warm_spectral_norm(self.D)
        if grown_from:
            grow.grow(self.G, self.D, grown_from)
            print("grown from %s: mean |G - upsampled source| %.4f"
                  % (grown_from, grow.check_identity(self.G, grown_from)),
                  flush=True)
            self.config["grown_from"] = os.path.basename(grown_from)
        if ckpt is None and args.init_from:
            grow.load_same_size(self.G, self.D, args.init_from)
            self.config["init_from"] = os.path.basename(args.init_from)
            print("started from %s's G and D" % args.init_from, flush=True)
        self.G.to(self.device)
        self.D.to(self.device)
        if self.precision == "bf16":
            # oneDNN's bf16 convolutions want NHWC
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        self.EMA = oasis.clone(self.G)
        betas = (args.beta1, args.beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), args.lr_g,
                                      betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), args.lr_d,
                                      betas=betas)
        self.sampler = data.Sampler(len(self.ds), args.batch, args.seed)
        self.aug_rng = np.random.default_rng(args.seed + 1)
        self.iter = 0
        self.train_seconds = 0.0
        self.commands = []
        if getattr(args, "spec_classes", False):
            self.spec = spectral_excess.ClassSpectralExcess(
                getattr(args, "spec_margin", 2.0), dontcare=self.dontcare,
                prominence=getattr(args, "spec_prominence", False),
                streaks=getattr(args, "spec_streaks", False))
        else:
            self.spec = spectral_excess.SpectralExcess(
                getattr(args, "spec_margin", 2.0))
        if getattr(args, "lambda_tex", 0.0) > 0:
            self.tex = texture_d.TextureDiscriminator(args.tex_width)
            self.tex.to(self.device)
            if self.precision == "bf16":
                self.tex.to(memory_format=torch.channels_last)
            self.opt_t = torch.optim.Adam(self.tex.parameters(), args.lr_d,
                                          betas=betas)
        if ckpt is not None:
            self._load(ckpt)
        self.commands.append(common.command_line())
        self.stop = False
        print("G %d params, D %d params, %d images, config %s"
              % (oasis.count_params(self.G), oasis.count_params(self.D),
                 len(self.ds), json.dumps(self.config)), flush=True)

    def class_name(self, channel):
        cs = self.ds.classes["classes"]
        chans = lbl.class_channels([c["id"] for c in cs],
                                   self.ds.semantic_nc, self.ds.dontcare)
        names = {chans[c["id"]]: c["name"] for c in cs}
        return names.get(channel, "channel %d" % channel)

    # ------------------------------------------------------------ state
    def _load(self, ck):
        self.G.load_state_dict(ck["G"])
        self.D.load_state_dict(ck["D"])
        self.EMA.load_state_dict(ck["EMA"])
        self.opt_g.load_state_dict(ck["opt_g"])
        self.opt_d.load_state_dict(ck["opt_d"])
        self.sampler.load(ck["sampler"])
        self.aug_rng.bit_generator.state = ck["aug_rng"]
        torch.set_rng_state(ck["torch_rng"])
        self.iter = ck["iter"]
        self.train_seconds = ck["train_seconds"]
        self.commands = ck.get("commands", [])
        if self.tex is not None:
            if ck.get("T") is not None:
                self.tex.load_state_dict(ck["T"])
                self.opt_t.load_state_dict(ck["opt_t"])
            else:
                print("local discriminator: new, the checkpoint has none",
                      flush=True)
        if ck.get("spec") is not None:
            self.spec.load_state_dict(ck["spec"])
            self.spec.margin = getattr(self.args, "spec_margin", 2.0)
            # the running means carry over; how they are read is the
            # command line's
            if hasattr(self.spec, "prominence"):
                self.spec.prominence = getattr(self.args, "spec_prominence",
                                               False)
                self.spec.streaks = getattr(self.args, "spec_streaks", False)
        print("resumed from %s at iteration %d (%.2f h trained)"
              % (self.ckpt_path, self.iter, self.train_seconds / 3600),
              flush=True)

    def _state(self, full=True):
        st = {"config": self.config, "classes": self.ds.classes,
              "data": os.path.abspath(self.args.data),
              "split": self.args.split, "iter": self.iter,
              "train_seconds": self.train_seconds,
              "commands": self.commands,
              "batch": self.args.batch,
              "lambda_div": getattr(self.args, "lambda_div", 0.0),
              "div_tau": getattr(self.args, "div_tau", 0.5),
              "lambda_spec": getattr(self.args, "lambda_spec", 0.0),
              "spec_margin": getattr(self.args, "spec_margin", 2.0),
              "spec_classes": getattr(self.args, "spec_classes", False),
              "spec_prominence": getattr(self.args, "spec_prominence",
                                         False),
              "spec_streaks": getattr(self.args, "spec_streaks", False),
              "lambda_radial": getattr(self.args, "lambda_radial", 0.0),
              "radial_margin": getattr(self.args, "radial_margin", 1.0),
              "lambda_tex": getattr(self.args, "lambda_tex", 0.0),
              "EMA": self.EMA.state_dict(), "D": self.D.state_dict()}
        if full:
            st.update({"G": self.G.state_dict(),
                       "opt_g": self.opt_g.state_dict(),
                       "opt_d": self.opt_d.state_dict(),
                       "sampler": self.sampler.state(),
                       "aug_rng": self.aug_rng.bit_generator.state,
                       "torch_rng": torch.get_rng_state(),
                       "spec": self.spec.state_dict()
                       if self.spec is not None else None,
                       "T": self.tex.state_dict()
                       if self.tex is not None else None,
                       "opt_t": self.opt_t.state_dict()
                       if self.tex is not None else None})
        return st

    def refresh_ema_bn(self):
        """Official OASIS trick: re-estimate the EMA generator's BN stats."""
        rng = np.random.default_rng(12345)
        n = len(self.ds)
        gen = torch.Generator().manual_seed(12345)

        def batches():
            for _ in range(self.args.bn_batches):
                idx = rng.integers(0, n, self.args.batch)
                _, label, _ = self.ds.batch(idx, rng)
                z = torch.randn(len(idx), self.z_dim, generator=gen)
                yield label.to(self.device), z.to(self.device)

        oasis.recompute_bn_stats(self.EMA, batches())

    def save(self):
        t = time.time()
        state = self._state()
        common.atomic_torch_save(state, self.ckpt_path)
        every = self.args.snapshot_every
        if every and self.iter % every == 0:
            common.atomic_torch_save(
                self._state(full=False),
                os.path.join(self.args.out, "iter_%07d.pt" % self.iter))
        print("checkpoint at iteration %d (%.1f s)"
              % (self.iter, time.time() - t), flush=True)

    # ------------------------------------------------------------ samples
    @torch.no_grad()
    def sample_grid(self):
        n = min(6, len(self.ds))
        idx = list(range(0, len(self.ds), max(1, len(self.ds) // n)))[:n]
        imgs, label, ids = self.ds.batch(idx, augment=False)
        z = common.seeded_z(range(n), self.z_dim)
        self.EMA.eval()
        fake = self.EMA(label.to(self.device), z.to(self.device)).cpu()
        self.EMA.train()
        to8 = lambda t: ((t.clamp(-1, 1) + 1) * 127.5).round().byte() \
            .permute(0, 2, 3, 1).numpy()
        rows = []
        for i in range(n):
            colour = lbl.colorize(ids[i].numpy().astype(np.uint8),
                                  self.ds.classes)
            rows.append(np.concatenate([colour, to8(fake)[i], to8(imgs)[i]],
                                       axis=1))
        grid = np.concatenate(rows, axis=0)
        path = os.path.join(self.args.out, "samples",
                            "iter_%07d.png" % self.iter)
        Image.fromarray(grid).save(path)
        Image.fromarray(grid).save(os.path.join(self.args.out, "samples",
                                                "latest.png"))

    # ------------------------------------------------------------ train
    def step(self):
        a = self.args
        idx = self.sampler.next()
        real, label, _ = self.ds.batch(idx, self.aug_rng)
        # z from the CPU generator whatever the device: the checkpointed
        # RNG state then covers it
        z = torch.randn(len(idx), self.z_dim).to(self.device)
        real, label = real.to(self.device), label.to(self.device)
        if self.precision == "bf16":
            real = real.contiguous(memory_format=torch.channels_last)
            label = label.contiguous(memory_format=torch.channels_last)
        with common.autocast(self.precision, self.device):
            return self._losses(real, label, z)

    def _losses(self, real, label, z):
        a = self.args
        lambda_div = getattr(a, "lambda_div", 0.0)
        if lambda_div > 0:
            # one forward for both noises: the first half of the batch again
            # with fresh z (same labels), so BatchNorm sees one batch
            h = max(1, len(z) // 2)
            z2 = torch.randn(h, self.z_dim).to(self.device)
            both = self.G(torch.cat((label, label[:h])), torch.cat((z, z2)))
            fake, fake2 = both[:len(z)], both[len(z):]
        else:
            fake = both = self.G(label, z)
        lambda_spec = getattr(a, "lambda_spec", 0.0)
        per_class = getattr(a, "spec_classes", False)
        if lambda_spec > 0:
            if per_class:
                self.spec.observe_real(real, label)
            else:
                self.spec.observe_real(real)

        # discriminator
        self.opt_d.zero_grad(set_to_none=True)
        fk = fake.detach()
        d_fake = self.D(fk)
        d_real = self.D(real)
        loss_fake = oasis.d_loss(d_fake, label, False, self.dontcare)
        loss_real = oasis.d_loss(d_real, label, True, self.dontcare)
        loss_d = loss_fake + loss_real
        loss_lm = torch.zeros((), device=self.device)
        if a.lambda_labelmix > 0:
            mixed, mask = oasis.labelmix(label, fk, real)
            loss_lm = a.lambda_labelmix * oasis.labelmix_loss(
                mask, self.D(mixed), d_fake, d_real)
            loss_d = loss_d + loss_lm
        loss_d.float().backward()
        self.opt_d.step()
        tex_acc = 0.0
        if self.tex is not None:
            self.opt_t.zero_grad(set_to_none=True)
            t_real, t_fake = self.tex(real), self.tex(fk)
            texture_d.d_loss(t_real, t_fake).backward()
            self.opt_t.step()
            tex_acc = texture_d.accuracy(t_real, t_fake)

        # generator
        self.opt_g.zero_grad(set_to_none=True)
        frozen = list(self.D.parameters())
        if self.tex is not None:
            frozen += list(self.tex.parameters())
        for p in frozen:
            p.requires_grad_(False)
        loss_g = oasis.d_loss(self.D(fake), label, True, self.dontcare)
        loss_tex = torch.zeros((), device=self.device)
        if self.tex is not None:
            # both noises' images: the second noise's rows are fakes too
            loss_tex = self.args.lambda_tex * texture_d.g_loss(
                self.tex(both))
        loss_div = torch.zeros((), device=self.device)
        if lambda_div > 0:
            loss_div = -lambda_div * oasis.diversity_ratio(
                fake[:h], fake2, z[:h], z2, getattr(a, "div_tau", 0.5))
        loss_spec = torch.zeros((), device=self.device)
        if lambda_spec > 0:
            if per_class:
                loss_spec = lambda_spec * self.spec.loss(
                    both, torch.cat((label, label[:len(both) - len(label)])))
            else:
                loss_spec = lambda_spec * self.spec.loss(both)
        lambda_radial = getattr(a, "lambda_radial", 0.0)
        loss_radial = torch.zeros((), device=self.device)
        gap = 0.0
        if lambda_radial > 0:
            # the second noise's rows are drawn from the first rows' maps
            paired = torch.cat((real, real[:len(both) - len(real)]))
            loss_radial, gap = spectral_excess.radial_gap(
                both, paired, getattr(a, "radial_margin", 1.0))
            loss_radial = lambda_radial * loss_radial
        (loss_g + loss_div + loss_spec + loss_radial
         + loss_tex).float().backward()
        for p in frozen:
            p.requires_grad_(True)
        self.opt_g.step()

        decay = min(a.ema_decay, (1 + self.iter) / (10 + self.iter))
        oasis.ema_update(self.EMA, self.G, decay)
        self.iter += 1
        return [loss_g.item(), loss_fake.item(), loss_real.item(),
                loss_lm.item(), -loss_div.item() / lambda_div
                if lambda_div > 0 else 0.0,
                loss_spec.item() / lambda_spec if lambda_spec > 0 else 0.0,
                loss_radial.item() / lambda_radial
                if lambda_radial > 0 else 0.0, gap,
                loss_tex.item() / self.args.lambda_tex
                if self.tex is not None else 0.0, tex_acc]

    def run(self):
        a = self.args
        win_t, win_n = time.time(), 0
        sums = np.zeros(10)
        last = time.time()
        # finetune.py's FineTuner runs this loop with its own arguments
        max_seconds = getattr(a, "max_seconds", 0)
        deadline = last + max_seconds if max_seconds > 0 else None
        while self.iter < a.iters and not self.stop:
            if deadline and time.time() >= deadline:
                print("--max-seconds reached", flush=True)
                self.stop = True
                break
            sums += self.step()
            win_n += 1
            now = time.time()
            self.train_seconds += now - last
            last = now
            if self.iter % a.log_every == 0 or self.iter == a.iters:
                m = sums / win_n
                div = ("  div %.3f" % m[4]
                       if getattr(a, "lambda_div", 0.0) > 0 else "")
                peak = (self.spec.peak() if self.spec is not None
                        and getattr(a, "lambda_spec", 0.0) > 0 else None)
                if peak:
                    what = ("prominence" if getattr(a, "spec_prominence",
                                                    False) else "peak")
                    div += ("  spec %.2f dB (%s %+.1f dB at %+.3f, %+.3f"
                            % (m[5], what, *peak[:3]))
                    div += (" in %s)" % self.class_name(peak[3])
                            if len(peak) > 3 else ")")
                st = (self.spec.streak_heights_now() if peak and getattr(
                    self.spec, "streaks", False) else None)
                if st is not None:
                    div += "  streaks %+.1f dB (%s in %s)" % (
                        st[0], st[1], self.class_name(st[2]))
                if getattr(a, "lambda_radial", 0.0) > 0:
                    div += "  radial %.2f dB (gap %+.2f dB)" % (m[6], m[7])
                if self.tex is not None:
                    div += "  tex G %.3f (local D right %.0f%%)" % (
                        m[8], 100 * m[9])
                print("iter %d  G %.3f  D_fake %.3f  D_real %.3f  LM %.3f%s  "
                      "%.3f it/s  %.2f h"
                      % (self.iter, m[0], m[1], m[2], m[3], div,
                         win_n / (now - win_t), self.train_seconds / 3600),
                      flush=True)
                sums[:] = 0
                win_t, win_n = now, 0
            grid = self.iter % a.sample_every == 0
            ck = self.iter % a.ckpt_every == 0 or self.iter == a.iters
            if grid or ck:
                self.refresh_ema_bn()
            if grid:
                self.sample_grid()
            if ck:
                self.save()
            if grid or ck:
                last = time.time()
                win_t = last
        if self.stop:
            print("stopping: saving at iteration %d" % self.iter, flush=True)
            self.refresh_ema_bn()
            self.save()


def main():
    args = parse_args()
    tr = Trainer(args)

    def on_signal(signum, _frame):
        print("signal %d: will stop after this iteration" % signum,
              flush=True)
        tr.stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tr.run()
    print("done at iteration %d" % tr.iter, flush=True)


if __name__ == "__main__":
    main()
