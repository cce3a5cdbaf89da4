"""Typical wrong answers for notebook 10_char_rnn_capstone, written from its statements.

The answer cells of Exercises 10.1 and 10.2 start with the student's pasted answers of notebooks
2 and 3 (rnn_forward, rnn_backward, clip_grads); those pasted parts are right here unless the
mistake says otherwise, and every source defines all it uses (it runs alone, like a fresh cell).
"""
from tests.feedback_catalogue import Wrong

# The student's rnn_forward (notebook 2) and rnn_backward (notebook 3), pasted at the top of 10.1.
_PASTED_RNN = '''
# Your rnn_forward (notebook 2) and rnn_backward (notebook 3), pasted here:
def rnn_forward(xs, h0, U, W, b):
    B, T, D = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs[:, t] = h
    return hs


def rnn_backward(dhs, xs, h0, hs, U, W):
    B, T, D = xs.shape
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        h_before = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += h_before.T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
'''

# Exercise 10.1 answered right, as the top of the 10.2 cell would need it when run alone.
_LOSS_AND_GRADS = _PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = np.eye(K)[targets]
    loss = float(-np.sum(np.log(np.sum(p * onehot, axis=-1))) / B)
    dz = (p - onehot) / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''

# The student's clip_grads (notebook 3), pasted at the top of 10.2.
_PASTED_CLIP = '''

# Your clip_grads (notebook 3), pasted here:
def clip_grads(dU, dW, db, max_norm):
    norm = np.sqrt(np.sum(dU**2) + np.sum(dW**2) + np.sum(db**2))
    if norm > max_norm:
        dU, dW, db = dU * (max_norm / norm), dW * (max_norm / norm), db * (max_norm / norm)
    return dU, dW, db
'''

_SGD_CELL = _LOSS_AND_GRADS + _PASTED_CLIP

