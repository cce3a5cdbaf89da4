"""One time step of a simple RNN, an LSTM (optionally with peepholes) and a GRU, and its gradient.

Notation follows the lecture (row vectors, batch first, as Keras): x (B, D), h (B, H), and
for every gate k an input matrix ``U_k`` (D, H), a recurrent matrix ``W_k`` (H, H) and a bias
``b_k`` (H,), kept in a plain dict ``p`` (:func:`init_params` makes one).

* simple RNN: ``h = tanh(x U + h_prev W + b)``
* LSTM: ``f, i, o = sigmoid(x U_* + h_prev W_* + b_*)``, ``g = tanh(x U_g + h_prev W_g + b_g)``,
  ``c = f * c_prev + i * g``, ``h = o * tanh(c)``; with peepholes ``f`` and ``i`` also see
  ``c_prev * P_f`` / ``c_prev * P_i`` and ``o`` sees ``c * P_o``
* GRU: ``z = sigmoid(x U_z + h_prev W_z + b_z)``, ``r = sigmoid(x U_r + h_prev W_r + b_r)``,
  ``g = tanh(x U_g + (r * h_prev) W_g + b_g)``, ``h = (1 - z) * h_prev + z * g``

Each ``*_step`` returns its outputs and a cache; ``*_step_backward(d..., cache)`` applies the
chain rule to it, gate by gate (the cs231n ``rnn_layers.py`` pattern). This module is written
to be read; :mod:`rnnkit.engine` computes the same numbers faster, for training and timing.
"""

from collections.abc import Mapping

import numpy as np

from rnnkit.delegation import reference

KINDS = ("rnn", "lstm", "gru")

# The gates in the order of the caches' gate values and the engine's fused weights: the
# sigmoid gates first.
GATES = {"rnn": ("",), "lstm": ("f", "i", "o", "g"), "gru": ("z", "r", "g")}
PEEPHOLES = ("P_f", "P_i", "P_o")

_CELL_NAMES = {"rnn": "simple RNN", "lstm": "LSTM", "gru": "GRU"}


# --------------------------------------------------------------------------------------------
# Parameters


def param_names(kind, peephole=False):
    """The parameter names of a cell, in the lecture's order.

    ``param_names("lstm")`` is ``("U_f", "W_f", "b_f", "U_i", ..., "b_o")``; with
    ``peephole=True`` ``("P_f", "P_i", "P_o")`` follow.
    """
    _check_kind(kind)
    if kind == "rnn":
        names = ("U", "W", "b")
    else:
        names = tuple(f"{m}_{gate}" for gate in _lecture_order(kind) for m in "UWb")
    if peephole:
        if kind != "lstm":
            raise ValueError(f"peephole connections exist only for kind='lstm', not {kind!r}")
        names += PEEPHOLES
    return names


def _lecture_order(kind):
    return {"lstm": ("f", "i", "g", "o"), "gru": ("z", "r", "g")}[kind]


def init_params(kind, input_size, hidden_size, *, peephole=False, seed=0, dtype=np.float64):
    """Fresh parameters for a ``kind`` cell ("rnn", "lstm" or "gru").

    Each input matrix ``U_* (D, H)`` is Glorot-uniform (limit ``sqrt(6 / (D + H))``), each
    recurrent matrix ``W_* (H, H)`` is a random orthogonal matrix (its singular values are all
    1, so the signal neither explodes nor vanishes through ``W`` at the start), every bias is
    zero except the LSTM forget bias ``b_f``, which is 1.0 (as Keras' ``unit_forget_bias``:
    the cell starts out remembering). Peephole weights ``P_* (H,)`` are uniform in
    ``+-sqrt(3 / H)`` (Glorot for a vector of length H, as the old Keras PeepholeLSTMCell).

    Returns a dict name -> array of ``dtype`` (float32 or float64); the same ``seed`` always
    gives the same numbers.

    Defined in notebook 02_simple_rnn, section 2.4 "Unrolling over time".
    Used in notebooks 03_bptt, 05_lstm, 06_gru, 08_text_generation (section 8.4)
    and 10_char_rnn_capstone (sections 10.2 and 10.3).
    """
    _check_kind(kind)
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"init_params: {name} must be a positive integer, got {value!r}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"init_params: dtype must be float32 or float64, got {dtype}")
    if peephole and kind != "lstm":
        raise ValueError(f"init_params: peephole=True needs kind='lstm', got kind={kind!r}")
    D, H = int(input_size), int(hidden_size)
    rng = np.random.default_rng(seed)
    limit = np.sqrt(6.0 / (D + H))
    p = {}
    for name in param_names(kind):
        if name.startswith("U"):
            p[name] = rng.uniform(-limit, limit, size=(D, H))
        elif name.startswith("W"):
            q, r = np.linalg.qr(rng.standard_normal((H, H)))
            p[name] = q * np.where(np.diag(r) < 0, -1.0, 1.0)  # sign fix: uniform over O(H)
        else:
            p[name] = np.full(H, 1.0 if name == "b_f" else 0.0)
    if peephole:
        for name in PEEPHOLES:
            p[name] = rng.uniform(-np.sqrt(3.0 / H), np.sqrt(3.0 / H), size=H)
    return {name: value.astype(dtype) for name, value in p.items()}


