#!/usr/bin/python3
"""Issue 4 smoke test: train.py runs 2 iterations on 4 CamVid images,
export.py writes a model file, and the C side (catbrush-cli generate)
loads it and reproduces training/generate.py's image for the same label
map and seed (within 1 in 8 bits).

Issue 6, the vision prior's encoder: train_encoder.py runs 3 steps on the
same 4 photos, export.py --encoder stores it (V.*, P.source_prototypes),
and catbrush-cli affinity computes the vision prior with it on
LabelMeFacade's 25 train25 examples (the profile says "encoder")."""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbase  # noqa: E402


def main():
    tbase.require(datasets=[tbase.CAMVID, tbase.LMF], cli=True)
    with tempfile.TemporaryDirectory(prefix="cb-smoke-") as tmp:
        model = tbase.train_smoke_model(tmp)
        info = tbase.run([tbase.cli_path(), "info", model])
        assert "semantic_nc 12" in info, info
        label = tbase.first_label(tbase.CAMVID, "val")
        for seed in (0, 7):
            tbase.c_matches_python(model, label, seed, tmp, "seed%d" % seed)

        enc_dir = os.path.join(tmp, "enc")
        tbase.run([tbase.PY, os.path.join(tbase.TRAINING, "train_encoder.py"),
                   "--data", tbase.CAMVID, "--limit", "4", "--steps", "3",
                   "--batch", "8", "--width", "64", "--height", "48",
                   "--widths", "8,8", "--features", "4", "--pools", "2",
                   "--log-every", "1", "--out", enc_dir])
        with_v = os.path.join(tmp, "with-v.safetensors")
        tbase.run([tbase.PY, os.path.join(tbase.TRAINING, "export.py"),
                   os.path.join(tmp, "src", "latest.pt"), with_v,
                   "--encoder", os.path.join(enc_dir, "encoder.pt"),
                   "--threads", "1"])
        info = tbase.run([tbase.cli_path(), "info", with_v])
        profile = os.path.join(tmp, "vision.json")
        tbase.run([tbase.cli_path(), "affinity", "--model", with_v,
                   "--classes", os.path.join(tbase.LMF, "classes.json"),
                   "--examples", tbase.LMF, "--split", "train25",
                   "--methods", "vision", "-o", profile])
        with open(profile) as f:
            est = json.load(f)["estimation"]
        assert est["vision_features"] == "encoder", est
        assert est["vision"]["source_prototypes"] == "model", est
    print("ok")


if __name__ == "__main__":
    main()
