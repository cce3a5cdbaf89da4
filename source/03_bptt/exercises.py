"""Autograded exercises of notebook 03_bptt: backward through one simple-RNN step, full
backpropagation through time, gradient clipping by the global norm, and the gradient norm
||dL/dh_t|| through time.

Every reference is rnnkit's own code (:mod:`rnnkit.cells`, :mod:`rnnkit.bptt`). The mistake
models are deliberately wrong numpy versions of what students typically write: the gradient
from later steps (dh_next) forgotten or added after the tanh derivative, W where W.T belongs,
the tanh derivative left out, weight gradients transposed or summed over the wrong axis, each
gradient clipped on its own.
"""

import functools
import math

import numpy as np

from course.cases import SEQUENCE_REGIMES, draw_rnn_params, rnn_states, variants
from course.cases import draw_sequence_sizes as _draw_sizes
from course.exercise import Exercise, Mistake, Out, outs


_BACKWARD_REFERENCES = (
    "rnnkit.cells.rnn_step_backward",
    "rnnkit.bptt.backward",
    "rnnkit.bptt.truncated_backward",
    "rnnkit.bptt.grad_norms",
    "keras",
)


def _draw_rnn(rng, d, h):
    """U (D, H), W (H, H), b (H,) at a scale where tanh is neither linear nor saturated."""
    p = draw_rnn_params(rng, d, h, scale=0.6, bias_scale=0.3)
    return p["U"], p["W"], p["b"]


def _recover_bias(xs, h_prevs, hs, U, W):
    """The bias b (H,) that produced ``hs = tanh(xs U + h_prevs W + b)``.

    xs (N, D), h_prevs (N, H), hs (N, H): every (example, step) pair of the case, flattened.
    The exercises pass the outputs h instead of b (the backward pass needs h, not b), so the
    reference reconstructs b to replay the forward pass with rnnkit. arctanh amplifies the
    rounding of h by 1 / (1 - h**2), so each unit's bias is read off the entry where that unit
    is least saturated; a fixed entry can sit near +-1 and lose eight digits.
    """
    rows = np.argmin(np.abs(hs), axis=0)
    units = np.arange(hs.shape[1])
    pre = xs[rows] @ U + h_prevs[rows] @ W
    return np.arctanh(hs[rows, units]) - pre[units, units]


def _consistent(name, got, want):
    if not np.allclose(got, want, rtol=0, atol=1e-9):
        raise ValueError(f"{name} is not the forward pass of the given inputs (largest "
                         f"difference {np.abs(got - want).max():.3g})")


# ---------------------------------------------------------------------------------------------
# rnn_step_backward


def _step_inputs(rng, hidden):
    B, _, D, H = _draw_sizes(rng, hidden)
    U, W, b = _draw_rnn(rng, D, H)
    x = rng.normal(size=(B, D))
    h_prev = np.tanh(rng.normal(size=(B, H)))
    h = np.tanh(x @ U + h_prev @ W + b)
    return {"dh": rng.normal(size=(B, H)), "x": x, "h_prev": h_prev, "h": h, "U": U, "W": W}


def _step_reference(dh, x, h_prev, h, U, W):
    from rnnkit import cells

    p = {"U": U, "W": W, "b": _recover_bias(x, h_prev, h, U, W)}
    h_again, cache = cells.rnn_step(x, h_prev, p)
    _consistent("h", h_again, h)
    dx, dh_prev, grads = cells.rnn_step_backward(dh, cache)
    return dx, dh_prev, grads["U"], grads["W"], grads["b"]


def _step_variant(dh, x, h_prev, h, U, W, *, kind):
    """One step backward with the mistake ``kind`` (for the mistake models)."""
    local = {"no_deriv": 1.0, "double_tanh": 1.0 - np.tanh(h) ** 2, "sigmoid_deriv": h * (1.0 - h)}.get(kind, 1.0 - h**2)
    da = dh * local
    dx = da @ U.T
    dh_prev = da @ (W if kind == "W" else W.T)
    transposed = kind == "transposed"
    dU = (da.T @ x) if transposed else (x.T @ da)
    dW = (da.T @ h_prev) if transposed else (h_prev.T @ da)
    return dx, dh_prev, dU, dW, da.sum(axis=1 if kind == "db_axis" else 0)


