"""Run a cell over a whole sequence and back-propagate through time (full or truncated).

``forward`` and ``backward`` loop over time around the very same per-step cores as
:mod:`rnnkit.cells` (``cells._rnn_core`` and friends): this module only adds the bookkeeping
that makes a sequence fast.

* The input projections ``x_t U + b`` of all time steps come from one matrix product before
  the loop; each step then does a single recurrent product with all gates fused (``(H, 4H)``
  for an LSTM).
* The backward loop only carries ``dh`` (and ``dc``) back and stores each step's
  pre-activation gradient; the weight gradients come after the loop from one matrix product
  over all (step, sequence) pairs.
* Buffers are allocated once per call; arrays are time-major and in the cores' column layout
  (``(T, H, B)``: each step one contiguous block); the public shapes are batch-major
  ``(B, T, ...)`` as in Keras.
* For large problems the weight gradients of finished chunks of steps are computed on a
  second thread while the backward loop carries on (numpy lets go of the GIL in its products),
  so a free core hides most of them. The loop never waits for that thread, so this costs
  nothing when the cores are busy; the chunks depend only on the sizes, so results are
  reproducible.

Also here: gradient clipping, the norm of ``dL/dh_t`` over time (vanishing and exploding
gradients), and the output heads and losses. Used in notebooks 02_simple_rnn, 03_bptt,
04_architecture_zoo, 05_lstm and 08_text_generation.
"""

import concurrent.futures
import numbers
import os

import numpy as np

from rnnkit import cells
from rnnkit.cells import _check_kind, _check_params, _check_shape, _hidden_size
from rnnkit.delegation import reference

_SEQ = "batch x time steps x hidden units"


def _to_columns(a, out=None):
    """(B, T, F) batch-major -> (T, F, B): time-major, one column per sequence.

    One 2-D transpose per step: several times faster than numpy's general 3-D transposing
    copy, whose memory access jumps around.
    """
    B, T, F = a.shape
    if out is None:
        out = np.empty((T, F, B), a.dtype)
    for t in range(T):
        out[t] = a[:, t].T
    return out


def _from_columns(a, out=None):
    """(T, F, B) -> (B, T, F) (step by step, as _to_columns)."""
    T, F, B = a.shape
    if out is None:
        out = np.empty((B, T, F), a.dtype)
    for t in range(T):
        out[:, t] = a[t].T
    return out


# --------------------------------------------------------------------------------------------
# A helper thread for large problems
#
# The time loop is sequential, but the work around it is not: projecting the inputs of the
# next steps, turning finished steps' states into the batch-major output, computing the weight
# gradients of finished steps. For large problems that work is cut into chunks of steps and
# done on a second thread while the loop runs (numpy lets go of the GIL in its products and
# copies). The loop only waits for work it needs next, which is normally long done, so a busy
# machine loses nothing, and a free core takes that work off the critical path (the backward
# pass of a 64 x 100 x 128 LSTM ran about 40% faster on a lightly loaded 2-core machine).
# Chunks depend only on the sizes, so the numbers are the same on every machine.

_PIPELINE_MIN_FLOPS = 2e8  # smaller problems: handing work to a thread costs more than it saves
_CHUNKS = 8
_pool = None


def _forget_pool():
    # a forked child (multiprocessing, graders) has no copy of the thread: start a new one
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool)


