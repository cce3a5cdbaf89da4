"""Autograded exercises of notebook 02_simple_rnn: one step, the unrolled loop, the output heads,
the loss summed over time and a two-layer (stacked) RNN.

Every reference is rnnkit's own code (:mod:`rnnkit.cells`, :mod:`rnnkit.bptt`); the mistake
models are deliberately wrong numpy versions of what students typically write: transposed
recurrent weights, a forgotten bias, sigmoid instead of tanh, a state that is never carried
to the next step, a softmax over the wrong axis, a mean over time where the lecture sums.
"""

import numpy as np

from course.cases import SEQUENCE_REGIMES, draw_rnn_params, rnn_states, softmax, variants
from course.cases import draw_sequence_sizes as _draw_sizes
from course.cases import sigmoid as _sigmoid
from course.exercise import Exercise, Out


# Every forward exercise could be "solved" by calling the library's forward pass or Keras.
_FORWARD_REFERENCES = ("rnnkit.cells.rnn_step", "rnnkit.bptt.forward", "keras")


def _draw_rnn(rng, d, h):
    """U (D, H), W (H, H), b (H,) at a scale where tanh is neither linear nor saturated."""
    return draw_rnn_params(rng, d, h, scale=0.8, bias_scale=0.5)


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


def _step_variant(x, h_prev, U, W, b, *, kind):
    """One step with the mistake ``kind`` (for the mistake models)."""
    act = {"sigmoid": _sigmoid, "no_tanh": lambda a: a}.get(kind, np.tanh)
    a = x @ U
    if kind != "no_state":
        a = a + h_prev @ (W.T if kind == "W.T" else W)
    return act(a if kind == "no_bias" else a + b)


