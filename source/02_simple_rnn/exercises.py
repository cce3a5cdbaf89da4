"""Autograded exercises of notebook 02_simple_rnn: one step, the unrolled loop, the output heads,
the loss summed over time and a two-layer (stacked) RNN.

Every reference is rnnkit's own code (:mod:`rnnkit.cells`, :mod:`rnnkit.bptt`); the mistake
models are deliberately wrong numpy versions of what students typically write: transposed
recurrent weights, a forgotten bias, sigmoid instead of tanh, a state that is never carried
to the next step, a softmax over the wrong axis, a mean over time where the lecture sums.
"""

import functools
import numpy as np

from course.cases import SEQUENCE_REGIMES
from course.cases import draw_sequence_sizes as _draw_sizes
from course.cases import sigmoid as _sigmoid
from course.exercise import Exercise, Mistake, Out

NOTEBOOK = "02_simple_rnn"

# Every forward exercise could be "solved" by calling the library's forward pass or Keras.
_FORWARD_REFERENCES = ("rnnkit.cells.rnn_step", "rnnkit.bptt.forward", "keras")


def _draw_rnn(rng, d, h):
    """U (D, H), W (H, H), b (H,) at a scale where tanh is neither linear nor saturated."""
    return {
        "U": rng.normal(0.0, 0.8, size=(d, h)),
        "W": rng.normal(0.0, 0.8 / np.sqrt(h), size=(h, h)),
        "b": rng.normal(0.0, 0.5, size=(h,)),
    }


def _loop(xs, h0, U, W, b, *, act=np.tanh, transpose_w=False, carry=True, bias=True):
    """A simple-RNN forward loop with one mistake switched on (for the mistake models)."""
    Wm = W.T if transpose_w else W
    h = h0
    out = []
    for t in range(xs.shape[1]):
        a = xs[:, t] @ U + (h if carry else h0) @ Wm + (b if bias else 0.0)
        h = act(a)
        out.append(h)
    return np.stack(out, axis=1)


# ---------------------------------------------------------------------------------------------
# rnn_step_forward


def _step_inputs(rng, hidden):
    b, _, d, h = _draw_sizes(rng, hidden)
    p = _draw_rnn(rng, d, h)
    return {"x": rng.normal(size=(b, d)), "h_prev": np.tanh(rng.normal(size=(b, h))), **p}


def _step_reference(x, h_prev, U, W, b):
    from rnnkit import cells

    h, _ = cells.rnn_step(x, h_prev, {"U": U, "W": W, "b": b})
    return h


RNN_STEP_FORWARD = Exercise(
    name="rnn_step_forward",
    notebook=NOTEBOOK,
    points=2,
    make_inputs=_step_inputs,
    reference=_step_reference,
    outputs=(Out("h", doc="(batch, hidden)"),),
    mistakes=(
        Mistake(
            "the recurrent weights are transposed. With row vectors the previous state is "
            "multiplied on the left: h_prev @ W, where row j of W holds what hidden unit j "
            "sends to every unit at the next step.",
            lambda x, h_prev, U, W, b: np.tanh(x @ U + h_prev @ W.T + b),
        ),
        Mistake(
            "the bias b is missing: h = tanh(x @ U + h_prev @ W + b).",
            lambda x, h_prev, U, W, b: np.tanh(x @ U + h_prev @ W),
        ),
        Mistake(
            "the activation is a sigmoid; the simple RNN of the lecture uses tanh, so that "
            "h stays centred on 0 and lies in (-1, 1).",
            lambda x, h_prev, U, W, b: _sigmoid(x @ U + h_prev @ W + b),
        ),
        Mistake(
            "the activation is missing: h = tanh(x @ U + h_prev @ W + b), not the bare sum.",
            lambda x, h_prev, U, W, b: x @ U + h_prev @ W + b,
        ),
        Mistake(
            "the previous state h_prev is ignored: the step must add h_prev @ W, that is what "
            "makes the network recurrent.",
            lambda x, h_prev, U, W, b: np.tanh(x @ U + b),
        ),
    ),
    forbidden=_FORWARD_REFERENCES,
    demo_mistake=("h_prev @ W", "h_prev @ W.T"),
)


# ---------------------------------------------------------------------------------------------
# rnn_forward


def _forward_inputs(rng, hidden, regime):
    b, t, d, h = _draw_sizes(rng, hidden, regime)
    p = _draw_rnn(rng, d, h)
    return {"xs": rng.normal(size=(b, t, d)), "h0": np.tanh(rng.normal(size=(b, h))), **p}


def _forward_reference(xs, h0, U, W, b):
    from rnnkit import bptt

    hs, _ = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b}, h0=h0)
    return hs


