"""Exercises of notebook 05_lstm: the LSTM step, its gradient, Keras' weight layout, peepholes.

- ``lstm_step_forward``: one LSTM step in lecture notation (section 5.1);
- ``lstm_step_backward``: its gradient (section 5.2);
- ``keras_lstm_weights``: the lecture's parameter dict as Keras' ``[kernel, recurrent_kernel,
  bias]`` (gate blocks i, f, c, o; section 5.3);
- ``peephole_lstm_step``: one step of a peephole LSTM (section 5.4).

References are rnnkit's own ``rnnkit.cells.lstm_step`` / ``lstm_step_backward`` and, for Keras'
layout, ``rnnkit.layouts.to_keras_weights`` (numpy only; tests/test_exercises_lstm.py runs it in
a Keras LSTM). Mistake models are independent numpy code.
"""

import numpy as np

from rnnkit import cells, layouts
from course.cases import distinct_sizes, draw_gate_params
from course.cases import sigmoid as _sigmoid
from course.exercise import Exercise, Mistake, Out

LECTURE_GATES = ("f", "i", "g", "o")  # the key order of an LSTM parameter dict
KERAS_GATES = layouts.KERAS_GATES["lstm"]  # Keras' column blocks (it calls g "c")


# ---------------------------------------------------------------------------------------------
# inputs


def _sizes(rng, hidden):
    """(B, D, H), D != H so a transposed or swapped weight cannot broadcast silently."""
    if not hidden:
        return 2, 3, 4
    B = int(rng.integers(2, 6))
    D, H = distinct_sizes(rng, 2, 2, 9)
    return B, D, H


def _lstm_params(rng, D, H, peephole=False):
    """Random LSTM parameters with nonzero biases (a zero bias would hide a missing bias)."""
    p = draw_gate_params(rng, LECTURE_GATES, D, H)
    if peephole:
        for name in ("P_f", "P_i", "P_o"):
            p[name] = 0.8 * rng.standard_normal(H)
    return p


def _step_inputs(rng, hidden, peephole=False):
    B, D, H = _sizes(rng, hidden)
    return dict(
        x=rng.standard_normal((B, D)),
        h_prev=0.8 * rng.standard_normal((B, H)),
        c_prev=1.5 * rng.standard_normal((B, H)),
        p=_lstm_params(rng, D, H, peephole),
    )


def _pre(x, h_prev, p, gate, W=None):
    """Pre-activation of one gate; ``W`` overrides the recurrent matrix (for mistake models)."""
    return x @ p[f"U_{gate}"] + h_prev @ (p[f"W_{gate}"] if W is None else W) + p[f"b_{gate}"]


def _gates(x, h_prev, p):
    """f, i, g, o of a standard LSTM: independent numpy code for the mistake models."""
    f = _sigmoid(_pre(x, h_prev, p, "f"))
    i = _sigmoid(_pre(x, h_prev, p, "i"))
    g = np.tanh(_pre(x, h_prev, p, "g"))
    o = _sigmoid(_pre(x, h_prev, p, "o"))
    return f, i, g, o


# ---------------------------------------------------------------------------------------------
# 5.1 lstm_step_forward


def lstm_step_forward_reference(x, h_prev, c_prev, p):
    """One LSTM step: x (B, D), h_prev and c_prev (B, H), p the 12 lecture parameters
    (U_* (D, H), W_* (H, H), b_* (H,) for f i g o). Returns (h (B, H), c (B, H)).
    Defined in notebook 05_lstm, section 5.1.
    """
    h, c, _ = cells.lstm_step(x, h_prev, c_prev, p)
    return h, c


def _fwd_forget_uses_w_i(x, h_prev, c_prev, p):
    f = _sigmoid(_pre(x, h_prev, p, "f", W=p["W_i"]))
    _, i, g, o = _gates(x, h_prev, p)
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _fwd_sigmoid_g(x, h_prev, c_prev, p):
    f, i, _, o = _gates(x, h_prev, p)
    g = _sigmoid(_pre(x, h_prev, p, "g"))
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _fwd_no_tanh_on_c(x, h_prev, c_prev, p):
    f, i, g, o = _gates(x, h_prev, p)
    c = f * c_prev + i * g
    return o * c, c


def _fwd_f_i_swapped(x, h_prev, c_prev, p):
    f, i, g, o = _gates(x, h_prev, p)
    c = i * c_prev + f * g
    return o * np.tanh(c), c


