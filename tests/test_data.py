"""rnnkit.data: deterministic generators and file loaders."""

import numpy as np
import pytest

from rnnkit import data
from rnnkit.embedding import Vocabulary, word_tokenize


def test_time_series_deterministic_and_components():
    a = data.time_series(200, trend=0.05, season_period=20, season_amplitude=2.0, noise=0.3, seed=3)
    b = data.time_series(200, trend=0.05, season_period=20, season_amplitude=2.0, noise=0.3, seed=3)
    c = data.time_series(200, trend=0.05, season_period=20, season_amplitude=2.0, noise=0.3, seed=4)
    assert a.shape == (200,) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    clean = data.time_series(40, trend=0.5, season_period=8, season_amplitude=1.0, noise=0.0, level=2.0)
    t = np.arange(40)
    np.testing.assert_allclose(clean, 2.0 + 0.5 * t + np.sin(2 * np.pi * t / 8), atol=1e-12)
    flat = data.time_series(10, season_period=None, noise=0.0, level=1.5)
    np.testing.assert_array_equal(flat, np.full(10, 1.5))
    with pytest.raises(ValueError, match="n_steps"):
        data.time_series(0)
    with pytest.raises(ValueError, match="season_period"):
        data.time_series(5, season_period=0)


def test_ar_process_recursion_and_statistics():
    x = data.ar_process(5000, [0.6, -0.3], noise=1.0, seed=1)
    assert x.shape == (5000,)
    np.testing.assert_array_equal(x, data.ar_process(5000, [0.6, -0.3], noise=1.0, seed=1))
    # residuals of the true recursion are the noise: mean 0, std 1, uncorrelated with the past
    resid = x[2:] - 0.6 * x[1:-1] + 0.3 * x[:-2]
    assert abs(resid.mean()) < 0.05 and abs(resid.std() - 1) < 0.05
    assert abs(np.corrcoef(resid, x[1:-1])[0, 1]) < 0.05
    # lag-1 autocorrelation of AR(2): a1 / (1 - a2)
    rho1 = np.corrcoef(x[1:], x[:-1])[0, 1]
    assert abs(rho1 - 0.6 / 1.3) < 0.05
    # a random walk starts at its first shock (no burn-in)
    walk = data.ar_process(50, [1.0], noise=1.0, seed=2)
    shocks = np.random.default_rng(2).standard_normal(50)
    np.testing.assert_allclose(walk, np.cumsum(shocks), atol=1e-12)
    assert data.is_stationary([0.5]) and not data.is_stationary([1.0]) and not data.is_stationary([0.5, 0.6])
    with pytest.raises(ValueError, match="coeffs"):
        data.ar_process(10, [])


def test_make_windows():
    series = np.arange(10.0)
    X, y = data.make_windows(series, window=3, horizon=2)
    assert X.shape == (6, 3, 1) and y.shape == (6, 2)
    for i in range(6):
        np.testing.assert_array_equal(X[i, :, 0], series[i : i + 3])
        np.testing.assert_array_equal(y[i], series[i + 3 : i + 5])
    X1, y1 = data.make_windows(series[:, None], window=9)
    assert X1.shape == (1, 9, 1) and y1.tolist() == [[9.0]]
    with pytest.raises(ValueError, match="window \\+ horizon = 8 \\+ 3 = 11"):
        data.make_windows(series, window=8, horizon=3)
    with pytest.raises(ValueError, match="series"):
        data.make_windows(np.zeros((4, 2)), window=2)
    with pytest.raises(ValueError, match="window"):
        data.make_windows(series, window=0)


