#!/usr/bin/python3
"""Few-shot fine-tuning with class affinity transfer (CAT; Careil et al.,
CVPR 2023) of a Catbrush OASIS model file on a target dataset.

Modes (--init):
  profile  CAT: the affinity layer starts from the target profile's matrix
           (made by `catbrush-cli affinity`, docs/FORMATS.md);
  random   baseline "fine-tuning with a randomly initialised first layer":
           the same network, the matrix starts from random logits N(0, 1);
  scratch  baseline "training from scratch on the target" (--from-scratch):
           the source model gives the architecture only; G and D are built
           for the target classes and initialised as train.py does.

Affinity layer.  The target one-hot map (T classes + the don't-care channel
when the source has one) is mapped to the source label channels by a mixing
matrix M (S x T_ch): real target class t -> sum_s A[t, s] * channel(s);
target don't-care -> source don't-care (the eraser keeps its meaning).
A (T x S') is kept row-stochastic by construction: A = softmax(L, dim=1) with
trainable logits L, initialised to log(A0 + eps), or with --init-floor F to
log((1 - F) A0 + F / S') (docs/RESULTS.md, "CAT with one prior").
Everything after the layer is the source generator, fine-tuned together with
L (Adam, its own learning rate --lr-affinity).  The discriminator's output
layer gets the target outputs: fake row kept, target channel row =
sum_c M[c, t] * source row c (so class t's row is sum_s A[t, s] * row_s,
don't-care copied).

Losses, EMA, BN re-estimation, checkpoints and sample grids are train.py's
(this Trainer subclasses train.Trainer); RUN_DIR/latest.pt is resumable
(--resume; the nets, source identity and profile come from the checkpoint).

Export (at the end, or with --resume and --iters <= the checkpoint's
iteration): an ordinary Catbrush model file whose classes are the target
classes; the matrix is folded into every convolution over seg (fc and each
SPADE mlp_shared: W' = W . [I_z 0; 0 M], DESIGN §3), semantic_nc = T + 1
with don't-care channel T (or T and -1 when the source has none); D.* with
the target head.  The model card names the source model (SHA-256) and the
profile; catbrush.config["affinity_transfer"] keeps the initial and the
learned matrix.
"""

import argparse
import hashlib
import json
import os
import re
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
import labels as lbl  # noqa: E402
import modelfile  # noqa: E402
import oasis  # noqa: E402
import safetensors_io as st  # noqa: E402
import train  # noqa: E402

INIT_EPS = 1e-4          # logits = log(A0 + INIT_EPS)
SEG_CONV = re.compile(r"^(fc|body\.\d+\.norm_[01s]\.mlp_shared\.0)\.weight$")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--source", help="source model file (.safetensors with "
                   "G.* and D.*); not needed with --resume")
    p.add_argument("--profile", help="target profile JSON (--init profile)")
    p.add_argument("--init", choices=("profile", "random", "scratch"),
                   default="profile")
    p.add_argument("--from-scratch", action="store_true",
                   help="same as --init scratch")
    p.add_argument("--data", required=True, help="target dataset folder")
    p.add_argument("--split", default="train", help="few-shot split")
    p.add_argument("--limit", type=int, default=0,
                   help="use only the first N images (smoke tests)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--lr-g", type=float, default=1e-4)
    p.add_argument("--lr-d", type=float, default=4e-4)
    p.add_argument("--lr-affinity", type=float, default=1e-3,
                   help="Adam learning rate of the affinity logits")
    p.add_argument("--init-floor", type=float, default=0.0,
                   help="--init profile: start from (1 - F) A0 + F / S' "
                   "instead of A0, so that no entry starts saturated (0: A0)")
    p.add_argument("--beta1", type=float, default=0.0)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--lambda-labelmix", type=float, default=10.0)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--bn-batches", type=int, default=16)
    p.add_argument("--crop-scale", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu",
                   help="cpu, or cuda for a GPU (fp32, no TF32)")
    p.add_argument("--precision", default="fp32",
                   help="fp32 (default), bf16, or auto (bf16 on a CPU with "
                   "AVX512_BF16 or AMX)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--sample-every", type=int, default=250)
    p.add_argument("--ckpt-every", type=int, default=250)
    p.add_argument("--snapshot-every", type=int, default=0)
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--export", help="model file to write at the end "
                   "(default RUN_DIR/model.safetensors)")
    p.add_argument("--f16", action="store_true", help="export F16 tensors")
    p.add_argument("--no-export", action="store_true")
    args = p.parse_args(argv)
    if args.from_scratch:
        args.init = "scratch"
    if not 0 <= args.init_floor < 1:
        p.error("--init-floor takes a number in [0, 1), not %g"
                % args.init_floor)
    return args


