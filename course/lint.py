"""Check the source notebooks before anything is generated from them.

Rules (each problem is reported as ``<notebook>: <what is wrong>``):

- grade ids are unique in the course;
- every code answer cell contains ``### BEGIN SOLUTION`` / ``### END SOLUTION`` and is followed
  directly by its test cell ``<name>_test`` with points (and those points equal
  ``Exercise.points`` of the notebook's ``exercises.py``);
- every exercise in ``exercises.py`` has an answer cell, and every answer whose test cell calls
  ``check(...)`` has an exercise;
- hidden tests only in test cells; solution markers only in answer cells;
- no solution leaks: no significant line of an answer appears in a markdown cell;
- each notebook has at least one written (manually graded) question;
- each notebook's intro ends with a ``**Time.**`` line stating its core time (and its optional
  part's) in minutes, which README's table of notebooks adds up (:func:`course.table.time_budget`).

(The README's table of notebooks is not checked here: ``course build`` writes it, see
:mod:`course.table`.)
"""

import re
from pathlib import Path

from course import notebooks as nbs
from course import registry, sources, table

def lint_notebook(assignment: str, nb, registered: dict | None = None) -> list[str]:
    """Problems of one source notebook (an nbformat notebook with solutions).

    registered: the notebook's exercises by name (``course.registry.for_notebook``).
    """
    problems = []
    cells = nbs.nbgrader_cells(nb)
    say = problems.append
    by_index = {c.index: c for c in cells}
    registered = registered or {}
    answers = [c for c in cells if c.solution and c.cell_type == "code"]
    for answer in answers:
        if nbs.SOLUTION_BEGIN not in answer.source or nbs.SOLUTION_END not in answer.source:
            say(f"answer cell {answer.grade_id!r} has no ### BEGIN SOLUTION / ### END SOLUTION region")
        following = next((i for i in range(answer.index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code"), None)
        test = by_index.get(following)
        if test is None or test.grade_id != f"{answer.grade_id}_test" or not test.grade:
            say(f"answer cell {answer.grade_id!r} is not followed by its test cell {answer.grade_id + '_test'!r}")
        elif test.points <= 0:
            say(f"test cell {test.grade_id!r} has no points")
        elif answer.grade_id not in registered and f"check({answer.grade_id!r}" in test.source.replace('"', "'"):
            say(f"test cell {test.grade_id!r} calls check() but {registry.EXERCISES_FILE} defines no Exercise "
                f"{answer.grade_id!r}")
        elif answer.grade_id in registered and registered[answer.grade_id].points != test.points:
            say(f"test cell {test.grade_id!r} gives {test.points:g} points but Exercise "
                f"{answer.grade_id!r} says {registered[answer.grade_id].points}")
    for name in sorted(set(registered) - {a.grade_id for a in answers}):
        say(f"exercise {name!r} is defined in {registry.EXERCISES_FILE} but the notebook has no answer cell for it")
    for index, cell in enumerate(nb.cells):
        meta = by_index.get(index)
        if nbs.HIDDEN_BEGIN in cell.source and not (meta and meta.grade and cell.cell_type == "code"):
            say(f"cell {index + 1} has hidden tests but is not a test cell")
        if nbs.SOLUTION_BEGIN in cell.source and not (meta and meta.solution):
            say(f"cell {index + 1} has solution markers but is not an answer cell")
    secret = set()
    for answer in answers:
        secret.update(nbs.significant(nbs.region(answer.source, nbs.SOLUTION_BEGIN, nbs.SOLUTION_END)))
    for index, cell in enumerate(nb.cells):
        meta = by_index.get(index)
        if cell.cell_type != "markdown" or (meta and meta.solution):
            continue
        text = nbs.normalise_space(cell.source)
        for line in sorted(secret):
            if line in text:
                say(f"markdown cell {index + 1} shows solution code: {line!r}")
    if not any(c.cell_type == "markdown" and c.grade and c.solution for c in cells):
        say("no written question (a markdown answer cell with grade: true and points)")
    return problems


def lint(source: Path = sources.SOURCE) -> list[str]:
    """Every problem in the course's source notebooks (empty list: all good)."""
    problems = []
    seen: dict[str, str] = {}
    for assignment in sources.assignments(source):
        py_path = Path(source) / assignment / f"{assignment}.py"
        try:
            nb = sources.to_notebook(py_path)
        except Exception as err:  # jupytext/nbformat/metadata errors: report them, check the rest
            problems.append(f"{assignment}: cannot be read: {err}")
            continue
        try:
            exercises = {ex.name: ex for ex in registry.for_notebook(assignment, source)}
        except Exception as err:  # an exercises.py that does not import: report it, check the rest
            problems.append(f"{assignment}: {registry.EXERCISES_FILE} cannot be loaded: {type(err).__name__}: {err}")
            exercises = {}
        problems += [f"{assignment}: {p}" for p in lint_notebook(assignment, nb, exercises)]
        try:
            table.time_budget(nb)
        except ValueError as err:
            problems.append(f"{assignment}: {py_path}: {err}")
        for cell in nbs.nbgrader_cells(nb):
            if cell.grade_id in seen:
                problems.append(f"{assignment}: grade id {cell.grade_id!r} is also used in {seen[cell.grade_id]}")
            seen[cell.grade_id] = assignment
    return problems
