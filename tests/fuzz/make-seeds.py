#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/.

Small, valid (and a few nearly valid) inputs of every format, made from the
project's own fixtures and formats; no dataset images. Needs Debian's
python3-pil and python3-torch (/usr/bin/python3). Re-run after a format
change and commit the result:  /usr/bin/python3 tests/fuzz/make-seeds.py
(or name targets to remake only those: make-seeds.py photo-jpeg)
"""
import collections
import io
import json
import os
import pathlib
import shutil
import struct
import sys
import zipfile
import zlib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"

# the classes of fuzz-label-map.c's class set
CLASSES = {"name": "fuzz", "void": 255, "void_color": "#000000",
           "classes": [{"id": 0, "name": "sky", "color": "#808080"},
                       {"id": 1, "name": "road", "color": "#804080"},
                       {"id": 2, "name": "car", "color": "#400080"},
                       {"id": 7, "name": "tree", "color": "#808000"}]}
PALETTE = {0: (128, 128, 128), 1: (128, 64, 128), 2: (64, 0, 128), 7: (128, 128, 0)}


def out(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


# ---- safetensors + catbrush.config ----

def safetensors(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw bytes)"""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        pad = (-len(raw)) % 8
        blobs.append(raw + b"\0" * pad)
        off += len(raw) + pad
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def model_config(**gen):
    g = {"channels": [4, 4], "z_dim": 2, "semantic_nc": 3, "dontcare_channel": -1, "spade_hidden": 4,
         "width": 8, "height": 4, "bn_eps": 1e-5}
    g.update(gen)
    classes = {"name": "tiny", "void": 255, "void_color": "#000000",
               "classes": [{"id": 0, "name": "sky", "color": "#808080"},
                           {"id": 1, "name": "road", "color": "#804080"},
                           {"id": 2, "name": "tree", "color": "#808000"}]}
    return json.dumps({"format": "catbrush-model", "version": 1, "architecture": "oasis", "generator": g,
                       "classes": classes,
                       "tensors": {"generator": True, "discriminator": False, "vision_encoder": False,
                                   "source_prototypes": False},
                       "model_card": {"data": "none", "licence": "CC0", "iterations": 0, "metrics": {}}})


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


def seeds_model():
    cfg = model_config()
    out("model", "minimal.safetensors", safetensors({"G.fc.weight": ("F32", [2, 2], f32(1, 2, 3, 4))},
                                                     {"catbrush.config": cfg}))
    out("model", "dtypes.safetensors", safetensors({
        "G.a": ("F32", [3], f32(1, -2, 3.5)),
        "G.b": ("F16", [2, 2], struct.pack("<4H", 0x3c00, 0xc000, 0x7c00, 0x0001)),
        "G.c": ("BF16", [1, 3], struct.pack("<3H", 0x3f80, 0x7fc0, 0x0001)),
        "G.scalar": ("F32", [], f32(7)),
        "G.empty": ("F32", [0, 4], b""),
    }, {"catbrush.config": model_config(channels=[4, 4, 2], width=8, height=8, dontcare_channel=0, semantic_nc=4)}))
    out("model", "no-metadata.safetensors", safetensors({"x": ("F32", [1], f32(1))}))
    out("model", "prototypes.safetensors", safetensors({
        "G.fc.weight": ("F32", [1], f32(1)), "D.x": ("F32", [1], f32(1)), "V.y": ("F16", [1], b"\0<"),
        "P.source_prototypes": ("F32", [3, 1], f32(1, 2, 3))},
        {"catbrush.config": json.dumps(dict(json.loads(cfg), tensors={
            "generator": True, "discriminator": True, "vision_encoder": True, "source_prototypes": True})),
         "other": "x"}))
    # the real tiny model's header, with its data cut to what the first tensor needs
    d = (ROOT / "tests/fixtures/tiny-model.safetensors").read_bytes()
    n = struct.unpack("<Q", d[:8])[0]
    header = json.loads(d[8:8 + n])
    meta = header.pop("__metadata__")
    first = sorted(header)[0]
    e = header[first]
    b, en = e["data_offsets"]
    raw = d[8 + n + b:8 + n + en]
    out("model", "tiny-model-one.safetensors", safetensors({first: (e["dtype"], e["shape"], raw),
                                                            "G.x": (e["dtype"], e["shape"], raw)}, meta))


