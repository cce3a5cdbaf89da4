"""Autograded exercises of notebook 10_char_rnn_capstone: the loss and gradients of a whole
character RNN (one-hot input, simple RNN, softmax head), a few steps of clipped SGD, and a
sampling loop that feeds the model its own output.

Every reference is rnnkit's own code (:mod:`rnnkit.bptt`, :mod:`rnnkit.cells`,
:mod:`rnnkit.ngram`). The mistake models are plain numpy versions of what students typically
write: the one-hot not subtracted from the softmax, the batch summed instead of averaged, the
steps averaged instead of summed, h0 ignored; clipping forgotten or applied to the head too, a
step uphill, every step taken from the starting weights; a sample that is not fed back, a state
that is not carried, greedy decoding, the temperature multiplied.
"""

import numpy as np

from course.cases import SEQUENCE_REGIMES, distinct_sizes, softmax, variants
from course.exercise import Exercise, Out, outs

_MODEL_REFERENCES = (
    "rnnkit.bptt.forward",
    "rnnkit.bptt.backward",
    "rnnkit.bptt.truncated_backward",
    "rnnkit.bptt.linear_head",
    "rnnkit.bptt.linear_head_backward",
    "rnnkit.bptt.softmax",
    "rnnkit.bptt.softmax_cross_entropy",
    "rnnkit.cells.rnn_step",
    "rnnkit.cells.rnn_step_backward",
)


def _sizes(rng, hidden, regime=SEQUENCE_REGIMES[0]):
    """(B, T, K, H): batch, steps, vocabulary, hidden units, all different (a swapped axis shows)."""
    B, T, K, H = (3, 4, 6, 5) if not hidden else distinct_sizes(rng, 4, 2, 11)
    return B, (1 if regime == SEQUENCE_REGIMES[1] else T), K, H


def _draw_model(rng, K, H):
    """U (K, H), W (H, H), b (H,), V (H, K), c (K,): a model neither linear nor saturated, with
    nonzero biases (a missing bias shows)."""
    return {
        "U": rng.normal(0.0, 0.8, size=(K, H)),
        "W": rng.normal(0.0, 0.8 / np.sqrt(H), size=(H, H)),
        "b": rng.normal(0.0, 0.3, size=H),
        "V": rng.normal(0.0, 1.0, size=(H, K)),
        "c": rng.normal(0.0, 0.5, size=K),
    }


def _reference_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    """rnnkit's pieces: -> (loss, dU, dW, db, dV, dc, h_last)."""
    from rnnkit import bptt

    xs = np.eye(V.shape[1])[ids]
    hs, cache = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b}, h0=h0)
    logits, head = bptt.linear_head(hs, V, c)
    _, total, dlogits = bptt.softmax_cross_entropy(logits, targets)
    dhs, dV, dc = bptt.linear_head_backward(dlogits, head)
    _, _, _, grads = bptt.backward(dhs, cache)
    return float(total), grads["U"], grads["W"], grads["b"], dV, dc, hs[:, -1].copy()


def _numpy_loss_and_grads(ids, targets, h0, U, W, b, V, c, kind=None):
    """The same in plain numpy, with the mistake ``kind`` (None: no mistake)."""
    B, T = ids.shape
    K, H = V.shape[1], W.shape[0]
    xs = np.eye(K)[ids]
    h = np.zeros_like(h0) if kind == "zero_h0" else h0
    h_first, hs = h, []
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs.append(h)
    hs = np.stack(hs, axis=1)
    p = softmax(hs @ V + (0.0 if kind == "no_c" else c), axis=1 if kind == "softmax_time" else -1)
    onehot = np.eye(K)[targets]
    scale = {"sum_batch": 1.0, "mean_time": 1.0 / (B * T)}.get(kind, 1.0 / B)
    loss = -np.sum(np.log(np.sum(p * onehot, axis=-1))) * (1.0 / (B * T) if kind == "mean_loss_only" else scale)
    dz = (p if kind == "no_minus_one" else p - onehot) * scale
    dV = hs.reshape(-1, H).T @ dz.reshape(-1, K)
    dc = dz.sum(axis=(0, 1))
    dhs = dz @ V.T
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dU += xs[:, t].T @ da
        dW += (hs[:, t - 1] if t > 0 else h_first).T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return float(loss), dU, dW, db, dV, dc, hs[:, -1]


# ---------------------------------------------------------------------------------------------
# char_rnn_loss_and_grads


def _loss_inputs(rng, hidden, regime):
    B, T, K, H = _sizes(rng, hidden, regime)
    model = _draw_model(rng, K, H)
    return {"ids": rng.integers(0, K, size=(B, T)), "targets": rng.integers(0, K, size=(B, T)),
            "h0": np.tanh(rng.normal(size=(B, H))), **model}


