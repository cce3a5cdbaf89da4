"""Typical wrong answers for notebook 06_gru, written from its statements."""
from tests.feedback_catalogue import Wrong

# A correct answer to gru_step_backward, as the notebook's equations lead a student to write it;
# each wrong answer below changes one line of it (_backward_with).
_BACKWARD = '''
def gru_step_backward(dh, x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"] + params["b_g"])
    da_z = dh * (g - h_prev) * z * (1 - z)
    da_g = dh * z * (1 - g**2)
    d_rh = da_g @ params["W_g"].T
    da_r = d_rh * h_prev * r * (1 - r)
    dh_prev = dh * (1 - z) + d_rh * r + da_z @ params["W_z"].T + da_r @ params["W_r"].T
    dx = da_z @ params["U_z"].T + da_r @ params["U_r"].T + da_g @ params["U_g"].T
    dU = np.concatenate([x.T @ da_z, x.T @ da_r, x.T @ da_g], axis=1)
    dW = np.concatenate([h_prev.T @ da_z, h_prev.T @ da_r, (r * h_prev).T @ da_g], axis=1)
    db = np.concatenate([da_z.sum(axis=0), da_r.sum(axis=0), da_g.sum(axis=0)])
    return dx, dh_prev, dU, dW, db
'''


def _backward_with(old: str, new: str) -> str:
    """The correct backward step above with its one occurrence of ``old`` replaced by ``new``."""
    if _BACKWARD.count(old) != 1:
        raise ValueError(f"{old!r} must occur exactly once in the backward answer")
    return _BACKWARD.replace(old, new)

