"""Generate the student release with nbgrader's own API (solutions and hidden tests removed)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from course.config import course_config


def ensure_tools_on_path() -> None:
    """nbgrader shells out to ``alembic``: make this interpreter's scripts findable."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def generate(assignments: list[str], source: Path, release: Path) -> None:
    """Write ``release/<a>/`` for every assignment in ``source``; raise if nbgrader fails.

    nbgrader works in a scratch course directory so its gradebook never lands in the repo.
    """
    from nbgrader.apps import NbGraderAPI

    ensure_tools_on_path()
    with tempfile.TemporaryDirectory(prefix="rnn-course-release-") as tmp:
        root = Path(tmp)
        for a in assignments:
            shutil.copytree(source / a, root / "source" / a)
        api = NbGraderAPI(config=course_config(root))
        for a in assignments:
            result = api.generate_assignment(a, force=True, create=True)
            if not result["success"]:
                raise RuntimeError(f"nbgrader could not generate {a}:\n{result['error']}\n{result['log']}")
            target = release / a
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(root / "release" / a, target)
