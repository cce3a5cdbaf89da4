"""From text to vectors: tokenizers, a vocabulary with hashed OOV buckets, embedding lookups.

An embedding layer is a lookup table ``E`` of shape ``(V, d)``: token id ``k`` becomes row
``E[k]``. Looking rows up is the same as multiplying a one-hot matrix by ``E``, so the gradient of
a loss with respect to ``E`` is ``one_hot(ids).T @ d_out``: every occurrence of an id adds its
upstream gradient to that id's row, and a word that appears three times gets three contributions.

Id layout of a :class:`Vocabulary` (the lecture's convention, used by Keras ``Embedding`` with
``mask_zero=True``)::

    0                      padding (only when pad_token is not None)
    1 .. K                 the K known words, most frequent first (ties: alphabetical)
    K+1 .. K+num_oov       out-of-vocabulary buckets: crc32(word) % num_oov picks one

Defined in notebooks 01_sequential_data and 07_sentiment.
Used in notebook 08_text_generation.
"""

import re
import zlib
from collections import Counter
from typing import Callable, Iterable, Sequence

import numpy as np

from rnnkit.delegation import reference

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def word_tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words and single punctuation marks.

    ``"Not bad, at ALL!"`` -> ``["not", "bad", ",", "at", "all", "!"]``; an apostrophe stays
    inside a word (``"don't"``).

    Defined in notebook 01_sequential_data, section 1.1 "One sequence, many views".
    Used in notebook 07_sentiment, sections 7.1 "From words to ids: a vocabulary with OOV buckets"
    and 7.5 "A review corpus where word order matters".
    """
    if not isinstance(text, str):
        raise TypeError(f"word_tokenize: `text` should be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def char_tokenize(text: str) -> list[str]:
    """Split ``text`` into characters, keeping case, spaces and newlines.

    Defined in notebook 01_sequential_data, section 1.1 "One sequence, many views".
    Used in notebook 08_text_generation, section 8.1 "A corpus and its character vocabulary".
    """
    if not isinstance(text, str):
        raise TypeError(f"char_tokenize: `text` should be a str, got {type(text).__name__}")
    return list(text)


@reference
def oov_bucket(token: str, num_oov_buckets: int) -> int:
    """The OOV bucket (0 .. num_oov_buckets-1) of ``token``: crc32 of its UTF-8 bytes, modulo.

    crc32 rather than Python's ``hash()``: ``hash`` of a str changes from one interpreter run to
    the next (PYTHONHASHSEED), which would renumber unknown words between training and serving.

    Defined in notebook 07_sentiment, section 7.1 "From words to ids: a vocabulary with OOV buckets".
    """
    if num_oov_buckets < 1:
        raise ValueError(f"oov_bucket: `num_oov_buckets` should be >= 1, got {num_oov_buckets}")
    return zlib.crc32(token.encode("utf-8")) % num_oov_buckets


class Vocabulary:
    """Token <-> id mapping with an optional padding id and hashed out-of-vocabulary buckets.

    Build one with :meth:`Vocabulary.build`. Attributes:

    - ``token_to_id``: dict for the padding token and the known words;
    - ``id_to_token``: list of length ``len(vocab)``; bucket ``j`` reads ``"<oov{j}>"``;
    - ``pad_id`` (0 or None), ``num_known``, ``num_oov_buckets``, ``counts`` (corpus counts).

    ``len(vocab)`` is the total number of ids (padding + known + buckets): the number of rows of
    the embedding matrix, Keras' ``Embedding(input_dim=len(vocab), ...)``.

    Defined in notebook 01_sequential_data, section 1.1 "One sequence, many views".
    Used in notebook 07_sentiment, sections 7.1 and 7.5, and notebook 08_text_generation, section 8.1.
    """

    def __init__(
        self,
        known: Sequence[str],
        *,
        num_oov_buckets: int = 1,
        pad_token: str | None = "<pad>",
        counts: dict[str, int] | None = None,
        tokenizer: Callable[[str], list[str]] = word_tokenize,
    ):
        if num_oov_buckets < 0:
            raise ValueError(f"Vocabulary: `num_oov_buckets` should be >= 0, got {num_oov_buckets}")
        known = list(known)
        if len(set(known)) != len(known):
            raise ValueError("Vocabulary: the known words contain duplicates")
        if pad_token is not None and pad_token in known:
            raise ValueError(f"Vocabulary: the padding token {pad_token!r} is also a known word")
        self.pad_token = pad_token
        self.pad_id = 0 if pad_token is not None else None
        self.num_known = len(known)
        self.num_oov_buckets = int(num_oov_buckets)
        self.counts = dict(counts or {})
        self.tokenizer = tokenizer
        offset = 1 if pad_token is not None else 0
        self.token_to_id = {} if pad_token is None else {pad_token: 0}
        for i, token in enumerate(known):
            self.token_to_id[token] = offset + i
        self.oov_offset = offset + self.num_known
        self.id_to_token = list(self.token_to_id) + [f"<oov{j}>" for j in range(self.num_oov_buckets)]

    @classmethod
    def build(
        cls,
        corpus: Iterable[str | Sequence[str]],
        max_size: int | None = None,
        min_freq: int = 1,
        num_oov_buckets: int = 1,
        pad_token: str | None = "<pad>",
        tokenizer: Callable[[str], list[str]] = word_tokenize,
    ) -> "Vocabulary":
        """Count the tokens of ``corpus`` and keep the frequent ones as known words.

        corpus: texts (tokenized with ``tokenizer``) or already tokenized lists of str.
        max_size: at most this many known words (padding and buckets not counted); None = all.
        min_freq: a word seen fewer times than this is left to the OOV buckets.
        Known words are ordered by count (highest first), ties alphabetically, so the same
        corpus always gives the same ids.
        """
        if max_size is not None and max_size < 0:
            raise ValueError(f"Vocabulary.build: `max_size` should be None or >= 0, got {max_size}")
        if min_freq < 1:
            raise ValueError(f"Vocabulary.build: `min_freq` should be >= 1, got {min_freq}")
        counts: Counter = Counter()
        for item in corpus:
            tokens = tokenizer(item) if isinstance(item, str) else item
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(f"Vocabulary.build: tokens should be str, got {type(token).__name__}")
                counts[token] += 1
        if pad_token is not None:
            counts.pop(pad_token, None)
        ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            ranked = ranked[:max_size]
        return cls(ranked, num_oov_buckets=num_oov_buckets, pad_token=pad_token, counts=counts, tokenizer=tokenizer)

    def __len__(self) -> int:
        return len(self.id_to_token)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_id

    def __repr__(self) -> str:
        return (
            f"Vocabulary({self.num_known} known words, {self.num_oov_buckets} OOV buckets, "
            f"pad_id={self.pad_id}, {len(self)} ids)"
        )

    def token_id(self, token: str) -> int:
        """The id of one token: its own id if known, else its OOV bucket's id."""
        found = self.token_to_id.get(token)
        if found is not None:
            return found
        if self.num_oov_buckets == 0:
            raise KeyError(f"{token!r} is not in the vocabulary and there are no OOV buckets")
        return self.oov_offset + oov_bucket(token, self.num_oov_buckets)

    def encode(self, tokens: str | Sequence[str]) -> np.ndarray:
        """Token ids of a text (tokenized with the vocabulary's tokenizer) or token list -> (T,) int64."""
        if isinstance(tokens, str):
            tokens = self.tokenizer(tokens)
        return np.array([self.token_id(t) for t in tokens], dtype=np.int64)

    def decode(self, ids) -> list[str]:
        """Tokens of a sequence of ids; an OOV bucket id reads ``"<oov{j}>"`` (the word is lost)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
            raise ValueError(f"Vocabulary.decode: `ids` should be a 1-D sequence of integers, got shape {ids.shape} dtype {ids.dtype}")
        bad = [int(i) for i in ids if not 0 <= i < len(self)]
        if bad:
            raise ValueError(f"Vocabulary.decode: ids {bad} are outside 0..{len(self) - 1}")
        return [self.id_to_token[int(i)] for i in ids]


def _check_ids(ids, vocab_size: int, fname: str) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        if ids.size == 0:
            return ids.astype(np.int64)
        raise TypeError(f"{fname}: `ids` should hold integer token ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(
            f"{fname}: `ids` should lie in 0..{vocab_size - 1} (vocabulary size V={vocab_size}), "
            f"got values from {ids.min()} to {ids.max()}"
        )
    return ids


@reference
def one_hot(ids, depth: int) -> np.ndarray:
    """One-hot rows: ids (...) int -> (..., depth) float64 with a single 1 per row.

    Defined in notebook 07_sentiment, section 7.2 "An embedding lookup is a one-hot vector times $E$".
    Used in notebook 01_sequential_data, section 1.1 "One sequence, many views".
    """
    if not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"one_hot: `depth` should be a positive int (the vocabulary size V), got {depth!r}")
    ids = _check_ids(ids, int(depth), "one_hot")
    return (ids[..., None] == np.arange(depth)).astype(np.float64)


def _check_table(E) -> np.ndarray:
    if not isinstance(E, np.ndarray):
        raise TypeError(f"embedding: `E` should be a numpy array of shape (V, d), got {type(E).__name__}")
    if E.ndim != 2:
        raise ValueError(f"embedding: `E` should be 2-D (vocabulary V, embedding size d), got shape {E.shape}")
    return E


@reference
def embedding_lookup(E: np.ndarray, ids) -> np.ndarray:
    """Rows of the embedding matrix: E (V, d), ids (...) int -> (..., d), e.g. (B, T) -> (B, T, d).

    Equal to ``one_hot(ids, V) @ E`` without building the one-hot matrix.

    Defined in notebook 07_sentiment, section 7.2 "An embedding lookup is a one-hot vector times $E$".
    """
    E = _check_table(E)
    ids = _check_ids(ids, E.shape[0], "embedding_lookup")
    return E[ids]


@reference
def embedding_backward(d_out: np.ndarray, ids, vocab_size: int) -> np.ndarray:
    """Gradient of the loss w.r.t. E: d_out (..., d), ids (...) -> dE (V, d).

    ``dE = one_hot(ids).T @ d_out`` summed over all positions: ``np.add.at`` accumulates
    repeated ids, whereas ``dE[ids] += d_out`` keeps only one of them.

    Defined in notebook 07_sentiment, section 7.3 "Training $E$: the gradient, and words that occur twice".
    """
    d_out = np.asarray(d_out)
    ids = _check_ids(ids, vocab_size, "embedding_backward")
    if d_out.shape[:-1] != ids.shape or d_out.ndim != ids.ndim + 1:
        raise ValueError(
            f"embedding_backward: `d_out` should have shape ids.shape + (d,) = {ids.shape} + (d,), "
            f"got {d_out.shape}"
        )
    dE = np.zeros((vocab_size, d_out.shape[-1]), dtype=np.result_type(d_out.dtype, np.float64))
    np.add.at(dE, ids, d_out)
    return dE


def pad_sequences(
    seqs: Sequence[Sequence[int]],
    maxlen: int | None = None,
    value: int = 0,
    padding: str = "post",
    truncating: str = "post",
) -> np.ndarray:
    """Pad (or cut) id sequences to one length: list of N sequences -> (N, maxlen) int64.

    maxlen: None = the longest sequence. padding: ``"post"`` appends ``value``, ``"pre"``
    prepends it. truncating: ``"post"`` drops the end of a long sequence, ``"pre"`` its start.

    Defined in notebook 07_sentiment, section 7.4 "Batches: padding and shapes".
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"pad_sequences: `padding` should be 'pre' or 'post', got {padding!r}")
    if truncating not in ("pre", "post"):
        raise ValueError(f"pad_sequences: `truncating` should be 'pre' or 'post', got {truncating!r}")
    arrays = []
    for n, seq in enumerate(seqs):
        arr = np.asarray(seq)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise ValueError(f"pad_sequences: sequence {n} should be 1-D integer ids, got shape {arr.shape} dtype {arr.dtype}")
        arrays.append(arr.astype(np.int64))
    if maxlen is None:
        maxlen = max((len(a) for a in arrays), default=0)
    if maxlen < 0:
        raise ValueError(f"pad_sequences: `maxlen` should be >= 0, got {maxlen}")
    out = np.full((len(arrays), maxlen), value, dtype=np.int64)
    for n, arr in enumerate(arrays):
        if len(arr) > maxlen:
            arr = arr[:maxlen] if truncating == "post" else arr[len(arr) - maxlen:]
        if len(arr) == 0:
            continue
        if padding == "post":
            out[n, : len(arr)] = arr
        else:
            out[n, maxlen - len(arr):] = arr
    return out