# --------------------------------------------------------------------------------------------
# The steps and their gradients


def _sigmoid(a):
    """The logistic function ``1 / (1 + exp(-a))`` of an array, any shape.

    Written as the equal ``(1 + tanh(a / 2)) / 2``, which never overflows (``exp(-a)``
    does for ``a < -709``).
    """
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _gate_grads(da, x, h_in, p):
    """Backward through the gates' pre-activations ``a_k = x @ U_k + h_in_k @ W_k + b_k``.

    da: dict gate k -> dL/da_k (B, H); h_in: dict k -> the state that ``W_k`` multiplies
    (B, H) (``h_prev``, or ``r * h_prev`` for a GRU's g); x (B, D). Returns ``(dx (B, D),
    grads)``, dx the sum of ``da_k @ U_k.T`` over the gates and grads a dict with
    ``dU_k = x.T @ da_k`` (D, H), ``dW_k = h_in_k.T @ da_k`` (H, H) and ``db_k`` (H,),
    ``da_k`` summed over the batch.
    """
    grads = {}
    for k, d in da.items():
        grads[f"U_{k}"] = x.T @ d
        grads[f"W_{k}"] = h_in[k].T @ d
        grads[f"b_{k}"] = d.sum(axis=0)
    return sum(d @ p[f"U_{k}"].T for k, d in da.items()), grads


@reference
def rnn_step(x, h_prev, p):
    """One simple-RNN step ``h = tanh(x U + h_prev W + b)``.

    x (B, D), h_prev (B, H), p with U (D, H), W (H, H), b (H,). Returns ``(h (B, H), cache)``.

    Defined in notebook 02_simple_rnn, section 2.3 "One step of a simple RNN".
    Used in notebooks 03_bptt (sections 3.2 and 3.5), 04_architecture_zoo, 06_gru (section 6.5),
    08_text_generation (section 8.4) and 10_char_rnn_capstone (sections 10.2-10.4).
    """
    x, h_prev, _, p = _check_step_inputs("rnn_step", "rnn", x, h_prev, p)
    h = np.tanh(x @ p["U"] + h_prev @ p["W"] + p["b"])
    return h, {"_kind": "rnn", "_step": True, "p": p, "x": x, "h_prev": h_prev, "h": h}


@reference
def rnn_step_backward(dh, cache):
    """Gradient of :func:`rnn_step`. dh (B, H) = dL/dh.

    Returns ``(dx (B, D), dh_prev (B, H), grads)``, grads a dict with the keys of ``p``.

    Defined in notebook 03_bptt, section 3.2 "Backward through one step".
    Used in notebook 10_char_rnn_capstone, sections 10.2-10.4.
    """
    where = "rnn_step_backward"
    _check_cache(where, cache, "rnn")
    p, x, h_prev, h = cache["p"], cache["x"], cache["h_prev"], cache["h"]
    dh = _check_like(where, "dh", dh, h, "batch x hidden units, like h")
    da = dh * (1 - h * h)  # through the tanh: d tanh(a) / da = 1 - tanh(a)^2
    grads = {"U": x.T @ da, "W": h_prev.T @ da, "b": da.sum(axis=0)}
    return da @ p["U"].T, da @ p["W"].T, grads


@reference
def lstm_step(x, h_prev, c_prev, p):
    """One LSTM step (peephole LSTM when ``"P_f"`` is in ``p``).

    x (B, D), h_prev and c_prev (B, H); p with U_* (D, H), W_* (H, H), b_* (H,) for the gates
    f i g o (and P_f P_i P_o (H,)). Returns ``(h (B, H), c (B, H), cache)``; the cache holds
    the gate activations (B, H) under ``"f" "i" "o" "g"``.

    Defined in notebook 05_lstm, section 5.1 "One LSTM step".
    """
    x, h_prev, c_prev, p = _check_step_inputs("lstm_step", "lstm", x, h_prev, p, c_prev)
    # with peepholes f and i also see the old cell state and o the new one; without, P = 0
    P_f, P_i, P_o = (p.get(name, 0.0) for name in PEEPHOLES)
    f = _sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"] + c_prev * P_f)
    i = _sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"] + c_prev * P_i)
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = _sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"] + c * P_o)
    h = o * np.tanh(c)
    cache = {"_kind": "lstm", "_step": True, "p": p, "x": x, "h_prev": h_prev,
             "c_prev": c_prev, "f": f, "i": i, "o": o, "g": g, "c": c}
    return h, c, cache


