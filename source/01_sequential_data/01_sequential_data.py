# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 1. Sequential data
#
# A sequence is a list of observations whose *order* is part of the data: shuffle the words of
# a sentence, the rows of a handwritten digit or the days of a sales record and you have thrown
# information away. Everything in this week's lectures, recurrent networks, LSTMs and GRUs, is a
# way to use that order. Before building any network we look at what a sequence is as an array,
# at the one formula every sequence model is built on (the chain rule of probability), and at
# the two baselines any model must beat: counting characters, and copying the last value.
#
# After this notebook you can
#
# - turn a sentence, an image and a short video into a `(time, features)` array and say what
#   one time step is in each case;
# - write the probability of a whole sequence as a product of next-step predictions, and check
#   it with numbers;
# - fit a character n-gram by counting, with add-alpha smoothing, and score a text by its
#   log-likelihood and perplexity;
# - cut a time series into (input window, target) pairs and measure the naive forecast.
#
# No neural network appears in this notebook: it is all numpy and counting.
#
# **Time.** Core: about 35 minutes (every section, Exercises 1.1 to 1.3, Questions 1.1 and
# 1.2). Nothing in this notebook is optional.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from rnnkit import data, ngram, plots
from rnnkit.checking import check
from rnnkit.embedding import Vocabulary, char_tokenize, one_hot, word_tokenize

rng = np.random.default_rng(0)


def show(char):
    """A visible label for a character in plots: space and newline get symbols."""
    return {" ": "\u2423", "\n": "\\n"}.get(char, char)

# %% [markdown]
# ## 1.1 One sequence, many views
#
# A model that reads a sequence sees it as an array of shape `(time, features)`: `T` steps,
# each a vector of `D` numbers. A batch of such arrays is the `(batch, time, features)` array
# that Keras' recurrent layers expect. What counts as "one step" is our choice.
#
# **Text.** The same sentence is 9 steps long if a step is a word (the full stop counts), and 48
# steps long if a step
# is a character.

# %%
sentence = "The old sailor walked towards a distant village."
words = word_tokenize(sentence)
chars = char_tokenize(sentence)
print(f"{len(words)} word steps:", words)
print(f"{len(chars)} character steps:", "".join(chars[:20]), "...")
assert (len(words), len(chars)) == (9, 48), "the prose above counts 9 word steps and 48 character steps"

# %% [markdown]
# To become numbers, characters get integer ids from a vocabulary, and each id becomes a
# one-hot vector: the sentence is then a `(T, V)` array, one row per character, with a single
# 1 per row. Time runs from left to right in the picture below.

# %%
char_vocab = Vocabulary.build([sentence], tokenizer=char_tokenize, pad_token=None, num_oov_buckets=0)
ids = char_vocab.encode(sentence)
onehot = one_hot(ids, len(char_vocab))
print("ids:", ids[:12], "...  shape", ids.shape, "->  one-hot", onehot.shape, "(time, features)")

fig, ax = plt.subplots(figsize=(10, 3.2), layout="constrained")
ax.imshow(onehot.T, aspect="auto", cmap="Greys", interpolation="nearest")
ax.set_xticks(range(len(chars)), [show(c) for c in chars], fontsize=7)
ax.set_yticks(range(len(char_vocab)), [show(c) for c in char_vocab.id_to_token], fontsize=6)
ax.set_xlabel("time step (one character each)")
ax.set_ylabel("feature (vocabulary id)")
ax.set_title("A sentence as a (time, features) one-hot array");

# %% [markdown]
# **An image, row by row.** A 28 x 28 grey-scale digit can be read from top to bottom as 28 time
# steps of 28 pixel intensities each. This is how a recurrent network classifies MNIST digits:
# by the last row it has seen the whole image. We draw our own digit-like "7" from three pen
# strokes (no download needed).


# %%
def draw_digit(size=28, width=1.5):
    """A handwritten-looking 7: (size, size) intensities in [0, 1], from three thick strokes."""
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    strokes = [((6, 7), (21, 6)), ((21, 6), (12, 23)), ((11, 15), (19, 15))]  # (x, y) end points
    img = np.zeros((size, size))
    for (x0, y0), (x1, y1) in strokes:
        dx, dy = x1 - x0, y1 - y0
        # distance from every pixel to the segment: project, clip to the segment, measure
        s = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        dist = np.hypot(xx - (x0 + s * dx), yy - (y0 + s * dy))
        img = np.maximum(img, np.exp(-((dist / width) ** 2)))
    return img


