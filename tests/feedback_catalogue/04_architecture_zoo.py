"""Typical wrong answers for notebook 04_architecture_zoo, written from its statements."""
from tests.feedback_catalogue import Wrong

# the start of a bidirectional answer: a helper that runs one direction from a zero state
_BIRNN_WITH_RUN = '''
def birnn_forward(xs, fwd, bwd):
    def run(xs, p):
        h = np.zeros((xs.shape[0], p["W"].shape[0]))
        out = []
        for t in range(xs.shape[1]):
            h = np.tanh(xs[:, t] @ p["U"] + h @ p["W"] + p["b"])
            out.append(h)
        return np.stack(out, axis=1)
'''

WRONG = (
    # ------------------------------------------------------------------ rnn_output_shape
    Wrong("rnn_output_shape", "without return_state returns the output's shape itself, not a list holding it",
          keywords=("list of shapes", "[output]", "list holding", "nested", "a list"),
          source='''
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    output = [batch, time, units] if return_sequences else [batch, units]
    if not return_state:
        return output
    n_states = 2 if layer == "LSTM" else 1
    return [output] + [[batch, units]] * n_states
'''),
    Wrong("rnn_output_shape", "swaps the roles of return_sequences and return_state",
          keywords=("return_sequences", "return_state", "swap", "time axis"),
          source='''
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    output = [batch, time, units] if return_state else [batch, units]
    if not return_sequences:
        return [output]
    n_states = 2 if layer == "LSTM" else 1
    return [output] + [[batch, units]] * n_states
'''),
    # coincides with a registered mistake (the LSTM gets one state)
    Wrong("rnn_output_shape", "compares layer with 'lstm' in lower case, so the LSTM never gets its second state",
          keywords=("lstm", "two states", "cell state", "[output, h, c]"),
          source='''
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    output = [batch, time, units] if return_sequences else [batch, units]
    if not return_state:
        return [output]
    n_states = 2 if layer == "lstm" else 1
    return [output] + [[batch, units]] * n_states
'''),
    Wrong("rnn_output_shape", "with return_state returns only the states, dropping the output",
          keywords=("output", "first", "[output, "),
          source='''
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    output = [batch, time, units] if return_sequences else [batch, units]
    if not return_state:
        return [output]
    n_states = 2 if layer == "LSTM" else 1
    return [[batch, units]] * n_states
'''),
    Wrong("rnn_output_shape", "puts the states before the output",
          keywords=("order", "first", "output comes first", "[output, "),
          source='''
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    output = [batch, time, units] if return_sequences else [batch, units]
    if not return_state:
        return [output]
    n_states = 2 if layer == "LSTM" else 1
    return [[batch, units]] * n_states + [output]
'''),
    Wrong("rnn_output_shape", "leaves out the batch axis of every shape",
          keywords=("batch",),
          source='''
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    output = [time, units] if return_sequences else [units]
    if not return_state:
        return [output]
    n_states = 2 if layer == "LSTM" else 1
    return [output] + [[units]] * n_states
'''),
    # ------------------------------------------------------------------ many_to_one_forward
    Wrong("many_to_one_forward", "returns the last hidden state without the dense layer",
          keywords=("dense", "output layer", "@ v", "h_t v + c", "h_t @ v"),
          source='''
def many_to_one_forward(xs, U, W, b, V, c):
    B, T, _ = xs.shape
    h = np.zeros((B, W.shape[0]))
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    return h
'''),
    Wrong("many_to_one_forward", "the loop runs range(T - 1) and misses the last step",
          keywords=("last step", "final step", "range", "every step", "whole sequence", "t - 1"),
          source='''
def many_to_one_forward(xs, U, W, b, V, c):
    B, T, _ = xs.shape
    h = np.zeros((B, W.shape[0]))
    for t in range(T - 1):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    return h @ V + c
'''),
    Wrong("many_to_one_forward", "indexes time as xs[t] (the batch axis) instead of xs[:, t]",
          keywords=("xs[:, t]", "time axis", "axis"),
          source='''
def many_to_one_forward(xs, U, W, b, V, c):
    B, T, _ = xs.shape
    h = np.zeros((B, W.shape[0]))
    for t in range(T):
        h = np.tanh(xs[t] @ U + h @ W + b)
    return h @ V + c
'''),
    Wrong("many_to_one_forward", "applies a tanh to the dense output",
          keywords=("tanh", "activation", "linear", "logits"),
          source='''
def many_to_one_forward(xs, U, W, b, V, c):
    B, T, _ = xs.shape
    h = np.zeros((B, W.shape[0]))
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    return np.tanh(h @ V + c)
'''),
    Wrong("many_to_one_forward", "applies a softmax to the dense output",
          keywords=("softmax", "probabilit", "logits"),
          source='''
def many_to_one_forward(xs, U, W, b, V, c):
    B, T, _ = xs.shape
    h = np.zeros((B, W.shape[0]))
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    z = h @ V + c
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
'''),
    Wrong("many_to_one_forward", "builds the zero state with the input size D instead of the hidden size",
          keywords=("hidden size", "shape", "zero state", "(batch, h)", "w.shape"),
          source='''
def many_to_one_forward(xs, U, W, b, V, c):
    B, T, D = xs.shape
    h = np.zeros((B, D))
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    return h @ V + c
'''),
    # ------------------------------------------------------------------ seq2seq_forward
    Wrong("seq2seq_forward", "the decoder multiplies its inputs by the encoder's U",
          keywords=('dec["u"]', "dec['u']", "decoder's own", "encoder's", "own u"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ enc["U"] + h @ dec["W"] + dec["b"])
        outputs.append(h @ V + c)
    return np.stack(outputs, axis=1)
'''),
    Wrong("seq2seq_forward", "takes each decoder output before the state update",
          keywords=("before", "after the update", "new state", "state update", "updated"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        outputs.append(h @ V + c)
        h = np.tanh(ys_in[:, t] @ dec["U"] + h @ dec["W"] + dec["b"])
    return np.stack(outputs, axis=1)
'''),
    Wrong("seq2seq_forward", "leaves out the output bias c",
          keywords=("bias", "+ c"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ dec["U"] + h @ dec["W"] + dec["b"])
        outputs.append(h @ V)
    return np.stack(outputs, axis=1)
'''),
    Wrong("seq2seq_forward", "the decoder adds the encoder's bias",
          keywords=('dec["b"]', "dec['b']", "decoder's own", "encoder's", "own bias"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ dec["U"] + h @ dec["W"] + enc["b"])
        outputs.append(h @ V + c)
    return np.stack(outputs, axis=1)
'''),
    Wrong("seq2seq_forward", "the decoder does not carry its state: every step starts again from the encoder's final state",
          keywords=("carry", "previous state", "previous decoder state", "recurrent", "each step"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h_enc = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h_enc = np.tanh(xs[:, t] @ enc["U"] + h_enc @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ dec["U"] + h_enc @ dec["W"] + dec["b"])
        outputs.append(h @ V + c)
    return np.stack(outputs, axis=1)
'''),
    Wrong("seq2seq_forward", "the decoder reads ys_in[:, t - 1] (shifting again an input that is already shifted), wrapping around at t = 0",
          keywords=("ys_in[:, t]", "shift", "one step", "wrap", "t - 1"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t - 1] @ dec["U"] + h @ dec["W"] + dec["b"])
        outputs.append(h @ V + c)
    return np.stack(outputs, axis=1)
'''),
    Wrong("seq2seq_forward", "stacks the outputs along axis 0: (T_out, batch, K)",
          keywords=("transpos", "batch-major", "axis", "(batch, t_out"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ dec["U"] + h @ dec["W"] + dec["b"])
        outputs.append(h @ V + c)
    return np.array(outputs)
'''),
    Wrong("seq2seq_forward", "the encoder loop starts at 1 and never reads the first input",
          keywords=("first step", "step 0", "first input", "range", "every input"),
          source='''
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    B, T_in, _ = xs.shape
    h = np.zeros((B, enc["W"].shape[0]))
    for t in range(1, T_in):
        h = np.tanh(xs[:, t] @ enc["U"] + h @ enc["W"] + enc["b"])
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ dec["U"] + h @ dec["W"] + dec["b"])
        outputs.append(h @ V + c)
    return np.stack(outputs, axis=1)
'''),
    # ------------------------------------------------------------------ birnn_forward
    Wrong("birnn_forward", "concatenates the backward states in the order the backward RNN produced them",
          keywords=("reverse them back", "order", "position t", "[:, ::-1]"),
          source=_BIRNN_WITH_RUN + '''    return np.concatenate([run(xs, fwd), run(xs[:, ::-1], bwd)], axis=-1)
'''),
    Wrong("birnn_forward", "runs the backward RNN over the sequence in its original order",
          keywords=("reversed sequence", "reads the sequence forwards", "xs[:, ::-1]"),
          source='''
def birnn_forward(xs, fwd, bwd):
    B, T, _ = xs.shape
    H = fwd["W"].shape[0]
    h_f, h_b = np.zeros((B, H)), np.zeros((B, H))
    out = []
    for t in range(T):
        h_f = np.tanh(xs[:, t] @ fwd["U"] + h_f @ fwd["W"] + fwd["b"])
        h_b = np.tanh(xs[:, t] @ bwd["U"] + h_b @ bwd["W"] + bwd["b"])
        out.append(np.concatenate([h_f, h_b], axis=-1))
    return np.stack(out, axis=1)
'''),
    Wrong("birnn_forward", "reverses with [::-1], along the batch axis, so the backward RNN in effect reads the sequence forwards",
          keywords=("batch axis", "axis 1", "along time", "[:, ::-1]"),
          source=_BIRNN_WITH_RUN + '''    return np.concatenate([run(xs, fwd), run(xs[::-1], bwd)[::-1]], axis=-1)
'''),
    Wrong("birnn_forward", "stacks the two directions along the time axis",
          keywords=("time axis", "last axis", "2 * hidden", "axis=-1"),
          source=_BIRNN_WITH_RUN + '''    return np.concatenate([run(xs, fwd), run(xs[:, ::-1], bwd)[:, ::-1]], axis=1)
'''),
    Wrong("birnn_forward", "uses the forward weights for the backward RNN too",
          keywords=("own u, w and b", "bwd[", "forward rnn's weights"),
          source=_BIRNN_WITH_RUN + '''    return np.concatenate([run(xs, fwd), run(xs[:, ::-1], fwd)[:, ::-1]], axis=-1)
'''),
    # ------------------------------------------------------------------ attention_step
    Wrong("attention_step", "normalises the scores over the batch axis",
          keywords=("batch axis", "axis=1", "axis 1", "each row", "wrong axis"),
          source='''
def attention_step(s, hs):
    scores = np.einsum("bth,bh->bt", hs, s)
    e = np.exp(scores - scores.max(axis=0, keepdims=True))
    weights = e / e.sum(axis=0, keepdims=True)
    return weights, np.einsum("bt,bth->bh", weights, hs)
'''),
    Wrong("attention_step", "uses the raw scores as the weights, without a softmax",
          keywords=("softmax", "sum to 1"),
          source='''
def attention_step(s, hs):
    weights = np.einsum("bth,bh->bt", hs, s)
    context = (weights[:, :, None] * hs).sum(axis=1)
    return weights, context
'''),
    Wrong("attention_step", "sums the weighted states over the hidden axis instead of over time",
          keywords=("(batch, hidden)", "shape", "sum over t", "over time", "axis"),
          source='''
def attention_step(s, hs):
    scores = (hs * s[:, None, :]).sum(axis=2)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = e / e.sum(axis=1, keepdims=True)
    context = (weights[:, :, None] * hs).sum(axis=2)
    return weights, context
'''),
    Wrong("attention_step", "computes the context as weights @ hs, which pairs every example's weights with every example's states",
          keywords=("every example", "own states", "einsum"),
          source='''
def attention_step(s, hs):
    scores = (hs * s[:, None, :]).sum(axis=2)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = e / e.sum(axis=1, keepdims=True)
    return weights, weights @ hs
'''),
    Wrong("attention_step", "divides the scores by sqrt(H), the Transformer's scaled dot product",
          keywords=("sqrt", "scaled", "plain dot product"),
          source='''
def attention_step(s, hs):
    scores = np.einsum("bth,bh->bt", hs, s) / np.sqrt(s.shape[1])
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = e / e.sum(axis=1, keepdims=True)
    return weights, np.einsum("bt,bth->bh", weights, hs)
'''),
)
