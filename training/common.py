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


def torch_load(path):
    """torch.load onto the CPU.  Our checkpoints hold NumPy RNG states and
    dicts beside tensors, which torch >= 2.6 refuses by default
    (weights_only); they are our own files, so full unpickling is wanted."""
    return torch.load(path, map_location="cpu", weights_only=False)


def training_device(name):
    """torch.device for --device: "cpu" or "cuda" (a GPU, e.g. the lent
    machine of docs/RESULTS.md).  On CUDA the convolutions and matrix
    products stay in full fp32 (no TF32), so a run differs from a CPU run
    only by summation order and random streams, not by precision."""
    dev = torch.device(name)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device %s: no CUDA device here" % name)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    return dev


def device_name(dev):
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return "CPU"


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
