"""A catalogue of typical wrong answers to the course's autograded exercises (issue 10).

Each entry is written as a student would get the exercise wrong from the notebook's statement
and template (not taken from an exercise's registered mistakes), with what is wrong in one line
and the words that any message naming that mistake would contain. The entries are data, one
TOML file per notebook named after it (``[[wrong]]`` tables), and the wrong answer is given one
of two ways:

- ``[[wrong.edit]]`` tables (``old``, ``new``): the notebook's model answer with a few lines
  changed, the way most wrong answers come about. An old block may span several code lines
  (comments, blank lines and the docstring of the model are not counted), a new block may be
  several lines (indented relative to the least indented line it replaces) or empty (the lines
  deleted). Each old block must match exactly one place of the model answer, so an edit that no
  longer fits the notebook fails loudly.
- ``source``: the student's whole answer cell, for answers built differently from the model.

``keywords`` is a list of alternatives: a feedback message *names* the mistake when at least one
of them occurs in it (case-insensitive substring), see :meth:`Wrong.named_by`.

``catalogue()`` returns every entry with its source resolved; ``load(wrong)`` runs an entry's
source as notebook code (``np`` and ``math`` available) and returns the function it defines.
"""

import dataclasses
import functools
import importlib
import linecache
import math
import re
import tomllib
from pathlib import Path

import nbformat
import numpy

from course.cell_code import answer_source
from course.sources import SOURCE

# One module per notebook, named after it: the list is the folder's.
HERE = Path(__file__).parent
NOTEBOOKS = tuple(sorted(p.stem for p in HERE.glob("[0-9][0-9]_*.toml")))
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


@dataclasses.dataclass(frozen=True)
class Wrong:
    """One typical wrong answer to the exercise ``exercise`` (its Exercise.name)."""

    exercise: str  # the Exercise.name, also the function the source defines
    notebook: str  # the notebook whose file holds the entry
    mistake: str  # what the student did wrong, one line
    keywords: tuple[str, ...]  # alternatives: a message names the mistake when it contains any one
    source: str = ""  # the student's whole answer cell (may define helpers too); catalogue() fills it ...
    edits: tuple[tuple[str, str], ...] = ()  # ... from these (old, new) blocks if given

    def __post_init__(self):
        if not self.keywords or isinstance(self.keywords, str):
            raise ValueError(f"{self.exercise}: keywords must be a non-empty tuple of alternatives")
        if not all(isinstance(k, str) and k.strip() for k in self.keywords):
            raise ValueError(f"{self.exercise}: every keyword must be a non-empty string")
        if not (self.source or self.edits):
            raise ValueError(f"{self.exercise} ({self.mistake}): give its source or the edits of the model answer")
        if self.source and f"def {self.exercise}(" not in self.source:
            raise ValueError(f"{self.exercise}: the source must define {self.exercise}()")

    def named_by(self, message: str) -> bool:
        """Whether ``message`` names this mistake: one of the keywords occurs in it (any case)."""
        text = message.lower()
        return any(k.lower() in text for k in self.keywords)


def catalogue() -> tuple[Wrong, ...]:
    """Every entry of the notebooks' files, in notebook order, each with its whole source."""
    entries = []
    for notebook in NOTEBOOKS:
        path = HERE / f"{notebook}.toml"
        try:
            tables = tomllib.loads(path.read_text(encoding="utf-8"))["wrong"]
        except (tomllib.TOMLDecodeError, KeyError) as err:
            raise ValueError(f"{path.name}: not a catalogue of [[wrong]] tables ({err})") from None
        for table in tables:
            edits = tuple((edit["old"], edit["new"]) for edit in table.pop("edit", ()))
            try:
                wrong = Wrong(**{**table, "keywords": tuple(table.get("keywords", ()))}, notebook=notebook, edits=edits)
            except TypeError as err:  # a misspelt field
                raise ValueError(f"{path.name}: {table.get('mistake', table)}: {err}") from None
            if edits:
                wrong = dataclasses.replace(wrong, source=edited(model_answer(wrong), wrong))
            entries.append(wrong)
    return tuple(entries)


def model_answer(wrong: Wrong) -> str:
    """The source notebook's answer cell for the entry's exercise as a student would submit it (no markers)."""
    return _model_answer(wrong.notebook, wrong.exercise)


@functools.cache
def _model_answer(notebook: str, exercise: str) -> str:
    nb = nbformat.read(SOURCE / notebook / f"{notebook}.ipynb", as_version=4)
    source, _ = answer_source(nb, exercise)
    if source is None:
        raise LookupError(f"{notebook}.toml: the notebook has no answer cell for {exercise}")
    return "".join(line for line in source.splitlines(True) if line.strip() not in _MARKERS)


def _code_lines(lines: list[str]) -> list[int]:
    """Indices of the lines that are code: not blank, not a comment, not inside a docstring."""
    indices, in_docstring = [], False
    for index, line in enumerate(lines):
        if '"""' in line:
            in_docstring ^= line.count('"""') == 1
        elif not in_docstring and _bare(line):
            indices.append(index)
    return indices


def _bare(line: str) -> str:
    """A line without indentation or a trailing comment (one with no quote in it)."""
    return re.sub(r"\s+#[^\"']*$", "", line).strip() if not line.lstrip().startswith("#") else ""


def edited(model: str, wrong: Wrong) -> str:
    """``model`` with ``wrong.edits`` applied, each old block matched on code lines alone."""
    lines = model.splitlines()
    for old, new in wrong.edits:
        olds = [_bare(line) for line in old.splitlines()]
        code = _code_lines(lines)
        runs = [code[k:k + len(olds)] for k in range(len(code) - len(olds) + 1)
                if [_bare(lines[i]) for i in code[k:k + len(olds)]] == olds]
        if len(runs) != 1:
            raise ValueError(f"{wrong.exercise} ({wrong.mistake}): the edit {old!r} matches {len(runs)} places "
                             f"of the model answer, not one; update the catalogue entry")
        first, last = runs[0][0], runs[0][-1]
        # The new block's indentation is relative to the least indented line it replaces.
        indent = min((lines[i][: len(lines[i]) - len(lines[i].lstrip())] for i in runs[0]), key=len)
        lines[first:last + 1] = [indent + line if line.strip() else "" for line in new.splitlines()]
    return "\n".join(lines) + "\n"


def load(wrong: Wrong):
    """Execute the entry's source as a notebook cell and return the function it defines.

    Like IPython, the source is registered with linecache, so a traceback shows its lines.
    """
    namespace = {"__name__": "__main__", "np": numpy, "math": math}
    filename = f"<wrong answer to {wrong.exercise}: {wrong.mistake}>"
    linecache.cache[filename] = (len(wrong.source), None, wrong.source.splitlines(True), filename)
    exec(compile(wrong.source, filename, "exec"), namespace)
    return namespace[wrong.exercise]
