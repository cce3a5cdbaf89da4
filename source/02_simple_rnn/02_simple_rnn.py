# %% [markdown]
# # 2. The simple RNN, one step at a time
#
# A feed-forward network sees its whole input at once. A recurrent network reads a sequence
# element by element and keeps a **hidden state** that summarises what it has read so far.
# Every step applies the same small computation to two things: the new input and the previous
# state. This notebook builds that computation from matrix products, checks it three ways
# (by hand, in TensorFlow, against Keras) and then grows it: a whole sequence, an output at
# every step with a loss, and a second recurrent layer on top of the first.
#
# After this notebook you can
#
# * compute the lecture's two-time-slice example in TensorFlow and in numpy, explain every shape,
#   and translate between the slides' column vectors and the code's rows;
# * write one RNN step, and unroll it over a batch of sequences `(batch, time, features)`;
# * attach a regression or classification head to every step and add the per-step losses into
#   the sequence loss;
# * stack two recurrent layers;
# * show that your numbers are those of `keras.layers.SimpleRNN`.
#
# **Notation: the slides' columns, the code's rows.** The slides write vectors as columns and
# put the weights on the left, $h_t = \tanh(U x_t + W h_{t-1} + b)$ with $U$ of shape
# hidden x input. Keras, TensorFlow and this course's code keep one example per **row** of a
# batch and put the weights on the right:
#
# $$h_t = \tanh(X_t U + h_{t-1} W + b), \qquad X_t \in \mathbb{R}^{B \times D},\; U \in \mathbb{R}^{D\times H},\; W \in \mathbb{R}^{H\times H},\; b \in \mathbb{R}^{1 \times H}.$$
#
# The two are the same computation transposed: $U_{\text{code}} = U_{\text{slides}}^\top$,
# $W_{\text{code}} = W_{\text{slides}}^\top$, and a row of $h_t$ here is a column there (a cell
# in section 2.1 checks it). Keras stores its weights the code's way round (`kernel` = $U$,
# `recurrent_kernel` = $W$), so nothing needs transposing when we compare with it.
#
# **Time.** Core: about 40 minutes (sections 2.1 to 2.6, Exercises 2.1 to 2.5, Question 2.1).
# Optional: section 2.7 (the same numbers from Keras), about 5 minutes.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import tensorflow as tf

from rnnkit import bptt, cells
from rnnkit.checking import check

rng = np.random.default_rng(0)
tf.random.set_seed(0)  # the lecture draws U and W with tf.random.normal
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 2.1 Two time slices, as in the lecture
#
# The lecture unrolls a layer of 5 recurrent neurons over two time steps. A mini-batch holds 4
# sequences, each with 3 features per step; `X0` is what the four sequences show at the first
# step and `X1` what they show at the second. (Read row $i$ of `X0` and row $i$ of `X1` as the
# two steps of sequence $i$.) This is the lecture's TensorFlow code, line for line, in float32:

# %%
input_size, hidden_size = 3, 5

X0 = tf.constant([[0, 1, -2], [-3, 4, 5], [6, 7, -8], [6, -1, 2]], dtype=tf.float32)  # t = 0
X1 = tf.constant([[9, 8, 7], [0, 0, 0], [6, 5, 4], [1, 2, 3]], dtype=tf.float32)      # t = 1

U = tf.Variable(tf.random.normal([input_size, hidden_size]))   # (3, 5)
W = tf.Variable(tf.random.normal([hidden_size, hidden_size]))  # (5, 5)
b = tf.Variable(tf.zeros([1, hidden_size]))                    # (1, 5)

h0 = tf.tanh(tf.matmul(X0, U) + b)
h1 = tf.tanh(tf.matmul(X1, U) + tf.matmul(h0, W) + b)
print("X0", X0.shape, " X1", X1.shape, " U", U.shape, " W", W.shape, " b", b.shape)
print("h0 =\n", h0.numpy())
print("h1 =\n", h1.numpy())
assert X0.shape == X1.shape == (4, 3) and h0.shape == h1.shape == (4, 5), "batch 4, 3 inputs, 5 hidden units"

# %% [markdown]
# There is no state before the first step, so the first slice only sees its input. The second
# slice sees its input *and* the first slice's state. In the lecture the states are numbered
# like the inputs: `h0` is the state after reading `X0`.
#
# The same numbers from numpy, with the same weights (`.numpy()` copies a TensorFlow tensor into
# a numpy array) and the same float32 arithmetic:

