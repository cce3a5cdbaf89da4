"""Autograded exercises of notebook 01_sequential_data: a character n-gram by counting, the
log-likelihood of a text under it, and the naive (last value / last season) forecast.

The references are rnnkit's own code (:mod:`rnnkit.ngram`) where rnnkit has it; the naive
forecast is three lines of numpy and lives here. The mistake models are the errors that give a
plausible number without any error message: forgetting the start padding, stopping a loop one
character early, smoothing only the numerator, log10 instead of ln, averaging instead of summing,
repeating the wrong end of the window.
"""

import math

import numpy as np

from course.cases import variants
from course.exercise import Exercise, Out

START = "^"  # the start symbol of rnnkit.ngram; students pad with it too
_LETTERS = "abcdefghklmnoprstuvw "


def _alphabet(rng, size: int) -> str:
    """``size`` distinct characters in a random (not sorted) order, so the order must be honoured."""
    chars = list(rng.choice(list(_LETTERS), size=size, replace=False))
    if chars == sorted(chars):
        chars = chars[::-1]
    return "".join(chars)


def _markov_text(rng, alphabet: str, n: int) -> str:
    """A text whose next character depends on the previous one (peaked random transitions)."""
    V = len(alphabet)
    trans = rng.dirichlet(np.full(V, 0.4), size=V)
    state = int(rng.integers(V))
    out = []
    for _ in range(n):
        state = int(rng.choice(V, p=trans[state]))
        out.append(alphabet[state])
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# ngram_counts


# With k = 0 there is no padding to forget and every shift of the target counts the same
# characters, so each hidden check has cases with a real context.
CONTEXT_REGIMES = ("a context of 1 to 3 characters", "any order, the unigram k = 0 included")


def _counts_inputs(rng, hidden, regime):
    if hidden:
        k = int(rng.integers(1 if regime == CONTEXT_REGIMES[0] else 0, 4))
        V, n = int(rng.integers(2, 7)), int(rng.integers(15, 60))
    else:
        V, k, n = 4, 2 if regime == CONTEXT_REGIMES[0] else 0, 24
    alphabet = _alphabet(rng, V)
    return {"text": _markov_text(rng, alphabet, n), "k": k, "alphabet": alphabet}


def _counts_reference(text, k, alphabet):
    from rnnkit import ngram

    return {ctx: row.tolist() for ctx, row in ngram.ngram_counts(text, k, alphabet).items()}


def _counts_variant(text, k, alphabet, *, kind):
    order = sorted(alphabet) if kind == "sorted" else list(alphabet)
    padded = text if kind == "no_pad" else START * k + text
    n_targets = len(padded) - k - (1 if kind == "stop_early" else 0)
    counts = {}
    for t in range(1 if kind == "skip_first" else 0, n_targets):
        context = padded[t : t + k]
        nxt = padded[t + k - (1 if kind == "context_end" else 0)]
        if nxt not in order:  # a shifted target may land on the start symbol
            continue
        counts.setdefault(context, [0] * len(order))[order.index(nxt)] += 1
    return counts


NGRAM_COUNTS = Exercise(
    "ngram_counts", points=2, make_inputs=_counts_inputs, reference=_counts_reference,
    outputs=(Out("counts", kind="json", doc="dict context (k characters) -> list of len(alphabet) counts"),),
    mistakes=variants(_counts_variant, {
        "no_pad": "the first k characters were not counted. Pad the text on the left with k start "
                  "symbols, padded = '^' * k + text, so that the first character is counted after the "
                  "context '^^..^' (k of them).",
        "stop_early": "the loop stops one character early: the last character of the text must be "
                      "counted too. A text of length T gives exactly T (context, next character) pairs.",
        "context_end": "the counted character is the last one OF the context instead of the one AFTER "
                       "it: with padded = '^' * k + text, the context padded[t : t + k] is followed by "
                       "padded[t + k].",
        "sorted": "the counts follow the sorted alphabet. Position j of each list must count the "
                  "character alphabet[j], in the order `alphabet` gives (use alphabet.index(c)).",
        "skip_first": "the first character of the text is never counted: the loop starts at 1. Start at "
                      "t = 0, for t in range(len(padded) - k), so that every character is counted, the "
                      "first one after the context '^' * k.",
    }),
    hints={"ValueError": "alphabet.index(c) raises ValueError (substring not found) when c is not in the "
                         "alphabet, and the start symbol '^' never is: it only pads contexts and is never "
                         "counted as a next character. Pad on the LEFT, padded = '^' * k + text, and count "
                         "padded[t + k] after the context padded[t : t + k]."},
    forbidden=("rnnkit.ngram.ngram_counts", "rnnkit.ngram.CharNGram.fit", "keras"), trials_visible=2,
    trials_hidden=4, regimes=CONTEXT_REGIMES,
    demo_mistake=("padded = \"^\" * k + text", "padded = text"),
)


