# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 10. Capstone: a character RNN trained on your own gradients
#
# In notebooks 2 and 3 you wrote a simple RNN forwards and backwards and clipped its gradient;
# in notebook 8 Keras trained a character model for you. Here nothing is given: you put your
# own pieces together into a character-level language model, train it with a gradient-descent
# loop you write, watch its loss fall, let it write, and measure it against the n-gram of
# notebook 1. Everything runs in numpy; training takes a few seconds.
#
# After this notebook you can
#
# - compute the loss and every gradient of a complete character RNN (one-hot input, simple
#   RNN, softmax output) by composing a forward pass, a softmax head and BPTT;
# - write the training loop: mini-batches, gradient clipping, the SGD update;
# - generate text by feeding the model its own samples;
# - compare held-out perplexities honestly, and say when a neural model loses to counting.
#
# **Your own earlier answers.** The model is trained with *your* `rnn_forward` (notebook 2),
# `rnn_backward` and `clip_grads` (notebook 3): you paste them into the answer cells of
# Exercises 10.1 and 10.2, above the function that uses them. The grader replays this
# notebook, so whatever you paste there is what it runs; each exercise is checked on fresh
# inputs, as before. If one of your earlier answers failed its check, fix it first: the checks
# of this notebook will fail too, and their message names the part that is wrong.
#
# **Time.** The core (sections 10.1 to 10.5: three exercises and one written question) takes
# about 75 minutes. Section 10.6 is optional (about 20 minutes).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from rnnkit import cells, data, gradcheck, ngram
from rnnkit.checking import check

rng = np.random.default_rng(0)

# %% [markdown]
# ## 10.1 The text (core)
#
# The text is a short story written for this course, `data/lighthouse.txt` (about 7 KB, shipped
# with the notebook): lower case, with spaces, newlines and a little punctuation. Its first
# 6,000 characters are for training; the rest is held out to measure the models. The vocabulary
# is every character of the whole file, so no held-out character is unknown.

# %%
text = data.load_text("data/lighthouse.txt")
split = 6000
train_text, heldout_text = text[:split], text[split:]
chars = sorted(set(text))
K = len(chars)
char_to_id = {ch: i for i, ch in enumerate(chars)}
train_ids = np.array([char_to_id[ch] for ch in train_text])
heldout_ids = np.array([char_to_id[ch] for ch in heldout_text])
assert 6000 < len(text) < 8000, "the story should be about 7 KB"
print(f"{len(text)} characters: {len(train_text)} for training, {len(heldout_text)} held out; K = {K} symbols")
print(repr("".join(chars)))
print(train_text[:240])

# %% [markdown]
# As in notebook 8 the model reads a chunk of `T` characters and predicts, at every step, the
# next one: the targets are the inputs shifted by one. We cut the training text into
# consecutive chunks of `T + 1` ids that overlap by one.

# %%
T = 25
n_chunks = (len(train_ids) - 1) // T
chunks = np.stack([train_ids[i * T : i * T + T + 1] for i in range(n_chunks)])  # (n_chunks, T + 1)
print("chunks", chunks.shape, " input:", repr(train_text[:T]), " target:", repr(train_text[1 : T + 1]))

# %% [markdown]
# ## 10.2 The model, its loss and its gradients (core)
#
# Character $x_t$ enters as a one-hot row vector of length $K$, so $x_t U$ is simply row
# $x_t$ of `U (K, H)`. Then the simple RNN of notebook 2 and a softmax over the $K$ symbols:
#
# $$h_t = \tanh(x_t U + h_{t-1} W + b), \qquad p_t = \mathrm{softmax}(h_t V + c),$$
#
# and the lecture's total loss, summed over the steps and averaged over the batch:
#
# $$L = \sum_{t} \frac{1}{B} \sum_{i=1}^{B} -\ln p_{t}[i, y_{t,i}] .$$
#
# Backwards: with $z_t = h_t V + c$ the logits, $\partial L / \partial z_t = (p_t -
# \mathrm{onehot}(y_t)) / B$. From there the head is a product like any other ($dV = \sum_t
# h_t^\top dz_t$, $dc = \sum_t \sum_i dz_t$), and the head passes $dz_t V^\top$ down to each
# $h_t$: exactly the `dhs` that your `rnn_backward` of notebook 3 takes.
#
# ### Exercise 10.1 (4 points, core): loss and gradients of the whole model
#
# At the top of the answer cell, paste your `rnn_forward(xs, h0, U, W, b)` from notebook 2 and
# your `rnn_backward(dhs, xs, h0, hs, U, W)` from notebook 3. Then write
# `char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c)`: `ids` and `targets` are integer
# arrays `(B, T)`, `h0 (B, H)`. Turn `ids` into one-hot inputs `(B, T, K)` (`np.eye(K)[ids]`
# does it), run your forward pass and the head, and return
# `(loss, dU, dW, db, dV, dc, h_last)`: the loss above as a Python float, the gradient of every
# weight, and the state after the last step, `(B, H)`. Subtract the row maximum before `np.exp`.

