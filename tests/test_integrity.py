"""Grade integrity: hostile submissions gain nothing, through `nbgrader autograde` itself.

A fixture course with one exercise is autograded with the course's nbgrader_config.py (sandboxed
kernel + isolated verdicts). Each hostile student passes the in-kernel test by tampering, and
must still score 0; the gradebook and other students' grades must not change.
"""

import hashlib
import json
import shutil
import sys

import nbformat
import numpy as np
import pytest

from course import cell_code, integrity, isolation
from course.config import course_config
from course.exercise import Exercise, Mistake, Out
from course.release import ensure_tools_on_path

pytestmark = pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed (apt-get install bubblewrap)")


def _definitions(text: str) -> dict:
    namespace = {}
    exec(compile(text, "exercises.py", "exec"), namespace)
    return namespace


# The fixture course's exercises file, as an author writes one (source/fx/exercises.py).
FX_EXERCISES = """
from course.exercise import Exercise, Mistake, Out


def _double(x):
    return 2.0 * x


EXERCISES = (Exercise(
    "fx_double", points=2,
    make_inputs=lambda rng, hidden: {"x": rng.normal(size=(int(rng.integers(2, 6)), 3))},
    reference=_double, outputs=(Out("y"),),
    mistakes=(Mistake("you added x to itself once too often", lambda x: 3.0 * x),
              Mistake("x came back unchanged: double it", lambda x: x)),
    forbidden=("keras",), demo_mistake=("2.0 * x", "3.0 * x"),
),)
"""
DOUBLE = _definitions(FX_EXERCISES)["EXERCISES"][0]

SETUP = "import numpy as np"
SOLUTION = "def fx_double(x):\n    ### BEGIN SOLUTION\n    return 2.0 * x\n    ### END SOLUTION"
TEST = "assert np.allclose(fx_double(np.arange(3.0)), [0.0, 2.0, 4.0]), 'fx_double is wrong'"

HOSTILE = {
    "always_equal": "class Anything:\n    def __eq__(self, other):\n        return True\n    def __array__(self, *a, **k):\n        return np.array([0.0, 2.0, 4.0])\n"
                    "def fx_double(x):\n    return Anything()",
    "patched_allclose": "np.allclose = lambda *a, **k: True\ndef fx_double(x):\n    return x",
    "input_transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: [l for l in lines if 'assert' not in l])\n"
                         "def fx_double(x):\n    return x",
    "ast_transformer": "import ast\nclass Swallow(ast.NodeTransformer):\n    def visit_Module(self, node):\n"
                       "        node.body = [ast.Try(body=node.body, handlers=[ast.ExceptHandler(type=None, name=None, body=[ast.Pass()])], orelse=[], finalbody=[])]\n"
                       "        return ast.fix_missing_locations(node)\nget_ipython().ast_transformers.append(Swallow())\n"
                       "def fx_double(x):\n    return x",
    "tamper_gradebook": "import glob, os\nfound = []\nfor path in ['../../../gradebook.db', '../../../source/fx/fx.ipynb', '/work', os.path.expanduser('~')]:\n"
                        "    try:\n        found.append((path, os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(10)))\n"
                        "    except Exception as err:\n        found.append((path, type(err).__name__))\n"
                        "    try:\n        open(path, 'ab').write(b'owned')\n    except Exception:\n        pass\nprint('ATTEMPTS', found)\n"
                        "np.allclose = lambda *a, **k: True\ndef fx_double(x):\n    return x",
    "env_detection": "import os\nGRADING = any(k.startswith(('NBGRADER', 'RNN_COURSE')) for k in os.environ)\nprint('GRADER SEEN' if GRADING else 'NO GRADER')\n"
                     "np.allclose = lambda *a, **k: True\ndef fx_double(x):\n    return x",
}


GOOD = "def fx_double(x):\n    return 2.0 * x"
WRONG = "def fx_double(x):\n    return x"


def _deleted_test(nb):
    del nb.cells[2]


def _retyped_test(nb):
    nb.cells[2] = nbformat.v4.new_markdown_cell("I deleted the test", metadata=nb.cells[2].metadata, id="c2")


def _renamed_test(nb):
    nb.cells[2].metadata["nbgrader"]["grade_id"] = "something_else"


def _duplicated_answer(nb):
    # a wrong answer cell claiming the grade id, followed by the right one
    nb.cells.insert(1, nbformat.v4.new_code_cell(WRONG, metadata=json.loads(json.dumps(nb.cells[1].metadata)), id="dup"))


REFUSED: dict[str, str] = {}  # students whose notebook nbgrader refused, with its log

# student -> (answer, edit of the notebook's structure, automatic score expected)
STRUCTURE = {
    "deleted_test": (GOOD, _deleted_test, 2.0),
    "retyped_test": (GOOD, _retyped_test, 2.0),
    "renamed_test": (WRONG, _renamed_test, 0.0),
    "duplicated_answer": (GOOD, _duplicated_answer, 0.0),
}


