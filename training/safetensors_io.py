"""Read and write Catbrush model files (safetensors) with plain numpy.

Format (docs/FORMATS.md): 8-byte little-endian header length N, N bytes of
JSON header, then raw little-endian tensor data.  The writer emits F32 or
F16 tensors sorted by name, each 8-byte aligned, and pads the header with
spaces to a multiple of 8.  ``__metadata__`` carries ``catbrush.config``, the
model configuration as a JSON *string*.
"""

import json
import os
import struct

import numpy as np

_DTYPES = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U8": np.dtype("u1"),
}
CONFIG_KEY = "catbrush.config"


def _bf16_to_f32(raw):
    bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
    return bits.view(np.float32)


def read(path, to_f32=True):
    """Return (tensors, metadata).

    ``tensors`` maps names to numpy arrays (float tensors converted to
    float32 when ``to_f32``), ``metadata`` is the ``__metadata__`` dict of
    strings (empty when absent).
    """
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("%s: header length %d exceeds file size" % (path, n))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(data):
            raise ValueError("%s: bad offsets for %s" % (path, name))
        raw = data[begin:end]
        shape = tuple(info["shape"])
        dtype = info["dtype"]
        if dtype == "BF16":
            arr = _bf16_to_f32(raw)
        elif dtype in _DTYPES:
            arr = np.frombuffer(raw, dtype=_DTYPES[dtype])
        else:
            raise ValueError("%s: unsupported dtype %s" % (path, dtype))
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError("%s: %s has %d values, shape %s"
                             % (path, name, arr.size, shape))
        arr = arr.reshape(shape)
        if to_f32 and arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        else:
            arr = arr.copy()
        tensors[name] = arr
    return tensors, meta


def read_config(path):
    """Return (tensors as float32, parsed catbrush.config or None)."""
    tensors, meta = read(path)
    cfg = json.loads(meta[CONFIG_KEY]) if CONFIG_KEY in meta else None
    return tensors, cfg


def write(path, tensors, config=None, metadata=None, f16=False):
    """Write ``tensors`` (name -> array) atomically.

    Floating tensors are stored as F16 when ``f16`` else F32.  ``config`` (a
    dict) is stored as ``catbrush.config``; ``metadata`` adds other string
    entries.
    """
    store = "F16" if f16 else "F32"
    npdt = _DTYPES[store]
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        arr = np.asarray(tensors[name])
        if arr.dtype.kind != "f":
            raise ValueError("%s: only floating tensors are written" % name)
        raw = np.ascontiguousarray(arr.astype(npdt)).tobytes()
        header[name] = {"dtype": store, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        pad = (-len(raw)) % 8
        chunks.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    meta = dict(metadata or {})
    if config is not None:
        meta[CONFIG_KEY] = json.dumps(config, sort_keys=False)
    if meta:
        header["__metadata__"] = meta
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((-len(head)) % 8)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(head)))
            f.write(head)
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