# %% nbgrader={"solution": true, "grade_id": "char_rnn_loss_and_grads"}
# Your rnn_forward (notebook 2) and rnn_backward (notebook 3), pasted here:
### BEGIN SOLUTION
def rnn_forward(xs, h0, U, W, b):
    """States of a simple RNN: xs (B, T, D), h0 (B, H) -> hs (B, T, H)."""
    hs, h = [], h0
    for x in xs.transpose(1, 0, 2):  # x: the inputs of one step, (B, D)
        h = np.tanh(x @ U + h @ W + b)
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_backward(dhs, xs, h0, hs, U, W):
    """BPTT: dhs (B, T, H) -> (dxs (B, T, D), dh0 (B, H), dU (D, H), dW (H, H), db (H,))."""
    h_before = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)  # the state entering each step
    das, dh_next = np.zeros_like(hs), np.zeros_like(h0)
    for t in reversed(range(xs.shape[1])):
        das[:, t] = (dhs[:, t] + dh_next) * (1.0 - hs[:, t] ** 2)
        dh_next = das[:, t] @ W.T
    dU = np.einsum("btd,bth->dh", xs, das)  # the per-step x_t^T da_t, summed over t
    dW = np.einsum("bti,bth->ih", h_before, das)
    return das @ U.T, dh_next, dU, dW, das.sum(axis=(0, 1))
### END SOLUTION


def char_rnn_loss_and_grads(ids, targets, h0, U, W, b, V, c):
    """ids, targets (B, T) int, h0 (B, H), U (K, H), W (H, H), b (H,), V (H, K), c (K,)
    -> (loss float, dU (K, H), dW (H, H), db (H,), dV (H, K), dc (K,), h_last (B, H))."""
    ### BEGIN SOLUTION
    B, T = ids.shape
    K, H = V.shape[1], W.shape[0]
    xs = np.eye(K)[ids]  # (B, T, K) one-hot
    hs = rnn_forward(xs, h0, U, W, b)
    z = hs @ V + c
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)  # (B, T, K)
    picked = np.take_along_axis(p, targets[..., None], axis=-1)[..., 0]  # p of each target, (B, T)
    loss = float(-np.log(picked).sum() / B)
    dz = p.copy()
    np.put_along_axis(dz, targets[..., None], picked[..., None] - 1, axis=-1)
    dz /= B
    dV = hs.reshape(-1, H).T @ dz.reshape(-1, K)
    dc = dz.sum(axis=(0, 1))
    _, _, dU, dW, db = rnn_backward(dz @ V.T, xs, h0, hs, U, W)
    return loss, dU, dW, db, dV, dc, hs[:, -1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "char_rnn_loss_and_grads_test", "points": 4}