CHAR_RNN_LOSS_AND_GRADS = Exercise(
    "char_rnn_loss_and_grads", points=4, make_inputs=_loss_inputs, regimes=SEQUENCE_REGIMES, trials_visible=2,
    trials_hidden=4, reference=_reference_loss_and_grads,
    outputs=(
        Out("loss", kind="float", doc="sum over steps of the batch-mean -ln p(target)"),
        Out("dU", doc="(vocabulary, hidden), like U"),
        Out("dW", doc="(hidden, hidden), like W"),
        Out("db", doc="(hidden,), like b"),
        Out("dV", doc="(hidden, vocabulary), like V"),
        Out("dc", doc="(vocabulary,), like c"),
        Out("h_last", doc="(batch, hidden): the state after the last step"),
    ),
    mistakes=variants(_numpy_loss_and_grads, {
        "no_minus_one": "the gradient of the logits is the softmax alone. For the loss -ln p[target] the "
                        "gradient with respect to the logits is p - onehot(target): subtract 1 at the target.",
        "sum_batch": "the loss and its gradients are summed over the batch. The lecture's loss takes the MEAN "
                     "over the batch at each step (and sums the steps): divide by B, in the loss and in the "
                     "gradient of the logits.",
        "mean_time": "the loss is averaged over the steps too (Keras reports that mean). Here the loss is the "
                     "lecture's total: the batch-mean -ln p at each step, SUMMED over the steps.",
        "zero_h0": "the given h0 is ignored: the first step must start from h0, in the forward pass and in "
                   "dW (the state before step 0 is h0).",
        "no_c": "the output bias c is missing from the logits: z = hs @ V + c.",
        "softmax_time": "the softmax runs along the time axis (axis=1), so at each step the probabilities do not "
                        "sum to 1 over the K symbols. p_t is a distribution over the next character: normalise "
                        "along the last axis, z.max(axis=-1, keepdims=True) and e.sum(axis=-1, keepdims=True).",
        "mean_loss_only": "the loss is the mean over the batch AND the steps (np.mean); your gradients are right. "
                          "The lecture's loss averages over the batch but SUMS over the steps: "
                          "-np.log(picked).sum() / B.",
    }),
    forbidden=_MODEL_REFERENCES + ("keras",),
    demo_mistake=("np.put_along_axis(dz, targets[..., None], picked[..., None] - 1, axis=-1)", "pass"),
)


# ---------------------------------------------------------------------------------------------
# sgd_steps


# Clipping only changes anything when the recurrent gradient is larger than max_norm; a loop
# that never clips passes the second regime and must fail the first.
CLIP_REGIMES = ("recurrent gradient above max_norm", "recurrent gradient below max_norm")


def _recurrent_norm(inputs):
    _, dU, dW, db, *_ = _numpy_loss_and_grads(inputs["ids"][0], inputs["targets"][0],
                                              np.zeros((inputs["ids"].shape[1], inputs["W"].shape[0])),
                                              *(inputs[k] for k in ("U", "W", "b", "V", "c")))
    return float(np.sqrt(sum(np.sum(g * g) for g in (dU, dW, db))))


def _sgd_inputs(rng, hidden, regime):
    B, T, K, H = _sizes(rng, hidden)
    S = 3 if not hidden else int(rng.integers(3, 6))
    model = _draw_model(rng, K, H)
    inputs = {"ids": rng.integers(0, K, size=(S, B, T)), "targets": rng.integers(0, K, size=(S, B, T)), **model,
              "lr": round(float(rng.uniform(0.05, 0.3)), 3)}
    norm = _recurrent_norm(inputs)
    factor = rng.uniform(0.2, 0.5) if regime == CLIP_REGIMES[0] else rng.uniform(20.0, 50.0)
    max_norm = norm * float(factor)
    if regime == CLIP_REGIMES[0]:
        # below the norm of the weights U, W, b too, so that clipping the weights instead of the
        # gradients changes them (and is not just "no clipping")
        max_norm = min(max_norm, 0.9 * float(np.sqrt(sum(np.sum(model[k] ** 2) for k in ("U", "W", "b")))))
    inputs["max_norm"] = round(max_norm, 4)
    return inputs


