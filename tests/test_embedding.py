"""rnnkit.embedding: tokenizers, Vocabulary with OOV buckets, lookup/backward, padding."""

import subprocess
import sys
import zlib

import numpy as np
import pytest

from rnnkit import delegation
from rnnkit.embedding import (
    Vocabulary,
    char_tokenize,
    embedding_backward,
    embedding_lookup,
    one_hot,
    oov_bucket,
    pad_sequences,
    word_tokenize,
)

LECTURE_CORPUS = ["the movie was good", "the movie was not good", "the movie was bad"]
LECTURE_SENTENCE = "oh what a good film"


def lecture_vocab():
    return Vocabulary.build(LECTURE_CORPUS, num_oov_buckets=2)


def test_tokenizers():
    assert word_tokenize("Not bad, at ALL! Don't go.") == ["not", "bad", ",", "at", "all", "!", "don't", "go", "."]
    assert char_tokenize("Ab c\n") == ["A", "b", " ", "c", "\n"]
    with pytest.raises(TypeError, match="text"):
        word_tokenize(["a"])


def test_lecture_example_ids_and_matrix():
    vocab = lecture_vocab()
    # 0 padding, 1..6 the known words, 7 and 8 the two OOV buckets
    assert vocab.num_known == 6 and vocab.num_oov_buckets == 2 and vocab.pad_id == 0
    assert len(vocab) == 9
    assert vocab.id_to_token == ["<pad>", "movie", "the", "was", "good", "bad", "not", "<oov0>", "<oov1>"]
    ids = vocab.encode(LECTURE_SENTENCE)
    assert ids.tolist() == [8, 7, 8, 4, 7]
    assert ids.dtype == np.int64
    assert vocab.decode(ids) == ["<oov1>", "<oov0>", "<oov1>", "good", "<oov0>"]
    # The lecture's E is 8x6: one row per non-padding id (1-based rows 1..8). The lookup table
    # has a zero row 0 on top for padding, i.e. Keras' Embedding(input_dim=9, output_dim=6).
    E_lecture = np.arange(48, dtype=np.float64).reshape(8, 6)
    E = np.vstack([np.zeros((1, 6)), E_lecture])
    out = embedding_lookup(E, ids)
    assert out.shape == (5, 6)
    np.testing.assert_array_equal(out, E_lecture[ids - 1])
    np.testing.assert_array_equal(out, one_hot(ids, 9) @ E)


def test_oov_bucket_is_crc32_and_stable_across_processes():
    assert oov_bucket("film", 2) == zlib.crc32(b"film") % 2
    code = "from rnnkit.embedding import Vocabulary as V; print(V.build(['a b'], num_oov_buckets=97).encode('zebra xylophone').tolist())"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONHASHSEED": s}).stdout
        for s in ("1", "2")
    }
    assert len(runs) == 1 and runs.pop().strip()


def test_build_ordering_max_size_min_freq():
    vocab = Vocabulary.build([["b", "a", "c", "c", "d", "d", "e"]], max_size=3)
    assert vocab.id_to_token[1:4] == ["c", "d", "a"]  # count desc, then alphabetical
    assert "e" not in vocab and vocab.token_id("e") == 4  # the single bucket
    vocab = Vocabulary.build([["a", "a", "b"]], min_freq=2, pad_token=None, num_oov_buckets=0)
    assert vocab.id_to_token == ["a"] and vocab.pad_id is None
    with pytest.raises(KeyError, match="no OOV buckets"):
        vocab.encode(["b"])
    with pytest.raises(ValueError, match="outside"):
        lecture_vocab().decode([9])


def test_lookup_equals_one_hot_matmul_batched():
    rng = np.random.default_rng(0)
    E = rng.normal(size=(11, 4))
    ids = rng.integers(0, 11, size=(3, 7))
    out = embedding_lookup(E, ids)
    assert out.shape == (3, 7, 4)
    np.testing.assert_allclose(out, one_hot(ids, 11) @ E, rtol=0, atol=1e-15)


def test_lookup_errors():
    E = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"0\.\.4"):
        embedding_lookup(E, np.array([1, 5]))
    with pytest.raises(ValueError, match=r"0\.\.4"):
        embedding_lookup(E, np.array([-1]))
    with pytest.raises(TypeError, match="integer"):
        embedding_lookup(E, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="2-D"):
        embedding_lookup(np.zeros(5), np.array([1]))
    with pytest.raises(ValueError, match="depth"):
        one_hot(np.array([1]), 0)


def test_backward_matches_numerical_gradient_with_repeated_ids():
    rng = np.random.default_rng(1)
    V, d = 6, 3
    E = rng.normal(size=(V, d))
    ids = np.array([[2, 2, 5, 2], [0, 5, 1, 1]])  # 2 three times, 5 and 1 twice
    R = rng.normal(size=ids.shape + (d,))

    def loss():
        return float(np.sum(embedding_lookup(E, ids) * R))

    dE = embedding_backward(R, ids, V)
    num = np.zeros_like(E)
    h = 1e-5
    for idx in np.ndindex(E.shape):
        old = E[idx]
        E[idx] = old + h
        plus = loss()
        E[idx] = old - h
        minus = loss()
        E[idx] = old
        num[idx] = (plus - minus) / (2 * h)
    np.testing.assert_allclose(dE, num, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dE, one_hot(ids, V).reshape(-1, V).T @ R.reshape(-1, d), atol=1e-12)
    # the classic bug keeps only one of the repeated ids
    buggy = np.zeros_like(E)
    buggy[ids] += R
    assert not np.allclose(buggy, dE)
    assert np.all(dE[[3, 4]] == 0)


def test_backward_shape_errors():
    with pytest.raises(ValueError, match=r"ids.shape"):
        embedding_backward(np.zeros((2, 3)), np.array([[0, 1]]), 4)
    with pytest.raises(ValueError, match=r"0\.\.3"):
        embedding_backward(np.zeros((1, 3)), np.array([4]), 4)


def test_reference_functions_are_watched():
    with delegation.watching() as calls:
        embedding_backward(embedding_lookup(np.eye(3), np.array([0, 1])), np.array([0, 1]), 3)
    assert calls == {"rnnkit.embedding.embedding_lookup", "rnnkit.embedding.embedding_backward"}


def test_pad_sequences():
    seqs = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(pad_sequences(seqs), [[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, padding="pre", value=9), [[1, 2, 3], [9, 9, 4], [9, 9, 9]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2), [[1, 2], [4, 0], [0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2, truncating="pre", padding="pre"), [[2, 3], [0, 4], [0, 0]])
    assert pad_sequences(seqs).dtype == np.int64
    with pytest.raises(ValueError, match="padding"):
        pad_sequences(seqs, padding="left")
    with pytest.raises(ValueError, match="sequence 1"):
        pad_sequences([[1], [0.5]])


def test_no_tensorflow_import():
    code = "import sys, rnnkit.embedding, rnnkit.data; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
