"""The hidden tests in the instructor's own kernel: ``check(name, fn, hidden=True)``.

:func:`rnnkit.checking.check` comes here through the entry point ``rnnkit.hidden_checks`` (see
pyproject.toml) where the course's grader is installed, so the source notebooks run their
hidden tests under nbval. A student's rnnkit has no such entry point, and the grading sandbox
mounts no course code: there the hidden tests are :mod:`course.integrity`'s, on inputs drawn
afresh for every submission, with the same cases and verdicts as here.
"""

import secrets
from typing import Callable

import numpy as np

from course.exercise import Exercise, describe_hidden_case, hidden_cases, verify
from course.registry import get_exercise
from rnnkit.checking import CheckFailed, call_student, normalise


def check(name: str, student: Callable, *, seed: int | None = None) -> None:
    """The hidden tests of exercise ``name`` on ``student``: fresh inputs unless ``seed`` is given."""
    run(get_exercise(name), student, seed=seed)


def run(ex: Exercise, student: Callable, *, seed: int | None = None) -> None:
    """The hidden tests of ``ex`` (any Exercise, e.g. one with ``forbidden`` changed) on ``student``."""
    rng = np.random.default_rng(secrets.randbits(63) if seed is None else seed)
    for index, (inputs, expected) in enumerate(hidden_cases(ex, rng)):
        try:
            verify(ex, inputs, normalise(ex.spec, call_student(ex.spec, student, inputs)), expected, student)
        except CheckFailed as failure:
            raise CheckFailed(f"{failure} {describe_hidden_case(ex, index, inputs)}") from None
