"""Typical wrong answers for notebook 03_bptt, written from its statements."""
from tests.feedback_catalogue import Wrong

WRONG = (
    # ------------------------------------------------------------------ rnn_step_backward
    Wrong("rnn_step_backward", "db keeps the batch axis: it is not summed over the examples",
          keywords=("sum over the batch", "batch", "axis=0", "axis 0"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "dx multiplies by U instead of U.T",
          keywords=("u.t", "transpos"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    dx = da @ U
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "the tanh derivative uses the previous state: 1 - h_prev**2",
          keywords=("h_prev", "output", "1 - h**2", "1 - h ** 2", "the step's h"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h_prev**2)
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "dW uses the step's output h instead of its input h_prev",
          keywords=("h_prev", "previous state", "input of the step", "h_prev.t"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "dh_prev skips the tanh derivative (dh @ W.T); the other gradients use it",
          keywords=("tanh", "1 - h", "derivative", "da"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    dx = da @ U.T
    dh_prev = dh @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "writes the tanh derivative as (1 - h)**2",
          keywords=("1 - h**2", "1 - h ** 2", "square", "derivative", "parenthes"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h) ** 2
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "the weight gradients use dh directly, without going back through the tanh",
          keywords=("tanh", "1 - h", "derivative", "da"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ dh
    dW = h_prev.T @ dh
    db = dh.sum(axis=0)
    return dx, dh_prev, dU, dW, db
'''),
    Wrong("rnn_step_backward", "returns dh_prev first and dx second",
          keywords=("order", "(dx, dh_prev", "swap"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da.sum(axis=0)
    return dh_prev, dx, dU, dW, db
'''),
    # ------------------------------------------------------------------ rnn_backward
    Wrong("rnn_backward", "assigns the weight gradients (=) instead of accumulating them over time (+=)",
          keywords=("accumulat", "+=", "add up", "sum over time", "every step", "over all steps"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_before = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU = xs[:, t].T @ da
        dW = h_before.T @ da
        db = da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''),
    Wrong("rnn_backward", "takes the state before step t as hs[:, t - 1] at every t, wrapping around to the last state at t = 0 instead of h0",
          keywords=("h0", "t = 0", "initial state", "wrap", "first step"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += hs[:, t - 1].T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''),
    Wrong("rnn_backward", "loops forwards in time (t = 0 .. T-1) instead of backwards",
          keywords=("backward", "revers", "last step", "t = t - 1", "t - 1 down"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T):
        h_before = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += h_before.T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''),
    Wrong("rnn_backward", "the backward loop stops before t = 0 (range(T - 1, 0, -1))",
          keywords=("step 0", "t = 0", "range", "first step", "every step"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, 0, -1):
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += hs[:, t - 1].T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''),
    Wrong("rnn_backward", "returns the gradient at the first state hs[:, 0] as dh0, not the one that flows back into h0",
          keywords=("dh0", "h0", "initial state", "w.t", "before step 0"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_before = hs[:, t - 1] if t > 0 else h0
        dh = dhs[:, t] + dh_next
        da = dh * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += h_before.T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh, dU, dW, db
'''),
    Wrong("rnn_backward", "the tanh derivative uses the state before the step instead of the step's output hs[:, t]",
          keywords=("hs[:, t]", "output", "state after", "1 - h", "h_t"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_before = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * (1.0 - h_before ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += h_before.T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''),
    Wrong("rnn_backward", "db adds da.sum() over everything (a scalar) instead of summing over the batch",
          keywords=("axis=0", "batch", "sum over", "scalar", "per unit"),
          source='''
def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_before = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += h_before.T @ da
        db += da.sum()
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''),
    Wrong("rnn_backward", "calls the step helper with h_prev and h swapped",
          keywords=("h_prev", "swap", "argument", "order"),
          source='''
def rnn_step_backward(dh, x, h_prev, h, U, W):
    da = dh * (1.0 - h**2)
    return da @ U.T, da @ W.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_backward(dhs, xs, h0, hs, U, W):
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_before = hs[:, t - 1] if t > 0 else h0
        dx, dh_next, dU_t, dW_t, db_t = rnn_step_backward(dhs[:, t] + dh_next, xs[:, t], hs[:, t], h_before, U, W)
        dxs[:, t] = dx
        dU += dU_t
        dW += dW_t
        db += db_t
    return dxs, dh_next, dU, dW, db
'''),
    # ------------------------------------------------------------------ grad_norms_through_time
    Wrong("grad_norms_through_time", "the forward pass leaves out the bias b",
          keywords=("bias", " b ", "forward pass"),
          source='''
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    T = xs.shape[1]
    hs = []
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W)
        hs.append(h)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next
        norms[t] = np.sqrt(np.sum(dh**2))
        dh_next = (dh * (1.0 - hs[t] ** 2)) @ W.T
    return norms
'''),
    Wrong("grad_norms_through_time", "measures the norm after the tanh derivative (of da) instead of the gradient at h_t",
          keywords=("before", "tanh", "da", "dl/dh_t", "at h_t"),
          source='''
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    T = xs.shape[1]
    hs = []
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs.append(h)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da = (dhs[:, t] + dh_next) * (1.0 - hs[t] ** 2)
        norms[t] = np.sqrt(np.sum(da**2))
        dh_next = da @ W.T
    return norms
'''),
    Wrong("grad_norms_through_time", "uses np.linalg.norm(dh, 2), the spectral norm, instead of the norm over all entries",
          keywords=("spectral", "frobenius", "all entries", "sum of squares", "np.sqrt(np.sum", "every entry"),
          source='''
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    T = xs.shape[1]
    hs = []
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs.append(h)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next
        norms[t] = np.linalg.norm(dh, 2)
        dh_next = (dh * (1.0 - hs[t] ** 2)) @ W.T
    return norms
'''),
    Wrong("grad_norms_through_time", "runs the forward pass from a zero state instead of h0",
          keywords=("h0", "initial state"),
          source='''
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    T = xs.shape[1]
    hs = []
    h = np.zeros_like(h0)
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs.append(h)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next
        norms[t] = np.sqrt(np.sum(dh**2))
        dh_next = (dh * (1.0 - hs[t] ** 2)) @ W.T
    return norms
'''),
    Wrong("grad_norms_through_time", "returns the squared norms (no square root)",
          keywords=("square root", "sqrt", "squared"),
          source='''
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    T = xs.shape[1]
    hs = []
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs.append(h)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next
        norms[t] = np.sum(dh**2)
        dh_next = (dh * (1.0 - hs[t] ** 2)) @ W.T
    return norms
'''),
    Wrong("grad_norms_through_time", "stores the state before each update, so the derivative at step t uses h_{t-1}",
          keywords=("h_t", "state after", "shift", "one step", "hs[t]"),
          source='''
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    T = xs.shape[1]
    hs = []
    h = h0
    for t in range(T):
        hs.append(h)
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next
        norms[t] = np.sqrt(np.sum(dh**2))
        dh_next = (dh * (1.0 - hs[t] ** 2)) @ W.T
    return norms
'''),
    # ------------------------------------------------------------------ clip_grads
    # coincides with a registered mistake (each gradient clipped on its own)
    Wrong("clip_grads", "clips each array by its own norm instead of by the global norm",
          keywords=("global norm", "together", "per array", "each gradient", "on its own", "all the gradients"),
          source='''
def clip_grads(dU, dW, db, max_norm):
    out = []
    for g in (dU, dW, db):
        norm = np.sqrt(np.sum(g * g))
        out.append(g * min(1.0, max_norm / norm))
    return tuple(out)
'''),
    # coincides with a registered mistake (rescales even below max_norm)
    Wrong("clip_grads", "always rescales to max_norm, even when the norm is already below it",
          keywords=("below", "already", "min(1", "only shrink", "always", "even when"),
          source='''
def clip_grads(dU, dW, db, max_norm):
    norm = math.sqrt(sum(np.sum(g * g) for g in (dU, dW, db)))
    scale = max_norm / norm
    return dU * scale, dW * scale, db * scale
'''),
    Wrong("clip_grads", "inverts the ratio: scales by norm / max_norm",
          keywords=("max_norm / norm", "invert", "ratio", "upside down"),
          source='''
def clip_grads(dU, dW, db, max_norm):
    norm = math.sqrt(sum(np.sum(g * g) for g in (dU, dW, db)))
    scale = min(1.0, norm / max_norm)
    return dU * scale, dW * scale, db * scale
'''),
    Wrong("clip_grads", "leaves db out of the global norm",
          keywords=("db", "all three", "every gradient", "bias"),
          source='''
def clip_grads(dU, dW, db, max_norm):
    norm = math.sqrt(np.sum(dU * dU) + np.sum(dW * dW))
    scale = min(1.0, max_norm / norm)
    return dU * scale, dW * scale, db * scale
'''),
    Wrong("clip_grads", "measures the norm as the root of the MEAN square instead of the sum of squares",
          keywords=("mean", "sum of squares", "sum of every squared"),
          source='''
def clip_grads(dU, dW, db, max_norm):
    flat = np.concatenate([dU.ravel(), dW.ravel(), db.ravel()])
    norm = np.sqrt(np.mean(flat ** 2))
    scale = min(1.0, max_norm / norm)
    return dU * scale, dW * scale, db * scale
'''),
    Wrong("clip_grads", "the condition is flipped: rescales when the norm is below max_norm and leaves large gradients alone",
          keywords=("above", "exceeds", "below", "condition", "only when", "larger than"),
          source='''
def clip_grads(dU, dW, db, max_norm):
    norm = math.sqrt(sum(np.sum(g * g) for g in (dU, dW, db)))
    if norm < max_norm:
        scale = max_norm / norm
        return dU * scale, dW * scale, db * scale
    return dU.copy(), dW.copy(), db.copy()
'''),
)
