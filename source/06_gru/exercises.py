"""Autograded exercises of notebook 06_gru: the GRU step, its Keras weights, its parameter count,
and (optional) the GRU step's gradient.

References: :func:`rnnkit.cells.gru_step` and :func:`rnnkit.cells.gru_step_backward`, the size of :func:`rnnkit.cells.init_params`'s GRU,
and for the Keras weight layout ``rnnkit.layouts.to_keras_weights("gru", p)`` (numpy only;
tests/test_exercises_gru.py runs the weights in a Keras GRU).
The mistake models reproduce what students typically get wrong with a GRU: the update gate the
Keras way round, the reset gate applied after the recurrent product (Keras' ``reset_after=True``),
z and r swapped, biases left out of a count, and in the backward step the direct (1 - z) path
to h_prev left out, the reset gate's gradient not multiplied by h_prev, z's sign flipped.
"""

from functools import partial

import numpy as np

from rnnkit import cells, layouts
from course.cases import draw_gate_params, variants
from course.cases import sigmoid as _sigmoid
from course.exercise import Exercise, Mistake, Out, outs

GATES = layouts.KERAS_GATES["gru"]  # the lecture's order too


def _draw_sizes(rng, hidden):
    """(B, D, H) with D != H and every size >= 2, so W and W.T, U and W cannot be confused."""
    if not hidden:
        return 2, 3, 4
    b = int(rng.integers(2, 5))
    d = int(rng.integers(2, 6))
    h = int(rng.integers(2, 7))
    if h == d:
        h += 1
    return b, d, h


# ---------------------------------------------------------------------------------------------
# gru_step_forward


def _step_inputs(rng, hidden):
    b, d, h = _draw_sizes(rng, hidden)
    return {
        "x": rng.normal(size=(b, d)),
        "h_prev": np.tanh(rng.normal(size=(b, h))),
        "params": draw_gate_params(rng, GATES, d, h),
    }


def _gru_step_reference(x, h_prev, params):
    h, _ = cells.gru_step(x, h_prev, params)
    return h


def _gru_variant(x, h_prev, params, *, kind):
    """A GRU step with the typical mistake ``kind`` (for the mistake models)."""
    p = params
    z_name, r_name = ("r", "z") if kind == "swap" else ("z", "r")
    W = (lambda k: p[k].T) if kind == "W.T" else (lambda k: p[k])
    z = _sigmoid(x @ p[f"U_{z_name}"] + h_prev @ W(f"W_{z_name}") + p[f"b_{z_name}"])
    r = _sigmoid(x @ p[f"U_{r_name}"] + h_prev @ W(f"W_{r_name}") + p[f"b_{r_name}"])
    if kind == "no_reset":
        recurrent = h_prev @ W("W_g")
    elif kind == "reset_after":
        recurrent = r * (h_prev @ W("W_g"))
    else:
        recurrent = (r * h_prev) @ W("W_g")
    candidate = _sigmoid if kind == "sigmoid_g" else np.tanh
    g = candidate((0.0 if kind == "no_input" else x @ p["U_g"]) + recurrent + p["b_g"])
    return z * h_prev + (1 - z) * g if kind == "flip" else (1 - z) * h_prev + z * g


GRU_STEP_FORWARD = Exercise(
    "gru_step_forward", points=3, make_inputs=_step_inputs, reference=_gru_step_reference,
    outputs=(Out("h", doc="(batch, hidden)"),),
    mistakes=variants(_gru_variant, {
        "flip": "the update gate is the wrong way round. In the lecture's GRU z chooses the NEW "
                "candidate: h_t = (1 - z) * h_prev + z * g. (Keras writes z * h_prev + (1 - z) * g, "
                "because its z is 1 minus ours.)",
        "reset_after": "the reset gate is applied after the recurrent product, r * (h_prev @ W_g). The lecture "
                       "resets the state before it is multiplied: g = tanh(x @ U_g + (r * h_prev) @ W_g + b_g). "
                       "(Applying it afterwards is Keras' reset_after=True variant, a different model.)",
        "swap": "z and r are swapped: the update gate z uses U_z, W_z, b_z and mixes old and new state; "
                "the reset gate r uses U_r, W_r, b_r and multiplies h_prev inside the candidate g.",
        "no_reset": "the reset gate is missing: the candidate must use the reset state, "
                    "g = tanh(x @ U_g + (r * h_prev) @ W_g + b_g).",
        "W.T": "the recurrent weights are transposed: with row vectors the state is multiplied on the "
               "left, h_prev @ W (W has shape (hidden, hidden), rows = previous state).",
        "no_input": "the candidate g never sees the input: its term x @ U_g is missing. Like every block, the "
                    "candidate reads the new input and the (reset) previous state: "
                    "g = tanh(x @ U_g + (r * h_prev) @ W_g + b_g).",
        "sigmoid_g": "the candidate g uses a sigmoid. Only the gates z and r are sigmoids (numbers between 0 "
                     "and 1 that mix and reset); the candidate state is a tanh, like a simple RNN's: "
                     "g = tanh(x @ U_g + (r * h_prev) @ W_g + b_g).",
    }),
    forbidden=("rnnkit.cells.gru_step", "rnnkit.bptt.forward", "keras"), trials_hidden=4,
    demo_mistake=("return (1 - z) * h_prev + z * g", "return z * h_prev + (1 - z) * g"),
)


