"""One time step of a simple RNN, an LSTM (optionally with peepholes) and a GRU, and its gradient.

Notation follows the lecture (row vectors, batch first):

* simple RNN: ``h_t = tanh(x_t U + h_{t-1} W + b)``
* LSTM: ``f, i, o = sigmoid(x U_* + h W_* + b_*)``, ``g = tanh(x U_g + h W_g + b_g)``,
  ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``; with peepholes ``f`` and ``i`` also
  see ``c_{t-1} * P_f`` / ``c_{t-1} * P_i`` and ``o`` sees ``c_t * P_o``
* GRU: ``z = sigmoid(x U_z + h W_z + b_z)``, ``r = sigmoid(x U_r + h W_r + b_r)``,
  ``g = tanh(x U_g + (r * h) W_g + b_g)``, ``h_t = (1 - z) * h_{t-1} + z * g``

Parameters are plain dicts of numpy arrays named as in the lecture (``init_params`` makes
them). The maths of each cell exists exactly once, in the ``_*_core`` / ``_*_core_backward``
functions below; :mod:`rnnkit.bptt` runs the same cores in its time loop. The public step
functions are thin wrappers: check the inputs, fuse the dict, call the core, split the
gradients back into the dict.

How the cores are laid out, and why. They work on the *fused* weights (all gates stacked,
gate order as in :data:`GATES`) and get the input projection ``x U + b`` precomputed, so a
sequence can project every time step with one matrix product and each step needs a single
recurrent product for all gates. Inside the cores a state is stored transposed, one column
per sequence (``h.T``, shape ``(H, B)``; gates ``(nH, B)``): then every gate is a contiguous
block of rows, and numpy's elementwise functions run two to five times faster on contiguous
blocks than on the column slices ``a[:, k*H:(k+1)*H]`` that the row layout would need. The
maths is the lecture's, transposed: ``a.T = U.T x.T + W.T h.T + b``.
"""

import contextlib
import ctypes
import os
import pathlib
import threading
from collections.abc import Mapping

import numpy as np

from rnnkit.delegation import reference

KINDS = ("rnn", "lstm", "gru")

# Gate order of the fused weights: the sigmoid gates first, as one block of rows.
GATES = {"rnn": ("",), "lstm": ("f", "i", "o", "g"), "gru": ("z", "r", "g")}
PEEPHOLES = ("P_f", "P_i", "P_o")

_CELL_NAMES = {"rnn": "simple RNN", "lstm": "LSTM", "gru": "GRU"}


# --------------------------------------------------------------------------------------------
# BLAS threads


_UNSET = object()
_set_blas_threads = _UNSET
_blas_lock = threading.Lock()
_blas_users = 0        # rnnkit calls running now, in any thread
_blas_saved = None     # numpy's thread count from before the first of them


def _reset_blas_state():
    # a forked child has only the forking thread: no rnnkit call is running there
    global _blas_lock, _blas_users
    _blas_lock, _blas_users = threading.Lock(), 0


os.register_at_fork(after_in_child=_reset_blas_state)


def _blas_thread_setter():
    """``openblas_set_num_threads_local`` of numpy's bundled OpenBLAS, or None.

    It sets OpenBLAS's thread count and returns the previous one (OpenBLAS >= 0.3.27, which
    numpy 2.4's wheels ship). Looked up once, on first use.
    """
    global _set_blas_threads
    if _set_blas_threads is _UNSET:
        _set_blas_threads = None
        root = pathlib.Path(np.__file__).parent
        for folder in (root.parent / "numpy.libs", root / ".dylibs"):
            for path in sorted(folder.glob("libscipy_openblas*")):
                try:
                    fn = ctypes.CDLL(str(path)).openblas_set_num_threads_local
                except (OSError, AttributeError):
                    continue
                fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
                _set_blas_threads = fn
                break
            if _set_blas_threads is not None:
                break
    return _set_blas_threads


