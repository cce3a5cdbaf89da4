"""Exercises of notebook 07_sentiment: OOV ids, embedding lookup as one-hot times E, dE."""

import numpy as np

from course.exercise import Exercise, Mistake, Out
from rnnkit.embedding import Vocabulary, embedding_backward, embedding_lookup


_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _words(rng, count: int) -> list[str]:
    """``count`` distinct made-up lower-case words."""
    words: list[str] = []
    while len(words) < count:
        word = "".join(_LETTERS[rng.integers(0, 26, size=int(rng.integers(2, 8)))])
        if word not in words and word != "<pad>":
            words.append(word)
    return words


# --------------------------------------------------------------------------- encode_with_oov


def _encode_inputs(rng, hidden):
    num_known = int(rng.integers(5, 12) if hidden else 6)
    num_oov = int(rng.integers(2, 6) if hidden else 3)
    words = _words(rng, num_known + 8)
    known, unknown = words[:num_known], words[num_known:]
    token_to_id = {"<pad>": 0, **{w: i + 1 for i, w in enumerate(known)}}
    # Every unknown word (so several buckets are hit) and known words, some of them repeated.
    extra = int(rng.integers(1, 5) if hidden else 2)
    tokens = unknown + known[:3] + [known[int(rng.integers(num_known))] for _ in range(extra)]
    tokens = [tokens[i] for i in rng.permutation(len(tokens))]
    return {"tokens": tokens, "token_to_id": token_to_id, "num_oov_buckets": num_oov}


def _known_words(token_to_id):
    return [w for w, i in sorted(token_to_id.items(), key=lambda kv: kv[1]) if i != 0]


def _encode_reference(tokens, token_to_id, num_oov_buckets):
    vocab = Vocabulary(_known_words(token_to_id), num_oov_buckets=num_oov_buckets)
    return vocab.encode(list(tokens))


def _crc(token, n):
    import zlib

    return zlib.crc32(token.encode("utf-8")) % n


def _encode_with(offset_shift=0, bucket=_crc, offset=len, unknown=None):
    """Encoding with a slip: the buckets' offset (a function of token_to_id) moved or replaced,
    another bucket function ``bucket(token, num_oov_buckets, token_to_id)``, or every unknown
    word sent to the id ``unknown``."""
    def encode(tokens, token_to_id, num_oov_buckets):
        start = offset(token_to_id) + offset_shift

        def oov(token):
            return unknown if unknown is not None else start + bucket(token, num_oov_buckets)

        return np.array([token_to_id[t] if t in token_to_id else oov(t) for t in tokens], dtype=np.int64)

    return encode


def _encode_modulo(size):
    """The bucket taken modulo ``size(token_to_id, num_oov_buckets)`` instead of num_oov_buckets."""
    def encode(tokens, token_to_id, num_oov_buckets):
        n = size(token_to_id, num_oov_buckets)
        return _encode_with(bucket=lambda t, _: _crc(t, n))(tokens, token_to_id, num_oov_buckets)

    return encode


_MODULO_MESSAGE = ("the bucket number is taken modulo the vocabulary size. There are num_oov_buckets buckets, so "
                   "an unknown word's bucket is zlib.crc32(token.encode('utf-8')) % num_oov_buckets, a number "
                   "from 0 to num_oov_buckets - 1, and its id len(token_to_id) + that bucket.")


ENCODE_WITH_OOV = Exercise(
    "encode_with_oov", points=2, make_inputs=_encode_inputs, reference=_encode_reference,
    outputs=(Out("ids", "int_array", "(T,) token ids"),),
    mistakes=(
        Mistake("the OOV buckets start right after the padding id and the known words: with K known "
                "words (ids 1..K) the first bucket is id K + 1 = len(token_to_id). You started them one "
                "too early, so an unknown word can get the id of the last known word.", _encode_with(offset_shift=-1)),
        Mistake("bucket j has id len(token_to_id) + j with j = crc32 % num_oov_buckets counted from 0; "
                "you added one more, so the last bucket runs past the embedding matrix.", _encode_with(offset_shift=1)),
        Mistake("every unknown word went to the first bucket. Hash the word: "
                "zlib.crc32(token.encode('utf-8')) % num_oov_buckets picks its bucket.",
                _encode_with(bucket=lambda t, n: 0)),
        Mistake(
            "you used Python's hash(). It is salted differently in every Python process "
            "(PYTHONHASHSEED), so the same unknown word would get a different id tomorrow than "
            "during training (a grader in another process cannot even reproduce your ids). Use "
            "zlib.crc32(token.encode('utf-8')).",
            _encode_with(bucket=lambda t, n: hash(t) % n),
            calls="hash",
        ),
        Mistake("the unknown words got their bare bucket number (0, 1, ...), which are the ids of the padding and "
                "the first known words. The buckets come after the known words: add the offset "
                "len(token_to_id) (K + 1), id = len(token_to_id) + crc32 % num_oov_buckets.",
                _encode_with(offset=lambda token_to_id: 0)),
        Mistake("every unknown word got the padding id 0 (as token_to_id.get(token, 0) gives). Id 0 means "
                "\"no word here\" and is masked out; an unknown word goes to its hashed bucket, "
                "len(token_to_id) + zlib.crc32(token.encode('utf-8')) % num_oov_buckets.",
                _encode_with(unknown=0)),
        Mistake(_MODULO_MESSAGE, _encode_modulo(lambda token_to_id, n: len(token_to_id))),
        Mistake(_MODULO_MESSAGE, _encode_modulo(lambda token_to_id, n: len(token_to_id) + n)),
    ),
    forbidden=("rnnkit.embedding.oov_bucket", "keras"),
    demo_mistake=("offset = len(token_to_id)", "offset = len(token_to_id) - 1"),
)


