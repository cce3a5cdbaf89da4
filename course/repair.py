"""Mend a submission's nbgrader bookkeeping before nbgrader sees it, so honest work is graded.

Jupyter keeps a cell's metadata when it is copied, so a pasted answer cell carries the same
grade id as the original; a student can also change a cell's type or delete a test cell. nbgrader
then stops the whole notebook ("Duplicate grade id", or a misleading "old version of the
metadata format": its own de-duplication leaves an empty ``nbgrader`` dict, which its schema
check reads as version 0). None of this is the student's maths, so before grading:

- of cells sharing a grade id, the last keeps it (the last definition is what the student's
  kernel ran) and the others become ordinary cells, kept where they are;
- a cell whose grade id the assignment does not know loses its grading metadata;
- every graded cell gets the release's nbgrader metadata and cell type back (points, flags,
  schema), so nothing a student edits there counts;
- a graded cell the student deleted is put back from the release, after the graded cell that
  precedes it there.

The student's own cells stay in their order. Each change is described in a note for the
instructor; the original submission is never modified (the worker repairs its own copy).
"""

import copy

import nbformat
from nbgrader import utils


def _graded(cell) -> bool:
    """Whether nbgrader tracks this cell by its grade id (grade, solution or locked)."""
    return "nbgrader" in cell.metadata and (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell))


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id") if _graded(cell) else None


def strip_duplicates(nb) -> list[str]:
    """Keep a grade id on its last cell only; return one note per demoted copy. Mutates ``nb``."""
    notes, seen = [], set()
    for index in range(len(nb.cells) - 1, -1, -1):
        cell = nb.cells[index]
        grade_id = _grade_id(cell)
        if grade_id is None:
            continue
        if grade_id in seen:
            del cell.metadata["nbgrader"]  # an empty dict would read as an outdated schema
            notes.append(f"cell {index + 1} was a copy of cell '{grade_id}' (pasted?); the last copy "
                         "was graded, this one ran as an ordinary cell")
        seen.add(grade_id)
    return notes[::-1]


def repair(nb, release) -> list[str]:
    """Mend ``nb`` (a student's notebook) against ``release`` (the notebook handed out).

    Both are nbformat v4 notebooks; ``nb`` is changed in place. Returns notes for the
    instructor, empty when nothing needed mending.
    """
    canonical = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    notes = strip_duplicates(nb)
    for index, cell in enumerate(nb.cells):
        grade_id = _grade_id(cell)
        if grade_id is None:
            if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"]:
                del cell.metadata["nbgrader"]
            continue
        if grade_id not in canonical:
            del cell.metadata["nbgrader"]
            notes.append(f"cell {index + 1} had grade id '{grade_id}', which this assignment does not have; "
                         "it ran as an ordinary cell")
            continue
        model = canonical[grade_id]
        if cell.cell_type != model.cell_type:
            notes.append(f"cell '{grade_id}' had been turned into a {cell.cell_type} cell; it was graded as "
                         f"the {model.cell_type} cell it is")
            nb.cells[index] = cell = _retyped(cell, model.cell_type)
        cell.metadata["nbgrader"] = copy.deepcopy(model.metadata["nbgrader"])
    present = {_grade_id(c) for c in nb.cells}
    for position, model in enumerate(release.cells):
        grade_id = _grade_id(model)
        if grade_id is None or grade_id in present:
            continue
        anchor = next((_grade_id(c) for c in reversed(release.cells[:position]) if _grade_id(c) in present), None)
        where = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == anchor) + 1 if anchor else 0
        restored = copy.deepcopy(model)
        if nb.nbformat_minor < 5:
            restored.pop("id", None)  # cell ids exist from nbformat 4.5 on
        nb.cells.insert(where, restored)
        present.add(grade_id)
        notes.append(f"cell '{grade_id}' had been deleted; it was put back from the release")
    return notes


def _retyped(cell, cell_type: str):
    """``cell`` as a cell of ``cell_type``, with its source, id and metadata."""
    new = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
        cell_type, nbformat.v4.new_raw_cell)()
    new.source, new.metadata = cell.source, cell.metadata
    if "id" in cell:
        new.id = cell.id
    return new


def repair_file(path, release_path) -> list[str]:
    """Repair the notebook at ``path`` in place against ``release_path``; return the notes."""
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    notes = repair(nb, nbformat.read(release_path, as_version=4))
    if nbformat.writes(nb) != before:  # restored metadata alone leaves no note but must be saved
        nbformat.write(nb, path)
    return notes