def _chunks(kind, B, T, D, H):
    """Chunks of steps ``[(t0, t1), ...]`` and the pool that runs them (None: all here)."""
    global _pool
    flops = 2.0 * T * B * len(cells.GATES[kind]) * H * (D + H)   # one pass's products
    if flops < _PIPELINE_MIN_FLOPS or T < 2:
        return [(0, T)], None
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rnnkit-bptt")
    size = -(-T // _CHUNKS)
    return [(t0, min(t0 + size, T)) for t0 in range(0, T, size)], _pool


def _start(pool, fn, *args):
    """``fn(*args)`` on the pool, or right here when there is none; returns a Future."""
    if pool is not None:
        return pool.submit(fn, *args)
    done = concurrent.futures.Future()
    done.set_result(fn(*args))
    return done


# --------------------------------------------------------------------------------------------
# Forward


@reference
@cells.one_blas_thread()  # many small products: see its docstring
def forward(kind, xs, p, h0=None, c0=None):
    """Run a ``kind`` cell ("rnn", "lstm", "gru") over the sequences ``xs``.

    xs (B, T, D); p the cell's parameters (peephole LSTM when ``"P_f"`` in p); h0, c0 (B, H)
    initial states, zeros when None (``c0`` only for an LSTM). Returns ``(hs (B, T, H),
    cache)``: ``hs[:, t]`` is ``h_t``. The cache is what :func:`backward` needs; its gate
    activations are available through :func:`gate_values`. Float32 inputs give float32
    outputs. Defined in notebook 02_simple_rnn, section 2.4 "Unrolling over time".
    """
    where = "bptt.forward"
    _check_kind(kind)
    xs = cells._as_float_array(where, "xs", xs)
    if xs.ndim != 3:
        raise ValueError(f"{where}: xs must have shape (B, T, D) (batch, time steps, input "
                         f"features), got shape {xs.shape}")
    B, T, D = xs.shape
    if T < 1 or B < 1:
        raise ValueError(f"{where}: xs must hold at least one sequence and one time step, got "
                         f"shape {xs.shape}")
    H = _hidden_size(where, kind, p)
    p = _check_params(where, kind, p, D, H)
    if h0 is not None:
        h0 = _check_shape(where, "h0", h0, (("B", B), ("H", H)), "batch x hidden units")
    if kind == "lstm":
        if c0 is not None:
            c0 = _check_shape(where, "c0", c0, (("B", B), ("H", H)), "batch x hidden units")
    elif c0 is not None:
        raise ValueError(f"{where}: c0 is the LSTM cell state; a {kind!r} cell has none")
    dt = np.result_type(xs, *p.values(), *(a for a in (h0, c0) if a is not None))
    fw = cells._fuse(kind, p, dt)
    Wt, Ph = fw["Wt"], fw["Ph"]
    nH = fw["Wt"].shape[0]

    X = np.empty((T, D + 1, B), dt)                      # [x_t; 1] as columns, step by step
    X[:, D] = 1  # the row of ones folds the bias into the projection
    XU = np.empty((T, nH, B), dt)                        # x_t U + b, activated in place later
    Hs = np.empty((T + 1, H, B), dt)                     # Hs[t + 1] is h_t; Hs[0] is h0
    Hs[0] = 0 if h0 is None else h0.T
    hs = np.empty((B, T, H), dt)
    cache = {"_kind": kind, "keys": tuple(p), "fused": fw, "shape": (B, T, D, H), "X": X,
             "Hs": Hs, "gates": XU}
    work = np.empty((nH, B), dt)
    if kind == "lstm":
        Cs = np.empty((T + 1, H, B), dt)
        Cs[0] = 0 if c0 is None else c0.T
        TC = np.empty((T, H, B), dt)
        cache.update(Cs=Cs, TC=TC)
    elif kind == "gru":
        RH = np.empty((T, H, B), dt)
        cache["RH"] = RH

    def project(t0, t1):
        # the input projections of steps t0..t1-1: one product for all of them
        _to_columns(xs[:, t0:t1], out=X[t0:t1, :D])
        np.matmul(fw["Utb"], X[t0:t1], out=XU[t0:t1])

    chunks, pool = _chunks(kind, B, T, D, H)
    projected = [_start(pool, project, t0, t1) for t0, t1 in chunks]
    outputs = []
    try:
        for (t0, t1), ready in zip(chunks, projected):
            ready.result()
            for t in range(t0, t1):
                if kind == "rnn":
                    cells._rnn_core(XU[t], Hs[t], Wt, Hs[t + 1])
                elif kind == "lstm":
                    cells._lstm_core(XU[t], Hs[t], Cs[t], Wt, Ph, XU[t], Cs[t + 1], TC[t],
                                     Hs[t + 1], work)
                else:
                    cells._gru_core(XU[t], Hs[t], Wt, XU[t], RH[t], Hs[t + 1], work)
            outputs.append(_start(pool, _from_columns, Hs[t0 + 1:t1 + 1], hs[:, t0:t1]))
    finally:
        concurrent.futures.wait(projected + outputs)  # never leave the thread writing our arrays
    for job in projected + outputs:
        job.result()  # re-raises what went wrong on the thread, if anything
    return hs, cache


def gate_values(cache):
    """The gate activations of a :func:`forward` pass: dict name -> (B, T, H).

    LSTM: ``f i o g`` (and the cell states ``c``); GRU: ``z r g``; a simple RNN has none.
    For gate heat maps (rnnkit.plots.plot_gate_heatmap takes ``values[name][b]``).
    Used in notebook 05_lstm, section 5.6 "Looking inside the gates".
    """
    kind = _check_cache("gate_values", cache)
    if kind == "rnn":
        return {}
    H = cache["shape"][3]
    out = {name: _from_columns(cache["gates"][:, k * H:(k + 1) * H])
           for k, name in enumerate(cells.GATES[kind])}
    if kind == "lstm":
        out["c"] = _from_columns(cache["Cs"][1:])
    return out


# --------------------------------------------------------------------------------------------
# Backward


def _check_cache(where, cache):
    if (not isinstance(cache, dict) or cache.get("_kind") not in cells.KINDS
            or "Hs" not in cache):
        raise TypeError(f"{where}: cache must be the cache returned by rnnkit.bptt.forward")
    return cache["_kind"]


def _check_dhs(where, dhs, cache):
    B, T, _, H = cache["shape"]
    return _check_shape(where, "dhs", dhs, (("B", B), ("T", T), ("H", H)), _SEQ + ", like hs")


def _backward_loop(cache, dhs, k=None, want_norms=False, chunks=None, pool=None,
                   on_chunk=None):
    """The time loop of BPTT, shared by backward, truncated_backward and grad_norms.

    dhs (B, T, H), checked. Returns ``(dA (T, nH, B), dh0 (H, B), dc0 (H, B) or None,
    norms)``: the gates' pre-activation gradients of all steps, the gradients reaching the
    initial states, and ``|dL/dh_t|`` when asked for. With ``k`` the carried ``dh``/``dc``
    are dropped at every multiple of ``k``. Runs over ``chunks`` of steps from the last;
    ``on_chunk(dA, t0, t1)`` is called as soon as a chunk's ``dA[t0:t1]`` is final.
    """
    kind, Hs, fw = cache["_kind"], cache["Hs"], cache["fused"]
    W, P = fw["W"], fw["P"]
    T1, H, B = Hs.shape
    T = T1 - 1
    dt = Hs.dtype  # the forward pass fixed the precision
    chunks = chunks or [(0, T)]
    dHs = np.empty((T, H, B), dt)                        # dhs in columns, chunk by chunk
    dA = np.empty((T, fw["W"].shape[1], B), dt)
    dh = np.zeros((H, B), dt)       # dL/dh_t arriving from step t+1
    dh_t = np.empty((H, B), dt)     # dL/dh_t in total
    tmp = np.empty((H, B), dt)
    norms = np.empty(T) if want_norms else None
    if kind == "lstm":
        dc, dc_prev = np.zeros((H, B), dt), np.empty((H, B), dt)
        gates, Cs, TC = cache["gates"], cache["Cs"], cache["TC"]
    elif kind == "gru":
        gates = cache["gates"]
    converted = [_start(pool, _to_columns, dhs[:, t0:t1], dHs[t0:t1])
                 for t0, t1 in reversed(chunks)]
    try:
        for (t0, t1), ready in zip(reversed(chunks), converted):
            ready.result()
            for t in range(t1 - 1, t0 - 1, -1):
                np.add(dHs[t], dh, out=dh_t)
                if want_norms:
                    norms[t] = np.sqrt(np.vdot(dh_t, dh_t))
                if kind == "rnn":
                    cells._rnn_core_backward(dh_t, Hs[t + 1], W, dA[t], dh)
                elif kind == "lstm":
                    cells._lstm_core_backward(dh_t, dc, gates[t], Cs[t], Hs[t + 1], TC[t], W,
                                              P, dA[t], dh, dc_prev, tmp)
                    dc, dc_prev = dc_prev, dc
                else:
                    cells._gru_core_backward(dh_t, Hs[t], gates[t], W, dA[t], dh, tmp)
                if k is not None and t % k == 0 and t > 0:
                    # truncation: h_{t-1} (and c_{t-1}) count as constants for this segment
                    dh[...] = 0
                    if kind == "lstm":
                        dc[...] = 0
            if on_chunk is not None:
                on_chunk(dA, t0, t1)
    finally:
        concurrent.futures.wait(converted)
    return dA, dh, (dc if kind == "lstm" else None), norms


def _chunk_gradients(cache, dA, t0, t1, dxs):
    """Gradients from steps t0..t1-1: returns the fused (dU, dW, db, dP), writes dxs[:, t0:t1].

    One large product for all weights over the chunk's (step, sequence) pairs, one for dx.
    """
    kind, fw = cache["_kind"], cache["fused"]

    def columns(a):
        # (n, F, B) -> (F, n * B): the (step, sequence) pairs become the columns of a matrix
        return np.ascontiguousarray(a.transpose(1, 0, 2)).reshape(a.shape[1], -1)

    Z = cells._inputs_of_products(
        cache["Hs"][t0:t1].transpose(1, 0, 2), cache["X"][t0:t1, :-1].transpose(1, 0, 2),
        cache["RH"][t0:t1].transpose(1, 0, 2) if kind == "gru" else None)
    da = columns(dA[t0:t1])
    peep = {}
    if kind == "lstm" and fw["P"] is not None:
        peep = dict(c_prev=columns(cache["Cs"][t0:t1]), c=columns(cache["Cs"][t0 + 1:t1 + 1]),
                    P=fw["P"])
    fused = cells._fused_param_grads(kind, Z, da, **peep)
    # dx as rows (step, sequence) x D: this orientation of the product runs faster
    dX = (da.T @ fw["U"].T).reshape(t1 - t0, dA.shape[2], -1)
    dxs[:, t0:t1] = dX.transpose(1, 0, 2)
    return fused


def _gradients(where, dhs, cache, k=None):
    """The common body of backward and truncated_backward."""
    kind = _check_cache(where, cache)
    dhs = _check_dhs(where, dhs, cache)
    B, T, D, H = cache["shape"]
    dxs = np.empty((B, T, D), cache["Hs"].dtype)
    chunks, pool = _chunks(kind, B, T, D, H)
    parts = []

    def gradients_of(dA, t0, t1):
        parts.append(_start(pool, _chunk_gradients, cache, dA, t0, t1, dxs))

    try:
        dA, dh0, dc0, _ = _backward_loop(cache, dhs, k, chunks=chunks, pool=pool,
                                         on_chunk=gradients_of)
    finally:
        concurrent.futures.wait(parts)  # never leave the thread writing our arrays
    parts = [part.result() for part in parts]
    dU, dW, db = (sum(part[i] for part in parts) for i in range(3))
    dP = None if parts[0][3] is None else tuple(map(sum, zip(*(part[3] for part in parts))))
    grads = cells._grads_dict(kind, cache["keys"], dU, dW, db, dP)
    dc0 = None if dc0 is None else np.ascontiguousarray(dc0.T)
    return dxs, np.ascontiguousarray(dh0.T), dc0, grads


@reference
@cells.one_blas_thread()  # many small products: see its docstring
def backward(dhs, cache):
    """Full backpropagation through time.

    dhs (B, T, H): dL/dh_t coming from the loss at each step (zeros where a step has no loss).
    Returns ``(dxs (B, T, D), dh0 (B, H), dc0 (B, H) or None, grads)``; ``dc0`` is None unless
    the cell is an LSTM; grads has the keys of ``p``. Defined in notebook 03_bptt, section 3.3
    "Backward through the whole sequence".
    """
    return _gradients("bptt.backward", dhs, cache)


@reference
@cells.one_blas_thread()  # many small products: see its docstring
def truncated_backward(dhs, cache, k):
    """Truncated BPTT: the gradient does not cross the boundaries of consecutive k-step segments.

    The forward pass (and so the state) ran over the whole sequence; backward, the steps
    ``[0, k)``, ``[k, 2k)``, ... are separate segments whose initial states count as constants,
    exactly as when training on chunks of a long sequence. ``k >= T`` is full BPTT. Same
    returns as :func:`backward`; ``dh0``/``dc0`` come from the first segment.
    Defined in notebook 03_bptt, section 3.6 "Truncated BPTT".
    """
    where = "bptt.truncated_backward"
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{where}: k (steps per segment) must be a positive integer, got {k!r}")
    return _gradients(where, dhs, cache, k=int(k))


@reference
@cells.one_blas_thread()  # many small products: see its docstring
def grad_norms(dhs, cache):
    """``|dL/dh_t|`` for t = 0..T-1 (norm over batch and hidden units), shape (T,).

    The total gradient at ``h_t``: its own loss term plus everything flowing back from later
    steps. Plotted against t it shows vanishing or exploding gradients.
    Defined in notebook 03_bptt, section 3.5 "Vanishing and exploding gradients".
    """
    where = "bptt.grad_norms"
    _check_cache(where, cache)
    return _backward_loop(cache, _check_dhs(where, dhs, cache), want_norms=True)[3]


@reference
def clip_by_global_norm(grads, max_norm):
    """Scale all gradients together so their global norm is at most ``max_norm``.

    global norm = sqrt(sum of squares of every entry of every gradient). Returns
    ``(clipped, norm)``: a new dict (the input is not modified) and the norm *before*
    clipping. Directions are kept; only the length shrinks. Defined in notebook 03_bptt,
    section 3.7 "Gradient clipping".
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
    ``(out (B, T, K), cache)``. Defined in notebook 02_simple_rnn, section 2.5 "Outputs at
    every step, and the loss over time".
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
    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over
    time"; the loss of the BPTT examples of notebook 03_bptt, sections 3.3 "Backward through the
    whole sequence" and 3.7 "Gradient clipping".
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
    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over
    time"; sampling in notebook 08_text_generation, section 8.5 "Sampling with a temperature".
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
    Defined in notebook 02_simple_rnn, section 2.5 "Outputs at every step, and the loss over
    time"; per-step NLL in notebook 08_text_generation, section 8.4 "The loss is a sum of
    per-step negative log-likelihoods".
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
