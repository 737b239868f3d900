"""Counter-based noise vectors shared by Catbrush's C code and Python.

Implements docs/FORMATS.md, section "Noise": SplitMix64 keyed by
(seed, stream), Box-Muller in double precision, values stored as float32.

Streams: stream 0 of the image seed is the global vector; a class re-rolled
on its own uses stream ``class_id + 1`` of its own seed.
"""

import math

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
STREAM_MULT = 0xD1B54A32D192ED03

# noise_vector(42, 0, 64)[:4], printed with 9 significant digits ("%.9g").
# tests/model/test-noise.c checks the same numbers.
TEST_VECTOR = (0.41471976, 0.652681231, -0.891886234, 1.32683361)


class SplitMix64:
    """The SplitMix64 generator with all arithmetic modulo 2^64."""

    def __init__(self, state):
        self.state = state & MASK64

    def next(self):
        self.state = (self.state + GOLDEN_GAMMA) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def _unit_open(bits):
    """Map a 64-bit draw to a double in the open interval (0, 1)."""
    return ((bits >> 11) + 0.5) / 9007199254740992.0  # 2^53


def noise_vector(seed, stream, z_dim):
    """Return the ``z_dim`` standard-normal floats for (seed, stream)."""
    seed &= MASK64
    stream &= MASK64
    rng = SplitMix64(seed ^ ((stream * STREAM_MULT) & MASK64))
    out = np.empty(z_dim, dtype=np.float32)
    for k in range(0, z_dim, 2):
        u1 = _unit_open(rng.next())
        u2 = _unit_open(rng.next())
        r = math.sqrt(-2.0 * math.log(u1))
        out[k] = r * math.cos(2.0 * math.pi * u2)
        if k + 1 < z_dim:
            out[k + 1] = r * math.sin(2.0 * math.pi * u2)
    return out


def class_noise_table(seed, class_ids, z_dim, class_seeds=None):
    """Per-class noise vectors for one image.

    ``class_seeds`` maps a class id to its own seed (local re-sampling);
    every other class, and void, takes the global vector (stream 0 of
    ``seed``).  Returns a dict class_id -> vector and the global vector.
    """
    glob = noise_vector(seed, 0, z_dim)
    table = {}
    for cid in class_ids:
        if class_seeds and cid in class_seeds:
            table[cid] = noise_vector(class_seeds[cid], cid + 1, z_dim)
        else:
            table[cid] = glob
    return table, glob


if __name__ == "__main__":
    v = noise_vector(42, 0, 64)
    print(" ".join("%.9g" % x for x in v[:4]))
    assert all(abs(a - b) <= 1e-7 * max(1.0, abs(b))
               for a, b in zip(v[:4], TEST_VECTOR)), "TEST_VECTOR mismatch"
