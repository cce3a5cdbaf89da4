# %% [markdown]
# # 7. Sentiment analysis: word embeddings and a GRU classifier
#
# A recurrent network reads vectors, but a review is made of words. This notebook builds the
# bridge: words become integer **ids** through a vocabulary, ids become vectors through an
# **embedding matrix** $E$, and $E$ is trained by backpropagation like any other weight. Then a
# small GRU network reads movie reviews word by word and decides whether they are positive or
# negative, and we check that reading *in order* matters: a bag-of-words model that ignores the
# order cannot tell "not good" from "good, not bad".
#
# After this notebook you can
#
# * build a vocabulary with a padding id and hashed out-of-vocabulary (OOV) buckets, and
#   reproduce the lecture's example: ids `8, 7, 8, 4, 7` and an $8 \times 6$ matrix $E$;
# * explain why an embedding lookup *is* a one-hot vector times $E$, and compute it for a batch
#   `(batch, time) -> (batch, time, d)`;
# * compute the gradient with respect to $E$, including words that occur more than once (and
#   recognise the one-line numpy bug that loses them);
# * train `Embedding -> GRU -> GRU -> Dense` in Keras and show where it beats a bag of words.
#
# **Notation.** $V$ is the number of ids (rows of $E$), $d$ the embedding size, $B$ the batch
# size and $T$ the number of time steps. Token ids are 0-based like numpy and Keras.

# %%
import time
import zlib

from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import keras
import matplotlib.pyplot as plt
import numpy as np

from rnnkit import data
from rnnkit.checking import check
from rnnkit.embedding import (
    Vocabulary,
    embedding_backward,
    embedding_lookup,
    one_hot,
    pad_sequences,
    word_tokenize,
)
from rnnkit.gradcheck import numerical_gradient, rel_error
from rnnkit.plots import plot_training_curves

rng = np.random.default_rng(0)
keras.utils.set_random_seed(0)
np.set_printoptions(precision=3, suppress=True)
notebook_start = time.perf_counter()

# %% [markdown]
# ## 7.1 From words to ids: a vocabulary with OOV buckets
#
# A **vocabulary** gives every frequent word of the training corpus its own id. We reserve
# id 0 for **padding** (the filler that makes short sentences as long as the longest one in a
# batch), number the known words from 1, most frequent first, and put the
# **out-of-vocabulary buckets** after them:
#
# | ids | meaning |
# |---|---|
# | 0 | padding `<pad>` |
# | 1 .. K | the K known words |
# | K+1 .. K+n | n OOV buckets: an unknown word goes to bucket `crc32(word) % n` |
#
# Why buckets instead of a single "unknown" id? All unknown words would then share one vector.
# With several buckets, different unknown words usually land in different buckets, and each
# bucket's vector can learn something. The price is **collisions**: two unrelated unknown words
# may share a bucket. The bucket must come from a *stable* hash: Python's built-in `hash()` of
# a string changes every time Python starts, so a model trained today would look up the wrong
# rows tomorrow. `zlib.crc32` of the word's UTF-8 bytes is the same everywhere.
#
# The lecture's example uses 6 known words and 2 OOV buckets. Here is a tiny corpus with
# exactly 6 distinct words:

# %%
corpus = ["the movie was good", "the movie was not good", "the movie was bad"]
vocab = Vocabulary.build(corpus, num_oov_buckets=2)
print(vocab)
for i, token in enumerate(vocab.id_to_token):
    print(f"id {i}: {token:7s} (seen {vocab.counts.get(token, 0)} times)")

# %% [markdown]
# "movie", "the" and "was" occur three times each, so they get ids 1-3 (ties broken
# alphabetically, which makes the ids reproducible); "good" (twice) gets id 4. Now a sentence
# with four words the corpus never saw:

# %%
sentence = "oh what a good film"
tokens = word_tokenize(sentence)
ids = vocab.encode(tokens)
for token, i in zip(tokens, ids):
    how = "known word" if token in vocab else f"unknown: crc32 % 2 = {zlib.crc32(token.encode('utf-8')) % 2}"
    print(f"{token:5s} -> id {i}   ({how})")
