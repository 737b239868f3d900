#!/usr/bin/python3
"""The paper's comparison (DESIGN §5), one method per call.

    compare.py --method M --shots 100|25 --iters N --source SRC \\
        --segmenter SEG --results DIR          # one run -> DIR/M-SHOTS.json
    compare.py --table --results DIR [--output docs/RESULTS.md]

Methods:
  scratch          finetune.py --from-scratch on the target split
  ft-random        fine-tune the source, affinity layer initialised at random
  cat-seg, cat-text, cat-vision, cat-combined
                   CAT: profile from `catbrush-cli affinity` with that prior
                   (combined = seg,text,vision, equal weights), fine-tuned
  zeroshot-combined (or zeroshot-seg/-text/-vision)
                   CAT without fine-tuning: the source model + the profile
  zeroshot-uniform, zeroshot-random
                   the zero-shot baselines of issue 6: the source model
                   through a uniform matrix (every row 1/S') or a random
                   row-stochastic one (rows ~ Dirichlet(1), seed --seed)

Shots: 100 = split `train`, 25 = split `train25` (example photos for the
priors and fine-tuning images alike).  Judge: evaluate.py with the target
segmenter (trained on test_segtrain) on the --eval-split (test_eval) label
maps: mIoU on generated images, Fréchet distance of its features against
the real photos, and its real-photo mIoU beside them.

Each run writes, under --results: METHOD-SHOTS/ (profile.json, run/,
model.safetensors, eval.json, images/, grid.png) and METHOD-SHOTS.json, the
result file that --table reads.  --table replaces the part of --output
between the `results-table` markers (or prints the table without --output).
"""

import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import common  # noqa: E402
import data  # noqa: E402
import labels as lbl  # noqa: E402

PY = sys.executable
SHOT_SPLITS = {100: "train", 25: "train25"}
PRIORS = {"seg": "seg", "text": "text", "vision": "vision",
          "combined": "seg,text,vision"}
BEGIN = "<!-- results-table:begin -->"
END = "<!-- results-table:end -->"
ORDER = ["scratch", "ft-random", "cat-seg", "cat-text", "cat-vision",
         "cat-combined", "zeroshot-seg", "zeroshot-text", "zeroshot-vision",
         "zeroshot-combined", "zeroshot-uniform", "zeroshot-random"]
BASELINE_MATRICES = ("uniform", "random")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--method", choices=ORDER)
    p.add_argument("--seed", type=int, default=1,
                   help="of the fine-tuning and the zeroshot-random matrix; "
                   "a seed other than 1 is part of the run's name")
    p.add_argument("--init-floor", type=float, default=0.0,
                   help="CAT: finetune.py --init-floor (part of the run's "
                   "name and of its row in the table)")
    p.add_argument("--device", default="cpu",
                   help="fine-tuning device: cpu, or cuda (part of the "
                   "run's name); the judge always runs on the CPU")
    p.add_argument("--shots", type=int, choices=sorted(SHOT_SPLITS),
                   default=100)
    p.add_argument("--iters", type=int, default=1000,
                   help="fine-tuning iterations (ignored by zero-shot)")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--source", help="source model file (G.* and D.*)")
    p.add_argument("--segmenter", help="target segmenter.pt")
    p.add_argument("--data", default=os.path.normpath(os.path.join(
        REPO, "..", "shared", "datasets", "labelmefacade")))
    p.add_argument("--source-data", default=os.path.normpath(os.path.join(
        REPO, "..", "shared", "datasets", "camvid")),
        help="source photos for the vision prior's source prototypes")
    p.add_argument("--eval-split", default="test_eval")
    p.add_argument("--results", default="/work/runs/compare")
    p.add_argument("--cli", default=os.path.join(REPO, "build", "app", "cli",
                                                 "catbrush-cli"))
    p.add_argument("--profile", help="use this profile instead of making one")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0,
                   help="fine-tuning images (smoke tests; 0 = the split)")
    p.add_argument("--eval-limit", type=int, default=0)
    p.add_argument("--bn-batches", type=int, default=16)
    p.add_argument("--grid", type=int, default=4, help="rows of grid.png")
    p.add_argument("--resume", action="store_true",
                   help="continue a run whose fine-tuning was interrupted")
    p.add_argument("--table", action="store_true",
                   help="assemble the table from the result files")
    p.add_argument("--output", help="with --table: the Markdown file")
    args = p.parse_args(argv)
    if not args.table and not (args.method and args.source
                               and args.segmenter):
        p.error("a run needs --method, --source and --segmenter")
    return args