check("char_rnn_loss_and_grads", char_rnn_loss_and_grads)
### BEGIN HIDDEN TESTS
check("char_rnn_loss_and_grads", char_rnn_loss_and_grads, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Before training on them, the usual test of any gradient: centred finite differences of your
# loss, on a small model and a small batch of our text.

# %%
H_small = 6
p_small = cells.init_params("rnn", K, H_small, seed=1)
p_small["b"] = rng.normal(0.0, 0.3, size=H_small)
p_small["V"], p_small["c"] = rng.normal(0.0, 0.5, size=(H_small, K)), rng.normal(0.0, 0.5, size=K)
x_small, y_small = chunks[:3, :8], chunks[:3, 1:9]
h0_small = np.zeros((3, H_small))


def small_loss():
    return char_rnn_loss_and_grads(x_small, y_small, h0_small, **p_small)[0]


_, *grads_small, _ = char_rnn_loss_and_grads(x_small, y_small, h0_small, **p_small)
report = gradcheck.check_gradients(small_loss, p_small, dict(zip(("U", "W", "b", "V", "c"), grads_small)))
print(report)
assert max(err for err, _ in report.values()) < 1e-6, "your gradients should match finite differences"

# %% [markdown]
# ## 10.3 Training with SGD (core)
#
# One step of stochastic gradient descent on a batch: compute the loss and the gradients at the
# current weights, clip, and move every weight a little downhill, $\theta \leftarrow \theta -
# \eta\, \partial L / \partial \theta$. Exploding gradients come from the recurrence (notebook
# 3), so we clip the recurrent gradients `dU, dW, db` together by their global norm with your
# `clip_grads`; the head's `dV, dc` cannot explode (they are bounded by the probabilities and the
# states, all in $[-1, 1]$) and go in unclipped. Every batch starts from the zero state.
#
# ### Exercise 10.2 (3 points, core): the training loop
#
# Paste your `clip_grads(dU, dW, db, max_norm)` from notebook 3 at the top of the answer cell.
# Then write `sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm)`: `ids` and `targets` are
# `(S, B, T)`, that is `S` batches in the order they are to be used. For each batch `s`: the
# loss and gradients with your `char_rnn_loss_and_grads` from `h0 = 0`, clipping, and the update
# with learning rate `lr`. Return `(losses, U, W, b, V, c)`: `losses (S,)` holds the loss of each
# batch *before* its update, then the weights after the last step. Build new arrays (`U = U - lr
# * dU`), do not change the arrays you were given. The check replays a few steps from fresh
# weights and compares your whole trajectory with the reference's.

# %% nbgrader={"solution": true, "grade_id": "sgd_steps"}
# Your clip_grads (notebook 3), pasted here:
### BEGIN SOLUTION
def clip_grads(dU, dW, db, max_norm):
    """Scale (dU, dW, db) together so that their global norm is at most max_norm."""
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in (dU, dW, db)))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return dU * scale, dW * scale, db * scale
### END SOLUTION


