"""Run a cell over a whole sequence and back-propagate through time (full or truncated).

:func:`forward` loops over time around the step functions of :mod:`rnnkit.cells` and keeps
each step's cache; :func:`backward` loops back over their ``*_step_backward``, carrying
``dL/dh`` (and ``dL/dc``) from step t to step t - 1 and adding up every step's parameter
gradients, as Karpathy's min-char-rnn does. Arrays are batch-major, ``(B, T, ...)``, as in
Keras. :mod:`rnnkit.engine` computes the same numbers faster (fused gates, in place, on two
threads): use it to train.

Also here: gradient clipping, the norm of ``dL/dh_t`` over time (vanishing and exploding
gradients), and the output heads and losses.

Defined in notebooks 02_simple_rnn, 03_bptt and 05_lstm.
Used in notebooks 04_architecture_zoo, 06_gru, 08_text_generation and 10_char_rnn_capstone.
"""

import numbers

import numpy as np

from rnnkit import cells, engine
from rnnkit.cells import _check_shape
from rnnkit.delegation import reference
from rnnkit.validate import _SEQ, _check_dhs, _check_k, _check_sequence_inputs

_STEPS = {"rnn": cells.rnn_step, "gru": cells.gru_step}  # the LSTM's step also carries c
_STEP_BACKWARDS = {"rnn": cells.rnn_step_backward, "gru": cells.gru_step_backward}


# --------------------------------------------------------------------------------------------
# Forward


@reference
@engine.one_blas_thread()  # many small products: see its docstring
def forward(kind, xs, p, h0=None, c0=None):
    """Run a ``kind`` cell ("rnn", "lstm", "gru") over the sequences ``xs``.

    xs (B, T, D); p the cell's parameters (peephole LSTM when ``"P_f"`` in p); h0, c0 (B, H)
    initial states, zeros when None (``c0`` only for an LSTM). Returns ``(hs (B, T, H),
    cache)``: ``hs[:, t]`` is ``h_t``. The cache is what :func:`backward` needs; its gate
    activations are available through :func:`gate_values`. Float32 inputs give float32
    outputs.

    Defined in notebook 02_simple_rnn, section 2.4 "Unrolling over time".
    Used in notebooks 03_bptt, 04_architecture_zoo, 05_lstm, 06_gru (sections 6.1 and 6.6),
    08_text_generation (section 8.4) and 10_char_rnn_capstone (sections 10.2-10.4).
    """
    xs, p, h, c = _check_sequence_inputs("bptt.forward", kind, xs, p, h0, c0)
    B, T, D = xs.shape
    hs = np.empty((B, T, h.shape[1]), h.dtype)
    steps = []
    for t in range(T):
        if kind == "lstm":
            h, c, step = cells.lstm_step(xs[:, t], h, c, p)
        else:
            h, step = _STEPS[kind](xs[:, t], h, p)
        hs[:, t] = h
        steps.append(step)
    return hs, {"_kind": kind, "shape": (B, T, D, h.shape[1]), "dtype": h.dtype, "steps": steps}


def gate_values(cache):
    """The gate activations of a :func:`forward` pass: dict name -> (B, T, H).

    LSTM: ``f i o g`` (and the cell states ``c``); GRU: ``z r g``; a simple RNN has none.
    For gate heat maps (rnnkit.plots.plot_gate_heatmap takes ``values[name][b]``).

    Defined in notebook 05_lstm, section 5.6 "Looking inside the gates".
    """
    kind = _check_cache("gate_values", cache)
    names = {"rnn": (), "lstm": ("f", "i", "o", "g", "c"), "gru": ("z", "r", "g")}[kind]
    return {name: np.stack([step[name] for step in cache["steps"]], axis=1) for name in names}


# --------------------------------------------------------------------------------------------
# Backward


def _backward_through_time(where, dhs, cache, k=None):
    """The time loop of BPTT, shared by backward, truncated_backward and grad_norms.

    dhs (B, T, H) = dL/dh_t from the loss at each step. Returns ``(dxs (B, T, D), dh0 (B, H),
    dc0 (B, H) or None, grads, norms (T,))``, norms ``|dL/dh_t|``. With ``k`` nothing flows
    back across the boundary into a step t where t + 1 is a multiple of k (truncated BPTT).
    """
    kind = _check_cache(where, cache)
    dhs = _check_dhs(where, dhs, cache)
    B, T, D, H = cache["shape"]
    steps = cache["steps"]
    dxs = np.empty((B, T, D), cache["dtype"])
    grads = dict.fromkeys(steps[0]["p"], 0)
    norms = np.empty(T)
    dh = np.zeros((B, H), cache["dtype"])  # dL/dh_t arriving from step t + 1
    dc = np.zeros_like(dh) if kind == "lstm" else None
    for t in reversed(range(T)):
        if k is not None and (t + 1) % k == 0:
            # step t ends a segment: the next segment's start counts as a constant
            dh = np.zeros_like(dh)
            dc = None if dc is None else np.zeros_like(dc)
        dh = dhs[:, t] + dh  # the total dL/dh_t: its own loss term and what came back
        norms[t] = np.linalg.norm(dh)
        if kind == "lstm":
            dxs[:, t], dh, dc, step_grads = cells.lstm_step_backward(dh, dc, steps[t])
        else:
            dxs[:, t], dh, step_grads = _STEP_BACKWARDS[kind](dh, steps[t])
        for name, g in step_grads.items():
            grads[name] += g
    return dxs, dh, dc, grads, norms


