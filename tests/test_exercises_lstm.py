"""Facts particular to the exercises of notebook 05_lstm: the Keras weight layout really is
Keras' own, and the stacked backward layout agrees with numerical gradients. What holds for
every exercise (reference, mistakes, solution, demo mistake, delegation) is in
tests/test_exercises.py."""

import subprocess
import sys

import numpy as np
import pytest

from rnnkit import cells, gradcheck
from course import registry
from course.registry import get_exercise

lstm = registry.load("05_lstm")


def test_keras_layout_matches_a_keras_lstm():
    """The exercise's layout is Keras' own: a Keras LSTM holding it computes rnnkit's step."""
    keras = pytest.importorskip("keras")
    inputs = lstm._step_inputs(np.random.default_rng(5), hidden=False)
    x, h0, c0, p = inputs["x"], inputs["h_prev"], inputs["c_prev"], inputs["p"]
    layer = keras.layers.LSTM(h0.shape[1], return_state=True, dtype="float64")
    layer.build((None, 1, x.shape[1]))
    layer.set_weights(list(get_exercise("keras_lstm_weights").reference(p)))
    _, h, c = layer(x[:, None, :], initial_state=[h0, c0])
    want_h, want_c = lstm.lstm_step_forward_reference(x, h0, c0, p)
    np.testing.assert_allclose(np.asarray(h), want_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(c), want_c, rtol=1e-10, atol=1e-12)


def test_keras_layout_reference_runs_in_keras():
    """The reference's three arrays, loaded into a Keras LSTM, compute rnnkit's LSTM."""
    keras = pytest.importorskip("keras")
    ex = get_exercise("keras_lstm_weights")
    rng = np.random.default_rng(7)
    for _ in range(3):
        p = ex.make_inputs(rng, True)["p"]
        D, H = p["U_f"].shape
        layer = keras.layers.LSTM(H, return_sequences=True, dtype="float64")
        layer.build((None, None, D))
        layer.set_weights(list(ex.reference(p)))
        xs = rng.normal(size=(2, 5, D))
        h, c, want = np.zeros((2, H)), np.zeros((2, H)), []
        for t in range(5):
            h, c, _ = cells.lstm_step(xs[:, t], h, c, p)
            want.append(h)
        got = keras.ops.convert_to_numpy(layer(xs))
        assert np.abs(got - np.stack(want, axis=1)).max() < 1e-12


def test_checking_every_exercise_never_imports_tensorflow():
    """The grader computes every reference itself; TensorFlow there would cost each worker
    about 500 MiB and a 4 s import."""
    code = ("import sys, numpy as np\nfrom course.registry import all_exercises\n"
            "from course.exercise import make_case\n"
            "for ex in all_exercises().values():\n"
            "    make_case(ex, np.random.default_rng(0), True)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_backward_reference_matches_numerical_gradient():
    """The stacked f i g o layout of the backward exercise against centred differences."""
    ex = get_exercise("lstm_step_backward")
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