print("ids:", ids)
assert ids.tolist() == [8, 7, 8, 4, 7], "the lecture's ids"

# %% [markdown]
# These are the lecture's ids `8, 7, 8, 4, 7`. Notice the collisions: "oh" and "a" share bucket
# id 8, "what" and "film" share id 7. The model will see "film" and "what" as the same word.
#
# **Where is the lecture's $8 \times 6$ matrix?** The ids run from 0 to 8, so a lookup table
# needs 9 rows. The lecture numbers the rows of $E$ from 1 and draws only the 8 rows that words
# can select (ids 1-8); id 0, the padding, never stands for a word. In code we keep the padding
# row as row 0 and fill it with zeros, so the lecture's row $k$ is our `E[k]`:
#
# $$E_{\text{code}} = \begin{pmatrix} 0 \\ E_{\text{lecture}} \end{pmatrix} \in \mathbb{R}^{9\times 6}.$$
#
# Keras does the same: `keras.layers.Embedding(input_dim=9, output_dim=6, mask_zero=True)` has a
# 9-row matrix, and `mask_zero=True` tells the layers after it to skip the padded steps, so row 0
# is never used for a prediction.

# %%
E_lecture = np.round(rng.normal(0.0, 1.0, size=(8, 6)), 2)  # rows for ids 1..8, d = 6
E = np.vstack([np.zeros((1, 6)), E_lecture])  # row 0: padding
print("E_lecture", E_lecture.shape, "  E (lookup table)", E.shape)
print(E)

# %% [markdown]
# ### Exercise 1 (2 points): encode with OOV buckets
#
# Write `encode_with_oov(tokens, token_to_id, num_oov_buckets)`. `token_to_id` maps `"<pad>"`
# to 0 and the K known words to 1..K. Return the ids of `tokens` as an integer numpy array of
# shape `(T,)`: a known word's own id, and for an unknown word the id of its bucket,
# `K + 1 + zlib.crc32(token.encode("utf-8")) % num_oov_buckets`. (`K + 1` is `len(token_to_id)`.)
# Do not use rnnkit's `Vocabulary` here.

# %% nbgrader={"solution": true, "grade_id": "encode_with_oov"}
import zlib


def encode_with_oov(tokens, token_to_id, num_oov_buckets):
    """Ids of a list of tokens -> (T,) int64: known ids, or hashed OOV bucket ids after them."""
    ### BEGIN SOLUTION
    offset = len(token_to_id)  # padding + K known words come first
    ids = []
    for token in tokens:
        if token in token_to_id:
            ids.append(token_to_id[token])
        else:
            ids.append(offset + zlib.crc32(token.encode("utf-8")) % num_oov_buckets)
    return np.array(ids, dtype=np.int64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "encode_with_oov_test", "points": 2}
