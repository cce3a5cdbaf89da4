# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 6. Gated recurrent units (GRU)
#
# The LSTM protects its memory with three gates and a separate cell state. The GRU (Cho et al.,
# 2014) keeps the idea and drops the bookkeeping: one state `h`, two gates, and a single dial
# that decides, unit by unit, how much of the old state survives a step. In this notebook you
# will
#
# - write one GRU step in numpy with the lecture's gate names and watch its update gate decide how
#   long a pulse is remembered;
# - load the same weights into `keras.layers.GRU` and get the same numbers, once you know that
#   Keras' update gate is ours "the other way round";
# - count the parameters of a simple RNN, an LSTM and a GRU by formula and check the formulas
#   against Keras;
# - show that a GRU with its gates pinned open *is* a simple RNN.
#
# **Time.** Core: about 30 minutes (sections 6.1 to 6.4, Exercises 6.1 to 6.3, Question 6.1).
# Optional: section 6.5 with Question 6.2 and section 6.6 with Exercise 6.4 (the backward step),
# about 40 minutes.
#
# **Notation** (row vectors, batch first, `*` is the elementwise product):
#
# $$
# \begin{aligned}
# z_t &= \sigma(x_t U_z + h_{t-1} W_z + b_z) && \text{update gate}\\
# r_t &= \sigma(x_t U_r + h_{t-1} W_r + b_r) && \text{reset gate}\\
# g_t &= \tanh\big(x_t U_g + (r_t * h_{t-1}) W_g + b_g\big) && \text{candidate state}\\
# h_t &= (1 - z_t) * h_{t-1} + z_t * g_t
# \end{aligned}
# $$
#
# with `x (batch, D)`, `h (batch, H)`, every `U_* (D, H)`, every `W_* (H, H)` and every
# `b_* (H,)`. Read the last line as a per-unit interpolation: `z = 0` keeps the old state
# untouched, `z = 1` replaces it by the candidate.

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import keras

from rnnkit import cells, gradcheck, layouts, plots
from rnnkit.checking import check

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 6.1 One GRU step
#
# Parameters are a dict with the lecture's names; `cells.init_params("gru", D, H)` makes one. The
# three blocks z, r and g each own a `U`, a `W` and a `b`:

# %%
D, H = 3, 5
p = cells.init_params("gru", D, H, seed=0)
for name, value in p.items():
    print(f"{name:4s} {value.shape}")

# %% [markdown]
# **Exercise 6.1 (3 points, core).** Write `gru_step_forward(x, h_prev, params)` returning the new state
# `h (batch, H)`. Use only numpy; `params` is a dict like `p` above. Two details decide whether
# your numbers are the lecture's:
#
# - the reset gate multiplies the *previous state* before it meets `W_g`: `(r * h_prev) @ W_g`;
# - `z` weights the *candidate*: `h = (1 - z) * h_prev + z * g`.