# ---- class sets and profiles ----

def seeds_class_set():
    out("class-set", "tiny-classes.json", (ROOT / "tests/import/tiny-classes.json").read_bytes())
    for ds in ("camvid", "labelmefacade"):
        p = ROOT.parent / "shared" / "datasets" / ds / "classes.json"
        if p.exists():
            out("class-set", ds + "-classes.json", p.read_bytes())
    out("class-set", "cityscapes.json", (ROOT / "resources/classes/cityscapes.json").read_bytes())
    out("class-set", "fuzz.json", json.dumps(CLASSES).encode())
    out("class-set", "synonyms.json", json.dumps({
        "name": "syn", "void": 255, "void_color": "#ffffff", "source": "x", "licence": "CC0",
        "classes": [{"id": 254, "name": "Grass", "color": "#00ff00", "synonyms": ["lawn", "turf"]},
                    {"id": 0, "name": "sky", "color": "#0000ff", "synonyms": []}]}).encode())


def profile(t_classes, n_source, rows, **extra):
    p = {"format": "catbrush-profile", "version": 1, "classes": t_classes,
         "source_model": {"sha256": "ab" * 32, "classes": ["s%d" % i for i in range(n_source)]},
         "affinity": rows,
         "estimation": {"methods": ["text", "vision"], "weights": [0.5, 0.5], "temperature": 1.0, "top_k": 0,
                        "examples": ["a.png"]}}
    p.update(extra)
    return json.dumps(p).encode()


def seeds_profile():
    out("profile", "fuzz.json", profile(CLASSES, 3, [[0.9, 0.1, 0], [0, 0, 0], [1, 2, 3], [0.25, 0.25, 0.5]]))
    two = dict(CLASSES, classes=CLASSES["classes"][:2])
    out("profile", "ints.json", profile(two, 1, [[1], [0]]))
    out("profile", "no-estimation.json", json.dumps({
        "format": "catbrush-profile", "version": 1, "classes": two,
        "source_model": {"sha256": "0" * 64, "classes": ["a", "b"]}, "affinity": [[1e-30, 1e30], [0.5, 0.5]]}).encode())