def _fwd_h_from_c_prev(x, h_prev, c_prev, p):
    f, i, g, o = _gates(x, h_prev, p)
    c = f * c_prev + i * g
    return o * np.tanh(c_prev), c


def _fwd_sigmoid_sign(x, h_prev, c_prev, p):
    f, i, _, o = (1.0 - gate for gate in _gates(x, h_prev, p))  # 1 / (1 + exp(a)) = 1 - sigmoid(a)
    g = np.tanh(_pre(x, h_prev, p, "g"))
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _fwd_w_transposed(x, h_prev, c_prev, p):
    q = dict(p)
    for gate in LECTURE_GATES:
        q[f"W_{gate}"] = p[f"W_{gate}"].T
    f, i, g, o = _gates(x, h_prev, q)
    c = f * c_prev + i * g
    return o * np.tanh(c), c


LSTM_STEP_FORWARD = Exercise(
    "lstm_step_forward", points=3, make_inputs=_step_inputs, reference=lstm_step_forward_reference,
    outputs=(Out("h", "array", "(batch, hidden)"), Out("c", "array", "(batch, hidden)")),
    mistakes=(
        Mistake("your forget gate uses W_i. Every gate has its own weights: "
                "f = sigmoid(x U_f + h_prev W_f + b_f).", _fwd_forget_uses_w_i),
        Mistake("the candidate g uses a sigmoid; it is g = tanh(x U_g + h_prev W_g + b_g), so it can "
                "write negative values into the cell. Only f, i and o are sigmoids.", _fwd_sigmoid_g),
        Mistake("h = o * c is missing the tanh: the output is h = o * tanh(c_t).", _fwd_no_tanh_on_c),
        Mistake("the roles of f and i are swapped in the cell update: the forget gate scales the old "
                "cell, the input gate scales the candidate: c_t = f * c_prev + i * g.", _fwd_f_i_swapped),
        Mistake("h uses the old cell state; compute c_t first, then h = o * tanh(c_t).", _fwd_h_from_c_prev),
        Mistake("the recurrent term should be h_prev @ W_*, not h_prev @ W_*.T.", _fwd_w_transposed),
        Mistake("your sigmoid has the wrong sign: sigmoid(a) = 1 / (1 + np.exp(-a)), with a minus, so that a "
                "gate opens (goes to 1) as its pre-activation grows. 1 / (1 + np.exp(a)) is 1 - sigmoid(a), "
                "every gate upside down.", _fwd_sigmoid_sign),
    ),
    forbidden=("rnnkit.cells.lstm_step", "rnnkit.bptt.forward", "keras"),
    demo_mistake=(
        'f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])',
        'f = sigmoid(x @ p["U_f"] + h_prev @ p["W_i"] + p["b_f"])',
    ),
)


# ---------------------------------------------------------------------------------------------
# 5.2 lstm_step_backward


def _backward_inputs(rng, hidden):
    inputs = _step_inputs(rng, hidden)
    B, H = inputs["h_prev"].shape
    return dict(dh=rng.standard_normal((B, H)), dc=rng.standard_normal((B, H)), **inputs)


def _stack(grads, letter):
    """dU_f, dU_i, dU_g, dU_o side by side, in the lecture's key order f i g o."""
    axis = 0 if letter == "b" else 1
    return np.concatenate([grads[f"{letter}_{gate}"] for gate in LECTURE_GATES], axis=axis)


def lstm_step_backward_reference(dh, dc, x, h_prev, c_prev, p):
    """Gradient of one LSTM step.

    dh, dc (B, H): dL/dh_t and dL/dc_t arriving from above and from step t+1; x, h_prev,
    c_prev, p as in the forward step. Returns ``(dx (B, D), dh_prev (B, H), dc_prev (B, H),
    dU (D, 4H), dW (H, 4H), db (4H,))`` with the gates' blocks side by side in the order
    f, i, g, o: ``dU = [dU_f | dU_i | dU_g | dU_o]``. Defined in notebook 05_lstm, section 5.2.
    """
    _, _, cache = cells.lstm_step(x, h_prev, c_prev, p)
    dx, dh_prev, dc_prev, grads = cells.lstm_step_backward(dh, dc, cache)
    return dx, dh_prev, dc_prev, _stack(grads, "U"), _stack(grads, "W"), _stack(grads, "b")


