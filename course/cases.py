"""Helpers the exercise definitions share for drawing cases and writing mistake models.

Grader-side only (like the exercises in ``source/*/exercises.py``): a visible case must not
look like a hidden one, so every size is drawn so that a swapped axis or a transposed matrix
shows.
"""

import functools

import numpy as np

from course.exercise import Mistake

# A loop over time can be right for several steps and wrong for one (range(1, T), an axis
# squeezed away), and the reverse; every check of a sequence exercise has both.
SEQUENCE_REGIMES = ("a sequence of several steps", "a sequence of one step")


def sigmoid(a):
    """The logistic function, written out so the mistake models do not lean on the library."""
    return 1.0 / (1.0 + np.exp(-a))


def draw_sequence_sizes(rng, hidden, regime=SEQUENCE_REGIMES[0]):
    """(B, T, D, H), B, D, H all different and >= 2 (a swapped axis or a transposed matrix
    shows), T too unless the regime asks for one step.

    The visible case is fixed so that a student sees the same shapes on every run.
    """
    if not hidden:
        b, t, d, h = 3, 4, 2, 5
    else:
        b, t, d, h = distinct_sizes(rng, 4, 2, 10)
    return b, (1 if regime == SEQUENCE_REGIMES[1] else t), d, h


def distinct_sizes(rng, k, low, high):
    """``k`` different integers in [low, high): a swapped axis or a transposed matrix shows."""
    return [int(v) for v in rng.choice(np.arange(low, high), size=k, replace=False)]


def draw_rnn_params(rng, d, h, scale, bias_scale):
    """Simple-RNN parameters U (D, H), W (H, H) (scaled by 1 / sqrt(H)), b (H,), drawn in that
    order; pick the scales so that tanh is neither linear nor saturated."""
    return {
        "U": rng.normal(0.0, scale, size=(d, h)),
        "W": rng.normal(0.0, scale / np.sqrt(h), size=(h, h)),
        "b": rng.normal(0.0, bias_scale, size=(h,)),
    }


def draw_gate_params(rng, gates, d, h):
    """U_g (D, H), W_g (H, H), b_g (H,) for each gate g of an LSTM or a GRU, gate by gate, with
    nonzero biases (a zero bias would hide a missing bias)."""
    p = {}
    for gate in gates:
        p[f"U_{gate}"] = rng.normal(0.0, 0.6, size=(d, h))
        p[f"W_{gate}"] = rng.normal(0.0, 0.6, size=(h, h))
        p[f"b_{gate}"] = rng.normal(0.0, 0.4, size=(h,))
    return p


def rnn_states(xs, h0, U, W, b, *, act=np.tanh, carry=True, bias=True):
    """All states (B, T, H) of a simple RNN from h0 (zeros if None): plain numpy for the mistake
    models, with switches for the typical errors (a sigmoid, h0 at every step, no bias)."""
    h0 = np.zeros((xs.shape[0], W.shape[0])) if h0 is None else h0
    h, out = h0, []
    for t in range(xs.shape[1]):
        h = act(xs[:, t] @ U + (h if carry else h0) @ W + (b if bias else 0.0))
        out.append(h)
    return np.stack(out, axis=1)


def softmax(z, axis=-1):
    """The softmax along ``axis``, the maximum subtracted first (for the mistake models)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def variants(fn, table):
    """The mistakes one variant function makes: ``table`` maps each ``kind`` (passed to ``fn``
    as ``kind=``) to the message that names it, in the order they are tried."""
    return tuple(Mistake(message, functools.partial(fn, kind=kind)) for kind, message in table.items())