# ------------------------------------------------------------ one run
def run_cmd(cmd, log):
    """Run a command, tee its output into ``log``; return seconds."""
    print("$ " + " ".join(cmd), flush=True)
    t = time.time()
    with open(log, "a") as f:
        f.write("$ %s\n" % " ".join(cmd))
        f.flush()
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        with open(log) as f:
            sys.stderr.write(f.read()[-4000:])
        raise SystemExit("command failed (%d): %s" % (proc.returncode,
                                                      " ".join(cmd)))
    return time.time() - t


def method_parts(method):
    """(kind, prior): kind is scratch, random, cat or zeroshot."""
    if method == "scratch":
        return "scratch", None
    if method == "ft-random":
        return "random", None
    kind, prior = method.split("-", 1)
    return kind, prior


def baseline_matrix(args, prior, out):
    """A T x S' matrix without any prior, as .npy: uniform or random."""
    with open(os.path.join(args.data, "classes.json")) as f:
        n_target = len(json.load(f)["classes"])
    with open(os.path.join(args.source_data, "classes.json")) as f:
        n_source = len(json.load(f)["classes"])
    if prior == "uniform":
        m = np.full((n_target, n_source), 1.0 / n_source)
    else:
        m = np.random.default_rng(args.seed).dirichlet(np.ones(n_source),
                                                       n_target)
    np.save(out, m.astype(np.float32))
    return out


def make_profile(args, prior, split, out, log):
    cmd = [args.cli, "affinity", "--model", args.source,
           "--classes", os.path.join(args.data, "classes.json"),
           "--methods", PRIORS[prior], "-o", out]
    if prior != "text":
        cmd += ["--examples", args.data, "--split", split]
    if prior in ("vision", "combined"):
        cmd += ["--source-examples", args.source_data]
    return run_cmd(cmd, log), cmd


def finetune_cmd(args, kind, split, profile, run_dir, model):
    cmd = [PY, os.path.join(HERE, "finetune.py"), "--source", args.source,
           "--data", args.data, "--split", split, "--iters", str(args.iters),
           "--batch", str(args.batch), "--threads", str(args.threads),
           "--bn-batches", str(args.bn_batches), "--out", run_dir,
           "--export", model, "--seed", str(args.seed),
           "--device", args.device]
    if kind == "scratch":
        cmd.append("--from-scratch")
    elif kind == "random":
        cmd += ["--init", "random"]
    else:
        cmd += ["--init", "profile", "--profile", profile]
        if args.init_floor:
            cmd += ["--init-floor", "%g" % args.init_floor]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.resume:
        cmd.append("--resume")
    return cmd


def evaluate_cmd(args, model, profile, out, images):
    cmd = [PY, os.path.join(HERE, "evaluate.py"), "--model", model,
           "--segmenter", args.segmenter, "--data", args.data,
           "--split", args.eval_split, "--threads", str(args.threads),
           "--out", out, "--save-images", images]
    if profile and profile.endswith(".npy"):
        cmd += ["--affinity", profile]
    elif profile:
        cmd += ["--profile", profile]
    if args.eval_limit:
        cmd += ["--limit", str(args.eval_limit)]
    return cmd


def sample_grid(args, images, path):
    """Rows of label colours | generated | real photo for the first
    --grid label maps of the evaluation split."""
    first = sorted(glob.glob(os.path.join(images, "*_0.png")))
    if not first:
        return None
    h, w = np.asarray(Image.open(first[0])).shape[:2]
    n = args.grid if not args.eval_limit else min(args.grid, args.eval_limit)
    ds = data.SegDataset(args.data, args.eval_split, w, h, limit=n)
    rows = []
    for i, stem in enumerate(ds.stems):
        gen = np.asarray(Image.open(os.path.join(images, stem + "_0.png"))
                         .convert("RGB"))
        rows.append(np.concatenate([lbl.colorize(ds.labels[i], ds.classes),
                                    gen, ds.images[i]], axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)
    return path


def run_name(method, shots, seed, device, init_floor=0.0):
    """METHOD-SHOTS, with -floorF for CAT started from a floored matrix,
    -seedN for a seed other than 1 and -cuda for a fine-tuning on a GPU
    (the CPU runs of the first table keep their names)."""
    name = "%s-%d" % (method, shots)
    if init_floor:
        name += "-floor%g" % init_floor
    if seed != 1:
        name += "-seed%d" % seed
    if device != "cpu":
        name += "-" + device.split(":")[0]
    return name


def machine(args_device="cpu"):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f
                        if ln.startswith("model name")), "")
    except OSError:
        pass
    import torch
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(),
            "torch": torch.__version__, "python": sys.executable,
            "device": common.device_name(torch.device(args_device))}