check("encode_with_oov", encode_with_oov)
assert encode_with_oov(tokens, vocab.token_to_id, 2).tolist() == [8, 7, 8, 4, 7]
### BEGIN HIDDEN TESTS
check("encode_with_oov", encode_with_oov, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7.2 An embedding lookup is a one-hot vector times $E$
#
# Write id $k$ as the one-hot row vector $e_k \in \{0,1\}^{V}$ (a 1 at position $k$). Then
# $e_k E$ picks row $k$ of $E$. A whole sentence is a $T \times V$ one-hot matrix $X$, and
# $XE$ is $T \times d$: the embedding layer is a linear layer without bias whose input
# happens to be one-hot. That view tells us how to train $E$ (section 7.3). In practice nobody
# builds $X$: with $V = 50\,000$ words the product wastes $50\,000$ multiplications per number,
# while indexing `E[ids]` just copies the rows.

# %%
X_onehot = one_hot(ids, len(vocab))  # (T, V) = (5, 9)
print("one-hot", X_onehot.shape)
print(X_onehot)
by_matmul = X_onehot @ E  # (5, 9) @ (9, 6) -> (5, 6)
by_lookup = embedding_lookup(E, ids)  # E[ids]
print("one-hot @ E:\n", by_matmul)
print("E[ids]:\n", by_lookup)
assert np.array_equal(by_matmul, by_lookup), "a lookup is exactly a one-hot product"

# %% [markdown]
# The same numbers come out of Keras once we give its `Embedding` layer our matrix (Keras
# computes in float32, hence the tolerance):

# %%
keras_embedding = keras.layers.Embedding(input_dim=len(vocab), output_dim=6, mask_zero=True)
keras_embedding.build((None, None))
keras_embedding.set_weights([E])
by_keras = keras.ops.convert_to_numpy(keras_embedding(ids[None, :]))[0]
print("max |Keras - numpy| =", np.abs(by_keras - by_lookup).max())
assert np.allclose(by_keras, by_lookup, atol=1e-6), "Keras' Embedding should be a row lookup"

# %% [markdown]
# A batch works the same way: ids of shape `(B, T)` give a one-hot tensor `(B, T, V)`, and
# `@ E` acts on the last axis, giving `(B, T, d)`: exactly the `(batch, time, features)` input an
# RNN layer expects.
#
# ### Exercise 2 (1 point): batch lookup through one-hot vectors
#
# Write `embedding_lookup_onehot(E, ids)` for `E (V, d)` and integer `ids (B, T)`: build the
# one-hot tensor with numpy (hint: row $k$ of `np.eye(V)` is $e_k$, and indexing it with an
# integer array works for any shape) and multiply it by `E`. Return `(B, T, d)`.

# %% nbgrader={"solution": true, "grade_id": "embedding_lookup_onehot"}
def embedding_lookup_onehot(E, ids):
    """Embeddings of a batch of ids: E (V, d), ids (B, T) int -> (B, T, d), as one-hot @ E."""
    ### BEGIN SOLUTION
    V = E.shape[0]
    onehot = np.eye(V)[ids]  # (B, T, V)
    return onehot @ E
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "embedding_lookup_onehot_test", "points": 1}
check("embedding_lookup_onehot", embedding_lookup_onehot)
### BEGIN HIDDEN TESTS
check("embedding_lookup_onehot", embedding_lookup_onehot, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7.3 Training $E$: the gradient, and words that occur twice
#
# Let `out = X E` with `X` one-hot `(T, V)`, and let `d_out` $= \partial L/\partial\,$`out`
# `(T, d)` arrive from the layer above. For a linear layer the weight gradient is
#
# $$\frac{\partial L}{\partial E} = X^\top\, d_{\text{out}} \in \mathbb{R}^{V \times d},
# \qquad \text{row } k = \sum_{t:\ \text{ids}_t = k} d_{\text{out},t}.$$
#
# Every occurrence of a word adds its gradient to the word's row; rows of words that do not
# occur stay 0. Our sentence has id 8 twice and id 7 twice, so rows 7 and 8 each collect two
# contributions. The obvious numpy line `dE[ids] += d_out` gets this wrong: numpy evaluates the
# right-hand side for each index and then *assigns*, so for a repeated index the last write wins
# and the other occurrences are lost. `np.add.at(dE, ids, d_out)` adds unbuffered, once per
# occurrence.

# %%
d_out = np.round(rng.normal(size=(5, 6)), 2)  # dL/d(out) for the 5 positions
dE = embedding_backward(d_out, ids, len(vocab))

dE_buggy = np.zeros_like(E)
dE_buggy[ids] += d_out  # the bug: repeated ids keep only one contribution

print("ids:", ids)
print("row 8, correct:", dE[8], " = d_out[0] + d_out[2] =", d_out[0] + d_out[2])
print("row 8, buggy:  ", dE_buggy[8])
print("row 4, both:   ", dE[4], dE_buggy[4], "(id 4 occurs once)")
assert np.allclose(dE, one_hot(ids, len(vocab)).T @ d_out), "dE = X^T d_out"

# %% [markdown]
# The numerical gradient settles which one is right. Take the loss $L = \sum$ `out * d_out`,
# whose gradient with respect to `out` is exactly `d_out`, and nudge every entry of $E$:

# %%
E_check = E.copy()
numeric = numerical_gradient(lambda: np.sum(embedding_lookup(E_check, ids) * d_out), E_check)
err_correct, err_buggy = rel_error(dE, numeric), rel_error(dE_buggy, numeric)
print(f"relative error: np.add.at {err_correct:.1e},  dE[ids] += d_out {err_buggy:.1e}")
assert err_correct < 1e-7 and err_buggy > 0.1, "np.add.at matches the numerical gradient, the bug does not"

# %% [markdown]
# ### Exercise 3 (2 points): the gradient of an embedding layer
#
# Write `embedding_grad(d_out, ids, vocab_size)` for a batch: `d_out (B, T, d)`, integer
# `ids (B, T)`; return `dE (vocab_size, d)`. Every position of every sentence must add its
# gradient to its id's row, however often the id repeats.

# %% nbgrader={"solution": true, "grade_id": "embedding_grad"}
def embedding_grad(d_out, ids, vocab_size):
    """dL/dE of an embedding lookup: d_out (B, T, d), ids (B, T) int -> dE (vocab_size, d)."""
    ### BEGIN SOLUTION
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    np.add.at(dE, ids, d_out)  # unbuffered: one addition per occurrence
    return dE
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "embedding_grad_test", "points": 2}
check("embedding_grad", embedding_grad)
### BEGIN HIDDEN TESTS
check("embedding_grad", embedding_grad, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# ## 7.4 Batches: padding and shapes
#
# Sentences have different lengths, but a batch is one array. `pad_sequences` appends the
# padding id 0 until every row is as long as the longest (or cuts rows at `maxlen`). The
# embedding turns the `(B, T)` ids into `(B, T, d)` vectors, and the mask `ids != 0` tells
# the recurrent layer which steps are real.

# %%
batch_texts = ["the movie was good", "oh what a good film", "not bad"]
batch_ids = pad_sequences([vocab.encode(t) for t in batch_texts])  # (B, T) = (3, 5)
batch_vectors = embedding_lookup(E, batch_ids)  # (B, T, d) = (3, 5, 6)
print("ids", batch_ids.shape, "\n", batch_ids)
print("embedded", batch_vectors.shape)
print("mask (ids != 0):\n", batch_ids != 0)
keras_mask = keras.ops.convert_to_numpy(keras_embedding.compute_mask(batch_ids))
assert batch_vectors.shape == (3, 5, 6) and np.array_equal(keras_mask, batch_ids != 0)

# %% [markdown]
# ## 7.5 A review corpus where word order matters
#
# `rnnkit.data.review_corpus` writes short movie reviews from templates (offline, reproducible).
# About 40% are **negated**: "the plot was not good" is negative, "never boring" and "not bad
# at all" are positive, and "not good , it was awful" has the same words as "not awful , it was
# good" with the opposite label. Others contrast two clauses: "good at first but dull in the end"
# is negative. A quarter name a made-up film title, a rare word for the OOV buckets.
#
# We train on 3000 reviews, validate on 500 and test on 1000 reviews drawn with other seeds.

# %%
train_texts, y_train = data.review_corpus(3000, seed=0)
val_texts, y_val = data.review_corpus(500, seed=1)
test_texts, y_test = data.review_corpus(1000, seed=2)
test_negated = np.array([data.is_negated(t) for t in test_texts])
for text, label in list(zip(train_texts, y_train))[:6]:
    print("positive" if label else "negative", "|", text)
print(f"negated test reviews: {test_negated.sum()} of {len(test_texts)}")

# %% [markdown]
# The vocabulary keeps words seen at least 10 times in the training set; film titles are rarer
# and share 8 OOV buckets. Reviews are padded (at the end) to the longest training review.

# %%
review_vocab = Vocabulary.build(train_texts, min_freq=10, num_oov_buckets=8)
maxlen = max(len(word_tokenize(t)) for t in train_texts)


def encode_all(texts):
    return pad_sequences([review_vocab.encode(t) for t in texts], maxlen=maxlen)


X_train, X_val, X_test = encode_all(train_texts), encode_all(val_texts), encode_all(test_texts)
print(review_vocab, " X_train", X_train.shape)
print(test_texts[0], "->", X_test[0])

# %% [markdown]
# ### A bag-of-words baseline
#
# The baseline counts how often each id occurs in a review and feeds the counts to logistic
# regression, trained here in numpy by gradient descent. It sees *which* words occur, never
# their order. (An `Embedding -> GlobalAveragePooling1D -> Dense` model is the same kind of
# model: the average of the word vectors does not depend on the order either.)

# %%
def bag_of_words(X):
    """Counts of each id per review, padding dropped: (N, T) -> (N, V)."""
    counts = one_hot(X, len(review_vocab)).sum(axis=1)
    counts[:, review_vocab.pad_id] = 0
    return counts


def train_logistic_regression(features, labels, steps=500, lr=0.5):
    w, c = np.zeros(features.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(features @ w + c)))
        w -= lr * features.T @ (p - labels) / len(labels)
        c -= lr * np.mean(p - labels)
    return w, c


