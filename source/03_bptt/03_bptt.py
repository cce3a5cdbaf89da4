# %% [markdown]
# # 3. Backpropagation through time
#
# Notebook 2 ran a simple RNN forwards. To train it we need the gradient of the sequence loss
# $L = \sum_t L_t$ with respect to the shared weights `U`, `W`, `b`. Unrolled over $T$ steps,
# the RNN is just a deep feed-forward network whose layers share their weights, so ordinary
# backpropagation applies: this is **backpropagation through time** (BPTT). Its one new idea
# is that a hidden state feeds two things, the output at its own step and the next step, so
# its gradient is a sum of two parts.
#
# After this notebook you can
#
# * say what the forward pass must keep for the backward pass, and why;
# * derive and code the backward pass of one RNN step, then of a whole sequence;
# * check a gradient numerically and against TensorFlow's automatic differentiation;
# * explain vanishing and exploding gradients with a product of Jacobian factors and the
#   spectral radius of `W`, and see both on a plot;
# * say what truncated BPTT gives up, and tame an exploding gradient by clipping its global norm.
#
# Notation as in notebook 2: $h_t = \tanh(a_t)$ with $a_t = x_t U + h_{t-1} W + b$, row vectors,
# batch first. For any array `A`, `dA` means $\partial L / \partial A$, an array of the shape of `A`.
# Steps are counted from 0: $h_t$ is `hs[:, t]`, the state after reading $x_t$, so $h_0$ (the
# lecture's `h0` of notebook 2) is `hs[:, 0]`. The state *before* the first input has its own
# name in formulas, $h_{-1}$; in code it is the argument `h0` of `bptt.forward` and of the
# exercises, and its gradient is `dh0`. In formulas $h_0$ always means `hs[:, 0]`, never the
# initial state.
#
# **Time.** Core: about 40 minutes (sections 3.1 to 3.5 and 3.7, Exercises 3.1, 3.2 and 3.4,
# Question 3.1). Optional: Exercise 3.3 and section 3.6 (truncated BPTT), about 20 minutes.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from rnnkit import bptt, cells, gradcheck, plots
from rnnkit.checking import check