# ------------------------------------------------------------ inputs
def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def class_names(classes):
    return [c["name"] for c in sorted(classes["classes"],
                                      key=lambda c: c["id"])]


def load_profile(path, source_sha, source_names, target_names):
    """The profile's T x S' matrix (rows normalised, as the C loader does),
    after checking it was made for this source model and these classes."""
    with open(path) as f:
        prof = json.load(f)
    if prof.get("format") != "catbrush-profile":
        raise SystemExit("%s is not a catbrush-profile" % path)
    sha = prof.get("source_model", {}).get("sha256", "")
    if sha.lower() != source_sha:
        raise SystemExit("%s was made for model %s, the source is %s"
                         % (path, sha, source_sha))
    names = class_names(prof["classes"])
    if [n.lower() for n in names] != [n.lower() for n in target_names]:
        raise SystemExit("profile classes %s differ from the dataset's %s"
                         % (names, target_names))
    src = prof["source_model"].get("classes")
    if src and [n.lower() for n in src] != [n.lower() for n in source_names]:
        raise SystemExit("profile source classes %s differ from the "
                         "model's %s" % (src, source_names))
    a = np.asarray(prof["affinity"], dtype=np.float64)
    if a.shape != (len(target_names), len(source_names)):
        raise SystemExit("profile matrix is %s, expected %dx%d"
                         % (a.shape, len(target_names), len(source_names)))
    if not np.all(np.isfinite(a)) or (a < 0).any():
        raise SystemExit("profile matrix has negative or non-finite values")
    s = a.sum(1, keepdims=True)
    a = np.where(s > 0, a / np.where(s > 0, s, 1), 1.0 / a.shape[1])
    return prof, a.astype(np.float32)


def target_config(source_cfg, n_target):
    """catbrush.config of the target model: the source architecture with
    T real classes and the don't-care channel last (when the source has
    one)."""
    cfg = json.loads(json.dumps({k: source_cfg[k] for k in
                                 ("format", "version", "architecture",
                                  "generator", "discriminator")
                                 if k in source_cfg}))
    g = cfg["generator"]
    has_dc = source_cfg["generator"]["dontcare_channel"] >= 0
    g["semantic_nc"] = n_target + (1 if has_dc else 0)
    g["dontcare_channel"] = n_target if has_dc else -1
    return cfg


# ------------------------------------------------------------ the layer
def source_channels(gcfg, n_source):
    """Label channel of each real source class, in class-id order."""
    dc = gcfg["dontcare_channel"]
    chans = [c for c in range(gcfg["semantic_nc"]) if c != dc]
    if len(chans) != n_source:
        raise ValueError("%d source classes, %d real channels"
                         % (n_source, len(chans)))
    return chans


class AffinityGenerator(nn.Module):
    """Class affinity layer in front of a source generator.

    ``forward(label, z)`` takes the target one-hot (B, T_ch, H, W); the
    matrix A = softmax(affinity_logits) is T x S' and row-stochastic.
    """

    def __init__(self, gen, logits, src_chans, src_dontcare, tgt_dontcare):
        super().__init__()
        self.G = gen
        self.affinity_logits = nn.Parameter(torch.as_tensor(logits).float())
        self.src_chans = list(src_chans)
        self.src_dontcare = src_dontcare
        self.tgt_dontcare = tgt_dontcare

    def matrix(self):
        return F.softmax(self.affinity_logits, dim=1)

    def mixing(self):
        """M (S x T_ch): source label = M applied to the target one-hot."""
        a = self.matrix()
        t = a.shape[0]
        t_ch = t + (1 if self.tgt_dontcare >= 0 else 0)
        rows = a.new_zeros(self.G.semantic_nc, t)
        m = rows.index_put((torch.tensor(self.src_chans, device=a.device),),
                           a.t())
        if t_ch > t:
            col = a.new_zeros(self.G.semantic_nc, 1)
            if self.src_dontcare >= 0:
                col[self.src_dontcare, 0] = 1.0
            m = torch.cat([m, col], dim=1)
        return m

    def forward(self, label, z):
        src = torch.einsum("st,bthw->bshw", self.mixing(), label)
        return self.G(src, z)