def _backward_model(dh, dc, x, h_prev, c_prev, p, *, through_h=True, carry_dc=True,
                    g_deriv="tanh", dc_prev_gate="f", tanh_c_in_do=True, order=LECTURE_GATES,
                    o_deriv=True, input_gates=LECTURE_GATES, dh_prev_weights="W"):
    """A hand-written LSTM backward whose switches each make one typical mistake."""
    f, i, g, o = _gates(x, h_prev, p)
    c = f * c_prev + i * g
    tc = np.tanh(c)
    dct = dc if carry_dc else np.zeros_like(dc)
    if through_h:
        dct = dct + dh * o * (1 - tc**2)
    do = dh * (tc if tanh_c_in_do else c)
    d_pre = {
        "f": dct * c_prev * f * (1 - f),
        "i": dct * g * i * (1 - i),
        "g": dct * i * ((1 - g**2) if g_deriv == "tanh" else g * (1 - g)),
        "o": do * o * (1 - o) if o_deriv else do,
    }
    dc_prev = dct * {"f": f, "i": i}[dc_prev_gate]
    dx = sum(d_pre[k] @ p[f"U_{k}"].T for k in input_gates)
    dh_prev = sum(d_pre[k] @ p[f"{dh_prev_weights}_{k}"].T for k in input_gates)
    dU = np.concatenate([x.T @ d_pre[k] for k in order], axis=1)
    dW = np.concatenate([h_prev.T @ d_pre[k] for k in order], axis=1)
    db = np.concatenate([d_pre[k].sum(axis=0) for k in order])
    return dx, dh_prev, dc_prev, dU, dW, db


def _bwd(**switches):
    def model(dh, dc, x, h_prev, c_prev, p):
        return _backward_model(dh, dc, x, h_prev, c_prev, p, **switches)

    return model


LSTM_STEP_BACKWARD = Exercise(
    "lstm_step_backward", points=4, make_inputs=_backward_inputs, reference=lstm_step_backward_reference,
    outputs=(
        Out("dx", "array", "(batch, input features)"),
        Out("dh_prev", "array", "(batch, hidden)"),
        Out("dc_prev", "array", "(batch, hidden)"),
        Out("dU", "array", "(input features, 4 * hidden), blocks f i g o"),
        Out("dW", "array", "(hidden, 4 * hidden), blocks f i g o"),
        Out("db", "array", "(4 * hidden,), blocks f i g o"),
    ),
    mistakes=(
        Mistake("the gradient reaching c_t has two parts: dc from step t+1 and, because "
                "h_t = o * tanh(c_t), dh * o * (1 - tanh(c_t)^2). You left out the second.", _bwd(through_h=False)),
        Mistake("you dropped the incoming dc: the cell state's gradient from step t+1 adds to what "
                "comes through h_t.", _bwd(carry_dc=False)),
        Mistake("g = tanh(a_g), so its derivative is 1 - g^2, not the sigmoid's g * (1 - g).", _bwd(g_deriv="sigmoid")),
        Mistake("c_t = f * c_prev + i * g, so the gradient flows to c_prev through f: "
                "dc_prev = dc_t * f (you used i).", _bwd(dc_prev_gate="i")),
        Mistake("h = o * tanh(c_t), so the output gate's gradient is dh * tanh(c_t), not dh * c_t.",
                _bwd(tanh_c_in_do=False)),
        Mistake("the weight gradients are right but stacked in the wrong order: put the blocks side "
                "by side as f, i, g, o (the order of the keys of p).", _bwd(order=("f", "i", "o", "g"))),
        Mistake("the weight gradients are right but stacked in Keras' order i, f, g, o; this exercise "
                "uses the lecture order f, i, g, o.", _bwd(order=KERAS_GATES)),
        Mistake("the output gate's gradient misses the sigmoid's derivative: o = sigmoid(a_o), so the "
                "gradient of its pre-activation is dh * tanh(c_t) * o * (1 - o).", _bwd(o_deriv=False)),
        *(Mistake(f"dx and dh_prev collect the gradient of the {name} only. x and h_prev enter all four "
                  f"gates' pre-activations, so dx sums da_k @ U_k.T and dh_prev sums da_k @ W_k.T over "
                  f"each gate k = f, i, g, o.", _bwd(input_gates=(gate,)))
          for gate, name in (("f", "forget gate"), ("i", "input gate"), ("g", "candidate g"),
                             ("o", "output gate"))),
        Mistake("dh_prev goes back through the input weights U_*. h_prev entered the gates through the "
                "recurrent weights, h_prev @ W_k, so dh_prev = sum over the gates of da_k @ W_k.T, shape "
                "(batch, hidden); only dx uses U_k.T.", _bwd(dh_prev_weights="U")),
    ),
    forbidden=(
        "rnnkit.cells.lstm_step",
        "rnnkit.cells.lstm_step_backward",
        "rnnkit.bptt.forward",
        "rnnkit.bptt.backward",
        "keras",
    ),
    demo_mistake=("dc_prev = dct * f", "dc_prev = dct * i"),
)


