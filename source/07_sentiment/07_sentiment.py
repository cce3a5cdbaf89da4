# %% [markdown]
# # 7. Sentiment analysis: word embeddings and a GRU classifier
#
# A recurrent network reads vectors, but a review is made of words. This notebook builds the
# bridge: words become integer **ids** through a vocabulary, ids become vectors through an
# **embedding matrix** $E$, and $E$ is trained by backpropagation like any other weight. Then a
# small GRU network reads movie reviews word by word and decides whether they are positive or
# negative, and we measure what reading *in order* adds: the same network trained on the same
# reviews with their words shuffled cannot tell "not good , it was awful" from "not awful , it
# was good".
#
# After this notebook you can
#
# * build a vocabulary with a padding id and hashed out-of-vocabulary (OOV) buckets, and
#   reproduce the lecture's example: ids `8, 7, 8, 4, 7` and an $8 \times 6$ matrix $E$;
# * explain why an embedding lookup *is* a one-hot vector times $E$, and compute it for a batch
#   `(batch, time) -> (batch, time, d)`;
# * compute the gradient with respect to $E$, including words that occur more than once (and
#   recognise the one-line numpy bug that loses them);
# * build the lecture's `Embedding -> GRU -> GRU -> Dense` in Keras, read its shapes, explain the
#   error `return_sequences=False` causes, and measure what word order adds.
#
# **Notation.** $V$ is the number of ids (rows of $E$), $d$ the embedding size, $B$ the batch
# size and $T$ the number of time steps. The lecture numbers ids and the rows of $E$ from 1;
# numpy counts from 0 (section 7.1 shows how the two meet).
#
# **Time.** Core: about 30 minutes (every section, Exercises 7.1 to 7.3, Questions 7.1 and
# 7.2). Nothing in this notebook is optional.

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
# ### The lecture's example
#
# Five reviews, three positive and two negative. The lecture's vocabulary knows six words and
# sends everything else to one of two OOV buckets, which it assigns by hand: bucket 7 for "I",
# "movie", "to" and the padding, bucket 8 for "This", "is" and "watch". (Our tokenizer lower-cases,
# so "I" is `i` and "This" is `this`.)

# %%
reviews = ["I like this movie", "This is a bad movie to watch", "I love this movie",
           "I do not recommend you to watch this movie", "This movie is fantastic"]
sentiment = np.array([1, 0, 1, 0, 1])  # 1 = positive
known = ["like", "love", "bad", "fantastic", "not", "recommend"]  # ids 1 .. 6, in the lecture's order
lecture_id = {word: i + 1 for i, word in enumerate(known)}
lecture_id.update({w: 7 for w in ("i", "movie", "to", "<pad>")})
lecture_id.update({w: 8 for w in ("this", "is", "watch")})

tokens = word_tokenize(reviews[4]) + ["<pad>"]  # padded to 5 steps
lecture_ids = np.array([lecture_id[t] for t in tokens])
print(tokens, "->", lecture_ids)
assert lecture_ids.tolist() == [8, 7, 8, 4, 7], "the lecture's ids for 'This movie is fantastic' + pad"

# %% [markdown]
# The lecture's embedding matrix has one row per id, numbered from 1: rows $E_1, \dots, E_8$,
# each a vector of $d = 6$ numbers. The review's embedding stacks rows 8, 7, 8, 4, 7, a
# $5 \times 6$ matrix; row $t$ of it is the one-hot row vector of the $t$-th id times $E$, for
# example $e_1 = \mathbb{1}_8 E$, a $(1 \times 8)$ times $(8 \times 6)$ product.
#
# **Numbering.** numpy counts rows from 0, so the lecture's row $E_k$ is `E_lecture[k - 1]` and its
# one-hot vector $\mathbb{1}_k$ has its 1 at index `k - 1`.

