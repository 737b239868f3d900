#!/usr/bin/python3
"""compare.py end to end on tiny data: a smoke source model, a LabelMeFacade
segmenter trained for one epoch on 4 images, then CAT with the text prior
(2 fine-tuning iterations), its zero-shot twin, the from-scratch
baseline and the uniform and random zero-shot matrices, each writing its result file, and --table assembling them into a
Markdown file between the markers."""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbase  # noqa: E402


def main():
    tbase.require(datasets=[tbase.CAMVID, tbase.LMF], cli=True)
    if not os.path.exists("/usr/share/wordnet/index.noun"):
        tbase.skip("the text prior needs WordNet (apt install wordnet-base)")
    compare = os.path.join(tbase.TRAINING, "compare.py")
    with tempfile.TemporaryDirectory(prefix="cb-compare-") as tmp:
        source = tbase.train_smoke_model(tmp)
        seg_dir = os.path.join(tmp, "seg")
        tbase.run([tbase.PY, os.path.join(tbase.TRAINING,
                                          "train_segmenter.py"),
                   "--data", tbase.LMF, "--split", "test_segtrain",
                   "--val-split", "test_eval", "--epochs", "1",
                   "--limit", "4", "--batch", "2", "--threads", "1",
                   "--widths", "8,16,16,16", "--width", "64",
                   "--height", "48", "--out", seg_dir])
        results = os.path.join(tmp, "results")
        common = ["--shots", "25", "--iters", "2", "--batch", "2",
                  "--bn-batches", "2", "--limit", "4", "--eval-limit", "4",
                  "--threads", "1", "--source", source,
                  "--segmenter", os.path.join(seg_dir, "segmenter.pt"),
                  "--data", tbase.LMF, "--source-data", tbase.CAMVID,
                  "--cli", tbase.cli_path(), "--results", results]
        methods = ("cat-text", "zeroshot-text", "scratch", "zeroshot-uniform",
                   "zeroshot-random")
        for m in methods:
            tbase.run([tbase.PY, compare, "--method", m] + common)
            with open(os.path.join(results, m + "-25.json")) as f:
                r = json.load(f)
            for key in ("miou_generated", "miou_real", "frechet_segmenter"):
                assert isinstance(r[key], float), (m, key, r[key])
            assert r["split"] == "train25" and r["eval_images"] == 4
            assert os.path.exists(r["grid"]), r["grid"]
            if not m.startswith("zeroshot"):
                assert r["seconds"]["finetune_train"] > 0, r["seconds"]
                assert r["resumed"] is False
            if m in ("zeroshot-uniform", "zeroshot-random"):
                import numpy as np
                a = np.load(r["profile"])
                assert a.shape == (9, 11), a.shape
                assert np.allclose(a.sum(1), 1, atol=1e-5)
                assert (a.std(1) < 1e-6).all() == (m == "zeroshot-uniform")
        # --resume keeps the profile the checkpoint was made from
        profile = os.path.join(results, "cat-text-25", "profile.json")
        made = os.stat(profile).st_mtime_ns
        tbase.run([tbase.PY, compare, "--method", "cat-text", "--resume"]
                  + common)
        assert os.stat(profile).st_mtime_ns == made
        with open(os.path.join(results, "cat-text-25.json")) as f:
            r = json.load(f)
        assert r["resumed"] is True and r["seconds"]["profile"] == 0
        # a second seed through compare_batch.py: its own name, one more run
        # in the cat-text row; a second call finds it done
        batch = [tbase.PY, os.path.join(tbase.TRAINING, "compare_batch.py"),
                 "--jobs", "1", "--device", "cpu", "--iters", "2",
                 "--results", results, "--source", source, "--segmenter",
                 os.path.join(seg_dir, "segmenter.pt"), "--data", tbase.LMF,
                 "--extra=--batch 2 --bn-batches 2 --limit 4 --eval-limit 4 "
                 "--source-data %s --cli %s" % (tbase.CAMVID,
                                                tbase.cli_path()),
                 "cat-text:25:2"]
        tbase.run(batch)
        with open(os.path.join(results, "cat-text-25-seed2.json")) as f:
            r = json.load(f)
        assert r["seed"] == 2 and r["device"] == "CPU", (r["seed"], r["device"])
        assert "--seed 2" in " ".join(r["commands"])
        out = tbase.run(batch)
        assert "cat-text-25-seed2: done already" in out, out
        # a checkpoint without a result file (a deadline stopped the run):
        # compare_batch.py continues it
        os.unlink(os.path.join(results, "cat-text-25.json"))
        tbase.run(batch[:-1] + ["cat-text:25"])
        with open(os.path.join(results, "cat-text-25.json")) as f:
            assert json.load(f)["resumed"] is True
        doc = os.path.join(tmp, "RESULTS.md")
        with open(doc, "w") as f:
            f.write("# Results\n\nbefore\n<!-- results-table:begin -->\n"
                    "old\n<!-- results-table:end -->\nafter\n")
        tbase.run([tbase.PY, compare, "--table", "--results", results,
                   "--output", doc])
        with open(doc) as f:
            text = f.read()
        print(text)
        assert "old" not in text and "before" in text and "after" in text
        for m in methods:
            assert "| %s |" % m in text, m
        assert "| 25 | cat-text | 2 (CPU 2) |" in text, text
        assert "| 25 | cat-text | 2 | CPU |" in text and "(resumed)" in text
        assert " ± " in text
        assert "| shots | method | various | building |" in text
    print("ok")


if __name__ == "__main__":
    main()
