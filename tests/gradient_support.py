"""Numerical gradients accurate enough to hold rnnkit's analytic ones to 1e-7 (test_cells, test_bptt)."""

import numpy as np

from rnnkit.gradcheck import numerical_gradient


def accurate_gradient(f, x, h=1e-3):
    """Richardson-extrapolated centred differences, built from numerical_gradient.

    Plain centred differences have a round-off floor near 1e-11 (absolute), so a gradient entry
    that happens to be 1e-5 cannot show a relative error below 1e-7 however right it is. The
    combination below cancels the h^2 error term, which lets us use a larger h (less round-off):
    about 1e-12 absolute accuracy.
    """
    return (4 * numerical_gradient(f, x, h / 2) - numerical_gradient(f, x, h)) / 3


def gradient_error(analytic, numeric):
    """cs231n's rel_error, but differences of entries below 1e-4 are judged relative to 1e-4.

    Centred differences resolve a gradient to about 1e-12 (absolute) here, so an entry that
    happens to be 1e-6 cannot be confirmed to 7 relative digits, however right it is;
    rel_error's own floor (1e-8) would turn that into random failures. Every entry of 1e-4
    or more is held to full relative precision, every smaller one to 1e-11 absolute.
    """
    a, b = np.asarray(analytic, float), np.asarray(numeric, float)
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b) / np.maximum(1e-4, np.abs(a) + np.abs(b)), initial=0))