# ---------------------------------------------------------------------------------------------
# ngram_log_likelihood


LOGLIK_REGIMES = ("a character never seen in training", "any order, the unigram k = 0 included")


def _loglik_inputs(rng, hidden, regime):
    unseen = regime == LOGLIK_REGIMES[0]
    if hidden:
        V, k = int(rng.integers(2, 7)), int(rng.integers(1 if unseen else 0, 4))
        n_train, n_text = int(rng.integers(15, 50)), int(rng.integers(6, 30))
        alpha = float(rng.choice([0.1, 0.5, 1.0, 2.0]))
    else:
        V, k, n_train, n_text, alpha = 4, 2 if unseen else 0, 30, 12, 1.0
    alphabet = _alphabet(rng, V)
    # A fresh text: some of its contexts never occur in `counts` (they get 1 / V). In the first
    # regime the training text never uses one character, which the scored text does use before
    # its end, so a context that holds it is certainly unseen.
    train_alphabet = alphabet[1:] if unseen else alphabet
    counts = _counts_reference(_markov_text(rng, train_alphabet, n_train), k, train_alphabet)
    counts = {ctx: [row[train_alphabet.index(c)] if c in train_alphabet else 0 for c in alphabet]
              for ctx, row in counts.items()}
    text = _markov_text(rng, alphabet, n_text)
    if unseen and alphabet[0] not in text[:-1]:
        at = int(rng.integers(0, len(text) - 1))
        text = text[:at] + alphabet[0] + text[at + 1 :]
    return {"text": text, "counts": counts, "k": k, "alphabet": alphabet, "alpha": alpha}


def _loglik_reference(text, counts, k, alphabet, alpha):
    from rnnkit import ngram

    counts = {ctx: np.asarray(row, dtype=np.int64) for ctx, row in counts.items()}
    return ngram.CharNGram.from_counts(counts, alphabet, alpha=alpha).log_likelihood(text)


def _loglik_variant(text, counts, k, alphabet, alpha, *, kind):
    V = len(alphabet) + (1 if kind == "v_start" else 0)
    log = math.log10 if kind == "log10" else math.log
    padded = text if kind == "no_pad" else START * k + text
    terms = []
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        if context not in counts and kind == "skip_unseen":
            continue
        row = counts.get(context, [0] * len(alphabet))
        denom = sum(row) + (alpha if kind == "denominator" else alpha * V)
        terms.append(log((row[alphabet.index(nxt)] + alpha) / denom))
    if kind == "product":
        return float(math.prod(math.exp(term) for term in terms))
    return float(sum(terms) / len(terms) if kind == "mean" else sum(terms))


NGRAM_LOG_LIKELIHOOD = Exercise(
    "ngram_log_likelihood", points=3, make_inputs=_loglik_inputs, reference=_loglik_reference,
    outputs=(Out("log_likelihood", kind="float", doc="ln p(text), a number <= 0"),),
    mistakes=variants(_loglik_variant, {
        "denominator": "the smoothing is missing from the denominator. Adding alpha to each of the V "
                       "counts adds alpha * V to their total: p = (count(context, c) + alpha) / "
                       "(count(context) + alpha * V), otherwise the probabilities do not sum to 1.",
        "log10": "this is a base-10 logarithm. Log-likelihoods in this course use the natural log: "
                 "np.log or math.log.",
        "mean": "this is the average log-probability per character. The chain rule multiplies the "
                "probabilities, so the log-likelihood is their SUM of logs.",
        "no_pad": "the first k characters were skipped. Every character has a probability: pad the "
                  "text with k start symbols '^' so the first ones are scored after the context '^^..^'.",
        "skip_unseen": "characters whose context never occurred in `counts` were skipped. They still "
                       "have a probability: with zero counts the smoothed formula gives alpha / (alpha "
                       "* V) = 1 / V.",
        "v_start": "V counts the start symbol '^'. V is the alphabet size, len(alphabet): '^' only pads "
                   "the contexts and is never predicted, so it gets no pseudo-count alpha: p = "
                   "(count(context, c) + alpha) / (count(context) + alpha * len(alphabet)).",
        "product": "this is the probability of the text, the product of the probabilities, not its "
                   "logarithm. The log-likelihood is the SUM of their logs, ln p = sum over t of ln "
                   "p(c_t | context): add math.log of each probability (a product of many numbers below 1 "
                   "soon underflows to 0).",
    }),
    hints={"ValueError": "math.log raises ValueError (math domain error) for a probability of 0, and "
                         "alphabet.index(c) (substring not found) for a character outside the alphabet. A "
                         "0 means the smoothing is missing from the numerator: add alpha to the count "
                         "itself, p = (count(context, c) + alpha) / (count(context) + alpha * V), so that "
                         "no character has probability 0, not even one never seen in its context. The "
                         "start symbol '^' is never scored: it only pads the contexts."},
    forbidden=(
        "rnnkit.ngram.CharNGram.log_likelihood",
        "rnnkit.ngram.CharNGram.log_probs",
        "rnnkit.ngram.CharNGram.log_prob",
        "rnnkit.ngram.CharNGram.probs",
        "rnnkit.ngram.CharNGram.perplexity",
        "keras",
    ),
    trials_visible=2, trials_hidden=4, regimes=LOGLIK_REGIMES,
    demo_mistake=("(total + alpha * V)", "(total + alpha)"),
)


