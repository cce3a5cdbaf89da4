# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 4. The architecture zoo: where the outputs come from
#
# A recurrent cell always does the same thing: it reads one input vector, updates its hidden
# state and moves on. What changes from one model to the next is only the *wiring*: at which
# steps an input is fed in, at which steps an output is read off, and whether one network hands
# its final state to another. This notebook walks through the four wirings that cover almost
# every sequence model you will meet:
#
# | wiring | example task | input | output |
# |---|---|---|---|
# | many-to-one | sentiment of a review | `(batch, time, features)` | `(batch, classes)` |
# | one-to-many | caption from an image vector | `(batch, features)` | `(batch, time, classes)` |
# | many-to-many, aligned | a tag for every word | `(batch, time, features)` | `(batch, time, classes)` |
# | encoder-decoder | translation, forecasting `k` steps | `(batch, T_in, features)` | `(batch, T_out, classes)` |
#
# After this notebook you can
#
# - say, before running anything, which shape a Keras recurrent layer returns for every
#   combination of `return_sequences` and `return_state`;
# - read and fix the classic `expected ndim=3, found ndim=2` error when stacking layers;
# - write the forward pass of a many-to-one classifier and of an encoder-decoder in numpy;
# - (optional) run a bidirectional RNN with its two halves aligned per step, and compute one step
#   of dot-product attention over the encoder's states.
#
# We keep every size tiny and different from the others (batch 2, time 5, features 3, units
# 4, ...) on purpose: when all sizes differ, a shape tells you exactly which axis is which.
#
# **Time.** Core: about 30 minutes (sections 4.1 to 4.6, Exercises 4.1 to 4.3, Question 4.1).
# Optional: sections 4.7 and 4.8 (Exercises 4.4 and 4.5, a bidirectional RNN and a first look at
# attention), about 30 minutes.

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import keras

from rnnkit import bptt, layouts
from rnnkit.checking import check

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 4.1 Four wirings, drawn
#
# In the pictures below time runs from left to right. The bottom row shows where an input
# enters, the middle row is the recurrent state carried from step to step, and the top row
# shows the steps at which the model produces an output. A pale input square in the
# one-to-many picture is a *copy* of the same vector (Keras' `RepeatVector` feeds the one
# image vector again at every step). In the encoder-decoder the orange states belong to a
# second network, the decoder, which starts from the encoder's final state and reads the
# previous target value (pale red) at each of its steps.


# %%
def draw_wiring(ax, title, inputs, outputs, decoder_from=None):
    """Draw one unrolled RNN. inputs: per step 'x' (an input), 'copy' (a repeated input), 'prev'
    (the previous target, fed to a decoder) or ''; outputs: per step 'y' or ''."""
    steps = len(inputs)
    for t in range(steps):
        colour = "tab:orange" if decoder_from is not None and t >= decoder_from else "tab:blue"
        ax.add_patch(plt.Rectangle((t - 0.3, 0.7), 0.6, 0.6, color=colour, alpha=0.8))
        if inputs[t]:
            colour, shade = {"x": ("tab:green", 0.9), "copy": ("tab:green", 0.35), "prev": ("tab:red", 0.35)}[inputs[t]]
            ax.add_patch(plt.Rectangle((t - 0.25, -0.25), 0.5, 0.5, color=colour, alpha=shade))
            ax.annotate("", (t, 0.68), (t, 0.27), arrowprops=dict(arrowstyle="->"))
        if outputs[t]:
            ax.add_patch(plt.Rectangle((t - 0.25, 1.75), 0.5, 0.5, color="tab:red", alpha=0.9))
            ax.annotate("", (t, 1.73), (t, 1.32), arrowprops=dict(arrowstyle="->"))
        if t + 1 < steps:
            ax.annotate("", (t + 0.68, 1.0), (t + 0.32, 1.0), arrowprops=dict(arrowstyle="->"))
    ax.set_xlim(-0.7, steps - 0.3)
    ax.set_ylim(-0.5, 2.5)
    ax.set_xticks(range(steps), [f"t={t + 1}" for t in range(steps)])
    ax.set_yticks([0, 1, 2], ["input", "state", "output"])
    ax.set_title(title)
    ax.set_aspect("equal")


# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 5.5))
draw_wiring(axes[0, 0], "many-to-one", ["x"] * 5, [""] * 4 + ["y"])
draw_wiring(axes[0, 1], "one-to-many (RepeatVector)", ["x"] + ["copy"] * 4, ["y"] * 5)
draw_wiring(axes[1, 0], "many-to-many, aligned", ["x"] * 5, ["y"] * 5)
draw_wiring(axes[1, 1], "encoder-decoder", ["x"] * 4 + ["prev"] * 3, [""] * 4 + ["y"] * 3, decoder_from=4)
fig.tight_layout()

# %% [markdown]
# Two things to notice. First, the recurrent state is always there, at every step: the wirings
# differ only in what we *read* from it. Second, the encoder-decoder is the only wiring where
# the number of output steps is free: the aligned many-to-many model must produce exactly one
# output per input step.

# %% [markdown]
# ## 4.2 Predict the shape, then run
#
# A Keras recurrent layer (`SimpleRNN`, `LSTM`, `GRU`) takes a batch-major input
# `(batch, time, features)` and has two switches:
#
# - `return_sequences=False` (default): return only the last hidden state, `(batch, units)`.
#   With `True`: return the hidden state of every step, `(batch, time, units)`.
# - `return_state=True`: additionally return the final state(s) as separate arrays, one for
#   `SimpleRNN` and `GRU` (`h`), two for `LSTM` (`h` and the cell state `c`), each
#   `(batch, units)`.
#
# A `Dense` layer applied to a 3-D array acts on the last axis only, so it maps every time step
# with the same weights: that is how we get "one output per step".
#
# Below we build the four wirings on tiny shapes. **Before running the next cells, write down the
# output shape of each model.** Our predictions are in the dictionary `predicted`.

# %%
batch, time, features, units, classes = 2, 5, 3, 4, 6
T_out, out_features = 3, 2

x_seq = rng.standard_normal((batch, time, features)).astype("float32")
x_vec = rng.standard_normal((batch, features)).astype("float32")
y_in = rng.standard_normal((batch, T_out, out_features)).astype("float32")

# %%
many_to_one = keras.Sequential([
    keras.Input((time, features)),
    keras.layers.SimpleRNN(units),
    keras.layers.Dense(classes),
])

one_to_many = keras.Sequential([
    keras.Input((features,)),
    keras.layers.RepeatVector(time),  # the same vector fed at every step
    keras.layers.SimpleRNN(units, return_sequences=True),
    keras.layers.Dense(classes),
])

aligned = keras.Sequential([
    keras.Input((time, features)),
    keras.layers.SimpleRNN(units, return_sequences=True),
    keras.layers.Dense(classes),
])

# %% [markdown]
# The encoder-decoder needs two inputs, so it uses the functional API. The encoder returns its
# final state (`return_state=True`) and the decoder starts from it (`initial_state=`). The
# decoder reads `y_in`, the target sequence shifted by one step ("teacher forcing": during
# training the decoder sees the correct previous output).

# %%
enc_inputs = keras.Input((time, features))
dec_inputs = keras.Input((T_out, out_features))
_, enc_state = keras.layers.SimpleRNN(units, return_state=True, name="encoder")(enc_inputs)
dec_states = keras.layers.SimpleRNN(units, return_sequences=True)(dec_inputs, initial_state=[enc_state])
seq2seq = keras.Model([enc_inputs, dec_inputs], keras.layers.Dense(classes)(dec_states))

# %%
predicted = {
    "many-to-one": (batch, classes),
    "one-to-many": (batch, time, classes),
    "many-to-many aligned": (batch, time, classes),
    "encoder-decoder": (batch, T_out, classes),
}
actual = {
    "many-to-one": many_to_one(x_seq).shape,
    "one-to-many": one_to_many(x_vec).shape,
    "many-to-many aligned": aligned(x_seq).shape,
    "encoder-decoder": seq2seq([x_seq, y_in]).shape,
}

