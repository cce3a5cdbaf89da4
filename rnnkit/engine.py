"""The fast engine: :mod:`rnnkit.bptt`'s sequence functions, computed faster.

``forward``, ``backward``, ``truncated_backward``, ``grad_norms`` and ``gate_values`` take the
arguments of their namesakes in :mod:`rnnkit.bptt`, check them the same way and return the
same structures and the same numbers (up to rounding; ``tests/test_engine.py`` holds them to
1e-12). Their caches are this module's own. Use it to train or time models
(``benchmarks/lstm_speed.py`` does); the maths is easier to read in :mod:`rnnkit.cells` and
:mod:`rnnkit.bptt`.

Where the speed comes from:

* Fused weights: all gates stacked (gate order as in :data:`rnnkit.cells.GATES`), so each step
  needs a single recurrent product for all gates, and the input projections ``x_t U + b`` of
  all steps come from one product before the time loop.
* Column layout: inside the loop a state is stored transposed, one column per sequence
  (``h.T``, ``(H, B)``; gates ``(nH, B)``; time-major ``(T, H, B)``). Every gate is then a
  contiguous block of rows, and numpy's elementwise functions run two to five times faster
  on contiguous blocks than on the column slices ``a[:, k*H:(k+1)*H]`` of the row layout.
  The maths is the lecture's, transposed: ``a.T = U.T x.T + W.T h.T + b``.
* One tanh for all gates: the sigmoid gates' rows of the fused weights are halved, which is
  exact, and ``sigmoid(a) = (1 + tanh(a / 2)) / 2``.
* In place: the per-step cores write into buffers allocated once per call.
* The backward loop only carries ``dh`` (and ``dc``) back and stores each step's
  pre-activation gradient; the weight gradients come from one large product over all
  (step, sequence) pairs.
* One BLAS thread (:func:`one_blas_thread`) for the many small products, and for large
  problems a helper thread that does the work around the time loop (projections, outputs,
  weight gradients of finished chunks of steps) while the loop runs.
"""

import concurrent.futures
import contextlib
import ctypes
import os
import pathlib
import threading

import numpy as np

from rnnkit import validate
from rnnkit.cells import GATES, KINDS, PEEPHOLES, param_names
from rnnkit.delegation import reference


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
    numpy's BLAS is not OpenBLAS this does nothing. Wraps the forward and backward passes of
    this module and of :mod:`rnnkit.bptt`.
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
# Fused weights


def _fuse(kind, p, dtype):
    """The gates' weights stacked in :data:`rnnkit.cells.GATES` order, as the cores want them.

    Returns a dict. For the backward pass, in the lecture's values: ``U (D, nH)``,
    ``W (H, nH)`` (for ``dh_prev = W @ da``) and ``P``, the peepholes ``(P_f, P_i, P_o)`` as
    ``(H, 1)`` columns (None without peepholes). For the forward pass, transposed and with the
    sigmoid gates' rows halved: ``Wt (nH, H)``, ``Utb = [U.T b] (nH, D + 1)``
    (``Utb @ [x; 1] = U.T x + b``: the bias rides along in the product) and ``Ph`` (halved
    peepholes). Halving is exact in floating point and lets the
    cores use ``sigmoid(a) = (1 + tanh(a / 2)) / 2``: one ``tanh`` call activates every gate.
    """
    gates = GATES[kind]
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
    return {"U": U, "W": W, "P": P, "Utb": Utb, "Wt": np.ascontiguousarray(W.T * scale),
            "Ph": Ph}


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
# The cores. Column layout: h, c are (H, B), gates (nH, B). Every output argument is a
# preallocated array the core writes into; ``xu`` is this step's input projection
# ``U.T x.T + b`` (nH, B), bias included, sigmoid gates' rows halved (_fuse).


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


