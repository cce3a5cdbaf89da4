"""Exercises of notebook 04_architecture_zoo: reasoning about what a recurrent layer returns.

Five exercises, each about where the time axis goes:

- ``rnn_output_shape``: the shapes a Keras recurrent layer returns for given flags (section 4.2);
- ``many_to_one_forward``: run a simple RNN over a sequence and classify its last state (4.4);
- ``seq2seq_forward``: an encoder whose final state initialises a decoder (4.5);
- ``birnn_forward`` (optional): a forward and a backward RNN, states aligned per step (4.7);
- ``attention_step`` (optional): dot-product attention over encoder states, one decoder step (4.8).

References use rnnkit's own RNN and softmax (``rnnkit.bptt.forward``, ``rnnkit.bptt.linear_head``,
``rnnkit.bptt.softmax``); the mistake models below are separate numpy code that makes one typical
error each.
"""

import numpy as np

from rnnkit import bptt
from course.cases import distinct_sizes, rnn_states, softmax, variants
from course.exercise import Exercise, Mistake, Out

# What the many-to-one and encoder-decoder answers must write themselves: the loop and the head.
_RNN_AND_HEAD = ("keras", "rnnkit.bptt.forward", "rnnkit.cells.rnn_step", "rnnkit.bptt.linear_head")

LAYERS = ("SimpleRNN", "LSTM", "GRU")
_N_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


# ---------------------------------------------------------------------------------------------
# 4.2 rnn_output_shape


def _shape_inputs(rng, hidden):
    batch, time, features, units = distinct_sizes(rng, 4, 2, 40 if hidden else 12)
    # LSTM and return_state are drawn more often: they are where the answers differ most.
    layer = str(rng.choice(LAYERS, p=[0.25, 0.5, 0.25]))
    return dict(
        batch=batch,
        time=time,
        features=features,
        units=units,
        layer=layer,
        return_sequences=bool(rng.random() < 0.5),
        return_state=bool(rng.random() < 0.65),
    )


def rnn_output_shape_reference(batch, time, features, units, layer, return_sequences, return_state):
    """Shapes a Keras recurrent layer returns for input ``(batch, time, features)``.

    Returns a list of shapes (each a list of ints): ``[output]`` or, with ``return_state``,
    ``[output, state, ...]`` with one state for SimpleRNN/GRU and two (h, c) for LSTM. The
    output is ``(batch, time, units)`` with ``return_sequences`` and ``(batch, units)``
    otherwise; states are always the last step's, ``(batch, units)``.
    Defined in notebook 04_architecture_zoo, section 4.2.
    """
    if layer not in _N_STATES:
        raise ValueError(f"layer should be one of {', '.join(LAYERS)}; got {layer!r}")
    output = [batch, time, units] if return_sequences else [batch, units]
    if not return_state:
        return [output]
    return [output] + [[batch, units] for _ in range(_N_STATES[layer])]


def _shape_no_time(batch, time, features, units, layer, return_sequences, return_state):
    return rnn_output_shape_reference(batch, time, features, units, layer, False, return_state)


def _shape_time_first(batch, time, features, units, layer, return_sequences, return_state):
    shapes = rnn_output_shape_reference(batch, time, features, units, layer, return_sequences, return_state)
    if return_sequences:
        shapes[0] = [time, batch, units]
    return shapes


def _shape_features(batch, time, features, units, layer, return_sequences, return_state):
    return rnn_output_shape_reference(batch, time, units, features, layer, return_sequences, return_state)


def _shape_one_state(batch, time, features, units, layer, return_sequences, return_state):
    return rnn_output_shape_reference(batch, time, features, units, "GRU", return_sequences, return_state)


def _shape_two_states(batch, time, features, units, layer, return_sequences, return_state):
    return rnn_output_shape_reference(batch, time, features, units, "LSTM", return_sequences, return_state)


