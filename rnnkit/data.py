"""The course's data: deterministic generators (no downloads) and loaders for small local files.

Every generator takes a ``seed`` and draws from ``np.random.default_rng(seed)``, so the same call
gives the same numbers on every machine; notebooks assert on results trained on these data.

- time series: :func:`time_series`, :func:`ar_process`, :func:`make_windows`
- long-range memory: :func:`long_gap_task`
- text: :func:`review_corpus`, :func:`char_corpus`
- files: :func:`load_series_csv`, :func:`load_text`

Defined in notebooks 01_sequential_data, 05_lstm, 07_sentiment, 09_forecasting and 10_char_rnn_capstone.
Used in notebook 08_text_generation.
"""

import csv
import os
from pathlib import Path

import numpy as np

from rnnkit.delegation import reference
from rnnkit.embedding import word_tokenize

# --------------------------------------------------------------------------- time series


def time_series(
    n_steps: int,
    *,
    trend: float = 0.0,
    season_period: float | None = 12,
    season_amplitude: float = 1.0,
    noise: float = 0.1,
    level: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """Trend + seasonality + noise: -> (n_steps,) float64.

    ``y_t = level + trend * t + season_amplitude * sin(2 pi t / season_period) + noise * e_t``
    with ``e_t ~ N(0, 1)`` i.i.d. and ``t = 0 .. n_steps-1``; ``season_period=None`` drops the
    seasonal term.

    Defined in notebook 01_sequential_data, section 1.6 "Time series: sliding windows and the naive
    forecast".
    Used in notebook 09_forecasting, section 9.1 "A series with trend, season and noise".
    """
    n_steps = _positive_int(n_steps, "time_series", "n_steps")
    if season_period is not None and not season_period > 0:
        raise ValueError(f"time_series: `season_period` should be > 0 steps or None, got {season_period}")
    if noise < 0:
        raise ValueError(f"time_series: `noise` should be >= 0 (a standard deviation), got {noise}")
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps, dtype=np.float64)
    y = level + trend * t + noise * rng.standard_normal(n_steps)
    if season_period is not None:
        y += season_amplitude * np.sin(2 * np.pi * t / season_period)
    return y


def ar_process(
    n_steps: int,
    coeffs,
    noise: float = 1.0,
    seed: int = 0,
    burn_in: int | None = None,
) -> np.ndarray:
    """Autoregressive process AR(p): -> (n_steps,) float64.

    ``x_t = coeffs[0] x_{t-1} + ... + coeffs[p-1] x_{t-p} + noise * e_t``, ``e_t ~ N(0, 1)``.
    The first ``burn_in`` generated steps are discarded so the series starts in its stationary
    regime; ``None`` means 100 for a stationary process and 0 otherwise (e.g. a random walk,
    ``coeffs=[1.0]``, starts at its first step).
    """
    n_steps = _positive_int(n_steps, "ar_process", "n_steps")
    coeffs = np.asarray(coeffs, dtype=np.float64)
    if coeffs.ndim != 1 or coeffs.size == 0:
        raise ValueError(f"ar_process: `coeffs` should be a non-empty 1-D list (a_1 .. a_p), got shape {coeffs.shape}")
    if noise < 0:
        raise ValueError(f"ar_process: `noise` should be >= 0 (a standard deviation), got {noise}")
    if burn_in is None:
        burn_in = 100 if is_stationary(coeffs) else 0
    if burn_in < 0:
        raise ValueError(f"ar_process: `burn_in` should be >= 0, got {burn_in}")
    rng = np.random.default_rng(seed)
    p = coeffs.size
    total = n_steps + burn_in
    eps = noise * rng.standard_normal(total)
    x = np.zeros(total + p)  # p zeros of history before the first step
    for t in range(total):
        # x[t + p - 1] is x_{t-1}, ..., x[t] is x_{t-p}: reversed, they line up with coeffs
        x[t + p] = coeffs @ x[t : t + p][::-1] + eps[t]
    return x[p + burn_in :].copy()


def is_stationary(coeffs) -> bool:
    """Whether AR coefficients give a stationary process (all companion eigenvalues inside |z| < 1)."""
    coeffs = np.asarray(coeffs, dtype=np.float64)
    p = coeffs.size
    companion = np.zeros((p, p))
    companion[0] = coeffs
    companion[1:, :-1] = np.eye(p - 1)
    return bool(np.max(np.abs(np.linalg.eigvals(companion))) < 1)