# %%
E_lecture = np.array([
    [1.0, 2.0, 1.5, -1.2, 1.3, 1.0],      # E_1: like
    [-1.0, 1.3, -2.5, -1.2, 1.6, -1.0],   # E_2: love
    [1.0, 3.3, -3.5, -1.0, 2.6, 1.0],     # E_3: bad
    [-1.0, 1.3, -2.5, -1.2, 1.8, -1.0],   # E_4: fantastic
    [-1.2, 2.3, -2.5, -1.2, -1.6, 1.0],   # E_5: not
    [-1.7, -1.3, -2.5, -1.2, 3.6, 1.2],   # E_6: recommend
    [-4.2, 2.3, -3.5, 4.3, 1.8, -2.0],    # E_7: OOV bucket (i, movie, to, pad)
    [-1.7, -1.3, -4.5, -2.2, -3.6, 1.0],  # E_8: OOV bucket (this, is, watch)
])
review_embedding = E_lecture[lecture_ids - 1]  # lecture rows 8, 7, 8, 4, 7 = numpy rows 7, 6, 7, 3, 6
print("E", E_lecture.shape, "-> review embedding", review_embedding.shape)
print(review_embedding)
lecture_result = np.array([[-1.7, -1.3, -4.5, -2.2, -3.6, 1.0], [-4.2, 2.3, -3.5, 4.3, 1.8, -2.0],
                           [-1.7, -1.3, -4.5, -2.2, -3.6, 1.0], [-1.0, 1.3, -2.5, -1.2, 1.8, -1.0],
                           [-4.2, 2.3, -3.5, 4.3, 1.8, -2.0]])  # the 5 x 6 matrix on the slide
assert review_embedding.shape == (5, 6) and np.array_equal(review_embedding, lecture_result)

one_8 = np.eye(8)[8 - 1]  # the one-hot vector 1_8, (8,)
e_1 = one_8 @ E_lecture   # (1 x 8) @ (8 x 6) -> (6,)
print("1_8 =", one_8, " e_1 = 1_8 E =", e_1)
assert np.array_equal(e_1, review_embedding[0])
assert np.array_equal(np.eye(8)[lecture_ids - 1] @ E_lecture, review_embedding), "one-hot times E = row lookup"

# %% [markdown]
# ### The same example with a padding id and hashed buckets
#
# Code usually does two things differently. It gives the padding its own id 0 (so that Keras can
# mask it) instead of a bucket, and it lets a hash choose the buckets instead of a person.
# `rnnkit`'s `Vocabulary`, given the lecture's six words in the lecture's order (`Vocabulary.build`
# would sort them by frequency) and two buckets, numbers them exactly as
# the lecture does, padding 0, known words 1 to 6, buckets 7 and 8, so the lecture's ids can
# index a table with one extra row on top, row 0 for padding, and the lecture's $E_k$ is then
# row `k` of it, no `- 1` needed. The buckets are where the two part ways: crc32 puts "i" and
# "movie" in bucket 8 and "watch" in bucket 7, the other way round from the lecture's choice.

# %%
vocab = Vocabulary(known, num_oov_buckets=2)
print(vocab)
for word in ("i", "movie", "to", "this", "is", "watch"):
    print(f"{word:6s} lecture bucket {lecture_id[word]}   crc32 bucket "
          f"{vocab.oov_offset} + crc32 % 2 = {vocab.token_id(word)}")
ids = vocab.encode(tokens)
print("hashed ids of", tokens, "->", ids)
assert [vocab.token_id(w) for w in known] == [lecture_id[w] for w in known], "known words keep the lecture's ids"
assert vocab.token_id("<pad>") == 0 and len(vocab) == 9

E = np.vstack([np.zeros((1, 6)), E_lecture])  # row 0: padding; row k: the lecture's E_k
assert np.array_equal(E[lecture_ids], review_embedding), "with the padding row on top, lecture ids index E directly"
print("E (lookup table with the padding row)", E.shape)

# %% [markdown]
# The hashed ids of the review are not the lecture's: "this", "movie" and "is" now all share
# bucket 8, and the padding has its own id. Which words collide is decided by the hash, not by
# meaning, and the model can only live with it. For the rest of the notebook we keep the
# lecture's ids `8, 7, 8, 4, 7` (two ids repeated: useful in section 7.3) and the 9-row table `E`.