def _shape_state_sequences(batch, time, features, units, layer, return_sequences, return_state):
    shapes = rnn_output_shape_reference(batch, time, features, units, layer, return_sequences, return_state)
    return [shapes[0]] + [list(shapes[0]) for _ in shapes[1:]]


def _shape_flags_swapped(batch, time, features, units, layer, return_sequences, return_state):
    return rnn_output_shape_reference(batch, time, features, units, layer, return_state, return_sequences)


RNN_OUTPUT_SHAPE = Exercise(
    "rnn_output_shape", points=2, make_inputs=_shape_inputs, reference=rnn_output_shape_reference,
    outputs=(Out("shapes", "json", "[output shape, state shapes...]"),),
    mistakes=(
        Mistake("with return_sequences=True the layer returns one output per time step, so the "
                "output keeps the time axis: (batch, time, units).", _shape_no_time),
        Mistake("Keras is batch-major: the sequence output is (batch, time, units), not "
                "(time, batch, units).", _shape_time_first),
        Mistake("the last axis of every output is the layer's `units` (its hidden size), not the "
                "number of input features.", _shape_features),
        Mistake("an LSTM carries two states, h and c, so return_state=True gives three arrays: "
                "[output, h, c].", _shape_one_state),
        Mistake("only the LSTM has a cell state c: SimpleRNN and GRU return one state, "
                "[output, h].", _shape_two_states),
        Mistake("the returned states are the final step's states, (batch, units), even when the "
                "output has a time axis.", _shape_state_sequences),
        Mistake("return_sequences and return_state are swapped. return_sequences=True keeps the time axis "
                "in the output, (batch, time, units); return_state=True adds the final state(s) after the "
                "output: [output, h], or [output, h, c] for an LSTM.", _shape_flags_swapped),
    ),
    forbidden=("keras",), trials_visible=8, trials_hidden=40,
    demo_mistake=(
        "output = [batch, time, units] if return_sequences else [batch, units]",
        "output = [batch, units]",
    ),
)


# ---------------------------------------------------------------------------------------------
# 4.4 many_to_one_forward


def _weights(rng, *shape, scale=0.5):
    return scale * rng.standard_normal(shape)


def _sizes(rng, hidden):
    """(B, T, D, H, K) with D, H and K different so a swapped weight cannot broadcast."""
    if not hidden:
        return 2, 5, 3, 4, 2
    B = int(rng.integers(2, 5))
    T = int(rng.integers(3, 9))
    D, H, K = distinct_sizes(rng, 3, 2, 8)
    return B, T, D, H, K


def _many_to_one_inputs(rng, hidden):
    B, T, D, H, K = _sizes(rng, hidden)
    return dict(
        xs=rng.standard_normal((B, T, D)),
        U=_weights(rng, D, H),
        W=_weights(rng, H, H),
        b=_weights(rng, H),
        V=_weights(rng, H, K, scale=1.0),
        c=_weights(rng, K),
    )


def many_to_one_forward_reference(xs, U, W, b, V, c):
    """Many-to-one: a simple RNN reads ``xs`` (B, T, D) from h_0 = 0; a dense layer maps the
    last hidden state h_T (B, H) to ``y = h_T V + c`` (B, K). U (D, H), W (H, H), b (H,),
    V (H, K), c (K,). Defined in notebook 04_architecture_zoo, section 4.4.
    """
    hs, _ = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b})
    return hs[:, -1] @ V + c


def _rnn_states(xs, U, W, b, h0=None):
    """All hidden states (B, T, H) of a simple RNN: independent code for the mistake models."""
    return rnn_states(xs, h0, U, W, b)


def _m2o_first(xs, U, W, b, V, c):
    return _rnn_states(xs, U, W, b)[:, 0] @ V + c


def _m2o_mean(xs, U, W, b, V, c):
    return _rnn_states(xs, U, W, b).mean(axis=1) @ V + c


def _m2o_every_step(xs, U, W, b, V, c):
    return _rnn_states(xs, U, W, b) @ V + c


def _m2o_no_recurrence(xs, U, W, b, V, c):
    return np.tanh(xs[:, -1] @ U + b) @ V + c