# ---- PNG label maps ----

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, depth, colour_type, rows, palette=None, trns=None, interlace=False):
    """rows: list of rows, each a list of samples (one per channel value)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]

    def pack(samples):
        if depth == 16:
            return b"".join(struct.pack(">H", s) for s in samples)
        if depth == 8:
            return bytes(samples)
        per = 8 // depth
        b = bytearray()
        for i in range(0, len(samples), per):
            v = 0
            for k in range(per):
                s = samples[i + k] if i + k < len(samples) else 0
                v |= s << (8 - depth * (k + 1))
            b.append(v)
        return bytes(b)

    raw = b""
    if not interlace:
        for r in rows:
            raw += b"\0" + pack(r)
    else:
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        for x0, y0, dx, dy in passes:
            xs = list(range(x0, width, dx))
            if not xs:
                continue
            for y in range(y0, height, dy):
                samples = []
                for x in xs:
                    samples += rows[y][x * channels:(x + 1) * channels]
                raw += b"\0" + pack(samples)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0,
                                                                1 if interlace else 0))
    if palette is not None:
        data += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    return data


def seeds_label_map():
    w, h = 9, 6
    ids = [[(0 if y < 2 else 1 if x < 4 else 2 if x < 7 else 7) if (x + y) % 11 else 255 for x in range(w)]
           for y in range(h)]
    pal = [(0, 0, 0)] * 256
    for i, c in PALETTE.items():
        pal[i] = c
    rgb = [sum((list(PALETTE.get(i, (0, 0, 0))) for i in r), []) for r in ids]
    for target in ("label-map", "image-png"):
        out(target, "indexed8.png", png(w, h, 8, 3, ids, palette=pal))
        out(target, "indexed8-interlaced.png", png(w, h, 8, 3, ids, palette=pal, interlace=True))
        out(target, "indexed8-short-palette.png", png(w, h, 8, 3, [[min(i, 7) for i in r] for r in ids],
                                                      palette=pal[:8]))
        small = [[min(i, 3) for i in r] for r in ids]
        for depth in (1, 2, 4):
            cut = [[min(i, (1 << depth) - 1) for i in r] for r in ids]
            out(target, "indexed%d.png" % depth, png(w, h, depth, 3, cut, palette=pal[:1 << depth]))
            out(target, "grey%d.png" % depth, png(w, h, depth, 0, cut))
        out(target, "grey8.png", png(w, h, 8, 0, ids))
        out(target, "grey8-interlaced.png", png(w, h, 8, 0, ids, interlace=True))
        out(target, "grey16.png", png(w, h, 16, 0, [[i * 257 for i in r] for r in ids]))
        out(target, "grey-alpha.png", png(w, h, 8, 4, [sum(([i, 255] for i in r), []) for r in ids]))
        out(target, "grey-alpha-transparent.png", png(w, h, 8, 4, [sum(([i, 255 if i else 0] for i in r), [])
                                                                     for r in ids]))
        out(target, "rgb8.png", png(w, h, 8, 2, rgb))
        out(target, "rgb8-interlaced.png", png(w, h, 8, 2, rgb, interlace=True))
        out(target, "rgb8-unknown.png", png(w, h, 8, 2, [[(v + 1) % 256 for v in r] for r in rgb]))
        out(target, "rgb16.png", png(w, h, 16, 2, [[v * 257 for v in r] for r in rgb]))
        out(target, "rgba8.png", png(w, h, 8, 6, [sum((list(PALETTE.get(i, (0, 0, 0))) + [255] for i in r), [])
                                                  for r in ids]))
        out(target, "rgba8-transparent.png", png(w, h, 8, 6, [sum((list(PALETTE.get(i, (0, 0, 0))) + [i % 200]
                                                                   for i in r), []) for r in ids]))
        out(target, "indexed-trns.png", png(w, h, 8, 3, small, palette=pal[:4], trns=b"\xff\x00"))
        out(target, "one-pixel.png", png(1, 1, 8, 3, [[0]], palette=pal[:1]))
        out(target, "tiny-labels.png", (ROOT / "tests/fixtures/tiny-labels.png").read_bytes())
    out("image-png", "tiny-expected.png", (ROOT / "tests/fixtures/tiny-expected.png").read_bytes())


# ---- PyTorch checkpoints and their pickles ----

def seeds_pth():
    import torch

    def save(name, obj, legacy=False):
        b = io.BytesIO()
        torch.save(obj, b, _use_new_zipfile_serialization=not legacy)
        out("pth", name, b.getvalue())
        if not legacy:
            with zipfile.ZipFile(io.BytesIO(b.getvalue())) as z:
                for n in z.namelist():
                    if n.endswith("/data.pkl"):
                        out("pickle", name.replace(".pth", ".pkl"), z.read(n))
        return b.getvalue()

    torch.manual_seed(0)
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    sd = collections.OrderedDict([
        ("fc.weight", base.clone()),
        ("fc.bias", torch.tensor([0.5, -1.0, 2.0])),
        ("t.weight", base.t()),                      # strided view
        ("view", base[1:, 1:3]),                     # offset into a shared storage
        ("half", torch.tensor([1.0, -2.0], dtype=torch.float16)),
        ("bf16", torch.tensor([1.0, 3.0], dtype=torch.bfloat16)),
        ("f64", torch.tensor([[1.5]], dtype=torch.float64)),
        ("count", torch.tensor(7, dtype=torch.int64)),
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 3)),
    ])
    save("state-dict.pth", sd)
    save("module-prefix.pth", collections.OrderedDict([("module.a", torch.ones(2)), ("module.b", torch.zeros(1, 1))]))
    save("plain-dict.pth", {"w": torch.ones(2, 2), "step": 3, "name": "x", "nested": {"k": [1, 2.0, None, True]}})
    legacy = save("legacy.pth", collections.OrderedDict([("a", torch.ones(2)), ("b", base[:, 1])]), legacy=True)
    out("pickle", "legacy-magic.pkl", legacy[:15])
    out("pickle", "builtins.pkl", __import__("pickle").dumps(
        collections.OrderedDict([("a", (1, -2, 2 ** 40, 1.5, "s", None, True, [], {}))]), protocol=2))


# ---- project files (.catbrush) ----

def seeds_project():
    labels = (CORPUS / "label-map" / "indexed8.png").read_bytes()
    image = (CORPUS / "image-png" / "rgb8.png").read_bytes()
    prof = json.loads(profile(CLASSES, 3, [[0.9, 0.1, 0], [0, 0, 1], [1, 2, 3], [0.25, 0.25, 0.5]]))

    def project(name, doc, entries=None, method=zipfile.ZIP_DEFLATED):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", method) as z:
            z.writestr("project.json", json.dumps(doc))
            for n, data in (entries if entries is not None else {"labels.png": labels}).items():
                z.writestr(n, data)
        out("project", name, b.getvalue())

    base = {"format": "catbrush-project", "version": 1, "model": {"path": "default.safetensors", "sha256": "ab" * 32},
            "seed": "42", "class_seeds": [{"id": 1, "seed": "7"}], "classes": CLASSES, "profile": None}
    project("plain.catbrush", base)
    project("with-image.catbrush", base, {"labels.png": labels, "image.png": image})
    project("with-profile.catbrush", dict(base, profile=prof, model={"path": None, "sha256": None}))
    project("stored.catbrush", base, method=zipfile.ZIP_STORED)


# ---- example photos (JPEG) ----

def seeds_photo_jpeg():
    """Tiny JPEGs of every kind libjpeg decodes differently: baseline and
    progressive, 4:4:4 / 4:2:2 / 4:2:0, optimised Huffman tables, grey,
    Adobe CMYK, sides that are not a multiple of the MCU, one truncated."""
    from PIL import Image

    w, h = 19, 13
    rgb = Image.new("RGB", (w, h))
    rgb.putdata([((x * 13) & 255, (y * 19) & 255, ((x + y) * 7) & 255) for y in range(h) for x in range(w)])

    def jpeg(name, image, **kw):
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=kw.pop("quality", 75), **kw)
        out("photo-jpeg", name, buf.getvalue())
        return buf.getvalue()

    jpeg("baseline-420.jpg", rgb, subsampling=2)
    jpeg("baseline-422.jpg", rgb, subsampling=1)
    jpeg("baseline-444.jpg", rgb, subsampling=0)
    jpeg("optimized.jpg", rgb, optimize=True)
    full = jpeg("progressive-420.jpg", rgb, progressive=True, subsampling=2)
    jpeg("progressive-444.jpg", rgb, progressive=True, subsampling=0, quality=95)
    jpeg("grey.jpg", rgb.convert("L"))
    jpeg("grey-progressive.jpg", rgb.convert("L"), progressive=True)
    jpeg("cmyk.jpg", rgb.convert("CMYK"))
    jpeg("one-pixel.jpg", Image.new("RGB", (1, 1), (200, 30, 90)))
    jpeg("wide-16x64.jpg", rgb.resize((64, 16)), progressive=True)
    out("photo-jpeg", "truncated-progressive.jpg", full[: len(full) * 2 // 3])


TARGETS = {
    "model": seeds_model,
    "class-set": seeds_class_set,
    "profile": seeds_profile,
    "label-map": seeds_label_map,
    "project": seeds_project,
    "photo-jpeg": seeds_photo_jpeg,
}


def main(names):
    if names:
        for name in names:
            if (CORPUS / name).exists():
                shutil.rmtree(CORPUS / name)
            (seeds_pth if name in ("pth", "pickle") else TARGETS[name])()
    else:
        if CORPUS.exists():
            shutil.rmtree(CORPUS)
        for make in TARGETS.values():
            make()
        try:
            seeds_pth()
        except ImportError:
            print("no torch: the pth and pickle seeds are not made")
    for d in sorted(CORPUS.iterdir()):
        files = list(d.iterdir())
        print("%-10s %3d seeds, largest %d bytes" % (d.name, len(files), max(f.stat().st_size for f in files)))


if __name__ == "__main__":
    main(sys.argv[1:])