@contextlib.contextmanager
def one_blas_thread():
    """Context manager / decorator: numpy's matrix products run on one BLAS thread inside it.

    rnnkit's products are small (a step multiplies an (nH, H) matrix by an (H, B) one) and
    many; where cores are shared (JupyterHub, CI, a laptop busy with a browser) OpenBLAS
    threads wait for each other at every one of them. On the course's 2-core test machine
    under load, an LSTM forward + backward ran 7 to 20 times slower on numpy's default
    threads than on one. OpenBLAS's thread count is process-wide: it is 1 while any rnnkit
    call runs and numpy's previous setting comes back when the last one returns. Where
    numpy's BLAS is not OpenBLAS this does nothing. Wraps the step functions and
    :mod:`rnnkit.bptt`'s forward and backward passes.
    """
    global _blas_users, _blas_saved
    setter = _blas_thread_setter()
    if setter is None:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            _blas_saved = setter(1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                setter(_blas_saved)


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
    gives the same numbers. Used from notebook 02_simple_rnn on.
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


def _fuse(kind, p, dtype):
    """The gates' weights stacked in :data:`GATES` order, as the cores want them.

    Returns a dict. For the backward pass, in the lecture's values: ``U (D, nH)``,
    ``W (H, nH)`` (for ``dh_prev = W @ da``) and ``P``, the peepholes ``(P_f, P_i, P_o)`` as
    ``(H, 1)`` columns (None without peepholes). For the forward pass, transposed and with the
    sigmoid gates' rows halved: ``Ut (nH, D)``, ``Wt (nH, H)``, ``b (nH, 1)``,
    ``Utb = [Ut b] (nH, D + 1)`` (``Utb @ [x; 1] = Ut x + b``: the bias rides along in the
    product) and ``Ph`` (halved peepholes). Halving is exact in floating point and lets the
    cores use ``sigmoid(a) = (1 + tanh(a / 2)) / 2``: one ``tanh`` call activates every gate.
    """
    gates = ("",) if kind == "rnn" else GATES[kind]
    name = (lambda m, g: m) if kind == "rnn" else (lambda m, g: f"{m}_{g}")
    U = np.concatenate([p[name("U", g)] for g in gates], axis=1).astype(dtype, copy=False)
    W = np.concatenate([p[name("W", g)] for g in gates], axis=1).astype(dtype, copy=False)
    b = np.concatenate([p[name("b", g)] for g in gates]).astype(dtype, copy=False)
    H = W.shape[0]
    scale = np.ones((len(gates) * H, 1), dtype)
    if kind != "rnn":
        scale[:-H] = 0.5  # every gate but the last (g) is a sigmoid gate
    Utb = np.concatenate([U.T, b.reshape(-1, 1)], axis=1) * scale
    P = Ph = None
    if "P_f" in p:
        P = tuple(p[n].astype(dtype, copy=False).reshape(-1, 1) for n in PEEPHOLES)
        Ph = tuple(v * dtype.type(0.5) for v in P)
    return {"U": U, "W": W, "P": P, "Utb": Utb, "Ut": np.ascontiguousarray(Utb[:, :-1]),
            "b": Utb[:, -1:].copy(), "Wt": np.ascontiguousarray(W.T * scale), "Ph": Ph}


def _unfuse(kind, dU, dW, db, dP=None):
    """Split fused gradients (row convention, gates side by side) into a dict like p."""
    if kind == "rnn":
        return {"U": dU, "W": dW, "b": db}
    H = dW.shape[0]
    grads = {}
    for name in param_names(kind):
        k = GATES[kind].index(name[2:])
        fused = {"U": dU, "W": dW, "b": db}[name[0]]
        grads[name] = np.ascontiguousarray(fused[..., k * H:(k + 1) * H])
    if dP is not None:
        grads.update(zip(PEEPHOLES, dP))
    return grads


# --------------------------------------------------------------------------------------------
# The maths, once. Column layout (see the module docstring): h, c are (H, B), gates (nH, B).
# Every output argument is a preallocated array the core writes into; ``xu`` is this step's
# input projection ``U.T x.T + b`` (nH, B), bias included, sigmoid gates' rows halved (_fuse).


def _sigmoid_from_half_tanh_(t):
    """In place ``t = tanh(a / 2)`` -> ``sigmoid(a) = (1 + t) / 2``; never overflows."""
    t *= 0.5
    t += 0.5
    return t


def _rnn_core(xu, h_prev, Wt, h):
    """Simple RNN step: writes ``h = tanh(xu + W.T h_prev)``, all (H, B)."""
    np.matmul(Wt, h_prev, out=h)
    h += xu
    np.tanh(h, out=h)


def _rnn_core_backward(dh, h, W, da, dh_prev):
    """Writes ``da = dh * (1 - h^2)`` (gradient of the pre-activation) and ``dh_prev = W da``."""
    np.multiply(h, h, out=da)
    np.subtract(1, da, out=da)
    da *= dh
    np.matmul(W, da, out=dh_prev)


def _lstm_core(xu, h_prev, c_prev, Wt, Ph, gates, c, tc, h, work):
    """LSTM step. xu, gates, work (4H, B), rows f i o g; h_prev, c_prev, c, tc, h (H, B).

    Writes the activated gates into ``gates`` (which may be ``xu`` itself), the new cell state
    ``c``, ``tc = tanh(c)`` and ``h = o * tanh(c)``; ``work`` is scratch. ``xu``, ``Wt`` and
    the peepholes ``Ph`` (``(P_f, P_i, P_o) / 2`` as (H, 1) columns, or None) come from
    :func:`_fuse`, with the sigmoid gates' rows halved.
    """
    H = c.shape[0]
    np.matmul(Wt, h_prev, out=work)  # the one recurrent product of the step, all gates at once
    np.add(work, xu, out=gates)      # rows f i o now hold a / 2, row g holds a
    f, i, o, g = gates[:H], gates[H:2 * H], gates[2 * H:3 * H], gates[3 * H:]
    if Ph is None:
        np.tanh(gates, out=gates)
        _sigmoid_from_half_tanh_(gates[:3 * H])
    else:
        # f and i peek at c_{t-1}; o peeks at c_t, so it waits until c_t exists.
        np.multiply(c_prev, Ph[0], out=c)
        f += c
        np.multiply(c_prev, Ph[1], out=c)
        i += c
        np.tanh(gates[:2 * H], out=gates[:2 * H])
        _sigmoid_from_half_tanh_(gates[:2 * H])
        np.tanh(g, out=g)
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=tc)
    c += tc
    if Ph is not None:
        np.multiply(c, Ph[2], out=tc)
        o += tc
        np.tanh(o, out=o)
        _sigmoid_from_half_tanh_(o)
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def _lstm_core_backward(dh, dc, gates, c_prev, h, tc, W, P, da, dh_prev, dc_prev, tmp):
    """Gradient of one LSTM step.

    dh, dc: total gradient arriving at ``h_t`` and ``c_t`` (H, B); h, tc: this step's ``h_t``
    and ``tanh(c_t)``. Writes ``da`` (4H, B), the gradient of the gates' pre-activations
    (rows f i o g), ``dh_prev = W da`` and ``dc_prev``; ``tmp`` (H, B) is scratch.
    ``dc_prev`` must not be ``dc``. The products are ordered to reuse ``h = o tanh(c)`` and
    ``dc_prev = dL/dc_t * f``: 18 passes over (H, B) instead of 25.
    """
    H = h.shape[0]
    f, i, o, g = gates[:H], gates[H:2 * H], gates[2 * H:3 * H], gates[3 * H:]
    df, di, do, dg = da[:H], da[H:2 * H], da[2 * H:3 * H], da[3 * H:]
    # h = o * tanh(c):  dL/da_o = dh * tanh(c) * o (1 - o) = dh * h * (1 - o)
    np.multiply(dh, h, out=do)
    # dL/dc_t = dc + dh * o * (1 - tanh(c)^2), kept in dc_prev until it becomes dL/dc_{t-1}
    np.multiply(do, tc, out=tmp)
    np.multiply(dh, o, out=dc_prev)
    dc_prev -= tmp
    dc_prev += dc
    np.multiply(do, o, out=tmp)
    do -= tmp
    if P is not None:
        np.multiply(do, P[2], out=tmp)  # o also saw c_t through P_o
        dc_prev += tmp
    # c_t = f * c_{t-1} + i * g
    np.multiply(dc_prev, i, out=tmp)
    np.subtract(1, i, out=di)
    di *= g
    di *= tmp                           # dL/dc_t * g * i (1 - i)
    np.multiply(g, g, out=dg)
    np.subtract(1, dg, out=dg)
    dg *= tmp                           # dL/dc_t * i * (1 - g^2)
    dc_prev *= f                        # now dL/dc_{t-1}, apart from the peepholes
    np.subtract(1, f, out=df)
    df *= c_prev
    df *= dc_prev                       # dL/dc_t * c_{t-1} * f (1 - f)
    if P is not None:
        np.multiply(df, P[0], out=tmp)
        dc_prev += tmp
        np.multiply(di, P[1], out=tmp)
        dc_prev += tmp
    np.matmul(W, da, out=dh_prev)