digit = draw_digit()
print("image as a sequence:", digit.shape, "= (time = rows, features = pixels per row)")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained", gridspec_kw={"width_ratios": [1, 2.2]})
axes[0].imshow(digit, cmap="Greys")
axes[0].axhline(15, color="tab:red", linewidth=1)
axes[0].set_title("the image (row 15 in red)")
for t in (6, 10, 15, 20):
    axes[1].plot(digit[t], label=f"step t={t}", color="tab:red" if t == 15 else None)
axes[1].set_xlabel("feature: pixel column")
axes[1].set_ylabel("intensity")
axes[1].set_title("four of its 28 time steps")
axes[1].legend();

# %% [markdown]
# **A video, frame by frame.** A clip is a sequence of frames; each frame, flattened, is one
# feature vector. Here a bright blob moves across an 12 x 12 screen in 8 frames: the array is
# `(8, 12, 12)`, or `(8, 144)` once each frame is flattened.

# %%
n_frames, side = 8, 12
yy, xx = np.mgrid[0:side, 0:side]
centres = [(1.5 + 1.2 * t, 2.0 + 0.9 * t) for t in range(n_frames)]  # (x, y) of the blob
frames = np.stack([np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 3.0) for cx, cy in centres])
video = frames.reshape(n_frames, -1)
print("frames", frames.shape, "-> sequence", video.shape, "(time, features)")

fig, axes = plt.subplots(1, n_frames, figsize=(11, 1.8), layout="constrained")
for t, ax in enumerate(axes):
    ax.imshow(frames[t], cmap="magma", vmin=0, vmax=1)
    ax.set_title(f"t={t}")
    ax.axis("off")

# %% [markdown]
# **A time series.** Monthly sales, hourly temperatures, heartbeats: one number per step, an
# array `(T, 1)`. We come back to these in section 1.6 and in notebook 9.
#
# | view | one time step | array |
# |---|---|---|
# | words | a word id (or its embedding) | `(T_words,)` ids, `(T, d)` embedded |
# | characters | a character id / one-hot | `(T_chars, V)` |
# | image rows | one row of pixels | `(28, 28)` |
# | video | one flattened frame | `(frames, height * width)` |
# | time series | one measurement | `(T, 1)` |

# %% [markdown]
# ## 1.2 The chain rule: every sequence model predicts the next step
#
# Whatever the sequence, the probability of all of it factorises exactly into next-step
# predictions:
#
# $$p(x_1, x_2, \dots, x_T) = p(x_1)\, p(x_2 \mid x_1)\, p(x_3 \mid x_1, x_2) \cdots
#   = \prod_{t=1}^{T} p(x_t \mid x_{<t}).$$
#
# This is not an assumption; it follows from the definition of conditional probability. A model
# that can predict "what comes next, given everything so far" therefore knows the probability
# of any whole sequence. Let us check it on the smallest interesting case: sequences of 3
# letters from the alphabet {a, b}, with some arbitrary joint distribution over the 8 sequences.

# %%
joint = rng.dirichlet(np.ones(8)).reshape(2, 2, 2)  # joint[x1, x2, x3]
p_x1 = joint.sum(axis=(1, 2))  # (2,)      p(x1)
p_x1x2 = joint.sum(axis=2)  # (2, 2)       p(x1, x2)
p_x2_given_x1 = p_x1x2 / p_x1[:, None]  # p(x2 | x1)
p_x3_given_x1x2 = joint / p_x1x2[:, :, None]  # p(x3 | x1, x2)

letters = "ab"
print("sequence  p(x1) * p(x2|x1) * p(x3|x1,x2)  =  product  | joint")
for a in range(2):
    for b in range(2):
        for c in range(2):
            factors = (p_x1[a], p_x2_given_x1[a, b], p_x3_given_x1x2[a, b, c])
            print(f"  {letters[a]}{letters[b]}{letters[c]}      {factors[0]:.3f} * {factors[1]:.3f} * {factors[2]:.3f}"
                  f"     =  {np.prod(factors):.4f}   | {joint[a, b, c]:.4f}")

