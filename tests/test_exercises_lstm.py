"""Exercises of notebook 05_lstm: references, mistakes, notebook solutions, cheating."""

import copy
import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

from rnnkit import cells, gradcheck
from rnnkit.checking import CheckFailed, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, lstm

NOTEBOOK = "05_lstm"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
EXERCISES = {ex.name: ex for ex in lstm.EXERCISES}
SEEDS = (0, 1, 7)
# keras_lstm_weights' reference goes through rnnkit.keras_bridge, which imports TensorFlow.
NEEDS_KERAS = {"keras_lstm_weights"}


def needs(name):
    if name in NEEDS_KERAS:
        pytest.importorskip("keras")


def answer_cell(name):
    """Source of the notebook's answer cell for exercise ``name`` (grade_id == name)."""
    found = [c for c in jupytext.read(SOURCE, fmt="py:percent").cells
             if c.metadata.get("nbgrader", {}).get("grade_id") == name]
    assert len(found) == 1, f"expected one answer cell {name!r}, found {len(found)}"
    return found[0].source


def define(source, name):
    """Execute an answer cell as the grader does (numpy and math only) and return ``name``."""
    namespace = {"np": np, "math": math}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)
    return namespace[name]


def test_registry_lists_this_notebook():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == list(EXERCISES)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", EXERCISES)
def test_reference_passes_hidden(name, seed):
    """What check(hidden=True) does, minus the delegation guard (the reference *is* rnnkit)."""
    needs(name)
    ex = EXERCISES[name]
    rng = np.random.default_rng(seed)
    for _ in range(ex.trials_hidden):
        inputs, expected = make_case(ex, rng, hidden=True)
        got = normalise(ex, ex.reference(**copy.deepcopy(inputs)))
        verify(ex, inputs, got, expected)


@pytest.mark.parametrize(
    "name, index",
    [(name, i) for name, ex in EXERCISES.items() for i in range(len(ex.mistakes))],
)
def test_each_mistake_fails_with_its_own_message(name, index):
    needs(name)
    mistake = EXERCISES[name].mistakes[index]
    for seed in (0, 1):
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        assert mistake.message in str(err.value)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, mistake.fn)  # the visible check catches it too


@pytest.mark.parametrize("name", EXERCISES)
def test_notebook_solution_passes(name):
    needs(name)
    student = define(answer_cell(name), name)
    check(name, student)
    for seed in SEEDS:
        check(name, student, hidden=True, seed=seed)


@pytest.mark.parametrize("name", EXERCISES)
def test_demo_mistake_fails_with_a_named_mistake(name):
    needs(name)
    ex = EXERCISES[name]
    old, new = ex.demo_mistake
    source = answer_cell(name)
    assert source.count(old) == 1, f"demo_mistake text {old!r} must occur once in the solution"
    student = define(source.replace(old, new), name)
    for hidden in (False, True):  # the instructor demo relies on the visible check failing too
        with pytest.raises(CheckFailed) as err:
            check(name, student, hidden=hidden, seed=None if not hidden else 0)
        assert any(m.message in str(err.value) for m in ex.mistakes), str(err.value)


def _delegating_forward(x, h_prev, c_prev, p):
    h, c, _ = cells.lstm_step(x, h_prev, c_prev, p)
    return h, c


def _delegating_backward(dh, dc, x, h_prev, c_prev, p):
    _, _, cache = cells.lstm_step(x, h_prev, c_prev, p)
    dx, dh_prev, dc_prev, g = cells.lstm_step_backward(dh, dc, cache)
    stack = [np.concatenate([g[f"{m}_{k}"] for k in "figo"], axis=1) for m in "UW"]
    return dx, dh_prev, dc_prev, *stack, np.concatenate([g[f"b_{k}"] for k in "figo"])


@pytest.mark.parametrize(
    "name, student, called",
    [
        ("lstm_step_forward", _delegating_forward, "rnnkit.cells.lstm_step"),
        ("peephole_lstm_step", _delegating_forward, "rnnkit.cells.lstm_step"),
        ("lstm_step_backward", _delegating_backward, "rnnkit.cells.lstm_step"),
    ],
)
def test_delegating_to_rnnkit_scores_zero(name, student, called):
    with pytest.raises(CheckFailed, match=f"calls {called}.*scores 0"):
        check(name, student)


def test_delegating_to_the_keras_bridge_scores_zero():
    keras_bridge = pytest.importorskip("rnnkit.keras_bridge")

    def student(p):
        return tuple(keras_bridge.to_keras_weights("lstm", p))

    with pytest.raises(CheckFailed, match="calls rnnkit.keras_bridge.to_keras_weights.*scores 0"):
        check("keras_lstm_weights", student)


def test_keras_layout_matches_a_keras_lstm():
    """The exercise's layout is Keras' own: a Keras LSTM holding it computes rnnkit's step."""
    keras = pytest.importorskip("keras")
    inputs = lstm._step_inputs(np.random.default_rng(5), hidden=False)
    x, h0, c0, p = inputs["x"], inputs["h_prev"], inputs["c_prev"], inputs["p"]
    layer = keras.layers.LSTM(h0.shape[1], return_state=True, dtype="float64")
    layer.build((None, 1, x.shape[1]))
    layer.set_weights(list(EXERCISES["keras_lstm_weights"].reference(p)))
    _, h, c = layer(x[:, None, :], initial_state=[h0, c0])
    want_h, want_c = lstm.lstm_step_forward_reference(x, h0, c0, p)
    np.testing.assert_allclose(np.asarray(h), want_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(c), want_c, rtol=1e-10, atol=1e-12)


def test_backward_reference_matches_numerical_gradient():
    """The stacked f i g o layout of the backward exercise against centred differences."""
    ex = EXERCISES["lstm_step_backward"]
    inputs = ex.make_inputs(np.random.default_rng(3), False)
    dx, dh_prev, dc_prev, dU, dW, db = ex.reference(**inputs)
    dh, dc, p = inputs["dh"], inputs["dc"], inputs["p"]

    def loss():
        h, c = lstm.lstm_step_forward_reference(inputs["x"], inputs["h_prev"], inputs["c_prev"], p)
        return float(np.sum(h * dh) + np.sum(c * dc))

    H = dh.shape[1]
    for k, gate in enumerate(lstm.LECTURE_GATES):
        block = slice(k * H, (k + 1) * H)
        for name, analytic in ((f"U_{gate}", dU[:, block]), (f"W_{gate}", dW[:, block]), (f"b_{gate}", db[block])):
            numeric = gradcheck.numerical_gradient(loss, p[name])
            assert gradcheck.rel_error(analytic, numeric) < 1e-7, name
    for name, analytic in (("x", dx), ("h_prev", dh_prev), ("c_prev", dc_prev)):
        numeric = gradcheck.numerical_gradient(loss, inputs[name])
        assert gradcheck.rel_error(analytic, numeric) < 1e-7, name