WRONG = (
    # ------------------------------------------------------------------ char_rnn_loss_and_grads
    Wrong("char_rnn_loss_and_grads", "the gradient of the logits has the wrong sign: (onehot - p) / B instead of (p - onehot) / B",
          keywords=("sign", "p - onehot", "minus", "negat", "opposite"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = np.eye(K)[targets]
    loss = float(-np.sum(np.log(np.sum(p * onehot, axis=-1))) / B)
    dz = (onehot - p) / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''),
    Wrong("char_rnn_loss_and_grads", "the loss is divided by B but the gradient of the logits is not: dz = p - onehot",
          keywords=("/ b", "divide", "batch", "factor", "scale"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = np.eye(K)[targets]
    loss = float(-np.sum(np.log(np.sum(p * onehot, axis=-1))) / B)
    dz = p - onehot
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''),
    Wrong("char_rnn_loss_and_grads", "the softmax is normalised over the time axis (axis=1) instead of over the K symbols",
          keywords=("axis", "softmax", "symbols", "vocabulary", "sum to 1", "sum to one"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    onehot = np.eye(K)[targets]
    loss = float(-np.sum(np.log(np.sum(p * onehot, axis=-1))) / B)
    dz = (p - onehot) / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''),
    Wrong("char_rnn_loss_and_grads", "shifts the targets once more: the prediction at step t is scored against targets[:, t + 1] (the last step is dropped)",
          keywords=("shift", "targets[:, t]", "already", "off by one", "off-by-one", "same step"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    # the prediction made at step t is for the character after it
    onehot = np.zeros_like(p)
    onehot[:, :-1] = np.eye(K)[targets[:, 1:]]
    onehot_used = onehot[:, :-1]
    loss = float(-np.sum(np.log(np.sum(p[:, :-1] * onehot_used, axis=-1))) / B)
    dz = np.zeros_like(p)
    dz[:, :-1] = (p[:, :-1] - onehot_used) / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''),
    Wrong("char_rnn_loss_and_grads", "h_last is hs[-1] (every step of the last sequence) instead of hs[:, -1] (the last step of every sequence)",
          keywords=("h_last", "hs[:, -1]", "last step", "(batch, hidden)", "shape"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = np.eye(K)[targets]
    loss = float(-np.sum(np.log(np.sum(p * onehot, axis=-1))) / B)
    dz = (p - onehot) / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[-1]
'''),
    Wrong("char_rnn_loss_and_grads", "the logits' gradient is the softmax alone, p / B: the one-hot of the target is not subtracted",
          keywords=("onehot", "one-hot", "subtract 1", "p - ", "minus one"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    picked = p[np.arange(B)[:, None], np.arange(T)[None, :], targets]
    loss = float(-np.log(picked).sum() / B)
    dz = p / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''),
    Wrong("char_rnn_loss_and_grads", "the loss is the mean over the batch AND the steps (np.mean), not summed over the steps; the gradients are right",
          keywords=("sum", "summed", "steps", "mean over", "total"),
          source=_PASTED_RNN + '''

def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    B, T = ids.shape
    K = V.shape[1]
    xs = np.eye(K)[ids]
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    onehot = np.eye(K)[targets]
    loss = float(np.mean(-np.log(np.sum(p * onehot, axis=-1))))
    dz = (p - onehot) / B
    dV = np.einsum("bth,btk->hk", hs, dz)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
'''),
    # ------------------------------------------------------------------ sgd_steps
    Wrong("sgd_steps", "applies the learning rate twice: scales the gradients by lr, then updates with U - lr * dU",
          keywords=("lr", "learning rate", "twice"),
          source=_SGD_CELL + '''

def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = []
    for s in range(S):
        h0 = np.zeros((B, W.shape[0]))
        loss, dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        dU, dW, db = clip_grads(dU, dW, db, max_norm)
        dU, dW, db, dV, dc = lr * dU, lr * dW, lr * db, lr * dV, lr * dc
        U = U - lr * dU
        W = W - lr * dW
        b = b - lr * db
        V = V - lr * dV
        c = c - lr * dc
        losses.append(loss)
    return np.array(losses), U, W, b, V, c
'''),
    Wrong("sgd_steps", "records the loss after the update (recomputed at the new weights) instead of the loss before it",
          keywords=("before", "after the update", "before its update", "losses"),
          source=_SGD_CELL + '''

def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = np.zeros(S)
    for s in range(S):
        h0 = np.zeros((B, W.shape[0]))
        _, dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        dU, dW, db = clip_grads(dU, dW, db, max_norm)
        U, W, b, V, c = U - lr * dU, W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
        losses[s] = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)[0]
    return losses, U, W, b, V, c
'''),
    Wrong("sgd_steps", "carries the state from batch to batch (h0 of a batch is the previous batch's h_last) instead of starting every batch from zero",
          keywords=("zero state", "h0 = 0", "h0", "every batch", "carr"),
          source=_SGD_CELL + '''

def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = []
    h = np.zeros((B, W.shape[0]))
    for s in range(S):
        loss, dU, dW, db, dV, dc, h = char_rnn_loss_and_grads(ids[s], targets[s], h, U, W, b, V, c)
        dU, dW, db = clip_grads(dU, dW, db, max_norm)
        U, W, b, V, c = U - lr * dU, W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
        losses.append(loss)
    return np.array(losses), U, W, b, V, c
'''),
    Wrong("sgd_steps", "the pasted clip_grads always rescales to max_norm (scale = max_norm / (norm + eps)), also when the norm is already below it",
          keywords=("at most", "below max_norm", "min(1", "only when", "only if", "clip_grads"),
          source=_LOSS_AND_GRADS + '''

# Your clip_grads (notebook 3), pasted here:
def clip_grads(dU, dW, db, max_norm):
    norm = np.sqrt(np.sum(dU**2) + np.sum(dW**2) + np.sum(db**2))
    scale = max_norm / (norm + 1e-12)
    return dU * scale, dW * scale, db * scale


def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = []
    for s in range(S):
        h0 = np.zeros((B, W.shape[0]))
        loss, dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        dU, dW, db = clip_grads(dU, dW, db, max_norm)
        U, W, b, V, c = U - lr * dU, W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
        losses.append(loss)
    return np.array(losses), U, W, b, V, c
'''),
    Wrong("sgd_steps", "clips the recurrent weights U, W, b instead of their gradients dU, dW, db",
          keywords=("gradient", "dU, dW, db", "clip", "weights"),
          source=_SGD_CELL + '''

def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = []
    for s in range(S):
        h0 = np.zeros((B, W.shape[0]))
        loss, dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        U, W, b = clip_grads(U, W, b, max_norm)
        U, W, b, V, c = U - lr * dU, W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
        losses.append(loss)
    return np.array(losses), U, W, b, V, c
'''),
    Wrong("sgd_steps", "the update adds the gradient (U + lr * dU): a step uphill",
          keywords=("uphill", "subtract", "descent", "- lr", "sign"),
          source=_SGD_CELL + '''

def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = []
    for s in range(S):
        h0 = np.zeros((B, W.shape[0]))
        loss, dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        dU, dW, db = clip_grads(dU, dW, db, max_norm)
        U, W, b, V, c = U + lr * dU, W + lr * dW, b + lr * db, V + lr * dV, c + lr * dc
        losses.append(loss)
    return np.array(losses), U, W, b, V, c
'''),
    Wrong("sgd_steps", "never calls clip_grads: the recurrent gradients go into the update unclipped",
          keywords=("clip", "max_norm", "global norm"),
          source=_SGD_CELL + '''

def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    S, B, T = ids.shape
    losses = []
    for s in range(S):
        h0 = np.zeros((B, W.shape[0]))
        loss, dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        U, W, b, V, c = U - lr * dU, W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
        losses.append(loss)
    return np.array(losses), U, W, b, V, c
'''),
    # ------------------------------------------------------------------ sample_chars
    Wrong("sample_chars", "draws with np.random.choice(K, p=probs) instead of with the given u[t]",
          keywords=("u[t]", "given u", "np.random", "cumulative", "uniform number"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(len(u)):
        h = np.tanh(U[char] + h @ W + b)
        z = (h @ V + c) / temperature
        probs = np.exp(z - z.max())
        probs = probs / probs.sum()
        char = int(np.random.choice(len(probs), p=probs))
        out.append(char)
    return np.array(out, dtype=np.int64)
'''),
    Wrong("sample_chars", "loops over range(1, len(u)), counting first_id as one of the n, and returns n - 1 ids",
          keywords=("n ids", "(n,)", "shape", "length", "every u", "one per"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(1, len(u)):
        h = np.tanh(U[char] + h @ W + b)
        z = (h @ V + c) / temperature
        probs = np.exp(z - z.max())
        probs = probs / probs.sum()
        char = int(np.argmax(np.cumsum(probs) > u[t]))
        out.append(char)
    return np.array(out, dtype=np.int64)
'''),
    Wrong("sample_chars", "divides the probabilities by the temperature after the softmax instead of the logits before it",
          keywords=("logits", "before the softmax", "z / temperature", "z / tau"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(len(u)):
        h = np.tanh(U[char] + h @ W + b)
        z = h @ V + c
        probs = np.exp(z - z.max())
        probs = probs / probs.sum() / temperature
        char = int(np.argmax(np.cumsum(probs) > u[t])) if np.cumsum(probs)[-1] > u[t] else len(probs) - 1
        out.append(char)
    return np.array(out, dtype=np.int64)
'''),
    Wrong("sample_chars", "predicts before reading: draws from the state before the current character is fed in, then updates the state",
          keywords=("order", "update the state", "read", "before", "first_id"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(len(u)):
        z = (h @ V + c) / temperature
        probs = np.exp(z - z.max())
        probs = probs / probs.sum()
        h = np.tanh(U[char] + h @ W + b)
        char = int(np.argmax(np.cumsum(probs) > u[t]))
        out.append(char)
    return np.array(out, dtype=np.int64)
'''),
    Wrong("sample_chars", "feeds back the most likely character (argmax) while returning the drawn one",
          keywords=("feed", "drawn", "argmax", "next input", "own output"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(len(u)):
        h = np.tanh(U[char] + h @ W + b)
        z = (h @ V + c) / temperature
        probs = np.exp(z - z.max())
        probs = probs / probs.sum()
        out.append(int(np.argmax(np.cumsum(probs) > u[t])))
        char = int(np.argmax(probs))
    return np.array(out, dtype=np.int64)
'''),
    Wrong("sample_chars", "takes the most likely character at every step (np.argmax(probs)) instead of drawing with u[t]",
          keywords=("greedy", "argmax", "most likely", "draw", "u[t]"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(len(u)):
        h = np.tanh(U[char] + h @ W + b)
        z = (h @ V + c) / temperature
        probs = np.exp(z - z.max())
        probs = probs / probs.sum()
        char = int(np.argmax(probs))
        out.append(char)
    return np.array(out, dtype=np.int64)
'''),
    Wrong("sample_chars", "multiplies the logits by the temperature instead of dividing",
          keywords=("divide", "z / temperature", "multipl"),
          source='''
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0, first_id, []
    for t in range(len(u)):
        h = np.tanh(U[char] + h @ W + b)
        z = (h @ V + c) * temperature
        probs = np.exp(z - z.max())
        probs = probs / probs.sum()
        char = int(np.argmax(np.cumsum(probs) > u[t]))
        out.append(char)
    return np.array(out, dtype=np.int64)
'''),
)
