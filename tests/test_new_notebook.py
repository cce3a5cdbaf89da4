"""A new notebook is two hand-written files: its source and its exercises. Everything else
(the nbgrader notebook, the visible cases, the release) comes from `course build`, and the
grader finds the exercises beside the notebook.

The test writes a one-exercise notebook into a temporary course, builds it, checks it the way a
student does (Validate, in the release folder) and grades a small class with it.
"""

import shutil
import textwrap

import nbformat
import pytest

from course import autograde, build, casefiles, isolation, lint
from rnnkit import wire

NB = "01_tiny"
SOURCE = textwrap.dedent('''\
    # ---
    # jupyter:
    #   jupytext:
    #     text_representation:
    #       extension: .py
    #       format_name: percent
    # ---

    # %% [markdown]
    # # 1. Tiny
    # One exercise and one question.
    #
    # **Time.** Core: about 10 minutes. Nothing in this notebook is optional.

    # %%
    import numpy as np

    from rnnkit.checking import check

    # %% [markdown]
    # ## 1.1 Add a bias
    # Return `x + b` for `x (B, H)` and `b (H,)`.

    # %% nbgrader={"solution": true, "grade_id": "add_bias"}
    def add_bias(x, b):
        """x (B, H), b (H,) -> (B, H)."""
        ### BEGIN SOLUTION
        return x + b
        ### END SOLUTION

    # %% nbgrader={"grade": true, "grade_id": "add_bias_test", "points": 2}
    check("add_bias", add_bias)
    ### BEGIN HIDDEN TESTS
    check("add_bias", add_bias, hidden=True)
    ### END HIDDEN TESTS

    # %% [markdown]
    # ## 1.2 Question
    # Why does every row get the same bias?

    # %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_bias", "points": 1}
    # The bias belongs to a unit, not to an example.
    ''')
EXERCISES = textwrap.dedent('''\
    """The exercise of notebook 01_tiny."""

    from course.exercise import Exercise, Mistake, Out


    def _inputs(rng, hidden):
        batch, hidden_units = (int(rng.integers(4, 8)), int(rng.integers(5, 9))) if hidden else (2, 3)
        return {"x": rng.normal(size=(batch, hidden_units)), "b": rng.normal(size=(hidden_units,))}


    EXERCISES = (Exercise(
        "add_bias", points=2, make_inputs=_inputs,
        reference=lambda x, b: x + b, outputs=(Out("y", doc="(batch, hidden)"),),
        mistakes=(Mistake("you subtracted b: add it.", lambda x, b: x - b),
                  Mistake("b is missing.", lambda x, b: x)),
        forbidden=("keras",), demo_mistake=("return x + b", "return x - b"),
    ),)
    ''')


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_course")
    folder = root / "source" / NB
    folder.mkdir(parents=True)
    (folder / f"{NB}.py").write_text(SOURCE, encoding="utf-8")
    (folder / "exercises.py").write_text(EXERCISES, encoding="utf-8")
    assert build.build(source=root / "source", release_dir=root / "release", readme=None, say=lambda *a, **k: None)
    return root


def _student(course, answer: str):
    nb = nbformat.read(course / "release" / NB / f"{NB}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add_bias":
            cell.source = f"def add_bias(x, b):\n    return {answer}\n"
    return nb


def test_build_makes_everything_else(course):
    release = course / "release" / NB
    assert sorted(p.name for p in (course / "source" / NB).iterdir() if p.is_file()) == [
        f"{NB}.checks.npz", f"{NB}.ipynb", f"{NB}.py", "exercises.py"]
    assert sorted(p.name for p in release.iterdir()) == [f"{NB}.checks.npz", f"{NB}.ipynb"]
    text = (release / f"{NB}.ipynb").read_text()
    assert "hidden=True" not in text and "return x + b" not in text
    # the case file is data: the small case, the hidden-sized one, each mistake's outputs
    cases = wire.load(release / f"{NB}.checks.npz")["exercises"]["add_bias"]["cases"]
    assert [c["inputs"]["x"].shape for c in cases][0] == (2, 3) and cases[1]["at_hidden_size"]
    assert [m for m, _ in cases[0]["mistakes"]] == ["you subtracted b: add it.", "b is missing."]
    assert build.build(check=True, source=course / "source", release_dir=course / "release", readme=None,
                       say=lambda *a, **k: None)


def test_validate_in_the_release_folder_names_the_mistake(course, validate, tmp_path):
    folder = tmp_path / NB
    shutil.copytree(course / "release" / NB, folder)
    for answer, expected in (("x + b", None), ("x - b", "you subtracted b: add it.")):
        nbformat.write(_student(course, answer), folder / f"{NB}.ipynb")
        failed = [f for f in validate(folder / f"{NB}.ipynb").get("failed", [])
                  if f["raw_error"] != "You did not provide a response."]
        if expected is None:
            assert failed == []
        else:
            assert len(failed) == 1 and expected in failed[0]["error"], failed


def test_lint_wants_an_exercise_for_every_checked_answer(course, tmp_path):
    shutil.copytree(course / "source", tmp_path / "source")
    (tmp_path / "source" / NB / "exercises.py").unlink()
    assert any("calls check() but exercises.py defines no Exercise 'add_bias'" in p
               for p in lint.lint(tmp_path / "source"))
    # and grading refuses the stale case file instead of letting check() pass vacuously
    with pytest.raises(RuntimeError, match="out of date"):
        autograde.autograde(tmp_path / "class", tmp_path / "out", source=tmp_path / "source", show_progress=False,
                            sandbox=isolation.bwrap_works())


@pytest.mark.skipif(not isolation.bwrap_works(), reason="bubblewrap cannot start here (apt-get install bubblewrap)")
def test_the_grader_finds_the_exercises_beside_the_notebook(course, tmp_path):
    students = {"right": "x + b", "wrong": "x - b", "right_no_cases": "b + x", "wrong_forged_cases": "x - b"}
    for student, answer in students.items():
        folder = tmp_path / "class" / student / NB
        folder.mkdir(parents=True)
        nbformat.write(_student(course, answer), folder / f"{NB}.ipynb")
        if student != "right_no_cases":
            shutil.copy(course / "release" / NB / f"{NB}.checks.npz", folder)
    # a case file whose expected outputs are the wrong answer's: the in-kernel check passes
    forged = tmp_path / "class" / "wrong_forged_cases" / NB / f"{NB}.checks.npz"
    data = wire.load(forged)
    for case in data["exercises"]["add_bias"]["cases"]:
        case["expected"] = [case["inputs"]["x"] - case["inputs"]["b"]]
    wire.save(forged, data)
    result = autograde.autograde(tmp_path / "class", tmp_path / "out", jobs=2, timeout=30,
                                 source=course / "source", show_progress=False)
    auto = {row["student"]: float(row["auto_score"]) for row in result.grades}
    assert auto == {"right": 2.0, "right_no_cases": 2.0, "wrong": 0.0, "wrong_forged_cases": 0.0}, result.summary
    feedback = (tmp_path / "out" / "feedback" / "wrong" / NB / f"{NB}.html").read_text()
    assert "you subtracted b: add it." in feedback
    # the grader ran the release's case file, whatever the student sent
    assert (casefiles.path_for(NB, tmp_path / "out" / "autograded" / "right_no_cases").read_bytes()
            == casefiles.path_for(NB, course / "release").read_bytes())