# ---------------------------------------------------------------------------------------------
# 5.3 keras_lstm_weights


def _keras_inputs(rng, hidden):
    _, D, H = _sizes(rng, hidden)
    return dict(p=_lstm_params(rng, D, H))


def keras_lstm_weights_reference(p):
    """The lecture's LSTM dict as Keras' ``[kernel (D, 4H), recurrent_kernel (H, 4H),
    bias (4H,)]``: column blocks in Keras' order i, f, c (= our g), o. Returns a tuple of the
    three arrays. Defined in notebook 05_lstm, section 5.3 (rnnkit.keras_bridge does it there).
    """
    return tuple(layouts.to_keras_weights("lstm", p))


def _keras_order(order):
    def model(p):
        return (
            np.concatenate([p[f"U_{g}"] for g in order], axis=1),
            np.concatenate([p[f"W_{g}"] for g in order], axis=1),
            np.concatenate([p[f"b_{g}"] for g in order]),
        )

    return model


def _keras_rows(p):
    return (
        np.concatenate([p[f"U_{g}"] for g in KERAS_GATES], axis=0),
        np.concatenate([p[f"W_{g}"] for g in KERAS_GATES], axis=0),
        np.concatenate([p[f"b_{g}"] for g in KERAS_GATES]),
    )


def _keras_u_w_swapped(p):
    kernel, recurrent, bias = _keras_order(KERAS_GATES)(p)
    return recurrent, kernel, bias


KERAS_LSTM_WEIGHTS = Exercise(
    "keras_lstm_weights", points=2, make_inputs=_keras_inputs, reference=keras_lstm_weights_reference,
    outputs=(
        Out("kernel", "array", "(input features, 4 * hidden), blocks i f c o"),
        Out("recurrent_kernel", "array", "(hidden, 4 * hidden), blocks i f c o"),
        Out("bias", "array", "(4 * hidden,), blocks i f c o"),
    ),
    mistakes=(
        Mistake("i and f are swapped: Keras puts the input gate first, then the forget gate "
                "(order i, f, c, o); you kept the lecture's f, i, g, o.", _keras_order(LECTURE_GATES)),
        Mistake("the candidate and the output gate are swapped: Keras' order is i, f, c, o with "
                "c our candidate g, so o comes last.", _keras_order(("i", "f", "o", "g"))),
        Mistake("you used the order f, i, o, g; Keras' blocks are i, f, c (= g), o.",
                _keras_order(("f", "i", "o", "g"))),
        Mistake("the gates sit side by side as column blocks (concatenate along axis=1): kernel is "
                "(D, 4H), not (4D, H).", _keras_rows),
        Mistake("kernel holds the input weights U_* (D, 4H) and recurrent_kernel the recurrent "
                "weights W_* (H, 4H); you swapped them.", _keras_u_w_swapped),
    ),
    forbidden=("rnnkit.layouts.to_keras_weights", "rnnkit.keras_bridge.keras_layer", "keras"),
    demo_mistake=('order = ["i", "f", "g", "o"]', 'order = ["f", "i", "g", "o"]'),
)


# ---------------------------------------------------------------------------------------------
# 5.4 peephole_lstm_step


def _peephole_inputs(rng, hidden):
    return _step_inputs(rng, hidden, peephole=True)


def peephole_lstm_step_reference(x, h_prev, c_prev, p):
    """One peephole LSTM step: as :func:`lstm_step_forward_reference`, and f, i also see
    ``c_prev * P_f``, ``c_prev * P_i``, o sees the new ``c_t * P_o`` (P_* (H,), elementwise).
    Returns (h (B, H), c (B, H)). Defined in notebook 05_lstm, section 5.4.
    """
    h, c, _ = cells.lstm_step(x, h_prev, c_prev, p)
    return h, c


