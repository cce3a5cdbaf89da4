"""Helpers shared by the exercise tests (tests/test_exercises.py and tests/test_exercises_*.py)."""

import functools
import math
from pathlib import Path

import jupytext
import numpy as np

from course import casefiles
from course import hidden as course_hidden
from course.exercise import make_case, verify
from course.registry import get_exercise
from rnnkit import checking
from rnnkit.checking import call_student, normalise

REPO = Path(__file__).resolve().parent.parent


def source_path(notebook):
    """The jupytext source of ``notebook``: the authoring truth the release is built from."""
    return REPO / "source" / notebook / f"{notebook}.py"


def run_check(ex, fn, seed, hidden=True):
    """The check of an Exercise object (not the registry's), e.g. with ``forbidden`` changed: the
    hidden one as course.hidden runs it, else ``trials_visible`` small cases drawn from ``seed``."""
    if hidden:
        return course_hidden.run(ex, fn, seed=seed)
    rng = np.random.default_rng(seed)
    for index in range(ex.trials_visible):
        inputs, expected = make_case(ex, rng, False, index)
        verify(ex, inputs, normalise(ex, call_student(ex, fn, inputs)), expected)


def check(name, student, **options):
    """:func:`rnnkit.checking.check` with the case file of ``name``'s notebook (tests do not run
    in the notebook's folder, where a student's kernel finds it)."""
    return checking.check(name, student, cases=casefiles.path_for(get_exercise(name).notebook), **options)


def solution_cells(source):
    """grade_id -> source of every code answer cell of the jupytext notebook at ``source``."""
    nb = jupytext.read(source, fmt="py:percent")
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


@functools.cache
def notebook_solutions(notebook):
    """``solution_cells`` of a source notebook, read once per test process (parsing is slow).

    An answer may call the notebook's earlier answers (the grader replays the whole notebook,
    so composition is fair): each answer comes with the answer cells before it, in notebook
    order, as the code to run for it.
    """
    return with_earlier_answers(solution_cells(source_path(notebook)))


def with_earlier_answers(cells):
    """grade_id -> the answer cells up to and including that one, joined (``cells`` in notebook order)."""
    names = list(cells)
    return {name: "\n\n".join(cells[n] for n in names[: i + 1]) for i, name in enumerate(names)}


def define(source, name):
    """Exec an answer cell as the grader would (only numpy and math available)."""
    namespace = {"np": np, "math": math}
    exec(compile(source, f"<{name} answer cell>", "exec"), namespace)
    return namespace[name]


def solution(ex):
    """The notebook's own answer to exercise ``ex``, defined as the grader would."""
    return define(notebook_solutions(ex.notebook)[ex.name], ex.name)
