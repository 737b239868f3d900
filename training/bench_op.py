#!/usr/bin/python3
"""Time one op in PyTorch: the twin of ``catbrush-cli bench --op``.

Takes the same synthetic spec (``conv,k=3,cin=128,cout=128,size=64x64``,
``spade,c=128,size=64x64``, ``gather,rows=152,cin=152,cout=128,size=64x64``;
for an op named in a model, the spec the CLI prints in its "shape" column)
and prints a table row of the same columns, so that the two can be put side
by side (docs/PERFORMANCE.md, "Single ops"). PyTorch runs the op as the
official OASIS code does: a conv is ``F.conv2d``, SPADE's normalisation is
``F.batch_norm`` in eval mode times (1 + gamma) plus beta, and a "gather" is
the label map embedded (``F.embedding``, i.e. the one-hot map for an
identity table) followed by a dense 3x3 conv, since PyTorch has no gather.

--device cuda times with CUDA events after a synchronise; --precision fp16
runs under ``torch.autocast`` (float16), as mixed-precision inference does.
"""

import argparse
import contextlib
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse_spec(spec):
    fields = spec.split(",")
    kind, args = fields[0], {}
    for f in fields[1:]:
        if "=" not in f:
            raise SystemExit("--op %r: each field after the kind is key=value"
                             % spec)
        k, v = f.split("=", 1)
        if k == "size":
            w, h = (int(x) for x in v.lower().split("x"))
            args["w"], args["h"] = w, h
        else:
            args[k] = int(v)
    need = {"conv": ("cin", "cout", "w"), "spade": ("c", "w"),
            "gather": ("rows", "cin", "cout", "w")}
    if kind not in need:
        raise SystemExit("--op %r: unknown kind (conv, spade or gather)"
                         % spec)
    missing = [k for k in need[kind] if k not in args]
    if missing:
        raise SystemExit("--op %r: missing %s" % (spec, ", ".join(
            "size" if k == "w" else k for k in missing)))
    return kind, args


def make_op(kind, a, device):
    """A closure that runs the op once, and its MACs and minimal bytes."""
    g = torch.Generator().manual_seed(21)

    def rand(*shape, lo=-1.0, hi=1.0):
        t = torch.rand(*shape, generator=g) * (hi - lo) + lo
        return t.to(device)

    h, w = a["h"], a["w"]
    if kind in ("conv", "gather"):
        k = a.get("k", 3)
        cin, cout = a["cin"], a["cout"]
        bound = (cin * k * k) ** -0.5
        weight = rand(cout, cin, k, k, lo=-bound, hi=bound)
        bias = rand(cout, lo=-bound, hi=bound)
        macs = cout * cin * k * k * h * w
        if kind == "conv":
            x = rand(1, cin, h, w)
            nbytes = 4 * (x.numel() + weight.numel() + bias.numel()
                          + cout * h * w)
            return (lambda: F.conv2d(x, weight, bias, padding=k // 2)), \
                macs, nbytes
        rows = a["rows"]
        table = rand(rows, cin)
        y, xx = torch.meshgrid(torch.arange(h), torch.arange(w),
                               indexing="ij")
        ids = (((xx + y) // 16) % rows).to(device)

        def gather():
            emb = F.embedding(ids, table).permute(2, 0, 1).unsqueeze(0)
            return F.conv2d(emb, weight, bias, padding=1)
        nbytes = 4 * (ids.numel() + table.numel() + 2 * cin * h * w
                      + weight.numel() + bias.numel() + cout * h * w)
        return gather, macs, nbytes
    c = a["c"]
    x, gamma, beta = (rand(1, c, h, w) for _ in range(3))
    mean = rand(c)
    var = rand(c, lo=0.5, hi=2.0)

    def spade():
        n = F.batch_norm(x, mean, var, training=False, eps=1e-5)
        return n * (1 + gamma) + beta
    return spade, 2 * c * h * w, 4 * (4 * c * h * w + 2 * c)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--op", required=True, help="synthetic op spec")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--precision", default="fp32",
                   choices=("fp32", "fp16", "bf16"),
                   help="fp16/bf16: under torch.autocast (CPU autocast "
                   "takes bf16 only)")
    p.add_argument("--runs", "-n", type=int, default=5)
    p.add_argument("--threads", "-t", type=int, default=2)
    args = p.parse_args()
    if args.runs < 1:
        raise SystemExit("--runs must be at least 1")
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device")
    kind, a = parse_spec(args.op)
    cuda = device.type == "cuda"
    if args.precision == "fp16" and not cuda:
        raise SystemExit("--precision fp16: this torch's CPU autocast takes "
                         "bfloat16 only; use --precision bf16 on the CPU, "
                         "fp16 with --device cuda")
    fn, macs, nbytes = make_op(kind, a, device)
    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16}

    def once():
        amp = torch.autocast(device.type, dtype=dtypes[args.precision]) \
            if args.precision in dtypes else contextlib.nullcontext()
        with torch.no_grad(), amp:
            return fn()

    once()  # untimed: allocations, cuDNN's/oneDNN's choice of algorithm
    times = []
    for _ in range(args.runs):
        if cuda:
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            once()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            once()
            times.append((time.perf_counter() - t0) * 1e3)
    q = statistics.quantiles(times, n=4, method="inclusive") \
        if len(times) > 1 else [times[0]] * 3
    med = statistics.median(times)
    name = torch.cuda.get_device_name(device) if cuda else "CPU"
    print("Torch:   %s on %s, %s, %d threads" % (torch.__version__, name,
                                                  args.precision,
                                                  torch.get_num_threads()))
    print("Clock:   %s; %d runs after one untimed\n"
          % ("CUDA events" if cuda else "perf_counter", args.runs))
    print("%-28s %-46s %-14s %10s %10s %10s %9s %8s"
          % ("op", "shape", "backend", "median_ms", "q1_ms", "q3_ms",
             "GMAC/s", "GB/s"))
    backend = "torch-%s%s" % ("cuda" if cuda else "cpu",
                              "" if args.precision == "fp32"
                              else "-" + args.precision)
    print("%-28s %-46s %-14s %10.3f %10.3f %10.3f %9.2f %8.2f"
          % (kind, args.op, backend, med, q[0], q[2],
             macs / 1e6 / med if med > 0 else 0.0,
             nbytes / 1e6 / med if med > 0 else 0.0))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
