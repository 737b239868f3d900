#!/usr/bin/python3
"""Time the OASIS generator's forward pass in PyTorch on the CPU or CUDA.

The twin of ``catbrush-cli bench`` (docs/PERFORMANCE.md): the same model
file (our safetensors; for the ADE20K shape, the file written by
``catbrush-cli bench --synthetic ade20k --save-synthetic PATH``), the same
label map (resized by nearest neighbour to the model's size, unknown ids
read as void, exactly as the C side does) or the same diagonal stripes, the
same noise (training/noise.py, seed 0) and the same thread count. Prints
the median of the timed runs and which convolution path torch took
(oneDNN/MKL-DNN or its own im2col + BLAS), from the profiler's op names.
With --device cuda (tools/gpu-vulkan.sh) each run is timed from a
synchronised start to a synchronised end, eager, in fp32 or under fp16
autocast (--precision fp16).
"""

import argparse
import contextlib
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import labels as lbl  # noqa: E402
import modelfile  # noqa: E402
import safetensors_io as st  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", "-m", required=True, help="model file")
    p.add_argument("--labels", "-l",
                   help="indexed label PNG (default: the CLI's stripes)")
    p.add_argument("--size", help="WxH instead of the model's native size")
    p.add_argument("--threads", "-t", type=int, default=2)
    p.add_argument("--runs", "-n", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--raw", help="write the float32 CHW tanh output here")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--precision", default="fp32", choices=("fp32", "fp16"),
                   help="fp16: torch.autocast to float16 (CUDA)")
    return p.parse_args()


def load_generator(path, width, height):
    """Like modelfile.load_generator, at another size when asked."""
    tensors, cfg = st.read_config(path)
    if cfg is None:
        raise SystemExit("%s has no catbrush.config" % path)
    g = cfg["generator"]
    if width:
        g["width"], g["height"] = width, height
    gen = common.build_generator(g, sn=False)
    sd = {k[2:]: torch.from_numpy(np.ascontiguousarray(v))
          for k, v in tensors.items() if k.startswith("G.")}
    missing, unexpected = gen.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit("%s: missing %s, unexpected %s"
                         % (path, missing, unexpected))
    return gen.float().eval(), cfg


def stripes(cfg):
    """catbrush-cli bench's default map: class index ((x + y) / 16) mod n."""
    g = cfg["generator"]
    ids = [c["id"] for c in cfg["classes"]["classes"]]
    y, x = np.mgrid[0:g["height"], 0:g["width"]]
    return np.asarray(ids, dtype=np.uint8)[((x + y) // 16) % len(ids)]


def label_ids(path, cfg):
    g = cfg["generator"]
    ids = lbl.resize_nearest(lbl.load_label_png(path), g["width"],
                             g["height"])
    known = np.zeros(256, dtype=bool)
    known[[c["id"] for c in cfg["classes"]["classes"]]] = True
    # the C side (cb_oasis_label_rows) reads an id outside the class set as void
    return np.where(known[ids], ids, 255).astype(np.uint8)


def conv_path(gen, label, zmap):
    """The aten ops torch ran for the convolutions, e.g. mkldnn_convolution."""
    with torch.no_grad(), torch.autograd.profiler.profile() as prof:
        gen(label, zmap)
    names = {e.name for e in prof.function_events}
    kinds = sorted(n for n in names
                   if "conv" in n and n not in ("aten::conv2d",
                                                "aten::convolution",
                                                "aten::_convolution"))
    return ", ".join(kinds) or "unknown"


def blas_libraries():
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            base = os.path.basename(path)
            if any(k in base for k in ("blas", "mkl", "dnnl", "lapack")):
                libs.add(os.path.realpath(path))
    return ", ".join(sorted(libs)) or "none loaded"


def main():
    args = parse_args()
    common.set_threads(args.threads)
    width = height = 0
    if args.size:
        width, height = (int(v) for v in args.size.lower().split("x"))
    gen, cfg = load_generator(args.model, width, height)
    g = cfg["generator"]
    ids = label_ids(args.labels, cfg) if args.labels else stripes(cfg)
    label, zmap = modelfile.generator_inputs(cfg, ids, args.seed)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device")
    if args.precision == "fp16" and not cuda:
        raise SystemExit("--precision fp16 needs --device cuda (this torch's "
                         "CPU autocast takes bfloat16 only)")
    gen = gen.to(device)
    label, zmap = label.float().to(device), zmap.float().to(device)

    def amp():
        if args.precision == "fp16":
            return torch.autocast("cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    def sync():
        if cuda:
            torch.cuda.synchronize()

    n_params = sum(p.numel() for p in gen.parameters())
    print("Model:   %s" % args.model)
    print("Size:    %dx%d, %.1f M parameters" % (g["width"], g["height"],
                                                 n_params / 1e6))
    print("Torch:   %s, %d threads (interop 1), mkldnn available: %s, "
          "enabled: %s" % (torch.__version__, torch.get_num_threads(),
                           torch.backends.mkldnn.is_available(),
                           torch.backends.mkldnn.enabled))
    cfg_lines = torch.__config__.show().splitlines()
    for line in cfg_lines:
        line = line.strip()
        if line.startswith("- Intel(R) MKL-DNN") or "CPU capability" in line:
            print("         %s" % line.lstrip("- "))
    for line in cfg_lines:
        for item in line.split(","):
            item = item.strip().replace("- Build settings: ", "")
            if item.startswith(("BLAS_INFO", "USE_MKLDNN", "LAPACK_INFO")):
                print("         %s" % item)
    if cuda:
        print("Device:  %s, %s" % (torch.cuda.get_device_name(device),
                                   args.precision))
    with amp():
        print("Conv:    %s" % conv_path(gen, label, zmap))
    print("BLAS:    %s" % blas_libraries())

    times = []
    with torch.no_grad(), amp():
        for _ in range(args.warmup):
            gen(label, zmap)
        for r in range(args.runs):
            sync()
            t0 = time.perf_counter()
            y = gen(label, zmap)
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
            print("run %d: %.1f ms" % (r + 1, times[-1]), file=sys.stderr)
    if args.raw:
        y[0].float().cpu().numpy().astype("<f4").tofile(args.raw)
    print("\nTotal:   median %.1f ms over %d run%s (min %.1f, max %.1f)"
          % (statistics.median(times), len(times),
             "" if len(times) == 1 else "s", min(times), max(times)))


if __name__ == "__main__":
    main()
