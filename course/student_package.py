"""``python -m course student-package [DEST]``: the wheel a student's environment installs.

A student gets the release notebooks (with their ``*.checks.npz`` case files) and the rnnkit
library, nothing else: the course's tooling, the exercises and their references stay with the
instructor. The wheel holds ``rnnkit/`` alone and requires the pinned libraries the notebooks
use; put it (and those pins) on the students' JupyterHub image or in their own environment.
"""

import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import rnnkit
from course.sources import REPO

# What the student notebooks and Validate need; the instructor-only tools (nbgrader's database
# drivers, pytest, jupytext, ...) are not a student's business.
STUDENT_REQUIREMENTS = ("numpy", "tensorflow", "keras", "matplotlib", "jupyterlab", "nbgrader")


def requirements() -> list[str]:
    """The pinned requirements of :data:`STUDENT_REQUIREMENTS`, as pyproject.toml pins them."""
    pins = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return [pin for pin in pins if re.split(r"[=<>!~ \[]", pin, maxsplit=1)[0] in STUDENT_REQUIREMENTS]


def build_wheel(dest: Path) -> Path:
    """Build the student wheel into ``dest`` (offline, with this environment's setuptools); return it."""
    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnnkit-wheel-") as tmp:
        project = Path(tmp)
        shutil.copytree(REPO / "rnnkit", project / "rnnkit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        deps = ", ".join(f'"{r}"' for r in requirements())
        (project / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "rnnkit"\nversion = "{rnnkit.__version__}"\nrequires-python = ">=3.11,<3.12"\n'
            f'description = "The RNN course week\'s numpy library (student package)"\ndependencies = [{deps}]\n\n'
            '[tool.setuptools]\npackages = ["rnnkit"]\n', encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                               "--no-index", "--wheel-dir", str(dest), str(project)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"could not build the student wheel:\n{done.stderr.strip()}")
    return dest / f"rnnkit-{rnnkit.__version__}-py3-none-any.whl"
