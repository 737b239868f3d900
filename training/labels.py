"""Label maps, class sets and nearest resizing shared by the scripts.

Nearest resizing follows docs/FORMATS.md, i.e. PyTorch's
``F.interpolate(mode="nearest")``: per axis, ``scale = (float)in / out`` in
single precision, ``src = min(floor(dst * scale), in - 1)``.
"""

import json

import numpy as np
from PIL import Image

VOID = 255


def nearest_index(n_in, n_out):
    """Source indices (int64) for resizing an axis of n_in to n_out."""
    if n_in == n_out:
        return np.arange(n_out, dtype=np.int64)
    scale = np.float32(n_in) / np.float32(n_out)
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor(dst * scale).astype(np.int64)
    return np.minimum(src, n_in - 1)


def resize_nearest(arr, width, height):
    """Resize a (H, W, ...) array to (height, width, ...) by nearest."""
    iy = nearest_index(arr.shape[0], height)
    ix = nearest_index(arr.shape[1], width)
    return arr[iy][:, ix]


def load_classes(path):
    with open(path) as f:
        cs = json.load(f)
    cs.setdefault("void", VOID)
    cs.setdefault("void_color", "#000000")
    return cs


def hex_rgb(color):
    c = color.lstrip("#")
    return tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))


def class_channels(class_ids, semantic_nc, dontcare):
    """Map each class id to its label channel.

    The real classes take, in class-id order, the channels other than the
    don't-care one (``dontcare`` = -1 when the model has none).
    """
    channels = [c for c in range(semantic_nc) if c != dontcare]
    ids = sorted(class_ids)
    if len(ids) != len(channels):
        raise ValueError("%d classes but %d real label channels"
                         % (len(ids), len(channels)))
    return dict(zip(ids, channels))


def lookup_table(class_ids, semantic_nc, dontcare):
    """256-entry table: pixel value -> channel, -1 = no channel (all zero)."""
    lut = np.full(256, -1, dtype=np.int64)
    for cid, ch in class_channels(class_ids, semantic_nc, dontcare).items():
        lut[cid] = ch
    lut[VOID] = dontcare if dontcare >= 0 else -1
    return lut


def one_hot(index_map, lut, semantic_nc):
    """(H, W) uint8 label map -> (semantic_nc, H, W) float32 one-hot."""
    ch = lut[index_map]
    out = np.zeros((semantic_nc,) + index_map.shape, dtype=np.float32)
    ys, xs = np.nonzero(ch >= 0)
    out[ch[ys, xs], ys, xs] = 1.0
    return out


def load_label_png(path):
    """Indexed PNG -> (H, W) uint8 class ids (255 = void)."""
    im = Image.open(path)
    if im.mode != "P" and im.mode != "L":
        raise ValueError("%s: label maps must be indexed PNGs (mode %s)"
                         % (path, im.mode))
    return np.array(im, dtype=np.uint8)


def palette(classes):
    """768-entry palette: class colours, void colour at 255."""
    pal = [0] * 768
    for c in classes["classes"]:
        pal[3 * c["id"]:3 * c["id"] + 3] = hex_rgb(c["color"])
    pal[765:768] = hex_rgb(classes.get("void_color", "#000000"))
    return pal


def save_label_png(path, index_map, classes):
    im = Image.fromarray(index_map.astype(np.uint8), mode="P")
    im.putpalette(palette(classes))
    im.save(path)


def colorize(index_map, classes):
    """(H, W) class ids -> (H, W, 3) uint8 RGB in class colours."""
    pal = np.array(palette(classes), dtype=np.uint8).reshape(256, 3)
    return pal[index_map]
