"""Growing a trained generator to twice its resolution (progressive
growing, Karras et al. 2018, done once rather than with a fade-in).

The grown generator has one more ResNet-SPADE block at the end: the source
model's ``fc``, ``body.0 .. body.n-1`` and ``conv_img`` are copied, and the
new ``body.n`` (after one more nearest 2x up-sampling) starts as the
identity.  Spectral norm rescales every convolution it wraps to unit
spectral norm, so the new block cannot start with zero convolutions;
instead its inner SPADE (``norm_1``) starts with gamma = -1 and beta = 0,
which zeroes the residual branch's input, and ``conv_1``'s bias is zero:
block(x) = x + conv_1(0) = x.  Gradients reach gamma at once, so the block
learns from the first step.  At iteration 0 the grown generator therefore
draws the source model's picture, up-sampled; the discriminator (fully
convolutional) is the source model's, now looking at twice the pixels.
"""

import numpy as np
import torch

import oasis
import safetensors_io as st


def _tensors(tensors, prefix):
    n = len(prefix)
    return {k[n:]: torch.from_numpy(np.ascontiguousarray(v)).float()
            for k, v in tensors.items() if k.startswith(prefix)}


def grown_config(src_cfg, width, height):
    """The catbrush.config of the grown model: one more block of the last
    block's width, twice the size (checked against width and height)."""
    g = dict(src_cfg["generator"])
    if (width, height) != (2 * g["width"], 2 * g["height"]):
        raise SystemExit("--grow-from: a %dx%d model grows to %dx%d, not "
                         "%dx%d" % (g["width"], g["height"], 2 * g["width"],
                                    2 * g["height"], width, height))
    g["channels"] = list(g["channels"]) + [g["channels"][-1]]
    g["width"], g["height"] = width, height
    cfg = {k: v for k, v in src_cfg.items()
           if k in ("format", "version", "architecture", "discriminator")}
    cfg["generator"] = g
    return cfg


@torch.no_grad()
def identity_block(block):
    """Make a same-width ResNet-SPADE block the identity (see above)."""
    if block.learned_shortcut:
        raise ValueError("only a block without a learned shortcut can "
                         "start as the identity")
    norm = block.norm_1
    norm.mlp_gamma.weight.zero_()
    norm.mlp_gamma.bias.fill_(-1.0)
    norm.mlp_beta.weight.zero_()
    norm.mlp_beta.bias.zero_()
    block.conv_1.bias.zero_()


@torch.no_grad()
def grow(G, D, src_path):
    """Load the source model file into the grown G and into D."""
    tensors, _ = st.read_config(src_path)
    src = _tensors(tensors, "G.")
    n_src = len(G.body) - 1
    new = "body.%d." % n_src
    # the new block keeps its fresh init (weights and BN statistics),
    # then becomes the identity
    folded = dict(src)
    for k, v in oasis.folded_state(G).items():
        if k.startswith(new):
            folded[k] = v
    oasis.load_folded(G, folded)
    identity_block(G.body[n_src])
    oasis.load_folded(D, _tensors(tensors, "D."))


def same_size_config(src_cfg, semantic_nc):
    """The config of a run that goes on from a model file at its size."""
    if src_cfg["generator"]["semantic_nc"] != semantic_nc:
        raise SystemExit("--init-from: the model has %d classes, the data "
                         "set %d" % (src_cfg["generator"]["semantic_nc"],
                                     semantic_nc))
    return {k: v for k, v in src_cfg.items()
            if k in ("format", "version", "architecture", "generator",
                     "discriminator")}


@torch.no_grad()
def load_same_size(G, D, src_path):
    """Load a model file's G (the exported EMA) and D as they are: a run
    that goes on from a bundled model whose checkpoint is gone."""
    tensors, _ = st.read_config(src_path)
    oasis.load_folded(G, _tensors(tensors, "G."))
    oasis.load_folded(D, _tensors(tensors, "D."))


@torch.no_grad()
def check_identity(G, src_path):
    """max |G(x) - upsample(source(x))| on a test input, and the source's
    image range: the grown model must draw the source's picture at
    iteration 0 (up to conv_img seeing up-sampled features)."""
    import common
    import modelfile
    import torch.nn.functional as F
    plain, cfg = modelfile.load_generator(src_path)
    g = cfg["generator"]
    label = torch.zeros(1, g["semantic_nc"], g["height"], g["width"])
    label[:, 0, : g["height"] // 2] = 1
    label[:, 3, g["height"] // 2:] = 1
    z = common.seeded_z([0], g["z_dim"])
    small = plain(label, z)
    was = G.training
    G.eval()
    big = G(F.interpolate(label, scale_factor=2, mode="nearest"), z)
    G.train(was)
    up = F.interpolate(small, scale_factor=2, mode="nearest")
    return (big - up).abs().mean().item()