chain = p_x1[:, None, None] * p_x2_given_x1[:, :, None] * p_x3_given_x1x2
assert np.allclose(chain, joint), "the chain rule must reproduce the joint distribution exactly"
print("chain rule reproduces all 8 joint probabilities:", np.allclose(chain, joint))

# %% [markdown]
# In practice we work with **log**-probabilities: the product of $T$ numbers below one
# underflows to zero for long sequences, while the sum of their logarithms is perfectly
# representable. The **log-likelihood** of a sequence is
# $\ln p(x_{1:T}) = \sum_t \ln p(x_t \mid x_{<t})$, and training a sequence model means making
# it large on the training data, i.e. making the summed negative log-likelihood, the loss,
# small.

# %%
probs_per_step = np.full(2000, 0.3)  # 2000 steps, each predicted with probability 0.3
print("product of probabilities:", np.prod(probs_per_step))
print("sum of log-probabilities:", np.sum(np.log(probs_per_step)))

# %% [markdown]
# ## 1.3 The Markov assumption and autoregressive models
#
# The chain rule is exact but the conditionals grow: $p(x_t \mid x_{<t})$ depends on $t-1$
# previous symbols, so a lookup table for it would need a row for each of the $V^{t-1}$
# possible histories. A **k-th order Markov model** cuts the history to the last $k$ symbols:
#
# $$p(x_t \mid x_{<t}) \approx p(x_t \mid x_{t-k}, \dots, x_{t-1}).$$
#
# A model that predicts each step from previous steps and is applied again and again, feeding
# its own outputs back in to generate, is called **autoregressive**. An n-gram is an
# autoregressive model with a table; a recurrent network is one with a fixed-size state
# $h_t$ that summarises the whole history instead of the last $k$ symbols.
#
# How big do the tables get? Below, for the character corpus we use in this course (31
# distinct characters), the number of possible contexts of length $k$, and how many of them
# actually occur in 24,000 characters of text.

# %%
corpus = data.char_corpus(30000, seed=1)
train_text, heldout_text = corpus[:24000], corpus[24000:]
alphabet = "".join(sorted(set(corpus)))
V = len(alphabet)
print(f"V = {V} characters: {alphabet!r}")
print(train_text[:240])

# %%
orders = np.arange(0, 8)
seen = [len(ngram.ngram_counts(train_text, int(k), alphabet)) for k in orders]
fig, ax = plt.subplots(figsize=(6.4, 3.4), layout="constrained")
ax.semilogy(orders, float(V) ** orders, "o-", label="possible contexts $V^k$")
ax.semilogy(orders, seen, "s-", label="contexts seen in the training text")
ax.axhline(len(train_text), color="grey", linestyle=":", label="characters of training text")
ax.set_xlabel("order $k$ (context length)")
ax.set_ylabel("number of contexts")
ax.set_title("The table of a k-th order model explodes; the data does not")
ax.legend();

# %%
first_too_many = int(orders[np.argmax(float(V) ** orders > len(train_text))])
print(f"V^k first exceeds the {len(train_text)} training characters at k = {first_too_many}")
assert V == 31 and first_too_many == 3, "the prose says: 31 characters, and from k = 3 on more contexts than text"

# %% [markdown]
# From $k = 3$ on there are more possible contexts than characters of text: most rows of the
# table are never seen, and the ones that are seen have been seen only a few times. Counting
# alone cannot fill such a table. That is the problem smoothing patches, and the problem
# recurrent networks solve differently: by sharing one set of weights across all histories.