@reference
def make_windows(series, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows for forecasting: series (n,) -> X (N, window, 1), y (N, horizon).

    ``X[i] = series[i : i+window]`` and ``y[i] = series[i+window : i+window+horizon]`` for
    ``i = 0 .. N-1``, ``N = n - window - horizon + 1``: the target always lies after its input,
    never inside it. A series of shape (n, 1) is accepted too.

    Defined in notebook 09_forecasting, section 9.2 "From a series to supervised examples".
    Used in notebook 01_sequential_data, section 1.6 "Time series: sliding windows and the naive forecast".
    """
    series = np.asarray(series)
    if series.ndim == 2 and series.shape[1] == 1:
        series = series[:, 0]
    if series.ndim != 1:
        raise ValueError(f"make_windows: `series` should be 1-D (time,), got shape {series.shape}")
    if series.dtype.kind not in "iuf":
        raise TypeError(f"make_windows: `series` should be numeric, got dtype {series.dtype}")
    window = _positive_int(window, "make_windows", "window")
    horizon = _positive_int(horizon, "make_windows", "horizon")
    n = series.shape[0]
    count = n - window - horizon + 1
    if count < 1:
        raise ValueError(
            f"make_windows: the series has {n} steps, but one window needs window + horizon = "
            f"{window} + {horizon} = {window + horizon} steps"
        )
    idx = np.arange(count)[:, None]
    X = series[idx + np.arange(window)][..., None]
    y = series[idx + window + np.arange(horizon)]
    return X, y


# --------------------------------------------------------------------------- long gaps


def long_gap_task(n: int, gap: int, seed: int = 0, noise: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Remember the first step across ``gap`` noisy steps: -> X (n, gap+1, 3) float32, y (n,) int64.

    Step 0 carries a one-hot marker of the label in features 0 and 1 (``X[i, 0, y[i]] = 1``)
    and a start flag in feature 2. Steps 1..gap put Gaussian noise (std ``noise``) into the
    same features 0 and 1 and 0 in the flag: the noise says nothing about the label, but it
    enters the memory through the same input weights as the marker. A gated cell can close its
    input gate after the flag and keep the bit; a simple RNN keeps adding the noise to its state.
    Labels are balanced 0/1 at random.

    Measured (Keras 3, one recurrent layer of 16 units + Dense(1, sigmoid), Adam(0.01),
    2000 training sequences, 10 epochs, batch 64, noise=1, held-out accuracy):
    ``gap=10``: SimpleRNN 1.00, LSTM 1.00; ``gap=20``: 0.99, 1.00 (the LSTM learns in fewer
    epochs); ``gap=30``: SimpleRNN 0.64, LSTM 1.00. Use gap 30 to show the simple RNN failing.

    Defined in notebook 05_lstm, section 5.5 "Remembering across a long gap".
    """
    n = _positive_int(n, "long_gap_task", "n")
    if isinstance(gap, bool) or not isinstance(gap, (int, np.integer)) or gap < 0:
        raise ValueError(f"long_gap_task: `gap` should be an int >= 0 (distractor steps), got {gap!r}")
    if noise < 0:
        raise ValueError(f"long_gap_task: `noise` should be >= 0 (a standard deviation), got {noise}")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n).astype(np.int64)
    X = np.zeros((n, gap + 1, 3), dtype=np.float32)
    X[np.arange(n), 0, y] = 1.0
    X[:, 0, 2] = 1.0
    X[:, 1:, :2] = noise * rng.standard_normal((n, gap, 2))
    return X, y


# --------------------------------------------------------------------------- reviews

_SUBJECTS = (
    "the movie", "the film", "the plot", "the acting", "the story", "the ending", "the script",
    "the cast", "the soundtrack", "the dialogue", "this movie", "this film",
)
_POSITIVE = (
    "good", "great", "fun", "brilliant", "funny", "moving", "clever", "charming", "gripping",
    "beautiful", "wonderful", "enjoyable", "exciting", "fresh",
)
_NEGATIVE = (
    "bad", "boring", "dull", "awful", "terrible", "silly", "slow", "weak", "predictable",
    "messy", "bland", "clumsy", "tedious", "forgettable",
)
_INTENSIFIERS = ("very", "really", "truly", "quite", "so", "extremely")
_VERBS_PAST = {1: ("loved", "enjoyed", "liked", "adored"), 0: ("hated", "disliked", "regretted watching")}
_VERBS_BASE = {1: ("like", "enjoy", "love"), 0: ("hate", "dislike", "mind")}
_OPENERS = ("honestly ,", "overall ,", "frankly ,", "to be fair ,", "in my opinion ,", "all in all ,")
# Made-up film titles: 256 rare words (a few uses each in a few thousand reviews) that a
# vocabulary with min_freq leaves to its OOV buckets; they carry no sentiment.
_SYLLABLES = ("ka", "lo", "mi", "ra", "zen", "tor", "vel", "dun", "shi", "bar", "quo", "nel", "pim", "sor", "gal", "fen")
TITLES = tuple(a + b for a in _SYLLABLES for b in _SYLLABLES)
NEGATORS = frozenset({"not", "never", "no", "hardly", "n't"})