# %%
ids = lecture_ids

# %% [markdown]
# ### Exercise 7.1 (2 points, core): encode with OOV buckets
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
assert encode_with_oov(tokens, vocab.token_to_id, 2).tolist() == vocab.encode(tokens).tolist(), \
    "on the lecture's review your ids should be the hashed ids that Vocabulary printed above"
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
# ### Exercise 7.2 (1 point, core): batch lookup through one-hot vectors
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
# ### Exercise 7.3 (2 points, core): the gradient of an embedding layer
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
batch_ids = pad_sequences([vocab.encode(t) for t in reviews])  # the five reviews: (B, T) = (5, 9)
batch_vectors = embedding_lookup(E, batch_ids)  # (B, T, d) = (5, 9, 6)
print("ids", batch_ids.shape, "\n", batch_ids)
print("embedded", batch_vectors.shape)
print("mask (ids != 0):\n", batch_ids != 0)
keras_mask = keras.ops.convert_to_numpy(keras_embedding.compute_mask(batch_ids))
assert batch_vectors.shape == (5, 9, 6) and np.array_equal(keras_mask, batch_ids != 0)

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
# "good at first but dull in the end", "not good , it was awful": words that fit either label
test_order_only = np.array([" but " in t or " , it was " in t for t in test_texts])
for text, label in list(zip(train_texts, y_train))[:6]:
    print("positive" if label else "negative", "|", text)
print(f"negated test reviews: {test_negated.sum()} of {len(test_texts)}; "
      f"reviews whose words fit either label: {test_order_only.sum()}")

# %% [markdown]
# The vocabulary keeps words seen at least 10 times in the training set; film titles are rarer
# and share 8 OOV buckets. Reviews are padded *at the front* to the longest training review:
# the lecture's model below has no mask, and with the padding first the last step a GRU reads
# is always the review's last word.

# %%
review_vocab = Vocabulary.build(train_texts, min_freq=10, num_oov_buckets=8)
maxlen = max(len(word_tokenize(t)) for t in train_texts)


def encode_all(texts):
    return pad_sequences([review_vocab.encode(t) for t in texts], maxlen=maxlen, padding="pre")


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
# The sequence model reads the review in order; these are the lecture's layers. The embedding
# has a row for every id: the lecture's `vocab_size` counts the padding and the known words,
# and the OOV buckets come after them. The first GRU returns its state at every step
# (`return_sequences=True`) so that the second GRU can read that sequence; the second returns
# only its last state, which a sigmoid unit turns into $P(\text{positive})$.

# %%
vocab_size = 1 + review_vocab.num_known  # padding + known words
num_oov_buckets = review_vocab.num_oov_buckets
assert vocab_size + num_oov_buckets == len(review_vocab), "every id needs a row of the embedding"