print(f"{'model':<22}{'predicted':<14}{'actual':<14}")
for name in predicted:
    mark = "ok" if tuple(actual[name]) == predicted[name] else "WRONG"
    print(f"{name:<22}{str(predicted[name]):<14}{str(tuple(actual[name])):<14}{mark}")
assert all(tuple(actual[n]) == predicted[n] for n in predicted), "a prediction was wrong: see the table"

# %% [markdown]
# The same game for a single recurrent layer and all four settings of the switches, now
# including an `LSTM` so that you see its second state:

# %%
for layer_cls in (keras.layers.SimpleRNN, keras.layers.LSTM):
    for seqs in (False, True):
        for state in (False, True):
            layer = layer_cls(units, return_sequences=seqs, return_state=state)
            result = layer(x_seq)
            shapes = [tuple(r.shape) for r in result] if state else [tuple(result.shape)]
            print(f"{layer_cls.__name__:<10} return_sequences={seqs!s:<6} return_state={state!s:<6} -> {shapes}")

# %% [markdown]
# Shapes have a twin question: how many numbers does a layer learn? Every gate of a recurrent
# cell owns an input matrix $U\ (D, H)$, a recurrent matrix $W\ (H, H)$ and a bias $b\ (H,)$, so
# one gate costs $H(D + H + 1)$ parameters. A simple RNN has one such block, a GRU three and an
# LSTM four. `layouts.param_count` does this sum; Keras counts its own variables:

# %%
for kind, layer in (
    ("rnn", keras.layers.SimpleRNN(units)),
    ("gru", keras.layers.GRU(units, reset_after=False)),  # the lecture's GRU
    ("lstm", keras.layers.LSTM(units)),
):
    layer.build((None, time, features))
    ours = layouts.param_count(kind, features, units)
    print(f"{type(layer).__name__:<10} H(D+H+1) x gates = {ours:4d}   Keras count_params() = {layer.count_params()}")
    assert ours == layer.count_params()

# %% [markdown]
# The count does not depend on `time`: the same weights are used at every step, which is why
# one trained RNN can read sequences of any length. (Keras' default `GRU(reset_after=True)`
# keeps a second bias for the recurrent part and has $3H$ parameters more.)

# %% [markdown]
# ### Exercise 4.1 (2 points, core): predict what a recurrent layer returns
#
# Write `rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state)`
# that returns the list of shapes a Keras layer (`layer` is `"SimpleRNN"`, `"LSTM"` or `"GRU"`)
# returns for an input of shape `(batch, time, features)`. Each shape is a list (or tuple) of
# ints; without `return_state` the list holds just the output's shape. Example:
# `rnn_output_shape(2, 5, 3, 4, "LSTM", False, True)` is `[[2, 4], [2, 4], [2, 4]]`.
#
# Do not build a Keras layer to find out: reason it through (the check refuses answers that
# call Keras).

# %% nbgrader={"solution": true, "grade_id": "rnn_output_shape"}
def rnn_output_shape(batch, time, features, units, layer, return_sequences, return_state):
    """Shapes returned by a Keras `layer` ("SimpleRNN", "LSTM", "GRU") on (batch, time, features).

    Returns [output_shape] or, with return_state, [output_shape, state_shape, ...].
    """
    ### BEGIN SOLUTION
    output = [batch, time, units] if return_sequences else [batch, units]
    if not return_state:
        return [output]
    n_states = 2 if layer == "LSTM" else 1
    return [output] + [[batch, units] for _ in range(n_states)]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_output_shape_test", "points": 2}
