#!/usr/bin/python3
"""Many runs of the comparison (compare.py) at once, for a machine with more
cores than one run uses, or a GPU that one small run leaves mostly idle.

    compare_batch.py --jobs 12 --device cuda --results DIR \\
        --source SRC --segmenter SEG [--data DIR] [--profiles DIR] \\
        [--launch-until S] [--deadline S] RUN...

RUN is METHOD:SHOTS[:SEED[:FLOOR]] (seed 1 and no --init-floor when left
out), started in the order given, at most --jobs at a time.  A run whose
result file DIR/NAME.json already exists is skipped, one with a checkpoint
(DIR/NAME/run/latest.pt) continues from it.  For a CAT method
(cat-PRIOR) the profile --profiles/PRIOR-SHOTS.json is used when it exists
(it is what compare.py would make with `catbrush-cli affinity`, which the
machine then need not have); without it compare.py makes one.

Time limits, for a machine lent for minutes: no run starts after
--launch-until seconds; at --deadline seconds the runs still going get
SIGTERM (the fine-tuning saves a checkpoint, no result file is written).
Each run's output goes to DIR/NAME.log; at the end a summary of the result
files is printed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("runs", nargs="+", metavar="METHOD:SHOTS[:SEED[:FLOOR]]")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads of each run")
    p.add_argument("--results", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--segmenter", required=True)
    p.add_argument("--data", help="target dataset (compare.py's default)")
    p.add_argument("--profiles", help="folder of PRIOR-SHOTS.json profiles")
    p.add_argument("--iters", type=int, default=1000)
    p.add_argument("--launch-until", type=float, default=0,
                   help="start no run after this many seconds (0: no limit)")
    p.add_argument("--deadline", type=float, default=0,
                   help="SIGTERM the runs still going (0: no limit)")
    p.add_argument("--extra", default="",
                   help="more compare.py options, space-separated "
                   "(smoke tests: '--limit 4 --eval-limit 4')")
    return p.parse_args(argv)


def parse_run(text):
    parts = text.split(":")
    if len(parts) not in (2, 3, 4) or parts[0] not in compare.ORDER:
        raise SystemExit("%s: not METHOD:SHOTS[:SEED[:FLOOR]] with METHOD "
                         "one of %s" % (text, ", ".join(compare.ORDER)))
    try:
        shots = int(parts[1])
        seed = int(parts[2]) if len(parts) > 2 else 1
        floor = float(parts[3]) if len(parts) > 3 else 0.0
    except ValueError:
        raise SystemExit("%s: SHOTS and SEED are integers, FLOOR a number"
                         % text) from None
    if shots not in compare.SHOT_SPLITS:
        raise SystemExit("%s: shots must be one of %s"
                         % (text, sorted(compare.SHOT_SPLITS)))
    return parts[0], shots, seed, floor


def command(args, method, shots, seed, floor):
    cmd = [sys.executable, os.path.join(HERE, "compare.py"),
           "--method", method, "--shots", str(shots), "--seed", str(seed),
           "--init-floor", "%g" % floor,
           "--device", args.device, "--threads", str(args.threads),
           "--iters", str(args.iters), "--results", args.results,
           "--source", args.source, "--segmenter", args.segmenter]
    if args.data:
        cmd += ["--data", args.data]
    kind, prior = compare.method_parts(method)
    if kind in ("cat", "zeroshot") and args.profiles \
            and prior not in compare.BASELINE_MATRICES:
        path = os.path.join(args.profiles, "%s-%d.json" % (prior, shots))
        if os.path.exists(path):
            cmd += ["--profile", path]
    return cmd + args.extra.split()


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.results, exist_ok=True)
    queue = []
    for text in args.runs:
        method, shots, seed, floor = parse_run(text)
        device = "cpu" if method.startswith("zeroshot") else args.device
        name = compare.run_name(method, shots, seed, device, floor)
        if os.path.exists(os.path.join(args.results, name + ".json")):
            print("%s: done already" % name, flush=True)
            continue
        cmd = command(args, method, shots, seed, floor)
        # stopped at an earlier deadline: continue from its checkpoint
        if os.path.exists(os.path.join(args.results, name, "run",
                                       "latest.pt")) and "--resume" not in cmd:
            cmd.append("--resume")
        queue.append((name, cmd))
    t0 = time.time()
    running = {}
    failed = []
    stopping = False
    while queue or running:
        now = time.time() - t0
        if args.deadline and now >= args.deadline and not stopping:
            print("%.0f s: deadline, stopping %s" % (now, ", ".join(running)),
                  flush=True)
            for proc, _ in running.values():
                os.killpg(proc.pid, signal.SIGTERM)
            queue, stopping = [], True
        if args.launch_until and now >= args.launch_until and queue:
            print("%.0f s: no more starts; not run: %s"
                  % (now, ", ".join(n for n, _ in queue)), flush=True)
            queue = []
        while queue and len(running) < args.jobs:
            name, cmd = queue.pop(0)
            log = open(os.path.join(args.results, name + ".log"), "a")
            # its own process group: the deadline reaches its children
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            running[name] = (proc, log)
            print("%.0f s: started %s" % (time.time() - t0, name), flush=True)
        for name in list(running):
            proc, log = running[name]
            if proc.poll() is None:
                continue
            log.close()
            del running[name]
            if proc.returncode == 0:
                state = "done"
            elif stopping:
                state = "stopped at the deadline"
            else:
                state = "failed (%d), see %s.log" % (proc.returncode, name)
                failed.append(name)
            print("%.0f s: %s %s" % (time.time() - t0, name, state),
                  flush=True)
        time.sleep(1)
    for path in sorted(os.listdir(args.results)):
        if path.endswith(".json"):
            with open(os.path.join(args.results, path)) as f:
                r = json.load(f)
            print("%-28s mIoU %.3f  FD %.2f  %.1f min" % (
                path[:-5], r["miou_generated"], r["frechet_segmenter"],
                r["seconds"]["total"] / 60))
    if failed:
        print("failed: " + ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