def build_gru(first_return_sequences=True):
    """The lecture's sentiment model; first_return_sequences=False is the classic mistake."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),  # any batch size, any review length
        keras.layers.Embedding(vocab_size + num_oov_buckets, 128),
        keras.layers.GRU(64, return_sequences=first_return_sequences),
        keras.layers.GRU(64),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


gru_model = build_gru()
shapes = [tuple(gru_model.inputs[0].shape)] + [tuple(layer.output.shape) for layer in gru_model.layers]
for name, shape in zip(["input"] + [layer.name for layer in gru_model.layers], shapes):
    print(f"{name:12s} {shape}")
assert shapes[:4] == [(None, None), (None, None, 128), (None, None, 64), (None, 64)], "the lecture's shapes"

# %% [markdown]
# `None` is a size Keras leaves open: the batch size, and the number of time steps. The second
# GRU needs a sequence, `(batch, time, 64)`. With `return_sequences=False` on the first GRU it
# would get only the last state, `(batch, 64)`, and Keras refuses to build the same model
# (notebook 4 met this error too):

# %%
try:
    build_gru(first_return_sequences=False)
    message = None
except ValueError as err:
    message = str(err)
print("ValueError:", message.splitlines()[0] if message else None)
assert message is not None and "expected ndim=3, found ndim=2" in message, "the second GRU should reject (batch, 64)"

# %%
start = time.perf_counter()
history = gru_model.fit(
    X_train, y_train, validation_data=(X_val, y_val), epochs=3, batch_size=128, verbose=0
)
print(f"trained in {time.perf_counter() - start:.1f} s")
print("validation accuracy per epoch:", np.round(history.history["val_accuracy"], 3))

# %% [markdown]
# ### What does word order add? The same GRU on shuffled words
#
# Comparing the GRU with the bag of words mixes two differences: the order of the words and the
# kind of model. To isolate the order we train the *same* model a second time, from the same
# start, on the same reviews with the words of each review shuffled (the labels unchanged), and
# test it on shuffled test reviews. It sees exactly which words occur, like the bag of words,
# with all of the GRU's capacity.

# %%
def shuffle_words(texts, seed):
    """Each review with its words in a random order (one fixed generator: reproducible)."""
    order = np.random.default_rng(seed)
    return [" ".join(order.permutation(t.split())) for t in texts]


X_train_shuf, X_val_shuf, X_test_shuf = (encode_all(shuffle_words(texts, seed))
                                         for seed, texts in enumerate((train_texts, val_texts, test_texts)))
shuffled_model = build_gru()
shuffled_model.fit(X_train_shuf, y_train, validation_data=(X_val_shuf, y_val), epochs=3, batch_size=128, verbose=0)
shuf_pred = (shuffled_model.predict(X_test_shuf, verbose=0)[:, 0] > 0.5).astype(int)
shuf_acc = np.mean(shuf_pred == y_test)
shuf_neg = np.mean(shuf_pred[test_negated] == y_test[test_negated])
shuf_plain = np.mean(shuf_pred[~test_negated] == y_test[~test_negated])
shuf_order = np.mean(shuf_pred[test_order_only] == y_test[test_order_only])
print(f"GRU on shuffled words: test accuracy {shuf_acc:.3f}, on negated reviews {shuf_neg:.3f}, "
      f"on reviews whose words fit either label {shuf_order:.3f}")

# %% [markdown]
# ### Evaluation: all test reviews, and the negated ones
#
# We add a few hand-written reviews to the test batch to see the models side by side.

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
gru_order = np.mean(gru_pred[test_order_only] == y_test[test_order_only])
bow_order = np.mean(bow_pred[test_order_only] == y_test[test_order_only])
split_acc = {name: float(np.mean((gru_model.predict(X, verbose=0)[:, 0] > 0.5) == y))
             for name, X, y in (("train", X_train, y_train), ("validation", X_val, y_val), ("test", X_test, y_test))}
print("GRU accuracy per split:", {k: round(v, 3) for k, v in split_acc.items()}, "\n")
print(f"{'test accuracy':16s} {'bag of words':>12s} {'GRU, shuffled words':>20s} {'GRU':>6s}")
print(f"{'all reviews':16s} {bow_acc:12.3f} {shuf_acc:20.3f} {gru_acc:6.3f}")
print(f"{'negated reviews':16s} {bow_neg:12.3f} {shuf_neg:20.3f} {gru_neg:6.3f}")
print(f"{'not negated':16s} {bow_plain:12.3f} {shuf_plain:20.3f} {gru_plain:6.3f}")
print(f"{'either label':16s} {bow_order:12.3f} {shuf_order:20.3f} {gru_order:6.3f}\n")
bow_probe = 1 / (1 + np.exp(-(bag_of_words(encode_all(probes)) @ w_bow + c_bow)))
for text, p_gru, p_bow in zip(probes, probs[len(X_test):], bow_probe):
    print(f"P(positive): GRU {p_gru:.2f}  bag of words {p_bow:.2f} | {text}")

# %%
assert gru_neg >= 0.8, f"the GRU should read negations: {gru_neg:.3f} on negated reviews (want >= 0.8)"
assert gru_acc >= 0.9, f"the GRU should classify most test reviews: {gru_acc:.3f} (want >= 0.9)"
assert bow_neg < 0.5, f"a bag of words should do worse than a coin on negated reviews, got {bow_neg:.3f}"
assert gru_neg - bow_neg >= 0.3, "reading in order should beat the bag of words by a wide margin on negations"
assert shuf_neg > bow_neg + 0.3, f"most negations need a nonlinear model, not word order: shuffled GRU {shuf_neg:.3f}"
assert shuf_order < 0.7 <= 0.9 <= gru_order, (
    f"where the same words fit either label only order can decide: shuffled {shuf_order:.3f}, in order {gru_order:.3f}")
assert gru_acc - shuf_acc >= 0.05, "word order should add accuracy on the whole test set"
assert min(split_acc.values()) >= 0.98, "the GRU should be (almost) perfect on every split of this corpus"

# %% [markdown]
# Read the table from left to right. The bag of words is *linear* in the word counts and fails
# the negated reviews. The GRU on shuffled words repairs most of that without any order: "not"
# together with a positive adjective means negative wherever the two stand, and a nonlinear
# model can learn such a combination from the set of words alone. What only order can decide
# is the last column: reviews whose words fit either label ("good at first but dull in the
# end" and its swap, "not good , it was awful" and its swap). There the shuffled GRU is at
# chance and the GRU that reads in order is right.
#
# The ordered GRU is (almost) perfect on every split, training, validation and test. That says
# more about the corpus than about the model: the reviews come from a handful of templates, and
# a test set drawn from the same templates holds no surprise. On such a corpus a score alone
# cannot show what order adds; the control with shuffled words can.

# %%
fig, (ax_curves, ax_bars) = plt.subplots(1, 2, figsize=(11, 3.6))
plot_training_curves({"GRU": history.history}, metric="accuracy", ax=ax_curves)
groups = ["all", "negated", "not negated", "words fit\neither label"]
ax_bars.bar(np.arange(4) - 0.27, [bow_acc, bow_neg, bow_plain, bow_order], width=0.27, label="bag of words")
ax_bars.bar(np.arange(4), [shuf_acc, shuf_neg, shuf_plain, shuf_order], width=0.27, label="GRU, shuffled words")
ax_bars.bar(np.arange(4) + 0.27, [gru_acc, gru_neg, gru_plain, gru_order], width=0.27, label="GRU")
ax_bars.axhline(0.5, color="gray", linestyle=":", label="chance")
ax_bars.set_xticks(np.arange(4), groups)
ax_bars.set_ylabel("test accuracy")
ax_bars.set_ylim(0, 1.25)  # room for the legend above the bars
ax_bars.set_title("Who reads negations?")
ax_bars.legend(frameon=False, loc="upper center", ncol=2, fontsize="small")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7.7 Questions
#
# **Question 7.1 (2 points, written, core).** The probes "this film was not good , it was awful ." and "this
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
# **Question 7.2 (1 point, written, core).** In the lecture's example "movie" and "to" share
# bucket 7 (and with crc32, "this", "movie" and "is" share bucket 8). What does such a collision
# cost the model, and what happens if you raise `num_oov_buckets` from 2 to 1000 while the
# training corpus stays small?

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_oov_buckets", "points": 1}
# *Model answer.* Colliding words share one embedding row, so the model cannot tell them apart
# and the row's gradient mixes what both words need: "movie" gets whatever vector suits "to".
# More buckets mean fewer collisions, but each bucket is then hit by fewer training words, so
# most of the 1000 rows are trained on one or two examples (or none) and stay near their random
# initial values; they also add 1000 x d parameters. The number of buckets trades collisions
# against how much data trains each bucket.

# %%
print(f"notebook ran in {time.perf_counter() - notebook_start:.0f} s")