def _m2o_w_transposed(xs, U, W, b, V, c):
    return _rnn_states(xs, U, W.T, b)[:, -1] @ V + c


def _m2o_no_head_bias(xs, U, W, b, V, c):
    return _rnn_states(xs, U, W, b)[:, -1] @ V


def _m2o_stops_early(xs, U, W, b, V, c):
    return _rnn_states(xs[:, :-1], U, W, b)[:, -1] @ V + c


def _m2o_no_dense(xs, U, W, b, V, c):
    return _rnn_states(xs, U, W, b)[:, -1]


MANY_TO_ONE_FORWARD = Exercise(
    "many_to_one_forward", points=2, make_inputs=_many_to_one_inputs, reference=many_to_one_forward_reference,
    outputs=(Out("y", "array", "(batch, classes)"),),
    mistakes=(
        Mistake("you classified the hidden state after the first step; a many-to-one model reads "
                "the whole sequence and classifies the last state h_T = hs[:, -1].", _m2o_first),
        Mistake("you averaged the hidden states over time. That is a valid pooling model, but this "
                "exercise classifies the last state h_T only.", _m2o_mean),
        Mistake("you applied the dense layer at every step (many-to-many, shape (batch, time, "
                "classes)); many-to-one keeps only the last step: (batch, classes).", _m2o_every_step),
        Mistake("your hidden state does not depend on the previous one: h_t = tanh(x_t U + "
                "h_{t-1} W + b) needs the recurrent term, starting from h_0 = 0.", _m2o_no_recurrence),
        Mistake("the recurrent term should be h_{t-1} @ W, not h_{t-1} @ W.T.", _m2o_w_transposed),
        Mistake("the dense layer adds its bias: y = h_T V + c.", _m2o_no_head_bias),
        Mistake("the loop misses the last step: range(T - 1) stops before the last input x_T. Run the "
                "step for every t in range(T), so that h_T has read the whole sequence, then classify it.",
                _m2o_stops_early),
        Mistake("you returned the last hidden state h_T itself. Many-to-one classifies it with the dense "
                "layer: y = h_T @ V + c, shape (batch, classes).", _m2o_no_dense),
    ),
    forbidden=_RNN_AND_HEAD,
    demo_mistake=("return h @ V + c", "return h @ V"),
)


# ---------------------------------------------------------------------------------------------
# 4.5 seq2seq_forward


def _seq2seq_inputs(rng, hidden):
    if hidden:
        B = int(rng.integers(2, 5))
        T_in, T_out = distinct_sizes(rng, 2, 2, 9)
        D_in, D_out, H, K = distinct_sizes(rng, 4, 2, 9)
    else:
        B, T_in, T_out, D_in, D_out, H, K = 2, 5, 3, 3, 2, 4, 6

    def rnn(D):
        return {"U": _weights(rng, D, H), "W": _weights(rng, H, H), "b": _weights(rng, H)}

    return dict(
        xs=rng.standard_normal((B, T_in, D_in)),
        ys_in=rng.standard_normal((B, T_out, D_out)),
        enc=rnn(D_in),
        dec=rnn(D_out),
        V=_weights(rng, H, K, scale=1.0),
        c=_weights(rng, K),
    )


def seq2seq_forward_reference(xs, ys_in, enc, dec, V, c):
    """Encoder-decoder with simple RNNs.

    The encoder (params ``enc``: U (D_in, H), W (H, H), b (H,)) reads ``xs`` (B, T_in, D_in)
    from a zero state; its final state h_T initialises the decoder (params ``dec``, U
    (D_out, H)), which reads ``ys_in`` (B, T_out, D_out) (the target shifted by one step:
    teacher forcing). A dense layer maps every decoder state to ``h V + c``: returns
    (B, T_out, K). Defined in notebook 04_architecture_zoo, section 4.5.
    """
    enc_hs, _ = bptt.forward("rnn", xs, enc)
    dec_hs, _ = bptt.forward("rnn", ys_in, dec, h0=enc_hs[:, -1])
    out, _ = bptt.linear_head(dec_hs, V, c)
    return out