def _reference_sgd(ids, targets, U, W, b, V, c, lr, max_norm):
    from rnnkit import bptt

    p = {"U": U, "W": W, "b": b, "V": V, "c": c}
    losses = []
    for x, y in zip(ids, targets):
        loss, dU, dW, db, dV, dc, _ = _reference_loss_and_grads(x, y, np.zeros((x.shape[0], W.shape[0])), **p)
        clipped, _ = bptt.clip_by_global_norm({"U": dU, "W": dW, "b": db}, max_norm)
        grads = {**clipped, "V": dV, "c": dc}
        p = {name: p[name] - lr * grads[name] for name in p}
        losses.append(loss)
    return np.array(losses), p["U"], p["W"], p["b"], p["V"], p["c"]


def _scale(grads, max_norm, per_array=False, always=False):
    """Clipping by global norm (``per_array``: each array by its own norm; ``always``: rescaled to
    max_norm even when the norm is below it)."""
    if per_array:
        return [g * min(1.0, max_norm / np.sqrt(np.sum(g * g))) for g in grads]
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    if always:  # a saturated tanh can make every gradient exactly 0: no 0 / 0
        return [g * (max_norm / (norm + 1e-12)) for g in grads]
    return [g * min(1.0, max_norm / norm) for g in grads]


def _sgd_variant(ids, targets, U, W, b, V, c, lr, max_norm, *, kind):
    start = [U, W, b, V, c]
    params, losses = list(start), []
    sign = -1.0 if kind == "ascent" else 1.0
    step = lr * lr if kind == "lr_twice" else lr
    h0 = np.zeros((ids.shape[1], W.shape[0]))
    for x, y in zip(ids, targets):
        at = start if kind == "stale" else params
        loss, *grads, h_last = _numpy_loss_and_grads(x, y, h0, *at)
        if kind == "carry_state":
            h0 = h_last
        if kind == "clip_all":
            grads = _scale(grads, max_norm)
        elif kind == "clip_weights":
            at = _scale(at[:3], max_norm) + at[3:]
        elif kind != "no_clip":
            grads = _scale(grads[:3], max_norm, per_array=kind == "per_array", always=kind == "always_rescale") + grads[3:]
        params = [q - sign * step * g for q, g in zip(at, grads)]
        losses.append(loss)
    return (np.array(losses), *params)


SGD_STEPS = Exercise(
    "sgd_steps", points=3, make_inputs=_sgd_inputs, regimes=CLIP_REGIMES, trials_visible=2, trials_hidden=4,
    reference=_reference_sgd,
    outputs=outs(losses="(steps,): the loss of each batch, before its update",
                 U="(vocabulary, hidden) after the last step", W="(hidden, hidden) after the last step",
                 b="(hidden,) after the last step", V="(hidden, vocabulary) after the last step",
                 c="(vocabulary,) after the last step"),
    mistakes=variants(_sgd_variant, {
        "no_clip": "the recurrent gradients are not clipped. Pass dU, dW, db through your clip_grads (global "
                   "norm at most max_norm) before the update; the losses match until the first large gradient.",
        "clip_all": "the head's gradients dV, dc are clipped together with the recurrent ones. Clip only dU, dW, "
                    "db (your clip_grads of notebook 3), and update V and c with their own gradients.",
        "per_array": "dU, dW and db are clipped one by one. Clip them TOGETHER by their global norm, so the "
                     "update keeps its direction.",
        "ascent": "the weights move uphill: gradient DESCENT subtracts, theta = theta - lr * grad.",
        "stale": "every step starts again from the initial weights. Each batch's gradient must be taken at the "
                 "weights the previous step produced: reassign U, W, b, V, c inside the loop.",
        "lr_twice": "the learning rate is applied twice (the gradients scaled by lr, then the update "
                    "theta - lr * grad), so every step is lr times too short. Multiply by lr once: "
                    "U = U - lr * dU with the clipped gradient dU.",
        "carry_state": "the state is carried from batch to batch (h0 of a batch is the previous batch's h_last). "
                       "The batches are separate chunks of text: every batch starts from the zero state, "
                       "h0 = np.zeros((B, H)).",
        "always_rescale": "the gradients are always rescaled to norm max_norm, also when their norm is already "
                          "below it. Clipping only shrinks: scale = min(1, max_norm / norm), so a small gradient "
                          "is left as it is (check the clip_grads you pasted).",
        "clip_weights": "the weights U, W, b are clipped instead of their gradients. Clipping tames the update: pass "
                        "the gradients dU, dW, db through clip_grads, then update U = U - lr * dU with them.",
    }),
    forbidden=_MODEL_REFERENCES + ("rnnkit.bptt.clip_by_global_norm", "keras"),
    demo_mistake=("dU, dW, db = clip_grads(dU, dW, db, max_norm)", "pass"),
)


# ---------------------------------------------------------------------------------------------
# sample_chars