def git_commit():
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def checkpoint_train_seconds(run_dir):
    """The training seconds over every segment of a fine-tuning run (its
    last checkpoint's train_seconds), or None."""
    try:
        ck = common.torch_load(os.path.join(run_dir, "latest.pt"))
    except Exception:  # noqa: BLE001 (any unreadable checkpoint: no figure)
        return None
    return ck.get("train_seconds")


def run_method(args):
    kind, prior = method_parts(args.method)
    split = SHOT_SPLITS[args.shots]
    # zero-shot runs fine-tune nothing: the CPU does all of it
    device = "cpu" if kind == "zeroshot" else args.device
    if args.init_floor and kind != "cat":
        sys.exit("--init-floor is for the cat-* methods")
    name = run_name(args.method, args.shots, args.seed, device,
                    args.init_floor)
    work = os.path.join(args.results, name)
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "log.txt")
    seconds = {"profile": 0.0, "finetune": 0.0, "evaluate": 0.0}
    commands = []
    profile = None
    if prior in BASELINE_MATRICES:
        profile = baseline_matrix(args, prior,
                                  os.path.join(work, "affinity.npy"))
    elif prior:
        profile = args.profile or os.path.join(work, "profile.json")
        # a resumed run keeps the profile its checkpoint was started from
        if not args.profile and not (args.resume
                                     and os.path.exists(profile)):
            seconds["profile"], cmd = make_profile(args, prior, split,
                                                   profile, log)
            commands.append(" ".join(cmd))
    model = args.source
    if kind != "zeroshot":
        model = os.path.join(work, "model.safetensors")
        cmd = finetune_cmd(args, kind, split, profile,
                           os.path.join(work, "run"), model)
        # finetune.py exports only when it reaches --iters: a model left
        # from an earlier run must not pass for this one
        if os.path.exists(model):
            os.unlink(model)
        seconds["finetune"] = run_cmd(cmd, log)
        commands.append(" ".join(cmd))
        if not os.path.exists(model):
            sys.exit("%s: the fine-tuning stopped before %d iterations (a "
                     "signal); its checkpoint is in %s: run the same command "
                     "with --resume" % (args.method, args.iters,
                                        os.path.join(work, "run")))
        train_seconds = checkpoint_train_seconds(os.path.join(work, "run"))
        if train_seconds is not None:
            seconds["finetune_train"] = round(train_seconds, 1)
            # a resumed run: the segments before this one count too
            seconds["finetune"] = max(seconds["finetune"], train_seconds)
    eval_json = os.path.join(work, "eval.json")
    images = os.path.join(work, "images")
    cmd = evaluate_cmd(args, model, profile if kind == "zeroshot" else None,
                       eval_json, images)
    seconds["evaluate"] = run_cmd(cmd, log)
    commands.append(" ".join(cmd))
    with open(eval_json) as f:
        ev = json.load(f)
    grid = sample_grid(args, images, os.path.join(work, "grid.png"))
    mach = machine(device)
    result = {
        "format": "catbrush-compare-result", "version": 1,
        "method": args.method, "shots": args.shots, "split": split,
        "iterations": 0 if kind == "zeroshot" else args.iters,
        "seed": args.seed, "init_floor": args.init_floor,
        "device": mach["device"],
        "resumed": bool(args.resume and kind != "zeroshot"),
        "batch": args.batch, "limit": args.limit,
        "eval_split": args.eval_split, "eval_images": ev["images"],
        "miou_generated": ev["miou_generated"],
        "miou_real": ev["miou_real"],
        "frechet_segmenter": ev["frechet_segmenter"],
        "iou_generated": ev["iou_generated"],
        "seconds": dict(seconds, total=round(
            seconds["profile"] + seconds["finetune"] + seconds["evaluate"],
            1)),
        "source_model": os.path.abspath(args.source),
        "model": os.path.abspath(model), "profile": profile,
        "segmenter": os.path.abspath(args.segmenter),
        "grid": grid, "threads": args.threads,
        "commands": [" ".join([PY] + sys.argv)] + commands,
        "machine": mach, "git": git_commit(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out = os.path.join(args.results, name + ".json")
    with open(out + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.replace(out + ".tmp", out)
    print("%s: mIoU %.4f (real %.4f), FD %.2f, %.0f s -> %s"
          % (name, result["miou_generated"], result["miou_real"],
             result["frechet_segmenter"], result["seconds"]["total"], out))
    return result


# ------------------------------------------------------------ the table
def load_results(folder):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        try:
            with open(path) as f:
                r = json.load(f)
        except (OSError, ValueError):
            continue
        if r.get("format") == "catbrush-compare-result":
            out.append(r)
    return out  # table() orders them (grouped())


def run_device(r):
    """Where a run was fine-tuned ("CPU" for the older result files)."""
    return r.get("device") or "CPU"


def mean_sd(values, fmt):
    """"m" for one value, "m ± sd (sample)" for more."""
    m = float(np.mean(values))
    if len(values) == 1:
        return fmt % m
    return (fmt + " ± " + fmt) % (m, float(np.std(values, ddof=1)))


def row_label(r):
    """The table's method column: the method, and the variant if any."""
    floor = r.get("init_floor", 0.0)
    return r["method"] + (", floor %g" % floor if floor else "")


def grouped(results):
    """[(shots, label, [runs])] in table order; runs by device, seed."""
    groups = {}
    for r in results:
        key = (r["shots"], r["method"], r.get("init_floor", 0.0))
        groups.setdefault(key, []).append(r)
    for runs in groups.values():
        runs.sort(key=lambda r: (run_device(r) != "CPU", run_device(r),
                                 r.get("seed", 1)))
    order = sorted(groups, key=lambda k: (-k[0], ORDER.index(k[1])
                                          if k[1] in ORDER else 99, k[2]))
    return [(k[0], row_label(groups[k][0]), groups[k]) for k in order]


def runs_cell(runs):
    count = {}
    for r in runs:
        count[run_device(r)] = count.get(run_device(r), 0) + 1
    if len(runs) == 1:
        return "1"
    return "%d (%s)" % (len(runs), ", ".join("%s %d" % (d, n) for d, n in
                                             sorted(count.items())))


def table(results):
    """The comparison: one row per method and shots (mean ± standard
    deviation where a row has several runs: seeds, devices), IoU per class
    (means), then every run."""
    rows = grouped(results)
    lines = ["| shots | method | runs | mIoU generated ↑ | "
             "Fréchet (seg. features) ↓ | mIoU real photos |",
             "|---:|---|---|---:|---:|---:|"]
    for shots, method, runs in rows:
        lines.append("| %d | %s | %s | %s | %s | %.3f |" % (
            shots, method, runs_cell(runs),
            mean_sd([r["miou_generated"] for r in runs], "%.3f"),
            mean_sd([r["frechet_segmenter"] for r in runs], "%.2f"),
            float(np.mean([r["miou_real"] for r in runs]))))
    if not rows:
        lines.append("| | *(no result files yet)* | | | | |")
        return "\n".join(lines)
    # per class: where a method wins or loses is in these columns
    classes = list(results[0]["iou_generated"])
    lines += ["", "IoU per class on the generated images (mean over the "
              "row's runs):", "",
              "| shots | method | " + " | ".join(classes) + " |",
              "|---:|---|" + "---:|" * len(classes)]
    for shots, method, runs in rows:
        cells = []
        for c in classes:
            v = [r["iou_generated"][c] for r in runs
                 if c in r["iou_generated"]]
            cells.append("%.2f" % np.mean(v) if v else "")
        lines.append("| %d | %s | " % (shots, method) + " | ".join(cells)
                     + " |")
    lines += ["", "Every run (fine-tuning seed; where it was fine-tuned; "
              "time = affinity estimation + fine-tuning + judging):", "",
              "| shots | method | seed | fine-tuned on | mIoU generated | "
              "Fréchet | time |",
              "|---:|---|---:|---|---:|---:|---:|"]
    for shots, method, runs in rows:
        for r in runs:
            tuned = "—" if r["iterations"] == 0 else run_device(r)
            lines.append("| %d | %s | %d | %s | %.3f | %.2f | %.1f min%s |"
                         % (shots, method, r.get("seed", 1), tuned,
                            r["miou_generated"], r["frechet_segmenter"],
                            r["seconds"]["total"] / 60,
                            " (resumed)" if r.get("resumed") else ""))
    machines = sorted({"%s, %d cores" % (r["machine"]["cpu"],
                                         r["machine"]["cores"])
                       for r in results})
    lines += ["", "Machines: " + "; ".join(machines) + "."]
    return "\n".join(lines)


def write_table(args):
    text = table(load_results(args.results))
    if not args.output:
        print(text)
        return
    doc = ""
    if os.path.exists(args.output):
        with open(args.output) as f:
            doc = f.read()
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        doc = "%s%s\n%s\n%s%s" % (head, BEGIN, text, END, tail)
    else:
        doc += "\n%s\n%s\n%s\n" % (BEGIN, text, END)
    with open(args.output + ".tmp", "w") as f:
        f.write(doc)
    os.replace(args.output + ".tmp", args.output)
    print("wrote the table into %s" % args.output)


def main(argv=None):
    args = parse_args(argv)
    if args.table:
        write_table(args)
    else:
        run_method(args)


if __name__ == "__main__":
    main()