# ---------------------------------------------------------------------------------------------
# naive_forecast


# A season of one step reads the same forwards and backwards; a season of two steps shifted by
# one is the season backwards; a forecast of one step cannot tell the last value from the last
# season, nor the first value from the first season. The first regime shows all of these.
SEASON_REGIMES = ("a season of 3 or more steps, a forecast of 2 or more", "any season, period = 1 included")


def _naive_inputs(rng, hidden, regime):
    if hidden:
        seasonal = regime == SEASON_REGIMES[0]
        window = int(rng.integers(5 if seasonal else 4, 10))
        # period <= window - 2 keeps a value before the last season (and off the first step),
        # so "one step early" and "the first value" are different answers
        period = int(rng.integers(3 if seasonal else 1, window - 1))
        horizon = int(rng.integers(2 if seasonal else 1, 2 * period + 2))
        n = int(rng.integers(2, 6))
    else:
        window, period, horizon, n = (6, 3, 5, 3) if regime == SEASON_REGIMES[0] else (6, 1, 3, 3)
    # Seasonal-looking windows: a repeating pattern plus noise, at a level far from 0.
    phase = rng.integers(0, 12, size=(n, 1))
    t = np.arange(window)[None, :] + phase
    X = 5.0 + np.sin(2 * np.pi * t / max(period, 2)) + rng.normal(0.0, 0.3, size=(n, window))
    return {"X": X[:, :, None], "horizon": horizon, "period": period}


def _naive_reference(X, horizon, period):
    window = X.shape[1]
    steps = window - period + np.arange(horizon) % period
    return X[:, steps, 0].copy()


def _naive_variant(X, horizon, period, *, kind):
    window = X.shape[1]
    j = np.arange(horizon)
    if kind == "first":
        return np.repeat(X[:, :1, 0], horizon, axis=1)
    if kind == "mean":
        return np.repeat(X[:, :, 0].mean(axis=1, keepdims=True), horizon, axis=1)
    if kind == "early":
        return X[:, window - period - 1 + j % period, 0]
    if kind == "reversed":
        return X[:, window - 1 - j % period, 0]
    if kind == "last_value":
        return np.repeat(X[:, -1:, 0], horizon, axis=1)
    if kind == "shifted":
        return X[:, window - period + (j + 1) % period, 0]
    if kind == "first_season":
        return X[:, j % period, 0]
    raise ValueError(kind)


NAIVE_FORECAST = Exercise(
    "naive_forecast", points=2, make_inputs=_naive_inputs, reference=_naive_reference,
    outputs=(Out("forecast", doc="(windows, horizon)"),),
    mistakes=variants(_naive_variant, {
        "first": "this repeats the FIRST value of each window. The naive forecast repeats the most "
                 "recent observation(s): the end of the window, X[:, -period:, 0].",
        "mean": "this is the window's mean (another baseline). The naive forecast copies the last "
                "`period` observed values.",
        "early": "the copied season starts one step too early. The last season is the last `period` "
                 "values, X[:, window - period : window, 0]; forecast step j copies X[:, window - period "
                 "+ j % period, 0].",
        "reversed": "the season is repeated backwards. Copy the last `period` values in time order: "
                    "step j of the forecast is X[:, window - period + j % period, 0].",
        "last_value": "this repeats the last value at every step and ignores `period`. The seasonal naive "
                      "forecast repeats the whole last season, the last `period` values: step j copies "
                      "X[:, window - period + j % period, 0] (only with period = 1 is that the last value).",
        "shifted": "the repeated season is shifted by one step: forecast step j = 0 must copy the FIRST "
                   "value of the last season, X[:, window - period, 0], so step j copies X[:, window - "
                   "period + j % period, 0], not (j + 1) % period.",
        "first_season": "this repeats the first `period` values of the window. The naive forecast repeats "
                        "the most recent season, the last `period` values at the end of the window: step j "
                        "copies X[:, window - period + j % period, 0].",
    }),
    forbidden=("keras",), trials_visible=2, trials_hidden=4, regimes=SEASON_REGIMES,
    demo_mistake=("window - period + j % period", "window - 1 - j % period"),
)


EXERCISES = (NGRAM_COUNTS, NGRAM_LOG_LIKELIHOOD, NAIVE_FORECAST)
