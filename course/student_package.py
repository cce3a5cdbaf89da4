"""``python -m course student-package [DEST]``: the wheel a student's environment installs.

A student gets the release notebooks (with their ``*.checks.npz`` case files) and the rnnkit
library, nothing else: the course's tooling, the exercises and their references stay with the
instructor. The wheel holds ``rnnkit/`` alone and requires the pinned libraries the notebooks
use; put it (and those pins) on the students' JupyterHub image or in their own environment.

A student's JupyterLab is a student's: the wheel also installs two Jupyter settings files into
the environment's ``etc/jupyter/`` (as JupyterLab extensions install theirs), from
``course/student_jupyter/``. They switch off nbgrader's instructor parts (Formgrader, Create
Assignment, the Assignment and Course lists, which need an exchange this course does not use,
and nbgrader's menu of them) and keep Validate. The server's file is read after nbgrader's own
``nbgrader.json`` (alphabetical order), so its settings win. An instructor's environment
(``pip install -e .``) does not get them and keeps all of nbgrader.
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
JUPYTER_SETTINGS = REPO / "course" / "student_jupyter"
# file in JUPYTER_SETTINGS -> where Jupyter reads it, under the environment's prefix
SETTINGS_TARGETS = {"page_config.json": "etc/jupyter/labconfig/page_config.d",
                    "jupyter_server_config.json": "etc/jupyter/jupyter_server_config.d"}
SETTINGS_NAME = "rnnkit-student.json"


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
        data_files = []
        for name, target in SETTINGS_TARGETS.items():
            (project / target).mkdir(parents=True)
            shutil.copy(JUPYTER_SETTINGS / name, project / target / SETTINGS_NAME)
            data_files.append(f'"{target}" = ["{target}/{SETTINGS_NAME}"]')
        deps = ", ".join(f'"{r}"' for r in requirements())
        (project / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "rnnkit"\nversion = "{rnnkit.__version__}"\nrequires-python = ">=3.11,<3.12"\n'
            f'description = "The RNN course week\'s numpy library (student package)"\ndependencies = [{deps}]\n\n'
            '[tool.setuptools]\npackages = ["rnnkit"]\n\n[tool.setuptools.data-files]\n' + "\n".join(data_files) + "\n",
            encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                               "--no-index", "--wheel-dir", str(dest), str(project)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"could not build the student wheel:\n{done.stderr.strip()}")
    return dest / f"rnnkit-{rnnkit.__version__}-py3-none-any.whl"
