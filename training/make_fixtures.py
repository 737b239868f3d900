#!/usr/bin/python3
"""Golden fixtures for the C side: a tiny random OASIS model and its output.

Writes into tests/fixtures/:
  tiny-model.safetensors  F32 model file (G.* and D.*, spectral norm
                          folded, random non-trivial BN running statistics)
  tiny-labels.png         indexed 32x24 label map with void (255) pixels
  tiny-expected.f32       generator output, raw little-endian float32,
                          3 x H x W (tanh output, before 8-bit conversion)
  tiny-d-expected.f32     discriminator logits on the expected image,
                          float32 (semantic_nc + 1) x H x W
  tiny-expected.png       the output in 8 bits (modelfile.to_uint8)
  tiny-fixtures.json      seeds and how the files were made
  tiny-model-v.safetensors  the same model plus a random vision-prior
                          encoder (V.*) and source prototypes
  tiny-v-expected.f32     the encoder's dense features on tiny-expected.f32,
                          float32 F x H x W
(--encoder-only writes just the last two, from the existing tiny model.)
All computations run in float64 on the float32 weights (eval mode) and are
rounded to float32 at the end.  Deterministic: same files on every run.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import encoder as enc  # noqa: E402
import safetensors_io as st  # noqa: E402
import labels as lbl  # noqa: E402
import modelfile  # noqa: E402
import oasis  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")

CONFIG = {
    "format": "catbrush-model",
    "version": 1,
    "architecture": "oasis",
    "generator": {"channels": [16, 16, 8], "z_dim": 8, "semantic_nc": 4,
                  "dontcare_channel": 3, "spade_hidden": 8, "width": 32,
                  "height": 24, "bn_eps": oasis.BN_EPS},
    "discriminator": {"channels": [3, 8, 8, 16], "num_res_blocks": 3,
                      "head": 8},
    "classes": {"name": "tiny", "void": 255, "void_color": "#000000",
                "classes": [{"id": 0, "name": "sky", "color": "#808080"},
                            {"id": 1, "name": "road", "color": "#804080"},
                            {"id": 2, "name": "tree", "color": "#808000"}]},
    "model_card": {"data": "none (random weights)", "licence": "CC0",
                   "training": "none: test fixture", "iterations": 0,
                   "metrics": {}, "command": "training/make_fixtures.py"},
}
SEED = 7
CLASS_SEEDS = {2: 1234}   # class "tree" re-rolled with its own seed


def randomize(net, gen):
    """Random weights large enough that every path matters."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() > 1:     # conv weight: unit gain per output
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) * fan_in ** -0.5)
            else:               # bias
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape,
                                                 generator=gen) * 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape,
                                               generator=gen) * 1.5 + 0.5)
        oasis.warm_spectral_norm(net, iters=50)