@reference
def lstm_step_backward(dh, dc, cache):
    """Gradient of :func:`lstm_step`. dh, dc (B, H): dL/dh_t and dL/dc_t from above/later.

    Returns ``(dx (B, D), dh_prev (B, H), dc_prev (B, H), grads)``, grads with the keys of p.

    Defined in notebook 05_lstm, section 5.2 "Backward through an LSTM step".
    """
    where = "lstm_step_backward"
    _check_cache(where, cache, "lstm")
    p, x, h_prev, c_prev, c = (cache[k] for k in ("p", "x", "h_prev", "c_prev", "c"))
    f, i, o, g = (cache[k] for k in ("f", "i", "o", "g"))
    dh = _check_like(where, "dh", dh, c, "batch x hidden units, like h")
    dc = _check_like(where, "dc", dc, c, "batch x hidden units, like c")
    P_f, P_i, P_o = (p.get(name, 0.0) for name in PEEPHOLES)
    tanh_c = np.tanh(c)
    # h = o * tanh(c); a sigmoid's derivative is s (1 - s)
    da_o = dh * tanh_c * o * (1 - o)
    # c reaches the loss directly (dc), through h, and through o's peephole
    dc = dc + dh * o * (1 - tanh_c * tanh_c) + da_o * P_o
    # c = f * c_prev + i * g
    da_f = dc * c_prev * f * (1 - f)
    da_i = dc * g * i * (1 - i)
    da_g = dc * i * (1 - g * g)
    dc_prev = dc * f + da_f * P_f + da_i * P_i
    dh_prev = (da_f @ p["W_f"].T + da_i @ p["W_i"].T + da_g @ p["W_g"].T
               + da_o @ p["W_o"].T)
    da = {"f": da_f, "i": da_i, "g": da_g, "o": da_o}
    dx, grads = _gate_grads(da, x, dict.fromkeys(da, h_prev), p)
    if "P_f" in p:
        grads.update(P_f=(da_f * c_prev).sum(axis=0), P_i=(da_i * c_prev).sum(axis=0),
                     P_o=(da_o * c).sum(axis=0))
    return dx, dh_prev, dc_prev, {name: grads[name] for name in p}


@reference
def gru_step(x, h_prev, p):
    """One GRU step ``h = (1 - z) h_prev + z g`` (reset gate applied before ``W_g``).

    x (B, D), h_prev (B, H); p with U_* (D, H), W_* (H, H), b_* (H,) for z r g. Returns
    ``(h (B, H), cache)``; the cache holds the gates (B, H) under ``"z" "r" "g"``.

    Defined in notebook 06_gru, section 6.1 "One GRU step".
    Used in notebook 08_text_generation, section 8.5 "Sampling with a temperature".
    """
    x, h_prev, _, p = _check_step_inputs("gru_step", "gru", x, h_prev, p)
    z = _sigmoid(x @ p["U_z"] + h_prev @ p["W_z"] + p["b_z"])
    r = _sigmoid(x @ p["U_r"] + h_prev @ p["W_r"] + p["b_r"])
    g = np.tanh(x @ p["U_g"] + (r * h_prev) @ p["W_g"] + p["b_g"])
    h = (1 - z) * h_prev + z * g
    cache = {"_kind": "gru", "_step": True, "p": p, "x": x, "h_prev": h_prev,
             "z": z, "r": r, "g": g}
    return h, cache


@reference
def gru_step_backward(dh, cache):
    """Gradient of :func:`gru_step`. dh (B, H) = dL/dh.

    Returns ``(dx (B, D), dh_prev (B, H), grads)``, grads with the keys of p.

    Defined in notebook 06_gru, section 6.6 "Backward through a GRU step (optional)".
    """
    where = "gru_step_backward"
    _check_cache(where, cache, "gru")
    p, x, h_prev, z, r, g = (cache[k] for k in ("p", "x", "h_prev", "z", "r", "g"))
    dh = _check_like(where, "dh", dh, h_prev, "batch x hidden units, like h")
    # h = (1 - z) * h_prev + z * g
    da_z = dh * (g - h_prev) * z * (1 - z)
    da_g = dh * z * (1 - g * g)
    # g = tanh(x U_g + (r * h_prev) W_g + b_g): the reset gate sits before W_g
    d_rh = da_g @ p["W_g"].T
    da_r = d_rh * h_prev * r * (1 - r)
    dh_prev = dh * (1 - z) + d_rh * r + da_z @ p["W_z"].T + da_r @ p["W_r"].T
    dx, grads = _gate_grads({"z": da_z, "r": da_r, "g": da_g}, x,
                            {"z": h_prev, "r": h_prev, "g": r * h_prev}, p)
    return dx, dh_prev, {name: grads[name] for name in p}