# %% nbgrader={"solution": true, "grade_id": "gru_step_forward"}
def gru_step_forward(x, h_prev, params):
    """One GRU step with the lecture's gate names.

    x (B, D), h_prev (B, H); params: dict with U_z, U_r, U_g (D, H), W_z, W_r, W_g (H, H) and
    b_z, b_r, b_g (H,). Returns h (B, H).
    """
    ### BEGIN SOLUTION
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"] + params["b_g"])
    return (1 - z) * h_prev + z * g
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "gru_step_forward_test", "points": 3}
check("gru_step_forward", gru_step_forward)
### BEGIN HIDDEN TESTS
check("gru_step_forward", gru_step_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# From here on the notebook uses rnnkit's reference step, `cells.gru_step(x, h_prev, p)`. It
# returns `(h, cache)`, and the cache keeps the gate values `cache["z"]`, `cache["r"]`,
# `cache["g"]`, which is what we want to look at next. A short loop runs it over a sequence:

# %%
def run_gru(xs, p):
    """GRU over xs (B, T, D) from h0 = 0: returns hs (B, T, H), gates {"z","r","g": (B, T, H)}
    and the per-step caches (for the backward pass in 6.2)."""
    h = np.zeros((xs.shape[0], p["W_z"].shape[0]))
    hs, caches = [], []
    for t in range(xs.shape[1]):
        h, cache = cells.gru_step(xs[:, t], h, p)
        hs.append(h)
        caches.append(cache)
    gates = {k: np.stack([c[k] for c in caches], axis=1) for k in ("z", "r", "g")}
    return np.stack(hs, axis=1), gates, caches


# %% [markdown]
# ## 6.2 The update gate decides how long a pulse is remembered
#
# An experiment: one input channel carrying small noise, and a second copy of the same sequence
# with a pulse of height 3 added at step 5. The distance between the two hidden-state
# trajectories, `||h_t(pulse) - h_t(no pulse)||`, is how much of the pulse the network still
# "knows" at step t. We run it three times with the same weights and only the update-gate bias
# `b_z` shifted: a negative `b_z` pushes `z` towards 0 (keep the old state), a positive one
# towards 1 (overwrite).

# %%
T, H_pulse, PULSE_AT = 40, 8, 4  # index 4 = step t = 5
p_pulse = cells.init_params("gru", 1, H_pulse, seed=1)
xs_quiet = 0.5 * rng.normal(size=(1, T, 1))
xs_pulse = xs_quiet.copy()
xs_pulse[0, PULSE_AT, 0] += 3.0

memory, gates_by_shift, caches_by_shift = {}, {}, {}
for shift in (-3.0, 0.0, 3.0):
    q = dict(p_pulse, b_z=p_pulse["b_z"] + shift)
    hs_quiet, _, _ = run_gru(xs_quiet, q)
    hs_pulse, gates, caches = run_gru(xs_pulse, q)
    memory[shift] = np.linalg.norm(hs_pulse - hs_quiet, axis=-1)[0]
    gates_by_shift[shift], caches_by_shift[shift] = gates, caches
    print(f"b_z shifted by {shift:+.0f}: mean z = {gates['z'].mean():.3f}, "
          f"pulse left at t=40: {memory[shift][-1]:.2e}")

# %% [markdown]
# The gradient tells the same story backwards. Starting from `dL/dh_40 = 1` at the last step we
# push the gradient back with `cells.gru_step_backward` and record `||dL/dh_t||`: how strongly
# the loss at the end can still reach step t (backpropagation through time for the GRU, one
# step at a time, exactly as notebook 03 did for the simple RNN).

# %%
grad_norms = {}
for shift, caches in caches_by_shift.items():
    dh, norms = np.ones((1, H_pulse)), []
    for cache in reversed(caches):
        norms.append(np.linalg.norm(dh))
        _, dh, _ = cells.gru_step_backward(dh, cache)
    grad_norms[f"b_z {shift:+.0f}"] = np.array(norms[::-1])

fig, (ax_fwd, ax_bwd) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
steps = np.arange(1, T + 1)
for shift, dist in memory.items():
    ax_fwd.semilogy(steps[PULSE_AT:], dist[PULSE_AT:] + 1e-16, label=f"b_z {shift:+.0f}")
ax_fwd.set(xlabel="time step $t$", ylabel=r"$\|h_t(\mathrm{pulse}) - h_t\|$",
           title="Forward: what is left of the pulse", ylim=(1e-12, 10))
ax_fwd.legend(frameon=False)
plots.plot_grad_norms(grad_norms, ax=ax_bwd)
ax_bwd.set_title("Backward: gradient from the last step")
plt.show()

# %% [markdown]
# Both panels say the same: with `z` near 0 a unit copies its state forward almost unchanged, and
# the gradient flows back almost unchanged too; with `z` near 1 every step rewrites the state
# and both the memory and the gradient fade within a few steps. Here are the gates themselves
# for the "keep" setting (update gate shifted by -3) over the pulse sequence:

# %%
one_sequence = {k: v[0] for k, v in gates_by_shift[-3.0].items()}  # (T, H) per gate
plots.plot_gate_heatmap(one_sequence, title="GRU gates, b_z shifted by -3 (pulse at t = 5)")
plt.show()

# %%
# The claim of this section, checked on every run.
assert memory[-3.0][-1] > 1e3 * memory[3.0][-1], "a GRU with z near 0 should remember the pulse far longer"
assert grad_norms["b_z -3"][0] > 1e3 * grad_norms["b_z +3"][0], "and pass the gradient back further"

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_update_gate", "points": 2}
# **Question 6.1 (2 points, written, core).** Take one unit and ignore the dependence of `z` and `g` on
# `h_{t-1}` for a moment. What is `∂h_t/∂h_{t-1}` when `z = 0`, and when `z = 1`? Use your
# answer to explain both panels of the figure above, and say why this helps a GRU learn
# long-range dependencies that a simple RNN misses.
#
# ### BEGIN SOLUTION
# From `h_t = (1 - z) h_{t-1} + z g` the direct path gives `∂h_t/∂h_{t-1} = 1 - z` (plus the
# terms through `z` and `g`). With `z = 0` the derivative is exactly 1: the state is copied
# forward, so the pulse survives (left panel) and the gradient passes back unchanged, with no
# product of `tanh'` factors and `W` matrices to shrink it (right panel). With `z = 1` the
# state is replaced by `g = tanh(x U_g + (r * h) W_g + b_g)`, so the only route back runs
# through `tanh' * r * W_g`, the same shrinking product as in a simple RNN: memory and gradient
# die after a few steps. Because `z` is computed from the input and state, a trained GRU can
# hold `z` near 0 while nothing relevant happens and open it when something must be written:
# an additive path over long gaps that a simple RNN does not have.
# ### END SOLUTION

# %% [markdown]
# ## 6.3 The same GRU in Keras
#
# Keras' `GRU` computes the same cell with two differences in how it is written down.
#
# 1. Its update gate is the complement of ours. Keras writes
#    `h_t = z_k * h_{t-1} + (1 - z_k) * g`, so `z_k = 1 - z`. Since
#    `1 - σ(a) = σ(-a)`, the Keras weights of the update gate are simply ours with the sign
#    flipped: `-U_z`, `-W_z`, `-b_z`.
# 2. It stores the three blocks side by side in one `kernel (D, 3H)` (our `U`s), one
#    `recurrent_kernel (H, 3H)` (our `W`s) and one `bias (3H,)`, in the order z, r, g (Keras
#    calls the candidate `h`).
#
# By default Keras also uses `reset_after=True`, a different cell (see below); the lecture's
# GRU is `GRU(reset_after=False)`.
#
# **Exercise 6.2 (2 points, core).** Write `to_keras_gru_weights(params)` returning the tuple
# `(kernel, recurrent_kernel, bias)` that `GRU(reset_after=False).set_weights([...])` needs.

# %% nbgrader={"solution": true, "grade_id": "to_keras_gru_weights"}
def to_keras_gru_weights(params):
    """Lecture GRU parameters -> Keras GRU(reset_after=False) weights.

    params: dict with U_z, U_r, U_g (D, H), W_z, W_r, W_g (H, H), b_z, b_r, b_g (H,).
    Returns (kernel (D, 3H), recurrent_kernel (H, 3H), bias (3H,)), blocks in the order z, r, g.
    """
    ### BEGIN SOLUTION
    # Keras' update gate is 1 - z = sigmoid(-a): flip the sign of the z block only.
    sign = {"z": -1.0, "r": 1.0, "g": 1.0}
    kernel = np.concatenate([sign[q] * params["U_" + q] for q in "zrg"], axis=1)
    recurrent_kernel = np.concatenate([sign[q] * params["W_" + q] for q in "zrg"], axis=1)
    bias = np.concatenate([sign[q] * params["b_" + q] for q in "zrg"])
    return kernel, recurrent_kernel, bias
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "to_keras_gru_weights_test", "points": 2}
check("to_keras_gru_weights", to_keras_gru_weights)
### BEGIN HIDDEN TESTS
check("to_keras_gru_weights", to_keras_gru_weights, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# `rnnkit.keras_bridge` does this conversion for every cell type. `keras_layer("gru", p)` builds
# a `GRU(reset_after=False)` holding our parameters; in float64 its outputs should match the
# numpy loop to the last digits.

# %%
p6 = cells.init_params("gru", D, H, seed=6)
p6["b_z"] = rng.normal(0.0, 0.5, size=H)  # non-zero biases, so a sign error in b would show
p6["b_r"] = rng.normal(0.0, 0.5, size=H)
xs = rng.normal(size=(2, 7, D))

hs_numpy, gates_numpy, _ = run_gru(xs, p6)
layer = keras_bridge.keras_layer("gru", p6, dtype="float64")
hs_keras = keras.ops.convert_to_numpy(layer(xs))
print("largest |h_numpy - h_keras|:", np.abs(hs_numpy - hs_keras).max())

# %% [markdown]
# Now the update gates themselves. We recompute Keras' gate from the weights stored *in the
# layer*, `z_k = σ(x K_z + h_{t-1} R_z + b_z^k)`, and compare it with the lecture's `z` recorded
# by `cells.gru_step`: they should add up to exactly 1.

# %%
kernel, recurrent_kernel, bias = layer.get_weights()
h_before = np.concatenate([np.zeros((2, 1, H)), hs_numpy[:, :-1]], axis=1)  # h_{t-1} for every t
a_keras = xs @ kernel[:, :H] + h_before @ recurrent_kernel[:, :H] + bias[:H]
z_keras = 1.0 / (1.0 + np.exp(-a_keras))
print("first sequence, unit 0, z over time:  ", np.round(gates_numpy["z"][0, :, 0], 3))
print("first sequence, unit 0, z_k over time:", np.round(z_keras[0, :, 0], 3))
print("largest |z + z_k - 1|:", np.abs(gates_numpy["z"] + z_keras - 1).max())

# %%
assert np.abs(hs_numpy - hs_keras).max() < 1e-12, "Keras GRU(reset_after=False) should match the lecture GRU"
assert np.abs(gates_numpy["z"] + z_keras - 1).max() < 1e-12, "Keras' update gate should be 1 - z"

# %% [markdown]
# **Keras' default, `reset_after=True`.** To run on cuDNN, Keras normally applies the reset gate
# *after* the recurrent product and gives that product its own bias:
# `g = tanh(x U_g + b_g + r * (h_{t-1} W_g + b_g'))`. Even with `b_g' = 0` this is another
# function, as loading the very same weights shows:

# %%
default_gru = keras.layers.GRU(H, return_sequences=True, dtype="float64")  # reset_after=True
default_gru.build((None, None, D))
default_gru.set_weights([kernel, recurrent_kernel, np.stack([bias, np.zeros(3 * H)])])
hs_default = keras.ops.convert_to_numpy(default_gru(xs))
gap_reset_after = np.abs(hs_default - hs_numpy).max()
print("largest |h(reset_after=True) - h(lecture)|:", round(float(gap_reset_after), 4))
assert gap_reset_after > 1e-3, "reset_after=True should compute a different function"

# %% [markdown]
# The difference is not an error in either model; they are two cells that train about equally
# well. It matters when you copy weights between implementations: weights of a
# `reset_after=True` layer do not mean the same inside a `reset_after=False` one, and the
# parameter counts differ too, as the next section shows.
#
# ## 6.4 Counting parameters
#
# Every block of a recurrent cell owns a `U (D, H)`, a `W (H, H)` and a `b (H,)`, that is
# `H (D + H + 1)` numbers. A simple RNN has one block, a GRU three (z, r, g) and an LSTM four
# (f, i, g, o):
#
# | layer | parameters |
# |---|---|
# | `SimpleRNN` | `H (D + H + 1)` |
# | `GRU(reset_after=False)` | `3 H (D + H + 1)` |
# | `GRU(reset_after=True)` (Keras' default) | `3 H (D + H + 2)`: a second bias per block |
# | `LSTM` | `4 H (D + H + 1)` |
#
# **Exercise 6.3 (1 point, core).** Write `gru_param_count(input_size, hidden_size, reset_after)`
# returning the number of trainable parameters of one Keras GRU layer, as a Python `int`.

# %% nbgrader={"solution": true, "grade_id": "gru_param_count"}
def gru_param_count(input_size, hidden_size, reset_after):
    """Trainable parameters of keras.layers.GRU(hidden_size, reset_after=reset_after) on inputs
    with input_size features. Returns an int."""
    ### BEGIN SOLUTION
    biases = 2 if reset_after else 1
    return 3 * hidden_size * (input_size + hidden_size + biases)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "gru_param_count_test", "points": 1}