def _notebook(answer: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    meta = lambda **kw: {"nbgrader": {"schema_version": 3, "task": False, "locked": False, "grade": False, "solution": False, **kw}}
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP, metadata={}),
        nbformat.v4.new_code_cell(answer, metadata=meta(grade_id="fx_double", solution=True)),
        nbformat.v4.new_code_cell(TEST, metadata=meta(grade_id="fx_double_test", grade=True, locked=True, points=2)),
    ]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"c{i}"
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Autograde a good student and every hostile one; return (root, scores, canary digests)."""
    ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI

    root = tmp_path_factory.mktemp("course")
    (root / "source" / "fx").mkdir(parents=True)
    nbformat.write(_notebook(SOLUTION), root / "source" / "fx" / "fx.ipynb")
    students = {"good": SOLUTION.replace("### BEGIN SOLUTION\n    ", "").replace("\n    ### END SOLUTION", ""), **HOSTILE}
    for student, answer in students.items():
        (root / "submitted" / student / "fx").mkdir(parents=True)
        nbformat.write(_notebook(answer), root / "submitted" / student / "fx" / "fx.ipynb")
    for student, (answer, edit, _) in STRUCTURE.items():
        nb = _notebook(answer)
        edit(nb)
        (root / "submitted" / student / "fx").mkdir(parents=True)
        nbformat.write(nb, root / "submitted" / student / "fx" / "fx.ipynb")

    (root / "source" / "fx" / "exercises.py").write_text(FX_EXERCISES, encoding="utf-8")
    api = NbGraderAPI(config=course_config(root))
    assert api.generate_assignment("fx", force=True, create=True)["success"]
    result = api.autograde("fx", "good", force=True, create=True)
    assert result["success"], result["log"]
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    good_rows = _grades(root)["good"]
    canaries = {p: digest(p) for p in [root / "source" / "fx" / "fx.ipynb"]}
    for student in HOSTILE:
        result = api.autograde("fx", student, force=True, create=True)
        assert result["success"], f"{student}: {result['log']}"
    for student in STRUCTURE:
        result = api.autograde("fx", student, force=True, create=True)
        if not result["success"]:  # nbgrader refuses notebooks with corrupted metadata
            REFUSED[student] = result["log"]
    return root, _grades(root), good_rows, canaries, {p: digest(p) for p in canaries}


def _grades(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.id: {g.name: (g.auto_score, g.max_score) for sub in gb.find_student(s.id).submissions
                       for g in sub.notebooks[0].grades}
                for s in gb.students}


def test_good_student_gets_full_marks(graded):
    _, grades, _, _, _ = graded
    assert grades["good"]["fx_double_test"] == (2.0, 2.0)


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_student_scores_zero(graded, student):
    root, grades, _, _, _ = graded
    assert grades[student]["fx_double_test"][0] == 0, f"{student} gained marks with wrong code"
    feedback = nbformat.read(root / "autograded" / student / "fx" / "fx.ipynb", as_version=4)
    texts = "".join(o.get("text", "") for c in feedback.cells for o in c.get("outputs", []))
    assert "Isolated grader: failed" in texts


@pytest.mark.parametrize("student", sorted(STRUCTURE))
def test_tampered_cells_restored_or_zero(graded, student):
    _, grades, _, _, _ = graded
    expected = STRUCTURE[student][2]
    if student in REFUSED:
        # nothing recorded, and the refusal says why (course autograde then grades it from the
        # isolated verdict alone: see test_pipeline_crash.py)
        assert expected == 0 and "[ERROR]" in REFUSED[student]
        assert not grades.get(student, {}).get("fx_double_test", (0,))[0]
    else:
        assert grades[student]["fx_double_test"][0] == expected, grades[student]


def test_other_students_and_course_files_unchanged(graded):
    _, grades, good_before, before, after = graded
    assert grades["good"] == good_before
    assert before == after


def test_kernel_cannot_see_course_files_or_grader(graded):
    root, _, _, _, _ = graded
    nb = nbformat.read(root / "autograded" / "tamper_gradebook" / "fx" / "fx.ipynb", as_version=4)
    out = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "ATTEMPTS" in out
    assert "FileNotFoundError" in out and "SQLite" not in out and "'fx'" not in out
    nb = nbformat.read(root / "autograded" / "env_detection" / "fx" / "fx.ipynb", as_version=4)
    assert "NO GRADER" in "".join(o.get("text", "") for o in nb.cells[1].outputs)


def test_verdict_survives_deleted_test_cell(tmp_path):
    nb = _notebook("def fx_double(x):\n    return 2.0 * x")
    del nb.cells[2]
    nb.cells[1].metadata = {}  # the student also stripped the answer cell's metadata
    source, flags = cell_code.answer_source(nb, "fx_double")
    assert source is not None and "lost its nbgrader metadata" in flags[0]
    assert integrity.judge(DOUBLE, source).score == 2


@pytest.mark.parametrize("answer, fragment", [
    ("def fx_double(x):\n    while True:\n        pass", "time limit"),
    ("import os\nos._exit(0)", "ended or stalled"),
    ("import ctypes\nctypes.string_at(0)", "ended or stalled"),
    ("import os\nwhile True:\n    os.fork()", "BlockingIOError|ended or stalled"),
    ("x = bytearray(10**11)\ndef fx_double(x):\n    return 2.0 * x", "MemoryError"),
    ("import sys\nwhile True:\n    sys.stdout.write('x' * 100000)", "File too large|ended or stalled"),
    ("def fx_double(x):\n    from rnnkit.cells import rnn_step\n    return 2.0 * x", "imports rnnkit"),
    ("def fx_double(x):\n    return __import__('rnn' + 'kit').x", "No module named 'rnnkit'"),
    ("def fx_double(x):\n    return 3.0 * x", "once too often"),
    ("def fx_double(x):\n    return (2.0 * x).tolist()", "should be a numpy array"),
    ("def fx_double(x):\n    return np.array([object()])", "dtype object"),
    ("def fx_double(x)\n    return x", "syntax error"),
])
def test_hostile_answers_are_bounded_and_explained(answer, fragment):
    limits = isolation.Limits(cpu_seconds=5, wall_seconds=8, memory_bytes=2 * 2**30, file_bytes=2**20)
    verdict = integrity.judge(DOUBLE, answer, limits=limits)
    assert verdict.score == 0
    assert any(part in verdict.message for part in fragment.split("|")), verdict.message


# --- the same attacks against a real course notebook and its real `check(...)` test cells ---

WRONG_STEP = "def rnn_step_forward(x, h_prev, U, W, b):\n    return np.tanh(x @ U + h_prev @ W.T + b)\n"
REAL_ATTACKS = {
    # rebinds the test cell's `check` (rnnkit's own check function) to a no-op
    "patched_check": "check = lambda *args, **kwargs: None\n" + WRONG_STEP,
    # patches the comparison inside rnnkit.checking, np.testing and a builtin
    "patched_internals": "import builtins, rnnkit.checking\nrnnkit.checking.verify = lambda *a, **k: None\n"
                         "np.testing.assert_allclose = lambda *a, **k: None\nbuiltins.abs = lambda x: 0 * x\n" + WRONG_STEP,
    # a numpy.py beside the notebook (see NUMPY_SHADOW) plus wrong code
    "numpy_shadow": WRONG_STEP,
}
NUMPY_SHADOW = ("import os, sys\nhere = os.path.dirname(os.path.abspath(__file__))\n"
                "sys.path[:] = [p for p in sys.path if os.path.abspath(p or '.') != here]\ndel sys.modules['numpy']\n"
                "import numpy as _real\n_real.allclose = lambda *a, **k: True\nsys.modules['numpy'] = _real\n")


@pytest.fixture(scope="module")
def graded_real(tmp_path_factory):
    """Autograde notebook 02 for a student with the model answers and for each attack."""
    ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI

    from course.sources import REPO

    root = tmp_path_factory.mktemp("course02")
    shutil.copytree(REPO / "source" / "02_simple_rnn", root / "source" / "02_simple_rnn",
                    ignore=shutil.ignore_patterns("02_simple_rnn.py"))  # the jupytext source, not exercises.py
    release = nbformat.read(REPO / "release" / "02_simple_rnn" / "02_simple_rnn.ipynb", as_version=4)
    source = nbformat.read(REPO / "source" / "02_simple_rnn" / "02_simple_rnn.ipynb", as_version=4)
    model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
             if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    for student, step_answer in {"model": None, **REAL_ATTACKS}.items():
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in model:
                cell.source = step_answer if (grade_id == "rnn_step_forward" and step_answer) else model[grade_id]
        folder = root / "submitted" / student / "02_simple_rnn"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "02_simple_rnn.ipynb")
        if student == "numpy_shadow":
            (folder / "numpy.py").write_text(NUMPY_SHADOW)
    api = NbGraderAPI(config=course_config(root))
    assert api.generate_assignment("02_simple_rnn", force=True, create=True)["success"]
    for student in ("model", *REAL_ATTACKS):
        result = api.autograde("02_simple_rnn", student, force=True, create=True)
        assert result["success"], result["log"]
    return root, _grades(root)


def test_model_answers_get_full_marks_in_real_notebook(graded_real):
    _, grades = graded_real
    automatic = {k: v for k, v in grades["model"].items() if k.endswith("_test")}
    assert len(automatic) == 5 and all(score == top for score, top in automatic.values()), automatic
    assert grades["model"]["rnn_step_forward_test"] == (2.0, 2.0)


@pytest.mark.parametrize("student", sorted(REAL_ATTACKS))
def test_attacks_on_real_checks_score_zero(graded_real, student):
    root, grades = graded_real
    assert grades[student]["rnn_step_forward_test"][0] == 0, f"{student} gained marks with a transposed W"
    # the other exercises were answered correctly and keep their marks
    assert grades[student]["rnn_forward_test"] == grades["model"]["rnn_forward_test"]
    nb = nbformat.read(root / "autograded" / student / "02_simple_rnn" / "02_simple_rnn.ipynb", as_version=4)
    texts = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Isolated grader: failed (0/2 points)." in texts