RNN_FORWARD = Exercise(
    name="rnn_forward",
    notebook=NOTEBOOK,
    points=2,
    make_inputs=_forward_inputs,
    regimes=SEQUENCE_REGIMES,
    trials_visible=2,
    reference=_forward_reference,
    outputs=(Out("hs", doc="(batch, time, hidden)"),),
    mistakes=(
        Mistake(
            "the hidden state is never carried forward: every step uses the initial state h0. "
            "Inside the loop, the new h must become the h_prev of the next step.",
            lambda xs, h0, U, W, b: _loop(xs, h0, U, W, b, carry=False),
        ),
        Mistake(
            "the recurrent weights are transposed: with row vectors the step is "
            "h @ W, not h @ W.T.",
            lambda xs, h0, U, W, b: _loop(xs, h0, U, W, b, transpose_w=True),
        ),
        Mistake(
            "the bias b is missing from the step: h_t = tanh(x_t @ U + h_{t-1} @ W + b).",
            lambda xs, h0, U, W, b: _loop(xs, h0, U, W, b, bias=False),
        ),
        Mistake(
            "the activation is a sigmoid; the simple RNN uses tanh.",
            lambda xs, h0, U, W, b: _loop(xs, h0, U, W, b, act=_sigmoid),
        ),
        Mistake(
            "the states are stacked along the first axis, giving (time, batch, hidden). The "
            "course is batch-major like Keras: stack along axis 1 so that hs[:, t] is step t.",
            lambda xs, h0, U, W, b: np.moveaxis(_loop(xs, h0, U, W, b), 1, 0),
        ),
        Mistake(
            "the first returned state is h0. hs[:, t] must be the state AFTER reading x_t, "
            "so hs[:, 0] = tanh(x_0 @ U + h0 @ W + b) and h0 itself is not returned.",
            lambda xs, h0, U, W, b: np.concatenate([h0[:, None], _loop(xs, h0, U, W, b)[:, :-1]], axis=1),
        ),
    ),
    forbidden=_FORWARD_REFERENCES,
    demo_mistake=("h @ W", "h0 @ W"),
)


# ---------------------------------------------------------------------------------------------
# softmax_head


def _head_inputs(rng, hidden):
    b, t, _, h = _draw_sizes(rng, hidden)
    k = int(rng.integers(3, 7)) if hidden else 4
    if k in (b, t):  # K must differ from B and T, or a softmax over the wrong axis keeps its shape
        k = max(b, t, k) + 1
    # A constant shift of the logits leaves the softmax unchanged, but overflows exp() in an
    # implementation that does not subtract the maximum first.
    c = rng.normal(0.0, 1.0, size=(k,)) + 750.0
    return {"hs": np.tanh(rng.normal(size=(b, t, h))), "V": rng.normal(0.0, 1.0, size=(h, k)), "c": c}


def _head_reference(hs, V, c):
    from rnnkit import bptt

    logits, _ = bptt.linear_head(hs, V, c)
    return bptt.softmax(logits)


def _softmax_axis(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


SOFTMAX_HEAD = Exercise(
    name="softmax_head",
    notebook=NOTEBOOK,
    points=2,
    make_inputs=_head_inputs,
    reference=_head_reference,
    outputs=(Out("probs", doc="(batch, time, classes)"),),
    mistakes=(
        Mistake(
            "the softmax normalises over the time axis (axis 1). Each step has its own "
            "distribution over the K classes: normalise over the last axis, so that "
            "probs[b, t].sum() == 1.",
            lambda hs, V, c: _softmax_axis(hs @ V + c, 1),
        ),
        Mistake(
            "the softmax normalises over the batch axis (axis 0). Each example and step has "
            "its own distribution over the K classes: normalise over the last axis.",
            lambda hs, V, c: _softmax_axis(hs @ V + c, 0),
        ),
        Mistake(
            "the softmax normalises over all entries at once. Each example and step has its "
            "own distribution: use axis=-1 with keepdims=True.",
            lambda hs, V, c: _softmax_axis((hs @ V + c).reshape(-1), 0).reshape(hs.shape[:2] + (V.shape[1],)),
        ),
        Mistake(
            "the output bias c is missing: the logits are hs @ V + c.",
            lambda hs, V, c: _softmax_axis(hs @ V, -1),
        ),
        Mistake(
            "these are the logits, not probabilities: apply the softmax to hs @ V + c.",
            lambda hs, V, c: hs @ V + c,
        ),
    ),
    forbidden=("rnnkit.bptt.softmax", "rnnkit.bptt.linear_head", "rnnkit.bptt.softmax_cross_entropy", "keras"),
    demo_mistake=("hs @ V + c", "hs @ V"),
)


# ---------------------------------------------------------------------------------------------
# total_cross_entropy


def _ce_inputs(rng, hidden):
    b, t, _, _ = _draw_sizes(rng, hidden)
    k = int(rng.integers(3, 7)) if hidden else 4
    logits = rng.normal(0.0, 1.5, size=(b, t, k))
    probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    return {"probs": probs, "labels": rng.integers(0, k, size=(b, t))}


def _ce_reference(probs, labels):
    from rnnkit import bptt

    # softmax(log p) = p for a normalised p, so rnnkit's loss on log-probabilities is the
    # cross-entropy of the probabilities themselves.
    per_step, total, _ = bptt.softmax_cross_entropy(np.log(probs), labels)
    return per_step, total


def _picked(probs, labels):
    """-log p[b, t, labels[b, t]] as (B, T)."""
    return -np.log(np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0])