# ---------------------------------------------------------------------------------------------
# to_keras_gru_weights


def _keras_weights_inputs(rng, hidden):
    _, d, h = _draw_sizes(rng, hidden)
    return {"params": draw_gate_params(rng, GATES, d, h)}


def _to_keras_reference(params):
    return tuple(layouts.to_keras_weights("gru", params))


def _to_keras_variant(p, *, negate=("z",), order=GATES, one_minus=False):
    """Keras blocks in ``order``, the gates named in ``negate`` sign-flipped (correct: z only);
    ``one_minus`` writes 1 - weights into the z block instead (a mistake)."""
    def block(a, gate):
        if one_minus and gate == "z":
            return 1 - a
        return -a if gate in negate else a

    kernel = np.concatenate([block(p[f"U_{q}"], q) for q in order], axis=1)
    recurrent = np.concatenate([block(p[f"W_{q}"], q) for q in order], axis=1)
    bias = np.concatenate([block(p[f"b_{q}"], q) for q in order])
    return kernel, recurrent, bias


TO_KERAS_GRU_WEIGHTS = Exercise(
    "to_keras_gru_weights", points=2, make_inputs=_keras_weights_inputs, reference=_to_keras_reference,
    outputs=outs(kernel="(input, 3 * hidden), blocks z | r | g",
                 recurrent_kernel="(hidden, 3 * hidden), blocks z | r | g",
                 bias="(3 * hidden,), blocks z | r | g"),
    mistakes=(
        Mistake("the update-gate block is copied unchanged. Keras' update gate is 1 - z, and "
                "1 - sigmoid(a) = sigmoid(-a): negate U_z, W_z and b_z (and only those).",
                lambda params: _to_keras_variant(params, negate=())),
        Mistake("the update-gate block holds 1 - U_z, 1 - W_z, 1 - b_z. The gate value is 1 - z, but "
                "the weights do not simply follow: 1 - sigmoid(a) = sigmoid(-a), so negate them.",
                lambda params: _to_keras_variant(params, one_minus=True)),
        Mistake("every block is negated; only the update gate changes sign (1 - sigmoid(a) = "
                "sigmoid(-a)). The reset gate and the candidate mean the same in both notations.",
                lambda params: _to_keras_variant(params, negate=GATES)),
        Mistake("the gate blocks are in the wrong order: Keras stacks update z, reset r, candidate g.",
                lambda params: _to_keras_variant(params, order=("r", "z", "g"))),
        Mistake("the gate blocks are in the wrong order: Keras stacks update z, reset r, candidate g.",
                lambda params: _to_keras_variant(params, negate=("r",), order=("r", "z", "g"))),
    ),
    forbidden=(
        "rnnkit.layouts.to_keras_weights",
        "rnnkit.layouts.from_keras_weights",
        "rnnkit.keras_bridge.keras_layer",
        "keras",
    ),
    rtol=0.0, atol=1e-12, trials_hidden=3,
    demo_mistake=('"z": -1.0', '"z": 1.0'),
)


# ---------------------------------------------------------------------------------------------
# gru_param_count


def _count_inputs(rng, hidden, regime):
    low, high = (1, 40) if hidden else (2, 12)
    d = int(rng.integers(low, high))
    h = int(rng.integers(low, high))
    if h == d:
        h += 1
    return {"input_size": d, "hidden_size": h, "reset_after": regime == "reset_after=True"}


def _count_reference(input_size, hidden_size, reset_after):
    # Count the numbers rnnkit's GRU really holds; Keras' reset_after=True adds a second bias
    # (for the recurrent product) to each of the 3 blocks.
    p = cells.init_params("gru", input_size, hidden_size)
    return int(sum(a.size for a in p.values())) + (3 * hidden_size if reset_after else 0)


def _count(d, h, gates, bias_vectors):
    return gates * h * (d + h) + bias_vectors * gates * h


def _count_variant(input_size, hidden_size, reset_after, *, kind):
    """The count with the slip ``kind`` in the formula 3 * H * (D + H + biases)."""
    d, h, biases = input_size, hidden_size, 2 if reset_after else 1
    return {
        "no_W": 3 * h * (d + biases),
        "no_parentheses": 3 * h * d + h + biases,
        "bias_per_block": 3 * (h * (d + h) + biases),
        "bias_once": 3 * h * (d + h) + biases,
    }[kind]