def _gru_core(xu, h_prev, Wt, gates, rh, h, work):
    """GRU step. xu, gates, work (3H, B), rows z r g; Wt (3H, H); h_prev, rh, h (H, B).

    Writes the activated gates (``gates`` may be ``xu`` itself), ``rh = r * h_prev`` (needed
    for ``dW_g``) and the new ``h``; ``work`` is scratch.
    """
    H = h.shape[0]
    zr, g = gates[:2 * H], gates[2 * H:]
    z, r = gates[:H], gates[H:2 * H]
    np.matmul(Wt[:2 * H], h_prev, out=work[:2 * H])
    np.add(work[:2 * H], xu[:2 * H], out=zr)  # halved rows (see _fuse)
    np.tanh(zr, out=zr)
    _sigmoid_from_half_tanh_(zr)
    np.multiply(r, h_prev, out=rh)
    # the reset gate acts before W_g, so this product has to wait for r
    np.matmul(Wt[2 * H:], rh, out=work[2 * H:])
    np.add(work[2 * H:], xu[2 * H:], out=g)
    np.tanh(g, out=g)
    # h = (1 - z) h_prev + z g, written as h_prev + z (g - h_prev)
    np.subtract(g, h_prev, out=h)
    h *= z
    h += h_prev


def _gru_core_backward(dh, h_prev, gates, W, da, dh_prev, tmp):
    """Gradient of one GRU step: writes ``da`` (3H, B; rows z r g) and ``dh_prev`` (H, B)."""
    H = h_prev.shape[0]
    z, r, g = gates[:H], gates[H:2 * H], gates[2 * H:]
    dz, dr, dg = da[:H], da[H:2 * H], da[2 * H:]
    np.multiply(g, g, out=dg)
    np.subtract(1, dg, out=dg)
    dg *= z
    dg *= dh
    np.subtract(g, h_prev, out=dz)
    dz *= dh
    np.subtract(1, z, out=tmp)
    tmp *= z
    dz *= tmp
    # tmp = dL/d(r * h_prev)
    np.matmul(W[:, 2 * H:], dg, out=tmp)
    np.multiply(tmp, r, out=dh_prev)
    np.multiply(tmp, h_prev, out=dr)
    np.subtract(1, r, out=tmp)
    tmp *= r
    dr *= tmp
    np.subtract(1, z, out=tmp)
    tmp *= dh
    dh_prev += tmp
    np.matmul(W[:, :2 * H], da[:2 * H], out=tmp)
    dh_prev += tmp