w_bow, c_bow = train_logistic_regression(bag_of_words(X_train), y_train)
bow_pred = (bag_of_words(X_test) @ w_bow + c_bow > 0).astype(int)
bow_acc = np.mean(bow_pred == y_test)
bow_neg = np.mean(bow_pred[test_negated] == y_test[test_negated])
print(f"bag of words: test accuracy {bow_acc:.3f}, on negated reviews {bow_neg:.3f}")

# %% [markdown]
# On negated reviews the bag of words is *worse than a coin*: it learned that "good" is
# positive, so "not good" looks positive to it too.
#
# ## 7.6 Embedding -> GRU -> GRU -> Dense
#
# The sequence model reads the review in order. The first GRU returns its state at every step
# (`return_sequences=True`) so the second GRU can read that sequence; the second returns only
# its last state, which a sigmoid unit turns into $P(\text{positive})$. `mask_zero=True` makes
# both GRUs skip the padding at the end, so the last state is the state after the last real
# word.

# %%
keras.utils.set_random_seed(0)
gru_model = keras.Sequential(
    [
        keras.Input(shape=(maxlen,), dtype="int32"),
        keras.layers.Embedding(input_dim=len(review_vocab), output_dim=16, mask_zero=True),
        keras.layers.GRU(16, return_sequences=True),  # (B, T, 16)
        keras.layers.GRU(16),  # (B, 16): the state after the last word
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
gru_model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
gru_model.summary()

# %%
start = time.perf_counter()
history = gru_model.fit(
    X_train, y_train, validation_data=(X_val, y_val), epochs=5, batch_size=128, verbose=0
)
print(f"trained in {time.perf_counter() - start:.1f} s")
print("validation accuracy per epoch:", np.round(history.history["val_accuracy"], 3))

# %% [markdown]
# ### Evaluation: all test reviews, and the negated ones
#
# We add a few hand-written reviews to the test batch to see the two models side by side.

# %%
probes = [
    "the plot was not bad at all .",
    "the plot was bad .",
    "the acting was good at first but dull in the end .",
    "the acting was dull at first but good in the end .",
    "this film was not good , it was awful .",
    "this film was not awful , it was good .",
    "i did not hate kashi .",
]
probs = gru_model.predict(np.concatenate([X_test, encode_all(probes)]), verbose=0)[:, 0]
gru_pred = (probs[: len(X_test)] > 0.5).astype(int)
gru_acc = np.mean(gru_pred == y_test)
gru_neg = np.mean(gru_pred[test_negated] == y_test[test_negated])
gru_plain = np.mean(gru_pred[~test_negated] == y_test[~test_negated])
bow_plain = np.mean(bow_pred[~test_negated] == y_test[~test_negated])
print(f"{'test accuracy':22s} {'bag of words':>12s} {'GRU':>6s}")
print(f"{'all reviews':22s} {bow_acc:12.3f} {gru_acc:6.3f}")
print(f"{'negated reviews':22s} {bow_neg:12.3f} {gru_neg:6.3f}")
print(f"{'not negated':22s} {bow_plain:12.3f} {gru_plain:6.3f}\n")
bow_probe = 1 / (1 + np.exp(-(bag_of_words(encode_all(probes)) @ w_bow + c_bow)))
for text, p_gru, p_bow in zip(probes, probs[len(X_test):], bow_probe):
    print(f"P(positive): GRU {p_gru:.2f}  bag of words {p_bow:.2f} | {text}")

# %%
assert gru_neg >= 0.8, f"the GRU should read negations: {gru_neg:.3f} on negated reviews (want >= 0.8)"
assert gru_acc >= 0.9, f"the GRU should classify most test reviews: {gru_acc:.3f} (want >= 0.9)"
assert bow_neg < 0.5, f"a bag of words should do worse than a coin on negated reviews, got {bow_neg:.3f}"
assert gru_neg - bow_neg >= 0.3, "reading in order should beat the bag of words by a wide margin on negations"

# %%
fig, (ax_curves, ax_bars) = plt.subplots(1, 2, figsize=(11, 3.6))
plot_training_curves({"GRU": history.history}, metric="accuracy", ax=ax_curves)
groups = ["all", "negated", "not negated"]
ax_bars.bar(np.arange(3) - 0.2, [bow_acc, bow_neg, bow_plain], width=0.4, label="bag of words")
ax_bars.bar(np.arange(3) + 0.2, [gru_acc, gru_neg, gru_plain], width=0.4, label="GRU")
ax_bars.axhline(0.5, color="gray", linestyle=":", label="chance")
ax_bars.set_xticks(np.arange(3), groups)
ax_bars.set_ylabel("test accuracy")
ax_bars.set_ylim(0, 1.25)  # room for the legend above the bars
ax_bars.set_title("Who reads negations?")
ax_bars.legend(frameon=False, loc="upper center", ncol=3)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7.7 Questions
#
# **Question 1 (2 points).** The probes "this film was not good , it was awful ." and "this
# film was not awful , it was good ." contain exactly the same words. What does the
# bag-of-words model predict for the two, and why can no choice of its weights get both right?
# What does the GRU have that lets it separate them?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_word_order", "points": 2}
# *Model answer.* The bag of words computes its score from the word counts only, and the two
# reviews have identical counts, so it gives both the same probability: whatever weights it
# learns, one of the two is wrong. (The same holds for "good at first but dull in the end"
# and its swap, and, because the model is linear in the counts, it cannot even learn that "not"
# flips the word after it: "not" would need a positive weight next to "bad" and a negative one
# next to "good".) The GRU reads the words in order and carries a state: after "not" its state
# records that a negation is open, so the next adjective updates the state in the opposite
# direction, and the last state (what the Dense layer sees) depends on which adjective came
# after "not" and which came last.

# %% [markdown]
# **Question 2 (1 point).** In the lecture example "what" and "film" both get id 7. What does
# that collision cost the model, and what happens if you raise `num_oov_buckets` from 2 to
# 1000 while the training corpus stays small?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_oov_buckets", "points": 1}
# *Model answer.* Colliding words share one embedding row, so the model cannot tell them apart
# and the row's gradient mixes what both words need: "film" gets whatever vector suits "what".
# More buckets mean fewer collisions, but each bucket is then hit by fewer training words, so
# most of the 1000 rows are trained on one or two examples (or none) and stay near their random
# initial values; they also add 1000 x d parameters. The number of buckets trades collisions
# against how much data trains each bucket.

# %%
print(f"notebook ran in {time.perf_counter() - notebook_start:.0f} s")