def build_nets(meta, config):
    """(G, D) for a run: AffinityGenerator over the source architecture
    (profile/random) or a plain target generator (scratch)."""
    tg = config["generator"]
    d = common.build_discriminator(config["discriminator"], tg["semantic_nc"])
    if meta["init"] == "scratch":
        return common.build_generator(tg), d
    sg = meta["source"]["config"]["generator"]
    n_src = len(meta["source"]["classes"])
    logits = torch.zeros(len(meta["target_classes"]), n_src)
    g = AffinityGenerator(common.build_generator(sg), logits,
                          source_channels(sg, n_src),
                          sg["dontcare_channel"], tg["dontcare_channel"])
    return g, d


load_folded = oasis.load_folded


@torch.no_grad()
def head_through_matrix(head_w, head_b, mixing):
    """Discriminator output layer for the target: row 0 (fake) kept, row
    1 + t = sum_c mixing[c, t] * source row 1 + c."""
    w = head_w.reshape(head_w.shape[0], -1)
    new_w = torch.cat([w[:1], mixing.t() @ w[1:]])
    new_b = torch.cat([head_b[:1], mixing.t() @ head_b[1:]])
    return new_w.reshape((-1,) + tuple(head_w.shape[1:])), new_b


def split_tensors(tensors, prefix):
    n = len(prefix)
    return {k[n:]: torch.from_numpy(np.ascontiguousarray(v)).float()
            for k, v in tensors.items() if k.startswith(prefix)}


@torch.no_grad()
def init_from_source(G, D, source_path):
    """Source weights into G (inside the affinity layer) and D (its head
    through the matrix); returns max |G - source| on a test input."""
    tensors, _ = st.read_config(source_path)
    load_folded(G.G, split_tensors(tensors, "G."))
    dsd = split_tensors(tensors, "D.")
    w, b = head_through_matrix(dsd.pop("layer_up_last.weight"),
                               dsd.pop("layer_up_last.bias"), G.mixing())
    dsd["layer_up_last.weight"], dsd["layer_up_last.bias"] = w, b
    load_folded(D, dsd)
    plain, _ = modelfile.load_generator(source_path)
    sg = G.G
    label = torch.zeros(1, sg.semantic_nc, sg.height, sg.width)
    label[:, 0] = 1
    z = common.seeded_z([0], sg.z_dim)
    sg.eval()
    err = (sg(label, z) - plain(label, z)).abs().max().item()
    sg.train()
    return err


# ------------------------------------------------------------ trainer
def make_meta(args):
    """Identity of the source, the profile and the target of a new run."""
    if not args.source:
        raise SystemExit("--source is required for a new run")
    tensors, scfg = st.read_config(args.source)
    if scfg is None or not any(k.startswith("D.") for k in tensors):
        raise SystemExit("%s needs catbrush.config and a discriminator (D.*)"
                         % args.source)
    tgt = lbl.load_classes(os.path.join(args.data, "classes.json"))
    meta = {"init": args.init,
            "source": {"path": os.path.abspath(args.source),
                       "sha256": sha256_file(args.source),
                       "name": scfg.get("model_card", {}).get("name", ""),
                       "classes": class_names(scfg["classes"]),
                       "config": {k: v for k, v in scfg.items()
                                  if k != "model_card"}},
            "target_classes": class_names(tgt), "profile": None,
            "initial_affinity": None, "init_floor": 0.0}
    if args.init == "profile":
        if not args.profile:
            raise SystemExit("--init profile needs --profile")
        prof, a0 = load_profile(args.profile, meta["source"]["sha256"],
                                meta["source"]["classes"],
                                meta["target_classes"])
        meta["profile"] = {"path": os.path.abspath(args.profile),
                           "sha256": sha256_file(args.profile),
                           "estimation": prof.get("estimation", {})}
        meta["initial_affinity"] = a0.tolist()
        meta["init_floor"] = args.init_floor
    elif args.init_floor:
        raise SystemExit("--init-floor needs --init profile")
    return meta, target_config(scfg, len(meta["target_classes"]))


def initial_logits(meta, seed):
    t, s = len(meta["target_classes"]), len(meta["source"]["classes"])
    if meta["init"] == "profile":
        a0 = torch.tensor(meta["initial_affinity"])
        floor = meta.get("init_floor", 0.0)
        if floor:
            # every entry at least floor / S': Adam moves a logit by about
            # its learning rate per step, so a saturated entry (log 1e-4)
            # stays negligible through fine-tuning; a floored one can grow
            return torch.log((1 - floor) * a0 + floor / s)
        return torch.log(a0 + INIT_EPS)
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(t, s, generator=gen)


