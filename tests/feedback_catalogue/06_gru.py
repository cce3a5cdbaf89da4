"""Typical wrong answers for notebook 06_gru, written from its statements."""
from tests.feedback_catalogue import Wrong

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
)
