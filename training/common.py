"""Helpers shared by the training scripts: model construction from a
``catbrush.config`` dict, checkpoint I/O and noise batches."""

import os
import sys

import numpy as np
import torch

import noise
import oasis


def build_generator(gcfg, sn=True):
    return oasis.OASISGenerator(gcfg["channels"], gcfg["z_dim"],
                                gcfg["semantic_nc"], gcfg["spade_hidden"],
                                gcfg["width"], gcfg["height"], sn=sn)


def build_discriminator(dcfg, semantic_nc, sn=True):
    return oasis.OASISDiscriminator(dcfg["channels"], semantic_nc,
                                    head=dcfg.get("head", 64), sn=sn)


def atomic_torch_save(obj, path):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    try:
        torch.save(obj, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def seeded_z(seeds, z_dim):
    """(B, z_dim) global noise vectors (stream 0) for the given seeds."""
    return torch.from_numpy(np.stack([noise.noise_vector(s, 0, z_dim)
                                      for s in seeds]))


def set_threads(n):
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def command_line():
    return " ".join([sys.executable] + sys.argv)