# --------------------------------------------------------------------------- lookup via one-hot


def _lookup_inputs(rng, hidden):
    V = int(rng.integers(6, 12) if hidden else 7)
    d = int(rng.integers(2, 5) if hidden else 3)
    B = int(rng.integers(2, 4) if hidden else 2)
    T = int(rng.integers(3, 7) if hidden else 4)
    ids = rng.integers(0, V, size=(B, T))
    ids[0, -1] = 0  # a padding position
    ids[-1, 0] = V - 1  # the last row is used
    return {"E": rng.normal(size=(V, d)), "ids": ids}


def _lookup_reference(E, ids):
    return embedding_lookup(E, ids)


EMBEDDING_LOOKUP_ONEHOT = Exercise(
    "embedding_lookup_onehot", points=1, make_inputs=_lookup_inputs, reference=_lookup_reference,
    outputs=(Out("out", "array", "(batch, time, d)"),),
    mistakes=(
        Mistake("you shifted the ids by one (row ids - 1). Token id k selects row k of E, counting "
                "from 0; row 0 is the padding row. The lecture's 1-based row numbers are the same rows.",
                lambda E, ids: np.eye(E.shape[0])[ids - 1] @ E),
        Mistake("the padding positions (id 0) came out as zeros. one_hot(0) @ E is row 0 of E, "
                "whatever it holds; ignoring padded steps is the job of the mask, not of the lookup.",
                lambda E, ids: (np.eye(E.shape[0])[ids] @ E) * (ids != 0)[..., None]),
        Mistake("the result has the time and feature axes swapped: Keras and this course keep "
                "(batch, time, d), so each time step's vector sits in out[b, t].",
                lambda E, ids: np.swapaxes(np.eye(E.shape[0])[ids] @ E, 1, 2)),
    ),
    forbidden=("rnnkit.embedding.embedding_lookup", "rnnkit.embedding.one_hot", "keras"),
    demo_mistake=("np.eye(V)[ids]", "np.eye(V)[ids - 1]"),
    # A one-hot table built too small (np.eye(d), np.eye(ids.max())) cannot hold the largest id.
    hints={"IndexError": "An id is past the end of your one-hot table. A one-hot vector has one entry per word of "
                         "the vocabulary, V = E.shape[0] (the rows of E; not d, its columns), so the ids 0 .. V - 1 "
                         "index the rows of np.eye(V)."},
)


# --------------------------------------------------------------------------- dE


def _grad_inputs(rng, hidden):
    V = int(rng.integers(5, 9) if hidden else 6)
    d = int(rng.integers(2, 5) if hidden else 3)
    B = int(rng.integers(2, 4) if hidden else 2)
    T = int(rng.integers(4, 8) if hidden else 5)
    ids = rng.integers(0, V, size=(B, T))
    ids[0, :3] = 1  # an id repeated within a sentence
    ids[1, 0] = 1  # ... and across the batch
    return {"d_out": rng.normal(size=(B, T, d)), "ids": ids, "vocab_size": V}


def _grad_reference(d_out, ids, vocab_size):
    return embedding_backward(d_out, ids, vocab_size)


def _grad_last_write_wins(d_out, ids, vocab_size):
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    dE[ids] += d_out
    return dE


def _grad_first_sentence(d_out, ids, vocab_size):
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    np.add.at(dE, ids[0], d_out[0])
    return dE


def _grad_every_row(d_out, ids, vocab_size):
    return np.zeros((vocab_size, d_out.shape[-1])) + d_out.sum(axis=(0, 1))


def _grad_mean(d_out, ids, vocab_size):
    onehot = np.eye(vocab_size)[ids].reshape(-1, vocab_size)
    counts = np.maximum(onehot.sum(axis=0), 1)[:, None]
    return onehot.T @ d_out.reshape(-1, d_out.shape[-1]) / counts


EMBEDDING_GRAD = Exercise(
    "embedding_grad", points=2, make_inputs=_grad_inputs, reference=_grad_reference,
    outputs=(Out("dE", "array", "(V, d)"),),
    mistakes=(
        Mistake("repeated ids lost their gradient: `dE[ids] += d_out` is one buffered assignment, so "
                "when an id occurs several times only one occurrence's gradient survives. Every "
                "occurrence must add to its row: use np.add.at(dE, ids, d_out), or multiply the "
                "transposed one-hot matrix (built with np.eye) by d_out.", _grad_last_write_wins),
        Mistake("only the first sentence of the batch contributed. The loss sums over the whole batch, "
                "so every (b, t) position adds d_out[b, t] to row ids[b, t].", _grad_first_sentence),
        Mistake("you averaged over the occurrences of each id. The embedding row is used once per "
                "occurrence, and the chain rule adds (not averages) the gradients of each use.", _grad_mean),
        Mistake("every row of dE holds the gradient summed over all positions, whatever its id. Position "
                "(b, t) only used row ids[b, t] of E, so its d_out[b, t] goes to that row alone: "
                "np.add.at(dE, ids, d_out), or the transposed one-hot matrix times d_out. Rows of words "
                "that do not occur stay 0.", _grad_every_row),
    ),
    forbidden=("rnnkit.embedding.embedding_backward", "rnnkit.embedding.one_hot", "keras"),
    demo_mistake=("np.add.at(dE, ids, d_out)", "dE[ids] += d_out"),
)

EXERCISES = (ENCODE_WITH_OOV, EMBEDDING_LOOKUP_ONEHOT, EMBEDDING_GRAD)