def label_map(h, w, gen):
    """Blocky classes 0..2 with a few void pixels and a void rectangle."""
    coarse = torch.randint(0, 3, (h // 4 + 1, w // 4 + 1), generator=gen)
    ids = coarse.repeat_interleave(4, 0).repeat_interleave(4, 1)[:h, :w]
    ids = ids.numpy().astype(np.uint8)
    ids[2:5, 20:27] = 255
    flat = torch.randint(0, h * w, (12,), generator=gen).numpy()
    ids.reshape(-1)[flat] = 255
    return ids


ENCODER = {"widths": [4, 8], "features": 6, "pools": 2}


def make_encoder_fixture():
    """tiny-model-v.safetensors and tiny-v-expected.f32 (float64 reference)."""
    gen = torch.Generator().manual_seed(77)
    net = enc.build(ENCODER)
    randomize(net, gen)
    net.eval()
    tensors, cfg = st.read_config(os.path.join(OUT, "tiny-model.safetensors"))
    tensors = dict(tensors)
    for k, v in net.folded().items():
        tensors["V." + k] = v
    n_source = len(cfg["classes"]["classes"])
    tensors["P.source_prototypes"] = torch.randn(
        n_source, ENCODER["features"], generator=gen).numpy()
    cfg = dict(cfg, vision_encoder=net.config())
    path = os.path.join(OUT, "tiny-model-v.safetensors")
    modelfile.write_model(path, cfg, tensors)
    h, w = cfg["generator"]["height"], cfg["generator"]["width"]
    x = np.fromfile(os.path.join(OUT, "tiny-expected.f32"), "<f4")
    x = torch.from_numpy(x.reshape(1, 3, h, w).astype(np.float64))
    back, _ = st.read_config(path)
    folded = enc.FoldedEncoder(cfg["vision_encoder"], back)
    with torch.no_grad():
        f64 = folded(x)
        f32 = net.dense(x.float())
    f64[0].float().numpy().astype("<f4").tofile(
        os.path.join(OUT, "tiny-v-expected.f32"))
    print("encoder fixture: features %s, folded float64 vs batch-norm "
          "float32 max diff %.3g" % (tuple(f64.shape[1:]),
                                     float((f64.float() - f32).abs().max())))


def main():
    if "--encoder-only" in sys.argv[1:]:
        make_encoder_fixture()
        return
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2024)
    g = CONFIG["generator"]
    G = common.build_generator(g)
    D = common.build_discriminator(CONFIG["discriminator"], g["semantic_nc"])
    randomize(G, gen)
    randomize(D, gen)
    G.eval()
    D.eval()
    tensors = modelfile.tensors_from_nets(G, D)
    path = os.path.join(OUT, "tiny-model.safetensors")
    modelfile.write_model(path, CONFIG, tensors)

    ids = label_map(g["height"], g["width"], gen)
    lbl.save_label_png(os.path.join(OUT, "tiny-labels.png"), ids,
                       CONFIG["classes"])

    # reference computation from the file itself, in float64
    plain, cfg = modelfile.load_generator(path, torch.float64)
    disc, _ = modelfile.load_discriminator(path, torch.float64)
    label, zmap = modelfile.generator_inputs(cfg, ids, SEED, CLASS_SEEDS)
    with torch.no_grad():
        y64 = plain(label.double(), zmap.double())
        d64 = disc(y64.float().double())
        y32 = G(label, zmap)       # float32 spectral-norm model, cross-check
    y = y64[0].float().numpy()
    d = d64[0].float().numpy()
    y.astype("<f4").tofile(os.path.join(OUT, "tiny-expected.f32"))
    d.astype("<f4").tofile(os.path.join(OUT, "tiny-d-expected.f32"))
    from PIL import Image
    Image.fromarray(modelfile.to_uint8(y)).save(
        os.path.join(OUT, "tiny-expected.png"))
    desc = {
        "model": "tiny-model.safetensors",
        "labels": "tiny-labels.png",
        "expected": "tiny-expected.f32",
        "expected_shape": [3, g["height"], g["width"]],
        "expected_png": "tiny-expected.png",
        "d_expected": "tiny-d-expected.f32",
        "d_expected_shape": [g["semantic_nc"] + 1, g["height"], g["width"]],
        "d_input": "tiny-expected.f32 (the float32 generator output)",
        "seed": SEED,
        "class_seeds": {"tree": CLASS_SEEDS[2]},
        "class_seed_streams": {"tree": 2 + 1},
        "dtype": "float32 little-endian, CHW",
        "precision": "computed in float64 from the F32 weights, rounded",
        "max_abs_diff_float32_pytorch": float((y32[0] - y64[0].float())
                                              .abs().max()),
        "tensors": sorted(tensors),
    }
    make_encoder_fixture()
    with open(os.path.join(OUT, "tiny-fixtures.json"), "w") as f:
        json.dump(desc, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT)
                if n.startswith("tiny-"))
    print("fixtures in %s: %d bytes; output range [%.3f, %.3f], std %.3f; "
          "float32 vs float64 max diff %.3g"
          % (os.path.normpath(OUT), total, y.min(), y.max(), y.std(),
             desc["max_abs_diff_float32_pytorch"]))


if __name__ == "__main__":
    main()
