#!/usr/bin/python3
"""Export a training checkpoint as a Catbrush model file.

Writes the EMA generator (spectral norm folded into the weights, BatchNorm
running statistics included) as G.*, the discriminator as D.* (unless
--no-discriminator), and catbrush.config with the class set and model card.
With --encoder RUN/encoder.pt (train_encoder.py) it also stores the
vision-prior encoder (V.*, batch norm folded), the source class prototypes
(P.source_prototypes) and catbrush.config["vision_encoder"].
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import data  # noqa: E402
import encoder as enc  # noqa: E402
import modelfile  # noqa: E402
import oasis  # noqa: E402
import safetensors_io as st  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("checkpoint", help="RUN_DIR/latest.pt or iter_*.pt")
    p.add_argument("output", help="model file (.safetensors)")
    p.add_argument("--f16", action="store_true", help="store tensors as F16")
    p.add_argument("--no-discriminator", action="store_true")
    p.add_argument("--encoder", help="vision-prior encoder (encoder.pt of "
                   "train_encoder.py) to store as V.* with its prototypes")
    p.add_argument("--source-segmenter", metavar="PT",
                   help="source segmenter (source_segmenter.pt of "
                   "train_source_segmenter.py) to store as S.*: the "
                   "segmentation prior runs it instead of D")
    p.add_argument("--carry-from", metavar="MODEL",
                   help="the model file the run went on from (train.py "
                   "--init-from): its vision encoder and prototypes are "
                   "carried over, its training stages lead the card's")
    p.add_argument("--recompute-bn", type=int, default=0, metavar="N",
                   help="re-estimate the EMA BN statistics on N batches")
    p.add_argument("--data", help="dataset (default: the checkpoint's)")
    p.add_argument("--metrics", help="JSON file merged into model_card")
    p.add_argument("--name", default="", help="model name for the card")
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args()


def model_card(ck, args, cfg):
    classes = ck["classes"]
    g = cfg["generator"]
    hours = ck.get("train_seconds", 0.0) / 3600.0
    src = classes.get("source", "")
    div = ""
    if ck.get("lambda_div"):
        div = ("; diversity-sensitive G term (Yang et al. 2019), weight "
               "%g, ratio clamped at %g" % (ck["lambda_div"], ck["div_tau"]))
    if ck.get("lambda_spec"):
        div += ("; persistent 2-D spectral excess term against periodic "
                "textures, weight %g, margin %g dB"
                % (ck["lambda_spec"], ck.get("spec_margin", 2.0)))
    if ck.get("lambda_tex"):
        div += ("; local texture discriminator on the image's high-pass "
                "(training/texture_d.py), weight %g" % ck["lambda_tex"])
    card = {
        "name": args.name or "OASIS %dx%d on %s" % (g["width"], g["height"],
                                                   classes.get("name", "")),
        "data": "%s, split '%s'%s" % (classes.get("name", ""), ck["split"],
                                      " (%s)" % src if src else ""),
        "licence": "Trained on %s, whose licence reads: %s. "
                   "The model inherits it: research use only."
                   % (classes.get("name", ""),
                      classes.get("licence", "unknown")),
        "training": "OASIS (Sushko et al. 2021) losses: class-balanced N+1 "
                    "cross-entropy, LabelMix; Adam beta1 0; EMA generator "
                    "with re-estimated batch-norm statistics; batch %d; "
                    "%.2f h on CPU%s" % (ck.get("batch", 0), hours, div),
        "resolution": "%dx%d" % (g["width"], g["height"]),
        "iterations": ck["iter"],
        "training_seconds": round(ck.get("train_seconds", 0.0), 1),
        "metrics": {},
        "command": " ; ".join(ck.get("commands", [])),
        "export_command": common.command_line(),
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if args.metrics:
        with open(args.metrics) as f:
            card["metrics"].update(json.load(f))
    return card


def add_encoder(path, cfg, tensors):
    e = common.torch_load(path)
    ids = [c["id"] for c in cfg["classes"]["classes"]]
    if list(e["class_ids"]) != ids:
        raise SystemExit("%s: prototypes for class ids %s, the model has %s"
                         % (path, e["class_ids"], ids))
    size = e.get("size")
    g = cfg["generator"]
    if size is not None and list(size) != [g["width"], g["height"]]:
        # the prototypes were averaged at that size; the app computes the
        # target's at the model's
        raise SystemExit("%s: encoder trained at %dx%d, the model is %dx%d"
                         % (path, size[0], size[1], g["width"], g["height"]))
    net = enc.build(e["config"])
    net.load_state_dict(e["state"])
    net.eval()
    for k, v in net.folded().items():
        tensors["V." + k] = v
    tensors["P.source_prototypes"] = np.asarray(e["prototypes"], np.float32)
    cfg["vision_encoder"] = dict(
        e["config"], objective=e["objective"], steps=e["steps"],
        training_seconds=e["seconds"],
        data="%s, split '%s' (no labels in training; labels only for the "
             "prototypes)" % (os.path.basename(e["data"]), e["split"]),
        command=" ; ".join(e["commands"]))


def carry_from(path, cfg, tensors, card):
    """V.*, P.* and the training history of the model file a run went on
    from: its encoder needs no retraining for the same classes and size."""
    src, src_cfg = st.read_config(path)
    g, sg = cfg["generator"], src_cfg["generator"]
    if (sg["width"], sg["height"]) != (g["width"], g["height"]):
        raise SystemExit("%s: %dx%d, the model is %dx%d" % (
            path, sg["width"], sg["height"], g["width"], g["height"]))
    ids = [c["id"] for c in cfg["classes"]["classes"]]
    if [c["id"] for c in src_cfg["classes"]["classes"]] != ids:
        raise SystemExit("%s: another class set" % path)
    for k, v in src.items():
        if k.startswith("V.") or k.startswith("P."):
            tensors[k] = np.asarray(v, np.float32)
    if "vision_encoder" in src_cfg:
        cfg["vision_encoder"] = src_cfg["vision_encoder"]
    old = src_cfg.get("model_card", {})
    stages = list(old.get("earlier_stages", []))
    stages.append({k: old.get(k) for k in ("name", "iterations",
                                          "training_seconds", "command",
                                          "export_command")})
    card["earlier_stages"] = stages
    card["iterations_in_all"] = card["iterations"] + sum(
        s.get("iterations") or 0 for s in stages)
    card["training_seconds_in_all"] = round(card["training_seconds"] + sum(
        s.get("training_seconds") or 0 for s in stages), 1)


def add_source_segmenter(path, cfg, tensors):
    """S.* from train_source_segmenter.py; it must have D's outputs."""
    s = common.torch_load(path)
    if s["semantic_nc"] != cfg["generator"]["semantic_nc"]:
        raise SystemExit("%s: %d label channels, the generator %d"
                         % (path, s["semantic_nc"],
                            cfg["generator"]["semantic_nc"]))
    for k, v in s["state"].items():
        if not k.endswith("num_batches_tracked"):
            tensors["S." + k] = v.detach().float().numpy()
    cfg["source_segmenter"] = {
        "discriminator": s["discriminator"], "width": s["width"],
        "height": s["height"], "epoch": s["epoch"],
        "val_miou": round(float(s["val_miou"]), 4),
        "init": os.path.basename(s["init"] or "") or None,
        "command": s["command"]}