def _dec(ys_in, dec, h0):
    return _rnn_states(ys_in, dec["U"], dec["W"], dec["b"], h0)


def _enc(xs, enc):
    return _rnn_states(xs, enc["U"], enc["W"], enc["b"])


def _s2s_zero_state(xs, ys_in, enc, dec, V, c):
    return _dec(ys_in, dec, None) @ V + c


def _s2s_first_state(xs, ys_in, enc, dec, V, c):
    return _dec(ys_in, dec, _enc(xs, enc)[:, 0]) @ V + c


def _s2s_encoder_weights(xs, ys_in, enc, dec, V, c):
    swapped = {"U": dec["U"], "W": enc["W"], "b": enc["b"]}
    return _dec(ys_in, swapped, _enc(xs, enc)[:, -1]) @ V + c


def _s2s_last_only(xs, ys_in, enc, dec, V, c):
    return _dec(ys_in, dec, _enc(xs, enc)[:, -1])[:, -1] @ V + c


def _s2s_encoder_outputs(xs, ys_in, enc, dec, V, c):
    return _enc(xs, enc) @ V + c


def _s2s_shifted_again(xs, ys_in, enc, dec, V, c):
    return _dec(np.roll(ys_in, 1, axis=1), dec, _enc(xs, enc)[:, -1]) @ V + c


def _s2s_shifted_again_zero(xs, ys_in, enc, dec, V, c):
    shifted = np.concatenate([np.zeros_like(ys_in[:, :1]), ys_in[:, :-1]], axis=1)
    return _dec(shifted, dec, _enc(xs, enc)[:, -1]) @ V + c


def _s2s_encoder_skips_first(xs, ys_in, enc, dec, V, c):
    return _dec(ys_in, dec, _enc(xs[:, 1:], enc)[:, -1]) @ V + c


SEQ2SEQ_FORWARD = Exercise(
    name="seq2seq_forward",
    points=3,
    make_inputs=_seq2seq_inputs,
    reference=seq2seq_forward_reference,
    outputs=(Out("out", "array", "(batch, decoder time, classes)"),),
    mistakes=(
        Mistake("your decoder starts from a zero state, so it never hears what the encoder read: "
                "use the encoder's final hidden state as the decoder's h_0.", _s2s_zero_state),
        Mistake("your decoder starts from the encoder's state after its first step; the summary of "
                "the whole input is the encoder's final state, enc_hs[:, -1].", _s2s_first_state),
        Mistake("your decoder uses the encoder's recurrent weights; encoder and decoder are two "
                "RNNs with their own U, W and b (use dec['W'], dec['b']).", _s2s_encoder_weights),
        Mistake("you returned only the decoder's last step; the decoder emits one output per "
                "decoder step: (batch, T_out, classes).", _s2s_last_only),
        Mistake("you returned outputs for the encoder's steps; the outputs come from the decoder, "
                "which reads ys_in.", _s2s_encoder_outputs),
        Mistake("your decoder reads ys_in[:, t - 1], which wraps around to the last step at t = 0. ys_in is "
                "already the target shifted by one step (teacher forcing), so decoder step t reads ys_in[:, t] "
                "as it is: do not shift it again.", _s2s_shifted_again),
        Mistake("your decoder reads ys_in one step late (zeros at t = 0, then ys_in[:, t - 1]). ys_in is "
                "already the target shifted by one step (teacher forcing), so decoder step t reads "
                "ys_in[:, t] as it is: do not shift it again.", _s2s_shifted_again_zero),
        Mistake("your encoder never reads the first input: its loop must run over every step, for t in "
                "range(T_in), starting at t = 0 (xs[:, 0] is the first input).", _s2s_encoder_skips_first),
    ),
    forbidden=_RNN_AND_HEAD,
    demo_mistake=("h = h_enc", "h = np.zeros_like(h_enc)"),
)


