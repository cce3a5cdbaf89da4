# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 5. The LSTM: a memory cell with gates
#
# A simple RNN overwrites its whole state at every step: $h_t = \tanh(x_t U + h_{t-1} W + b)$.
# Whatever it saw fifty steps ago has been squeezed through fifty `tanh`s and fifty
# multiplications by $W$, and so has the gradient that should teach it to keep that information.
# The long short-term memory (LSTM) adds a second state, the **cell state** $c_t$, which changes
# only by elementwise scaling and addition, controlled by three gates.
#
# After this notebook you can
#
# - compute one LSTM step and its gradient by hand, with the lecture's gate names;
# - map the lecture's weights onto Keras' `LSTM` (which stores the gates in another order) and
#   get the same numbers to the last digit;
# - add peephole connections;
# - show on a long-range dependency task that an LSTM learns what a simple RNN cannot, and look
#   inside its gates while it does.
#
# **Time.** Core: about 35 minutes (sections 5.1, 5.3, 5.5 and 5.6, Exercises 5.1 and 5.3,
# Question 5.1). Optional, for strong students: Exercise 5.2 (the backward step) and section
# 5.4 with Exercise 5.4 (peepholes), about 40 minutes.

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import keras

from rnnkit import bptt, cells, gradcheck, layouts
from rnnkit.data import long_gap_task
from rnnkit.plots import plot_gate_heatmap, plot_training_curves
from rnnkit.checking import check

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 5.1 One LSTM step
#
# With $x_t$ of shape `(batch, D)` and the states $h_{t-1}, c_{t-1}$ of shape `(batch, H)`:
#
# $$
# \begin{aligned}
# f_t &= \sigma(x_t U_f + h_{t-1} W_f + b_f) && \text{forget gate: how much of } c_{t-1} \text{ to keep}\\
# i_t &= \sigma(x_t U_i + h_{t-1} W_i + b_i) && \text{input gate: how much of the candidate to write}\\
# g_t &= \tanh(x_t U_g + h_{t-1} W_g + b_g) && \text{candidate values, in } (-1, 1)\\
# o_t &= \sigma(x_t U_o + h_{t-1} W_o + b_o) && \text{output gate: how much of the cell to show}\\
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t\\
# h_t &= o_t \odot \tanh(c_t)
# \end{aligned}
# $$
#
# Each of the four gates has its own $U\ (D, H)$, $W\ (H, H)$ and $b\ (H,)$: four times the
# weights of a simple RNN of the same size. $f$, $i$ and $o$ are sigmoids, numbers between 0 and 1
# that act as soft switches, one per hidden unit; the candidate $g$ is a `tanh`, so it can write
# negative as well as positive values. rnnkit keeps the twelve arrays in a dictionary:

# %%
D, H, B = 3, 4, 2
p = cells.init_params("lstm", D, H, seed=0)
print({name: value.shape for name, value in p.items()})

x = rng.standard_normal((B, D))
h_prev, c_prev = rng.uniform(-0.5, 0.5, (B, H)), rng.standard_normal((B, H))  # a step mid-sequence
h, c, cache = cells.lstm_step(x, h_prev, c_prev, p)
print("h =", h.round(3), "\nc =", c.round(3))
print("forget gate f =", cache["f"].round(3))

# %% [markdown]
# `init_params` starts the forget-gate bias at $b_f = 1$ (Keras does the same), so at first
# $f \approx \sigma(1) \approx 0.73$: the new cell starts out keeping about three quarters of
# its memory per step rather than half.
#
# ### Exercise 5.1 (3 points, core): the forward step
#
# Write `lstm_step_forward(x, h_prev, c_prev, p)` returning `(h, c)`. `p` is a dictionary with
# the keys `U_f W_f b_f U_i W_i b_i U_g W_g b_g U_o W_o b_o`. Use numpy only; define the sigmoid
# yourself inside the function.

# %% nbgrader={"solution": true, "grade_id": "lstm_step_forward"}
def lstm_step_forward(x, h_prev, c_prev, p):
    """One LSTM step. x (B, D), h_prev (B, H), c_prev (B, H), p dict of the gates' U, W, b.

    Returns (h (B, H), c (B, H)).
    """
    ### BEGIN SOLUTION
    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "lstm_step_forward_test", "points": 3}
