"""Facts particular to the exercises of notebook 03_bptt: the step/sequence references rebuild
the bias from the forward pass (and must do so on every draw), clipping cases cover both
regimes, and the gradient norm is the Frobenius norm of the total gradient. What holds for
every exercise (reference, mistakes, solution, demo mistake, delegation) is in
tests/test_exercises.py."""

import copy
import math

import numpy as np

from course.exercise import make_case
import pytest

from course.registry import get_exercise
from rnnkit.checking import CheckFailed
from exercise_support import check, notebook_solutions


def _global_norm(inputs):
    return math.sqrt(sum(float(np.sum(inputs[k] ** 2)) for k in ("dU", "dW", "db")))


def test_clip_grads_cases_cover_both_regimes_on_every_draw():
    """Case i of every check is drawn in regime i mod 2: every run has a norm clearly below
    max_norm and one clearly above, visible (clipping first) and hidden alike."""
    ex = get_exercise("clip_grads")
    assert ex.trials_visible >= 2 and ex.trials_hidden >= 2
    for hidden, trials in ((False, ex.trials_visible), (True, ex.trials_hidden)):
        for seed in range(200 if hidden else 1):
            rng = np.random.default_rng(seed)
            cases = [make_case(ex, rng, hidden, i)[0] for i in range(trials)]
            ratios = [_global_norm(c) / c["max_norm"] for c in cases]
            assert any(r > 1.5 for r in ratios) and any(r < 0.9 for r in ratios), (hidden, seed, ratios)
            if not hidden:
                assert ratios[0] > 1.5  # the first visible case clips


def _always_rescales(dU, dW, db, max_norm):
    """The wrong answer: scale = max_norm / norm even when norm < max_norm (scales UP)."""
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in (dU, dW, db)))
    return tuple(g * (max_norm / norm) for g in (dU, dW, db))


def _model_answer(name):
    """The model answer of ``name`` from the source notebook (its solution cell, executed)."""
    namespace = {"np": np, "math": math}
    exec(notebook_solutions("03_bptt")[name], namespace)
    return namespace[name]


def test_clip_grads_always_rescaling_fails_every_hidden_run():
    model = _model_answer("clip_grads")
    with pytest.raises(CheckFailed, match="clipping only shrinks"):
        check("clip_grads", _always_rescales)  # the visible check catches it too
    for seed in range(1000):
        with pytest.raises(CheckFailed, match="you rescale even when the norm is already below max_norm"):
            check("clip_grads", _always_rescales, hidden=True, seed=seed)
        check("clip_grads", model, hidden=True, seed=seed)


def test_reference_recovers_the_forward_pass_exactly():
    """The step/sequence references rebuild b from h; their h must be the inputs' h."""
    for name in ("rnn_step_backward", "rnn_backward"):
        ex = get_exercise(name)
        for seed in range(5):
            inputs, _ = make_case(ex, np.random.default_rng(seed), True, seed)  # both regimes
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
        ex = get_exercise(name)
        rng = np.random.default_rng(2026)
        for index in range(3000):
            make_case(ex, rng, True, index)  # draws the inputs and runs the reference on them


def test_bias_recovery_survives_a_saturated_first_example():
    ex = get_exercise("rnn_backward")
    inputs, _ = make_case(ex, np.random.default_rng(3), True)  # several steps
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
    ex = get_exercise("grad_norms_through_time")
    inputs, _ = make_case(ex, np.random.default_rng(3), True)  # several steps
    dhs = np.zeros_like(inputs["dhs"])
    dhs[:, -1] = inputs["dhs"][:, -1]
    inputs["dhs"] = dhs
    norms = ex.reference(**inputs)
    assert np.isclose(norms[-1], np.linalg.norm(dhs[:, -1]))