TOTAL_CROSS_ENTROPY = Exercise(
    name="total_cross_entropy",
    notebook=NOTEBOOK,
    points=2,
    make_inputs=_ce_inputs,
    reference=_ce_reference,
    outputs=(Out("per_step", doc="(time,)"), Out("total", kind="float")),
    mistakes=(
        Mistake(
            "the total is the mean of the per-step losses. The lecture's total loss over a "
            "sequence is their SUM: L = sum over t of L_t.",
            lambda probs, labels: (_picked(probs, labels).mean(axis=0), float(_picked(probs, labels).mean(axis=0).mean())),
        ),
        Mistake(
            "the per-step loss sums over the batch. L_t is the MEAN over the batch of "
            "-log p(correct class at step t), so it does not grow with the batch size.",
            lambda probs, labels: (_picked(probs, labels).sum(axis=0), float(_picked(probs, labels).sum())),
        ),
        Mistake(
            "the per-step losses are averaged over the wrong axis: per_step[t] is the mean over "
            "the batch (axis 0) at step t, so it has shape (time,).",
            lambda probs, labels: (_picked(probs, labels).mean(axis=1), float(_picked(probs, labels).mean(axis=1).sum())),
        ),
        Mistake(
            "the sign is wrong: the cross-entropy is MINUS the log-probability of the correct "
            "class, a positive number.",
            lambda probs, labels: (-_picked(probs, labels).mean(axis=0), float(-_picked(probs, labels).mean(axis=0).sum())),
        ),
    ),
    forbidden=("rnnkit.bptt.softmax_cross_entropy", "keras"),
    demo_mistake=("per_step.sum()", "per_step.mean()"),
)


# ---------------------------------------------------------------------------------------------
# stacked_rnn_forward


def _stacked_inputs(rng, hidden, regime):
    b, t, d, h1 = _draw_sizes(rng, hidden, regime)
    h2 = int(rng.integers(2, 8)) if hidden else 3
    if h2 in (d, h1):  # H2 != D, H1 so that reading the wrong sequence breaks a shape
        h2 = max(d, h1, h2) + 1
    p1, p2 = _draw_rnn(rng, d, h1), _draw_rnn(rng, h1, h2)
    return {"xs": rng.normal(size=(b, t, d)),
            "U1": p1["U"], "W1": p1["W"], "b1": p1["b"],
            "U2": p2["U"], "W2": p2["W"], "b2": p2["b"]}


def _stacked_reference(xs, U1, W1, b1, U2, W2, b2):
    from rnnkit import bptt

    hs1, _ = bptt.forward("rnn", xs, {"U": U1, "W": W1, "b": b1})
    hs2, _ = bptt.forward("rnn", hs1, {"U": U2, "W": W2, "b": b2})
    return hs1, hs2


def _stacked_variant(xs, U1, W1, b1, U2, W2, b2, *, lag=False, recurrent2=True, transpose_w=False):
    """Two stacked layers with one mistake switched on (for the mistake models)."""
    B, T, _ = xs.shape
    zeros1, zeros2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1 = _loop(xs, zeros1, U1, W1, b1, transpose_w=transpose_w)
    below = np.concatenate([zeros1[:, None], hs1[:, :-1]], axis=1) if lag else hs1
    if recurrent2:
        hs2 = _loop(below, zeros2, U2, W2, b2, transpose_w=transpose_w)
    else:
        hs2 = np.tanh(below @ U2 + b2)
    return hs1, hs2


STACKED_RNN_FORWARD = Exercise(
    name="stacked_rnn_forward",
    notebook=NOTEBOOK,
    points=3,
    make_inputs=_stacked_inputs,
    regimes=SEQUENCE_REGIMES,
    trials_visible=2,
    reference=_stacked_reference,
    outputs=(Out("hs1", doc="(batch, time, hidden1)"), Out("hs2", doc="(batch, time, hidden2)")),
    mistakes=(
        Mistake(
            "layer 2 is not recurrent: its step must also add its own previous state, "
            "h2_t = tanh(h1_t @ U2 + h2_{t-1} @ W2 + b2).",
            functools.partial(_stacked_variant, recurrent2=False),
        ),
        Mistake(
            "layer 2 reads layer 1's state from the previous time step. At step t, first "
            "update layer 1 with x_t, then feed that new h1_t to layer 2.",
            functools.partial(_stacked_variant, lag=True),
        ),
        Mistake(
            "the recurrent weights are transposed: with row vectors each layer computes "
            "h_prev @ W, not h_prev @ W.T.",
            functools.partial(_stacked_variant, transpose_w=True),
        ),
    ),
    forbidden=_FORWARD_REFERENCES,
    demo_mistake=("h1 @ U2 + h2 @ W2 + b2", "h1 @ U2 + b2"),
)


EXERCISES = (RNN_STEP_FORWARD, RNN_FORWARD, SOFTMAX_HEAD, TOTAL_CROSS_ENTROPY, STACKED_RNN_FORWARD)
