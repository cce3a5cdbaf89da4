"""The registry of autograded exercises: one module per course notebook.

Module ``rnnkit.exercises.<slug>`` defines ``EXERCISES``, a tuple of
:class:`rnnkit.checking.Exercise`, for notebook ``NN_<slug>``. Importing the registry never
imports TensorFlow.
"""

import importlib

from rnnkit.checking import Exercise

NOTEBOOKS = (
    "01_sequential_data",
    "02_simple_rnn",
    "03_bptt",
    "04_architecture_zoo",
    "05_lstm",
    "06_gru",
    "07_sentiment",
    "08_text_generation",
    "09_forecasting",
)

_cache: dict[str, Exercise] | None = None


def all_exercises() -> dict[str, Exercise]:
    """Every exercise by name, in notebook order."""
    global _cache
    if _cache is None:
        found: dict[str, Exercise] = {}
        for notebook in NOTEBOOKS:
            try:
                module = importlib.import_module(f"rnnkit.exercises.{notebook[3:]}")
            except ModuleNotFoundError as err:
                if err.name != f"rnnkit.exercises.{notebook[3:]}":
                    raise
                continue
            for ex in module.EXERCISES:
                if ex.name in found:
                    raise ValueError(f"exercise name {ex.name!r} is defined twice")
                if ex.notebook != notebook:
                    raise ValueError(f"exercise {ex.name!r} says notebook {ex.notebook!r} but lives in {notebook}")
                found[ex.name] = ex
        _cache = found
    return _cache


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``; a clear error if there is none."""
    exercises = all_exercises()
    if name not in exercises:
        raise KeyError(f"no exercise called {name!r}; known: {', '.join(exercises) or 'none'}")
    return exercises[name]


def for_notebook(notebook: str) -> list[Exercise]:
    """The exercises of one notebook, in definition order."""
    return [ex for ex in all_exercises().values() if ex.notebook == notebook]
