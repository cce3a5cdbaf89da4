"""rnnkit.cells: one step of each cell, its gradient (checked numerically), its input checks."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradient_support import accurate_gradient, gradient_error
from rnnkit import cells
from rnnkit.gradcheck import numerical_gradient, rel_error

VARIANTS = [("rnn", False), ("lstm", False), ("lstm", True), ("gru", False)]
IDS = ["rnn", "lstm", "peephole", "gru"]


def random_params(kind, peephole, D, H, rng, scale=0.5):
    """init_params plus noise, so biases and peepholes are not zero and gates are not uniform."""
    p = cells.init_params(kind, D, H, peephole=peephole, seed=int(rng.integers(1 << 30)))
    return {k: v + scale * rng.standard_normal(v.shape) for k, v in p.items()}


def step_problem(kind, peephole, B, D, H, seed):
    """A step, a scalar loss L = sum(h * dh) [+ sum(c * dc)] and its analytic gradients."""
    rng = np.random.default_rng(seed)
    p = random_params(kind, peephole, D, H, rng)
    x = rng.standard_normal((B, D))
    h0 = rng.standard_normal((B, H))
    c0 = rng.standard_normal((B, H))
    dh = rng.standard_normal((B, H))
    dc = rng.standard_normal((B, H))
    inputs = {"x": x, "h_prev": h0}
    if kind == "lstm":
        inputs["c_prev"] = c0

        def loss():
            h, c, _ = cells.lstm_step(x, h0, c0, p)
            return np.sum(h * dh) + np.sum(c * dc)

        _, _, cache = cells.lstm_step(x, h0, c0, p)
        dx, dh0, dc0, grads = cells.lstm_step_backward(dh, dc, cache)
        analytic = {"x": dx, "h_prev": dh0, "c_prev": dc0}
    else:
        step = getattr(cells, f"{kind}_step")

        def loss():
            return np.sum(step(x, h0, p)[0] * dh)

        _, cache = step(x, h0, p)
        dx, dh0, grads = getattr(cells, f"{kind}_step_backward")(dh, cache)
        analytic = {"x": dx, "h_prev": dh0}
    return p, inputs, loss, analytic, grads


def assert_gradients_match(p, inputs, loss, analytic, grads, numeric=accurate_gradient,
                           error=gradient_error):
    assert list(grads) == list(p), "grads must have exactly the keys of p, in order"
    for name, value in p.items():
        assert grads[name].shape == value.shape
        err = error(grads[name], numeric(loss, value))
        assert err < 1e-7, f"d{name}: relative error {err:.2e}"
    for name, value in inputs.items():
        err = error(analytic[name], numeric(loss, value))
        assert err < 1e-7, f"d{name}: relative error {err:.2e}"


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_step_gradients_plain_centred_differences(kind, peephole):
    # numerical_gradient exactly as students call it (h = 1e-5). Its round-off floor is close
    # to 1e-7 for the smallest entries, so this is one fixed case (seed 3, smallest entry not
    # tiny); the property test below holds random cases to the same bound.
    assert_gradients_match(*step_problem(kind, peephole, B=3, D=4, H=5, seed=3),
                           numeric=numerical_gradient, error=rel_error)


@settings(max_examples=20, deadline=None)
@given(variant=st.sampled_from(VARIANTS), B=st.integers(1, 4), D=st.integers(1, 5),
       H=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_step_gradients_property(variant, B, D, H, seed):
    assert_gradients_match(*step_problem(*variant, B, D, H, seed))


def test_rnn_step_formula():
    rng = np.random.default_rng(0)
    p = random_params("rnn", False, 3, 4, rng)
    x, h0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    h, _ = cells.rnn_step(x, h0, p)
    np.testing.assert_allclose(h, np.tanh(x @ p["U"] + h0 @ p["W"] + p["b"]), rtol=1e-14)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize("peephole", [False, True])
def test_lstm_step_formula(peephole):
    rng = np.random.default_rng(1)
    p = random_params("lstm", peephole, 3, 4, rng)
    x, h0, c0 = (rng.standard_normal(s) for s in [(2, 3), (2, 4), (2, 4)])

    def pre(gate):
        return x @ p[f"U_{gate}"] + h0 @ p[f"W_{gate}"] + p[f"b_{gate}"]

    pf = p.get("P_f", 0) * c0
    pi = p.get("P_i", 0) * c0
    f, i, g = sigmoid(pre("f") + pf), sigmoid(pre("i") + pi), np.tanh(pre("g"))
    c = f * c0 + i * g
    o = sigmoid(pre("o") + p.get("P_o", 0) * c)
    h_new, c_new, cache = cells.lstm_step(x, h0, c0, p)
    np.testing.assert_allclose(c_new, c, rtol=1e-13)
    np.testing.assert_allclose(h_new, o * np.tanh(c), rtol=1e-13)
    for name, value in zip("fiog", (f, i, o, g)):
        np.testing.assert_allclose(cache[name], value, rtol=1e-13)


def test_gru_step_formula():
    rng = np.random.default_rng(2)
    p = random_params("gru", False, 3, 4, rng)
    x, h0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    z = sigmoid(x @ p["U_z"] + h0 @ p["W_z"] + p["b_z"])
    r = sigmoid(x @ p["U_r"] + h0 @ p["W_r"] + p["b_r"])
    g = np.tanh(x @ p["U_g"] + (r * h0) @ p["W_g"] + p["b_g"])
    h, cache = cells.gru_step(x, h0, p)
    np.testing.assert_allclose(h, (1 - z) * h0 + z * g, rtol=1e-13)
    np.testing.assert_allclose(cache["r"], r, rtol=1e-13)


def test_sigmoid_saturates_without_warnings():
    p = cells.init_params("gru", 1, 2)
    x = np.array([[1e4], [-1e4]])
    p["U_z"][:] = 1.0
    with np.errstate(all="raise"):
        _, cache = cells.gru_step(x, np.zeros((2, 2)), p)
    np.testing.assert_array_equal(cache["z"], [[1, 1], [0, 0]])


# ---------------------------------------------------------------------- init_params


def test_param_names_lecture_order():
    assert cells.param_names("rnn") == ("U", "W", "b")
    assert cells.param_names("lstm") == ("U_f", "W_f", "b_f", "U_i", "W_i", "b_i",
                                         "U_g", "W_g", "b_g", "U_o", "W_o", "b_o")
    assert cells.param_names("lstm", peephole=True)[-3:] == ("P_f", "P_i", "P_o")
    assert cells.param_names("gru") == ("U_z", "W_z", "b_z", "U_r", "W_r", "b_r",
                                        "U_g", "W_g", "b_g")


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_init_params(kind, peephole):
    D, H = 3, 6
    p = cells.init_params(kind, D, H, peephole=peephole, seed=5)
    assert tuple(p) == cells.param_names(kind, peephole)
    limit = np.sqrt(6 / (D + H))
    for name, value in p.items():
        assert value.dtype == np.float64
        if name.startswith("U"):
            assert value.shape == (D, H) and np.abs(value).max() <= limit
        elif name.startswith("W"):
            assert value.shape == (H, H)
            np.testing.assert_allclose(value.T @ value, np.eye(H), atol=1e-12)
        elif name.startswith("b"):
            np.testing.assert_array_equal(value, 1.0 if name == "b_f" else 0.0)
        else:
            assert value.shape == (H,) and np.abs(value).max() <= np.sqrt(3 / H)
    again = cells.init_params(kind, D, H, peephole=peephole, seed=5)
    other = cells.init_params(kind, D, H, peephole=peephole, seed=6)
    assert all(np.array_equal(p[k], again[k]) for k in p)
    assert not np.array_equal(p[cells.param_names(kind)[0]], other[cells.param_names(kind)[0]])
    p32 = cells.init_params(kind, D, H, peephole=peephole, seed=5, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())


def test_init_params_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        cells.init_params("transformer", 2, 3)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        cells.init_params("rnn", 2, 0)
    with pytest.raises(ValueError, match="peephole=True needs kind='lstm'"):
        cells.init_params("gru", 2, 3, peephole=True)
    with pytest.raises(TypeError, match="float32 or float64"):
        cells.init_params("rnn", 2, 3, dtype=np.int32)


# ---------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_float32_stays_float32(kind, peephole):
    rng = np.random.default_rng(3)
    p = cells.init_params(kind, 3, 4, peephole=peephole, dtype=np.float32)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    h0 = np.zeros((2, 4), np.float32)
    if kind == "lstm":
        h, c, cache = cells.lstm_step(x, h0, h0, p)
        out = cells.lstm_step_backward(h, c, cache)
        arrays = [h, c, *out[:3], *out[3].values()]
    else:
        h, cache = getattr(cells, f"{kind}_step")(x, h0, p)
        out = getattr(cells, f"{kind}_step_backward")(h, cache)
        arrays = [h, *out[:2], *out[2].values()]
    assert all(a.dtype == np.float32 for a in arrays)


# ---------------------------------------------------------------------- input checks


def test_wrong_h_prev_shape_names_argument_and_shape():
    p = cells.init_params("rnn", 3, 4)
    with pytest.raises(ValueError) as err:
        cells.rnn_step(np.zeros((2, 3)), np.zeros((2, 5)), p)
    msg = str(err.value)
    assert "rnn_step" in msg and "h_prev" in msg and "(B, H) = (2, 4)" in msg and "(2, 5)" in msg


def test_transposed_U_is_named():
    p = cells.init_params("lstm", 3, 4)
    p["U_g"] = p["U_g"].T.copy()
    with pytest.raises(ValueError) as err:
        cells.lstm_step(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), p)
    msg = str(err.value)
    assert "p['U_g']" in msg and "(D, H) = (3, 4)" in msg and "got shape (4, 3)" in msg


def test_missing_and_unexpected_keys():
    p = cells.init_params("gru", 3, 4)
    del p["W_r"]
    with pytest.raises(ValueError, match=r"missing 'W_r'.*GRU needs U_z"):
        cells.gru_step(np.zeros((2, 3)), np.zeros((2, 4)), p)
    p = cells.init_params("rnn", 3, 4)
    p["V"] = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"unexpected key\(s\) 'V'"):
        cells.rnn_step(np.zeros((2, 3)), np.zeros((2, 4)), p)
    p = cells.init_params("lstm", 3, 4)
    p["P_f"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"missing 'P_i', 'P_o'.*with peepholes"):
        cells.lstm_step(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), p)


def test_x_must_be_2d_float():
    p = cells.init_params("rnn", 3, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(B, D\).*got shape \(2, 5, 3\)"):
        cells.rnn_step(np.zeros((2, 5, 3)), np.zeros((2, 4)), p)
    with pytest.raises(TypeError, match="x must be a float32 or float64 array, got dtype int64"):
        cells.rnn_step(np.zeros((2, 3), dtype=np.int64), np.zeros((2, 4)), p)
    with pytest.raises(TypeError, match="p must be a dict"):
        cells.rnn_step(np.zeros((2, 3)), np.zeros((2, 4)), [p["U"], p["W"], p["b"]])


def test_backward_checks_dh_and_cache():
    p = cells.init_params("lstm", 3, 4)
    h, c, cache = cells.lstm_step(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), p)
    with pytest.raises(ValueError, match=r"dc must have shape \(B, H\) = \(2, 4\)"):
        cells.lstm_step_backward(h, c.T, cache)
    rnn_p = cells.init_params("rnn", 3, 4)
    _, rnn_cache = cells.rnn_step(np.zeros((2, 3)), np.zeros((2, 4)), rnn_p)
    with pytest.raises(TypeError, match="cache returned by lstm_step"):
        cells.lstm_step_backward(h, c, rnn_cache)


def test_step_functions_are_marked_as_reference():
    for name in ("rnn_step", "rnn_step_backward", "lstm_step", "lstm_step_backward",
                 "gru_step", "gru_step_backward"):
        assert getattr(cells, name).__rnnkit_reference__ == f"rnnkit.cells.{name}"