@reference
@engine.one_blas_thread()  # many small products: see its docstring
def backward(dhs, cache):
    """Full backpropagation through time.

    dhs (B, T, H): dL/dh_t coming from the loss at each step (zeros where a step has no loss).
    Returns ``(dxs (B, T, D), dh0 (B, H), dc0 (B, H) or None, grads)``; ``dc0`` is None unless
    the cell is an LSTM; grads has the keys of ``p``.

    Defined in notebook 03_bptt, section 3.3 "Backward through the whole sequence".
    Used in notebooks 05_lstm (section 5.2), 06_gru (section 6.6) and 10_char_rnn_capstone
    (sections 10.2-10.4).
    """
    return _backward_through_time("bptt.backward", dhs, cache)[:4]


@reference
@engine.one_blas_thread()  # many small products: see its docstring
def truncated_backward(dhs, cache, k):
    """Truncated BPTT: the gradient does not cross the boundaries of consecutive k-step segments.

    The forward pass (and so the state) ran over the whole sequence; backward, the steps
    ``[0, k)``, ``[k, 2k)``, ... are separate segments whose initial states count as constants,
    exactly as when training on chunks of a long sequence. ``k >= T`` is full BPTT. Same
    returns as :func:`backward`; ``dh0``/``dc0`` come from the first segment.

    Defined in notebook 03_bptt, section 3.6 "Truncated BPTT".
    Used in notebook 10_char_rnn_capstone, sections 10.2-10.4.
    """
    where = "bptt.truncated_backward"
    return _backward_through_time(where, dhs, cache, _check_k(where, k))[:4]


@reference
@engine.one_blas_thread()  # many small products: see its docstring
def grad_norms(dhs, cache):
    """``|dL/dh_t|`` for t = 0..T-1 (norm over batch and hidden units), shape (T,).

    The total gradient at ``h_t``: its own loss term plus everything flowing back from later
    steps. Plotted against t it shows vanishing or exploding gradients.

    Defined in notebook 03_bptt, section 3.5 "Vanishing and exploding gradients".
    """
    return _backward_through_time("bptt.grad_norms", dhs, cache)[4]


# --------------------------------------------------------------------------------------------
# Checks


def _check_cache(where, cache):
    if (not isinstance(cache, dict) or cache.get("_kind") not in cells.KINDS
            or "steps" not in cache):
        raise TypeError(f"{where}: cache must be the cache returned by rnnkit.bptt.forward")
    return cache["_kind"]


# --------------------------------------------------------------------------------------------
# Clipping