# ---------------------------------------------------------------------------------------------
# 4.7 birnn_forward (optional)


def _birnn_inputs(rng, hidden):
    if hidden:
        B = int(rng.integers(2, 5))
        T, D, H = distinct_sizes(rng, 3, 3, 9)
        while T == B:
            T = int(rng.integers(3, 9))
    else:
        B, T, D, H = 2, 5, 3, 4

    def rnn():
        return {"U": _weights(rng, D, H, scale=0.8), "W": _weights(rng, H, H, scale=0.8), "b": _weights(rng, H)}

    return dict(xs=rng.standard_normal((B, T, D)), fwd=rnn(), bwd=rnn())


def birnn_forward_reference(xs, fwd, bwd):
    """Bidirectional simple RNN over ``xs`` (B, T, D), both directions from a zero state.

    The forward RNN (params ``fwd``: U (D, H), W (H, H), b (H,)) reads x_1 .. x_T; the backward
    RNN (``bwd``, same shapes, its own weights) reads x_T .. x_1. Its states are put back in the
    order of the input, so that step t of both halves refers to position t: returns
    ``hs`` (B, T, 2H), ``hs[:, t, :H]`` the forward state after x_1 .. x_t and ``hs[:, t, H:]``
    the backward state after x_T .. x_t. Defined in notebook 04_architecture_zoo, section 4.7.
    """
    hs_f, _ = bptt.forward("rnn", xs, fwd)
    hs_b, _ = bptt.forward("rnn", xs[:, ::-1], bwd)
    return np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)


def _birnn_variant(xs, fwd, bwd, *, kind):
    hs_f = _enc(xs, fwd)
    if kind == "same_weights":
        bwd = fwd
    if kind == "not_reversed":
        hs_b = _enc(xs, bwd)
    else:
        hs_b = _enc(xs[:, ::-1], bwd)
        if kind == "batch_flipped":
            hs_b = hs_b[::-1]
        elif kind != "not_re_reversed":
            hs_b = hs_b[:, ::-1]
    if kind == "halves_swapped":
        return np.concatenate([hs_b, hs_f], axis=-1)
    if kind == "time_axis":
        return np.concatenate([hs_f, hs_b], axis=1)
    return np.concatenate([hs_f, hs_b], axis=-1)


BIRNN_FORWARD = Exercise(
    "birnn_forward", points=2, make_inputs=_birnn_inputs, reference=birnn_forward_reference,
    outputs=(Out("hs", "array", "(batch, time, 2 * hidden), forward then backward"),),
    mistakes=variants(_birnn_variant, {
        "not_re_reversed": "the backward states are still in the order the backward RNN produced them, so step t "
                           "of the second half belongs to position T - 1 - t. Reverse them back along time, "
                           "hs_b[:, ::-1], so that hs[:, t] describes position t in both halves.",
        "not_reversed": "the backward RNN reads the sequence forwards, so both halves have read only x_1 .. x_t. "
                        "Feed it the reversed sequence, xs[:, ::-1], then put its states back in order.",
        "same_weights": "the backward RNN uses the forward RNN's weights. The two directions are two RNNs with "
                        "their own U, W and b: use bwd['U'], bwd['W'], bwd['b'] for the backward one.",
        "batch_flipped": "the backward states were reversed along the batch axis (hs_b[::-1]), which swaps the "
                         "examples. Reverse along TIME, axis 1: hs_b[:, ::-1].",
        "halves_swapped": "the halves are in the wrong order: the forward states come first, then the backward "
                          "ones, np.concatenate([hs_f, hs_b], axis=-1) (as Keras' Bidirectional does).",
        "time_axis": "the two directions were joined along the time axis, (batch, 2 * time, hidden). Join them "
                     "along the features, the last axis: np.concatenate([hs_f, hs_b], axis=-1), "
                     "(batch, time, 2 * hidden).",
    }),
    forbidden=("keras", "rnnkit.bptt.forward", "rnnkit.cells.rnn_step"),
    demo_mistake=("hs_b[:, ::-1]", "hs_b"),
)