class FineTuner(train.Trainer):
    """train.Trainer with the target set, the affinity layer and the
    source initialisation; step(), run(), samples and saving are reused."""

    def __init__(self, args):  # noqa: C901 (linear set-up)
        self.args = args
        os.makedirs(os.path.join(args.out, "samples"), exist_ok=True)
        self.ckpt_path = os.path.join(args.out, "latest.pt")
        ckpt = None
        if args.resume and os.path.exists(self.ckpt_path):
            ckpt = common.torch_load(self.ckpt_path)
            self.meta, self.config = ckpt["finetune"], ckpt["config"]
        else:
            self.meta, self.config = make_meta(args)
        common.set_threads(args.threads)
        self.device = common.training_device(args.device)
        # fp32 by default: the measured CAT comparison and the app's
        # fine-tune dialog expect results that do not depend on the CPU.
        self.precision = common.resolve_precision(args.precision, self.device)
        print("precision: %s" % common.describe_precision(self.precision,
                                                          self.device),
              flush=True)
        torch.manual_seed(args.seed)
        g = self.config["generator"]
        args.width, args.height = g["width"], g["height"]
        self.ds = data.SegDataset(args.data, args.split, g["width"],
                                  g["height"], semantic_nc=g["semantic_nc"],
                                  dontcare=g["dontcare_channel"],
                                  crop_scale=args.crop_scale,
                                  limit=args.limit or None)
        if class_names(self.ds.classes) != self.meta["target_classes"]:
            raise SystemExit("dataset classes differ from the run's")
        self.dontcare, self.z_dim = g["dontcare_channel"], g["z_dim"]
        self.G, self.D = build_nets(self.meta, self.config)
        if ckpt is None:
            self._initialise()
        self.G.to(self.device)
        self.D.to(self.device)
        self.EMA = oasis.clone(self.G)
        self._optimisers()
        self.sampler = data.Sampler(len(self.ds), args.batch, args.seed)
        self.aug_rng = np.random.default_rng(args.seed + 1)
        self.iter, self.train_seconds, self.commands = 0, 0.0, []
        if ckpt is not None:
            self._load(ckpt)
        self.commands.append(common.command_line())
        self.stop = False
        print("fine-tune (%s): G %d params, D %d params, %d target images"
              % (self.meta["init"], oasis.count_params(self.G),
                 oasis.count_params(self.D), len(self.ds)), flush=True)

    def _initialise(self):
        if self.meta["init"] == "scratch":
            for net in (self.G, self.D):
                oasis.init_weights(net)
                oasis.warm_spectral_norm(net)
            return
        with torch.no_grad():
            self.G.affinity_logits.copy_(initial_logits(self.meta,
                                                        self.args.seed))
        err = init_from_source(self.G, self.D, self.meta["source"]["path"])
        print("source loaded: max |G - file| = %.3g (spectral norm "
              "re-estimated)" % err, flush=True)

    def _optimisers(self):
        a = self.args
        betas = (a.beta1, a.beta2)
        main = [p for n, p in self.G.named_parameters()
                if n != "affinity_logits"]
        groups = [{"params": main, "lr": a.lr_g}]
        if isinstance(self.G, AffinityGenerator):
            groups.append({"params": [self.G.affinity_logits],
                           "lr": a.lr_affinity})
        self.opt_g = torch.optim.Adam(groups, a.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), a.lr_d,
                                      betas=betas)

    def _state(self, full=True):
        st_ = super()._state(full)
        st_["finetune"] = self.meta
        return st_

    def affinity(self, net=None):
        """The current T x S' matrix of ``net`` (default: the EMA)."""
        net = self.EMA if net is None else net
        if not isinstance(net, AffinityGenerator):
            return None
        with torch.no_grad():
            return net.matrix().cpu().numpy()


# ------------------------------------------------------------ export
@torch.no_grad()
def folded_generator(net):
    """Folded G.* tensors: spectral norm and (for the affinity layer) the
    mixing matrix folded into every convolution over seg."""
    if not isinstance(net, AffinityGenerator):
        return oasis.folded_state(net)
    out = oasis.folded_state(net.G)
    z = net.G.z_dim
    m = net.mixing()
    for key in list(out):
        if SEG_CONV.match(key):
            w = out[key]
            seg = torch.einsum("oshw,st->othw", w[:, z:], m)
            out[key] = torch.cat([w[:, :z], seg], dim=1)
    return out