def _inputs_of_products(h_prev, x, rh=None):
    """Stack ``[h_prev; x; 1]`` (and ``rh`` below for a GRU): rows (H + D + 1 [+ H], N).

    These are what the weights multiply (the 1 multiplies the bias), so one product
    ``Z @ da.T`` gives dW, dU and db together: a single large product runs faster than three
    thin ones. x and h_prev may be (F, T, B) arrays; the result is (rows, T * B).
    """
    H, D = h_prev.shape[0], x.shape[0]
    Z = np.empty((2 * H + D + 1 if rh is not None else H + D + 1,) + x.shape[1:], x.dtype)
    Z[:H] = h_prev
    Z[H:H + D] = x
    Z[H + D] = 1
    if rh is not None:
        Z[H + D + 1:] = rh
    return Z.reshape(Z.shape[0], -1)


def _fused_param_grads(kind, Z, da, *, c_prev=None, c=None, P=None):
    """Weight gradients from the pre-activation gradients of N columns (steps x batch) at once.

    Column layout: ``Z`` from :func:`_inputs_of_products` (H + D + 1 [+ H], N), da (nH, N);
    for a peephole LSTM ``c_prev`` and ``c`` (H, N). Returns the fused ``(dU (D, nH),
    dW (H, nH), db (nH,), dP)``, dP the three peephole gradients or None; sums over any
    split of the N columns add up to the same result.
    """
    H = da.shape[0] // len(GATES[kind])
    if kind == "gru":
        # z and r multiply [h; x; 1]; g multiplies [x; 1; r * h]: rows of Z in that order
        zr = Z[:-H] @ da[:2 * H].T
        g = Z[H:] @ da[2 * H:].T
        D = g.shape[0] - H - 1
        dW = np.concatenate([zr[:H], g[D + 1:]], axis=1)
        dU = np.concatenate([zr[H:H + D], g[:D]], axis=1)
        db = np.concatenate([zr[H + D], g[D]])
    else:
        G = Z @ da.T
        dW, dU, db = G[:H], G[H:-1], G[-1]
    dP = None
    if P is not None:
        dP = (np.einsum("hn,hn->h", da[:H], c_prev),
              np.einsum("hn,hn->h", da[H:2 * H], c_prev),
              np.einsum("hn,hn->h", da[2 * H:3 * H], c))
    return dU, dW, db, dP


