"""The autograded exercises of notebook 03_bptt: reference, mistakes, notebook solution,
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
from rnnkit.exercises import bptt as bptt_ex
from rnnkit.exercises import for_notebook
import exercise_support
from exercise_support import define, run_check

NOTEBOOK = "03_bptt"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in bptt_ex.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in bptt_ex.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in bptt_ex.EXERCISES]
    for ex in bptt_ex.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in bptt_ex.EXERCISES:
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
    failed = 0
    for seed in range(8):
        try:
            check(name, mistake.fn, hidden=True, seed=seed)
        except CheckFailed as err:
            assert mistake.message in str(err), str(err)
            failed += 1
    # "rescaled although below max_norm" only shows in hidden cases that do not clip
    assert failed >= 6


@pytest.mark.parametrize("name,index", [m for m in MISTAKES if m != ("clip_grads", 4)])
def test_the_visible_check_names_the_mistake(name, index):
    mistake = EXERCISES[name].mistakes[index]
    with pytest.raises(CheckFailed) as err:
        check(name, mistake.fn)
    assert mistake.message in str(err.value)


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


def _recovered(x, h_prev, h, U, W):
    return {"U": U, "W": W, "b": np.arctanh(h[0]) - x[0] @ U - h_prev[0] @ W}


def _step_delegate(dh, x, h_prev, h, U, W):
    _, cache = cells.rnn_step(x, h_prev, _recovered(x, h_prev, h, U, W))
    dx, dh_prev, g = cells.rnn_step_backward(dh, cache)
    return dx, dh_prev, g["U"], g["W"], g["b"]


def _sequence_delegate(dhs, xs, h0, hs, U, W):
    _, cache = bptt.forward("rnn", xs, _recovered(xs[:, 0], h0, hs[:, 0], U, W), h0=h0)
    dxs, dh0, _, g = bptt.backward(dhs, cache)
    return dxs, dh0, g["U"], g["W"], g["b"]


def _clip_delegate(dU, dW, db, max_norm):
    clipped, _ = bptt.clip_by_global_norm({"U": dU, "W": dW, "b": db}, max_norm)
    return clipped["U"], clipped["W"], clipped["b"]


def _norms_delegate(dhs, xs, h0, U, W, b):
    _, cache = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b}, h0=h0)
    return bptt.grad_norms(dhs, cache)


def _truncated_delegate(dhs, xs, h0, hs, U, W):
    _, cache = bptt.forward("rnn", xs, _recovered(xs[:, 0], h0, hs[:, 0], U, W), h0=h0)
    dxs, dh0, _, g = bptt.truncated_backward(dhs, cache, xs.shape[1])
    return dxs, dh0, g["U"], g["W"], g["b"]


DELEGATING = {
    "rnn_step_backward": _step_delegate,
    "rnn_backward": _sequence_delegate,
    "clip_grads": _clip_delegate,
    "grad_norms_through_time": _norms_delegate,
}


@pytest.mark.parametrize("name", NAMES)
def test_delegating_to_the_reference_scores_zero(name):
    with pytest.raises(CheckFailed, match="delegates to the reference scores 0"):
        check(name, DELEGATING[name])


def test_truncated_backward_with_k_equal_t_is_also_delegation():
    with pytest.raises(CheckFailed, match="rnnkit.bptt.truncated_backward"):
        check("rnn_backward", _truncated_delegate)


def test_clip_grads_hidden_cases_cover_both_regimes():
    ex = EXERCISES["clip_grads"]
    clipped = set()
    rng = np.random.default_rng(0)
    for _ in range(40):
        inputs = ex.make_inputs(rng, True)
        norm = math.sqrt(sum(float(np.sum(inputs[k] ** 2)) for k in ("dU", "dW", "db")))
        clipped.add(norm > inputs["max_norm"])
    assert clipped == {True, False}
    visible = ex.make_inputs(np.random.default_rng(1), False)
    assert math.sqrt(sum(float(np.sum(visible[k] ** 2)) for k in ("dU", "dW", "db"))) > visible["max_norm"]


def test_reference_recovers_the_forward_pass_exactly():
    """The step/sequence references rebuild b from h; their h must be the inputs' h."""
    for name in ("rnn_step_backward", "rnn_backward"):
        ex = EXERCISES[name]
        for seed in range(5):
            inputs = ex.make_inputs(np.random.default_rng(seed), True)
            bad = copy.deepcopy(inputs)
            key = "h" if name == "rnn_step_backward" else "hs"
            bad[key][-1] *= 0.5  # no bias reproduces this: the reference must refuse it
            with pytest.raises(ValueError, match="not the forward pass"):
                ex.reference(**bad)


def test_reference_accepts_every_drawn_case():
    """Hidden checks draw fresh seeds, so the bias recovery must hold on thousands of draws,
    not just on the few a notebook run happens to see (a saturated first example once lost
    eight digits and failed a correct submission)."""
    for name in ("rnn_step_backward", "rnn_backward"):
        ex = EXERCISES[name]
        rng = np.random.default_rng(2026)
        for _ in range(3000):
            ex.reference(**ex.make_inputs(rng, True))


def test_bias_recovery_survives_a_saturated_first_example():
    ex = EXERCISES["rnn_backward"]
    inputs = ex.make_inputs(np.random.default_rng(3), True)
    xs, U = inputs["xs"], inputs["U"]
    # Push example 0, step 0 deep into saturation by scaling its input; recompute the forward.
    xs[0, 0] *= 40.0
    B, T, _ = xs.shape
    rng = np.random.default_rng(4)
    b = rng.normal(0.0, 0.3, size=U.shape[1])
    h = inputs["h0"]
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ inputs["W"] + b)
        inputs["hs"][:, t] = h
    assert np.abs(inputs["hs"][0, 0]).max() > 0.999999
    ex.reference(**inputs)


def test_grad_norms_exercise_uses_the_frobenius_norm_of_the_total_gradient():
    ex = EXERCISES["grad_norms_through_time"]
    inputs = ex.make_inputs(np.random.default_rng(3), True)
    dhs = np.zeros_like(inputs["dhs"])
    dhs[:, -1] = inputs["dhs"][:, -1]
    inputs["dhs"] = dhs
    norms = ex.reference(**inputs)
    assert np.isclose(norms[-1], np.linalg.norm(dhs[:, -1]))


def test_exercise_modules_do_not_import_tensorflow():
    code = "import sys, rnnkit.exercises.bptt; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