def _peephole_model(x, h_prev, c_prev, p, *, o_sees="c", f_i_peep=True, swap_fi=False, f_i_see="c_prev",
                    after_sigmoid=False, P_o="P_o"):
    P_f, P_i = (p["P_i"], p["P_f"]) if swap_fi else (p["P_f"], p["P_i"])
    a_f, a_i = _pre(x, h_prev, p, "f"), _pre(x, h_prev, p, "i")
    g = np.tanh(_pre(x, h_prev, p, "g"))
    # what f and i peek at: the old cell, the hidden state, or a new cell computed first without peepholes
    peeked = {"c_prev": c_prev, "h_prev": h_prev, "c_plain": _sigmoid(a_f) * c_prev + _sigmoid(a_i) * g}[f_i_see]
    if after_sigmoid:
        f, i = _sigmoid(a_f) + P_f * peeked, _sigmoid(a_i) + P_i * peeked
    else:
        if f_i_peep:
            a_f, a_i = a_f + P_f * peeked, a_i + P_i * peeked
        f, i = _sigmoid(a_f), _sigmoid(a_i)
    c = f * c_prev + i * g
    seen = {"c": c, "c_prev": c_prev, "h_prev": h_prev, "none": 0.0}[o_sees]
    if after_sigmoid:
        o = _sigmoid(_pre(x, h_prev, p, "o")) + p[P_o] * seen
    else:
        o = _sigmoid(_pre(x, h_prev, p, "o") + p[P_o] * seen)
    return o * np.tanh(c), c


def _peep(**switches):
    def model(x, h_prev, c_prev, p):
        return _peephole_model(x, h_prev, c_prev, p, **switches)

    return model


PEEPHOLE_LSTM_STEP = Exercise(
    "peephole_lstm_step", points=2, make_inputs=_peephole_inputs, reference=peephole_lstm_step_reference,
    outputs=(Out("h", "array", "(batch, hidden)"), Out("c", "array", "(batch, hidden)")),
    mistakes=(
        Mistake("your output gate peeks at the old cell state c_prev; o is computed after the cell "
                "update and sees the new one: o = sigmoid(... + P_o * c_t).", _peep(o_sees="c_prev")),
        Mistake("you computed a plain LSTM: the peepholes add P_f * c_prev to f's pre-activation, "
                "P_i * c_prev to i's and P_o * c_t to o's.", _peep(o_sees="none", f_i_peep=False)),
        Mistake("only the output gate has its peephole: f and i also see the old cell, "
                "+ P_f * c_prev and + P_i * c_prev.", _peep(f_i_peep=False)),
        Mistake("the output gate has no peephole: add P_o * c_t (the new cell state) to its "
                "pre-activation.", _peep(o_sees="none")),
        Mistake("P_f and P_i are swapped: the forget gate uses P_f, the input gate P_i.", _peep(swap_fi=True)),
        Mistake("the peepholes look at the hidden state h_prev; they look at the CELL state: f and i see "
                "P_f * c_prev and P_i * c_prev, o sees P_o * c_t.", _peep(f_i_see="h_prev", o_sees="h_prev")),
        Mistake("f and i peek at the hidden state h_prev; the peepholes look at the CELL state: f and i see "
                "the previous cell, P_f * c_prev and P_i * c_prev.", _peep(f_i_see="h_prev")),
        Mistake("f and i peek at the new cell state, computed first with a plain LSTM step. They decide how "
                "the cell is updated, so they can only see the previous cell: + P_f * c_prev and "
                "+ P_i * c_prev. Only o, computed after the update, sees c_t.", _peep(f_i_see="c_plain")),
        Mistake("the peephole terms are added after the sigmoids; they belong inside, in the "
                "pre-activations: f = sigmoid(x U_f + h_prev W_f + b_f + P_f * c_prev), likewise i with "
                "P_i * c_prev and o with P_o * c_t, so each gate stays between 0 and 1.",
                _peep(after_sigmoid=True)),
        Mistake("the output gate uses the forget gate's P_f. Each gate has its own peephole weights: "
                "o = sigmoid(x U_o + h_prev W_o + b_o + P_o * c_t).", _peep(P_o="P_f")),
    ),
    forbidden=("rnnkit.cells.lstm_step", "rnnkit.bptt.forward", "keras"),
    demo_mistake=('p["P_o"] * c)', 'p["P_o"] * c_prev)'),
)


EXERCISES = (LSTM_STEP_FORWARD, LSTM_STEP_BACKWARD, KERAS_LSTM_WEIGHTS, PEEPHOLE_LSTM_STEP)