RNN_STEP_BACKWARD = Exercise(
    "rnn_step_backward", points=3, make_inputs=_step_inputs, reference=_step_reference,
    probe_reference=functools.partial(_step_variant, kind=None),
    outputs=outs(dx="(batch, input)", dh_prev="(batch, hidden)", dU="(input, hidden), like U",
                 dW="(hidden, hidden), like W", db="(hidden,), like b"),
    mistakes=variants(_step_variant, {
        "no_deriv": "the tanh derivative is missing. Before anything else, go back through the tanh: "
                    "da = dh * (1 - h**2), where h is the step's output; every other gradient uses da.",
        "double_tanh": "the tanh derivative is applied to tanh(h). h is already tanh(a), so "
                       "tanh'(a) = 1 - h**2, not 1 - tanh(h)**2.",
        "sigmoid_deriv": "that is the sigmoid's derivative h * (1 - h); the derivative of tanh, written with "
                         "its output, is 1 - h**2.",
        "W": "dh_prev uses W instead of W.T. The forward pass computed h_prev @ W, so the "
             "gradient flows back as da @ W.T (shapes alone cannot tell: W is square).",
        "transposed": "the weight gradients are transposed: dU = x.T @ da has U's shape (input, hidden) "
                      "and dW = h_prev.T @ da has W's shape, rows indexed by the input of the product.",
        "db_axis": "db is summed over the hidden axis. The bias is shared by every example of the "
                   "batch, so its gradient sums da over the batch: db = da.sum(axis=0), shape (hidden,).",
    }),
    forbidden=_BACKWARD_REFERENCES, trials_hidden=4,
    demo_mistake=("da @ W.T", "da @ W"),
)


# ---------------------------------------------------------------------------------------------
# rnn_backward


def _sequence_inputs(rng, hidden, regime):
    B, T, D, H = _draw_sizes(rng, hidden, regime)
    U, W, b = _draw_rnn(rng, D, H)
    xs = rng.normal(size=(B, T, D))
    h0 = np.tanh(rng.normal(size=(B, H)))
    hs = rnn_states(xs, h0, U, W, b)
    return {"dhs": rng.normal(size=(B, T, H)), "xs": xs, "h0": h0, "hs": hs, "U": U, "W": W}


def _sequence_reference(dhs, xs, h0, hs, U, W):
    from rnnkit import bptt

    B, T, D = xs.shape
    h_prevs = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    b = _recover_bias(xs.reshape(B * T, D), h_prevs.reshape(B * T, -1), hs.reshape(B * T, -1), U, W)
    p = {"U": U, "W": W, "b": b}
    hs_again, cache = bptt.forward("rnn", xs, p, h0=h0)
    _consistent("hs", hs_again, hs)
    dxs, dh0, _, grads = bptt.backward(dhs, cache)
    return dxs, dh0, grads["U"], grads["W"], grads["b"]


def _bptt_variant(dhs, xs, h0, hs, U, W, *, kind):
    """Full BPTT with the mistake ``kind`` (for the mistake models)."""
    B, T, _ = xs.shape
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h = hs[:, t]
        h_prev = hs[:, t - 1] if t > 0 else h0
        if kind == "swapped":  # the step's backward called as rnn_step_backward(dh, x, h, h_prev, U, W)
            h, h_prev = h_prev, h
        local = 1.0 if kind == "no_deriv" else (1.0 - (h_prev if kind == "prev_deriv" else h) ** 2)
        if kind == "late_next":
            da = dhs[:, t] * local + dh_next
        else:
            da = (dhs[:, t] + (0.0 if kind == "no_next" else dh_next)) * local
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += (h if kind == "h_not_prev" else h_prev).T @ da
        db += da.sum() if kind == "db_scalar" else da.sum(axis=0)
        dh_next = da @ (W if kind == "W" else W.T)
    return dxs, dh_next, dU, dW, db


