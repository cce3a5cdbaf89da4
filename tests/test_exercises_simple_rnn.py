"""The autograded exercises of notebook 02_simple_rnn: reference, mistakes, notebook solution,
demo mistake and delegation, each judged by the same ``check`` students run."""

import copy
import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import jupytext
import numpy as np
import pytest

from rnnkit import bptt, cells
from rnnkit.checking import CheckFailed, call_student, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, simple_rnn
import exercise_support
from exercise_support import define, run_check

NOTEBOOK = "02_simple_rnn"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in simple_rnn.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in simple_rnn.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in simple_rnn.EXERCISES]
    for ex in simple_rnn.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in simple_rnn.EXERCISES:
        assert graded[f"{ex.name}_test"] == ex.points
    assert set(solution_cells()) == set(NAMES)
    assert any(k.startswith("q_") for k in graded), "a manually graded written question"


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_hidden_checks(name):
    ex = dataclasses.replace(EXERCISES[name], forbidden=())  # the reference IS the library
    for seed in SEEDS:
        run_check(ex, ex.reference, seed)
        run_check(ex, ex.reference, seed, hidden=False)


@pytest.mark.parametrize("name,index", MISTAKES)
def test_each_mistake_is_recognised_by_its_own_message(name, index):
    mistake = EXERCISES[name].mistakes[index]
    for seed in SEEDS[:3]:
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        assert mistake.message in str(err.value)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, mistake.fn)  # the visible check already names it


@pytest.mark.parametrize("name", NAMES)
def test_notebook_solution_passes(name, capsys):
    fn = define(solution_cells()[name], name)
    check(name, fn)
    assert "Well done" in capsys.readouterr().out
    for seed in SEEDS:
        check(name, fn, hidden=True, seed=seed)


@pytest.mark.parametrize("name", NAMES)
def test_demo_mistake_fails_the_visible_check(name):
    old, new = EXERCISES[name].demo_mistake
    source = solution_cells()[name]
    assert source.count(old) == 1, f"demo text {old!r} must occur once in the solution"
    fn = define(source.replace(old, new), name)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, fn)
    with pytest.raises(CheckFailed):
        check(name, fn, hidden=True, seed=0)


def _p(U, W, b):
    return {"U": U, "W": W, "b": b}


DELEGATING = {
    "rnn_step_forward": lambda x, h_prev, U, W, b: cells.rnn_step(x, h_prev, _p(U, W, b))[0],
    "rnn_forward": lambda xs, h0, U, W, b: bptt.forward("rnn", xs, _p(U, W, b), h0=h0)[0],
    "softmax_head": lambda hs, V, c: bptt.softmax(hs @ V + c),
    "total_cross_entropy": lambda probs, labels: tuple(bptt.softmax_cross_entropy(np.log(probs), labels)[:2]),
    "stacked_rnn_forward": lambda xs, U1, W1, b1, U2, W2, b2: (
        bptt.forward("rnn", xs, _p(U1, W1, b1))[0],
        bptt.forward("rnn", bptt.forward("rnn", xs, _p(U1, W1, b1))[0], _p(U2, W2, b2))[0]),
}


@pytest.mark.parametrize("name", NAMES)
def test_delegating_to_the_reference_scores_zero(name):
    with pytest.raises(CheckFailed, match="delegates to the reference scores 0"):
        check(name, DELEGATING[name])


def test_time_major_stacking_is_named():
    """A message students need often: the course stacks states batch-major."""
    ex = EXERCISES["rnn_forward"]
    inputs, _ = make_case(ex, np.random.default_rng(5), True)
    time_major = ex.mistakes[4].fn(**copy.deepcopy(inputs))
    assert time_major.shape[0] == inputs["xs"].shape[1]
    with pytest.raises(CheckFailed, match="batch-major"):
        check("rnn_forward", lambda **kw: ex.mistakes[4].fn(**kw), hidden=True, seed=5)


def test_softmax_without_max_subtraction_is_caught():
    def naive(hs, V, c):
        e = np.exp(hs @ V + c)
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(CheckFailed, match="NaN or infinity"):
        check("softmax_head", naive)


def test_hidden_shapes_vary_and_expose_transposes():
    seen = set()
    for seed in range(20):
        inputs = EXERCISES["rnn_forward"].make_inputs(np.random.default_rng(seed), True)
        B, T, D = inputs["xs"].shape
        H = inputs["W"].shape[0]
        assert len({B, T, D, H}) == 4 and min(B, T, D, H) >= 2
        seen.add((B, T, D, H))
    assert len(seen) > 10


def test_exercise_modules_do_not_import_tensorflow():
    code = "import sys, rnnkit.exercises.simple_rnn; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