# --------------------------------------------------------------------------------------------
# Checking what students pass in


def _check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of 'rnn', 'lstm', 'gru', got {kind!r}")


def _as_float_array(where, name, a):
    if not isinstance(a, np.ndarray):
        if a is None or isinstance(a, (str, bytes, Mapping)):
            raise TypeError(f"{where}: {name} must be a numpy array, got {type(a).__name__}")
        a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{where}: {name} must be a float32 or float64 array, got dtype {a.dtype}"
            + (" (convert it with .astype(np.float64))" if a.dtype.kind in "iub" else ""))
    return a


def _check_shape(where, name, a, expected, meaning):
    """``expected`` is a tuple of (symbol, size) pairs, e.g. (("B", 4), ("H", 3))."""
    a = _as_float_array(where, name, a)
    want = tuple(size for _, size in expected)
    if a.shape != want:
        symbols = ", ".join(sym for sym, _ in expected)
        if len(expected) == 1:
            symbols += ","
        raise ValueError(
            f"{where}: {name} must have shape ({symbols}) = {want} ({meaning}), "
            f"got shape {a.shape}")
    return a


def _check_params(where, kind, p, D, H):
    """Check the parameter dict of a ``kind`` cell against input size D and hidden size H."""
    if not isinstance(p, Mapping):
        raise TypeError(f"{where}: p must be a dict of parameters, got {type(p).__name__}")
    peephole = kind == "lstm" and any(name in p for name in PEEPHOLES)
    expected = param_names(kind, peephole)
    missing = [name for name in expected if name not in p]
    if missing:
        raise ValueError(
            f"{where}: p is missing {', '.join(map(repr, missing))}; a {_CELL_NAMES[kind]} "
            f"{'with peepholes ' if peephole else ''}needs {', '.join(expected)}")
    extra = [name for name in p if name not in expected]
    if extra:
        raise ValueError(
            f"{where}: p has unexpected key(s) {', '.join(map(repr, extra))}; a "
            f"{_CELL_NAMES[kind]} has exactly {', '.join(expected)}")
    out = {}
    for name in expected:
        if name[0] == "U":
            spec, meaning = (("D", D), ("H", H)), "input features x hidden units"
        elif name[0] == "W":
            spec, meaning = (("H", H), ("H", H)), "hidden units x hidden units"
        elif name[0] == "b":
            spec, meaning = (("H", H),), "one bias per hidden unit"
        else:
            spec, meaning = (("H", H),), "one peephole weight per hidden unit"
        out[name] = _check_shape(where, f"p[{name!r}]", p[name], spec, meaning)
    return out


def _hidden_size(where, kind, p):
    """H read from the recurrent weights, so ``p`` alone fixes the expected shapes."""
    if not isinstance(p, Mapping):
        raise TypeError(f"{where}: p must be a dict of parameters, got {type(p).__name__}")
    key = "W" if kind == "rnn" else f"W_{GATES[kind][0]}"
    if key not in p:
        _check_params(where, kind, p, 0, 0)  # raises the missing-key message
    shape = np.shape(p[key])
    if len(shape) != 2:
        raise ValueError(f"{where}: p[{key!r}] must have shape (H, H) (hidden units x hidden "
                         f"units), got shape {shape}")
    return shape[1]


def _check_step_inputs(where, kind, x, h_prev, p, c_prev=None):
    x = _as_float_array(where, "x", x)
    if x.ndim != 2:
        raise ValueError(f"{where}: x must have shape (B, D) (batch, input features): one time "
                         f"step of a batch; got shape {x.shape}")
    B, D = x.shape
    H = _hidden_size(where, kind, p)
    h_prev = _check_shape(where, "h_prev", h_prev, (("B", B), ("H", H)), "batch x hidden units")
    if kind == "lstm":
        c_prev = _check_shape(where, "c_prev", c_prev, (("B", B), ("H", H)),
                              "batch x hidden units")
    p = _check_params(where, kind, p, D, H)
    return x, h_prev, c_prev, p


def _check_cache(where, cache, kind):
    if not isinstance(cache, dict) or cache.get("_kind") != kind or "_step" not in cache:
        step = {"rnn": "rnn_step", "lstm": "lstm_step", "gru": "gru_step"}[kind]
        raise TypeError(f"{where}: cache must be the cache returned by {step}")


def _check_like(where, name, a, like, meaning):
    """A gradient arriving at a (B, H) state: ``like``'s shape, and given ``like``'s dtype."""
    B, H = like.shape
    a = _check_shape(where, name, a, (("B", B), ("H", H)), meaning)
    return a.astype(like.dtype, copy=False)