@reference
def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together so their global norm is at most ``max_norm``.

    global norm = sqrt(sum of squares of every entry of every gradient). Returns
    ``(clipped, norm)``: a new dict (the input is not modified) and the norm *before*
    clipping. Directions are kept; only the length shrinks.

    Defined in notebook 03_bptt, section 3.7 "Gradient clipping".
    Used in notebook 10_char_rnn_capstone, section 10.3 "Training with SGD (core)".
    """
    where = "clip_by_global_norm"
    if not isinstance(grads, dict):
        raise TypeError(f"{where}: grads must be a dict name -> array, got {type(grads).__name__}")
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) or not max_norm > 0:
        raise ValueError(f"{where}: max_norm must be a positive number, got {max_norm!r}")
    arrays = {name: cells._as_float_array(where, f"grads[{name!r}]", g)
              for name, g in grads.items()}
    norm = float(np.sqrt(sum(np.vdot(g, g).real for g in arrays.values())))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * g.dtype.type(scale) for name, g in arrays.items()}, norm


# --------------------------------------------------------------------------------------------
# Heads and losses


@reference
def linear_head(hs, V, c):
    """Output layer ``out = hs @ V + c`` at every step.

    hs (B, T, H) (or (B, H) for one output per sequence), V (H, K), c (K,). Returns
    ``(out (B, T, K), cache)``.

    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over time".
    Used in notebooks 03_bptt (sections 3.3 and 3.7), 04_architecture_zoo (sections 4.4 and 4.5)
    and 10_char_rnn_capstone (sections 10.2-10.4).
    """
    where = "linear_head"
    hs = cells._as_float_array(where, "hs", hs)
    if hs.ndim not in (2, 3):
        raise ValueError(f"{where}: hs must have shape (B, T, H) ({_SEQ}) or (B, H), "
                         f"got shape {hs.shape}")
    H = hs.shape[-1]
    V = cells._as_float_array(where, "V", V)
    if V.ndim != 2 or V.shape[0] != H:
        raise ValueError(f"{where}: V must have shape (H, K) = ({H}, K) (hidden units x "
                         f"outputs), got shape {V.shape}")
    c = _check_shape(where, "c", c, (("K", V.shape[1]),), "one bias per output")
    return hs @ V + c, (hs, V)


@reference
def linear_head_backward(dout, cache):
    """Gradient of :func:`linear_head`. dout (B, T, K). Returns ``(dhs, dV (H, K), dc (K,))``.

    Defined in notebook 03_bptt, section 3.3 "Backward through the whole sequence".
    Used in notebook 10_char_rnn_capstone, sections 10.2-10.4.
    """
    hs, V = cache
    K = V.shape[1]
    spec = tuple(zip(("B", "T") if hs.ndim == 3 else ("B",), hs.shape[:-1])) + (("K", K),)
    dout = _check_shape("linear_head_backward", "dout", dout, spec, "like out")
    H = hs.shape[-1]
    dV = hs.reshape(-1, H).T @ dout.reshape(-1, K)
    return dout @ V.T, dV, dout.reshape(-1, K).sum(axis=0)


def _as_steps(where, name, a):
    """View (B, T) or (B, T, K) as (B, T, K)."""
    if a.ndim == 2:
        return a[:, :, None]
    if a.ndim == 3:
        return a
    raise ValueError(f"{where}: {name} must have shape (B, T, K) (batch, time steps, outputs) "
                     f"or (B, T), got shape {a.shape}")


@reference
def mse_loss(y, target):
    """Mean squared error per time step.

    y, target (B, T, K) (or (B, T): one output per step). ``per_step[t]`` is the mean over
    the batch (and the K outputs) of ``(y - target)^2`` at step t, ``total = per_step.sum()``
    and ``dy = d total / d y`` (shape of y). Returns ``(per_step (T,), total, dy)``.

    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over time".
    Used in notebook 03_bptt, sections 3.3 "Backward through the whole sequence" and 3.7 "Gradient clipping".
    """
    where = "mse_loss"
    y = cells._as_float_array(where, "y", y)
    target = cells._as_float_array(where, "target", target)
    y3 = _as_steps(where, "y", y)
    if target.shape != y.shape:
        raise ValueError(f"{where}: target must have the shape of y {y.shape} (batch, time "
                         f"steps[, outputs]), got shape {target.shape}")
    B, _, K = y3.shape
    diff = y3 - _as_steps(where, "target", target)
    per_step = np.mean(diff * diff, axis=(0, 2))
    dy = (diff * (2.0 / (B * K))).astype(diff.dtype, copy=False).reshape(y.shape)
    return per_step, per_step.sum(), dy


@reference
def softmax(logits):
    """Softmax over the last axis, computed stably (the row maximum is subtracted first).

    Any shape (..., K); returns probabilities of the same shape and dtype.

    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over time".
    Used in notebooks 04_architecture_zoo (section 4.8), 08_text_generation (sections 8.4-8.6)
    and 10_char_rnn_capstone (sections 10.2-10.4).
    """
    logits = cells._as_float_array("softmax", "logits", logits)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


@reference
def softmax_cross_entropy(logits, labels):
    """Softmax cross-entropy per time step.

    logits (B, T, K), labels (B, T) integers in [0, K). ``per_step[t]`` is the mean over the
    batch of ``-log softmax(logits[b, t])[labels[b, t]]``, ``total = per_step.sum()`` and
    ``dlogits = d total / d logits = (softmax - one_hot(labels)) / B``. Also accepts
    logits (B, K) with labels (B,) as a single step. Returns ``(per_step (T,), total, dlogits)``.

    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over time".
    Used in notebook 08_text_generation, section 8.4, and notebook 10_char_rnn_capstone, sections 10.2-10.4.
    """
    where = "softmax_cross_entropy"
    logits = cells._as_float_array(where, "logits", logits)
    if logits.ndim not in (2, 3):
        raise ValueError(f"{where}: logits must have shape (B, T, K) (batch, time steps, "
                         f"classes), got shape {logits.shape}")
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{where}: labels must be integer class ids, got dtype {labels.dtype}")
    if labels.shape != logits.shape[:-1]:
        want = "(B, T)" if logits.ndim == 3 else "(B,)"
        raise ValueError(f"{where}: labels must have shape {want} = {logits.shape[:-1]}, one "
                         f"class id per (sequence, step) of logits, got shape {labels.shape}")
    K = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= K):
        raise ValueError(f"{where}: labels must lie in [0, K) = [0, {K}), got values from "
                         f"{labels.min()} to {labels.max()}")
    lg = logits if logits.ndim == 3 else logits[:, None, :]
    lb = labels if labels.ndim == 2 else labels[:, None]
    B = lg.shape[0]
    shifted = lg - lg.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=-1))
    picked = np.take_along_axis(shifted, lb[..., None], axis=-1)[..., 0]
    per_step = np.mean(log_z - picked, axis=0)
    dlogits = np.exp(shifted - log_z[..., None])
    np.put_along_axis(dlogits, lb[..., None],
                      np.take_along_axis(dlogits, lb[..., None], axis=-1) - 1, axis=-1)
    dlogits /= B
    return per_step, per_step.sum(), dlogits.reshape(logits.shape)
