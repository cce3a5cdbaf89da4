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

from course import autograde, casefiles, isolation

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = ("01_sequential_data", "02_simple_rnn")
pytestmark = pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")


def _code(source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.id = uuid.uuid4().hex[:8]
    return cell


def _solution_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def _answer_cells(nb):
    return [c for c in _solution_cells(nb) if c.cell_type == "code"]


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


def _test_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]


def pasted_test_cell(nb):
    """A copy of each test cell (nbgrader metadata and all) pasted below it, to run it again."""
    for cell in _test_cells(nb):
        again = copy.deepcopy(cell)
        again.id = uuid.uuid4().hex[:8]
        nb.cells.insert(nb.cells.index(cell) + 1, again)


def deleted_test_cells(nb):
    """Every test cell deleted (the grader's own tests replace them anyway)."""
    for cell in _test_cells(nb):
        nb.cells.remove(cell)


def float32_throughout(nb):
    """Computes in float32, as Keras does: float64 arrays are cast on the way in, in a helper cell."""
    first = nb.cells.index(_answer_cells(nb)[0])
    nb.cells.insert(first, _code("def _as32(a):\n"
                                 "    return a.astype(np.float32) if getattr(a, 'dtype', None) == np.float64 else a\n"))
    for cell in _answer_cells(nb):
        name = cell.metadata["nbgrader"]["grade_id"]
        params = _params(cell.source, name)
        nb.cells.insert(nb.cells.index(cell), _code(cell.source.replace(f"def {name}(", f"def _my_{name}(", 1)))
        cast = ", ".join(f"_as32({p})" for p in params)
        cell.source = f"def {name}({', '.join(params)}):\n    return _my_{name}({cast})\n"


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


def leans_on_the_library(nb):
    """Not honest: rnn_step_forward hands the maths to rnnkit from a cell of the student's own."""
    for cell in _answer_cells(nb):
        if cell.metadata["nbgrader"]["grade_id"] == "rnn_step_forward":
            nb.cells.insert(nb.cells.index(cell), _code("from rnnkit import cells"))
            cell.source = ("def rnn_step_forward(x, h_prev, U, W, b):\n"
                           "    return cells.rnn_step(x, h_prev, {'U': U, 'W': W, 'b': b})[0]\n")


HABITS = {f.__name__: f for f in (helpers_in_own_cell, time_magic, debug_print_of_earlier_variable,
                                  numpy_imported_inside, renamed_parameters, markdown_and_magics_added,
                                  out_of_order_history, pasted_draft_above_answer, pasted_test_cell,
                                  deleted_test_cells, float32_throughout, composition)}
STUDENTS = {"model": None, **HABITS, "leans_on_the_library": leans_on_the_library}
LOST = {("leans_on_the_library", "02_simple_rnn"): {"rnn_step_forward_test"}}  # what each student should lose


@pytest.fixture(scope="module")
def graded(tmp_path_factory, model_notebook):
    root = tmp_path_factory.mktemp("honest_class")
    for name in NOTEBOOKS:
        shutil.copytree(REPO / "source" / name, root / "source" / name)
        for student, habit in STUDENTS.items():
            nb = model_notebook(name, written=True)
            if habit:
                habit(nb)
            (root / "class" / student / name).mkdir(parents=True)
            nbformat.write(nb, root / "class" / student / name / f"{name}.ipynb")
            shutil.copy(casefiles.path_for(name, REPO / "release"), root / "class" / student / name)
    result = autograde.autograde(root / "class", root / "out", jobs=2, timeout=60, source=root / "source",
                                 show_progress=False)
    return result, root


@pytest.mark.parametrize("student", sorted(HABITS))
def test_each_habit_keeps_every_point(graded, student):
    graded, _ = graded
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
    graded, _ = graded
    assert graded.summary.startswith("sandbox: on")
    assert all(g["sandbox"] == "on" for g in graded.grades)


def test_leaning_on_the_library_gains_nothing(graded):
    graded, _ = graded
    for (student, name), lost in LOST.items():
        assert _lost(graded, student, name) == lost, (student, name)


def _lost(graded, student: str, name: str) -> set[str]:
    """The automatically graded items on which ``student`` did not get full points."""
    return {d["grade_id"] for d in graded.items if d["student"] == student and d["assignment"] == name
            and d["kind"] == "code" and d["score"] != d["max_score"]}


# Validate runs the notebook in the student's own kernel; for an honest student it must agree
# with the grade (everything passes), and for the one leaning on rnnkit it must fail that test.
VALIDATED = [(s, NOTEBOOKS[0]) for s in STUDENTS] + [(s, NOTEBOOKS[1]) for s in
             ("model", "composition", "renamed_parameters", "helpers_in_own_cell", "float32_throughout",
              "pasted_draft_above_answer", "leans_on_the_library")]


@pytest.mark.parametrize("student, name", VALIDATED)
def test_validate_agrees_with_the_grade(graded, validate, student, name):
    graded, root = graded
    results = validate(root / "class" / student / name / f"{name}.ipynb")
    failed = results.get("failed", [])
    failed_text = "\n".join(f.get("raw_error", "") for f in failed)
    wrong = _lost(graded, student, name)
    assert set(results) <= {"failed"}, results  # no changed or retyped cells either
    assert len(failed) == len(wrong), (wrong, failed_text)
    for grade_id in wrong:  # the same tests, not just as many
        assert any(f'"{grade_id.removesuffix("_test")}"' in f["source"] for f in failed), (grade_id, failed_text)
    if wrong:
        assert "rnnkit" in failed_text and "numpy" in failed_text, failed_text