# %% [markdown]
# ## 1.4 A character n-gram, by counting
#
# The maximum-likelihood estimate of $p(c \mid \text{context})$ is a ratio of counts: how often
# `context` was followed by `c`, divided by how often `context` occurred at all. To count, we
# pad the text on the left with $k$ start symbols `^` (which is not part of the alphabet), so
# that every character, the first ones included, has a context of exactly $k$ characters. With
# $k = 2$ the text `"abca"` gives four (context, next character) pairs:
#
# | t | context | next |
# |---|---|---|
# | 1 | `^^` | `a` |
# | 2 | `^a` | `b` |
# | 3 | `ab` | `c` |
# | 4 | `bc` | `a` |
#
# **Exercise 1.1 (2 points, core).** Write `ngram_counts(text, k, alphabet)`. It returns a dict that
# maps each context that occurs (a string of `k` characters, possibly starting with `^`) to a
# list of `len(alphabet)` integers: position `j` counts how often that context was followed by
# the character `alphabet[j]`. Keep the order of `alphabet` as given (it is not sorted). With
# `k = 0` every context is the empty string `""`, and you count single characters.


# %% nbgrader={"solution": true, "grade_id": "ngram_counts"}
def ngram_counts(text, k, alphabet):
    """Counts of the next character after each k-character context of `text`.

    text: str, k: int >= 0, alphabet: str of distinct characters (every character of text is
    in it). Returns dict context (str of length k, left-padded with "^") -> list of
    len(alphabet) ints, position j counting alphabet[j].
    """
    ### BEGIN SOLUTION
    padded = "^" * k + text
    counts = {}
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        if context not in counts:
            counts[context] = [0] * len(alphabet)
        counts[context][alphabet.index(nxt)] += 1
    return counts
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ngram_counts_test", "points": 2}
check("ngram_counts", ngram_counts)
### BEGIN HIDDEN TESTS
check("ngram_counts", ngram_counts, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# `rnnkit.ngram.CharNGram` is the course's version of the same model; it counts with numpy,
# so that a whole corpus takes milliseconds. Here is its table for a tiny text: each row is a
# context, each column the character that followed it.

# %%
tiny = ngram.CharNGram(order=2).fit("abracadabra")
print("alphabet:", tiny.alphabet)
for context, row in sorted(tiny.counts.items()):
    print(f"  {context!r}: {row}")

# %% [markdown]
# ### Smoothing
#
# Counting alone gives probability **zero** to every pair that did not occur in the training
# text, and one zero in the chain-rule product makes the whole sequence impossible: a single
# new word in a test sentence would give it log-likelihood $-\infty$. **Add-alpha smoothing**
# pretends that every character was seen `alpha` extra times after every context:
#
# $$p(c \mid \text{ctx}) = \frac{\text{count}(\text{ctx}, c) + \alpha}
#                              {\text{count}(\text{ctx}) + \alpha V}.$$
#
# The $\alpha V$ in the denominator is what keeps the $V$ probabilities summing to 1. A context
# never seen at all gets the uniform distribution $\alpha / (\alpha V) = 1/V$. With $\alpha = 1$
# this is Laplace's rule. The bar chart shows the third-order model's $p(\cdot \mid \text{"A q"})$:
# in the training text "A q" occurs 3 times, always followed by "u" ("A queen", "A quiet"). See
# how much of the probability each choice of $\alpha$ takes away from what was observed.

# %%
context = "A q"
print(f"after {context!r}:", {c: int(n) for c, n in zip(alphabet, ngram.ngram_counts(train_text, 3, alphabet)[context]) if n})
fig, ax = plt.subplots(figsize=(10, 3.2), layout="constrained")
width = 0.27
for j, alpha in enumerate((1.0, 0.1, 0.01)):
    model = ngram.CharNGram(order=3, alpha=alpha).fit(train_text, alphabet=alphabet)
    p = model.probs(context)
    ax.bar(np.arange(V) + (j - 1) * width, p, width, label=f"alpha = {alpha}: p('u') = {p[alphabet.index('u')]:.2f}")
ax.set_xticks(range(V), [show(c) for c in alphabet])
ax.set_ylabel(f"p(next | {context!r})")
ax.set_title(f"Smoothed next-character distribution after {context!r} (3 observations)")
ax.legend();
after_aq = ngram.ngram_counts(train_text, 3, alphabet)[context]
assert after_aq[alphabet.index("u")] == sum(after_aq) == 3, "the prose says: 'A q' occurs 3 times, always before 'u'"
laplace_u = ngram.CharNGram(order=3, alpha=1.0).fit(train_text, alphabet=alphabet).probs(context)[alphabet.index("u")]
assert np.isclose(laplace_u, 4 / 34), "with alpha = 1, 'u' should keep (3 + 1) / (3 + 31) of the probability"

# %% [markdown]
# With $\alpha = 1$ the 30 characters never seen after "A q" receive 30 pseudo-counts between
# them against 3 real ones, and "u" keeps only $4/34 \approx 0.12$. When the alphabet is large and
# contexts are rare, smaller values of $\alpha$ trust the data more; section 1.5 measures which
# works best.

# %% [markdown]
# ## 1.5 Scoring a text: log-likelihood and perplexity
#
# **Exercise 1.2 (3 points, core).** Write `ngram_log_likelihood(text, counts, k, alphabet, alpha)`:
# the natural-log likelihood $\sum_t \ln p(x_t \mid \text{previous } k \text{ characters})$ of
# `text`, with the add-alpha probabilities computed from `counts` (a dict as returned by
# `ngram_counts`, built from some *other* training text). Pad `text` with `k` start symbols as
# before, so that all of its characters are scored. A context that does not occur in `counts`
# has zero counts.


# %% nbgrader={"solution": true, "grade_id": "ngram_log_likelihood"}
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    """ln p(text) under an add-alpha smoothed k-th order character model.

    counts: dict context -> list of len(alphabet) ints (see ngram_counts); alpha > 0.
    Returns a float (<= 0): the sum over all characters of text of ln p(char | context).
    """
    ### BEGIN SOLUTION
    V = len(alphabet)
    padded = "^" * k + text
    log_likelihood = 0.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.get(context, [0] * V)
        total = sum(row)
        log_likelihood += math.log((row[alphabet.index(nxt)] + alpha) / (total + alpha * V))
    return log_likelihood
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ngram_log_likelihood_test", "points": 3}
check("ngram_log_likelihood", ngram_log_likelihood)
### BEGIN HIDDEN TESTS
check("ngram_log_likelihood", ngram_log_likelihood, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# A log-likelihood grows (more negative) with the length of the text, so to compare texts and
# models we divide by the number of characters $T$ and undo the logarithm. The result is the
# **perplexity**:
#
# $$\text{PPL} = \exp\Big(-\frac{1}{T} \sum_{t=1}^{T} \ln p(x_t \mid x_{<t})\Big).$$
#
# It reads as "the model is as uncertain as if it chose uniformly among PPL characters at each
# step": a uniform model over $V$ characters has perplexity exactly $V$, a perfect one 1.
#
# Now the question that matters: **which order k?** We fit models of order 0 to 7 on the
# training text and measure perplexity on the training text itself and on held-out text the
# models never saw, for three strengths of smoothing.

# %%
alphas = (1.0, 0.1, 0.01)
train_ppl, heldout_ppl = {}, {}
for alpha in alphas:
    models = [ngram.CharNGram(int(k), alpha=alpha).fit(train_text, alphabet=alphabet) for k in orders]
    train_ppl[alpha] = np.array([m.perplexity(train_text) for m in models])
    heldout_ppl[alpha] = np.array([m.perplexity(heldout_text) for m in models])
    print(f"alpha={alpha:<5} held-out perplexity by k:", np.round(heldout_ppl[alpha], 2))

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained", sharey=True)
for alpha in alphas:
    axes[0].plot(orders, train_ppl[alpha], "o-", label=f"alpha = {alpha}")
    axes[1].plot(orders, heldout_ppl[alpha], "o-", label=f"alpha = {alpha}")
for ax, title in zip(axes, ("training text", "held-out text")):
    ax.set_yscale("log")
    ax.set_xlabel("order $k$")
    ax.set_title(f"perplexity on the {title}")
    ax.grid(True, alpha=0.3)
axes[0].set_ylabel("perplexity (log scale)")
axes[1].legend();

# %% [markdown]
# Three things to read off the plot, checked by the cell below:
#
# - $k = 0$ (unigram: character frequencies only) is far better than uniform ($V = 31$), and
#   each extra character of context helps a lot at first;
# - with the lightest smoothing ($\alpha = 0.01$) the *training* perplexity keeps falling as $k$
#   grows: a longer context memorises the training text better and better. With $\alpha = 1$
#   and $\alpha = 0.1$ even the training perplexity turns up again after $k = 3$ or 4: most long
#   contexts occur only once or twice, and there the $\alpha V$ pseudo-counts outweigh the real
#   counts, even on the very text the counts came from;
# - on *held-out* text it does not: past the best order the contexts become so rare that the
#   model is guessing from a handful of counts, and held-out perplexity rises again. With
#   Laplace smoothing ($\alpha = 1$) the damage is worst, because in a rarely seen context the
#   30 unseen characters get more pseudo-counts than the observed one has real counts.

# %%
best_k = {alpha: int(np.argmin(heldout_ppl[alpha])) for alpha in alphas}
print("best order on held-out text:", best_k)
assert heldout_ppl[1.0][0] < V / 1.5, "a unigram model should already beat the uniform distribution clearly"
assert np.all(np.diff(train_ppl[0.01]) < 0), "with light smoothing, training perplexity should fall with every extra character of context"
for alpha in (1.0, 0.1):
    k_train = int(np.argmin(train_ppl[alpha]))
    assert k_train in (3, 4) and train_ppl[alpha][-1] > train_ppl[alpha][k_train], \
        f"with alpha={alpha} the training perplexity should turn up after k = 3 or 4 (minimum at k = {k_train})"
for alpha in alphas:
    k_star = best_k[alpha]
    assert 2 <= k_star <= 5, f"with alpha={alpha} the best held-out order should be a middle one, got {k_star}"
    assert heldout_ppl[alpha][-1] > heldout_ppl[alpha][k_star] * 1.1, "held-out perplexity should rise again for long contexts"
assert heldout_ppl[0.01].min() < heldout_ppl[1.0].min() - 0.5, "light smoothing should beat Laplace smoothing on this corpus"
assert heldout_ppl[1.0][-1] == max(heldout_ppl[a][-1] for a in alphas), "Laplace smoothing should do the most damage at k = 7"

# %% [markdown]
# Sampling makes the difference visible. We generate 150 characters from models of increasing
# order (light smoothing, $\alpha = 0.01$), each continuing the prompt "When the ", and print
# the longest stretch of each sample that also occurs word for word in the training text.


# %%
def longest_copy(sample, text):
    """Length of the longest substring of `sample` that occurs in `text`."""
    best = 0
    for i in range(len(sample)):
        while i + best < len(sample) and sample[i : i + best + 1] in text:
            best += 1
    return best


copied = {}
for k in (1, 2, 4, 7):
    model = ngram.CharNGram(k, alpha=0.01).fit(train_text, alphabet=alphabet)
    sample = model.sample(150, seed=1, prompt="When the ")
    copied[k] = longest_copy(sample, train_text)
    print(f"k={k} (longest copied stretch: {copied[k]} characters)")
    print("   When the " + sample.replace("\n", " / "), "\n")
assert copied[1] < copied[2] < copied[4], "longer contexts should copy longer stretches of the training text"
assert copied[7] < copied[4], "order 7 should derail sooner than order 4, as the next cell says"

# %% [markdown]
# Order 1 produces letter soup with the right letter frequencies, order 2 pronounceable
# non-words, order 4 real words and whole phrases of the training text, until it too derails.
# Order 7 should be better still, yet it derails after a few characters: most of its contexts
# were seen only once or twice, and there the 30 unseen characters together keep about
# $30\alpha / (n + 31\alpha)$ of the probability. Once one of them is drawn, the model sits in
# a context it never saw, predicts uniformly, and never finds its way back (from then on the
# two samples are the same uniform noise). That is the rising held-out perplexity, seen from
# the generation side.

# %% [markdown]
# **Question 1.1 (2 points, written, core).** With light smoothing ($\alpha = 0.01$) training
# perplexity keeps falling as $k$ grows, while held-out perplexity has a minimum and then rises.
# Explain both trends in terms of the table the n-gram fills, and say what a recurrent network
# does instead of a table that avoids this trade-off.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_markov_order", "points": 2}
# ### BEGIN SOLUTION
# A k-th order model keeps one row of counts per context of k characters. On the training text
# a longer context can only sharpen the estimates: each training character is predicted from
# more information, and in the limit every long context occurs once and predicts its one
# continuation almost surely, so with little smoothing training perplexity falls towards 1
# (memorisation; heavy smoothing spoils even that, because in a context seen once the alpha V
# pseudo-counts outweigh the one real count). On
# held-out text the number of possible contexts grows like V^k while the data stays fixed:
# more and more held-out contexts were never seen (uniform 1/V guess) or seen once or twice
# (unreliable counts, dominated by smoothing), so beyond a few characters the loss of
# statistical strength outweighs the extra information and held-out perplexity rises: the
# bias-variance trade-off. A recurrent network replaces the table by a fixed-size state
# h_t = f(x_t, h_{t-1}) computed with the same weights at every step: its number of parameters
# does not grow with the context length, similar histories get similar states (they share
# statistics instead of each needing its own counts), and in principle it can use context
# arbitrarily far back.
# ### END SOLUTION

# %% [markdown]
# ## 1.6 Time series: sliding windows and the naive forecast
#
# For a time series the sequence is a list of numbers and the task is usually to **forecast**:
# from the last `window` values, predict the next `horizon` ones. A long series becomes a data
# set of (input window, target) pairs by sliding a window along it, one step at a time:
# `X[i] = series[i : i + window]`, `y[i] = series[i + window : i + window + horizon]`.
# `rnnkit.data.make_windows` does this (you will write it yourself in notebook 9); the targets
# always lie strictly after their inputs.
#
# Our series: a slow upward trend, a season of 12 steps (think months) and noise.

# %%
series = data.time_series(300, trend=0.01, season_period=12, season_amplitude=2.0, noise=0.4, level=10.0, seed=0)
window, horizon = 24, 12
X, y = data.make_windows(series, window, horizon)
print("series", series.shape, "-> X", X.shape, "(windows, window, 1), y", y.shape, "(windows, horizon)")

fig, ax = plt.subplots(figsize=(10, 3.2), layout="constrained")
ax.plot(series, color="black", linewidth=1)
for i, colour in ((0, "tab:blue"), (100, "tab:orange")):
    ax.axvspan(i, i + window - 1, color=colour, alpha=0.15)
    ax.plot(range(i + window, i + window + horizon), y[i], "o", color=colour, markersize=3,
            label=f"window {i}: inputs (shaded) and its {horizon} targets")
ax.set_xlabel("time step")
ax.set_ylabel("value")
ax.set_title("Two of the sliding windows and their targets")
ax.legend(loc="upper left");

# %% [markdown]
# Before training any model on these windows we need a **baseline**: a forecast so simple
# that a model which cannot beat it is useless. The **naive forecast** repeats the last observed
# value for every future step. On a seasonal series the **seasonal naive forecast** does better:
# it repeats the last full season, so step $j$ ahead ($j = 0, 1, \dots$) copies the value one
# season earlier, `X[:, window - period + j % period, 0]`. With `period = 1` it is the plain naive
# forecast.
#
# **Exercise 1.3 (2 points, core).** Write `naive_forecast(X, horizon, period)`: for windows `X` of shape
# `(N, window, 1)` return the `(N, horizon)` forecast that repeats the last `period` values of
# each window, in time order, as often as needed.


# %% nbgrader={"solution": true, "grade_id": "naive_forecast"}
def naive_forecast(X, horizon, period):
    """Seasonal naive forecast: X (N, window, 1), horizon >= 1, 1 <= period <= window -> (N, horizon).

    Step j of the forecast (j = 0 .. horizon-1) copies value number j (modulo period) of the
    window's last `period` values; period = 1 repeats the last value.
    """
    ### BEGIN SOLUTION
    window = X.shape[1]
    j = np.arange(horizon)
    return X[:, window - period + j % period, 0]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "naive_forecast_test", "points": 2}
check("naive_forecast", naive_forecast)
### BEGIN HIDDEN TESTS
check("naive_forecast", naive_forecast, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# How good are these baselines? We score them on the last fifth of the windows (the "future")
# by the mean absolute error at each step ahead, together with a third baseline, the mean of
# the window. The seasonal period 12 is known here; in real data you would read it off a plot
# or an autocorrelation.

# %%
test = slice(int(0.8 * len(X)), None)
X_test, y_test = X[test], y[test]
forecasts = {
    "last value (period 1)": naive_forecast(X_test, horizon, 1),
    "last season (period 12)": naive_forecast(X_test, horizon, 12),
    "window mean": np.repeat(X_test[:, :, 0].mean(axis=1, keepdims=True), horizon, axis=1),
}
mae = {name: np.abs(f - y_test).mean(axis=0) for name, f in forecasts.items()}  # (horizon,) each
for name, err in mae.items():
    print(f"{name:<24} MAE over all steps: {err.mean():.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
for name, err in mae.items():
    axes[0].plot(np.arange(1, horizon + 1), err, "o-", label=name)
axes[0].set_xlabel("steps ahead")
axes[0].set_ylabel("mean absolute error")
axes[0].set_title("Baseline error by lead time")
axes[0].legend(fontsize=8)
i = len(X_test) - 1  # the last test window
start = len(series) - window - horizon
t = np.arange(start, len(series))
plots.plot_forecast(t, series[start:], {name: (t[window:], f[i]) for name, f in forecasts.items()}, ax=axes[1])
axes[1].axvline(t[window] - 0.5, color="grey", linestyle=":")
axes[1].set_title("The three baselines on the last window");

# %%
assert mae["last season (period 12)"].mean() < 0.5 * mae["last value (period 1)"].mean(), \
    "on a seasonal series, repeating the last season should halve the error of repeating the last value"
assert mae["last season (period 12)"].mean() < mae["window mean"].mean(), "the seasonal naive forecast should beat the window mean"
noise_floor = 0.4 * math.sqrt(2 / math.pi) * math.sqrt(2)  # E|e1 - e2| for two N(0, 0.4^2) noises
print(f"seasonal naive MAE {mae['last season (period 12)'].mean():.3f}, noise level {noise_floor:.3f}")
assert abs(mae["last season (period 12)"].mean() - noise_floor) < 0.15 * noise_floor, \
    "the seasonal naive error should be close to the noise level, as the next cell says"

# %% [markdown]
# The seasonal naive forecast is the number to beat in notebook 9. Its error is close to the
# noise level of the series ($0.4$ here, which gives an MAE of about $0.4 \sqrt{2/\pi} \cdot
# \sqrt{2} \approx 0.45$ for the difference of two noisy values): a learned model can only win
# by averaging the noise away and following the trend.
#
# **Question 1.2 (1 point, written, core).** Why should you always report a naive baseline next to a
# neural forecaster? Describe a kind of series on which the plain last-value forecast is
# essentially impossible to beat, and explain why.

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_naive_baseline", "points": 1}
# ### BEGIN SOLUTION
# An error number means nothing on its own: an MAE of 0.5 is excellent for one series and
# terrible for another. The naive forecast costs nothing, so a trained model is only useful if
# it beats it clearly; many published "deep" forecasters do not. On a random walk
# (x_t = x_{t-1} + noise with independent, zero-mean steps) the best prediction of every future
# value given the past is exactly the last value: the future increments are unpredictable, so
# no model, however large, can beat the last-value forecast on average (financial prices are
# close to this). The same holds approximately for any series whose changes are mostly noise.
# ### END SOLUTION

# %% [markdown]
# ## Summary
#
# - A sequence is a `(time, features)` array; what a step is (word, character, pixel row,
#   frame, measurement) is a modelling choice.
# - The chain rule turns the probability of a sequence into a product of next-step
#   predictions; log-likelihood sums their logarithms, perplexity is its per-step average, back
#   on a readable scale.
# - A k-th order n-gram estimates each conditional by counting; it needs smoothing, and its
#   table grows like $V^k$, so short contexts underfit and long ones overfit.
# - Forecasting turns a series into (window, target) pairs; the (seasonal) naive forecast is
#   the baseline every model must beat.
#
# Next, notebook 2 replaces the table by a recurrent state that carries the whole history in a
# vector of fixed size.
