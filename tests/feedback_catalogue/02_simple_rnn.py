"""Typical wrong answers for notebook 02_simple_rnn, written from its statements."""
from tests.feedback_catalogue import Wrong

WRONG = (
    # ------------------------------------------------------------------ rnn_step_forward
    Wrong("rnn_step_forward", "uses the transpose of U",
          keywords=("transpos", "u.t"),
          source='''
def rnn_step_forward(x, h_prev, U, W, b):
    return np.tanh(x @ U.T + h_prev @ W + b)
'''),
    # coincides with a registered mistake (recurrent weights transposed)
    Wrong("rnn_step_forward", "uses the transpose of the recurrent weights W",
          keywords=("transpos", "w.t"),
          source='''
def rnn_step_forward(x, h_prev, U, W, b):
    return np.tanh(x @ U + h_prev @ W.T + b)
'''),
    Wrong("rnn_step_forward", "adds the bias after the tanh instead of inside it",
          keywords=("bias", "inside", "before the tanh", "after the tanh"),
          source='''
def rnn_step_forward(x, h_prev, U, W, b):
    return np.tanh(x @ U + h_prev @ W) + b
'''),
    Wrong("rnn_step_forward", "writes the recurrent term in column-vector order, W @ h_prev.T",
          keywords=("row vector", "column", "h_prev @ w", "order", "left"),
          source='''
def rnn_step_forward(x, h_prev, U, W, b):
    return np.tanh(x @ U + W @ h_prev.T + b)
'''),
    Wrong("rnn_step_forward", "uses a ReLU instead of tanh",
          keywords=("tanh", "relu", "activation"),
          source='''
def rnn_step_forward(x, h_prev, U, W, b):
    return np.maximum(0.0, x @ U + h_prev @ W + b)
'''),
    # ------------------------------------------------------------------ rnn_forward
    Wrong("rnn_forward", "reads the previous state from hs[:, t - 1], which wraps around to the last (zero) entry at t = 0 instead of using h0",
          keywords=("h0", "t = 0", "first step", "initial state", "wrap"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    for t in range(T):
        hs[:, t] = np.tanh(xs[:, t] @ U + hs[:, t - 1] @ W + b)
    return hs
'''),
    Wrong("rnn_forward", "the time loop starts at 1, so step 0 is never computed",
          keywords=("step 0", "first step", "t = 0", "range", "every step"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = h0
    for t in range(1, T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs[:, t] = h
    return hs
'''),
    Wrong("rnn_forward", "indexes the time step as xs[t] (the batch axis) instead of xs[:, t]",
          keywords=("xs[:, t]", "time axis", "axis 1", "batch axis", "axis"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = h0
    for t in range(T):
        h = np.tanh(xs[t] @ U + h @ W + b)
        hs[:, t] = h
    return hs
'''),
    Wrong("rnn_forward", "starts from a zero state and ignores h0",
          keywords=("h0", "initial state"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = np.zeros_like(h0)
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs[:, t] = h
    return hs
'''),
    Wrong("rnn_forward", "returns only the final state instead of every step's state",
          keywords=("every step", "all steps", "each step", "(b, t, h)", "final state", "last state"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    h = h0
    for t in range(xs.shape[1]):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    return h
'''),
    Wrong("rnn_forward", "calls the step helper with U and W swapped",
          keywords=("swap", "argument", "u and w", "order"),
          source='''
def rnn_step_forward(x, h_prev, U, W, b):
    return np.tanh(x @ U + h_prev @ W + b)


def rnn_forward(xs, h0, U, W, b):
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = h0
    for t in range(T):
        h = rnn_step_forward(xs[:, t], h, W, U, b)
        hs[:, t] = h
    return hs
'''),
    Wrong("rnn_forward", "allocates hs with np.zeros_like(xs), the input's feature size instead of the hidden size",
          keywords=("hidden size", "shape", "zeros_like", "(b, t, h)"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    hs = np.zeros_like(xs)
    h = h0
    for t in range(xs.shape[1]):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs[:, t] = h
    return hs
'''),
    # ------------------------------------------------------------------ softmax_head
    Wrong("softmax_head", "exponentiates the logits without subtracting the maximum: overflow",
          keywords=("overflow", "maximum", "max", "subtract", "nan", "inf"),
          source='''
def softmax_head(hs, V, c):
    e = np.exp(hs @ V + c)
    return e / e.sum(axis=-1, keepdims=True)
'''),
    Wrong("softmax_head", "normalises without keepdims, so the sum does not broadcast over the classes",
          keywords=("keepdims", "broadcast"),
          source='''
def softmax_head(hs, V, c):
    z = hs @ V + c
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1)
'''),
    Wrong("softmax_head", "multiplies by the transpose of V",
          keywords=("transpos", "v.t"),
          source='''
def softmax_head(hs, V, c):
    z = hs @ V.T + c
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
'''),
    Wrong("softmax_head", "subtracts the maximum over the batch axis, a different number for each class",
          keywords=("each row", "same number", "last axis", "axis=-1", "axis"),
          source='''
def softmax_head(hs, V, c):
    z = hs @ V + c
    z = z - z.max(axis=0)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
'''),
    Wrong("softmax_head", "applies a sigmoid to each logit instead of a softmax",
          keywords=("softmax", "sigmoid", "sum to 1", "sums to 1"),
          source='''
def softmax_head(hs, V, c):
    return 1.0 / (1.0 + np.exp(-(hs @ V + c)))
'''),
    # ------------------------------------------------------------------ total_cross_entropy
    Wrong("total_cross_entropy", "uses log10 instead of the natural log",
          keywords=("log10", "base 10", "base-10", "natural log"),
          source='''
def total_cross_entropy(probs, labels):
    picked = np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0]
    per_step = -np.log10(picked).mean(axis=0)
    return per_step, float(per_step.sum())
'''),
    Wrong("total_cross_entropy", "the total sums over the batch as well as over time (per_step is right)",
          keywords=("batch", "sum of per_step", "sum of the per-step"),
          source='''
def total_cross_entropy(probs, labels):
    picked = np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0]
    per_step = -np.log(picked).mean(axis=0)
    total = -np.log(picked).sum()
    return per_step, float(total)
'''),
    Wrong("total_cross_entropy", "indexes probs[:, :, labels], which picks every label for every position",
          keywords=("one entry", "take_along_axis", "index", "shape", "label"),
          source='''
def total_cross_entropy(probs, labels):
    picked = probs[:, :, labels]
    per_step = -np.log(picked).mean(axis=0)
    return per_step, float(per_step.sum())
'''),
    Wrong("total_cross_entropy", "sums -log over all classes instead of picking the correct class",
          keywords=("label", "correct class", "pick", "one entry"),
          source='''
def total_cross_entropy(probs, labels):
    per_step = -np.log(probs).sum(axis=-1).mean(axis=0)
    return per_step, float(per_step.sum())
'''),
    Wrong("total_cross_entropy", "returns (total, per_step) in the wrong order",
          keywords=("order", "(per_step, total)", "first"),
          source='''
def total_cross_entropy(probs, labels):
    picked = np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0]
    per_step = -np.log(picked).mean(axis=0)
    return float(per_step.sum()), per_step
'''),
    # ------------------------------------------------------------------ stacked_rnn_forward
    Wrong("stacked_rnn_forward", "layer 2 reads the input xs instead of layer 1's states",
          keywords=("layer 1", "h1", "hs1", "reads"),
          source='''
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B, T, _ = xs.shape
    h1, h2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(T):
        h1 = np.tanh(xs[:, t] @ U1 + h1 @ W1 + b1)
        h2 = np.tanh(xs[:, t] @ U2 + h2 @ W2 + b2)
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
'''),
    Wrong("stacked_rnn_forward", "layer 2's recurrent term uses layer 1's W1",
          keywords=("w2", "w1", "own weights", "layer 2's"),
          source='''
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B, T, _ = xs.shape
    h1, h2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(T):
        h1 = np.tanh(xs[:, t] @ U1 + h1 @ W1 + b1)
        h2 = np.tanh(h1 @ U2 + h2 @ W1 + b2)
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
'''),
    Wrong("stacked_rnn_forward", "layer 2 adds layer 1's bias b1",
          keywords=("b2", "b1", "bias"),
          source='''
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B, T, _ = xs.shape
    h1, h2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(T):
        h1 = np.tanh(xs[:, t] @ U1 + h1 @ W1 + b1)
        h2 = np.tanh(h1 @ U2 + h2 @ W2 + b1)
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
'''),
    Wrong("stacked_rnn_forward", "layer 1 does not carry its state: every step starts from zeros",
          keywords=("carry", "previous state", "recurrent", "h1_{t-1}", "layer 1"),
          source='''
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B, T, _ = xs.shape
    h2 = np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(T):
        h1 = np.tanh(xs[:, t] @ U1 + np.zeros((B, W1.shape[0])) @ W1 + b1)
        h2 = np.tanh(h1 @ U2 + h2 @ W2 + b2)
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
'''),
    Wrong("stacked_rnn_forward", "the time loop starts at 1, so step 0 of both layers stays zero",
          keywords=("step 0", "first step", "t = 0", "range", "every step"),
          source='''
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B, T, _ = xs.shape
    h1, h2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(1, T):
        h1 = np.tanh(xs[:, t] @ U1 + h1 @ W1 + b1)
        h2 = np.tanh(h1 @ U2 + h2 @ W2 + b2)
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
'''),
    Wrong("stacked_rnn_forward", "starts layer 2 from layer 1's final state instead of from zeros",
          keywords=("zero", "initial state", "start", "h0"),
          source='''
def rnn_forward(xs, h0, U, W, b):
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs[:, t] = h
    return hs


def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B = xs.shape[0]
    hs1 = rnn_forward(xs, np.zeros((B, W1.shape[0])), U1, W1, b1)
    hs2 = rnn_forward(hs1, hs1[:, -1], U2, W2, b2)
    return hs1, hs2
'''),
    Wrong("stacked_rnn_forward", "layer 2 uses a sigmoid instead of tanh",
          keywords=("tanh", "sigmoid", "activation"),
          source='''
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    B, T, _ = xs.shape
    h1, h2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(T):
        h1 = np.tanh(xs[:, t] @ U1 + h1 @ W1 + b1)
        h2 = 1.0 / (1.0 + np.exp(-(h1 @ U2 + h2 @ W2 + b2)))
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
'''),
)