RNN_BACKWARD = Exercise(
    "rnn_backward", points=3, make_inputs=_sequence_inputs, regimes=SEQUENCE_REGIMES, trials_visible=2,
    probe_reference=functools.partial(_bptt_variant, kind=None),
    reference=_sequence_reference,
    outputs=outs(dxs="(batch, time, input)", dh0="(batch, hidden)", dU="(input, hidden), like U",
                 dW="(hidden, hidden), like W", db="(hidden,), like b"),
    mistakes=variants(_bptt_variant, {
        "no_next": "the gradient from later steps is missing. h_t feeds the loss at step t AND the next "
                   "step, so the gradient reaching it is dhs[:, t] + dh_next, where dh_next is the "
                   "dh_prev computed at step t + 1 (zero at the last step).",
        "late_next": "dh_next is added after the tanh derivative. It is a gradient with respect to h_t, "
                     "like dhs[:, t]: add them first, then da = (dhs[:, t] + dh_next) * (1 - h_t**2).",
        "W": "the gradient flows back through W instead of W.T: dh_prev = da @ W.T, because the "
             "forward pass computed h_prev @ W.",
        "no_deriv": "the tanh derivative is missing: da = (dhs[:, t] + dh_next) * (1 - h_t**2).",
        "h_not_prev": "dW uses the state after the step. Step t computed h_{t-1} @ W, so dW gets "
                      "h_{t-1}.T @ da: hs[:, t - 1], and h0 at t = 0.",
        "prev_deriv": "the tanh derivative uses the state before the step. Step t computed h_t = tanh(a_t), "
                      "so going back through it multiplies by 1 - h_t**2 with h_t = hs[:, t], the step's "
                      "output: da = (dhs[:, t] + dh_next) * (1 - hs[:, t]**2).",
        "swapped": "h_prev and h are swapped: the tanh derivative uses the state before the step and dW the "
                   "state after it. rnn_step_backward(dh, x, h_prev, h, U, W) takes the state before step t "
                   "(hs[:, t - 1], h0 at t = 0) first, then the step's output hs[:, t].",
        "db_scalar": "db adds da.sum(), one number summed over the batch AND the hidden units, to every "
                     "entry. Each hidden unit has its own bias: db += da.sum(axis=0), the sum over the batch "
                     "only, shape (hidden,).",
    }),
    forbidden=_BACKWARD_REFERENCES, trials_hidden=4,
    demo_mistake=("dhs[:, t] + dh_next", "dhs[:, t]"),
)


# ---------------------------------------------------------------------------------------------
# clip_grads


def _clip_inputs(rng, hidden, regime):
    clip = regime == "norm above max_norm"
    _, _, D, H = _draw_sizes(rng, hidden)
    scale = float(rng.uniform(1.0, 50.0))
    dU = rng.normal(0.0, scale, size=(D, H))
    dW = rng.normal(0.0, scale, size=(H, H))
    db = rng.normal(0.0, scale, size=(H,))
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in (dU, dW, db)))
    # max_norm is clearly below the norm (clip) or clearly above it (leave the gradients alone).
    factor = rng.uniform(0.2, 0.6) if clip else rng.uniform(1.2, 3.0)
    return {"dU": dU, "dW": dW, "db": db, "max_norm": round(float(norm * factor), 3)}


def _clip_reference(dU, dW, db, max_norm):
    from rnnkit import bptt

    clipped, _ = bptt.clip_by_global_norm({"U": dU, "W": dW, "b": db}, max_norm)
    return clipped["U"], clipped["W"], clipped["b"]


def _scaled(grads, scale):
    return tuple(g * scale for g in grads)


def _global(grads):
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads))


CLIP_GRADS = Exercise(
    "clip_grads", points=2, make_inputs=_clip_inputs, reference=_clip_reference,
    outputs=(Out("dU", doc="(input, hidden)"), Out("dW", doc="(hidden, hidden)"), Out("db", doc="(hidden,)")),
    mistakes=(
        Mistake(
            "each gradient is clipped on its own. Clipping by the GLOBAL norm measures all the "
            "gradients together, sqrt(sum of every squared entry), and scales them all by the "
            "same factor, so the direction of the update is kept.",
            lambda dU, dW, db, max_norm: tuple(
                g * min(1.0, max_norm / float(np.linalg.norm(g))) for g in (dU, dW, db)),
        ),
        Mistake(
            "the global norm is the sum of the three norms. It is the norm of all the entries "
            "together: sqrt(|dU|^2 + |dW|^2 + |db|^2).",
            lambda dU, dW, db, max_norm: _scaled(
                (dU, dW, db), min(1.0, max_norm / sum(float(np.linalg.norm(g)) for g in (dU, dW, db)))),
        ),
        Mistake(
            "the squared norm is used; take the square root of the sum of squares.",
            lambda dU, dW, db, max_norm: _scaled(
                (dU, dW, db), min(1.0, max_norm / sum(float(np.sum(g * g)) for g in (dU, dW, db)))),
        ),
        Mistake("the gradients come back unchanged although their global norm is above max_norm: "
                "either they are clipped entry by entry (np.clip, which changes no entry here) or the norm "
                "compared with max_norm is not the global one, sqrt of the sum of every squared entry of "
                "dU, dW and db, or the ratio is upside down (the scale is max_norm / norm, below 1). "
                "Clipping by the global norm rescales "
                "the whole gradient when its norm exceeds max_norm, so its direction is kept.",
                lambda dU, dW, db, max_norm: tuple(np.clip(g, -max_norm, max_norm) for g in (dU, dW, db))),
        Mistake("you rescale even when the norm is already below max_norm: clipping only shrinks. "
                "Scale by min(1, max_norm / norm), so gradients whose global norm is within the "
                "limit come back unchanged.",
                lambda dU, dW, db, max_norm: _scaled((dU, dW, db), max_norm / _global((dU, dW, db)))),
    ),
    forbidden=("rnnkit.bptt.clip_by_global_norm", "keras"), trials_visible=2, trials_hidden=4,
    regimes=("norm above max_norm", "norm below max_norm"),
    demo_mistake=(
        "math.sqrt(sum(np.sum(g * g) for g in (dU, dW, db)))",
        "sum(math.sqrt(np.sum(g * g)) for g in (dU, dW, db))",
    ),
)