check("lstm_step_forward", lstm_step_forward)
### BEGIN HIDDEN TESTS
check("lstm_step_forward", lstm_step_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5.2 Backward through an LSTM step
#
# Going backwards, two gradients arrive at step $t$: $\partial L/\partial h_t$ (call it `dh`,
# from the output layer and from step $t+1$) and $\partial L/\partial c_t$ (`dc`, from step
# $t+1$ only). The trick is to collect everything that reaches $c_t$ first:
#
# $$ \bar{dc}_t = dc + dh \odot o_t \odot (1 - \tanh^2 c_t). $$
#
# Then each product rule gives one line: $do = dh \odot \tanh c_t$, $df = \bar{dc}_t \odot c_{t-1}$,
# $di = \bar{dc}_t \odot g_t$, $dg = \bar{dc}_t \odot i_t$, and the gradient passed to the previous
# cell state is
#
# $$ \frac{\partial L}{\partial c_{t-1}} = \bar{dc}_t \odot f_t . $$
#
# This last line is the reason the LSTM works: along the cell state the gradient is only
# multiplied elementwise by the forget gate, with no weight matrix and no `tanh` derivative in
# between. If the network learns $f \approx 1$ for a unit, the gradient passes through that unit
# almost unchanged for many steps. (A simple RNN multiplies by $W^\top$ and $1 - h^2$ at every
# step instead.)
#
# Multiply each gate's gradient by its activation's derivative ($\sigma' = \sigma(1-\sigma)$,
# $\tanh' = 1 - \tanh^2$) to get the pre-activation gradients $da_f, da_i, da_g, da_o$, and the rest
# is the same as for a dense layer: $dU_k = x^\top da_k$, $dW_k = h_{t-1}^\top da_k$,
# $db_k = \sum_{batch} da_k$, $dx = \sum_k da_k U_k^\top$, $dh_{t-1} = \sum_k da_k W_k^\top$.
#
# rnnkit's `lstm_step_backward` implements this; before you write your own, convince yourself
# that it agrees with centred differences:

# %%
dh, dc = rng.standard_normal((B, H)), rng.standard_normal((B, H))


def loss():
    h, c, _ = cells.lstm_step(x, h_prev, c_prev, p)
    return float(np.sum(h * dh) + np.sum(c * dc))  # a loss whose dL/dh is dh and dL/dc is dc


_, _, _, grads = cells.lstm_step_backward(dh, dc, cells.lstm_step(x, h_prev, c_prev, p)[2])
report = gradcheck.check_gradients(loss, p, grads)
print(report)
assert max(err for err, _ in report.values()) < 1e-6

# %% [markdown]
# ### Exercise 5.2 (4 points, optional): the backward step
#
# Write `lstm_step_backward(dh, dc, x, h_prev, c_prev, p)`. Recompute the forward step inside the
# function (the grader passes plain arrays, no cache), then return
# `(dx, dh_prev, dc_prev, dU, dW, db)`, where the weight gradients of the four gates are placed
# side by side in the order of the keys of `p`, f, i, g, o:
# `dU = np.concatenate([dU_f, dU_i, dU_g, dU_o], axis=1)` of shape `(D, 4H)`, likewise `dW`
# `(H, 4H)` and `db` `(4H,)`.

# %% nbgrader={"solution": true, "grade_id": "lstm_step_backward"}
def lstm_step_backward(dh, dc, x, h_prev, c_prev, p):
    """Gradient of one LSTM step; dh, dc (B, H) are dL/dh_t and dL/dc_t.

    Returns (dx (B, D), dh_prev (B, H), dc_prev (B, H), dU (D, 4H), dW (H, 4H), db (4H,)),
    the weight gradients' blocks in the order f, i, g, o.
    """
    ### BEGIN SOLUTION
    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"])
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"])
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)

    dct = dc + dh * o * (1 - tanh_c**2)
    da = {
        "f": dct * c_prev * f * (1 - f),
        "i": dct * g * i * (1 - i),
        "g": dct * i * (1 - g**2),
        "o": dh * tanh_c * o * (1 - o),
    }
    dc_prev = dct * f
    gates = ["f", "i", "g", "o"]
    dx = sum(da[k] @ p["U_" + k].T for k in gates)
    dh_prev = sum(da[k] @ p["W_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([h_prev.T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dc_prev, dU, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "lstm_step_backward_test", "points": 4}
check("lstm_step_backward", lstm_step_backward)
### BEGIN HIDDEN TESTS
check("lstm_step_backward", lstm_step_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5.3 The same LSTM in Keras: gate order
#
# `keras.layers.LSTM` computes exactly the equations above, but it stores the weights of all
# four gates in three arrays: `kernel` $(D, 4H)$ holds the four $U$ side by side,
# `recurrent_kernel` $(H, 4H)$ the four $W$, `bias` $(4H,)$ the four $b$. The column blocks come in
# the order **i, f, c, o**: input gate first, then forget gate, then the candidate (which Keras
# calls `c`, our $g$), then the output gate. `rnnkit.keras_bridge` does the reordering, so we can
# load our parameters into Keras and compare a whole sequence:

# %%
xs = rng.standard_normal((B, 6, D))
layer = keras_bridge.keras_layer("lstm", p, dtype="float64")  # return_sequences=True
hs_keras = np.asarray(layer(xs))
hs_rnnkit, _ = bptt.forward("lstm", xs, p)
print("largest difference, Keras vs rnnkit:", np.abs(hs_keras - hs_rnnkit).max())
assert np.allclose(hs_keras, hs_rnnkit, rtol=1e-12, atol=1e-12)

# %%
kernel, recurrent_kernel, bias = layer.get_weights()
print("kernel", kernel.shape, " recurrent_kernel", recurrent_kernel.shape, " bias", bias.shape)
for k, gate in enumerate(["i", "f", "c", "o"]):
    lecture_name = "U_" + ("g" if gate == "c" else gate)
    block = kernel[:, k * H:(k + 1) * H]
    print(f"kernel columns {k * H:2d}..{(k + 1) * H - 1:2d}: Keras '{gate}' == rnnkit {lecture_name}:",
          np.array_equal(block, p[lecture_name]))

# %% [markdown]
# The bias shows the layout best, because `init_params` sets only the forget gate's bias to 1:

# %%
fig, ax = plt.subplots(figsize=(8, 1.6))
ax.imshow(bias[None, :], cmap="Blues", vmin=0, vmax=1, aspect="auto")
for k, gate in enumerate(["i", "f", "c (= g)", "o"]):
    ax.axvline(k * H - 0.5, color="k")
    ax.text(k * H + H / 2 - 0.5, 0, gate, ha="center", va="center", fontsize=12,
            color="white" if gate == "f" else "black")
ax.set_yticks([])
ax.set_xlabel("column of Keras' bias (4H,): the forget gate's block is the second")
ax.set_title("Keras LSTM weight layout");

# %% [markdown]
# Getting this order wrong does not raise an error: the shapes all fit, and the model silently
# computes a different function (for example one whose "forget gate" is really the input gate).
# That is why a numerical comparison like the one above is worth the two lines it costs.
#
# ### Exercise 5.3 (2 points, core): the Keras layout
#
# Write `keras_lstm_weights(p)` returning the tuple `(kernel, recurrent_kernel, bias)` that a
# `keras.layers.LSTM` needs for the parameters `p`. Use numpy only (no `keras_bridge`).

# %% nbgrader={"solution": true, "grade_id": "keras_lstm_weights"}
def keras_lstm_weights(p):
    """Lecture LSTM parameters -> (kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,)) with
    column blocks in Keras' order i, f, c (our g), o."""
    ### BEGIN SOLUTION
    order = ["i", "f", "g", "o"]
    kernel = np.concatenate([p["U_" + k] for k in order], axis=1)
    recurrent_kernel = np.concatenate([p["W_" + k] for k in order], axis=1)
    bias = np.concatenate([p["b_" + k] for k in order])
    return kernel, recurrent_kernel, bias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "keras_lstm_weights_test", "points": 2}
check("keras_lstm_weights", keras_lstm_weights)
### BEGIN HIDDEN TESTS
check("keras_lstm_weights", keras_lstm_weights, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5.4 Peephole connections
#
# In the LSTM above the gates decide from $x_t$ and $h_{t-1}$ only; they never see the cell state
# itself, only its squashed and gated copy $h_{t-1}$. Gers and Schmidhuber's *peephole* LSTM lets
# each gate look at the cell through one extra weight per unit ($P_f, P_i, P_o$, each $(H,)$,
# multiplied elementwise):
#
# $$
# \begin{aligned}
# f_t &= \sigma(x_t U_f + h_{t-1} W_f + b_f + P_f \odot c_{t-1})\\
# i_t &= \sigma(x_t U_i + h_{t-1} W_i + b_i + P_i \odot c_{t-1})\\
# o_t &= \sigma(x_t U_o + h_{t-1} W_o + b_o + P_o \odot c_t)
# \end{aligned}
# $$
#
# Note the last line: the output gate is computed after the cell update and looks at the **new**
# cell state $c_t$. The candidate $g_t$ and the updates of $c_t$ and $h_t$ do not change. In rnnkit
# a parameter dictionary with `P_f, P_i, P_o` makes every function compute the peephole LSTM; Keras
# 3 has no peephole layer, so `rnnkit.keras_bridge` provides `PeepholeLSTMCell` (for
# `keras.layers.RNN`) with the same maths:

# %%
pp = cells.init_params("lstm", D, H, peephole=True, seed=1)
peephole_cell = keras_bridge.PeepholeLSTMCell(H, dtype="float64")
peephole_rnn = keras.layers.RNN(peephole_cell, return_sequences=True, dtype="float64")
peephole_rnn.build((None, None, D))
peephole_rnn.set_weights(layouts.to_keras_weights("lstm", pp))

hs_peep_keras = np.asarray(peephole_rnn(xs))
hs_peep_rnnkit, _ = bptt.forward("lstm", xs, pp)
print("largest difference, PeepholeLSTMCell vs rnnkit:", np.abs(hs_peep_keras - hs_peep_rnnkit).max())
assert np.allclose(hs_peep_keras, hs_peep_rnnkit, rtol=1e-12, atol=1e-12)

# %% [markdown]
# Peepholes are cheap: $3H$ extra numbers on top of the plain LSTM's $4H(D + H + 1)$.

# %%
print("plain LSTM:   ", layouts.param_count("lstm", D, H), "parameters; Keras counts",
      layer.count_params())
print("peephole LSTM:", layouts.param_count("lstm", D, H, peephole=True), "parameters; Keras counts",
      peephole_rnn.count_params())
assert layouts.param_count("lstm", D, H, peephole=True) == peephole_rnn.count_params()

# %% [markdown]
# ### Exercise 5.4 (2 points, optional): a peephole step
#
# Write `peephole_lstm_step(x, h_prev, c_prev, p)` returning `(h, c)`, where `p` has the twelve
# LSTM arrays plus `P_f`, `P_i`, `P_o`. Numpy only. The step is your `lstm_step_forward` with
# three extra terms, so reuse what you already wrote: start from that function's body (the
# candidate $g$ and the cell update do not change) and add the peephole terms to $f$, $i$ and
# $o$. Any helper you defined in an earlier cell of this notebook may be called too.

# %% nbgrader={"solution": true, "grade_id": "peephole_lstm_step"}
def peephole_lstm_step(x, h_prev, c_prev, p):
    """One peephole LSTM step. x (B, D), h_prev, c_prev (B, H); p with U_*, W_*, b_* and
    P_f, P_i, P_o (H,). Returns (h (B, H), c (B, H))."""
    ### BEGIN SOLUTION
    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    f = sigmoid(x @ p["U_f"] + h_prev @ p["W_f"] + p["b_f"] + p["P_f"] * c_prev)
    i = sigmoid(x @ p["U_i"] + h_prev @ p["W_i"] + p["b_i"] + p["P_i"] * c_prev)
    g = np.tanh(x @ p["U_g"] + h_prev @ p["W_g"] + p["b_g"])
    c = f * c_prev + i * g
    o = sigmoid(x @ p["U_o"] + h_prev @ p["W_o"] + p["b_o"] + p["P_o"] * c)
    h = o * np.tanh(c)
    return h, c
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "peephole_lstm_step_test", "points": 2}
check("peephole_lstm_step", peephole_lstm_step)
### BEGIN HIDDEN TESTS
check("peephole_lstm_step", peephole_lstm_step, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 5.5 Remembering across a long gap
#
# Now the experiment the LSTM was invented for. `long_gap_task(n, gap)` makes sequences of
# `gap + 1` steps with 3 features. Step 0 carries the label as a one-hot marker in features 0 and
# 1, plus a start flag in feature 2. The next `gap` steps put random noise into the same two
# features (and 0 into the flag), so the distractors enter the network through the very weights
# that read the marker. The model reads the whole sequence and must output the label from its
# **last** state: it has to carry one bit across `gap` steps of noise.

# %%
NOISE = 2.0  # standard deviation of the distractors (the marker is 1)
X_pool, y_pool = long_gap_task(20, gap=20, seed=0, noise=NOISE)
shown = [int(i) for label in (0, 1) for i in np.flatnonzero(y_pool == label)[:2]]  # two of each label
X_demo, y_demo = X_pool[shown], y_pool[shown]
assert sorted(set(y_demo.tolist())) == [0, 1], "the picture should show sequences of both labels"
fig, axes = plt.subplots(1, len(shown), figsize=(11, 2.2), sharey=True)
for ax, seq, label in zip(axes, X_demo, y_demo):
    ax.imshow(seq.T, aspect="auto", cmap="RdBu", vmin=-2, vmax=2)
    ax.set_title(f"label {label}: marker in feature {np.argmax(seq[0, :2])}")
    ax.set_xlabel("time step")
axes[0].set_yticks([0, 1, 2], ["feature 0", "feature 1", "start flag"])
fig.tight_layout()

# %% [markdown]
# Both models get the same budget: the same number of hidden units, the same data, optimiser and
# number of updates, and both start from rnnkit's `init_params` loaded into Keras through the
# bridge. One thing differs on purpose: we start the LSTM's forget-gate bias at $b_f = 4.5$
# instead of 1. A forget gate that stays at $f$ keeps a fraction $f^t$ of what was written $t$
# steps ago: with $f = \sigma(1) \approx 0.73$ that is about $4 \cdot 10^{-6}$ after 40 steps,
# with $f = \sigma(4.5) \approx 0.989$ it is about 0.64. Choosing the forget bias from the time
# scale a task needs is a known trick (the "chrono" initialisation of Tallec and Ollivier, 2018,
# derives it from the longest dependency expected). The simple RNN has no such knob: that is the
# point of the comparison. (Once you have finished the notebook, try `FORGET_BIAS = 1.0` and see
# what the LSTM makes of the same budget.)

# %%
UNITS, N_TRAIN, N_TEST, EPOCHS, BATCH = 32, 2000, 500, 4, 64
FORGET_BIAS = 4.5
GAPS = (5, 20, 40)

kept = {bias: (1 / (1 + np.exp(-bias))) ** 40 for bias in (1.0, FORGET_BIAS)}  # f^40
print({f"b_f = {bias}": f"f^40 = {value:.2g}" for bias, value in kept.items()})
assert 3e-6 < kept[1.0] < 5e-6 and abs(kept[FORGET_BIAS] - 0.64) < 0.01, "the fractions f^40 quoted above"


def make_model(kind, gap, seed=0):
    """A recurrent layer (rnnkit init, loaded through the bridge) and a 2-class dense head."""
    keras.utils.set_random_seed(seed)
    p = cells.init_params(kind, 3, UNITS, seed=seed, dtype=np.float32)
    if kind == "lstm":
        p["b_f"][:] = FORGET_BIAS
    rnn = keras_bridge.keras_layer(kind, p, return_sequences=False)
    model = keras.Sequential([keras.Input((gap + 1, 3)), rnn, keras.layers.Dense(2)])
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        steps_per_execution=N_TRAIN // BATCH,  # one call into TensorFlow per epoch: less overhead
    )
    return model


def train(kind, gap, seed=0):
    """Train on a fresh long-gap data set; return the model, its history and its test accuracy."""
    X, y = long_gap_task(N_TRAIN, gap, seed=seed, noise=NOISE)
    model = make_model(kind, gap, seed)
    history = model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    X_test, y_test = long_gap_task(N_TEST, gap, seed=seed + 1000, noise=NOISE)  # unseen sequences
    accuracy = np.mean(np.argmax(np.asarray(model(X_test)), axis=-1) == y_test)
    return model, history.history, float(accuracy)


# %% [markdown]
# Each training run takes a few seconds:

# %%
results, histories, models = {}, {}, {}
for gap in GAPS:
    for kind, label in (("rnn", "simple RNN"), ("lstm", "LSTM")):
        models[label, gap], histories[label, gap], results[label, gap] = train(kind, gap)
        print(f"gap {gap:3d}  {label:<10}  test accuracy {results[label, gap]:.3f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for label, marker in (("simple RNN", "o"), ("LSTM", "s")):
    axes[0].plot(GAPS, [results[label, gap] for gap in GAPS], marker=marker, label=label)
axes[0].axhline(0.5, color="grey", linestyle=":", label="chance")
axes[0].set(xlabel="gap (distractor steps)", ylabel="test accuracy", ylim=(0.4, 1.02),
            title="Remembering one bit across a gap")
axes[0].legend()
plot_training_curves({f"{label}, gap {GAPS[-1]}": histories[label, GAPS[-1]] for label in ("simple RNN", "LSTM")},
                     metric="accuracy", ax=axes[1])
axes[1].set_title(f"training accuracy per epoch at gap {GAPS[-1]}")
fig.tight_layout()

# %% [markdown]
# At the short gap both models solve the task. As the gap grows the simple RNN falls to chance:
# the marker has to survive dozens of `tanh` updates driven by noise, and the gradient that
# could teach it to protect the marker shrinks with every step it travels back. The LSTM keeps
# the bit in its cell state. The cell below checks this claim on every run of the notebook:

# %%
longest = GAPS[-1]
lstm_acc, rnn_acc = results["LSTM", longest], results["simple RNN", longest]
shortest = GAPS[0]
assert min(results["simple RNN", shortest], results["LSTM", shortest]) >= 0.9, (
    f"both models should solve the short gap {shortest}: {results['simple RNN', shortest]:.2f}, {results['LSTM', shortest]:.2f}")
assert lstm_acc >= 0.8, f"the LSTM should solve gap {longest}; it reached only {lstm_acc:.2f}"
assert rnn_acc < 0.6, f"at gap {longest} the simple RNN should be at chance (0.5), got {rnn_acc:.2f}"
assert lstm_acc - rnn_acc >= 0.25, (
    f"at gap {longest} the LSTM ({lstm_acc:.2f}) should beat the simple RNN ({rnn_acc:.2f}) by a clear margin")
print(f"gap {longest}: LSTM {lstm_acc:.3f} vs simple RNN {rnn_acc:.3f}")

# %% [markdown]
# ## 5.6 Looking inside the gates
#
# How does the trained LSTM do it? `keras_bridge.params_from_layer` reads Keras' weights back into
# the lecture's dictionary, `bptt.forward` runs them over test sequences, and `bptt.gate_values`
# returns the gate activations and cell states at every step, each `(batch, time, hidden)`.

# %%
trained = models["LSTM", longest]
kind, p_trained = keras_bridge.params_from_layer(trained.layers[0])
X_test, y_test = long_gap_task(200, longest, seed=7, noise=NOISE)
hs, cache = bptt.forward("lstm", X_test, p_trained)
gates = bptt.gate_values(cache)

# Our numpy forward pass reproduces the trained Keras layer.
assert np.allclose(hs[:, -1], np.asarray(trained.layers[0](X_test)), atol=1e-4)

fig = plot_gate_heatmap({name: gates[name][0] for name in ("f", "i", "o")},
                        title=f"LSTM gates on one sequence (label {y_test[0]}), gap {longest}")

# %% [markdown]
# Each column is a time step, each row a hidden unit. The forget gates stay close to 1 for the
# whole sequence: they started there ($b_f = 4.5$) and training kept them open, because closing
# them would erase what the cell holds. In this run the input and output gates flicker with the
# noise: the network did not learn to shut its input gate during the distractors. So where is the bit? Look
# at the cell state itself: below, one line per test sequence for the hidden unit whose final
# cell state tracks the label most closely.

# %%
c = gates["c"]  # (batch, time, hidden)
corr = np.array([np.corrcoef(c[:, -1, u], y_test)[0, 1] for u in range(UNITS)])
unit = int(np.argmax(np.abs(corr)))
print("mean forget gate per unit, sorted:", np.sort(gates["f"].mean(axis=(0, 1))).round(2))
print(f"unit {unit}: correlation of the final cell state with the label {corr[unit]:+.2f}")

fig, ax = plt.subplots(figsize=(8, 3.2))
for label, colour in ((0, "tab:blue"), (1, "tab:red")):
    ax.plot(c[y_test == label][:25, :, unit].T, color=colour, alpha=0.4, lw=1)
    ax.plot([], [], color=colour, label=f"label {label}")
ax.set(xlabel="time step t", ylabel=f"cell state $c_t$ of unit {unit}",
       title="The label, read at step 0, is still in the cell state at the end")
ax.legend()
assert abs(corr[unit]) > 0.6, "some unit's final cell state should follow the label"
assert gates["f"].mean() > 0.9, "the forget gates should have stayed open"

# %% [markdown]
# The two labels send the cell state on different paths from the first step on, and the noise
# blurs the paths without mixing them: the marker is carried through the additive path
# $c_t = f \odot c_{t-1} + i \odot g$, along which the gradient also travelled during training.
# (This network did not find the textbook solution "write at step 0, then hold still": the
# marker changes how the later writes add up, which separates the labels just as well.)

# %% [markdown]
# ## 5.7 Question 5.1 (2 points, written, core)
#
# (a) Using the backward equations of section 5.2, explain why the gradient of the loss with
# respect to $c_0$ can stay large across 40 steps in an LSTM but not, in general, the gradient
# with respect to $h_0$ in a simple RNN. (b) We initialised the LSTM's forget bias to 4.5. What do
# you expect if it were initialised to $-4$ instead, and why?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_cell_state_gradient", "points": 2}
# **Model answer.** (a) Along the cell state, $\partial L/\partial c_{t-1} = \bar{dc}_t \odot f_t$:
# going back $k$ steps multiplies the gradient elementwise by $f_t f_{t-1} \cdots f_{t-k+1}$ (plus
# other paths through $h$). No weight matrix and no activation derivative appear on this path,
# so if the forget gates of a unit are close to 1 the product stays close to 1 and the gradient
# survives many steps. In a simple RNN every step back multiplies by
# $\mathrm{diag}(1 - h_t^2)\, W^\top$; the `tanh` derivative is at most 1 and far below it when the
# unit saturates, so unless $W$ is tuned exactly the product shrinks (or grows) geometrically with
# the number of steps. (b) With $b_f = -4$, $f \approx \sigma(-4) \approx 0.02$: the cell forgets
# almost everything at every step, the marker is gone after a step or two, and the gradient along
# the cell path is multiplied by about 0.02 per step, so it vanishes like in a simple RNN. The
# LSTM could in principle learn to raise $b_f$, but the signal that would teach it vanishes too,
# so it would train as badly as the simple RNN at long gaps (or worse).
#
# *Grading: 1 point for (a) naming the elementwise product of forget gates versus repeated
# $W^\top$ and tanh derivatives, 1 point for (b) with the vanishing signal explained.*

# %% [markdown]
# ## Summary
#
# - The LSTM adds a cell state $c_t = f \odot c_{t-1} + i \odot g$ that changes only elementwise;
#   the gates $f, i, o$ are sigmoids, the candidate $g$ a `tanh`, and $h_t = o \odot \tanh c_t$.
# - Backwards, the cell path multiplies the gradient by $f$ only, which is why LSTMs can learn
#   dependencies across long gaps where a simple RNN cannot.
# - Keras stores the four gates side by side in the order i, f, c, o; a wrong order raises no
#   error, so compare numbers.
# - Peepholes let the gates see the cell state ($c_{t-1}$ for f and i, $c_t$ for o) at a cost of
#   $3H$ parameters. The next notebook meets the GRU, which keeps the LSTM's idea with fewer
#   gates.
