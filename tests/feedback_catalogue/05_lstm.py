"""Typical wrong answers for notebook 05_lstm, written from its statements."""
from tests.feedback_catalogue import Wrong



def _with_sigmoid(source: str) -> str:
    """The answer cell with the sigmoid defined inside the function, as the notebook asks."""
    head, body = source.split(":\n", 1)
    return head + ":\n    def sigmoid(a):\n        return 1 / (1 + np.exp(-a))\n\n" + body

WRONG = (
    # ------------------------------------------------------------------ lstm_step_forward
    # coincides with a registered mistake (forget gate uses W_i)
    Wrong("lstm_step_forward", "the forget gate uses the input gate's recurrent weights W_i (copy-paste)",
          keywords=("w_f", "forget gate", "own weights"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_i"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
''')),
    Wrong("lstm_step_forward", "the output gate uses a tanh instead of a sigmoid",
          keywords=("sigmoid", "output gate"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = np.tanh(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
''')),
    Wrong("lstm_step_forward", "the cell update adds the candidate without the input gate: c = f * c_prev + g",
          keywords=("input gate", "i * g", "i_t"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + g
    return o * np.tanh(c), c
''')),
    Wrong("lstm_step_forward", "puts the output gate inside the tanh: h = tanh(o * c)",
          keywords=("o * tanh", "tanh(c", "inside", "outside"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    return np.tanh(o * c), c
''')),
    Wrong("lstm_step_forward", "leaves out the forget gate's bias b_f",
          keywords=("bias", "b_f"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
''')),
    Wrong("lstm_step_forward", "returns (c, h) instead of (h, c)",
          keywords=("order", "(h, c)", "swap"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return c, h
''')),
    Wrong("lstm_step_forward", "the gates read the previous cell state c_prev instead of h_prev",
          keywords=("h_prev", "hidden state", "c_prev"),
          source=_with_sigmoid('''
def lstm_step_forward(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + c_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + c_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + c_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + c_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
''')),
    Wrong("lstm_step_forward", "defines the sigmoid with the wrong sign, 1 / (1 + exp(a))",
          keywords=("sigmoid", "exp(-", "sign"),
          source='''
def lstm_step_forward(x, h_prev, c_prev, p):
    def sigmoid(a):
        return 1 / (1 + np.exp(a))

    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    return o * np.tanh(c), c
'''),
    # ------------------------------------------------------------------ lstm_step_backward
    Wrong("lstm_step_backward", "the forget gate's gradient leaves out c_prev: da_f = dc_t * f * (1 - f)",
          keywords=("c_prev", "forget gate"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "the output gate's gradient uses tanh(c_prev) instead of tanh(c_t)",
          keywords=("c_t", "new cell", "tanh(c_t)", "output gate"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * np.tanh(c_prev) * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "dx and dh_prev collect the gradient of the forget gate only, not of all four gates",
          keywords=("all four", "every gate", "four gates", "sum over the gates", "each gate"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = da["f"] @ p["U_f"].T
    dh_prev = da["f"] @ p["W_f"].T
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "db concatenates the per-example gradients without summing over the batch",
          keywords=("batch", "sum over", "axis=0", "(4h,)"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k] for k in gates], axis=1)
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "the input gate's gradient multiplies by c_prev instead of g (copied from the forget gate)",
          keywords=("input gate", "g", "di", "candidate"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * c_prev * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "the output gate's gradient leaves out the sigmoid derivative o * (1 - o)",
          keywords=("sigmoid", "o * (1 - o)", "derivative", "pre-activation"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "stacks the weight-gradient blocks along axis 0 instead of side by side",
          keywords=("axis=1", "side by side", "(d, 4h)", "column", "axis"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=0)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=0)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    Wrong("lstm_step_backward", "dh_prev goes back through the input weights U_* instead of the recurrent W_*",
          keywords=("w_", "recurrent", "w.t"),
          source=_with_sigmoid('''
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    dct = dc + dh * o * (1 - tanh_c**2)
    da = {"f": dct * c_prev * f * (1 - f), "i": dct * g * i * (1 - i), "g": dct * i * (1 - g**2),
          "o": dh * tanh_c * o * (1 - o)}
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["U_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dct * f, dU, dW, db
''')),
    # ------------------------------------------------------------------ keras_lstm_weights
    Wrong("keras_lstm_weights", "takes the blocks in the sorted order of the keys (f, g, i, o)",
          keywords=("order", "i, f"),
          source='''
def keras_lstm_weights(p):
    order = sorted({k.split("_")[1] for k in p})
    kernel = np.concatenate([p["U_" + k] for k in order], axis=1)
    recurrent_kernel = np.concatenate([p["W_" + k] for k in order], axis=1)
    bias = np.concatenate([p["b_" + k] for k in order])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("keras_lstm_weights", "stacks the blocks with np.stack, giving (4, D, H) instead of (D, 4H)",
          keywords=("concatenate", "side by side", "(d, 4h)", "shape"),
          source='''
def keras_lstm_weights(p):
    order = ["i", "f", "g", "o"]
    kernel = np.stack([p["U_" + k] for k in order])
    recurrent_kernel = np.stack([p["W_" + k] for k in order])
    bias = np.stack([p["b_" + k] for k in order])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("keras_lstm_weights", "transposes the kernels, (4H, D) instead of (D, 4H)",
          keywords=("transpos", "(d, 4h)"),
          source='''
def keras_lstm_weights(p):
    order = ["i", "f", "g", "o"]
    kernel = np.concatenate([p["U_" + k] for k in order], axis=1).T
    recurrent_kernel = np.concatenate([p["W_" + k] for k in order], axis=1).T
    bias = np.concatenate([p["b_" + k] for k in order])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("keras_lstm_weights", "reorders the kernels to i, f, c, o but leaves the bias in the lecture order f, i, g, o",
          keywords=("bias", "same order"),
          source='''
def keras_lstm_weights(p):
    order = ["i", "f", "g", "o"]
    kernel = np.concatenate([p["U_" + k] for k in order], axis=1)
    recurrent_kernel = np.concatenate([p["W_" + k] for k in order], axis=1)
    bias = np.concatenate([p["b_f"], p["b_i"], p["b_g"], p["b_o"]])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("keras_lstm_weights", "concatenates the 1-D biases along axis=1 like the kernels",
          keywords=("bias", "1-d", "axis", "(4h,)"),
          source='''
def keras_lstm_weights(p):
    order = ["i", "f", "g", "o"]
    kernel = np.concatenate([p["U_" + k] for k in order], axis=1)
    recurrent_kernel = np.concatenate([p["W_" + k] for k in order], axis=1)
    bias = np.concatenate([p["b_" + k] for k in order], axis=1)
    return kernel, recurrent_kernel, bias
'''),
    # ------------------------------------------------------------------ peephole_lstm_step
    Wrong("peephole_lstm_step", "the peepholes look at h_prev instead of the cell state",
          keywords=("cell state", "c_prev", "not h", "the cell"),
          source=_with_sigmoid('''
def peephole_lstm_step(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"] + p["P_f"] * h_prev)
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"] + p["P_i"] * h_prev)
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"] + p["P_o"] * h_prev)
    return o * np.tanh(c), c
''')),
    Wrong("peephole_lstm_step", "f and i peek at the new cell (computed first with a plain LSTM step) instead of c_prev",
          keywords=("c_prev", "old cell", "previous cell"),
          source=_with_sigmoid('''
def peephole_lstm_step(x, h_prev, c_prev, p):
    f0 = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i0 = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c_new = f0 * c_prev + i0 * g
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"] + p["P_f"] * c_new)
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"] + p["P_i"] * c_new)
    c = f * c_prev + i * g
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"] + p["P_o"] * c)
    return o * np.tanh(c), c
''')),
    Wrong("peephole_lstm_step", "uses the peephole vectors as matrices: c_prev @ P_f",
          keywords=("element-wise", "elementwise", "diagonal", "per unit", "vector"),
          source=_with_sigmoid('''
def peephole_lstm_step(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"] + c_prev @ p["P_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"] + c_prev @ p["P_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"] + c @ p["P_o"])
    return o * np.tanh(c), c
''')),
    Wrong("peephole_lstm_step", "adds the peephole terms after the sigmoids instead of to the pre-activations",
          keywords=("pre-activation", "inside", "before the sigmoid", "inside the sigmoid"),
          source=_with_sigmoid('''
def peephole_lstm_step(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"]) + p["P_f"] * c_prev
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"]) + p["P_i"] * c_prev
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"]) + p["P_o"] * c
    return o * np.tanh(c), c
''')),
    Wrong("peephole_lstm_step", "the output gate's peephole uses P_f (copy-paste) instead of P_o",
          keywords=("p_o",),
          source=_with_sigmoid('''
def peephole_lstm_step(x, h_prev, c_prev, p):
    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"] + p["P_f"] * c_prev)
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"] + p["P_i"] * c_prev)
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"] + p["P_f"] * c)
    return o * np.tanh(c), c
''')),
)