# --------------------------------------------------------------------------------------------
# Batch-major <-> column layout


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
    flops = 2.0 * T * B * len(GATES[kind]) * H * (D + H)   # one pass's products
    if flops < _PIPELINE_MIN_FLOPS or T < 2:
        return [(0, T)], None
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rnnkit-engine")
    size = -(-T // _CHUNKS)
    return [(t0, min(t0 + size, T)) for t0 in range(0, T, size)], _pool


class _Job:
    """``fn(*args)`` handed to the pool, or run at once when there is none."""

    def __init__(self, pool, fn, *args):
        self.fn, self.args = fn, args
        self.future = pool.submit(fn, *args) if pool is not None else self._here()

    def _here(self):
        done = concurrent.futures.Future()
        done.set_result(self.fn(*self.args))
        return done

    def result(self):
        """fn's value (or its exception). A job the pool has not started yet runs here
        instead: the caller never waits for a thread that is busy or not scheduled at all."""
        if self.future.cancel():
            self.future = self._here()
        return self.future.result()


def _wait(jobs):
    """Wait until the pool is done with ``jobs``: it must never go on writing our arrays."""
    concurrent.futures.wait([job.future for job in jobs])


# --------------------------------------------------------------------------------------------
# Forward


@reference(computes="rnnkit.bptt.forward")
@one_blas_thread()  # many small products: see its docstring
def forward(kind, xs, p, h0=None, c0=None):
    """Computes :func:`rnnkit.bptt.forward`: same arguments, same checks, same ``hs``.

    xs (B, T, D), h0 and c0 (B, H) or None. Returns ``(hs (B, T, H), cache)``; the cache
    belongs to this module's :func:`backward`, :func:`truncated_backward`, :func:`grad_norms`
    and :func:`gate_values`.
    """
    xs, p, h0, c0 = validate._check_sequence_inputs("engine.forward", kind, xs, p, h0, c0)
    B, T, D = xs.shape
    H, dt = h0.shape[1], h0.dtype
    fw = _fuse(kind, p, dt)
    Wt, Ph = fw["Wt"], fw["Ph"]
    nH = fw["Wt"].shape[0]

    X = np.empty((T, D + 1, B), dt)                      # [x_t; 1] as columns, step by step
    X[:, D] = 1  # the row of ones folds the bias into the projection
    XU = np.empty((T, nH, B), dt)                        # x_t U + b, activated in place later
    Hs = np.empty((T + 1, H, B), dt)                     # Hs[t + 1] is h_t; Hs[0] is h0
    Hs[0] = h0.T
    hs = np.empty((B, T, H), dt)
    cache = {"_kind": kind, "keys": tuple(p), "fused": fw, "shape": (B, T, D, H), "dtype": dt,
             "X": X, "Hs": Hs, "gates": XU}
    work = np.empty((nH, B), dt)
    if kind == "lstm":
        Cs = np.empty((T + 1, H, B), dt)
        Cs[0] = c0.T
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
    projected = [_Job(pool, project, t0, t1) for t0, t1 in chunks]
    outputs = []
    try:
        for (t0, t1), ready in zip(chunks, projected):
            ready.result()
            for t in range(t0, t1):
                if kind == "rnn":
                    _rnn_core(XU[t], Hs[t], Wt, Hs[t + 1])
                elif kind == "lstm":
                    _lstm_core(XU[t], Hs[t], Cs[t], Wt, Ph, XU[t], Cs[t + 1], TC[t],
                               Hs[t + 1], work)
                else:
                    _gru_core(XU[t], Hs[t], Wt, XU[t], RH[t], Hs[t + 1], work)
            outputs.append(_Job(pool, _from_columns, Hs[t0 + 1:t1 + 1], hs[:, t0:t1]))
        for job in reversed(outputs):  # the last ones are the least likely to have started
            job.result()
    finally:
        _wait(projected + outputs)
    return hs, cache


def gate_values(cache):
    """Computes :func:`rnnkit.bptt.gate_values` for a cache of :func:`forward`.

    Returns dict name -> (B, T, H): LSTM ``f i o g`` and ``c``, GRU ``z r g``, RNN none.
    """
    kind = _check_cache("gate_values", cache)
    if kind == "rnn":
        return {}
    H = cache["shape"][3]
    out = {name: _from_columns(cache["gates"][:, k * H:(k + 1) * H])
           for k, name in enumerate(GATES[kind])}
    if kind == "lstm":
        out["c"] = _from_columns(cache["Cs"][1:])
    return out


# --------------------------------------------------------------------------------------------
# Backward


def _check_cache(where, cache):
    if (not isinstance(cache, dict) or cache.get("_kind") not in KINDS
            or "Hs" not in cache):
        raise TypeError(f"{where}: cache must be the cache returned by rnnkit.engine.forward")
    return cache["_kind"]


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
    converted = [_Job(pool, _to_columns, dhs[:, t0:t1], dHs[t0:t1])
                 for t0, t1 in reversed(chunks)]
    try:
        for (t0, t1), ready in zip(reversed(chunks), converted):
            ready.result()
            for t in range(t1 - 1, t0 - 1, -1):
                np.add(dHs[t], dh, out=dh_t)
                if want_norms:
                    norms[t] = np.sqrt(np.vdot(dh_t, dh_t))
                if kind == "rnn":
                    _rnn_core_backward(dh_t, Hs[t + 1], W, dA[t], dh)
                elif kind == "lstm":
                    _lstm_core_backward(dh_t, dc, gates[t], Cs[t], Hs[t + 1], TC[t], W,
                                              P, dA[t], dh, dc_prev, tmp)
                    dc, dc_prev = dc_prev, dc
                else:
                    _gru_core_backward(dh_t, Hs[t], gates[t], W, dA[t], dh, tmp)
                if k is not None and t % k == 0 and t > 0:
                    # truncation: h_{t-1} (and c_{t-1}) count as constants for this segment
                    dh[...] = 0
                    if kind == "lstm":
                        dc[...] = 0
            if on_chunk is not None:
                on_chunk(dA, t0, t1)
    finally:
        _wait(converted)
    return dA, dh, (dc if kind == "lstm" else None), norms


def _chunk_gradients(cache, dA, t0, t1, dxs):
    """Gradients from steps t0..t1-1: returns the fused (dU, dW, db, dP), writes dxs[:, t0:t1].

    One large product for all weights over the chunk's (step, sequence) pairs, one for dx.
    """
    kind, fw = cache["_kind"], cache["fused"]

    def columns(a):
        # (n, F, B) -> (F, n * B): the (step, sequence) pairs become the columns of a matrix
        return np.ascontiguousarray(a.transpose(1, 0, 2)).reshape(a.shape[1], -1)

    Z = _inputs_of_products(
        cache["Hs"][t0:t1].transpose(1, 0, 2), cache["X"][t0:t1, :-1].transpose(1, 0, 2),
        cache["RH"][t0:t1].transpose(1, 0, 2) if kind == "gru" else None)
    da = columns(dA[t0:t1])
    peep = {}
    if kind == "lstm" and fw["P"] is not None:
        peep = dict(c_prev=columns(cache["Cs"][t0:t1]), c=columns(cache["Cs"][t0 + 1:t1 + 1]),
                    P=fw["P"])
    fused = _fused_param_grads(kind, Z, da, **peep)
    # dx as rows (step, sequence) x D: this orientation of the product runs faster
    dX = (da.T @ fw["U"].T).reshape(t1 - t0, dA.shape[2], -1)
    dxs[:, t0:t1] = dX.transpose(1, 0, 2)
    return fused


def _gradients(where, dhs, cache, k=None):
    """The common body of backward and truncated_backward."""
    kind = _check_cache(where, cache)
    dhs = validate._check_dhs(where, dhs, cache)
    B, T, D, H = cache["shape"]
    dxs = np.empty((B, T, D), cache["dtype"])
    chunks, pool = _chunks(kind, B, T, D, H)
    jobs = []

    def gradients_of(dA, t0, t1):
        jobs.append(_Job(pool, _chunk_gradients, cache, dA, t0, t1, dxs))

    try:
        _, dh0, dc0, _ = _backward_loop(cache, dhs, k, chunks=chunks, pool=pool,
                                        on_chunk=gradients_of)
        # the loop is done: take on the jobs the helper has not reached, from the last one
        parts = [job.result() for job in reversed(jobs)][::-1]
    finally:
        _wait(jobs)
    dU, dW, db = (sum(part[i] for part in parts) for i in range(3))
    dP = None if parts[0][3] is None else tuple(map(sum, zip(*(part[3] for part in parts))))
    grads = _grads_dict(kind, cache["keys"], dU, dW, db, dP)
    dc0 = None if dc0 is None else np.ascontiguousarray(dc0.T)
    return dxs, np.ascontiguousarray(dh0.T), dc0, grads


@reference(computes="rnnkit.bptt.backward")
@one_blas_thread()  # many small products: see its docstring
def backward(dhs, cache):
    """Computes :func:`rnnkit.bptt.backward` for a cache of :func:`forward`.

    dhs (B, T, H). Returns ``(dxs (B, T, D), dh0 (B, H), dc0 (B, H) or None, grads)``.
    """
    return _gradients("engine.backward", dhs, cache)


@reference(computes="rnnkit.bptt.truncated_backward")
@one_blas_thread()  # many small products: see its docstring
def truncated_backward(dhs, cache, k):
    """Computes :func:`rnnkit.bptt.truncated_backward` (segments of k steps).

    dhs (B, T, H), k a positive integer. Same returns as :func:`backward`.
    """
    where = "engine.truncated_backward"
    return _gradients(where, dhs, cache, k=validate._check_k(where, k))


@reference(computes="rnnkit.bptt.grad_norms")
@one_blas_thread()  # many small products: see its docstring
def grad_norms(dhs, cache):
    """Computes :func:`rnnkit.bptt.grad_norms`: ``|dL/dh_t|`` for t = 0..T-1, shape (T,)."""
    where = "engine.grad_norms"
    _check_cache(where, cache)
    return _backward_loop(cache, validate._check_dhs(where, dhs, cache), want_norms=True)[3]


