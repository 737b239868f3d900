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


_interop_set = False


def set_threads(n):
    global _interop_set
    torch.set_num_threads(n)
    # A second set_num_interop_threads aborts the process (a C++ error, not
    # a RuntimeError) once parallel work has run: only ever once.
    if not _interop_set:
        _interop_set = True
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass


def command_line():
    return " ".join([sys.executable] + sys.argv)


# ------------------------------------------------------------ precision
def cpu_flags():
    """The CPU's feature flags (Linux /proc/cpuinfo; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def cpu_has_bf16():
    """bf16 arithmetic in hardware: AVX512_BF16 (vdpbf16ps) or AMX tiles.
    Without either, oneDNN emulates bf16 and it is slower than fp32."""
    flags = cpu_flags()
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def resolve_precision(name, device):
    """--precision auto|fp32|bf16 -> "fp32" or "bf16" for this device.

    auto picks bf16 on a CPU with bf16 hardware (weights stay fp32; convs
    and matrix products run in bf16 with fp32 accumulation under
    torch.autocast), fp32 elsewhere and on CUDA (docs/MODEL_CARD.md keeps
    the GPU runs fp32 like the comparison's)."""
    if name not in ("auto", "fp32", "bf16"):
        raise SystemExit("--precision: auto, fp32 or bf16, not %r" % name)
    if name == "auto":
        return "bf16" if device.type == "cpu" and cpu_has_bf16() else "fp32"
    if name == "bf16" and device.type == "cpu" and not cpu_has_bf16():
        print("warning: bf16 requested on a CPU without AVX512_BF16/AMX: "
              "emulated, expect it to be slower than fp32", flush=True)
    return name


def autocast(precision, device):
    """The autocast context for a resolved precision (a no-op for fp32)."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return torch.autocast(device.type, enabled=False)


def describe_precision(precision, device):
    if device.type == "cuda":
        return "%s on %s" % (precision, device_name(device))
    isa = sorted(cpu_flags() & {"avx2", "fma", "avx512f", "avx512_bf16",
                                "amx_bf16", "amx_tile"})
    return "%s on %s (%s)" % (precision, cpu_name(), " ".join(isa))
