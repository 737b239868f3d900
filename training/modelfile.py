"""Build and load Catbrush model files (docs/FORMATS.md) from PyTorch."""

import numpy as np
import torch

import common
import labels as lbl
import oasis
import safetensors_io as st


def class_set(classes):
    """The class-set part of catbrush.config (DESIGN §3)."""
    return {
        "name": classes.get("name", ""),
        "void": classes.get("void", 255),
        "void_color": classes.get("void_color", "#000000"),
        "classes": [{"id": c["id"], "name": c["name"], "color": c["color"]}
                    for c in sorted(classes["classes"], key=lambda c: c["id"])],
    }


def tensors_from_nets(gen, disc=None):
    """Folded (spectral norm -> effective weight) tensors, G.* and D.*."""
    out = {}
    for k, v in oasis.folded_state(gen).items():
        out["G." + k] = v.detach().float().cpu().numpy()
    if disc is not None:
        for k, v in oasis.folded_state(disc).items():
            out["D." + k] = v.detach().float().cpu().numpy()
    return out


def write_model(path, config, tensors, f16=False):
    config = dict(config)
    config["tensors"] = {
        "generator": any(k.startswith("G.") for k in tensors),
        "discriminator": any(k.startswith("D.") for k in tensors),
        "vision_encoder": any(k.startswith("V.") for k in tensors),
        "source_prototypes": "P.source_prototypes" in tensors,
        "source_segmenter": any(k.startswith("S.") for k in tensors),
    }
    if not config["tensors"]["discriminator"]:
        config.pop("discriminator", None)
    st.write(path, tensors, config=config, f16=f16)


def _subset(tensors, prefix):
    n = len(prefix)
    return {k[n:]: torch.from_numpy(np.ascontiguousarray(v))
            for k, v in tensors.items() if k.startswith(prefix)}


def load_generator(path, dtype=torch.float32):
    """(plain generator in eval mode, config) from a model file."""
    tensors, cfg = st.read_config(path)
    if cfg is None:
        raise ValueError("%s has no catbrush.config" % path)
    gen = common.build_generator(cfg["generator"], sn=False)
    sd = _subset(tensors, "G.")
    missing, unexpected = gen.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError("%s: missing %s, unexpected %s"
                         % (path, missing, unexpected))
    return gen.to(dtype).eval(), cfg


def load_discriminator(path, dtype=torch.float32):
    tensors, cfg = st.read_config(path)
    if not cfg.get("tensors", {}).get("discriminator"):
        raise ValueError("%s has no discriminator" % path)
    disc = common.build_discriminator(cfg["discriminator"],
                                      cfg["generator"]["semantic_nc"],
                                      sn=False)
    disc.load_state_dict(_subset(tensors, "D."), strict=True)
    return disc.to(dtype).eval(), cfg


def generator_inputs(cfg, ids, seed, class_seeds=None):
    """One-hot label (1,S,H,W) and z-map (1,z,H,W) for an id map at the
    model's native size (per DESIGN §2: z-map(p) = z[class(p)], void takes
    the global vector; class_seeds maps class id -> its own seed)."""
    import noise  # local import keeps this module light
    g = cfg["generator"]
    class_ids = [c["id"] for c in cfg["classes"]["classes"]]
    lut = lbl.lookup_table(class_ids, g["semantic_nc"],
                           g["dontcare_channel"])
    onehot = lbl.one_hot(ids, lut, g["semantic_nc"])
    table, glob = noise.class_noise_table(seed, class_ids, g["z_dim"],
                                          class_seeds)
    zvec = np.tile(glob[:, None], (1, 256))          # z_dim x 256 values
    for cid, vec in table.items():
        zvec[:, cid] = vec
    zmap = zvec[:, ids]                               # z_dim x H x W
    return (torch.from_numpy(onehot)[None],
            torch.from_numpy(np.ascontiguousarray(zmap))[None])


def to_uint8(img):
    """(3,H,W) tanh output -> (H,W,3) uint8: floor(clamp((y+1)/2)*255+0.5)."""
    x = np.clip((np.asarray(img, dtype=np.float32) + 1.0) * 0.5, 0.0, 1.0)
    return np.floor(x * 255.0 + 0.5).astype(np.uint8).transpose(1, 2, 0)
