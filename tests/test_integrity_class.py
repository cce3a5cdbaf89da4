"""A whole hostile class, graded twice: once with one worker, once with two, from scratch.

Notebook 01 (numpy only, so each submission grades in seconds) is submitted by a student with
the model answers and by students who forge, loop, exhaust memory, fork, kill their kernel,
flood the output or tamper with the course. Both runs must give every student the same item
scores and status, the expected totals, and keep the grader's own memory bounded.
"""

import copy
import csv
import io
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from course import autograde, isolation

REPO = Path(__file__).resolve().parent.parent
NB = "01_sequential_data"
FULL = 7  # ngram_counts 2 + ngram_log_likelihood 3 + naive_forecast 2
pytestmark = pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")

WRONG_NAIVE = "def naive_forecast(X, horizon, period):\n    return np.zeros((X.shape[0], horizon))\n"
FORGERY = ("import numpy.testing, builtins\nnp.allclose = lambda *a, **k: True\n"
           "numpy.testing.assert_allclose = lambda *a, **k: None\ncheck = lambda *a, **k: None\n")

# student -> {grade_id: how the model answer is replaced (a function of it)}, expected total
CLASS = {
    "model": ({}, FULL),
    "forger": ({"naive_forecast": lambda a: FORGERY + WRONG_NAIVE}, FULL - 2),
    "always_equal": ({"ngram_counts": lambda a: "class Anything:\n    def __eq__(self, other):\n        return True\n"
                                                "def ngram_counts(text, k, alphabet):\n    return Anything()\n"}, FULL - 2),
    "endless": ({"naive_forecast": lambda a: "def naive_forecast(X, horizon, period):\n    while True:\n        pass\n"},
                FULL - 2),
    "memory_bomb": ({"naive_forecast": lambda a: "_hog = bytearray(64 * 2**30)\n" + a}, FULL - 2),
    "fork_bomb": ({"naive_forecast": lambda a: "import os\ndef naive_forecast(X, horizon, period):\n"
                                               "    while True:\n        os.fork()\n"}, FULL - 2),
    "kernel_killer": ({"naive_forecast": lambda a: "import os\nos._exit(1)\n" + a}, FULL - 2),
    # 20 MB of output before a correct answer: bounded by the output limits, costs no marks
    "flood": ({"ngram_counts": lambda a: "print('x' * (20 * 2**20))\n" + a}, FULL),
    "tamper": ({"ngram_counts": lambda a: "import glob\nfor p in glob.glob('../../../**/*', recursive=True)[:200]:\n"
                                          "    try:\n        open(p, 'ab').write(b'owned')\n    except Exception:\n"
                                          "        pass\n" + a}, FULL),
    # Bookkeeping games (course/repair.py restores the release's grading metadata):
    "point_inflater": ({}, FULL),  # edits points to 100 and adds a graded cell of its own
    "wrong_answer_pasted_last": ({"naive_forecast": lambda a: WRONG_NAIVE}, FULL - 2),  # right copy above
    "test_cell_retyped": ({"naive_forecast": lambda a: WRONG_NAIVE}, FULL - 2),  # its test cell is markdown
}


def _inflate_points(nb, model):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("points"):
            cell.metadata["nbgrader"]["points"] = 100
    bonus = nbformat.v4.new_code_cell("print('all good')")
    bonus.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": False, "grade_id": "bonus",
                                  "points": 50, "schema_version": 3}
    nb.cells.append(bonus)


def _paste_right_answer_above(nb, model):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "naive_forecast")
    right = copy.deepcopy(cell)
    right.id, right.source = "pasted0", model["naive_forecast"]
    nb.cells.insert(nb.cells.index(cell), right)


def _retype_test_cell(nb, model):
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "naive_forecast_test")
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


# student -> a change to the whole notebook, after CLASS's answer edits
NOTEBOOK_EDITS = {"point_inflater": _inflate_points, "wrong_answer_pasted_last": _paste_right_answer_above,
                  "test_cell_retyped": _retype_test_cell}


def _make_class(dest: Path) -> None:
    model_nb = nbformat.read(REPO / "source" / NB / f"{NB}.ipynb", as_version=4)
    model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in model_nb.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    for student, (edits, _) in CLASS.items():
        nb = nbformat.read(REPO / "release" / NB / f"{NB}.ipynb", as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in model:
                cell.source = edits.get(grade_id, lambda a: a)(model[grade_id])
        NOTEBOOK_EDITS.get(student, lambda nb, model: None)(nb, model)
        (dest / student / NB).mkdir(parents=True)
        nbformat.write(nb, dest / student / NB / f"{NB}.ipynb")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_class")
    shutil.copytree(REPO / "source" / NB, root / "source" / NB)
    _make_class(root / "class")
    runs = {}
    for jobs in (1, 2):
        runs[jobs] = autograde.autograde(root / "class", root / f"out{jobs}", jobs=jobs, timeout=10,
                                         source=root / "source", show_progress=False)
    return root, runs


def _items(result) -> dict:
    return {(d["student"], d["grade_id"]): d["score"] for d in result.items}


def _rows(result) -> dict:
    return {g["student"]: (g["status"], g["auto_score"]) for g in result.grades}


def test_serial_and_parallel_runs_give_identical_scores(two_runs):
    _, runs = two_runs
    assert _items(runs[1]) == _items(runs[2])
    assert {s: st for s, (st, _) in _rows(runs[1]).items()} == {s: st for s, (st, _) in _rows(runs[2]).items()}


@pytest.mark.parametrize("student", sorted(CLASS))
def test_each_student_gets_exactly_the_earned_points(two_runs, student):
    _, runs = two_runs
    for jobs, result in runs.items():
        status, score = _rows(result)[student]
        assert score == CLASS[student][1], f"{student} with --jobs {jobs}: {score} points, status {status}"
        row = next(g for g in result.grades if g["student"] == student)
        assert row["max_auto_score"] == FULL, f"{student} changed what the notebook is worth"
        if student in NOTEBOOK_EDITS:  # graded in full, and shown to the instructor
            assert status == "repaired", (student, status, row["message"])


def test_csv_exports_are_identical(two_runs):
    root, _ = two_runs
    read = lambda j, name: (root / f"out{j}" / name).read_text()
    assert read(1, "grades_items.csv") == read(2, "grades_items.csv")
    # grades.csv's message column quotes log lines (paths, timings) that differ between runs.
    rows = lambda j: [r for r in csv.DictReader(io.StringIO(read(j, "grades.csv"))) if r.pop("message") or True]
    assert rows(1) == rows(2)


def test_course_files_survive_the_tamperer(two_runs):
    root, _ = two_runs
    for path in (root / "source" / NB).rglob("*"):
        if path.is_file():
            assert b"owned" not in path.read_bytes()[-16:], path
    for out in ("out1", "out2"):
        for path in (root / out).rglob("*"):
            if path.is_file() and path.suffix in (".db", ".csv", ".ipynb", ".json"):
                assert not path.read_bytes().endswith(b"owned"), path


def test_grader_memory_stays_bounded(two_runs):
    """A 20 MB output, a memory bomb and a fork bomb must not inflate the grading processes:
    kernels and isolated runs are capped on their own, so the grader needs well under 1 GiB."""
    _, runs = two_runs
    for jobs, result in runs.items():
        assert 0 < result.memory["worker"] < 1024, (jobs, result.memory)
        assert "memory: this process peaked at" in result.summary
    print(json.dumps({j: r.memory for j, r in runs.items()}))