# ---------------------------------------------------------------------------------------------
# grad_norms_through_time


def _norms_inputs(rng, hidden, regime):
    B, T, D, H = _draw_sizes(rng, hidden, regime)
    U, W, b = _draw_rnn(rng, D, H)
    W = W * float(rng.uniform(1.5, 2.5))  # strong recurrence: the norms change visibly with t
    return {"dhs": rng.normal(size=(B, T, H)), "xs": rng.normal(size=(B, T, D)),
            "h0": np.tanh(rng.normal(size=(B, H))), "U": U, "W": W, "b": b}


def _norms_reference(dhs, xs, h0, U, W, b):
    from rnnkit import bptt

    _, cache = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b}, h0=h0)
    return bptt.grad_norms(dhs, cache)


def _norms_variant(dhs, xs, h0, U, W, b, *, kind):
    """||dL/dh_t|| with the mistake ``kind`` (for the mistake models)."""
    hs = rnn_states(xs, None if kind == "zero_state" else h0, U, W, b)
    norms = []
    dh_next = np.zeros_like(h0)
    for t in reversed(range(xs.shape[1])):
        dh = dhs[:, t] + (0.0 if kind == "no_next" else dh_next)
        da = dh * (1.0 if kind == "no_deriv" else (1.0 - hs[:, t] ** 2))
        measured = da if kind == "after_deriv" else dh
        if kind == "per_example":
            norms.append(float(np.linalg.norm(dh, axis=1).mean()))
        elif kind == "squared":
            norms.append(float(np.sum(dh**2)))
        elif kind == "spectral":
            norms.append(float(np.linalg.norm(dh, 2)))
        else:
            norms.append(float(np.linalg.norm(measured)))
        dh_next = da @ (W if kind == "W" else W.T)
    out = np.array(norms)
    return out if kind == "reversed" else out[::-1].copy()


GRAD_NORMS_THROUGH_TIME = Exercise(
    "grad_norms_through_time", points=2, make_inputs=_norms_inputs, regimes=SEQUENCE_REGIMES, trials_visible=2,
    reference=_norms_reference,
    outputs=(Out("norms", doc="(time,)", atol=1e-12),),
    mistakes=variants(_norms_variant, {
        "reversed": "the norms are in reverse order. The backward loop visits t = T-1 first; "
                    "norms[t] must belong to step t (fill an array by index, or reverse the list).",
        "no_next": "the gradient from later steps is missing: dL/dh_t = dhs[:, t] + dh_next, and it is "
                   "this total whose norm we measure.",
        "no_deriv": "the tanh derivative is missing: going back one step multiplies by diag(1 - h_t**2) "
                    "before W.T.",
        "W": "the gradient flows back through W instead of W.T: dh_prev = da @ W.T.",
        "per_example": "the norm is averaged over the examples. Take the norm of the whole (batch, hidden) "
                       "array dL/dh_t: np.sqrt(np.sum(dh ** 2)).",
        "after_deriv": "this measures the gradient after the tanh derivative, da = dh * (1 - h_t**2). norms[t] "
                       "is the norm of dL/dh_t itself, dhs[:, t] + dh_next, taken before going back through "
                       "the tanh.",
        "squared": "these are the squared norms: take the square root, norms[t] = np.sqrt(np.sum(dh ** 2)).",
        "spectral": "np.linalg.norm(dh, 2) of a matrix is its spectral norm, the largest singular value. The "
                    "norm here is over every entry of the (batch, hidden) array dL/dh_t: np.sqrt(np.sum(dh "
                    "** 2)), which is np.linalg.norm(dh) without ord.",
        "zero_state": "the forward pass starts from a zero state instead of h0. The states h_t, and so the "
                      "tanh derivatives 1 - h_t**2 on the way back, come from running the RNN from the "
                      "given h0: h = h0 before the loop.",
    }),
    forbidden=_BACKWARD_REFERENCES + ("rnnkit.bptt.forward", "rnnkit.cells.rnn_step"),
    demo_mistake=("dh = dhs[:, t] + dh_next", "dh = dhs[:, t]"),
)


EXERCISES = (RNN_STEP_BACKWARD, RNN_BACKWARD, CLIP_GRADS, GRAD_NORMS_THROUGH_TIME)