# %%
X0_np, X1_np = X0.numpy(), X1.numpy()
U_np, W_np, b_np = U.numpy(), W.numpy(), b.numpy()
h0_np = np.tanh(X0_np @ U_np + b_np)
h1_np = np.tanh(X1_np @ U_np + h0_np @ W_np + b_np)
gap = max(np.abs(h0_np - h0.numpy()).max(), np.abs(h1_np - h1.numpy()).max())
print(h0_np.dtype, f"largest difference numpy vs TensorFlow: {gap:.1e}")
assert gap < 1e-6, "numpy and TensorFlow should agree to float32 rounding"

# %% [markdown]
# Most of these states are close to $\pm 1$: the inputs go up to 9 and the weights are drawn with
# standard deviation 1, so the sums inside the tanh are large. We come back to this
# *saturation* at the end of section 2.4.
#
# For the rest of the notebook we keep these weights as float64 numpy arrays, with the bias as a
# vector of shape `(H,)` (numpy adds it to every row just as it adds the `(1, H)` one).

# %%
B, D, H = 4, input_size, hidden_size
X0, X1 = X0_np.astype(float), X1_np.astype(float)
U, W, b = U_np.astype(float), W_np.astype(float), b_np[0].astype(float)
h0 = np.tanh(X0 @ U + b)
h1 = np.tanh(X1 @ U + h0 @ W + b)

# %% [markdown]
# Look at the second sequence: its input at $t=1$ is all zeros, so `X1 @ U` contributes nothing
# there. If the network had no memory its state would be $\tanh(b)$; instead it also carries
# `h0 @ W`, what it saw at $t = 0$:

# %%
print("tanh(b)      :", np.tanh(b))
print("h1, sequence 1:", h1[1])
assert not np.allclose(h1[1], np.tanh(b)), "the state at t=1 should remember the input at t=0"

# %% [markdown]
# The same `U`, `W` and `b` serve both steps (and would serve step 1000). The layer therefore
# has $DH + H^2 + H$ parameters whatever the length of the sequence:

# %%
n_params = U.size + W.size + b.size
print(f"{D}*{H} + {H}*{H} + {H} = {n_params} parameters for any number of time steps")
assert n_params == D * H + H * H + H

# %% [markdown]
# ## 2.2 The slides' column vectors, the code's rows
#
# The slides' column form gives the same numbers once every matrix is transposed: the slides'
# $U$ is `U_np.T` (shape hidden x input), and one column of the slides' state is one row of
# ours. The whole batch at once: the columns of `X0_np.T` are the four
# sequences' inputs.

# %%
U_slides, W_slides, b_slides = U_np.T, W_np.T, b_np.T  # (5, 3), (5, 5), (5, 1)
h0_cols = np.tanh(U_slides @ X0_np.T + b_slides)                   # (5, 4): one column per sequence
h1_cols = np.tanh(U_slides @ X1_np.T + W_slides @ h0_cols + b_slides)
print("slides' U", U_slides.shape, "-> h1 as columns", h1_cols.shape)
assert np.allclose(h1_cols.T, h1_np, atol=1e-6), "U_code = U_slides.T: the two notations compute the same states"

# %% [markdown]
# ## 2.3 One step of a simple RNN
#
# Both slices are the same operation applied to different arguments, so we write it once.
# `rnnkit.cells.rnn_step(x, h_prev, p)` takes the parameters as a dict `p = {"U", "W", "b"}`
# and returns the new state together with a *cache*: what the backward pass of notebook 3
# will need. The first slice is a step from the zero state, because `0 @ W = 0`.

# %%
p = {"U": U, "W": W, "b": b}
h0_step, _ = cells.rnn_step(X0, np.zeros((B, H)), p)
h1_step, cache = cells.rnn_step(X1, h0_step, p)
print("same as by hand:", np.allclose(h0_step, h0), np.allclose(h1_step, h1))

# %% [markdown]
# ### Exercise 2.1 (2 points, core): one RNN step
#
# Write `rnn_step_forward(x, h_prev, U, W, b)` returning $h = \tanh(x U + h_{\text{prev}} W + b)$
# for a batch: `x` is `(B, D)`, `h_prev` is `(B, H)`, the result is `(B, H)`. Use numpy only
# (calling `rnnkit` or Keras scores 0), and write down the shape of each term before you code.

