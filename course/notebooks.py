"""Read the nbgrader structure of a course notebook: its graded cells, exercises and title."""

import dataclasses
import re

import nbformat

SOLUTION_BEGIN, SOLUTION_END = "BEGIN SOLUTION", "END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


@dataclasses.dataclass(frozen=True)
class Cell:
    """One cell with nbgrader metadata (index: position in the notebook)."""

    index: int
    cell_type: str
    grade_id: str
    solution: bool
    grade: bool
    points: float
    source: str


def read(path) -> nbformat.NotebookNode:
    """A notebook from disk (nbformat 4)."""
    return nbformat.read(str(path), as_version=4)


def nbgrader_cells(nb) -> list[Cell]:
    """The cells that carry nbgrader metadata, in notebook order."""
    cells = []
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta or "grade_id" not in meta:
            continue
        cells.append(Cell(index, cell.cell_type, meta["grade_id"], bool(meta.get("solution")),
                          bool(meta.get("grade")), float(meta.get("points", 0) or 0), cell.source))
    return cells


def graded_items(nb) -> list[Cell]:
    """Cells that earn points: test cells (code) and written answers (markdown)."""
    return [c for c in nbgrader_cells(nb) if c.grade]


def exercises(nb) -> list[tuple[Cell, Cell | None]]:
    """Each autograded exercise as (answer cell, its ``<name>_test`` cell or None)."""
    cells = nbgrader_cells(nb)
    tests = {c.grade_id: c for c in cells if c.grade and c.cell_type == "code"}
    return [(c, tests.get(f"{c.grade_id}_test")) for c in cells if c.solution and c.cell_type == "code"]


def points(nb) -> tuple[float, float]:
    """(automatic points, manual points): code test cells vs written answers."""
    items = graded_items(nb)
    auto = sum(c.points for c in items if c.cell_type == "code")
    return auto, sum(c.points for c in items) - auto


def title(nb) -> str:
    """The notebook's title: its first markdown heading without the ``N.`` number."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = re.match(r"^#\s+(?:\d+\.\s*)?(.+?)\s*$", line)
                if match:
                    return match.group(1)
    return ""


def region(source: str, begin: str, end: str) -> list[str]:
    """The lines strictly between ``begin``/``end`` marker lines (all such regions)."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def strip_markers(source: str) -> str:
    """A solution cell as a student would write it: the solution markers removed."""
    return "\n".join(line for line in source.splitlines()
                     if SOLUTION_BEGIN not in line and SOLUTION_END not in line)


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace, so that re-wrapped text still matches."""
    return " ".join(text.split())


def significant(lines: list[str], min_chars: int = 16) -> list[str]:
    """Lines long and specific enough that finding them elsewhere means they were copied.

    Skips short lines (``return h``), comments and lines made only of brackets.
    """
    keep = []
    for line in lines:
        text = normalise_space(line)
        if len(text.replace(" ", "")) < min_chars or text.startswith("#"):
            continue
        keep.append(text)
    return keep
