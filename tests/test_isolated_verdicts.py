"""Every registered exercise, judged by the isolated grader exactly as a submission would be.

For each exercise of each source notebook: the solution cell earns full marks in the sandbox,
the exercise's demo mistake earns 0, and the release stub (``raise NotImplementedError()``)
earns 0 with a message that says so. This is the same code path `nbgrader autograde` uses
(course.integrity), so a notebook whose answers only work with notebook globals, or an exercise
whose inputs cannot cross the process boundary, fails here.
"""

from pathlib import Path

import nbformat
import pytest

from course import cell_code, integrity, isolation
from course.registry import all_exercises

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")


def _cells(folder: str, name: str):
    nb_path = REPO / folder / name / f"{name}.ipynb"
    if not nb_path.exists():
        pytest.skip(f"{nb_path.relative_to(REPO)} has not been generated")
    return nbformat.read(nb_path, as_version=4)


def _solution(ex, edit: tuple[str, str] | None = None) -> str:
    """The answer cell of ``ex`` after the notebook's earlier answer cells (an answer may call them).

    edit: ``(old, new)`` made in the answer cell of ``ex`` alone, where ``old`` must occur once.
    """
    nb = _cells("source", ex.notebook)
    names = [e.name for e in sorted(all_exercises().values(), key=lambda e: e.notebook) if e.notebook == ex.notebook]
    parts = []
    for name in names[: names.index(ex.name) + 1]:
        source, flags = cell_code.answer_source(nb, name)
        assert source is not None and not flags, f"{ex.notebook}: {flags}"
        if edit and name == ex.name:
            assert source.count(edit[0]) == 1, f"demo_mistake text {edit[0]!r} must occur once in the solution of {name}"
            source = source.replace(*edit)
        parts.append(source)
    return "\n".join(line for line in "\n\n".join(parts).splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


EXERCISES = sorted(all_exercises().values(), key=lambda ex: (ex.notebook, ex.name))


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.name)
def test_solution_earns_full_marks(ex):
    verdict = integrity.judge(ex, _solution(ex))
    assert verdict.score == ex.points, verdict.message


@pytest.mark.parametrize("ex", [ex for ex in EXERCISES if ex.demo_mistake], ids=lambda ex: ex.name)
def test_demo_mistake_earns_zero(ex):
    verdict = integrity.judge(ex, _solution(ex, ex.demo_mistake))
    assert verdict.score == 0, f"the demo mistake of {ex.name} was not caught"


@pytest.mark.parametrize("ex", EXERCISES, ids=lambda ex: ex.name)
def test_release_stub_earns_zero(ex):
    source, _ = cell_code.answer_source(_cells("release", ex.notebook), ex.name)
    assert source is not None and "NotImplementedError" in source
    verdict = integrity.judge(ex, source)
    assert verdict.score == 0 and "NotImplementedError" in verdict.message