GRU_PARAM_COUNT = Exercise(
    "gru_param_count", points=1, make_inputs=_count_inputs, reference=_count_reference,
    outputs=(Out("count", kind="int"),),
    mistakes=(
        Mistake("the biases are not counted: each of the 3 blocks z, r, g has a bias vector of size "
                "hidden, so the count is 3 * H * (D + H + 1) (one more bias vector per block when "
                "reset_after=True).",
                lambda input_size, hidden_size, reset_after: _count(input_size, hidden_size, 3, 0)),
        Mistake("reset_after is ignored. With reset_after=True Keras keeps a second bias for the "
                "recurrent product, so there are 3 * H * (D + H + 2) parameters; with False, 3 * H * (D + H + 1).",
                lambda input_size, hidden_size, reset_after: _count(input_size, hidden_size, 3, 2 if not reset_after else 1)),
        Mistake("this is the count for 4 blocks (an LSTM). A GRU has 3: update z, reset r, candidate g.",
                lambda input_size, hidden_size, reset_after: _count(input_size, hidden_size, 4, 2 if reset_after else 1)),
        Mistake("the extra recurrent bias of reset_after=True has one entry per unit and per block: "
                "3 * H more parameters, not H.",
                lambda input_size, hidden_size, reset_after: _count(input_size, hidden_size, 3, 1) + (hidden_size if reset_after else 0)),
    ) + variants(_count_variant, {
        "no_W": "the recurrent weights are not counted. Each of the 3 blocks z, r, g owns a W (H, H) for "
                "the previous state besides its U (D, H): H * H more numbers per block, 3 * H * (D + H + 1) "
                "in all (3 * H * (D + H + 2) with reset_after=True).",
        "no_parentheses": "the parentheses are missing: 3 * H * D + H + ... multiplies only D by 3 * H. Each of "
                          "the 3 blocks owns H (D + H + 1) numbers (U, W and a bias), so 3 * H multiplies the "
                          "whole sum: 3 * H * (D + H + 1), or 3 * H * (D + H + 2) with reset_after=True.",
        "bias_per_block": "each bias was counted as one number per block. A bias is a vector with one entry per "
                          "unit, b (H,): H numbers per bias and per block, 3 * H * (D + H + 1) in all "
                          "(3 * H * (D + H + 2) with reset_after=True).",
        "bias_once": "the biases were counted as a single number or two for the whole layer. Each of the 3 "
                     "blocks has its own bias vector b (H,), one entry per unit (two with reset_after=True): "
                     "3 * H * (D + H + 1), or 3 * H * (D + H + 2).",
    }),
    forbidden=("rnnkit.layouts.param_count", "keras"), trials_visible=3, trials_hidden=6,
    regimes=("reset_after=True", "reset_after=False"),
    demo_mistake=("(input_size + hidden_size + biases)", "(input_size + hidden_size)"),
)


# ---------------------------------------------------------------------------------------------
# gru_step_backward (optional)


def _backward_inputs(rng, hidden):
    inputs = _step_inputs(rng, hidden)
    return {"dh": rng.normal(size=inputs["h_prev"].shape), **inputs}


def _stack(grads, letter):
    """dU_z, dU_r, dU_g side by side, in the lecture's order z r g (the keys of params)."""
    return np.concatenate([grads[f"{letter}_{q}"] for q in GATES], axis=0 if letter == "b" else 1)


def gru_step_backward_reference(dh, x, h_prev, params):
    """Gradient of one GRU step; dh (B, H) = dL/dh_t.

    Returns ``(dx (B, D), dh_prev (B, H), dU (D, 3H), dW (H, 3H), db (3H,))``, the weight
    gradients' blocks side by side in the order z, r, g. Defined in notebook 06_gru, section 6.6.
    """
    _, cache = cells.gru_step(x, h_prev, params)
    dx, dh_prev, grads = cells.gru_step_backward(dh, cache)
    return dx, dh_prev, _stack(grads, "U"), _stack(grads, "W"), _stack(grads, "b")


