"""Find the course's exercises: ``source/NN_slug/exercises.py`` beside each source notebook.

The notebooks are the folders of ``source/`` (:func:`course.sources.assignments`), so there is
one list of them; a notebook without an ``exercises.py`` has no autograded functions (lint
says so if it has answer cells). The files are read by path, never installed: nbgrader's
release skips ``*.py``, so no student gets them. Importing them never imports TensorFlow.
"""

import dataclasses
import importlib.util
import sys
from pathlib import Path

from course import sources
from course.exercise import Exercise

EXERCISES_FILE = "exercises.py"


def module_name(assignment: str) -> str:
    """The name an assignment's exercises module is imported under (``course_exercises_02_simple_rnn``)."""
    return f"course_exercises_{assignment}"


def load(assignment: str, source: Path = sources.SOURCE):
    """The exercises module of ``assignment`` (imported once per path), or None if it has none."""
    path = Path(source).resolve() / assignment / EXERCISES_FILE
    if not path.is_file():
        return None
    name = module_name(assignment)
    module = sys.modules.get(name)
    if module is not None and Path(module.__file__).resolve() == path:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: dataclasses and pickling look it up
    try:
        spec.loader.exec_module(module)
        module.EXERCISES = placed(getattr(module, "EXERCISES", None), assignment)
    except BaseException:  # a file that fails to load must not stay half-registered
        del sys.modules[name]
        raise
    return module


def placed(exercises, assignment: str) -> tuple[Exercise, ...]:
    """``exercises`` (a file's EXERCISES) with each one's ``notebook`` set to ``assignment``,
    the folder it lives in; an exercise that names another notebook is an error."""
    if not isinstance(exercises, tuple):
        raise ValueError(f"{assignment}/{EXERCISES_FILE} must define EXERCISES, a tuple of course.exercise.Exercise")
    for ex in exercises:
        if not isinstance(ex, Exercise):
            raise ValueError(f"{assignment}/{EXERCISES_FILE}: EXERCISES holds {type(ex).__name__}, not Exercise")
        if ex.notebook not in (None, assignment):
            raise ValueError(f"exercise {ex.name!r} says notebook {ex.notebook!r} but lives in {assignment}")
    return tuple(dataclasses.replace(ex, notebook=assignment) for ex in exercises)


def for_notebook(assignment: str, source: Path = sources.SOURCE) -> list[Exercise]:
    """The exercises of one notebook, in definition order (empty if it has none)."""
    module = load(assignment, source)
    return list(module.EXERCISES) if module else []


def all_exercises(source: Path = sources.SOURCE) -> dict[str, Exercise]:
    """Every exercise of the course by name, in notebook order."""
    found: dict[str, Exercise] = {}
    for assignment in sources.assignments(source):
        for ex in for_notebook(assignment, source):
            if ex.name in found:
                raise ValueError(f"exercise name {ex.name!r} is defined twice ({found[ex.name].notebook}, {assignment})")
            found[ex.name] = ex
    return found


def get_exercise(name: str, source: Path = sources.SOURCE) -> Exercise:
    """The exercise called ``name``; a clear error if there is none."""
    exercises = all_exercises(source)
    if name not in exercises:
        raise KeyError(f"no exercise called {name!r}; known: {', '.join(exercises) or 'none'}")
    return exercises[name]