def _adjective(rng, polarity: int) -> str:
    words = _POSITIVE if polarity == 1 else _NEGATIVE
    return words[rng.integers(len(words))]


def _pick(rng, options):
    return options[rng.integers(len(options))]


def _subject(rng) -> str:
    return _pick(rng, TITLES) if rng.random() < 0.25 else _pick(rng, _SUBJECTS)


def _plain_review(rng, label: int) -> str:
    subj = _subject(rng)
    kind = rng.integers(4)
    if kind == 0:
        intens = _pick(rng, _INTENSIFIERS) + " " if rng.random() < 0.5 else ""
        return f"{subj} was {intens}{_adjective(rng, label)}"
    if kind == 1:
        return f"i {_pick(rng, _VERBS_PAST[label])} {subj}"
    if kind == 2:
        return f"{subj} was {_adjective(rng, label)} and {_adjective(rng, label)}"
    # Contrast: the clause after "but" decides; swapping the clauses flips the label.
    return f"{subj} was {_adjective(rng, 1 - label)} at first but {_adjective(rng, label)} in the end"


def _negated_review(rng, label: int) -> str:
    subj = _subject(rng)
    flipped = 1 - label  # the polarity of the negated word
    kind = rng.integers(5)
    if kind == 0:
        if flipped == 1 and rng.random() < 0.5:
            return f"{subj} was not {_pick(rng, _INTENSIFIERS)} {_adjective(rng, flipped)}"
        return f"{subj} was not {_adjective(rng, flipped)}"
    if kind == 1:
        return f"{subj} was never {_adjective(rng, flipped)}"
    if kind == 2:
        return f"{subj} was not {_adjective(rng, flipped)} at all"
    if kind == 3:
        return f"i did not {_pick(rng, _VERBS_BASE[flipped])} {subj}"
    # Same words, opposite labels depending on which adjective the "not" binds to.
    return f"{subj} was not {_adjective(rng, flipped)} , it was {_adjective(rng, label)}"


def review_corpus(n: int, seed: int = 0, negation_rate: float = 0.4) -> tuple[list[str], np.ndarray]:
    """Synthetic one-sentence movie reviews whose label depends on word order.

    -> ``(texts, labels)``: ``n`` lower-case sentences (tokens separated by single spaces) and
    labels (n,) int64, 1 = positive, 0 = negative, balanced at random.

    About ``negation_rate`` of the sentences are negated ("the plot was not good" is negative,
    "never boring" and "not bad at all" are positive, "not good , it was awful" is negative),
    and a quarter of the others contrast two clauses ("good at first but dull in the end" is
    negative). A quarter of the reviews name a made-up film title (:data:`TITLES`, rare words for
    the OOV buckets) instead of "the movie". A bag of words cannot tell these apart from their flipped twins; a recurrent model
    that reads in order can. :func:`is_negated` finds the negated ones.

    Defined in notebook 07_sentiment, section 7.5 "A review corpus where word order matters".
    """
    n = _positive_int(n, "review_corpus", "n")
    if not 0 <= negation_rate <= 1:
        raise ValueError(f"review_corpus: `negation_rate` should be in [0, 1], got {negation_rate}")
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(2))
        negated = rng.random() < negation_rate
        body = _negated_review(rng, label) if negated else _plain_review(rng, label)
        if rng.random() < 0.3:
            body = f"{_pick(rng, _OPENERS)} {body}"
        texts.append(body + (" !" if rng.random() < 0.2 else " ."))
        labels.append(label)
    return texts, np.array(labels, dtype=np.int64)


def is_negated(text: str) -> bool:
    """Whether a review contains a negation word ("not", "never", "no", "hardly", "n't").

    Defined in notebook 07_sentiment, section 7.5 "A review corpus where word order matters".
    """
    return any(t in NEGATORS or t.endswith("n't") for t in word_tokenize(text))


# --------------------------------------------------------------------------- characters

_NOUNS = (
    "king", "queen", "river", "garden", "village", "sailor", "window", "mountain", "teacher",
    "forest", "letter", "horse", "kitchen", "stranger", "lantern", "bridge", "winter", "market",
)
_ADJECTIVES = (
    "old", "quiet", "little", "golden", "broken", "gentle", "hungry", "distant", "silver",
    "patient", "narrow", "cold", "bright", "curious",
)
_VERBS = (
    "walked", "waited", "looked", "listened", "wandered", "returned", "travelled", "whispered",
    "laughed", "rested", "hurried", "turned",
)
_PREPOSITIONS = ("to", "towards", "behind", "near", "beyond", "under", "across", "beside")
_TRANSITIVE = ("found", "watched", "followed", "remembered", "carried", "painted", "opened", "called")


