"""A catalogue of typical wrong answers to the course's autograded exercises (issue 10).

Each entry is written as a student would write it from the notebook's statement and template (not
taken from an exercise's registered mistakes): the student's whole answer cell as source, what is
wrong with it in one line, and the words that any message naming that mistake would contain.

``keywords`` is a tuple of alternatives: a feedback message *names* the mistake when at least one
of them occurs in it (case-insensitive substring), see :meth:`Wrong.named_by`.

``catalogue()`` returns every entry of the nine notebook modules; ``load(wrong)`` runs an entry's
source as notebook code (``np`` and ``math`` available) and returns the function it defines.
"""

import dataclasses
import importlib
import linecache
import math
from pathlib import Path

import numpy

# One module per notebook, named after it: the list is the folder's.
NOTEBOOKS = tuple(sorted(p.stem for p in Path(__file__).parent.glob("[0-9][0-9]_*.py")))


@dataclasses.dataclass(frozen=True)
class Wrong:
    """One typical wrong answer to the exercise ``exercise`` (its Exercise.name)."""

    exercise: str  # the Exercise.name, also the function the source defines
    mistake: str  # what the student did wrong, one line
    source: str  # the student's whole answer cell (may define helpers too)
    keywords: tuple[str, ...]  # alternatives: a message names the mistake when it contains any one

    def __post_init__(self):
        if not self.keywords or isinstance(self.keywords, str):
            raise ValueError(f"{self.exercise}: keywords must be a non-empty tuple of alternatives")
        if not all(isinstance(k, str) and k.strip() for k in self.keywords):
            raise ValueError(f"{self.exercise}: every keyword must be a non-empty string")
        if f"def {self.exercise}(" not in self.source:
            raise ValueError(f"{self.exercise}: the source must define {self.exercise}()")

    def named_by(self, message: str) -> bool:
        """Whether ``message`` names this mistake: one of the keywords occurs in it (any case)."""
        text = message.lower()
        return any(k.lower() in text for k in self.keywords)


def catalogue() -> tuple[Wrong, ...]:
    """Every entry of the nine notebooks' modules, in notebook order."""
    entries = []
    for notebook in NOTEBOOKS:
        module = importlib.import_module(f"{__name__}.{notebook}")
        entries.extend(module.WRONG)
    return tuple(entries)


def load(wrong: Wrong):
    """Execute the entry's source as a notebook cell and return the function it defines.

    Like IPython, the source is registered with linecache, so a traceback shows its lines.
    """
    namespace = {"__name__": "__main__", "np": numpy, "math": math}
    filename = f"<wrong answer to {wrong.exercise}: {wrong.mistake}>"
    linecache.cache[filename] = (len(wrong.source), None, wrong.source.splitlines(True), filename)
    exec(compile(wrong.source, filename, "exec"), namespace)
    return namespace[wrong.exercise]