WRONG = (
    # ------------------------------------------------------------------ gru_step_forward
    Wrong("gru_step_forward", "the update gate z uses a tanh instead of a sigmoid",
          keywords=("sigmoid", "update gate"),
          source='''
def gru_step_forward(x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = np.tanh(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"] + params["b_g"])
    return (1 - z) * h_prev + z * g
'''),
    Wrong("gru_step_forward", "applies the reset gate to the candidate after the tanh instead of to the previous state",
          keywords=("reset", "previous state", "r * h_prev", "before"),
          source='''
def gru_step_forward(x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = r * np.tanh(x @ params["U_g"] + h_prev @ params["W_g"] + params["b_g"])
    return (1 - z) * h_prev + z * g
'''),
    Wrong("gru_step_forward", "the candidate leaves out the input term x @ U_g",
          keywords=("u_g", "input", "x @"),
          source='''
def gru_step_forward(x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh((r * h_prev) @ params["W_g"] + params["b_g"])
    return (1 - z) * h_prev + z * g
'''),
    Wrong("gru_step_forward", "adds the whole candidate: h = (1 - z) * h_prev + g, without z",
          keywords=("z * g", "update gate", "interpolat", "weights the candidate"),
          source='''
def gru_step_forward(x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"] + params["b_g"])
    return (1 - z) * h_prev + g
'''),
    Wrong("gru_step_forward", "the reset gate uses the update gate's recurrent weights W_z (copy-paste)",
          keywords=("w_r", "own weights", "reset gate"),
          source='''
def gru_step_forward(x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_z"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"] + params["b_g"])
    return (1 - z) * h_prev + z * g
'''),
    Wrong("gru_step_forward", "the candidate leaves out its bias b_g",
          keywords=("bias", "b_g"),
          source='''
def gru_step_forward(x, h_prev, params):
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"])
    return (1 - z) * h_prev + z * g
'''),
    # ------------------------------------------------------------------ to_keras_gru_weights
    Wrong("to_keras_gru_weights", "negates the reset-gate block instead of the update-gate block",
          keywords=("update gate", "z block", "update-gate", "reset"),
          source='''
def to_keras_gru_weights(params):
    sign = {"z": 1.0, "r": -1.0, "g": 1.0}
    kernel = np.concatenate([sign[q] * params["U_" + q] for q in "zrg"], axis=1)
    recurrent_kernel = np.concatenate([sign[q] * params["W_" + q] for q in "zrg"], axis=1)
    bias = np.concatenate([sign[q] * params["b_" + q] for q in "zrg"])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("to_keras_gru_weights", "negates U_z and W_z but not the bias b_z",
          keywords=("b_z", "bias"),
          source='''
def to_keras_gru_weights(params):
    kernel = np.concatenate([-params["U_z"], params["U_r"], params["U_g"]], axis=1)
    recurrent_kernel = np.concatenate([-params["W_z"], params["W_r"], params["W_g"]], axis=1)
    bias = np.concatenate([params["b_z"], params["b_r"], params["b_g"]])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("to_keras_gru_weights", "negates the update gate's input weights U_z only, not W_z",
          keywords=("w_z", "recurrent", "all three", "u_z, w_z and b_z"),
          source='''
def to_keras_gru_weights(params):
    kernel = np.concatenate([-params["U_z"], params["U_r"], params["U_g"]], axis=1)
    recurrent_kernel = np.concatenate([params["W_z"], params["W_r"], params["W_g"]], axis=1)
    bias = np.concatenate([-params["b_z"], params["b_r"], params["b_g"]])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("to_keras_gru_weights", "stacks the blocks with np.stack, giving (3, D, H) instead of (D, 3H)",
          keywords=("concatenate", "side by side", "(d, 3h)", "shape"),
          source='''
def to_keras_gru_weights(params):
    sign = {"z": -1.0, "r": 1.0, "g": 1.0}
    kernel = np.stack([sign[q] * params["U_" + q] for q in "zrg"])
    recurrent_kernel = np.stack([sign[q] * params["W_" + q] for q in "zrg"])
    bias = np.stack([sign[q] * params["b_" + q] for q in "zrg"])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("to_keras_gru_weights", "transposes the kernels, (3H, D) instead of (D, 3H)",
          keywords=("transpos", "(d, 3h)"),
          source='''
def to_keras_gru_weights(params):
    sign = {"z": -1.0, "r": 1.0, "g": 1.0}
    kernel = np.concatenate([sign[q] * params["U_" + q] for q in "zrg"], axis=1).T
    recurrent_kernel = np.concatenate([sign[q] * params["W_" + q] for q in "zrg"], axis=1).T
    bias = np.concatenate([sign[q] * params["b_" + q] for q in "zrg"])
    return kernel, recurrent_kernel, bias
'''),
    Wrong("to_keras_gru_weights", "takes the blocks in the sorted order of the keys (g, r, z)",
          keywords=("order", "z, r, g", "z, r"),
          source='''
def to_keras_gru_weights(params):
    gates = sorted({name.split("_")[1] for name in params})
    sign = {"z": -1.0, "r": 1.0, "g": 1.0}
    kernel = np.concatenate([sign[q] * params["U_" + q] for q in gates], axis=1)
    recurrent_kernel = np.concatenate([sign[q] * params["W_" + q] for q in gates], axis=1)
    bias = np.concatenate([sign[q] * params["b_" + q] for q in gates])
    return kernel, recurrent_kernel, bias
'''),
    # ------------------------------------------------------------------ gru_param_count
    Wrong("gru_param_count", "forgets the recurrent weights W (H, H) of each block",
          keywords=("recurrent", "w (h, h)", "h * h", "(h, h)"),
          source='''
def gru_param_count(input_size, hidden_size, reset_after):
    biases = 2 if reset_after else 1
    return 3 * hidden_size * (input_size + biases)
'''),
    Wrong("gru_param_count", "drops the parentheses: 3 * H * D + H + biases",
          keywords=("parenthes", "bracket", "each block", "h (d + h + 1)", "h * (d + h"),
          source='''
def gru_param_count(input_size, hidden_size, reset_after):
    biases = 2 if reset_after else 1
    return 3 * hidden_size * input_size + hidden_size + biases
'''),
    Wrong("gru_param_count", "counts each bias as one number per block instead of one per unit",
          keywords=("per unit", "one entry per unit", "size hidden", "h entries", "vector"),
          source='''
def gru_param_count(input_size, hidden_size, reset_after):
    biases = 2 if reset_after else 1
    return 3 * (hidden_size * (input_size + hidden_size) + biases)
'''),
    # ------------------------------------------------------------------ gru_step_backward
    Wrong("gru_step_backward", "dh_prev leaves out the direct path dh * (1 - z) of h = (1 - z) * h_prev + z * g",
          keywords=("direct path", "1 - z", "identity path"),
          source=_backward_with("dh_prev = dh * (1 - z) + d_rh * r", "dh_prev = d_rh * r")),
    Wrong("gru_step_backward", "the reset gate's gradient forgets that r multiplies h_prev: da_r = d_rh * r * (1 - r)",
          keywords=("through h_prev", "* h_prev", "multiplies the previous state"),
          source=_backward_with("da_r = d_rh * h_prev * r * (1 - r)", "da_r = d_rh * r * (1 - r)")),
    Wrong("gru_step_backward", "the update gate's gradient has its sign flipped: dh * (h_prev - g)",
          keywords=("sign", "g - h_prev"),
          source=_backward_with("da_z = dh * (g - h_prev)", "da_z = dh * (h_prev - g)")),
    Wrong("gru_step_backward", "dW_g uses h_prev instead of the reset state r * h_prev",
          keywords=("r * h_prev", "reset state"),
          source=_backward_with("(r * h_prev).T @ da_g", "h_prev.T @ da_g")),
    Wrong("gru_step_backward", "dh_prev leaves out the reset gate's term da_r @ W_r.T",
          keywords=("w_r", "reset gate"),
          source=_backward_with(' + da_r @ params["W_r"].T\n', "\n")),
)