def _noun_phrase(rng) -> str:
    det = _pick(rng, ("the", "the", "a", "every", "that"))
    if det == "a" and rng.random() < 0.5:
        adj = _pick(rng, _ADJECTIVES)
        det = "an" if adj[0] in "aeiou" else "a"
        return f"{det} {adj} {_pick(rng, _NOUNS)}"
    if rng.random() < 0.4:
        return f"{det} {_pick(rng, _ADJECTIVES)} {_pick(rng, _NOUNS)}"
    return f"{det} {_pick(rng, _NOUNS)}"


def _sentence(rng) -> str:
    kind = rng.integers(4)
    subject = _noun_phrase(rng)
    if kind == 0:
        body = f"{subject} {_pick(rng, _VERBS)} {_pick(rng, _PREPOSITIONS)} {_noun_phrase(rng)}"
    elif kind == 1:
        body = f"{subject} {_pick(rng, _TRANSITIVE)} {_noun_phrase(rng)}"
    elif kind == 2:
        body = f"{subject} {_pick(rng, _VERBS)}, and {_noun_phrase(rng)} {_pick(rng, _VERBS)} too"
    else:
        body = f"when {subject} {_pick(rng, _VERBS)}, {_noun_phrase(rng)} {_pick(rng, _TRANSITIVE)} {_noun_phrase(rng)}"
    return body[0].upper() + body[1:] + "."


def char_corpus(n_chars: int = 20000, seed: int = 0) -> str:
    """English-like text from a small grammar: -> a str of exactly ``n_chars`` characters.

    Sentences such as "The old sailor walked towards a distant village." from a fixed word
    list: capitals after full stops, commas before "and", "a"/"an" agreement, four sentences per
    line. Spelling whole words right needs more context than a character bigram has, so a
    character RNN visibly beats an n-gram baseline.

    Defined in notebook 01_sequential_data, section 1.3 "The Markov assumption and autoregressive models".
    Used in notebook 08_text_generation, section 8.1 "A corpus and its character vocabulary".
    """
    n_chars = _positive_int(n_chars, "char_corpus", "n_chars")
    rng = np.random.default_rng(seed)
    lines, length = [], 0
    while length < n_chars:
        line = " ".join(_sentence(rng) for _ in range(4)) + "\n"
        lines.append(line)
        length += len(line)
    return "".join(lines)[:n_chars]


# --------------------------------------------------------------------------- files


def load_series_csv(path, column) -> np.ndarray:
    """One numeric column of a CSV file with a header row: -> (n,) float64.

    column: the header name (str) or a 0-based column index (int). Raises FileNotFoundError for
    a missing file, KeyError for a missing column (listing those there are) and ValueError for
    an empty or non-numeric cell, naming its line number.

    Defined in notebook 09_forecasting, section 9.7 "A series from a CSV file".
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_series_csv: no file at {os.fspath(path)!r}")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"load_series_csv: {path.name} is empty; expected a header row")
        header = [h.strip() for h in header]
        if isinstance(column, (int, np.integer)) and not isinstance(column, bool):
            if not 0 <= column < len(header):
                raise KeyError(f"load_series_csv: column index {column} is out of range; {path.name} has {len(header)} columns {header}")
            index = int(column)
        elif isinstance(column, str):
            if column not in header:
                raise KeyError(f"load_series_csv: no column {column!r} in {path.name}; columns are {header}")
            index = header.index(column)
        else:
            raise TypeError(f"load_series_csv: `column` should be a header name or an int index, got {type(column).__name__}")
        values = []
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue  # blank lines (e.g. a trailing newline) are not data
            if index >= len(row) or not row[index].strip():
                raise ValueError(f"load_series_csv: {path.name} line {line}: column {header[index]!r} is empty")
            try:
                values.append(float(row[index]))
            except ValueError:
                raise ValueError(
                    f"load_series_csv: {path.name} line {line}: column {header[index]!r} holds "
                    f"{row[index]!r}, which is not a number"
                ) from None
    if not values:
        raise ValueError(f"load_series_csv: {path.name} has a header but no data rows")
    return np.array(values, dtype=np.float64)


def load_text(path, encoding: str = "utf-8") -> str:
    """The whole text of a file, newlines normalised to ``\\n``.

    Raises FileNotFoundError for a missing file and ValueError if it is not valid ``encoding``.

    Defined in notebook 10_char_rnn_capstone, section 10.1 "The text (core)".
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_text: no file at {os.fspath(path)!r}")
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as err:
        raise ValueError(f"load_text: {path.name} is not valid {encoding} text (byte {err.start}); pass encoding=...") from None


def _positive_int(value, fname: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{fname}: `{name}` should be a positive int, got {value!r}")
    return int(value)