def _grads_dict(kind, p_keys, dU, dW, db, dP=None):
    """Fused gradients -> a dict with exactly the keys of p, in p's order."""
    grads = _unfuse(kind, dU, dW, db, dP)
    return {name: grads[name] for name in p_keys}


def _param_grads(kind, p_keys, Z, da, **peepholes):
    """:func:`_fused_param_grads` as a dict keyed like p."""
    return _grads_dict(kind, p_keys, *_fused_param_grads(kind, Z, da, **peepholes))


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


def _dtype(*arrays):
    return np.result_type(*arrays)


# --------------------------------------------------------------------------------------------
# Public step functions. They switch to the cores' column layout (transposes) and back.


def _columns(a):
    return np.ascontiguousarray(a.T)


@reference
@one_blas_thread()
def rnn_step(x, h_prev, p):
    """One simple-RNN step ``h = tanh(x U + h_prev W + b)``.

    x (B, D), h_prev (B, H), p with U (D, H), W (H, H), b (H,). Returns ``(h (B, H), cache)``.
    Defined in notebook 02_simple_rnn, section 2.3 "One step of a simple RNN".
    """
    where = "rnn_step"
    x, h_prev, _, p = _check_step_inputs(where, "rnn", x, h_prev, p)
    dt = _dtype(x, h_prev, *p.values())
    fw = _fuse("rnn", p, dt)
    xc, hc = _columns(x.astype(dt, copy=False)), _columns(h_prev.astype(dt, copy=False))
    xu = fw["Ut"] @ xc + fw["b"]
    h = np.empty(hc.shape, dt)
    _rnn_core(xu, hc, fw["Wt"], h)
    cache = {"_kind": "rnn", "_step": True, "keys": tuple(p), "x": xc, "h_prev": hc, "h": h,
             "fused": fw}
    return _columns(h), cache


@reference
@one_blas_thread()
def rnn_step_backward(dh, cache):
    """Gradient of :func:`rnn_step`. dh (B, H) = dL/dh.

    Returns ``(dx (B, D), dh_prev (B, H), grads)``, grads a dict with the keys of ``p``.
    Defined in notebook 03_bptt, section 3.2 "Backward through one step".
    """
    where = "rnn_step_backward"
    _check_cache(where, cache, "rnn")
    h = cache["h"]
    H, B = h.shape
    dh = _check_shape(where, "dh", dh, (("B", B), ("H", H)), "batch x hidden units, like h")
    fw = cache["fused"]
    da, dh_prev = np.empty_like(h), np.empty_like(h)
    _rnn_core_backward(_columns(dh.astype(h.dtype, copy=False)), h, fw["W"], da, dh_prev)
    Z = _inputs_of_products(cache["h_prev"], cache["x"])
    grads = _param_grads("rnn", cache["keys"], Z, da)
    return _columns(fw["U"] @ da), _columns(dh_prev), grads


@reference
@one_blas_thread()
def lstm_step(x, h_prev, c_prev, p):
    """One LSTM step (peephole LSTM when ``"P_f"`` is in ``p``).

    x (B, D), h_prev and c_prev (B, H); p with U_* (D, H), W_* (H, H), b_* (H,) for the gates
    f i g o (and P_f P_i P_o (H,)). Returns ``(h (B, H), c (B, H), cache)``; the cache holds
    the gate activations (B, H) under ``"f" "i" "o" "g"``. Defined in notebook 05_lstm,
    sections 5.1 "One LSTM step" and 5.4 "Peephole connections".
    """
    where = "lstm_step"
    x, h_prev, c_prev, p = _check_step_inputs(where, "lstm", x, h_prev, p, c_prev)
    dt = _dtype(x, h_prev, c_prev, *p.values())
    fw = _fuse("lstm", p, dt)
    xc, hc, cc = (_columns(a.astype(dt, copy=False)) for a in (x, h_prev, c_prev))
    gates = fw["Ut"] @ xc + fw["b"]  # the input projection, activated in place by the core
    c, tc, h = (np.empty(hc.shape, dt) for _ in range(3))
    _lstm_core(gates, hc, cc, fw["Wt"], fw["Ph"], gates, c, tc, h, np.empty_like(gates))
    cache = {"_kind": "lstm", "_step": True, "keys": tuple(p), "x": xc, "h_prev": hc,
             "c_prev": cc, "c": c, "tc": tc, "h": h, "gates": gates, "fused": fw}
    H = hc.shape[0]
    for k, name in enumerate(GATES["lstm"]):
        cache[name] = gates[k * H:(k + 1) * H].T
    return _columns(h), _columns(c), cache