def _backward_model(dh, x, h_prev, params, *, direct=True, reset_times_h=True, z_sign=1.0,
                    candidate_path=True, dW_g_input="r * h_prev", z_deriv=True, g_deriv="tanh",
                    order=GATES, dh_prev_gates=("z", "r")):
    """A hand-written GRU backward whose switches each make one typical mistake."""
    p = params

    def pre(gate, state):  # the gate's pre-activation, on the state it reads
        return x @ p[f"U_{gate}"] + state @ p[f"W_{gate}"] + p[f"b_{gate}"]

    z, r = _sigmoid(pre("z", h_prev)), _sigmoid(pre("r", h_prev))
    g = np.tanh(pre("g", r * h_prev))
    dz = z_sign * dh * (g - h_prev)
    da = {"z": dz * z * (1 - z) if z_deriv else dz,
          "g": dh * z * ((1 - g**2) if g_deriv == "tanh" else g * (1 - g))}
    d_rh = da["g"] @ p["W_g"].T  # gradient reaching r * h_prev
    da["r"] = d_rh * (h_prev if reset_times_h else 1.0) * r * (1 - r)
    dh_prev = sum(da[q] @ p[f"W_{q}"].T for q in dh_prev_gates)
    if direct:
        dh_prev = dh_prev + dh * (1 - z)
    if candidate_path:
        dh_prev = dh_prev + d_rh * r
    h_in = {"z": h_prev, "r": h_prev, "g": r * h_prev if dW_g_input == "r * h_prev" else h_prev}
    dx = sum(da[q] @ p[f"U_{q}"].T for q in GATES)
    dU = np.concatenate([x.T @ da[q] for q in order], axis=1)
    dW = np.concatenate([h_in[q].T @ da[q] for q in order], axis=1)
    db = np.concatenate([da[q].sum(axis=0) for q in order])
    return dx, dh_prev, dU, dW, db


GRU_STEP_BACKWARD = Exercise(
    "gru_step_backward", points=3, make_inputs=_backward_inputs, reference=gru_step_backward_reference,
    outputs=outs(dx="(batch, input)", dh_prev="(batch, hidden)", dU="(input, 3 * hidden), blocks z r g",
                 dW="(hidden, 3 * hidden), blocks z r g", db="(3 * hidden,), blocks z r g"),
    mistakes=(
        Mistake("dh_prev misses the direct path. h_t = (1 - z) * h_prev + z * g uses h_prev itself, "
                "not only through the gates, so dh_prev starts with dh * (1 - z), the identity path "
                "of Question 6.1, and then adds what comes back through z, r and g.",
                partial(_backward_model, direct=False)),
        Mistake("the reset gate's gradient does not go through h_prev. The reset gate multiplies the "
                "previous state, (r * h_prev) @ W_g, so the gradient reaching r is "
                "(da_g @ W_g.T) * h_prev, and da_r = (da_g @ W_g.T) * h_prev * r * (1 - r).",
                partial(_backward_model, reset_times_h=False)),
        Mistake("the update gate's gradient has the wrong sign. From h = (1 - z) * h_prev + z * g, "
                "dL/dz = dh * (g - h_prev), not dh * (h_prev - g): z weights the candidate g.",
                partial(_backward_model, z_sign=-1.0)),
        Mistake("dh_prev misses the path through the candidate: h_prev also enters g through "
                "(r * h_prev) @ W_g, which adds (da_g @ W_g.T) * r to dh_prev.",
                partial(_backward_model, candidate_path=False)),
        Mistake("dW_g multiplies the wrong state: W_g is applied to the reset state r * h_prev, so "
                "dW_g = (r * h_prev).T @ da_g, not h_prev.T @ da_g.", partial(_backward_model, dW_g_input="h_prev")),
        Mistake("the update gate's gradient misses the sigmoid's derivative: z = sigmoid(a_z), so "
                "da_z = dh * (g - h_prev) * z * (1 - z).", partial(_backward_model, z_deriv=False)),
        Mistake("g = tanh(a_g), so its derivative is 1 - g^2, not the sigmoid's g * (1 - g).",
                partial(_backward_model, g_deriv="sigmoid")),
        Mistake("the weight gradients are right but stacked in the wrong order: put the blocks side "
                "by side as z, r, g (the order of the keys of params).",
                partial(_backward_model, order=("r", "z", "g"))),
        *(Mistake(f"dh_prev misses the {name}'s term. h_prev enters both gates through their recurrent "
                  f"weights, h_prev @ W_z and h_prev @ W_r, so dh_prev adds da_z @ W_z.T and da_r @ W_r.T "
                  f"to the direct path dh * (1 - z) and the candidate's (da_g @ W_g.T) * r.",
                  partial(_backward_model, dh_prev_gates=kept))
          for name, kept in (("update gate z", ("r",)), ("reset gate r", ("z",)))),
    ),
    forbidden=(
        "rnnkit.cells.gru_step",
        "rnnkit.cells.gru_step_backward",
        "rnnkit.bptt.forward",
        "rnnkit.bptt.backward",
        "keras",
    ),
    demo_mistake=("dh_prev = dh * (1 - z) + ", "dh_prev = "),
)


EXERCISES = (GRU_STEP_FORWARD, TO_KERAS_GRU_WEIGHTS, GRU_PARAM_COUNT, GRU_STEP_BACKWARD)
