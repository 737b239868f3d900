#!/usr/bin/python3
"""Write small OASIS checkpoints with torch.save, as the official code does,
for the tests of ``catbrush-cli import-oasis`` (tests/import/).

Run with Debian's Python and torch::

    /usr/bin/python3 training/make_pth_fixture.py tests/fixtures
    /usr/bin/python3 training/make_pth_fixture.py --ade20k DIR   # test time only

Tiny mode writes, into the output folder:

- ``oasis-tiny-EMA.pth``: the state dict of an OASIS generator (spectral
  norm on, official module names), 3 blocks, channels [8, 8, 4, 4], z_dim 4,
  6 semantic channels (5 classes + don't-care 0), SPADE hidden 4, 16x8.
  To exercise the reader, some tensors are stored as float16 / bfloat16,
  some are non-contiguous views, and two biases share one storage at
  different offsets.
- ``oasis-tiny-EMA-legacy.pth``: the same state dict in the legacy
  (PyTorch < 1.6) format.
- ``oasis-tiny-D.pth``: the matching discriminator ([3, 8, 16], head 8),
  saved with a DataParallel-style ``module.`` prefix.
- ``oasis-tiny-expected.pth``: what C must reproduce: the effective
  (spectral-norm folded) weights as PyTorch computes them in eval mode
  (``G.<name>`` / ``D.<name>``), the input (``io.rows``: per-pixel row index
  = class index, 5 = void; ``io.z``: the global noise vector of seed 7,
  stream 0) and the eval-mode output ``io.out`` (3 x H x W, before the
  [0, 1] mapping).

ADE20K mode writes the same three files (``oasis-ade-*.pth``) for an
ADE20K-shaped generator: 151 semantic channels, 6 blocks, z_dim 64, small
widths, 64x64; no discriminator.
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import noise  # noqa: E402
import oasis  # noqa: E402

SEED = 7


def randomise(gen, batches, label_nc, z_dim, h, w, g):
    """Train-mode passes (power iteration for u, v), then set BN statistics
    to values far from the defaults so that they matter."""
    gen.train()
    with torch.no_grad():
        for _ in range(batches):
            lab = torch.zeros(2, label_nc, h, w)
            idx = torch.randint(0, label_nc, (2, 1, h, w), generator=g)
            lab.scatter_(1, idx, 1.0)
            gen(lab, torch.randn(2, z_dim, generator=g))
        for m in gen.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    gen.eval()


def round_to(module_param, dtype):
    """Round a parameter to dtype in place (the model then computes with the
    rounded values) and return the tensor to save in that dtype."""
    with torch.no_grad():
        module_param.copy_(module_param.to(dtype).float())
    return module_param.detach().to(dtype)


def label_rows(h, w, n_classes):
    """A label map with every class and some void: row index per pixel."""
    rows = torch.empty(h, w)
    for y in range(h):
        for x in range(w):
            rows[y, x] = ((x // 3) + 2 * (y // 2)) % (n_classes + 1)
    return rows


def one_hot(rows, n_classes, semantic_nc, dontcare):
    """One-hot label (1, semantic_nc, H, W): class t -> its channel (the
    non-don't-care channels in order), void (row n_classes) -> dontcare."""
    chans = [c for c in range(semantic_nc) if c != dontcare]
    lab = torch.zeros(1, semantic_nc, *rows.shape)
    for t in range(n_classes + 1):
        ch = dontcare if t == n_classes else chans[t]
        lab[0, ch][rows == t] = 1.0
    return lab


def make(out_dir, prefix, channels, z_dim, semantic_nc, hidden, width, height,
         d_channels, d_head, exotic):
    g = torch.Generator().manual_seed(1234)
    torch.manual_seed(1234)
    n_classes = semantic_nc - 1
    gen = oasis.OASISGenerator(channels, z_dim, semantic_nc, hidden, width,
                               height, sn=True)
    randomise(gen, 3, semantic_nc, z_dim, height, width, g)

    sd = gen.state_dict()
    if exotic:
        # float16 / bfloat16 storages: the model computes with the rounded values
        sd["fc.bias"] = round_to(gen.fc.bias, torch.float16)
        sd["body.0.norm_0.mlp_gamma.weight"] = round_to(
            gen.body[0].norm_0.mlp_gamma.weight, torch.bfloat16)
        sd["body.1.conv_0.weight_orig"] = round_to(
            gen.body[1].conv_0.weight_orig, torch.float16)
        # a non-contiguous view (permuted strides) with the same values
        w = sd["body.0.conv_1.weight_orig"]
        sd["body.0.conv_1.weight_orig"] = \
            w.permute(2, 3, 0, 1).contiguous().permute(2, 3, 0, 1)
        assert not sd["body.0.conv_1.weight_orig"].is_contiguous()
        w = sd["conv_img.weight"]
        sd["conv_img.weight"] = w.transpose(0, 1).contiguous().transpose(0, 1)
        # two biases in one storage, the second at an offset
        a, b = sd["body.0.norm_1.mlp_beta.bias"], sd["body.1.conv_1.bias"]
        both = torch.cat([a, b])
        sd["body.0.norm_1.mlp_beta.bias"] = both[:a.numel()]
        sd["body.1.conv_1.bias"] = both[a.numel():]
    torch.save(sd, os.path.join(out_dir, prefix + "-EMA.pth"))
    if exotic:
        # the legacy format of PyTorch < 1.6 (the official OASIS environment
        # has PyTorch 1.0): a row of pickles, then the raw storages
        torch.save(sd, os.path.join(out_dir, prefix + "-EMA-legacy.pth"),
                   _use_new_zipfile_serialization=False)

    expected = {}
    for k, v in oasis.folded_state(gen).items():
        expected["G." + k] = v.float().contiguous().clone()

    rows = label_rows(height, width, n_classes)
    lab = one_hot(rows, n_classes, semantic_nc, 0)
    z = torch.from_numpy(noise.noise_vector(SEED, 0, z_dim)).view(1, z_dim)
    with torch.no_grad():
        out = gen(lab, z)[0]
    expected["io.rows"] = rows.contiguous()
    expected["io.z"] = z[0].clone()
    expected["io.out"] = out.contiguous().clone()

    if d_channels:
        disc = oasis.OASISDiscriminator(d_channels, semantic_nc, head=d_head,
                                        sn=True)
        disc.train()
        with torch.no_grad():
            for _ in range(2):
                disc(torch.randn(2, 3, height, width, generator=g))
        disc.eval()
        dsd = {"module." + k: v for k, v in disc.state_dict().items()}
        torch.save(dsd, os.path.join(out_dir, prefix + "-D.pth"))
        for k, v in oasis.folded_state(disc).items():
            expected["D." + k] = v.float().contiguous().clone()

    torch.save(expected, os.path.join(out_dir, prefix + "-expected.pth"))
    print("%s: out std %.3f, |out| max %.3f" % (prefix, out.std().item(),
                                               out.abs().max().item()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--ade20k", action="store_true",
                   help="the ADE20K-shaped generator (151 channels, 6 blocks)")
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(1)
    if args.ade20k:
        make(args.out_dir, "oasis-ade", [16, 16, 16, 8, 8, 4, 4], 64, 151, 8,
             64, 64, None, 0, exotic=False)
    else:
        make(args.out_dir, "oasis-tiny", [8, 8, 4, 4], 4, 6, 4, 16, 8,
             [3, 8, 16], 8, exotic=True)


if __name__ == "__main__":
    main()