def sgd_steps(ids, targets, U, W, b, V, c, lr, max_norm):
    """ids, targets (S, B, T) int; weights as in char_rnn_loss_and_grads; lr, max_norm floats
    -> (losses (S,), U, W, b, V, c) after S clipped SGD steps, one per batch."""
    ### BEGIN SOLUTION
    losses = np.zeros(len(ids))
    for s in range(len(ids)):
        h0 = np.zeros((ids.shape[1], W.shape[0]))
        losses[s], dU, dW, db, dV, dc, _ = char_rnn_loss_and_grads(ids[s], targets[s], h0, U, W, b, V, c)
        dU, dW, db = clip_grads(dU, dW, db, max_norm)
        U, W, b, V, c = U - lr * dU, W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
    return losses, U, W, b, V, c
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "sgd_steps_test", "points": 3}
check("sgd_steps", sgd_steps)
### BEGIN HIDDEN TESTS
check("sgd_steps", sgd_steps, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Now the real thing: 32 hidden units, batches of 16 chunks, learning rate 0.1, clipping at 5.
# One epoch is one pass over the training chunks in a fresh random order (14 batches, one call
# of your `sgd_steps`). After each epoch we measure the loss on the held-out text, read in one
# piece from the zero state, with your `char_rnn_loss_and_grads` (its gradients are not used).
# We divide both losses by the number of characters, so they read as nats per character, and
# start from $\ln K$, the loss of a model that knows nothing.


# %%
def init_model(H, seed):
    """A fresh character RNN: Glorot U (K, H), orthogonal W (H, H), zero biases, small V (H, K)."""
    p = cells.init_params("rnn", K, H, seed=seed)
    p["V"] = np.random.default_rng(seed).normal(0.0, 1.0 / math.sqrt(H), size=(H, K))
    p["c"] = np.zeros(K)
    return p


def heldout_nll(p):
    """Mean -ln p per held-out character (the text read in one piece from the zero state)."""
    H = p["W"].shape[0]
    loss = char_rnn_loss_and_grads(heldout_ids[None, :-1], heldout_ids[None, 1:], np.zeros((1, H)), **p)[0]
    return loss / (len(heldout_ids) - 1)


def train(H, epochs, lr=0.1, max_norm=5.0, B=16, seed=0):
    """SGD with your sgd_steps; -> (weights, per-step training loss per character, held-out per epoch)."""
    p, order_rng = init_model(H, seed), np.random.default_rng(seed)
    steps, heldout = [], []
    n_batches = n_chunks // B
    for _ in range(epochs):
        batches = chunks[order_rng.permutation(n_chunks)[: n_batches * B]].reshape(n_batches, B, T + 1)
        losses, *weights = sgd_steps(batches[..., :-1], batches[..., 1:], *p.values(), lr, max_norm)
        p = dict(zip(p, weights))
        steps.extend(losses / T)
        heldout.append(heldout_nll(p))
    return p, np.array(steps), np.array(heldout)


# %%
H, epochs = 32, 60
model, train_curve, heldout_curve = train(H, epochs)
steps_per_epoch = len(train_curve) // epochs
assert steps_per_epoch == 14, "239 chunks make 14 batches of 16"
final_train = train_curve[-steps_per_epoch:].mean()
print(f"{sum(v.size for v in model.values())} weights, {len(train_curve)} SGD steps; loss per character: start {train_curve[0]:.3f} (ln K = {math.log(K):.3f}), "
      f"last epoch {final_train:.3f}; held-out {heldout_curve[-1]:.3f}")

fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
ax.plot(np.arange(1, len(train_curve) + 1), train_curve, lw=0.8, color="tab:blue", label="training batch")
ax.plot(steps_per_epoch * np.arange(1, epochs + 1), heldout_curve, "o-", ms=3, color="tab:orange",
        label="held-out text (after each epoch)")
ax.axhline(math.log(K), ls=":", color="gray", label="$\\ln K$: uniform guess")
ax.set(xlabel="SGD step", ylabel="loss per character (nats)", title="Your character RNN learning")
ax.legend(frameon=False);

# %% [markdown]
# The stated target for the model answer: after 60 epochs the training loss is below
# **1.6 nats per character**, from $\ln K \approx 3.4$ at the start. The held-out loss falls
# with it at first, then levels off above it: the model starts to learn this particular text
# rather than English.

# %%
assert train_curve[0] > 0.9 * math.log(K), "an untrained model should be close to the uniform guess"
assert final_train < 1.6, f"the training loss should fall below 1.6 nats per character, got {final_train:.3f}"
assert heldout_curve.min() < 0.6 * math.log(K), "the held-out loss should fall well below ln K"
assert heldout_curve[-1] > final_train, "the held-out loss should stay above the training loss"

# %% [markdown]
# ## 10.4 Letting it write (core)
#
# To generate, feed a first character, turn the state into a distribution over the next one,
# **draw** a character from it, and feed that back in as the next input: the model reads its own
# output. As in notebook 8 the temperature $\tau$ divides the logits before the softmax, and a
# draw with a uniform number $u$ takes the first index whose cumulative probability exceeds $u$.
#
# ### Exercise 10.3 (3 points, core): the sampling loop
#
# Write `sample_chars(first_id, h0, U, W, b, V, c, temperature, u)`: `first_id` is an int, `h0`
# a single state `(H,)`, `u` an array of `n` uniform numbers in $[0, 1)$. At step `t` read the
# current character (at `t = 0`, `first_id`), update the state, compute
# $\mathrm{softmax}(z / \tau)$ with $z = hV + c$, and draw the next character with `u[t]`.
# Return the `n` drawn ids as an integer array `(n,)` (`first_id` itself not included).

# %% nbgrader={"solution": true, "grade_id": "sample_chars"}
def sample_chars(first_id, h0, U, W, b, V, c, temperature, u):
    """first_id int, h0 (H,), weights as before, temperature > 0, u (n,) -> ids (n,) int."""
    ### BEGIN SOLUTION
    h, char, out = h0, first_id, []
    for draw in u:
        h = np.tanh(U[char] + h @ W + b)  # a one-hot x times U is a row of U
        z = (h @ V + c) / temperature
        probs = np.exp(z - z.max())
        probs /= probs.sum()
        char = min(int(np.sum(np.cumsum(probs) <= draw)), len(probs) - 1)
        out.append(char)
    return np.array(out, dtype=np.int64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "sample_chars_test", "points": 3}
check("sample_chars", sample_chars)
### BEGIN HIDDEN TESTS
check("sample_chars", sample_chars, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# The trained model, and for contrast the same model before training, each writing 300
# characters after "t" with the same random draws:


# %%
def write(p, temperature, n=300, seed=0):
    draws = np.random.default_rng(seed).uniform(size=n)
    ids = sample_chars(char_to_id["t"], np.zeros(p["W"].shape[0]), *p.values(), temperature, draws)
    return "t" + "".join(chars[i] for i in ids)


untrained = init_model(H, seed=0)
print("untrained, temperature 1:\n" + write(untrained, 1.0) + "\n")
for tau in (0.5, 1.0):
    print(f"trained, temperature {tau}:\n" + write(model, tau) + "\n")

# %% [markdown]
# Before training the characters are a jumble. After a few seconds of SGD the model has learned
# the shape of the text: words of plausible length between spaces, frequent words of the story
# ("the", "keeper", "and"), a full stop followed by a space. At temperature 0.5 it keeps to the
# story's frequent words; at 1 it invents more words of its own. We check both claims with a
# number: the share of generated "words" that are words of the story.

# %%
story_words = set(text.replace("\n", " ").replace(".", " ").replace(",", " ").split())


def known_share(sample):
    words = sample.replace("\n", " ").replace(".", " ").replace(",", " ").split()
    return sum(w in story_words for w in words) / len(words)


shares = {"untrained, 1.0": known_share(write(untrained, 1.0)), "trained, 1.0": known_share(write(model, 1.0)),
          "trained, 0.5": known_share(write(model, 0.5))}
print("words of the story among the generated words:", {name: f"{share:.0%}" for name, share in shares.items()})
assert shares["untrained, 1.0"] < 0.1 < 0.25 < shares["trained, 1.0"], "after training, many generated words should be words of the story"
assert shares["trained, 0.5"] > shares["trained, 1.0"], "a lower temperature should keep closer to the story's words"

# %% [markdown]
# ## 10.5 Perplexity against the n-gram of notebook 1 (core)
#
# Perplexity is $\exp$ of the mean loss per character (notebook 8). The n-grams of notebook 1
# are fitted on the same 6,000 training characters and score the same held-out characters (the
# first held-out character has no context for the RNN, so both skip it). For each order $k$ we
# keep the smoothing $\alpha \in \{1, 0.1, 0.01\}$ with the lowest held-out perplexity, which
# flatters the n-grams.

# %%
alphabet = "".join(chars)
rnn_ppl = math.exp(heldout_nll(model))
ngram_ppl = {}
for k in range(4):
    ngram_ppl[k] = min(
        ngram.perplexity_from_nll(-ngram.CharNGram(k, alpha=a).fit(train_text, alphabet=alphabet).log_probs(heldout_text)[1:])
        for a in (1.0, 0.1, 0.01))
names = ["unigram", "bigram", "trigram", "4-gram"] + ["your RNN"]  # order k: k characters of context
values = list(ngram_ppl.values()) + [rnn_ppl]
for name, value in zip(names, values):
    print(f"{name:>9}: held-out perplexity {value:.2f}")

fig, ax = plt.subplots(figsize=(6.5, 3.2), layout="constrained")
ax.bar(names, values, color=["tab:gray"] * len(ngram_ppl) + ["tab:blue"])
ax.axhline(K, ls=":", color="gray")
ax.set(ylabel="held-out perplexity", title=f"Lower is better (uniform guess: {K})");

# %% [markdown]
# (An n-gram of order $k$ reads $k$ characters of context: the bigram has $k = 1$.) Your RNN is
# far better than the unigram and clearly better than the bigram, but the trigram and the 4-gram
# beat it. This is not the result of notebook 8, where a GRU beat every n-gram up to the 4-gram:
# there it had 30,000 characters from a small grammar, Adam and a gated cell; here it has 6,000
# characters of a story, 60 epochs of plain SGD and a simple tanh cell.

# %%
assert rnn_ppl < 0.5 * ngram_ppl[0], "the RNN should be far better than the unigram"
assert rnn_ppl < 0.8 * ngram_ppl[1], "the RNN should be clearly better than the bigram"
assert max(ngram_ppl[2], ngram_ppl[3]) < 0.95 * rnn_ppl, "on this small text the trigram and the 4-gram should beat the RNN"

# %% [markdown]
# **Question 10.1 (2 points, written, core).** On this text the trigram, a table of counts,
# beats the RNN you trained. Give two reasons from this notebook's set-up, and say what you would
# change first to make the RNN win, and why it would help.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_capstone_baseline", "points": 2}
# ### BEGIN SOLUTION
# *Model answer.* (1) Data: 6,000 training characters are very few. The trigram only needs to
# have seen each two-character context a few times, and the held-out ending of the story
# repeats whole phrases of the training part ("counted them and wrote the number in the
# notebook"), which short exact contexts exploit, with the smoothing chosen on the held-out
# text itself. The RNN's 3,071 weights (printed in 10.3) must be learned from the same few examples, and it
# overfits: its training loss keeps falling while the held-out loss levels off above it (the
# plot of 10.3). (2) Training: plain SGD with a fixed learning rate for 840 steps, truncated to
# chunks of 25 characters that all start from the zero state, is a weak optimiser; an ungated
# tanh cell also struggles to keep information for long. What to change first: more text
# (tens of thousands of characters), because overfitting is the visible problem, and more
# text helps the RNN more than the n-gram, whose table of longer contexts becomes sparse while
# the RNN shares its weights across all contexts. Also acceptable with a reason: carrying the
# state from chunk to chunk, Adam or a decaying learning rate, a GRU/LSTM cell, early stopping.
# 1 point per reason tied to the set-up, up to 2.
# ### END SOLUTION

# %% [markdown]
# ## 10.6 A bigger model is not always better (optional)
#
# Doubling the hidden units quadruples `W` and doubles `U` and `V`. On a text this small the
# extra capacity goes into memorising it: the training loss falls further, and the held-out loss
# rises.

# %%
big, big_train, big_heldout = train(64, epochs)
fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
for name, curve, colour in (("H = 32", heldout_curve, "tab:orange"), ("H = 64", big_heldout, "tab:red")):
    ax.plot(np.arange(1, epochs + 1), curve, color=colour, label=f"{name}, held-out")
ax.set(xlabel="epoch", ylabel="held-out loss per character (nats)", title="More capacity, more overfitting")
ax.legend(frameon=False)
big_final = big_train[-steps_per_epoch:].mean()
print(f"last epoch, training loss: H=32 {final_train:.3f}, H=64 {big_final:.3f}; "
      f"held-out: H=32 {heldout_curve[-1]:.3f}, H=64 {big_heldout[-1]:.3f}")
assert big_final < final_train and big_heldout[-1] > heldout_curve[-1], "H = 64 should fit the training text better and the held-out text worse"

# %% [markdown]
# **Question 10.2 (1 point, written, optional).** The held-out curve of `H = 64` has its minimum
# early and then rises. If you had to hand in one `H = 64` model, how would you choose the epoch
# to stop at, and which text may that choice not use to report the model's final perplexity?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_capstone_early_stopping", "points": 1}
# ### BEGIN SOLUTION
# *Model answer.* Early stopping: measure the loss on a validation text after every epoch, keep
# the weights of the epoch with the lowest validation loss. The text used to choose the epoch
# is then part of the model selection, so the reported perplexity must come from a third text
# that took no part in training or choosing (a test split); reporting the minimum of the curve
# used for the choice flatters the model, as choosing alpha on the held-out text flatters the
# n-grams in 10.5.
# ### END SOLUTION

# %% [markdown]
# ## Summary
#
# - A character language model is an embedding (a one-hot row of `U`), a recurrence and a softmax
#   head; its gradient is the softmax's $p - \mathrm{onehot}(y)$ pushed through the head into
#   BPTT.
# - Training is a short loop: loss and gradients at the current weights, clip the recurrent
#   part, step downhill, repeat on the next batch.
# - Generating feeds each sample back in as the next input; the temperature trades repetition
#   for invention.
# - A baseline is part of the result: on a few kilobytes of text a tuned trigram beats a small
#   RNN trained for seconds, and a bigger RNN overfits sooner.