rng = np.random.default_rng(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 3.1 What the forward pass must remember
#
# The derivative of tanh can be written with its output: $\tanh'(a) = 1 - \tanh(a)^2 = 1 - h^2$.
# So to go back through step $t$ we need $x_t$, $h_{t-1}$ and $h_t$, not the pre-activation
# $a_t$. For a sequence the forward pass keeps every input and every state: `bptt.forward`
# returns them in its `cache`. That memory grows with the length of the sequence, which is
# one reason long sequences are trained in chunks (section 3.6):

# %%
def cache_megabytes(B, T, D, H):
    """float64 numbers kept by the forward pass of a simple RNN: all x_t and all h_t (plus h0)."""
    return 8 * B * (T * D + (T + 1) * H) / 1e6


for T_long in (100, 1_000, 10_000):
    print(f"B=32, D=64, H=256, T={T_long:>6}: {cache_megabytes(32, T_long, 64, 256):8.1f} MB")

# %% [markdown]
# ## 3.2 Backward through one step
#
# Take one step with its output gradient `dh` $= \partial L/\partial h$, shape `(B, H)`. The
# chain rule, one operation at a time:
#
# $$da = dh \odot (1 - h^2), \qquad dx = da\, U^\top, \qquad dh_{\text{prev}} = da\, W^\top,$$
# $$dU = x^\top da, \qquad dW = h_{\text{prev}}^\top da, \qquad db = \textstyle\sum_{\text{batch}} da .$$
#
# A way to remember the transposes: in a product $Z = A M$ the gradient of one factor is the
# other factor transposed, on the same side ($dA = dZ\, M^\top$, $dM = A^\top dZ$). The shapes
# then work out by themselves: `dU` is `(D, B) @ (B, H)`, the shape of `U`. The bias is added to
# every example, so its gradient sums `da` over the batch.
#
# ### Checking gradients
#
# `rnnkit.cells.rnn_step_backward(dh, cache)` implements these six lines. We test it the way
# every gradient in this course is tested: against centred finite differences
# $\frac{L(\theta + \epsilon) - L(\theta - \epsilon)}{2\epsilon}$. As a loss we use
# $L = \sum h \odot G$ for a fixed random $G$, so that `dh` $= G$.

# %%
B, D, H = 3, 2, 4
p = cells.init_params("rnn", D, H, seed=0)
p["b"] = rng.normal(0.0, 0.3, size=H)
x = rng.normal(size=(B, D))
h_prev = np.tanh(rng.normal(size=(B, H)))
G = rng.normal(size=(B, H))

h, cache = cells.rnn_step(x, h_prev, p)
dx, dh_prev, grads = cells.rnn_step_backward(G, cache)


def step_loss():
    return float(np.sum(cells.rnn_step(x, h_prev, p)[0] * G))


report = gradcheck.check_gradients(step_loss, p, grads)
print(report)
print("dx:", f"{gradcheck.rel_error(dx, gradcheck.numerical_gradient(step_loss, x)):.1e}",
      " dh_prev:", f"{gradcheck.rel_error(dh_prev, gradcheck.numerical_gradient(step_loss, h_prev)):.1e}")
assert max(err for err, _ in report.values()) < 1e-7, "the step gradient should match finite differences"

# %% [markdown]
# ### Exercise 3.1 (3 points, core): one step backward
#
# Write `rnn_step_backward(dh, x, h_prev, h, U, W)` returning `(dx, dh_prev, dU, dW, db)` for
# the step $h = \tanh(x U + h_{\text{prev}} W + b)$. You get the step's output `h` instead of
# `b`: the backward pass needs $1 - h^2$, never `b` itself. Shapes: `dh`, `h_prev`, `h` are
# `(B, H)`, `x` is `(B, D)`; every gradient has the shape of what it differentiates. numpy only.

# %% nbgrader={"solution": true, "grade_id": "rnn_step_backward"}
def rnn_step_backward(dh, x, h_prev, h, U, W):
    """Gradients of one simple-RNN step: dh (B, H) -> (dx (B, D), dh_prev (B, H), dU (D, H), dW (H, H), db (H,))."""
    ### BEGIN SOLUTION
    da = dh * (1.0 - h**2)  # back through tanh, written with its output
    dx = da @ U.T
    dh_prev = da @ W.T
    dU = x.T @ da
    dW = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dU, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_step_backward_test", "points": 3}
check("rnn_step_backward", rnn_step_backward)
### BEGIN HIDDEN TESTS
check("rnn_step_backward", rnn_step_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3.3 Backward through the whole sequence
#
# In the unrolled network, $h_t$ is used twice: by the loss at step $t$ (through the output
# head) and by step $t+1$. The gradient reaching $h_t$ is therefore
#
# $$\frac{\partial L}{\partial h_t} = \underbrace{\frac{\partial L_t}{\partial h_t}}_{\texttt{dhs[:, t]}} + \underbrace{da_{t+1}\, W^\top}_{\texttt{dh\_next}},$$
#
# and the second part exists only once step $t+1$ has been processed. So BPTT walks backwards,
# $t = T-1, \dots, 0$, carrying `dh_next` (zero after the last step), and at each step applies
# the one-step rules of 3.2. Because `U`, `W`, `b` are shared by all steps, their gradients are
# the **sums** of the per-step gradients. What is left in `dh_next` after step 0 is the gradient
# of the initial state, `dh0`.
#
# Here is the whole pipeline on a small regression problem: RNN, linear head at every step,
# squared error summed over time; then the same gradient check as before, on all five parameters.

# %%
B, T, D, H, K = 4, 8, 2, 5, 1
p = cells.init_params("rnn", D, H, seed=1)
p["b"] = rng.normal(0.0, 0.3, size=H)
V, c = rng.normal(0.0, 0.5, size=(H, K)), np.zeros(K)
xs = rng.normal(size=(B, T, D))
target = rng.normal(size=(B, T, K))


def sequence_loss():
    hs, _ = bptt.forward("rnn", xs, p)
    y, _ = bptt.linear_head(hs, V, c)
    return float(bptt.mse_loss(y, target)[1])


hs, cache = bptt.forward("rnn", xs, p)             # forward: keep everything
y, head_cache = bptt.linear_head(hs, V, c)
per_step, total, dy = bptt.mse_loss(y, target)     # L = sum over t of L_t
dhs, dV, dc = bptt.linear_head_backward(dy, head_cache)  # dhs[:, t] = dL_t / dh_t
dxs, dh0, _, grads = bptt.backward(dhs, cache)     # BPTT adds what flows back from t + 1

report = gradcheck.check_gradients(sequence_loss, {**p, "V": V, "c": c}, {**grads, "V": dV, "c": dc})
print(f"L = {total:.4f}\n{report}")
assert max(err for err, _ in report.values()) < 1e-7, "BPTT should match finite differences"

# %% [markdown]
# ### Exercise 3.2 (3 points, core): full BPTT
#
# Write `rnn_backward(dhs, xs, h0, hs, U, W)` returning `(dxs, dh0, dU, dW, db)`. `dhs (B, T, H)`
# holds $\partial L_t / \partial h_t$ from the loss at each step, `xs (B, T, D)` the inputs,
# `h0 (B, H)` the initial state $h_{-1}$ and `hs (B, T, H)` the states the forward pass computed
# (`hs[:, t]` $= h_t$). Loop backwards over time, add `dh_next` to `dhs[:, t]` before going
# through the tanh, and remember that the state *before* step $t$ is `hs[:, t - 1]`, or `h0`
# at $t = 0$. Backpropagation through time is the step's backward pass repeated, so you are
# welcome to call your own `rnn_step_backward` from Exercise 3.1 inside the loop: feed it
# `dhs[:, t] + dh_next`, add up its weight gradients over time, and its `dh_prev` becomes the
# next `dh_next`.

# %% nbgrader={"solution": true, "grade_id": "rnn_backward"}
def rnn_backward(dhs, xs, h0, hs, U, W):
    """Full BPTT: dhs (B, T, H) -> (dxs (B, T, D), dh0 (B, H), dU (D, H), dW (H, H), db (H,))."""
    ### BEGIN SOLUTION
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    dU, dW, db = np.zeros_like(U), np.zeros_like(W), np.zeros(W.shape[0])
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        h_before = hs[:, t - 1] if t > 0 else h0
        da = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dxs[:, t] = da @ U.T
        dU += xs[:, t].T @ da
        dW += h_before.T @ da
        db += da.sum(axis=0)
        dh_next = da @ W.T
    return dxs, dh_next, dU, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "rnn_backward_test", "points": 3}
check("rnn_backward", rnn_backward)
### BEGIN HIDDEN TESTS
check("rnn_backward", rnn_backward, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 3.4 The same gradients from TensorFlow
#
# Automatic differentiation does all of this for us: `tf.GradientTape` records the forward
# computation and runs it backwards. Writing the same RNN with TensorFlow operations (in
# float64) and asking the tape for the gradients must give our numbers to rounding error.

# %%
from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import tensorflow as tf

variables = {name: tf.Variable(value) for name, value in {**p, "V": V, "c": c}.items()}
with tf.GradientTape() as tape:
    h_tf = tf.zeros((B, H), dtype=tf.float64)
    loss_tf = tf.constant(0.0, dtype=tf.float64)
    for t in range(T):
        h_tf = tf.tanh(tf.matmul(xs[:, t], variables["U"]) + tf.matmul(h_tf, variables["W"]) + variables["b"])
        y_t = tf.matmul(h_tf, variables["V"]) + variables["c"]
        loss_tf += tf.reduce_mean((y_t - target[:, t]) ** 2)  # L_t: mean over the batch
tape_grads = dict(zip(variables, tape.gradient(loss_tf, list(variables.values()))))

ours = {**grads, "V": dV, "c": dc}
worst = max(gradcheck.rel_error(ours[name], tape_grads[name].numpy()) for name in ours)
print(f"loss: ours {total:.12f}, TensorFlow {loss_tf.numpy():.12f}; worst relative error {worst:.1e}")
assert worst < 1e-10, "BPTT in numpy should agree with tf.GradientTape"

# %% [markdown]
# ## 3.5 Vanishing and exploding gradients
#
# Suppose only the last step has a loss. Going back one step maps a gradient $g$ at $h_s$ to
# $g \,\mathrm{diag}(1 - h_s^2)\, W^\top$ at $h_{s-1}$, so
#
# $$\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_{T-1}} \prod_{s=T-1}^{t+1} \mathrm{diag}(1 - h_s^2)\, W^\top .$$
#
# That is a product of $T-1-t$ matrices. The diagonal factors lie in $(0, 1]$, equal to 1 only
# where the state is 0. Where the states are small (tanh nearly linear) the product is close
# to a power of $W^\top$, whose size is set by the eigenvalues of $W$: along an eigenvector the
# gradient is multiplied by $|\lambda|$ at every step. The largest $|\lambda|$, the **spectral
# radius** $\rho(W)$, decides: below 1 the gradient shrinks geometrically with the distance
# $T-1-t$ (vanishes), above 1 it grows geometrically (explodes).
#
# To see it cleanly we take $W = \rho Q$ with $Q$ orthogonal (what `init_params` gives): every
# eigenvalue of $Q$ has modulus 1, so $\rho(W) = \rho$, and $Q$ preserves lengths, so each step
# back multiplies the gradient norm by exactly $\rho$ as long as the states stay small. Tiny
# inputs keep them small.

# %%
B, T, D, H = 8, 30, 2, 16
base = cells.init_params("rnn", D, H, seed=5)
print("spectral radius of Q:", np.abs(np.linalg.eigvals(base["W"])).max().round(6))
dhs_last = np.zeros((B, T, H))
dhs_last[:, -1] = rng.normal(size=(B, H))  # the loss only at the last step
rhos = (0.8, 1.0, 1.2)


def norms_for(xs, rho):
    _, cache = bptt.forward("rnn", xs, {"U": base["U"], "W": rho * base["W"], "b": base["b"]})
    return bptt.grad_norms(dhs_last, cache)


xs_small = rng.normal(0.0, 1e-4, size=(B, T, D))
xs_unit = rng.normal(0.0, 1.0, size=(B, T, D))
small = {f"rho(W) = {r}": norms_for(xs_small, r) for r in rhos}
unit = {f"rho(W) = {r}": norms_for(xs_unit, r) for r in rhos}

fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained", sharey=True)
plots.plot_grad_norms(small, ax=ax_l)
steps = np.arange(1, T + 1)
predicted = {r: small[f"rho(W) = {r}"][-1] * r ** (T - steps) for r in rhos}
for r, line in zip(rhos, ax_l.get_lines()):
    # a wide pale band under each measured line: the prediction would hide under a thin one
    ax_l.plot(steps, predicted[r], "-", color=line.get_color(), linewidth=9, alpha=0.25, zorder=1)
ax_l.plot([], [], "-", color="grey", linewidth=9, alpha=0.25, label="$\\rho^{T-t}$, predicted")
ax_l.legend(frameon=False)
ax_l.set_title("tiny inputs: tanh almost linear\n(pale bands: $\\rho^{T-t}$)")
plots.plot_grad_norms(unit, ax=ax_r)
ax_r.set_title("inputs of size 1: many units saturate")
plt.show()

# %%
ratio = {r: small[f"rho(W) = {r}"][0] / small[f"rho(W) = {r}"][-1] for r in rhos}
print({r: f"{v:.3g} (rho^(T-1) = {r ** (T - 1):.3g})" for r, v in ratio.items()})
assert ratio[0.8] < 1e-2 < 1e2 < ratio[1.2], "rho < 1 should vanish and rho > 1 explode"
assert all(unit[k][0] < small[k][0] for k in unit), "saturation should shrink the gradient"
worst_fit = max(np.abs(np.log(small[f"rho(W) = {r}"] / predicted[r])).max() for r in rhos)
print(f"tiny inputs: measured norms within a factor {np.exp(worst_fit):.4f} of rho^(T-t)")
assert worst_fit < 0.01, "in the near-linear regime the measured norms should follow rho^(T-t) to 1%"
assert unit["rho(W) = 1.2"][0] < unit["rho(W) = 1.2"][-1], "with inputs of size 1 even rho = 1.2 should vanish"

# %% [markdown]
# The pale bands are $\rho^{T-t}$: in the near-linear regime the measured norms run along them
# (to within 1 %, checked above).
# On the right, the same matrices with inputs of size 1: many states sit near $\pm 1$, their
# factors $1 - h^2$ are close to 0, and even $\rho = 1.2$ produces a *vanishing* gradient. Both
# effects make it hard for a simple RNN to learn that an output depends on an input many
# steps earlier.
#
# The formula is just the chain rule: multiplying the factors for one sequence by hand
# reproduces the norm BPTT computes.

# %%
r = 1.2
W_r = r * base["W"]
hs_r, cache_r = bptt.forward("rnn", xs_small[:1], {"U": base["U"], "W": W_r, "b": base["b"]})
product = np.eye(H)
for s in range(T - 1, 0, -1):  # from step T-1 down to step 1: the first state needs T-1 factors
    product = product @ np.diag(1 - hs_r[0, s] ** 2) @ W_r.T
by_hand = np.linalg.norm(dhs_last[:1, -1] @ product)
by_bptt = bptt.grad_norms(dhs_last[:1], cache_r)[0]
print(f"|dL/d hs[:, 0]| by the product of factors: {by_hand:.6g}, by BPTT: {by_bptt:.6g}")
assert np.isclose(by_hand, by_bptt)

# %% [markdown]
# ### Exercise 3.3 (2 points, optional): the gradient norm through time
#
# Write `grad_norms_through_time(dhs, xs, h0, U, W, b)` returning an array `norms` of shape
# `(T,)` with `norms[t]` $= \lVert \partial L / \partial h_t \rVert$, the norm (over batch and
# hidden units together, `np.sqrt(np.sum(g ** 2))`) of the **total** gradient at $h_t$: its
# own `dhs[:, t]` plus what flows back from step $t+1$. You are given the parameters, not the
# states: run the forward pass first, then the backward loop. `norms[0]` belongs to step 0.

# %% nbgrader={"solution": true, "grade_id": "grad_norms_through_time"}
def grad_norms_through_time(dhs, xs, h0, U, W, b):
    """||dL/dh_t|| for every t: dhs (B, T, H), xs (B, T, D), h0 (B, H) -> norms (T,)."""
    ### BEGIN SOLUTION
    T = xs.shape[1]
    hs = []
    h = h0
    for t in range(T):
        h = np.tanh(xs[:, t] @ U + h @ W + b)
        hs.append(h)
    norms = np.zeros(T)
    dh_next = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        dh = dhs[:, t] + dh_next
        norms[t] = np.sqrt(np.sum(dh**2))
        dh_next = (dh * (1.0 - hs[t] ** 2)) @ W.T
    return norms
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "grad_norms_through_time_test", "points": 2}
check("grad_norms_through_time", grad_norms_through_time)
### BEGIN HIDDEN TESTS
check("grad_norms_through_time", grad_norms_through_time, hidden=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_vanishing", "points": 3}
# **Question 3.1 (3 points, written, core).** Using the product of factors $\mathrm{diag}(1 - h_s^2)\,W^\top$,
# explain (a) why the gradient reaching $h_t$ from a loss at step $T-1$ vanishes when
# $\rho(W) < 1$, (b) why it can vanish even when $\rho(W) > 1$ (right-hand plot), and (c) what
# this means for learning a dependency between an input at step 3 and an output at step 50.
#
# ### BEGIN SOLUTION
# *Model answer.* (a) $\partial L/\partial h_t$ is $\partial L/\partial h_{T-1}$ times $T-1-t$
# factors $\mathrm{diag}(1-h_s^2) W^\top$. The diagonal entries are at most 1, so each factor
# shrinks a vector at least as much as $W^\top$ does; when the states are small the product is
# close to $(W^\top)^{T-1-t}$, whose components along the eigenvectors scale like
# $|\lambda|^{T-1-t} \le \rho(W)^{T-1-t}$, which goes to 0 geometrically for $\rho < 1$ (for
# our $W = \rho Q$ the norm is exactly $\rho^{T-1-t}$). (b) With larger inputs or weights the
# units saturate: $|h_s| \approx 1$ makes $1 - h_s^2 \approx 0$, so the diagonal factors shrink
# the gradient far more than $W$ can grow it; the product vanishes although $\rho > 1$. Growth
# (explosion) needs both $\rho > 1$ and unsaturated states. (c) The gradient that connects the
# output at step 50 with the input at step 3 passes through 47 factors; it is exponentially
# small compared with the contributions of recent steps (or, in the exploding case,
# exponentially large and unstable), so gradient descent hardly changes the weights in the
# direction that would capture the long dependency. This motivates LSTMs/GRUs (additive
# memory paths, notebook 5 and 6), and clipping for the exploding case.
# 3 points: one for each part with a reason that uses the factors.
# ### END SOLUTION

# %% [markdown]
# ## 3.6 Truncated BPTT
#
# For a very long sequence (a whole book, a year of sensor readings) the cache of 3.1 does not
# fit, and one weight update per sequence is too few. **Truncated BPTT** cuts the sequence
# into segments of $k$ steps. The state still flows forward across the whole sequence (each
# segment starts from where the previous one ended), but the gradient stops at the start of
# its segment: the initial state of a segment is treated as a constant.
# `bptt.truncated_backward(dhs, cache, k)` does exactly this; $k \ge T$ is full BPTT, and
# $k = 1$ drops `dh_next` altogether.
#
# What does it lose? Every path from a loss back to an input in an earlier segment. Below the
# loss is at the last step only, so the gradient reaching each input $x_t$ is exactly what
# flows back through time.

# %%
B, T, D, H = 8, 24, 2, 8
p_tr = cells.init_params("rnn", D, H, seed=6)
p_tr["b"] = rng.normal(0.0, 0.3, size=H)
xs_tr = rng.normal(size=(B, T, D))
_, cache_tr = bptt.forward("rnn", xs_tr, p_tr)
dhs_end = np.zeros((B, T, H))
dhs_end[:, -1] = rng.normal(size=(B, H))

full = bptt.backward(dhs_end, cache_tr)
fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
ax.plot(np.arange(1, T + 1), np.linalg.norm(full[0], axis=(0, 2)), "o-", label="full BPTT")
for k, style in ((12, "s--"), (4, "D")):  # k = 4 hollow on top: where it exists it equals k = 12
    dxs_k = bptt.truncated_backward(dhs_end, cache_tr, k)[0]
    norms_k = np.linalg.norm(dxs_k, axis=(0, 2))
    ax.plot(np.arange(1, T + 1), np.where(norms_k > 0, norms_k, np.nan), style, markersize=9 if k == 4 else 6,
            markerfacecolor="none" if k == 4 else None, label=f"truncated, k = {k}")
ax.set(yscale="log", xlabel="time step $t$", ylabel=r"$\|\partial L / \partial x_t\|$",
       title="Loss at the last step: which inputs get a gradient")
ax.legend(frameon=False)
plt.show()
for k in (12, 4):
    reached = np.linalg.norm(bptt.truncated_backward(dhs_end, cache_tr, k)[0], axis=(0, 2)) > 0
    assert reached.sum() == k and reached[-k:].all(), f"with k = {k} exactly the last {k} inputs should get a gradient"

# %% [markdown]
# With truncation only the last $k$ inputs receive any gradient; the missing points are exact
# zeros (a log scale cannot show them).
# How much of the weight gradient is lost depends on how far the true gradient reaches: here it
# vanishes anyway, so larger segments soon recover most of `dW`. A task whose answer depends
# on an input more than $k$ steps back gets no learning signal at all.

# %%
errors = {}
for k in (1, 2, 4, 6, 12, 24):  # segments of equal length: k divides T
    dW_k = bptt.truncated_backward(dhs_end, cache_tr, k)[3]["W"]
    errors[k] = np.linalg.norm(dW_k - full[3]["W"]) / np.linalg.norm(full[3]["W"])
    print(f"k = {k:2d}: relative error of dW {errors[k]:.3f}")
assert errors[1] > errors[4] > errors[12] and errors[24] < 1e-12, "truncation loses less as k grows"

# %% [markdown]
# ## 3.7 Gradient clipping
#
# When the gradient explodes, a single update $\theta \leftarrow \theta - \eta\, g$ with a huge
# $g$ throws the weights far from where the gradient was measured (the "cliff" of the loss
# surface), and training may never recover. **Clipping by the global norm** caps the length of
# the update and keeps its direction:
#
# $$\lVert g \rVert = \sqrt{\textstyle\sum_{\text{all arrays}} \sum_{\text{entries}} g^2}, \qquad g \leftarrow g \cdot \min\!\left(1, \frac{c}{\lVert g \rVert}\right).$$
#
# Clipping each array separately, or each entry (`np.clip`), also bounds the update but turns
# it: it is no longer a step along the gradient. The cosine between the clipped update and the
# original gradient shows the difference:

# %%
g = {"U": rng.normal(0.0, 50.0, size=(2, 4)), "W": rng.normal(0.0, 1.0, size=(4, 4)), "b": rng.normal(0.0, 1.0, size=4)}
clipped, norm = bptt.clip_by_global_norm(g, 1.0)
per_array = {k: v * min(1.0, 1.0 / np.linalg.norm(v)) for k, v in g.items()}


def flat(d):
    return np.concatenate([d[k].ravel() for k in ("U", "W", "b")])


def cosine(a, b):
    return float(flat(a) @ flat(b) / (np.linalg.norm(flat(a)) * np.linalg.norm(flat(b))))


print(f"norm before {norm:.1f}, after {np.linalg.norm(flat(clipped)):.3f}")
print(f"cosine with the gradient: global {cosine(clipped, g):.4f}, per array {cosine(per_array, g):.4f}")
assert cosine(clipped, g) > 1 - 1e-12 > 0.9 > cosine(per_array, g), "global clipping keeps the direction, per array turns it"

# %% [markdown]
# ### Exercise 3.4 (2 points, core): clipping by the global norm
#
# Write `clip_grads(dU, dW, db, max_norm)` returning the three gradients scaled together so
# that their global norm is at most `max_norm` (and unchanged when it already is). Return new
# arrays; do not modify the inputs.

# %% nbgrader={"solution": true, "grade_id": "clip_grads"}
def clip_grads(dU, dW, db, max_norm):
    """Clip (dU, dW, db) by their global norm: -> (dU, dW, db) scaled by min(1, max_norm / norm)."""
    ### BEGIN SOLUTION
    norm = math.sqrt(sum(np.sum(g * g) for g in (dU, dW, db)))
    scale = max_norm / max(norm, max_norm)  # 1 when the norm is already small enough
    return dU * scale, dW * scale, db * scale
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "clip_grads_test", "points": 2}
check("clip_grads", clip_grads)
### BEGIN HIDDEN TESTS
check("clip_grads", clip_grads, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ### An exploding gradient, tamed
#
# A memory task: read 20 random numbers and output the **first** one after the last. The RNN
# starts in the exploding regime of 3.5: $W = 1.5\,Q$ and tiny input weights, so the states are
# small and $x_0$ reaches the output through 19 factors of about 1.5. We train it twice with
# plain gradient descent, same learning rate, same start: once as is and once with the
# gradient clipped to norm 1 before every update.

# %%
def train(max_norm, steps=80, lr=0.05, B=64, T=20, H=16):
    """Gradient descent on the remember-the-first-input task.

    Returns (losses, global gradient norms before clipping, per-array norms of the first
    gradient, fraction of saturated states |h| > 0.99 at the end).
    """
    data = np.random.default_rng(1)
    xs = data.normal(size=(B, T, 1))
    target = xs[:, :1, :]  # (B, 1, 1): one output, after the last step
    start = cells.init_params("rnn", 1, H, seed=7)
    params = {"U": 1e-4 * data.normal(size=(1, H)), "W": 1.5 * start["W"], "b": start["b"],
              "V": data.normal(0.0, H**-0.5, size=(H, 1)), "c": np.zeros(1)}
    losses, norms, first = [], [], None
    for _ in range(steps):
        hs, cache = bptt.forward("rnn", xs, {k: params[k] for k in ("U", "W", "b")})
        y, head_cache = bptt.linear_head(hs[:, -1:], params["V"], params["c"])
        _, loss, dy = bptt.mse_loss(y, target)
        dh_last, dV, dc = bptt.linear_head_backward(dy, head_cache)
        dhs = np.zeros_like(hs)
        dhs[:, -1:] = dh_last  # the loss sits at the last step only
        grads = {**bptt.backward(dhs, cache)[3], "V": dV, "c": dc}
        if first is None:
            first = {k: float(np.linalg.norm(v)) for k, v in grads.items()}
        if max_norm is None:
            norm = math.sqrt(sum(float(np.sum(v * v)) for v in grads.values()))
        else:
            grads, norm = bptt.clip_by_global_norm(grads, max_norm)
        for k in params:
            params[k] = params[k] - lr * grads[k]
        losses.append(float(loss))
        norms.append(norm)
    return np.array(losses), np.array(norms), first, float(np.mean(np.abs(hs) > 0.99))


runs = {"no clipping": train(None), "clipped at norm 1": train(1.0)}

fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
plots.plot_training_curves({label: {"loss": run[0]} for label, run in runs.items()}, ax=ax_l)
ax_l.set(yscale="log", xlabel="update step", title="Loss (mean squared error)")
for label, run in runs.items():
    ax_r.plot(np.arange(1, len(run[1]) + 1), run[1], label=label)
ax_r.set(yscale="log", xlabel="update step", ylabel="global norm before clipping", title="Gradient norm")
ax_r.legend(frameon=False)
plt.show()

# %%
(loss_plain, _, first, sat_plain), (loss_clip, _, _, sat_clip) = runs.values()
print("first gradient, norm per array:", {k: round(v, 1) for k, v in first.items()})
print(f"loss: start {loss_plain[0]:.3f}; after 80 updates {loss_plain[-1]:.3f} without clipping, "
      f"{loss_clip[-1]:.3f} with clipping")
print(f"saturated states at the end: {sat_plain:.0%} without clipping, {sat_clip:.0%} with clipping")
assert first["U"] > 1000 and first["U"] > 10 * first["V"], "the gradient should explode through time"
assert loss_plain[1] > 1.5 * loss_plain[0], "the unclipped first step should make things worse"
assert loss_clip[-1] < 0.15 * loss_clip[0] and loss_plain[-1] > 5 * loss_clip[-1], "clipping should win"
assert sat_plain > 0.5 > 0.05 > sat_clip, "the unclipped run should end saturated, the clipped one not"
assert abs(loss_plain[-1] - 1) < 0.2, "unclipped, the network should stay near the loss of predicting the average (about 1)"

# %% [markdown]
# The first gradient has norm in the thousands, almost all of it in `dU`: the loss is extremely
# sensitive to how the first input enters the state, because that effect is multiplied by
# about 1.5 at each of the 19 steps to the output. One unclipped step of length
# $0.05 \times 3000$ turns input weights of size $10^{-4}$ into weights of size about 40. The
# units saturate, their factors $1 - h^2$ drop to zero, the gradient now *vanishes*, and the
# network stays stuck near the loss of predicting the average (about 1, the variance of the
# target). With clipping, the same first direction is followed in steps of
# bounded length and the network learns the task. Clipping treats the symptom of exploding
# gradients; it does nothing for vanishing ones, which need a different architecture.
#
# ## Summary
#
# * The forward pass keeps every $x_t$ and $h_t$; going back through tanh uses $1 - h_t^2$.
# * BPTT adds the gradient flowing back from step $t+1$ to the loss gradient at step $t$
#   *before* the tanh, and sums the shared weights' gradients over the steps.
# * The gradient from step $T-1$ to step $t$ is a product of $T-1-t$ factors
#   $\mathrm{diag}(1-h^2) W^\top$: it vanishes for $\rho(W) < 1$ or saturated units, and
#   explodes for $\rho(W) > 1$ with unsaturated units.
# * Truncated BPTT saves memory and time but cannot learn dependencies longer than $k$ steps;
#   clipping by the global norm keeps exploding updates in check without turning them.