check("gru_param_count", gru_param_count)
### BEGIN HIDDEN TESTS
check("gru_param_count", gru_param_count, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Now the formulas against Keras' own `count_params()` for a few sizes. `layouts.param_count`
# holds the three formulas of the lecture's cells; the `reset_after=True` row adds its `3H`
# extra biases.

# %%
def keras_count(layer, input_size):
    layer.build((None, None, input_size))
    return layer.count_params()


print(f"{'D':>4} {'H':>4} | {'SimpleRNN':>9} {'LSTM':>7} {'GRU':>7} {'GRU(r_a)':>8} | Keras agrees")
for d, h in [(1, 16), (3, 5), (8, 32), (32, 64), (100, 128)]:
    formula = [layouts.param_count("rnn", d, h), layouts.param_count("lstm", d, h),
               layouts.param_count("gru", d, h), 3 * h * (d + h + 2)]
    counted = [keras_count(keras.layers.SimpleRNN(h), d), keras_count(keras.layers.LSTM(h), d),
               keras_count(keras.layers.GRU(h, reset_after=False), d),
               keras_count(keras.layers.GRU(h, reset_after=True), d)]
    print(f"{d:>4} {h:>4} | {formula[0]:>9} {formula[1]:>7} {formula[2]:>7} {formula[3]:>8} | "
          f"{formula == counted}")
    assert formula == counted, f"formula {formula} != Keras {counted} for D={d}, H={h}"
    assert 4 * formula[2] == 3 * formula[1], "a GRU (reset_after=False) has three quarters of an LSTM's parameters"

# %% [markdown]
# The count grows like `H²` once `H` is larger than `D`: the recurrent matrices dominate. A GRU
# always costs three quarters of an LSTM of the same width, which is one of the practical reasons
# to try it first.

# %%
hidden_sizes = np.arange(8, 257, 8)
fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
for kind, label in [("lstm", "LSTM"), ("gru", "GRU (reset_after=False)"), ("rnn", "SimpleRNN")]:
    counts = [layouts.param_count(kind, 16, int(h)) for h in hidden_sizes]
    ax.plot(hidden_sizes, counts, marker=".", label=label)
ax.set(xlabel="hidden size $H$", ylabel="parameters", title="One recurrent layer, $D = 16$ inputs")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# ## 6.5 When a GRU is a simple RNN
#
# Pin both gates open: `z = 1` and `r = 1` at every step. Then
# `g = tanh(x U_g + h W_g + b_g)` and `h_t = 0 * h_{t-1} + 1 * g`: exactly the simple RNN
# `h_t = tanh(x U + h W + b)` with `U = U_g`, `W = W_g`, `b = b_g`. We cannot set a sigmoid to
# exactly 1, but a large positive bias `b_z = b_r = β` gets as close as we like. Below a GRU
# whose candidate block is copied from a simple RNN is run next to that RNN for several `β`.

# %%
T_long = 30
p_rnn = cells.init_params("rnn", D, H, seed=3)
p_gru = cells.init_params("gru", D, H, seed=4)
p_gru.update(U_g=p_rnn["U"], W_g=p_rnn["W"], b_g=p_rnn["b"])
xs_long = rng.normal(size=(2, T_long, D))

h_rnn, hs_rnn = np.zeros((2, H)), []
for t in range(T_long):
    h_rnn, _ = cells.rnn_step(xs_long[:, t], h_rnn, p_rnn)
    hs_rnn.append(h_rnn)
hs_rnn = np.stack(hs_rnn, axis=1)

betas = [0.0, 2.0, 5.0, 10.0, 20.0, 40.0]
gaps = []
for beta in betas:
    hs_gru, _, _ = run_gru(xs_long, dict(p_gru, b_z=np.full(H, beta), b_r=np.full(H, beta)))
    gaps.append(np.abs(hs_gru - hs_rnn).max())
    print(f"beta = {beta:4.0f}: largest |h_GRU - h_RNN| = {gaps[-1]:.2e}")

# %%
fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
ax.semilogy(betas, np.maximum(gaps, 1e-17), marker="o")
ax.set(xlabel=r"gate bias $\beta = b_z = b_r$", ylabel=r"max $|h_{GRU} - h_{RNN}|$",
       title="A GRU with open gates becomes a simple RNN")
plt.show()
assert gaps[-1] < 1e-12, "with b_z = b_r = 40 the GRU should equal the simple RNN to rounding"
assert gaps[0] > 1e-2, "with ordinary gates the GRU is a different model"

# %% [markdown]
# So the GRU contains the simple RNN as a special case, and training can only move it *away*
# from there if that helps: the gates add options, not constraints. The reverse direction, `z = 0`,
# is the copy machine of section 6.2.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_gru_vs_lstm", "points": 2}
# **Question 6.2 (2 points, written, optional).** A GRU of width `H` has three quarters of the parameters of an LSTM of
# the same width. Name two things the LSTM can do that the GRU cannot, pointing to the
# equations of each cell.
#
# ### BEGIN SOLUTION
# 1. *Forget and write independently.* The LSTM has separate forget and input gates,
#    `c_t = f * c_{t-1} + i * g`, so it can keep the whole old memory and add new content
#    (`f = i = 1`) or erase without writing (`f = i = 0`). The GRU ties the two with one gate,
#    `h_t = (1 - z) h_{t-1} + z g`: whatever it writes displaces the same share of old state.
# 2. *Hide its memory.* The LSTM exposes `h_t = o * tanh(c_t)`; with `o` near 0 it can carry
#    information in `c` without showing it to the next layer or to its own gates. The GRU's
#    memory and output are the same vector `h`, always visible. (Also accepted: the LSTM's
#    cell state is not squashed by `tanh` and can grow, e.g. to count.)
# ### END SOLUTION

# %% [markdown]
# ## 6.6 Backward through a GRU step (optional)
#
# Section 6.2 pushed gradients back with rnnkit's `cells.gru_step_backward`; now you write it.
# One gradient arrives at step $t$, `dh` $= \partial L/\partial h_t$. Work down the forward
# equations from the last line up, one product rule per line:
#
# $$
# \begin{aligned}
# da_z &= dh * (g_t - h_{t-1}) * z_t (1 - z_t) && h_t = (1 - z_t) h_{t-1} + z_t g_t\\
# da_g &= dh * z_t * (1 - g_t^2) && \text{the candidate's tanh}\\
# d(r h) &= da_g W_g^\top && \text{what reaches } r_t * h_{t-1}\\
# da_r &= d(r h) * h_{t-1} * r_t (1 - r_t) && \text{the reset gate multiplies } h_{t-1}
# \end{aligned}
# $$
#
# `h_prev` is used four times in the forward step, so its gradient has four parts: the direct
# path `dh * (1 - z)` (the identity path of Question 6.1), the path through the candidate
# `d(r h) * r`, and the two gates, `da_z @ W_z.T + da_r @ W_r.T`. The rest is a dense layer per
# block, as in section 5.2: $dU_k = x^\top da_k$, $db_k = \sum_{batch} da_k$,
# $dx = \sum_k da_k U_k^\top$, and $dW_k = h_{t-1}^\top da_k$ for z and r but
# $dW_g = (r_t * h_{t-1})^\top da_g$, because `W_g` multiplies the reset state.
#
# **Exercise 6.4 (3 points, optional).** Write `gru_step_backward(dh, x, h_prev, params)`.
# Recompute the forward step inside the function (the grader passes plain arrays, no cache),
# then return `(dx, dh_prev, dU, dW, db)` with the three blocks' weight gradients side by side
# in the order of the keys of `params`, z, r, g:
# `dU = np.concatenate([dU_z, dU_r, dU_g], axis=1)` of shape `(D, 3H)`, likewise `dW` `(H, 3H)`
# and `db` `(3H,)`.

# %% nbgrader={"solution": true, "grade_id": "gru_step_backward"}
def gru_step_backward(dh, x, h_prev, params):
    """Gradient of one GRU step; dh (B, H) is dL/dh_t.

    Returns (dx (B, D), dh_prev (B, H), dU (D, 3H), dW (H, 3H), db (3H,)), the weight
    gradients' blocks in the order z, r, g.
    """
    ### BEGIN SOLUTION
    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    z = sigmoid(x @ params["U_z"] + h_prev @ params["W_z"] + params["b_z"])
    r = sigmoid(x @ params["U_r"] + h_prev @ params["W_r"] + params["b_r"])
    g = np.tanh(x @ params["U_g"] + (r * h_prev) @ params["W_g"] + params["b_g"])

    da = {"z": dh * (g - h_prev) * z * (1 - z), "g": dh * z * (1 - g**2)}
    d_rh = da["g"] @ params["W_g"].T  # the gradient reaching r * h_prev
    da["r"] = d_rh * h_prev * r * (1 - r)
    dh_prev = dh * (1 - z) + d_rh * r + da["z"] @ params["W_z"].T + da["r"] @ params["W_r"].T
    state = {"z": h_prev, "r": h_prev, "g": r * h_prev}  # what each W multiplies
    gates = ["z", "r", "g"]
    dx = sum(da[k] @ params["U_" + k].T for k in gates)
    dU = np.concatenate([x.T @ da[k] for k in gates], axis=1)
    dW = np.concatenate([state[k].T @ da[k] for k in gates], axis=1)
    db = np.concatenate([da[k].sum(axis=0) for k in gates])
    return dx, dh_prev, dU, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "gru_step_backward_test", "points": 3}
