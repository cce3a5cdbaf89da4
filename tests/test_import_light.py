"""Importing rnnkit's numpy modules must not import TensorFlow (it takes seconds and GBs)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Every rnnkit module but the one whose job is Keras.
MODULES = ["rnnkit"] + [f"rnnkit.{p.stem}" for p in sorted((ROOT / "rnnkit").glob("*.py"))
                                            if p.stem not in ("__init__", "keras_bridge")]


def test_import_does_not_pull_in_tensorflow():
    assert "rnnkit.layouts" in MODULES
    code = (f"import {', '.join(MODULES)}; import sys; "
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