def test_long_gap_task():
    X, y = data.long_gap_task(300, gap=12, seed=5)
    assert X.shape == (300, 13, 3) and X.dtype == np.float32
    assert y.shape == (300,) and set(y.tolist()) == {0, 1}
    np.testing.assert_array_equal(X[:, 0, :2], np.eye(2)[y])
    assert np.all(X[:, 0, 2] == 1) and np.all(X[:, 1:, 2] == 0)
    # the distractors share the marker's features but say nothing about the label
    assert abs(X[:, 1:, :2].std() - 1) < 0.05
    assert abs(np.corrcoef(X[:, 1:, 1].sum(axis=1) - X[:, 1:, 0].sum(axis=1), y)[0, 1]) < 0.2
    X2, y2 = data.long_gap_task(300, gap=12, seed=5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert data.long_gap_task(4, gap=0)[0].shape == (4, 1, 3)
    assert np.all(data.long_gap_task(4, gap=3, noise=0.0)[0][:, 1:] == 0)
    with pytest.raises(ValueError, match="gap"):
        data.long_gap_task(4, gap=-1)


def test_review_corpus_deterministic_balanced_and_negated():
    texts, labels = data.review_corpus(2000, seed=0)
    assert len(texts) == 2000 and labels.shape == (2000,) and labels.dtype == np.int64
    assert (texts, labels.tolist()) == (data.review_corpus(2000, seed=0)[0], data.review_corpus(2000, seed=0)[1].tolist())
    assert texts != data.review_corpus(2000, seed=1)[0]
    assert 0.45 < labels.mean() < 0.55
    negated = np.array([data.is_negated(t) for t in texts])
    assert 0.35 < negated.mean() < 0.45
    assert data.is_negated("not bad at all") and data.is_negated("i didn't like it") and not data.is_negated("notable film")
    assert all(t == " ".join(word_tokenize(t)) for t in texts)  # tokens already separated
    pairs = dict(zip(texts, labels.tolist()))
    # negation flips the polarity word: examples of each kind with their labels
    assert all(pairs[t] == 0 for t in pairs if t.endswith("was not good .") or t.endswith("was not good !"))
    assert any(" not bad at all " in f" {t} " and pairs[t] == 1 for t in pairs)
    assert any(" never boring " in f" {t} " and pairs[t] == 1 for t in pairs)
    assert any(" but " in t and pairs[t] == 0 for t in pairs)
    assert not any(data.is_negated(t) for t in data.review_corpus(200, seed=2, negation_rate=0.0)[0])
    assert all(data.is_negated(t) for t in data.review_corpus(200, seed=2, negation_rate=1.0)[0])


def test_review_corpus_defeats_bag_of_words_on_negated_reviews():
    """Some negated reviews have a twin with the same bag of words and the opposite label."""
    texts, labels = data.review_corpus(3000, seed=0, negation_rate=1.0)
    bags = {}
    for text, label in zip(texts, labels.tolist()):
        bags.setdefault(tuple(sorted(word_tokenize(text))), set()).add(label)
    assert sum(len(v) == 2 for v in bags.values()) >= 10


def test_review_corpus_titles_are_rare_words_for_the_oov_buckets():
    texts, _ = data.review_corpus(3000, seed=0)
    vocab = Vocabulary.build(texts, min_freq=10, num_oov_buckets=8)
    titles = set(data.TITLES)
    used = {t for text in texts for t in text.split() if t in titles}
    assert len(used) > 100
    assert not any(t in vocab for t in titles)  # each title is too rare to be a known word
    assert all(vocab.counts[t] >= 10 for t in vocab.token_to_id if t != "<pad>")
    ids = np.concatenate([vocab.encode(t) for t in texts])
    assert len(set(ids[ids >= vocab.oov_offset].tolist())) == 8  # every bucket is used
    assert not any(data.is_negated(t) for t in titles)


def test_char_corpus():
    text = data.char_corpus(5000, seed=0)
    assert isinstance(text, str) and len(text) == 5000
    assert text == data.char_corpus(5000, seed=0) and text != data.char_corpus(5000, seed=1)
    assert data.char_corpus(300, seed=0) == text[:300]
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,\n")
    assert text[0].isupper() and "\n" in text and ". " in text
    assert " an old " in text or " an " not in text


def test_load_series_csv(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("month,sales,note\n1,10.5,7\n2,11,8\n3,-2e1,c\n\n", encoding="utf-8")
    np.testing.assert_array_equal(data.load_series_csv(path, "sales"), [10.5, 11.0, -20.0])
    np.testing.assert_array_equal(data.load_series_csv(str(path), 0), [1.0, 2.0, 3.0])
    with pytest.raises(FileNotFoundError, match="nothere.csv"):
        data.load_series_csv(tmp_path / "nothere.csv", "sales")
    with pytest.raises(KeyError, match=r"'price'.*\['month', 'sales', 'note'\]"):
        data.load_series_csv(path, "price")
    with pytest.raises(KeyError, match="out of range"):
        data.load_series_csv(path, 3)
    with pytest.raises(ValueError, match=r"line 4: column 'note' holds 'c', which is not a number"):
        data.load_series_csv(path, "note")
    gap = tmp_path / "gap.csv"
    gap.write_text("x\n1\n\n2\n3,\n", encoding="utf-8")
    np.testing.assert_array_equal(data.load_series_csv(gap, "x"), [1.0, 2.0, 3.0])
    missing = tmp_path / "missing.csv"
    missing.write_text("x,y\n1,2\n3,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: column 'y' is empty"):
        data.load_series_csv(missing, "y")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        data.load_series_csv(empty, "x")
    header_only = tmp_path / "header.csv"
    header_only.write_text("x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no data rows"):
        data.load_series_csv(header_only, "x")


def test_load_text(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("Hello\nworld é\n", encoding="utf-8")
    assert data.load_text(path) == "Hello\nworld é\n"
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        data.load_text(tmp_path / "nope.txt")
    bad = tmp_path / "latin.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(ValueError, match="not valid utf-8"):
        data.load_text(bad)
    assert data.load_text(bad, encoding="latin-1") == "café"
