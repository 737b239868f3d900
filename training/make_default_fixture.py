#!/usr/bin/python3
"""PyTorch's image for the bundled default model: the fixture of the C test
/cli/generate/default-model (tests/cli/test-generate.c).

Generates one CamVid val label map at one seed in float64 from the model
file's own (F16 or F32) weights, and records the model's SHA-256 so that the
test can tell a stale fixture from a wrong generator.  Rerun it whenever
resources/models/default.safetensors changes:

    /usr/bin/python3 training/make_default_fixture.py
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default=os.path.join(
        ROOT, "resources", "models", "default.safetensors"))
    p.add_argument("--datasets", default=os.path.join(
        os.path.dirname(ROOT), "shared", "datasets"))
    p.add_argument("--labels", default="camvid/labels/0016E5_07959.png",
                   help="relative to --datasets")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures"))
    args = p.parse_args()

    with open(args.model, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    png = os.path.join(args.out, "default-expected.png")
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"),
                    args.model, os.path.join(args.datasets, args.labels), png,
                    "--seed", str(args.seed), "--double"], check=True)
    meta = {"model_sha256": sha, "labels": args.labels, "seed": args.seed,
            "expected_png": "default-expected.png",
            "made_by": "training/make_default_fixture.py (float64 PyTorch)"}
    tmp = os.path.join(args.out, "default-fixture.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "default-fixture.json"))
    print("wrote %s for model %s" % (png, sha[:12]))


if __name__ == "__main__":
    main()