check("gru_step_backward", gru_step_backward)
### BEGIN HIDDEN TESTS
check("gru_step_backward", gru_step_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The grader compares your gradients with rnnkit's. Centred differences need no reference at
# all: nudge every input and every weight by $\pm 10^{-6}$, watch the loss
# $L = \sum h_t * dh$ (whose $\partial L/\partial h_t$ is `dh`), and compare. Every relative
# error should be below $10^{-6}$. (If you skip the exercise, the cell checks rnnkit's
# `cells.gru_step_backward` instead.)

# %%
x6, h6 = rng.normal(size=(3, D)), np.tanh(rng.normal(size=(3, H)))
q6 = cells.init_params("gru", D, H, seed=7)
for k in ("b_z", "b_r", "b_g"):
    q6[k] = rng.normal(0.0, 0.5, size=H)  # non-zero biases, so a missing bias term would show
dh6 = rng.normal(size=(3, H))
wrt = {"x": x6, "h_prev": h6, **q6}  # the arrays the loss reads in place


def loss6():
    h, _ = cells.gru_step(x6, h6, q6)
    return float(np.sum(h * dh6))


try:
    dx6, dh_prev6, dU6, dW6, db6 = gru_step_backward(dh6, x6, h6, q6)
    grads6 = {"x": dx6, "h_prev": dh_prev6}
    for j, k in enumerate("zrg"):  # unstack the blocks z | r | g
        grads6.update({f"U_{k}": dU6[:, j * H:(j + 1) * H], f"W_{k}": dW6[:, j * H:(j + 1) * H],
                       f"b_{k}": db6[j * H:(j + 1) * H]})
    print("checking your gru_step_backward")
except NotImplementedError:
    dx6, dh_prev6, grads6 = cells.gru_step_backward(dh6, cells.gru_step(x6, h6, q6)[1])
    grads6.update(x=dx6, h_prev=dh_prev6)
    print("gru_step_backward is not written yet: checking rnnkit's cells.gru_step_backward")
report6 = gradcheck.check_gradients(loss6, wrt, grads6)
print(report6)
assert max(err for err, _ in report6.values()) < 1e-6, "a gradient disagrees with centred differences"

# %% [markdown]
# ## Summary
#
# - A GRU step is `h = (1 - z) h_prev + z g` with `g = tanh(x U_g + (r * h_prev) W_g + b_g)`;
#   the update gate `z` interpolates between keeping and rewriting each unit.
# - `z` near 0 is an identity path: the state and its gradient pass through many steps.
# - Keras' `GRU(reset_after=False)` is the same cell with `z_k = 1 - z`, i.e. negated
#   update-gate weights, and blocks stacked as z, r, g; the default `reset_after=True` is a
#   different cell with `3H` more parameters.
# - Parameters: `H (D + H + 1)` per block; RNN 1 block, GRU 3, LSTM 4.
# - With `z = r = 1` a GRU is exactly a simple RNN.
# - Backward, `h_prev` gets `dh * (1 - z)` directly plus what flows back through z, r and g;
#   `W_g` sees the reset state, so `dW_g = (r * h_prev).T @ da_g`.
