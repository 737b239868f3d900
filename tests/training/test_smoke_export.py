#!/usr/bin/python3
"""Issue 4 smoke test: train.py runs 2 iterations on 4 CamVid images,
export.py writes a model file, and the C side (catbrush-cli generate)
loads it and reproduces training/generate.py's image for the same label
map and seed (within 1 in 8 bits)."""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbase  # noqa: E402


def main():
    tbase.require(datasets=[tbase.CAMVID], cli=True)
    with tempfile.TemporaryDirectory(prefix="cb-smoke-") as tmp:
        model = tbase.train_smoke_model(tmp)
        info = tbase.run([tbase.cli_path(), "info", model])
        assert "semantic_nc 12" in info, info
        label = tbase.first_label(tbase.CAMVID, "val")
        for seed in (0, 7):
            tbase.c_matches_python(model, label, seed, tmp, "seed%d" % seed)
    print("ok")


if __name__ == "__main__":
    main()
