#!/usr/bin/python3
"""training/test_training.py (the Python side's unit tests) as a meson
test; skipped (77) without torch."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tbase  # noqa: E402

tbase.require()
sys.exit(subprocess.call([tbase.PY, os.path.join(tbase.TRAINING,
                                                 "test_training.py")]))
