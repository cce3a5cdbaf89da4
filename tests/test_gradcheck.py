"""rnnkit.gradcheck: numerical gradients, relative error, the gradient report."""

import numpy as np
import pytest

from rnnkit import cells
from rnnkit.gradcheck import check_gradients, numerical_gradient, rel_error


def test_numerical_gradient_of_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()
    grad = numerical_gradient(lambda: np.sum(np.sin(x)) + x[0, 1] ** 3, x)
    want = np.cos(original)
    want[0, 1] += 3 * original[0, 1] ** 2
    np.testing.assert_allclose(grad, want, rtol=1e-9)
    np.testing.assert_array_equal(x, original)  # every nudge was undone


def test_numerical_gradient_is_centred():
    # a one-sided difference would be off by h for x^2; the centred one is exact for quadratics
    x = np.array([2.0])
    assert numerical_gradient(lambda: x[0] ** 2, x, h=1e-2)[0] == pytest.approx(4.0, rel=1e-12)


def test_numerical_gradient_rejects_copies_and_ints():
    with pytest.raises(TypeError, match="float numpy array"):
        numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, np.zeros((3, 4)).T)


def test_rel_error():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1)
    # the 1e-8 floor: tiny absolute differences between near-zero numbers are not "large"
    assert rel_error(np.array([0.0]), np.array([1e-12])) == pytest.approx(1e-4)
    assert rel_error(np.array([3.0, 1.0]), np.array([3.0, -1.0])) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.zeros(2), np.zeros(3))


def test_check_gradients_finds_the_wrong_parameter():
    rng = np.random.default_rng(0)
    p = cells.init_params("rnn", 3, 4, seed=1)
    x, h0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    dh = rng.standard_normal((2, 4))

    def loss():
        return np.sum(cells.rnn_step(x, h0, p)[0] * dh)

    _, cache = cells.rnn_step(x, h0, p)
    _, _, grads = cells.rnn_step_backward(dh, cache)
    report = check_gradients(loss, p, grads)
    assert set(report) == {"U", "W", "b"}
    assert all(err < 1e-6 for err, _ in report.values())
    wrong = dict(grads, W=grads["W"].T)  # the classic mistake
    report = check_gradients(loss, p, wrong)
    assert report.worst == "W" and report["W"][0] > 1e-2
    err, index = report["W"]
    assert len(index) == 2
    text = str(report)
    assert "W" in text and "check this gradient" in text and "rel_error" in text
    with pytest.raises(ValueError, match="exactly the keys"):
        check_gradients(loss, p, {"U": grads["U"]})