# ---------------------------------------------------------------------------------------------
# 4.8 attention_step (optional)


def _attention_inputs(rng, hidden):
    if hidden:
        B = int(rng.integers(2, 5))
        T, H = distinct_sizes(rng, 2, 3, 10)
        while B in (T, H):
            B = int(rng.integers(2, 5))
    else:
        B, T, H = 2, 5, 3
    return dict(s=rng.normal(0.0, 1.5, size=(B, H)), hs=np.tanh(rng.normal(0.0, 1.5, size=(B, T, H))))


def attention_step_reference(s, hs):
    """Dot-product attention for one decoder step.

    ``s`` (B, H) the decoder state, ``hs`` (B, T, H) the encoder states. Scores
    ``e[b, t] = hs[b, t] . s[b]``, weights ``a = softmax over t of e`` (B, T), context
    ``sum_t a[b, t] hs[b, t]`` (B, H). Returns ``(weights, context)``.
    Defined in notebook 04_architecture_zoo, section 4.8.
    """
    weights = bptt.softmax(np.einsum("bth,bh->bt", hs, s))
    return weights, np.einsum("bt,bth->bh", weights, hs)


def _attention_variant(s, hs, *, kind):
    scores = np.einsum("bth,bh->bt", hs, s)
    if kind == "scaled":
        scores = scores / np.sqrt(s.shape[-1])
    if kind == "no_softmax":
        weights = scores
    elif kind == "batch_softmax":
        weights = softmax(scores, axis=0)
    elif kind == "uniform":
        weights = np.full(scores.shape, 1.0 / scores.shape[1])
    else:
        weights = softmax(scores, axis=-1)
    if kind == "last_state":
        return weights, hs[:, -1]
    if kind == "matmul":
        return weights, weights @ hs
    return weights, np.einsum("bt,bth->bh", weights, hs)


ATTENTION_STEP = Exercise(
    "attention_step", points=2, make_inputs=_attention_inputs, reference=attention_step_reference,
    outputs=(
        Out("weights", "array", "(batch, time): one weight per encoder step, each row sums to 1"),
        Out("context", "array", "(batch, hidden)"),
    ),
    mistakes=variants(_attention_variant, {
        "no_softmax": "the weights are the raw scores hs[b, t] . s[b]: they are not positive and do not sum to 1. "
                      "Turn them into weights with a softmax over the encoder steps (axis 1).",
        "batch_softmax": "the softmax runs over the batch axis, so the weights of one example are mixed with "
                         "another's. Normalise over the encoder steps, the time axis (axis=1): each row sums to 1.",
        "scaled": "the scores are divided by sqrt(hidden). That is the scaled dot product of Transformers; this "
                  "teaser uses the plain dot product, e[b, t] = hs[b, t] . s[b].",
        "uniform": "every encoder step gets the same weight 1 / T, so the decoder state s is never used. The "
                   "weights come from the scores e[b, t] = hs[b, t] . s[b], through a softmax over t.",
        "last_state": "the context is the encoder's last state, as without attention. It is the weighted sum of "
                      "ALL encoder states: context[b] = sum_t weights[b, t] hs[b, t].",
        "matmul": "`weights @ hs` multiplies every example's weights with every example's states, (batch, batch, "
                  "hidden). Weight each example's own states: context[b] = sum_t weights[b, t] hs[b, t], "
                  "np.einsum('bt,bth->bh', weights, hs) or (weights[:, :, None] * hs).sum(axis=1).",
    }),
    forbidden=("keras", "rnnkit.bptt.softmax"),
    demo_mistake=('context = np.einsum("bt,bth->bh", weights, hs)', "context = hs[:, -1]"),
)


EXERCISES = (RNN_OUTPUT_SHAPE, MANY_TO_ONE_FORWARD, SEQ2SEQ_FORWARD, BIRNN_FORWARD, ATTENTION_STEP)
