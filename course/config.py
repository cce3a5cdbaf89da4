"""The course's nbgrader configuration: the one place every other module asks for it.

``nbgrader_config.py`` at the repository root holds the settings (nbgrader loads it on its own
too, so plain ``nbgrader autograde`` grades the same way). This module loads it for a course
directory, derives the grading variant a worker uses, and writes the small config file that
makes a graded output folder open in the formgrader.
"""

import copy
import functools
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from course.atomic import write_text
from course.sources import REPO

CONFIG = REPO / "nbgrader_config.py"
COURSE_ID_FALLBACK = "default_course"
TIMEOUT_FALLBACK = 120  # seconds per cell, should nbgrader_config.py not set Execute.timeout


def course_config(root: Path, db_url: str | None = None) -> Config:
    """The course's nbgrader_config.py, rooted at ``root`` (freshly loaded: it runs setup code)."""
    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url or f"sqlite:///{root / 'gradebook.db'}"
    return config


@functools.lru_cache(maxsize=None)
def base_config() -> Config:
    """nbgrader_config.py, loaded once per process (loading it installs a kernelspec)."""
    return course_config(Path("."))


def grading_config(root: Path, db_url: str, timeout: int, ipc_prefix: str | None = None) -> Config:
    """The course's nbgrader config for grading in course directory ``root``.

    timeout: seconds a single cell may run before it is interrupted (the cell then fails and the
    rest of the notebook still runs). ipc_prefix: path prefix for kernel sockets (None: TCP).
    """
    config = copy.deepcopy(base_config())
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    config.Execute.timeout = int(timeout)
    config.Execute.interrupt_on_timeout = True
    # The autograde steps (sandboxed kernel, stderr rule, isolated verdicts) and the feedback
    # steps come from nbgrader_config.py, so plain `nbgrader autograde` grades the same way.
    # The course config may already choose the kernel transport (a sandboxed kernel does).
    if ipc_prefix and "transport" not in config.KernelManager:
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = ipc_prefix
    return config


def course_id() -> str:
    """The course id nbgrader records grades under."""
    return base_config().CourseDirectory.get("course_id", COURSE_ID_FALLBACK) or COURSE_ID_FALLBACK


def default_timeout() -> int:
    """The per-cell time limit configured in nbgrader_config.py (Execute.timeout)."""
    return int(base_config().Execute.get("timeout", TIMEOUT_FALLBACK) or TIMEOUT_FALLBACK)


def write_formgrader_config(out: Path, db_url: str) -> Path:
    """Make ``out`` an nbgrader course directory that opens in the formgrader as it is.

    ``out`` already has nbgrader's layout (gradebook, source/, submitted/, autograded/,
    feedback/); the config file adds the course's own settings and this gradebook, so
    ``cd out && jupyter lab`` shows the class in the Formgrader panel, ready for the written
    answers, and anything the formgrader runs grades the way ``python -m course autograde`` does.
    """
    text = ("# Written by `python -m course autograde`. Open this folder with `jupyter lab` and use\n"
            "# Formgrader to grade the written answers; it works on the same gradebook.\n"
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(CONFIG)!r})  # noqa: F821  (the course's settings)\n"
            f"c.CourseDirectory.root = {str(out)!r}\n"
            f"c.CourseDirectory.db_url = {db_url!r}\n")
    path = out / "nbgrader_config.py"
    write_text(path, text)
    return path
