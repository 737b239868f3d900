#!/usr/bin/python3
"""finetune.py end to end (issue 7): a smoke source model (train.py, 2
iterations on 4 CamVid images), a target profile from `catbrush-cli
affinity --methods text` (or, without WordNet, a hand-written profile with
the model's SHA-256), then 2 fine-tuning iterations on 4 LabelMeFacade
images.  Checks: the affinity matrix stays row-stochastic (G and EMA), it
starts at the profile's matrix, the discriminator head has T + 2 outputs
initialised through the matrix, the exported file reproduces the EMA
network, the C side loads it and matches generate.py, resuming works, and
the two baselines (--init random, --from-scratch) export loadable models."""

import hashlib
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbase  # noqa: E402

FT = os.path.join(tbase.TRAINING, "finetune.py")


def make_profile(model, tmp):
    path = os.path.join(tmp, "text.json")
    try:
        tbase.run([tbase.cli_path(), "affinity", "--model", model,
                   "--classes", os.path.join(tbase.LMF, "classes.json"),
                   "--methods", "text", "-o", path])
        return path
    except AssertionError:
        print("affinity failed (no WordNet?): writing a profile by hand")
    import safetensors_io as st
    _, cfg = st.read_config(model)
    with open(os.path.join(tbase.LMF, "classes.json")) as f:
        classes = json.load(f)
    src = [c["name"] for c in cfg["classes"]["classes"]]
    t = len(classes["classes"])
    rows = [[1.0 if (i + j) % 3 == 0 else 0.1 for j in range(len(src))]
            for i in range(t)]
    with open(model, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    with open(path, "w") as f:
        json.dump({"format": "catbrush-profile", "version": 1,
                   "classes": classes,
                   "source_model": {"sha256": sha, "classes": src},
                   "affinity": rows, "estimation": {"methods": ["hand"]}}, f)
    return path


def finetune(tmp, run_dir, extra, iters=2):
    out = tbase.run([tbase.PY, FT, "--data", tbase.LMF, "--split", "train",
                     "--limit", "4", "--batch", "2", "--iters", str(iters),
                     "--bn-batches", "2", "--sample-every", "2",
                     "--ckpt-every", "2", "--threads", "1",
                     "--out", run_dir] + extra)
    print(out.strip())
    m = re.search(r"max \|file - EMA\| = (\S+)", out)
    assert m and float(m.group(1)) < 1e-4, "export check failed"
    return os.path.join(run_dir, "model.safetensors")


def check_matrices(run_dir, profile):
    import numpy as np
    import torch
    ck = torch.load(os.path.join(run_dir, "latest.pt"), map_location="cpu")
    with open(profile) as f:
        a0 = np.asarray(json.load(f)["affinity"], dtype=np.float64)
    a0 /= a0.sum(1, keepdims=True)
    init = np.asarray(ck["finetune"]["initial_affinity"])
    np.testing.assert_allclose(init, a0, atol=1e-6)
    for net in ("G", "EMA"):
        a = torch.softmax(ck[net]["affinity_logits"], 1).numpy()
        assert a.shape == a0.shape, a.shape
        assert (a >= 0).all(), net
        np.testing.assert_allclose(a.sum(1), 1.0, atol=1e-5)
        np.testing.assert_allclose(a, a0, atol=0.05)  # 2 steps: near A0
    moved = (ck["G"]["affinity_logits"]
             - torch.log(torch.tensor(a0, dtype=torch.float32) + 1e-4))
    assert moved.abs().max() > 0, "the affinity layer did not train"
    return a0.shape


def check_model(model, shape):
    import numpy as np
    import safetensors_io as st
    tensors, cfg = st.read_config(model)
    t, s = shape
    g = cfg["generator"]
    assert g["semantic_nc"] == t + 1 and g["dontcare_channel"] == t, g
    assert tensors["G.fc.weight"].shape[1] == g["z_dim"] + t + 1
    assert tensors["D.layer_up_last.weight"].shape[0] == t + 2
    learned = np.asarray(cfg["affinity_transfer"]["learned"])
    assert learned.shape == (t, s)
    np.testing.assert_allclose(learned.sum(1), 1.0, atol=1e-5)
    card = cfg["model_card"]
    assert cfg["affinity_transfer"]["source_model"]["sha256"] in \
        card["source_model"]
    assert "profile" in card


def check_head():
    """The D head through a matrix: fake row kept, rows = M^T rows."""
    import torch
    import finetune
    w, b = torch.randn(5, 3, 1, 1), torch.randn(5)
    m = torch.tensor([[0.5, 0.0, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0],
                      [0.0, 0.0, 1.0]])
    nw, nb = finetune.head_through_matrix(w, b, m)
    assert nw.shape == (4, 3, 1, 1)
    torch.testing.assert_close(nw[0], w[0])
    torch.testing.assert_close(nw[1], 0.5 * w[1] + 0.5 * w[2])
    torch.testing.assert_close(nb[3], b[4])


def main():
    tbase.require(datasets=[tbase.CAMVID, tbase.LMF], cli=True)
    check_head()
    with tempfile.TemporaryDirectory(prefix="cb-finetune-") as tmp:
        source = tbase.train_smoke_model(tmp)
        profile = make_profile(source, tmp)
        run_dir = os.path.join(tmp, "cat")
        model = finetune(tmp, run_dir, ["--source", source,
                                        "--profile", profile])
        shape = check_matrices(run_dir, profile)
        check_model(model, shape)
        label = tbase.first_label(tbase.LMF, "test_eval")
        tbase.c_matches_python(model, label, 3, tmp, "cat")
        finetune(tmp, run_dir, ["--resume"], iters=3)
        check_matrices(run_dir, profile)
        for tag, extra in (("random", ["--init", "random"]),
                           ("scratch", ["--from-scratch"])):
            m = finetune(tmp, os.path.join(tmp, tag),
                         ["--source", source] + extra, iters=1)
            tbase.run([tbase.cli_path(), "generate", "-m", m, "-l", label,
                       "-b", "cpu", "-o", os.path.join(tmp, tag + ".png")])
            if tag == "random":
                check_drift(m, 9)
        check_drift(model, 9)
    print("ok")


def check_drift(model, n_target):
    """affinity_drift.py: a row per target class; after a few iterations at
    the matrix's learning rate the rows are still close to their start,
    which for --init random it recomputes from the seed."""
    out = tbase.run([tbase.PY, os.path.join(tbase.TRAINING,
                                            "affinity_drift.py"), model])
    print(out)
    rows = [ln for ln in out.splitlines()
            if ln.startswith("| ") and not ln.startswith("| target")]
    assert len(rows) == n_target, rows
    for ln in rows:
        tv = float(ln.rstrip(" |").rsplit("|", 1)[1])
        assert 0 <= tv < 0.05, ln


if __name__ == "__main__":
    main()