# %% nbgrader={"solution": true, "grade_id": "rnn_step_forward"}
def rnn_step_forward(x, h_prev, U, W, b):
    """One simple-RNN step: x (B, D), h_prev (B, H), U (D, H), W (H, H), b (H,) -> h (B, H)."""
    ### BEGIN SOLUTION
    return np.tanh(x @ U + h_prev @ W + b)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_step_forward_test", "points": 2}
check("rnn_step_forward", rnn_step_forward)
### BEGIN HIDDEN TESTS
check("rnn_step_forward", rnn_step_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2.4 Unrolling over time
#
# A batch of sequences is an array `xs` of shape `(B, T, D)`: `xs[:, t]` is step $t$ of every
# sequence. Unrolling means calling the step $T$ times, each time feeding the state just
# computed back in. The result `hs` has shape `(B, T, H)`, and `hs[:, t]` is the state *after*
# reading `xs[:, t]`. The state we start from, before step 0, is the argument `h0` of
# `rnnkit.bptt.forward` (zeros if omitted); careful, this is not the lecture's `h0` above, which
# was the state after the first input.

# %%
def unroll(xs, p, h_init):
    """Run rnn_step over the time axis: xs (B, T, D), h_init (B, H) -> hs (B, T, H)."""
    h, states = h_init, []
    for t in range(xs.shape[1]):
        h, _ = cells.rnn_step(xs[:, t], h, p)
        states.append(h)
    return np.stack(states, axis=1)


xs = np.stack([X0, X1], axis=1)  # the two slices as one (4, 2, 3) batch of sequences
hs = unroll(xs, p, np.zeros((B, H)))
hs_lib, _ = bptt.forward("rnn", xs, p)
print("xs", xs.shape, "-> hs", hs.shape)
print("the two slices again:", np.allclose(hs[:, 0], h0), np.allclose(hs[:, 1], h1))
print("same as rnnkit.bptt.forward:", np.allclose(hs, hs_lib))

# %% [markdown]
# ### Exercise 2.2 (2 points, core): the unrolled loop
#
# Write `rnn_forward(xs, h0, U, W, b)` returning `hs` of shape `(B, T, H)` with
# `hs[:, t]` $= h_t = \tanh(x_t U + h_{t-1} W + b)$ and $h_{-1}$ = `h0` (the initial state,
# `(B, H)`). Unrolling is the step repeated, so the natural answer is a loop that calls your
# own `rnn_step_forward` from Exercise 2.1 once per time step, exactly as `unroll` above calls
# `cells.rnn_step`. (Writing the tanh out inside the loop works too.)

# %% nbgrader={"solution": true, "grade_id": "rnn_forward"}
def rnn_forward(xs, h0, U, W, b):
    """Simple RNN over a sequence: xs (B, T, D), h0 (B, H), U (D, H), W (H, H), b (H,) -> hs (B, T, H)."""
    ### BEGIN SOLUTION
    B, T, _ = xs.shape
    hs = np.zeros((B, T, W.shape[0]))
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs[:, t] = h
    return hs
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_forward_test", "points": 2}
check("rnn_forward", rnn_forward)
### BEGIN HIDDEN TESTS
check("rnn_forward", rnn_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### What the hidden state does over time
#
# Two pictures of a 5-unit RNN reading a slow sine wave (one feature per step). Left: each
# unit's state follows the input with its own delay and shape, because `W` mixes the units'
# past values into every new one. Right: the distribution of all the states as the recurrent
# weights grow. With large weights most states sit at $\pm 1$, where tanh is flat: the unit
# is **saturated**, a small change of its input no longer changes its output. Notebook 3 shows
# what this does to learning.

# %%
T_wave = 60
t_axis = np.arange(T_wave)
wave = np.sin(2 * np.pi * t_axis / 30)[None, :, None]  # (1, T, 1): one sequence, one feature
p_wave = cells.init_params("rnn", 1, 5, seed=1)  # Glorot U, orthogonal W, zero b
hs_wave, _ = bptt.forward("rnn", wave, p_wave)

noise = rng.normal(size=(32, 50, 1))  # 32 random sequences of 50 steps
scales = (0.5, 1.5, 4.0)
saturated = {}
fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
ax_l.plot(t_axis, wave[0, :, 0], color="black", linewidth=2.5, alpha=0.3, label="input $x_t$")
for j in range(5):
    ax_l.plot(t_axis, hs_wave[0, :, j], linewidth=1.4, label=f"$h_t$ unit {j}")
ax_l.set(xlabel="time step $t$", ylabel="value", title="Hidden states reading a sine wave")
ax_l.legend(frameon=False, fontsize=8, ncol=2)
for s in scales:
    p_s = cells.init_params("rnn", 1, 16, seed=2)
    p_s = {"U": s * p_s["U"], "W": s * p_s["W"], "b": p_s["b"]}
    hs_s, _ = bptt.forward("rnn", noise, p_s)
    saturated[s] = float(np.mean(np.abs(hs_s) > 0.95))
    ax_r.hist(hs_s.ravel(), bins=40, range=(-1, 1), histtype="step", linewidth=1.8,
              density=True, label=f"weights x {s}: {saturated[s]:.0%} with |h| > 0.95")
ax_r.set(xlabel="hidden state value", ylabel="density", title="Larger weights saturate tanh")
ax_r.legend(frameon=False, fontsize=8)
plt.show()

# %%
assert saturated[0.5] < saturated[1.5] < saturated[4.0], "saturation should grow with the weights"

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_weight_sharing", "points": 2}
# **Question 2.1 (2 points, written, core).** The same `U`, `W`, `b` are used at every time step. Give two
# advantages of this weight sharing, and one thing it prevents the network from doing.
#
# ### BEGIN SOLUTION
# *Model answer.* (1) The number of parameters, $DH + H^2 + H$, does not depend on the sequence
# length, so one network reads sequences of any length, including lengths never seen in
# training. (2) What is learned about a pattern at one position applies at every position:
# the statistics are shared across time, which needs far less data than learning each position
# separately (like convolution weights shared across space). (3) Gradients from every step
# update the same weights, so every step's loss trains them. What it prevents: the step cannot
# depend on the absolute time index; any position-dependent behaviour has to be stored in the
# state, and all information about the past must pass through the fixed-size $h_{t-1}$.
# Two advantages and one limitation with a reason earn full marks.
# ### END SOLUTION

# %% [markdown]
# ## 2.5 Outputs at every step, and the loss over time
#
# An RNN layer only produces states. A *head* turns each state into a prediction with one more
# set of shared weights, $\hat y_t = h_t V + c$, the same `V (H, K)` and `c (K,)` at every step.
# For regression $\hat y_t$ is the prediction itself and the loss at step $t$ is the squared
# error; for classification $\hat y_t$ holds $K$ scores (logits) and a softmax turns them into
# probabilities. In both cases the lecture's loss for the sequence is the **sum of the
# per-step losses**, $L = \sum_t L_t$, each $L_t$ being a mean over the batch.

# %%
T_seq, K = 6, 3
xs_seq = rng.normal(size=(B, T_seq, D))
hs_seq, _ = bptt.forward("rnn", xs_seq, p)

# regression: one number per step
V_reg, c_reg = rng.normal(0.0, 0.5, size=(H, 1)), np.zeros(1)
y_hat, _ = bptt.linear_head(hs_seq, V_reg, c_reg)
target = rng.normal(size=(B, T_seq, 1))
per_step_mse, total_mse, _ = bptt.mse_loss(y_hat, target)
print("regression output", y_hat.shape, " per-step loss", per_step_mse.shape)
print(f"total = {total_mse:.4f}, sum of per-step = {per_step_mse.sum():.4f}")

# %%
# classification: K scores per step, softmax over the K classes
V_cls, c_cls = rng.normal(0.0, 0.5, size=(H, K)), rng.normal(0.0, 0.1, size=K)
logits, _ = bptt.linear_head(hs_seq, V_cls, c_cls)
probs = bptt.softmax(logits)
labels = rng.integers(0, K, size=(B, T_seq))
per_step_ce, total_ce, _ = bptt.softmax_cross_entropy(logits, labels)
print("probabilities", probs.shape, " each row sums to 1:", np.allclose(probs.sum(axis=-1), 1))
print("per-step cross-entropy:", per_step_ce)
print(f"total = {total_ce:.4f}")
assert np.isclose(total_ce, per_step_ce.sum()), "the total loss is the sum over time"

# %% [markdown]
# The cross-entropy at step $t$ is the batch mean of $-\log p_t[\text{correct class}]$. A
# network that guesses uniformly pays $\log K$ per step, so over a sequence of length $T$ it
# pays $T \log K$. A fresh network with small output weights is such a guesser, which gives a
# handy sanity check for the first loss of a training run. Confident wrong guesses cost more
# than uniform ones: our head, whose weights are not small, is above that level.

# %%
uniform_level = T_seq * math.log(K)
tiny_logits, _ = bptt.linear_head(hs_seq, 0.01 * V_cls, np.zeros(K))
_, total_tiny, _ = bptt.softmax_cross_entropy(tiny_logits, labels)
print(f"T log K = {uniform_level:.3f}; head with tiny weights: {total_tiny:.3f}; our head: {total_ce:.3f}")
assert abs(total_tiny - uniform_level) < 0.05, "tiny output weights should give almost uniform guesses"
assert total_ce > uniform_level, "a head with larger weights makes confident guesses, some wrong: above T log K"

# %% [markdown]
# ### Exercise 2.3 (2 points, core): the softmax head
#
# Write `softmax_head(hs, V, c)`: the logits `hs @ V + c` of shape `(B, T, K)` turned into
# probabilities by a softmax over the **classes** (the last axis), so that every
# `probs[i, t]` sums to 1. The check uses logits around 750: $e^{750}$ overflows a float64, so
# subtract each row's maximum before exponentiating (the softmax does not change when the same
# number is subtracted from all K scores).

# %% nbgrader={"solution": true, "grade_id": "softmax_head"}
def softmax_head(hs, V, c):
    """Per-step class probabilities: hs (B, T, H), V (H, K), c (K,) -> probs (B, T, K)."""
    ### BEGIN SOLUTION
    z = hs @ V + c
    z = z - z.max(axis=-1, keepdims=True)  # no overflow; the softmax is shift-invariant
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "softmax_head_test", "points": 2}
check("softmax_head", softmax_head)
### BEGIN HIDDEN TESTS
check("softmax_head", softmax_head, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2.4 (2 points, core): the loss of a sequence
#
# Write `total_cross_entropy(probs, labels)` for probabilities `probs (B, T, K)` and integer
# labels `labels (B, T)`. Return `(per_step, total)`: `per_step[t]` is the mean over the batch
# of $-\log$ `probs[i, t, labels[i, t]]` (shape `(T,)`), and `total` is the lecture's total
# loss, a Python float. `np.take_along_axis` picks one entry per row; a loop is fine too.

# %% nbgrader={"solution": true, "grade_id": "total_cross_entropy"}
def total_cross_entropy(probs, labels):
    """Cross-entropy per step and in total: probs (B, T, K), labels (B, T) int -> ((T,), float)."""
    ### BEGIN SOLUTION
    picked = np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0]  # (B, T)
    per_step = -np.log(picked).mean(axis=0)
    return per_step, float(per_step.sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "total_cross_entropy_test", "points": 2}
check("total_cross_entropy", total_cross_entropy)
### BEGIN HIDDEN TESTS
check("total_cross_entropy", total_cross_entropy, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2.6 A deeper RNN: stacking layers
#
# A second recurrent layer reads the *hidden sequence* of the first as its input sequence:
# $h^{(1)}_t = \tanh(x_t U_1 + h^{(1)}_{t-1} W_1 + b_1)$, then
# $h^{(2)}_t = \tanh(h^{(1)}_t U_2 + h^{(2)}_{t-1} W_2 + b_2)$. Each layer has its own state
# and its own weights; layer 2's input size is layer 1's hidden size, so $U_2$ is
# $(H_1, H_2)$. The deeper layers can build slower, more abstract features of the sequence.

# %%
H1, H2 = 5, 4
p1 = cells.init_params("rnn", D, H1, seed=3)
p2 = cells.init_params("rnn", H1, H2, seed=4)
hs1, _ = bptt.forward("rnn", xs_seq, p1)
hs2, _ = bptt.forward("rnn", hs1, p2)
print("xs", xs_seq.shape, "-> layer 1", hs1.shape, "-> layer 2", hs2.shape)
print("parameters:", sum(a.size for a in p1.values()), "+", sum(a.size for a in p2.values()))

# %% [markdown]
# ### Exercise 2.5 (3 points, core): two stacked layers
#
# Write `stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2)` for a two-layer simple RNN whose
# states both start at zero. Return `(hs1, hs2)`, the hidden sequences of layer 1 `(B, T, H1)`
# and layer 2 `(B, T, H2)`. Layer 2 reads the whole sequence that layer 1 produces, so the
# shortest answer reuses your own `rnn_forward` twice, once per layer, starting each from
# zeros. One loop over time that updates layer 1 and then layer 2 at each step (with your
# `rnn_step_forward`) works just as well.

# %% nbgrader={"solution": true, "grade_id": "stacked_rnn_forward"}
def stacked_rnn_forward(xs, U1, W1, b1, U2, W2, b2):
    """Two stacked simple-RNN layers from zero states: xs (B, T, D) -> (hs1 (B, T, H1), hs2 (B, T, H2))."""
    ### BEGIN SOLUTION
    B, T, _ = xs.shape
    h1, h2 = np.zeros((B, W1.shape[0])), np.zeros((B, W2.shape[0]))
    hs1, hs2 = np.zeros((B, T, W1.shape[0])), np.zeros((B, T, W2.shape[0]))
    for t in range(T):
        h1 = np.tanh(xs[:, t] @ U1 + h1 @ W1 + b1)
        h2 = np.tanh(h1 @ U2 + h2 @ W2 + b2)
        hs1[:, t], hs2[:, t] = h1, h2
    return hs1, hs2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "stacked_rnn_forward_test", "points": 3}
check("stacked_rnn_forward", stacked_rnn_forward)
### BEGIN HIDDEN TESTS
check("stacked_rnn_forward", stacked_rnn_forward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 2.7 The same numbers as Keras
#
# `rnnkit.keras_bridge.keras_layer("rnn", p)` builds a `keras.layers.SimpleRNN` whose
# `kernel`, `recurrent_kernel` and `bias` are our `U`, `W`, `b`. Keras computes in float32 by
# default, so we expect agreement to about $10^{-6}$, not to the last digit. Two such layers in
# a `keras.Sequential` are exactly the stacked RNN of section 2.6.

# %%
import keras

keras.utils.set_random_seed(0)
layer = keras_bridge.keras_layer("rnn", p)  # SimpleRNN(5, return_sequences=True)
hs_keras = keras.ops.convert_to_numpy(layer(xs_seq.astype("float32")))
gap_one = np.abs(hs_keras - hs_seq).max()

stack = keras.Sequential([keras_bridge.keras_layer("rnn", p1), keras_bridge.keras_layer("rnn", p2)])
hs2_keras = keras.ops.convert_to_numpy(stack(xs_seq.astype("float32")))
gap_stack = np.abs(hs2_keras - hs2).max()
print(type(layer).__name__, f"largest difference {gap_one:.1e}; stacked: {gap_stack:.1e}")
assert gap_one < 1e-5 and gap_stack < 1e-5, "Keras' SimpleRNN should match our numpy RNN to 1e-5"

# %% [markdown]
# Keras also lets us start from a state other than zero (`initial_state=[h]`), which is how the
# lecture's second time slice continues from the first:

# %%
h1_keras = layer(X1[:, None, :].astype("float32"), initial_state=[h0.astype("float32")])
gap_slice = np.abs(keras.ops.convert_to_numpy(h1_keras)[:, 0] - h1).max()
print(f"second slice from Keras, largest difference: {gap_slice:.1e}")
assert gap_slice < 1e-5, "Keras started from h0 should reproduce the lecture's h1"

# %% [markdown]
# ## Summary
#
# * One step is $h_t = \tanh(x_t U + h_{t-1} W + b)$; unrolling it applies the same weights at
#   every step, so the parameter count does not depend on the sequence length.
# * A head $h_t V + c$ (with a softmax for classes) gives an output at every step; the loss of a
#   sequence is the sum over time of the per-step losses, each a mean over the batch.
# * A stacked RNN feeds one layer's hidden sequence to the next as its input sequence.
# * Keras' `SimpleRNN` computes exactly this with `kernel = U`, `recurrent_kernel = W`.
#
# Next, notebook 3 runs all of this backwards: backpropagation through time.