def model_card(tr, target_cfg):
    meta, a = tr.meta, tr.args
    g = target_cfg["generator"]
    cls = tr.ds.classes
    src = meta["source"]
    prof = meta["profile"]
    floor = meta.get("init_floor", 0.0)
    how = {"profile": "CAT: affinity layer initialised from the profile"
                      + (" (floor %g)" % floor if floor else ""),
           "random": "baseline: affinity layer initialised at random",
           "scratch": "baseline: trained from scratch on the target"}
    card = {
        "name": "%s %dx%d, %s from %s" % (cls.get("name", ""), g["width"],
                                          g["height"], meta["init"],
                                          src["name"] or "source model"),
        "data": "%s, split '%s' (%d images)%s"
                % (cls.get("name", ""), a.split, len(tr.ds),
                   " (%s)" % cls["source"] if cls.get("source") else ""),
        "licence": "Fine-tuned on %s (%s); source model: see its card. "
                   "Research use only." % (cls.get("name", ""),
                                           cls.get("licence", "unknown")),
        "training": "%s; OASIS losses (class-balanced N+1 cross-entropy, "
                    "LabelMix), EMA generator; batch %d, lr G %g, D %g, "
                    "affinity %g; %d iterations, %.2f h on %s"
                    % (how[meta["init"]], a.batch, a.lr_g, a.lr_d,
                       a.lr_affinity, tr.iter, tr.train_seconds / 3600,
                       common.device_name(tr.device)),
        "source_model": "%s (sha256 %s)" % (src["name"] or src["path"],
                                            src["sha256"]),
        "resolution": "%dx%d" % (g["width"], g["height"]),
        "iterations": tr.iter,
        "training_seconds": round(tr.train_seconds, 1),
        "metrics": {},
        "command": " ; ".join(tr.commands),
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if prof:
        card["profile"] = "%s (sha256 %s; methods %s)" % (
            prof["path"], prof["sha256"],
            ",".join(prof["estimation"].get("methods", [])) or "?")
    return card


def affinity_record(tr):
    meta = tr.meta
    src = meta["source"]
    learned = tr.affinity()
    return {"init": meta["init"],
            "source_model": {"sha256": src["sha256"], "name": src["name"],
                             "classes": src["classes"]},
            "profile": meta["profile"],
            "target_classes": meta["target_classes"],
            "initial": meta["initial_affinity"],
            "init_floor": meta.get("init_floor", 0.0),
            "learned": None if learned is None else learned.tolist()}


@torch.no_grad()
def export(tr, path, f16=False):
    """Write the EMA generator (folded) and D as a target model file and
    check it against the EMA in eval mode; returns the max difference."""
    cfg = json.loads(json.dumps(tr.config))
    tensors = {"G." + k: v.float().cpu().numpy()
               for k, v in folded_generator(tr.EMA).items()}
    tensors.update({"D." + k: v.float().cpu().numpy()
                    for k, v in oasis.folded_state(tr.D).items()})
    cfg["classes"] = modelfile.class_set(tr.ds.classes)
    cfg["model_card"] = model_card(tr, cfg)
    cfg["affinity_transfer"] = affinity_record(tr)
    modelfile.write_model(path, cfg, tensors, f16=f16)
    return check_export(tr, path)


@torch.no_grad()
def check_export(tr, path):
    plain, cfg = modelfile.load_generator(path)
    g = cfg["generator"]
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, g["semantic_nc"], (2, g["height"], g["width"]),
                        generator=gen)
    label = F.one_hot(ids, g["semantic_nc"]).permute(0, 3, 1, 2).float()
    z = torch.randn(2, g["z_dim"], generator=gen)
    was = tr.EMA.training
    tr.EMA.eval()
    ref = tr.EMA(label.to(tr.device), z.to(tr.device)).cpu()
    tr.EMA.train(was)
    return (plain(label, z) - ref).abs().max().item()


def main(argv=None):
    args = parse_args(argv)
    tr = FineTuner(args)

    def on_signal(signum, _frame):
        print("signal %d: will stop after this iteration" % signum,
              flush=True)
        tr.stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tr.run()
    a = tr.affinity()
    if a is not None:
        print("affinity rows sum to 1 within %.2g, min %.3g"
              % (np.abs(a.sum(1) - 1).max(), a.min()), flush=True)
    if tr.stop or args.no_export:
        print("stopped at iteration %d (no export)" % tr.iter, flush=True)
        return
    out = args.export or os.path.join(args.out, "model.safetensors")
    err = export(tr, out, f16=args.f16)
    print("exported %s at iteration %d: max |file - EMA| = %.3g"
          % (out, tr.iter, err), flush=True)


if __name__ == "__main__":
    main()
