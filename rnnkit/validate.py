"""Checks of the arguments of a whole sequence's forward and backward passes.

Shared by :mod:`rnnkit.bptt` and :mod:`rnnkit.engine`, so both layers accept the same inputs
and say the same thing about wrong ones: shapes named in the lecture's terms (B batch, T time
steps, D input features, H hidden units). The checks of one step's inputs are in
:mod:`rnnkit.cells`, next to the steps.
"""

import numbers

import numpy as np

from rnnkit.cells import _as_float_array, _check_kind, _check_params, _check_shape, _hidden_size

_SEQ = "batch x time steps x hidden units"


def _check_sequence_inputs(where, kind, xs, p, h0, c0):
    """Check forward's arguments; returns ``(xs, p, h0, c0)`` with zero states for None.

    h0 and c0 (B, H) come back in the dtype of the whole computation (float32 only when
    every input is); c0 stays None unless the cell is an LSTM.
    """
    _check_kind(kind)
    xs = _as_float_array(where, "xs", xs)
    if xs.ndim != 3:
        raise ValueError(f"{where}: xs must have shape (B, T, D) (batch, time steps, input "
                         f"features), got shape {xs.shape}")
    B, T, D = xs.shape
    if T < 1 or B < 1:
        raise ValueError(f"{where}: xs must hold at least one sequence and one time step, got "
                         f"shape {xs.shape}")
    H = _hidden_size(where, kind, p)
    p = _check_params(where, kind, p, D, H)
    state = (("B", B), ("H", H))
    if h0 is not None:
        h0 = _check_shape(where, "h0", h0, state, "batch x hidden units")
    if kind == "lstm":
        if c0 is not None:
            c0 = _check_shape(where, "c0", c0, state, "batch x hidden units")
    elif c0 is not None:
        raise ValueError(f"{where}: c0 is the LSTM cell state; a {kind!r} cell has none")
    dt = np.result_type(xs, *p.values(), *(a for a in (h0, c0) if a is not None))
    h0 = np.zeros((B, H), dt) if h0 is None else h0.astype(dt, copy=False)
    if kind == "lstm":
        c0 = np.zeros((B, H), dt) if c0 is None else c0.astype(dt, copy=False)
    return xs, p, h0, c0


def _check_dhs(where, dhs, cache):
    """dhs against the forward pass's (B, T, H), in its dtype (the forward fixed precision)."""
    B, T, _, H = cache["shape"]
    dhs = _check_shape(where, "dhs", dhs, (("B", B), ("T", T), ("H", H)), _SEQ + ", like hs")
    return dhs.astype(cache["dtype"], copy=False)


def _check_k(where, k):
    """The segment length of truncated BPTT, a positive integer."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{where}: k (steps per segment) must be a positive integer, got {k!r}")
    return int(k)