_SAMPLE_KINDS = ("no_feedback", "no_state", "greedy", "times_t", "with_first", "probs_divided", "predict_first",
                 "feed_argmax")


def _sample_inputs(rng, hidden):
    _, _, K, H = _sizes(rng, hidden)
    n = 12 if not hidden else int(rng.integers(20, 41))
    temperature = float(rng.choice([0.5, 0.7, 1.5, 2.0])) if hidden else 0.7
    for _ in range(1000):
        model = _draw_model(rng, K, H)
        model["V"] *= 1.5  # peaked enough that feeding back the sample matters, flat enough to sample
        inputs = {"first_id": int(rng.integers(K)), "h0": np.tanh(rng.normal(size=H)), **model,
                  "temperature": temperature, "u": rng.uniform(0.0, 1.0, size=n)}
        # Keep a case on which no two of the answers (right or wrong) agree, so that each
        # mistake is named by its own message (a hot temperature multiplied can look greedy).
        outs = {tuple(_sample_variant(**inputs, kind=kind)) for kind in (None,) + _SAMPLE_KINDS}
        if len(outs) == 1 + len(_SAMPLE_KINDS):
            return inputs
    raise RuntimeError("sample_chars: could not draw an informative case")  # pragma: no cover


def _reference_sample(first_id, h0, U, W, b, V, c, temperature, u):
    from rnnkit import bptt, cells, ngram

    p, h, char, out = {"U": U, "W": W, "b": b}, h0[None], first_id, []
    for draw in u:
        h, _ = cells.rnn_step(np.eye(U.shape[0])[[char]], h, p)
        char = ngram.sample_categorical(bptt.softmax((h[0] @ V + c) / temperature), draw)
        out.append(char)
    return np.array(out, dtype=np.int64)


def _sample_variant(first_id, h0, U, W, b, V, c, temperature, u, *, kind):
    h, char, out = h0, first_id, []
    for draw in u:
        h_before = h
        h = np.tanh(U[first_id if kind == "no_feedback" else char] + (h0 if kind == "no_state" else h) @ W + b)
        z = (h_before if kind == "predict_first" else h) @ V + c
        if kind == "probs_divided":
            probs = softmax(z) / temperature
        else:
            probs = softmax(z * temperature if kind == "times_t" else z / temperature)
        if kind == "greedy":
            drawn = int(np.argmax(probs))
        else:
            drawn = int(min(np.sum(np.cumsum(probs) <= draw), len(probs) - 1))
        char = int(np.argmax(probs)) if kind == "feed_argmax" else drawn
        out.append(drawn)
    if kind == "with_first":
        out = [first_id] + out[:-1]
    return np.array(out, dtype=np.int64)


SAMPLE_CHARS = Exercise(
    "sample_chars", points=3, make_inputs=_sample_inputs, reference=_reference_sample,
    outputs=(Out("ids", kind="int_array", doc="(n,): the generated character ids, first_id not included"),),
    mistakes=variants(_sample_variant, {
        "no_feedback": "every step reads first_id again. Generation feeds the model its own output: the "
                       "character you just drew is the input of the next step.",
        "no_state": "the state is not carried: every step starts from h0. Keep h from step to step, as in "
                    "rnn_forward.",
        "greedy": "the most likely character is taken at every step (greedy decoding). Draw with u[t]: the first "
                  "index whose cumulative probability exceeds u[t].",
        "times_t": "the logits are multiplied by the temperature. Divide them: softmax(z / temperature).",
        "with_first": "the output starts with first_id. Return only the n characters you generated, the first "
                      "one drawn after reading first_id.",
        "probs_divided": "the probabilities were divided by the temperature after the softmax, so they no longer "
                         "sum to 1. The temperature divides the LOGITS before the softmax: softmax(z / temperature) "
                         "with z = h @ V + c.",
        "predict_first": "each character is drawn from the state BEFORE the current character is read, so the "
                         "first draw ignores first_id. The order at every step: read the current character and "
                         "update the state, h = tanh(U[char] + h @ W + b), then draw the next one from softmax(z / "
                         "temperature) with z = h @ V + c.",
        "feed_argmax": "the character fed back is the most likely one (argmax), not the one you drew and return. "
                       "The model reads its own output: the drawn character is the next step's input.",
    }),
    forbidden=_MODEL_REFERENCES + ("rnnkit.ngram.sample_categorical", "keras"), trials_hidden=3,
    demo_mistake=("z = (h @ V + c) / temperature", "z = (h @ V + c) * temperature"),
)


EXERCISES = (CHAR_RNN_LOSS_AND_GRADS, SGD_STEPS, SAMPLE_CHARS)
