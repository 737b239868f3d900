"""Shared set-up of the training tests (tests/training/*.py).

Run by meson with Debian's /usr/bin/python3.  A test exits 77 (meson's
"skipped") when that interpreter has no torch, when the shared datasets are
missing, or when a needed program is not built.  Environment (set by
tests/training/meson.build): CB_SOURCE_DIR, CB_DATASETS, CATBRUSH_CLI.
"""

import os
import subprocess
import sys
import time

SKIP = 77
SOURCE_DIR = os.environ.get("CB_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAINING = os.path.join(SOURCE_DIR, "training")
DATASETS = os.environ.get("CB_DATASETS") or os.path.join(
    SOURCE_DIR, "..", "shared", "datasets")
CAMVID = os.path.join(DATASETS, "camvid")
LMF = os.path.join(DATASETS, "labelmefacade")
PY = sys.executable

# A small instance of the default architecture: seconds per iteration.
SMALL_ARCH = ["--width", "64", "--height", "48", "--channels", "32,32,16,8",
              "--z-dim", "16", "--spade-hidden", "16",
              "--d-channels", "3,16,32,32", "--d-head", "16"]


def skip(why):
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def require(datasets=(), cli=False):
    """Skip unless torch, the given dataset folders and the CLI exist."""
    try:
        import torch  # noqa: F401
    except ImportError:
        skip("%s has no torch (apt install python3-torch)" % PY)
    for d in datasets:
        if not os.path.exists(os.path.join(d, "classes.json")):
            skip("dataset %s not found" % d)
    if cli and not os.access(cli_path() or "", os.X_OK):
        skip("catbrush-cli not built (CATBRUSH_CLI)")
    sys.path.insert(0, TRAINING)


def cli_path():
    return os.environ.get("CATBRUSH_CLI")


def run(cmd, **kw):
    """Run a command quietly (one thread, passive OpenMP); print its
    output and fail the test when it fails; return its stdout."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="1")
    t = time.time()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       env=env, **kw)
    print("$ %s  (%.1f s)" % (" ".join(map(str, cmd)), time.time() - t),
          flush=True)
    if p.returncode:
        print(p.stdout[-4000:], p.stderr[-4000:], sep="\n", flush=True)
        raise AssertionError("exit status %d" % p.returncode)
    return p.stdout


def train_smoke_model(tmp):
    """train.py: 2 iterations on 4 CamVid images, exported; returns the
    model file path."""
    run_dir = os.path.join(tmp, "src")
    run([PY, os.path.join(TRAINING, "train.py"), "--data", CAMVID,
         "--limit", "4", "--iters", "2", "--batch", "2",
         "--sample-every", "2", "--ckpt-every", "2", "--bn-batches", "2",
         "--threads", "1", "--out", run_dir] + SMALL_ARCH)
    model = os.path.join(tmp, "src.safetensors")
    run([PY, os.path.join(TRAINING, "export.py"),
         os.path.join(run_dir, "latest.pt"), model, "--threads", "1"])
    return model


def max_png_diff(a, b):
    import numpy as np
    from PIL import Image
    x = np.asarray(Image.open(a).convert("RGB"), dtype=np.int32)
    y = np.asarray(Image.open(b).convert("RGB"), dtype=np.int32)
    if x.shape != y.shape:
        raise AssertionError("shapes %s vs %s" % (x.shape, y.shape))
    return int(np.abs(x - y).max())


def c_matches_python(model, label_png, seed, tmp, tag):
    """catbrush-cli generate (CPU backend) vs training/generate.py: the
    8-bit images agree within 1."""
    c_png = os.path.join(tmp, tag + "-c.png")
    py_png = os.path.join(tmp, tag + "-py.png")
    run([cli_path(), "generate", "-m", model, "-l", label_png,
         "-s", str(seed), "-b", "cpu", "-o", c_png])
    run([PY, os.path.join(TRAINING, "generate.py"), model, label_png,
         py_png, "--seed", str(seed), "--threads", "1"])
    diff = max_png_diff(c_png, py_png)
    print("%s: max |C - PyTorch| = %d (8-bit)" % (tag, diff), flush=True)
    assert diff <= 1, "C and PyTorch differ by %d" % diff


def first_label(dataset, split):
    with open(os.path.join(dataset, split + ".txt")) as f:
        stem = f.readline().strip()
    return os.path.join(dataset, "labels", stem + ".png")