check("rnn_output_shape", rnn_output_shape)
### BEGIN HIDDEN TESTS
check("rnn_output_shape", rnn_output_shape, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4.3 Stacking recurrent layers and the `ndim` error
#
# Stacking two recurrent layers gives the second layer a sequence of richer features to read.
# The second layer, like every recurrent layer, needs a **sequence**: a 3-D input
# `(batch, time, features)`. A recurrent layer with the default `return_sequences=False` hands
# on only its last state, a 2-D `(batch, units)`. This is probably the most common error message
# in first RNN projects; here it is on purpose:

# %%
try:
    broken = keras.Sequential([
        keras.Input((time, features)),
        keras.layers.SimpleRNN(units),  # returns (batch, units): no time axis left
        keras.layers.SimpleRNN(units),
    ])
except ValueError as err:
    message = str(err)
    print("ValueError:", message)
assert "expected ndim=3, found ndim=2" in message

# %% [markdown]
# Keras reads the message from the second layer's point of view: it *expected* a 3-D sequence
# and *found* the 2-D last state of the first layer. The fix is to let every recurrent layer
# except the last return the whole sequence:

# %%
stacked = keras.Sequential([
    keras.Input((time, features)),
    keras.layers.SimpleRNN(units, return_sequences=True),  # (batch, time, units)
    keras.layers.SimpleRNN(units),  # reads that sequence, returns (batch, units)
    keras.layers.Dense(classes),
])
print("stacked many-to-one:", stacked(x_seq).shape)
assert tuple(stacked(x_seq).shape) == (batch, classes)

# %% [markdown]
# The last recurrent layer decides the wiring: keep `return_sequences=False` there for a
# many-to-one model, `True` for an aligned many-to-many model.

# %% [markdown]
# ## 4.4 Many-to-one in numpy
#
# What does the Keras `many_to_one` model compute? The simple RNN runs
# $h_t = \tanh(x_t U + h_{t-1} W + b)$ from $h_0 = 0$ over all $T$ steps, and the dense layer
# maps only the final state: $y = h_T V + c$. Keras stores exactly these matrices in the same
# row-vector convention (`kernel` is $U$, `recurrent_kernel` is $W$), and
# `keras_bridge.params_from_layer` hands them over in the lecture's names. rnnkit's
# `bptt.forward` runs the recurrence and returns every $h_t$; we keep the last one:

# %%
kind, p_rnn = keras_bridge.params_from_layer(many_to_one.layers[0])
V, c = many_to_one.layers[1].get_weights()
print(kind, {name: value.shape for name, value in p_rnn.items()}, " V", V.shape, " c", c.shape)

hs, _ = bptt.forward("rnn", x_seq, p_rnn)  # (batch, time, units)
y_rnnkit = hs[:, -1] @ V + c  # many-to-one: read only the last step
print("largest difference to Keras:", np.abs(y_rnnkit - np.asarray(many_to_one(x_seq))).max())
assert np.allclose(y_rnnkit, np.asarray(many_to_one(x_seq)), atol=1e-5)

# %% [markdown]
# ### Exercise 4.2 (2 points, core): many-to-one forward pass
#
# Write `many_to_one_forward(xs, U, W, b, V, c)`: `xs` is `(batch, time, D)`, `U (D, H)`,
# `W (H, H)`, `b (H,)`, `V (H, K)`, `c (K,)`. Run the simple RNN from a zero state and return
# `y = h_T V + c` of shape `(batch, K)`. Use numpy only (no rnnkit, no Keras): index the time
# axis as `xs[:, t]`.

# %% nbgrader={"solution": true, "grade_id": "many_to_one_forward"}
def many_to_one_forward(xs, U, W, b, V, c):
    """Simple RNN over xs (B, T, D) from h_0 = 0, then a dense layer on h_T: returns (B, K)."""
    ### BEGIN SOLUTION
    B, T, _ = xs.shape
    h = np.zeros((B, W.shape[0]))
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
    return h @ V + c
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "many_to_one_forward_test", "points": 2}
check("many_to_one_forward", many_to_one_forward)
### BEGIN HIDDEN TESTS
check("many_to_one_forward", many_to_one_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4.5 Encoder-decoder
#
# The aligned many-to-many model has one output per input step. Translation ("the cat sat" has
# three words, "die Katze sass" too, but most sentence pairs do not) and multi-step forecasting
# need a different number of output steps. The encoder-decoder solves this with two RNNs:
#
# 1. the **encoder** reads the whole input $x_1 \dots x_{T_{in}}$ and produces nothing but its
#    final state $h^{enc}_{T_{in}}$, a fixed-size summary of the input;
# 2. the **decoder** starts from that state, $h^{dec}_0 = h^{enc}_{T_{in}}$, and runs for as many
#    steps as the output needs; at each step a dense layer turns its state into an output.
#
# The decoder has its own weights. During training it reads the previous *correct* output
# (teacher forcing); when generating, it reads its own previous prediction instead. Let us check
# in the Keras model that the decoder really depends on the encoder's input: change only the
# encoder's input and the decoder's outputs change.

# %%
other_x = rng.standard_normal(x_seq.shape).astype("float32")
change = np.abs(np.asarray(seq2seq([x_seq, y_in])) - np.asarray(seq2seq([other_x, y_in]))).max()
print(f"largest change of the decoder outputs when only the encoder input changes: {change:.3f}")
assert change > 1e-3, "the decoder should depend on what the encoder read"

# %% [markdown]
# ### Exercise 4.3 (3 points, core): encoder-decoder forward pass
#
# Write `seq2seq_forward(xs, ys_in, enc, dec, V, c)`. `enc` and `dec` are dictionaries of the
# two simple RNNs' weights, `enc["U"] (D_in, H)`, `dec["U"] (D_out, H)`, and both have `"W" (H, H)`
# and `"b" (H,)`. The encoder reads `xs (batch, T_in, D_in)` from a zero state; the decoder starts
# from the encoder's final state and reads `ys_in (batch, T_out, D_out)`; return the dense outputs
# `h V + c` of every decoder step, shape `(batch, T_out, K)`.

# %% nbgrader={"solution": true, "grade_id": "seq2seq_forward"}
def seq2seq_forward(xs, ys_in, enc, dec, V, c):
    """Encoder RNN over xs (B, T_in, D_in); decoder RNN from its final state over ys_in
    (B, T_out, D_out); dense layer on every decoder state: returns (B, T_out, K)."""
    ### BEGIN SOLUTION
    B, T_in, _ = xs.shape
    h_enc = np.zeros((B, enc["W"].shape[0]))
    for t in range(T_in):
        h_enc = np.tanh(xs[:, t] @ enc["U"] + h_enc @ enc["W"] + enc["b"])
    h = h_enc
    outputs = []
    for t in range(ys_in.shape[1]):
        h = np.tanh(ys_in[:, t] @ dec["U"] + h @ dec["W"] + dec["b"])
        outputs.append(h @ V + c)
    return np.stack(outputs, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "seq2seq_forward_test", "points": 3}
check("seq2seq_forward", seq2seq_forward)
### BEGIN HIDDEN TESTS
check("seq2seq_forward", seq2seq_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4.6 Question 4.1 (2 points, written, core)
#
# An encoder-decoder squeezes the whole input sequence into one state vector of `units` numbers
# before the decoder writes its first output. Explain (a) why this becomes a problem as the input
# sequences get longer, and (b) why an aligned many-to-many model (`return_sequences=True` plus a
# `Dense` layer) cannot be used for translation even though it has an output at every step. Name
# one remedy for (a).

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_bottleneck", "points": 2}
# **Model answer.** (a) The decoder sees the input only through the encoder's final state, a
# fixed number of values however long the input is. Information from early steps has to survive
# every later update of the state; with long inputs it is overwritten (and, during training, the
# gradient that would teach the encoder to keep it vanishes over the many steps), so the decoder
# works from a lossy summary and quality drops with input length. (b) The aligned model emits its
# output at step t after reading only $x_1 \dots x_t$, and it must emit exactly one output per
# input step. Translation needs outputs whose number differs from the input's and whose order
# differs (a verb at the end of a German sentence may depend on the last English word), so the
# whole input must be read before writing. Remedies for (a): attention (the decoder looks at all
# encoder states at every step), a larger state or LSTM/GRU cells that keep information longer,
# reading the input reversed or with a bidirectional encoder.
#
# *Grading: 1 point for the fixed-size bottleneck argument in (a) with a remedy, 1 point for
# naming the length and causality constraint in (b).*

# %% [markdown]
# ## 4.7 Bidirectional RNN (optional)
#
# Every model so far reads left to right, so its state at step $t$ knows $x_1 \dots x_t$ and
# nothing after. For tagging the words of a sentence that is a handicap: whether "bank" is a
# river bank or a money bank is often decided by the words *after* it. A **bidirectional** RNN
# runs two independent RNNs over the same input:
#
# - a forward RNN reads $x_1, \dots, x_T$ and gives $\overrightarrow{h}_t$ (it has read
#   $x_1 \dots x_t$);
# - a backward RNN, with its own weights, reads the reversed sequence $x_T, \dots, x_1$ and gives
#   $\overleftarrow{h}_t$ (it has read $x_T \dots x_t$).
#
# The output at step $t$ is the two side by side, $[\overrightarrow{h}_t; \overleftarrow{h}_t]$,
# shape `(batch, time, 2 * units)`: one state that has seen the whole sequence. The one trap is
# the order: the backward RNN produces its states in *its* reading order, state 0 after $x_T$.
# Before concatenating they must be reversed back, so that step $t$ of both halves describes
# position $t$. Keras' `Bidirectional` wrapper does exactly this:

# %%
bi = keras.layers.Bidirectional(keras.layers.SimpleRNN(units, return_sequences=True))
bi_keras = np.asarray(bi(x_seq))
_, p_fwd = keras_bridge.params_from_layer(bi.forward_layer)
_, p_bwd = keras_bridge.params_from_layer(bi.backward_layer)
hs_fwd, _ = bptt.forward("rnn", x_seq, p_fwd)
hs_bwd_read, _ = bptt.forward("rnn", x_seq[:, ::-1], p_bwd)  # state 0 has read x_T only
bi_numpy = np.concatenate([hs_fwd, hs_bwd_read[:, ::-1]], axis=-1)  # back in the input's order
print("Keras Bidirectional output:", bi_keras.shape, " largest difference to numpy:", np.abs(bi_numpy - bi_keras).max())
assert bi_keras.shape == (batch, time, 2 * units)
assert np.allclose(bi_numpy, bi_keras, atol=1e-5), "Bidirectional = forward states, then the re-reversed backward states"
assert not np.allclose(np.concatenate([hs_fwd, hs_bwd_read], axis=-1), bi_keras, atol=1e-3), \
    "without reversing back, the backward half is in the wrong order"

# %% [markdown]
# A bidirectional layer fits tasks where the whole input is there before any output is needed
# (tagging, classifying a review, the encoder of a translation model), and not generation: the
# backward half would need the future characters it is supposed to predict.
#
# ### Exercise 4.4 (2 points, optional): a bidirectional RNN
#
# Write `birnn_forward(xs, fwd, bwd)`. `xs` is `(batch, T, D)`; `fwd` and `bwd` are dictionaries of
# two simple RNNs' weights, each with `"U" (D, H)`, `"W" (H, H)` and `"b" (H,)`. Run the forward RNN
# over `xs` and the backward RNN over the reversed sequence, both from a zero state, and return
# `hs` of shape `(batch, T, 2H)`: the forward states in `hs[:, :, :H]`, the backward ones, put back
# in the input's order, in `hs[:, :, H:]`. Numpy only: write the loop here (a helper function
# for one direction is a good idea; the grader replays this notebook only, so do not rely on
# notebook 2's `rnn_forward`).

# %% nbgrader={"solution": true, "grade_id": "birnn_forward"}
def birnn_forward(xs, fwd, bwd):
    """Bidirectional simple RNN over xs (B, T, D): returns hs (B, T, 2H), forward then backward."""
    ### BEGIN SOLUTION
    def states(xs, p):
        h = np.zeros((xs.shape[0], p["W"].shape[0]))
        out = []
        for t in range(xs.shape[1]):
            h = np.tanh(xs[:, t] @ p["U"] + h @ p["W"] + p["b"])
            out.append(h)
        return np.stack(out, axis=1)

    hs_f = states(xs, fwd)
    hs_b = states(xs[:, ::-1], bwd)
    return np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "birnn_forward_test", "points": 2}
check("birnn_forward", birnn_forward)
### BEGIN HIDDEN TESTS
check("birnn_forward", birnn_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 4.8 A first look at attention (optional)
#
# Question 4.1 names the encoder-decoder's weak point: the decoder sees the input only through
# the encoder's final state. **Attention** lets the decoder look back at *every* encoder state
# $h_1, \dots, h_T$ at each of its steps, and decide which ones matter now. For one decoder step
# with state $s$, the simplest version (dot-product attention) is three lines:
#
# 1. a score per encoder step, how well $h_t$ matches what the decoder is looking for:
#    $e_t = h_t \cdot s$;
# 2. weights that are positive and sum to 1, a softmax over the encoder steps:
#    $a_t = e^{e_t} / \sum_{t'} e^{e_{t'}}$;
# 3. the **context**, the weighted average of the encoder states: $c = \sum_t a_t h_t$.
#
# The decoder then uses $c$ along with its own state (for instance $[s; c]$ into its output
# layer), so that its input summary changes at every output step. There is more to come: learned
# scoring functions, attention inside the encoder itself, and the Transformer, which keeps only
# the attention and drops the recurrence.
#
# ### Exercise 4.5 (2 points, optional): one step of dot-product attention
#
# Write `attention_step(s, hs)`: `s` is the decoder state `(batch, H)`, `hs` the encoder states
# `(batch, T, H)`. Return `weights` `(batch, T)` (each row sums to 1) and `context` `(batch, H)`.
# Subtract each row's largest score before the `np.exp`, as in every softmax.

# %% nbgrader={"solution": true, "grade_id": "attention_step"}
def attention_step(s, hs):
    """Dot-product attention: s (B, H), hs (B, T, H) -> weights (B, T), context (B, H)."""
    ### BEGIN SOLUTION
    scores = np.einsum("bth,bh->bt", hs, s)  # e[b, t] = hs[b, t] . s[b]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = e / e.sum(axis=1, keepdims=True)
    context = np.einsum("bt,bth->bh", weights, hs)  # sum over t of a_t h_t
    return weights, context
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "attention_step_test", "points": 2}
check("attention_step", attention_step)
### BEGIN HIDDEN TESTS
check("attention_step", attention_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Where does a decoder look? Take the encoder of the Keras `seq2seq` model over a longer input of
# 12 steps, and, to see the mechanism, a decoder state that resembles the encoder's state at step
# 4 (a copy with a little noise). The weights, computed with rnnkit's softmax, pick out that step:

# %%
_, p_enc = keras_bridge.params_from_layer(seq2seq.get_layer("encoder"))
x_long = rng.standard_normal((1, 12, features)).astype("float32")
hs_enc, _ = bptt.forward("rnn", x_long, p_enc)  # (1, 12, units)
s_dec = 4.0 * (hs_enc[:, 3] + 0.1 * rng.standard_normal((1, units)))  # resembles step 4, sharpened
att_weights = bptt.softmax(np.einsum("bth,bh->bt", hs_enc, s_dec))[0]

fig, ax = plt.subplots(figsize=(7, 2.8), layout="constrained")
ax.bar(np.arange(1, 13), att_weights)
ax.set_xticks(np.arange(1, 13))
ax.set_xlabel("encoder step $t$")
ax.set_ylabel("attention weight $a_t$")
ax.set_title("One decoder step attends to the encoder state it resembles");
assert np.isclose(att_weights.sum(), 1.0)
assert att_weights.argmax() == 3, "the decoder state was built to resemble encoder step 4"

# %% [markdown]
# ## Summary
#
# - The recurrent cell is the same in every wiring; the wiring is *which steps feed inputs in and
#   which steps we read outputs from*.
# - `return_sequences=True` keeps the time axis: `(batch, time, units)`; otherwise the layer
#   returns the last state `(batch, units)`. `return_state=True` adds the final state(s): one for
#   SimpleRNN and GRU, `h` and `c` for an LSTM.
# - A recurrent layer needs 3-D input: every recurrent layer in a stack except the last needs
#   `return_sequences=True`, or Keras reports `expected ndim=3, found ndim=2`.
# - The encoder-decoder decouples input and output lengths by handing the encoder's final state to
#   a second RNN. The next notebook replaces the simple cell by the LSTM, which can carry
#   information over many more steps.
# - (Optional) A bidirectional RNN concatenates a forward and a backward RNN, the backward states
#   reversed back so that step t of both halves describes position t. Attention replaces the
#   single summary state by a weighted average of all encoder states, recomputed at every decoder
#   step.