def main():
    args = parse_args()
    common.set_threads(args.threads)
    ck = common.torch_load(args.checkpoint)
    cfg = json.loads(json.dumps(ck["config"]))
    g = cfg["generator"]
    ema = common.build_generator(g)
    ema.load_state_dict(ck["EMA"])
    if args.recompute_bn:
        ds = data.SegDataset(args.data or ck["data"], ck["split"],
                             g["width"], g["height"])
        rng = np.random.default_rng(0)
        gen = torch.Generator().manual_seed(0)
        batches = ((ds.batch(rng.integers(0, len(ds), 4), rng)[1],
                    torch.randn(4, g["z_dim"], generator=gen))
                   for _ in range(args.recompute_bn))
        oasis.recompute_bn_stats(ema, batches)
    disc = None
    if not args.no_discriminator:
        disc = common.build_discriminator(cfg["discriminator"],
                                          g["semantic_nc"])
        disc.load_state_dict(ck["D"])
    ema.eval()
    tensors = modelfile.tensors_from_nets(ema, disc)
    cfg["classes"] = modelfile.class_set(ck["classes"])
    if args.encoder:
        add_encoder(args.encoder, cfg, tensors)
    if args.source_segmenter:
        add_source_segmenter(args.source_segmenter, cfg, tensors)
    cfg["model_card"] = model_card(ck, args, cfg)
    if args.carry_from:
        carry_from(args.carry_from, cfg, tensors, cfg["model_card"])
    modelfile.write_model(args.output, cfg, tensors, f16=args.f16)

    # self-check: the file reproduces the spectral-norm EMA generator
    plain, _ = modelfile.load_generator(args.output)
    label = torch.zeros(1, g["semantic_nc"], g["height"], g["width"])
    label[:, 0] = 1
    z = common.seeded_z([0], g["z_dim"])
    with torch.no_grad():
        err = (plain(label, z) - ema(label, z)).abs().max().item()
    n = sum(v.size for v in tensors.values())
    print("wrote %s: %d tensors, %d values, %.2f MB, iteration %d, "
          "max |file - checkpoint| = %.3g"
          % (args.output, len(tensors), n,
             os.path.getsize(args.output) / 1e6, ck["iter"], err))


if __name__ == "__main__":
    main()