RNN_STEP_FORWARD = Exercise(
    "rnn_step_forward", points=2, make_inputs=_step_inputs, reference=_step_reference,
    outputs=(Out("h", doc="(batch, hidden)"),),
    mistakes=variants(_step_variant, {
        "W.T": "the recurrent weights are transposed. With row vectors the previous state is "
               "multiplied on the left: h_prev @ W, where row j of W holds what hidden unit j "
               "sends to every unit at the next step.",
        "no_bias": "the bias b is missing: h = tanh(x @ U + h_prev @ W + b).",
        "sigmoid": "the activation is a sigmoid; the simple RNN of the lecture uses tanh, so that "
                   "h stays centred on 0 and lies in (-1, 1).",
        "no_tanh": "the activation is missing: h = tanh(x @ U + h_prev @ W + b), not the bare sum.",
        "no_state": "the previous state h_prev is ignored: the step must add h_prev @ W, that is what "
                    "makes the network recurrent.",
    }),
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


def _forward_variant(xs, h0, U, W, b, *, kind):
    """The unrolled loop with the mistake ``kind`` (for the mistake models)."""
    hs = rnn_states(xs, h0, U, W.T if kind == "W.T" else W, b, carry=kind != "no_carry",
                    bias=kind != "no_bias", act=_sigmoid if kind == "sigmoid" else np.tanh)
    if kind == "time_major":
        return np.moveaxis(hs, 1, 0)
    if kind == "h0_first":
        return np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    return hs


RNN_FORWARD = Exercise(
    "rnn_forward", points=2, make_inputs=_forward_inputs, reference=_forward_reference,
    regimes=SEQUENCE_REGIMES, trials_visible=2,
    outputs=(Out("hs", doc="(batch, time, hidden)"),),
    mistakes=variants(_forward_variant, {
        "no_carry": "the hidden state is never carried forward: every step uses the initial state h0. "
                    "Inside the loop, the new h must become the h_prev of the next step.",
        "W.T": "the recurrent weights are transposed: with row vectors the step is "
               "h @ W, not h @ W.T.",
        "no_bias": "the bias b is missing from the step: h_t = tanh(x_t @ U + h_{t-1} @ W + b).",
        "sigmoid": "the activation is a sigmoid; the simple RNN uses tanh.",
        "time_major": "the states are stacked along the first axis, giving (time, batch, hidden). The "
                      "course is batch-major like Keras: stack along axis 1 so that hs[:, t] is step t.",
        "h0_first": "the first returned state is h0. hs[:, t] must be the state AFTER reading x_t, "
                    "so hs[:, 0] = tanh(x_0 @ U + h0 @ W + b) and h0 itself is not returned.",
    }),
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


def _head_variant(hs, V, c, *, kind):
    """The softmax head with the mistake ``kind`` (for the mistake models)."""
    logits = hs @ V + c
    if kind == "all":
        return softmax(logits.reshape(-1), 0).reshape(logits.shape)
    if kind == "logits":
        return logits
    if kind == "no_bias":
        return softmax(hs @ V)
    if kind in ("max_batch", "max_time"):  # a stable softmax that subtracts the wrong maximum
        shifted = np.exp(logits - logits.max(axis=0 if kind == "max_batch" else 1, keepdims=True))
        return shifted / np.sum(shifted, axis=-1, keepdims=True)
    return softmax(logits, {"time": 1, "batch": 0}[kind])


SOFTMAX_HEAD = Exercise(
    "softmax_head", points=2, make_inputs=_head_inputs, reference=_head_reference,
    outputs=(Out("probs", doc="(batch, time, classes)"),),
    mistakes=variants(_head_variant, {
        "time": "the softmax normalises over the time axis (axis 1). Each step has its own "
                "distribution over the K classes: normalise over the last axis, so that "
                "probs[b, t].sum() == 1.",
        "batch": "the softmax normalises over the batch axis (axis 0). Each example and step has "
                 "its own distribution over the K classes: normalise over the last axis.",
        "all": "the softmax normalises over all entries at once. Each example and step has its "
               "own distribution: use axis=-1 with keepdims=True.",
        "no_bias": "the output bias c is missing: the logits are hs @ V + c.",
        "logits": "these are the logits, not probabilities: apply the softmax to hs @ V + c.",
        "max_batch": "the maximum subtracted before np.exp is taken over the batch axis (axis 0), so each "
                     "class gets a different number subtracted and the probabilities change. The softmax "
                     "only allows the SAME number to be subtracted from all K logits of one example and "
                     "step: z - z.max(axis=-1, keepdims=True), the last axis, like the sum.",
        "max_time": "the maximum subtracted before np.exp is taken over the time axis (axis 1), so each "
                    "class gets a different number subtracted and the probabilities change. The softmax "
                    "only allows the SAME number to be subtracted from all K logits of one example and "
                    "step: z - z.max(axis=-1, keepdims=True), the last axis, like the sum.",
    }),
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


def _ce_variant(probs, labels, *, kind):
    """The loss with the mistake ``kind`` (for the mistake models)."""
    picked = -np.log(np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0])  # (B, T)
    if kind == "all_classes":
        picked = -np.log(probs).sum(axis=-1)
    if kind == "batch_sum":
        return picked.sum(axis=0), float(picked.sum())
    per_step = picked.mean(axis=1 if kind == "time_mean" else 0)
    if kind == "sign":
        per_step = -per_step
    return per_step, float(per_step.mean() if kind == "total_mean" else per_step.sum())


TOTAL_CROSS_ENTROPY = Exercise(
    "total_cross_entropy", points=2, make_inputs=_ce_inputs, reference=_ce_reference,
    outputs=(Out("per_step", doc="(time,)"), Out("total", kind="float")),
    mistakes=variants(_ce_variant, {
        "total_mean": "the total is the mean of the per-step losses. The lecture's total loss over a "
                      "sequence is their SUM: L = sum over t of L_t.",
        "batch_sum": "the per-step loss sums over the batch. L_t is the MEAN over the batch of "
                     "-log p(correct class at step t), so it does not grow with the batch size.",
        "time_mean": "the per-step losses are averaged over the wrong axis: per_step[t] is the mean over "
                     "the batch (axis 0) at step t, so it has shape (time,).",
        "sign": "the sign is wrong: the cross-entropy is MINUS the log-probability of the correct "
                "class, a positive number.",
        "all_classes": "this sums -log p over all K classes. The cross-entropy of a step uses one entry "
                       "only, the probability of the correct class that the label names: -log probs[b, t, "
                       "labels[b, t]] (np.take_along_axis picks it), then the mean over the batch.",
    }),
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


def _stacked_variant(xs, U1, W1, b1, U2, W2, b2, *, kind):
    """Two stacked layers with the mistake ``kind`` (for the mistake models)."""
    if kind == "W.T":
        W1, W2 = W1.T, W2.T
    hs1 = rnn_states(xs, None, U1, W1, b1)
    below = np.concatenate([np.zeros_like(hs1[:, :1]), hs1[:, :-1]], axis=1) if kind == "lag" else hs1
    if kind == "not_recurrent":
        return hs1, np.tanh(below @ U2 + b2)
    return hs1, rnn_states(below, None, U2, W2, b2)


STACKED_RNN_FORWARD = Exercise(
    "stacked_rnn_forward", points=3, make_inputs=_stacked_inputs, reference=_stacked_reference,
    regimes=SEQUENCE_REGIMES, trials_visible=2,
    outputs=(Out("hs1", doc="(batch, time, hidden1)"), Out("hs2", doc="(batch, time, hidden2)")),
    mistakes=variants(_stacked_variant, {
        "not_recurrent": "layer 2 is not recurrent: its step must also add its own previous state, "
                         "h2_t = tanh(h1_t @ U2 + h2_{t-1} @ W2 + b2).",
        "lag": "layer 2 reads layer 1's state from the previous time step. At step t, first "
               "update layer 1 with x_t, then feed that new h1_t to layer 2.",
        "W.T": "the recurrent weights are transposed: with row vectors each layer computes "
               "h_prev @ W, not h_prev @ W.T.",
    }),
    forbidden=_FORWARD_REFERENCES,
    demo_mistake=("h1 @ U2 + h2 @ W2 + b2", "h1 @ U2 + b2"),
)


EXERCISES = (RNN_STEP_FORWARD, RNN_FORWARD, SOFTMAX_HEAD, TOTAL_CROSS_ENTROPY, STACKED_RNN_FORWARD)
