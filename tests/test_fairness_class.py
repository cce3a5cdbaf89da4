"""An honest class with unusual but correct habits, graded end to end: nobody loses a point.

Each student starts from the model answers of notebooks 01 and 02 (01 is numpy only; 02 is
where composition matters) and changes one ordinary habit. ``python -m course autograde``
grades them in the bubblewrap sandbox, and every student must get exactly the model answer's
automatic points. The notebooks are built here, from the source notebooks, so the habits
follow the notebooks when they change.
"""

import ast
import copy
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest

from course import autograde, isolation

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("01_sequential_data", "02_simple_rnn")
pytestmark = pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")


def _code(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.id = uuid.uuid4().hex[:8]
    return cell


def _answer_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def _params(source: str, name: str) -> list[str]:
    fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name)
    return [a.arg for a in fn.args.args]


def helpers_in_own_cell(nb):
    """The body lives in a helper defined in a cell the student added above the answer."""
    for cell in _answer_cells(nb):
        name = cell.metadata["nbgrader"]["grade_id"]
        args = ", ".join(_params(cell.source, name))
        helper = _code(cell.source.replace(f"def {name}(", f"def _my_{name}(", 1))
        nb.cells.insert(nb.cells.index(cell), helper)
        cell.source = f"def {name}({args}):\n    return _my_{name}({args})\n"


def time_magic(nb):
    for cell in _answer_cells(nb):
        cell.source = "%%time\n" + cell.source


def debug_print_of_earlier_variable(nb):
    # A name every notebook binds early: the numpy module, printed the way students do.
    for cell in _answer_cells(nb):
        cell.source += "\nprint('debug:', np.__name__, np.zeros(2))\n"


def numpy_imported_inside(nb):
    for cell in _answer_cells(nb):
        name = cell.metadata["nbgrader"]["grade_id"]
        head, rest = cell.source.split(":\n", 1) if f"def {name}(" in cell.source.split("\n")[0] else (None, None)
        if head is not None:
            cell.source = head + ":\n    import numpy as np\n" + rest


def renamed_parameters(nb):
    """The student renames every parameter (the checks call by position)."""
    for cell in _answer_cells(nb):
        name = cell.metadata["nbgrader"]["grade_id"]
        params = _params(cell.source, name)
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, ast.arg) and node.arg in params:
                node.arg = f"my_{node.arg}"
            elif isinstance(node, ast.Name) and node.id in params:
                node.id = f"my_{node.id}"
        cell.source = ast.unparse(tree)


def markdown_and_magics_added(nb):
    first = nb.cells.index(_answer_cells(nb)[0])
    nb.cells.insert(first, nbformat.v4.new_markdown_cell("My notes: shapes first, then the maths."))
    nb.cells.insert(first, _code("%matplotlib inline\n%load_ext autoreload\n!echo hello from a shell escape"))


def out_of_order_history(nb):
    """Saved with stale outputs and execution counts from running cells out of order."""
    for n, cell in enumerate(reversed([c for c in nb.cells if c.cell_type == "code"])):
        cell.execution_count = n + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale output\n")]


def pasted_draft_above_answer(nb):
    """A pasted copy of the answer cell (nbgrader metadata and all) holds an earlier draft."""
    for cell in _answer_cells(nb):
        draft = copy.deepcopy(cell)
        draft.id = uuid.uuid4().hex[:8]
        name = cell.metadata["nbgrader"]["grade_id"]
        draft.source = f"def {name}(*args):\n    return None  # first try, replaced below\n"
        nb.cells.insert(nb.cells.index(cell), draft)


def composition(nb):
    """cs231n's way: the sequence calls the student's own step, the stack calls the sequence."""
    for cell in _answer_cells(nb):
        name = cell.metadata["nbgrader"]["grade_id"]
        if name == "rnn_forward":
            cell.source = ("def rnn_forward(xs, h0, U, W, b):\n    hs, h = [], h0\n"
                           "    for t in range(xs.shape[1]):\n        h = rnn_step_forward(xs[:, t], h, U, W, b)\n"
                           "        hs.append(h)\n    return np.stack(hs, axis=1)\n")
        elif name == "stacked_rnn_forward":
            cell.source = ("def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):\n"
                           "    hs1 = rnn_forward(xs, np.zeros((xs.shape[0], W1.shape[0])), U1, W1, b1)\n"
                           "    hs2 = rnn_forward(hs1, np.zeros((xs.shape[0], W2.shape[0])), U2, W2, b2)\n"
                           "    return hs1, hs2\n")


HABITS = {f.__name__: f for f in (helpers_in_own_cell, time_magic, debug_print_of_earlier_variable,
                                  numpy_imported_inside, renamed_parameters, markdown_and_magics_added,
                                  out_of_order_history, pasted_draft_above_answer, composition)}
STUDENTS = {"model": None, **HABITS}


def _model_notebook(name: str):
    """The release notebook with the source notebook's model answers in its answer cells."""
    model = {c.metadata["nbgrader"]["grade_id"]: c.source
             for c in _answer_cells(nbformat.read(REPO / "source" / name / f"{name}.ipynb", as_version=4))}
    nb = nbformat.read(REPO / "release" / name / f"{name}.ipynb", as_version=4)
    for cell in _answer_cells(nb):
        if cell.cell_type == "code":
            cell.source = model[cell.metadata["nbgrader"]["grade_id"]]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("honest_class")
    for name in NOTEBOOKS:
        shutil.copytree(REPO / "source" / name, root / "source" / name)
        for student, habit in STUDENTS.items():
            nb = _model_notebook(name)
            if habit:
                habit(nb)
            (root / "class" / student / name).mkdir(parents=True)
            nbformat.write(nb, root / "class" / student / name / f"{name}.ipynb")
    return autograde.autograde(root / "class", root / "out", jobs=2, timeout=60, source=root / "source",
                               show_progress=False)


PENDING = {"pasted_draft_above_answer": "nbgrader rejects duplicated grade ids; the repair before grading "
                                       "(branch wip/repair) has not landed yet"}


@pytest.mark.parametrize("student", [pytest.param(h, marks=pytest.mark.xfail(reason=PENDING[h], strict=False))
                                     if h in PENDING else h for h in sorted(HABITS)])
def test_each_habit_keeps_every_point(graded, student):
    scores = {(g["student"], g["assignment"]): g["auto_score"] for g in graded.grades}
    for name in NOTEBOOKS:
        model = scores[("model", name)]
        assert model == graded_max(graded, name), f"the model answer itself lost points on {name}"
        assert scores[(student, name)] == model, (
            f"{student} on {name}: {scores[(student, name)]} automatic points, the model answer has {model}\n"
            + "\n".join(f"{d['grade_id']}: {d['score']}/{d['max_score']}" for d in graded.items
                        if d["student"] == student and d["assignment"] == name and d["score"] != d["max_score"]))


def graded_max(result, assignment: str) -> float:
    return next(g["max_auto_score"] for g in result.grades if g["assignment"] == assignment)


def test_the_run_says_it_used_the_sandbox(graded):
    assert graded.summary.startswith("sandbox: on")
    assert all(g["sandbox"] == "on" for g in graded.grades)