@reference
@one_blas_thread()
def lstm_step_backward(dh, dc, cache):
    """Gradient of :func:`lstm_step`. dh, dc (B, H): dL/dh_t and dL/dc_t from above/later.

    Returns ``(dx (B, D), dh_prev (B, H), dc_prev (B, H), grads)``, grads with the keys of p.
    Defined in notebook 05_lstm, section 5.2 "Backward through an LSTM step".
    """
    where = "lstm_step_backward"
    _check_cache(where, cache, "lstm")
    c = cache["c"]
    H, B = c.shape
    dh = _check_shape(where, "dh", dh, (("B", B), ("H", H)), "batch x hidden units, like h")
    dc = _check_shape(where, "dc", dc, (("B", B), ("H", H)), "batch x hidden units, like c")
    fw = cache["fused"]
    da = np.empty_like(cache["gates"])
    dh_prev, dc_prev, tmp = (np.empty_like(c) for _ in range(3))
    dhc, dcc = (_columns(a.astype(c.dtype, copy=False)) for a in (dh, dc))
    _lstm_core_backward(dhc, dcc, cache["gates"], cache["c_prev"], cache["h"], cache["tc"],
                        fw["W"], fw["P"], da, dh_prev, dc_prev, tmp)
    Z = _inputs_of_products(cache["h_prev"], cache["x"])
    grads = _param_grads("lstm", cache["keys"], Z, da, c_prev=cache["c_prev"], c=c, P=fw["P"])
    return _columns(fw["U"] @ da), _columns(dh_prev), _columns(dc_prev), grads


@reference
@one_blas_thread()
def gru_step(x, h_prev, p):
    """One GRU step ``h = (1 - z) h_prev + z g`` (reset gate applied before ``W_g``).

    x (B, D), h_prev (B, H); p with U_* (D, H), W_* (H, H), b_* (H,) for z r g. Returns
    ``(h (B, H), cache)``; the cache holds the gates (B, H) under ``"z" "r" "g"``.
    Defined in notebook 06_gru, section 6.1 "One GRU step".
    """
    where = "gru_step"
    x, h_prev, _, p = _check_step_inputs(where, "gru", x, h_prev, p)
    dt = _dtype(x, h_prev, *p.values())
    fw = _fuse("gru", p, dt)
    xc, hc = _columns(x.astype(dt, copy=False)), _columns(h_prev.astype(dt, copy=False))
    gates = fw["Ut"] @ xc + fw["b"]
    rh, h = np.empty(hc.shape, dt), np.empty(hc.shape, dt)
    _gru_core(gates, hc, fw["Wt"], gates, rh, h, np.empty_like(gates))
    cache = {"_kind": "gru", "_step": True, "keys": tuple(p), "x": xc, "h_prev": hc,
             "gates": gates, "rh": rh, "fused": fw}
    H = hc.shape[0]
    for k, name in enumerate(GATES["gru"]):
        cache[name] = gates[k * H:(k + 1) * H].T
    return _columns(h), cache


@reference
@one_blas_thread()
def gru_step_backward(dh, cache):
    """Gradient of :func:`gru_step`. dh (B, H) = dL/dh.

    Returns ``(dx (B, D), dh_prev (B, H), grads)``, grads with the keys of p.
    Used in notebook 06_gru, section 6.2 "The update gate decides how long a pulse is
    remembered" (the GRU backward is not a section of its own).
    """
    where = "gru_step_backward"
    _check_cache(where, cache, "gru")
    h_prev = cache["h_prev"]
    H, B = h_prev.shape
    dh = _check_shape(where, "dh", dh, (("B", B), ("H", H)), "batch x hidden units, like h")
    fw = cache["fused"]
    da = np.empty_like(cache["gates"])
    dh_prev, tmp = np.empty_like(h_prev), np.empty_like(h_prev)
    _gru_core_backward(_columns(dh.astype(h_prev.dtype, copy=False)), h_prev, cache["gates"],
                       fw["W"], da, dh_prev, tmp)
    Z = _inputs_of_products(h_prev, cache["x"], cache["rh"])
    grads = _param_grads("gru", cache["keys"], Z, da)
    return _columns(fw["U"] @ da), _columns(dh_prev), grads
