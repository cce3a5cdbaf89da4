"""Importing rnnkit's numpy modules must not import TensorFlow (it takes seconds and GBs)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODULES = ["rnnkit", "rnnkit.cells", "rnnkit.bptt", "rnnkit.gradcheck", "rnnkit.checking",
           "rnnkit.exercises"]
OPTIONAL = ["embedding", "data", "plots"]  # checked once they exist


def test_import_does_not_pull_in_tensorflow():
    modules = MODULES + [f"rnnkit.{name}" for name in OPTIONAL
                         if (ROOT / "rnnkit" / f"{name}.py").exists()]
    code = (f"import {', '.join(modules)}; import sys; "
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
