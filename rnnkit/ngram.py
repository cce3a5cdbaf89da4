"""A k-th order Markov model of characters (a character n-gram), fitted by counting.

The model predicts each character from the ``k`` characters before it::

    p(x_t | x_<t) ~= p(x_t | x_{t-k} .. x_{t-1})
                   = (count(context, x_t) + alpha) / (count(context) + alpha * V)

``alpha`` is add-alpha (Laplace for alpha = 1) smoothing: every character of the alphabet gets
``alpha`` pseudo-counts in every context, so a pair never seen in training keeps a small
probability, and a context never seen at all gets the uniform distribution ``1 / V``.

The first ``k`` characters of a text have fewer than ``k`` predecessors. We pad the text on the
left with ``k`` copies of a start symbol (``START = "^"``, not part of the alphabet): the first
character is predicted from the context ``"^^..^"``, the second from ``"^..^x1"`` and so on. The
start symbol is only ever a context, never a prediction, so the probabilities over the alphabet
still sum to one and every character of a text is scored: ``log_likelihood`` sums ``T`` terms
for a text of length ``T``, and ``perplexity = exp(-log_likelihood / T)``.

``k = 0`` is the unigram model (every context is the empty string). Logarithms are natural.

Defined in notebooks 01_sequential_data and 08_text_generation.
Used in notebook 10_char_rnn_capstone.
"""

import numpy as np

from rnnkit.delegation import reference

START = "^"


def _reference_method(fn):
    """``@reference`` for a CharNGram method, recorded as ``rnnkit.ngram.CharNGram.<name>``."""
    name = fn.__name__
    fn.__name__ = f"CharNGram.{name}"
    wrapped = reference(fn)
    fn.__name__ = wrapped.__name__ = name
    return wrapped


def _check_text(text, fname: str, arg: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{fname}: `{arg}` should be a str, got {type(text).__name__}")
    return text


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


class CharNGram:
    """Character n-gram of order ``k`` (context length) with add-``alpha`` smoothing.

    ``CharNGram(order=2, alpha=1.0).fit(text)`` counts every (context, next character) pair of
    ``text``. After fitting:

    - ``alphabet``: the V characters the model predicts (a str; its order is the order of every
      probability vector), ``V = len(alphabet)``;
    - ``counts``: dict context (str of length k, may start with ``START``) -> (V,) int64 counts,
      for the contexts that occur in the training text;
    - ``probs(context) -> (V,)``, ``log_prob(next_char, context)``, ``log_probs(text) -> (T,)``,
      ``log_likelihood(text)``, ``perplexity(text)``, ``sample(n, seed, temperature)``.

    Defined in notebook 01_sequential_data, section 1.4 "A character n-gram, by counting".
    Used in notebook 08_text_generation, section 8.6 "Perplexity, and the n-gram baseline", and
    notebook 10_char_rnn_capstone, section 10.5 "Perplexity against the n-gram of notebook 1
    (core)".
    """

    def __init__(self, order: int, alpha: float = 1.0, start: str = START):
        if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 0:
            raise ValueError(f"CharNGram: `order` (the context length k) should be an int >= 0, got {order!r}")
        if not isinstance(alpha, (int, float, np.floating, np.integer)) or not alpha > 0 or not np.isfinite(alpha):
            raise ValueError(
                f"CharNGram: `alpha` (add-alpha smoothing) should be a finite number > 0, got {alpha!r}; "
                f"without smoothing an unseen pair has probability 0 and an unseen context none at all"
            )
        if not isinstance(start, str) or len(start) != 1:
            raise ValueError(f"CharNGram: `start` should be a single character, got {start!r}")
        self.order = int(order)
        self.alpha = float(alpha)
        self.start = start
        self.alphabet: str | None = None

    def __repr__(self) -> str:
        fitted = "unfitted" if self.alphabet is None else f"V={len(self.alphabet)}, {len(self._ctx_codes)} contexts"
        return f"CharNGram(order={self.order}, alpha={self.alpha:g}, {fitted})"

    # -- encoding -------------------------------------------------------------------------
    def _ids(self, text: str, fname: str, arg: str = "text") -> np.ndarray:
        """Alphabet indices of the characters of ``text`` -> (T,) int64."""
        codes = _code_points(text)
        pos = np.searchsorted(self._sorted_codes, codes)
        pos = np.minimum(pos, len(self._sorted_codes) - 1)
        bad = self._sorted_codes[pos] != codes
        if bad.any():
            ch = chr(int(codes[np.argmax(bad)]))
            where = "" if ch != self.start else f" (it is the start symbol `start`={self.start!r})"
            raise ValueError(
                f"{fname}: `{arg}` contains {ch!r}, which is not in the model's alphabet{where}; "
                f"pass every character you will score as fit(..., alphabet=...)"
            )
        return self._sorted_to_id[pos]

    def _context_codes(self, ids: np.ndarray) -> np.ndarray:
        """Integer code of the k-character context of every position -> (T,) int64.

        The padded sequence is ``[S]*k + ids`` with start id ``S = V``; a context is read as a
        k-digit number in base V+1, most distant character first.
        """
        k, base = self.order, len(self.alphabet) + 1
        padded = np.concatenate([np.full(k, base - 1, dtype=np.int64), ids])
        codes = np.zeros(len(ids), dtype=np.int64)
        for j in range(k):
            codes = codes * base + padded[j : j + len(ids)]
        return codes

    def _encode_context(self, context: str) -> int:
        _check_text(context, "CharNGram", "context")
        context = context[len(context) - self.order :] if self.order else ""
        context = self.start * (self.order - len(context)) + context
        n_start = len(context) - len(context.lstrip(self.start))
        base = len(self.alphabet) + 1
        code = 0
        for _ in range(n_start):
            code = code * base + base - 1
        for i in self._ids(context[n_start:], "CharNGram", "context"):
            code = code * base + int(i)
        return code

    def _decode_context(self, code: int) -> str:
        base, chars = len(self.alphabet) + 1, []
        for _ in range(self.order):
            code, digit = divmod(code, base)
            chars.append(self.start if digit == base - 1 else self.alphabet[digit])
        return "".join(reversed(chars))

    # -- fitting --------------------------------------------------------------------------
    @_reference_method
    def fit(self, text: str, alphabet: str | None = None) -> "CharNGram":
        """Count every (context, next character) pair of ``text``; returns ``self``.

        alphabet: the characters the model predicts, in the order of its probability vectors;
        default ``sorted(set(text))``. Give it when held-out text may contain characters the
        training text lacks (they then keep probability ``alpha / (count + alpha V)``).
        """
        _check_text(text, "CharNGram.fit")
        if alphabet is None:
            alphabet = "".join(sorted(set(text)))
        if not isinstance(alphabet, str) and not (
            isinstance(alphabet, (list, tuple)) and all(isinstance(c, str) and len(c) == 1 for c in alphabet)
        ):
            raise TypeError(f"CharNGram.fit: `alphabet` should be a str or a list of single characters, got {alphabet!r}")
        alphabet = "".join(alphabet)
        if not alphabet:
            raise ValueError("CharNGram.fit: the alphabet is empty (empty `text` and no `alphabet` given)")
        if len(set(alphabet)) != len(alphabet):
            raise ValueError(f"CharNGram.fit: `alphabet` contains repeated characters: {alphabet!r}")
        if self.start in alphabet:
            raise ValueError(
                f"CharNGram.fit: the start symbol {self.start!r} occurs in the text/alphabet; "
                f"choose another with CharNGram(..., start=...)"
            )
        V = len(alphabet)
        if float(V + 1) ** self.order * V >= 2.0**62:
            raise ValueError(f"CharNGram.fit: order k={self.order} is too large for an alphabet of V={V} characters")
        self.alphabet = alphabet
        codes = _code_points(alphabet)
        order = np.argsort(codes)
        self._sorted_codes, self._sorted_to_id = codes[order], order.astype(np.int64)

        ids = self._ids(text, "CharNGram.fit")
        ctx = self._context_codes(ids)
        self._ctx_codes, rows = np.unique(ctx, return_inverse=True)
        table = np.bincount(rows * V + ids, minlength=len(self._ctx_codes) * V)
        self._table = table.reshape(len(self._ctx_codes), V).astype(np.int64)
        self._totals = self._table.sum(axis=1)
        self._row_of = {int(c): r for r, c in enumerate(self._ctx_codes)}
        self.n_train = len(text)
        return self

    @classmethod
    def from_counts(cls, counts: dict, alphabet: str, alpha: float = 1.0, start: str = START) -> "CharNGram":
        """A model from a count table: dict context (str of length k) -> (V,) counts over ``alphabet``.

        The inverse of :attr:`counts`; the order k is the length of the contexts.
        """
        if not isinstance(counts, dict) or not counts:
            raise ValueError("CharNGram.from_counts: `counts` should be a non-empty dict context -> (V,) counts")
        lengths = {len(c) for c in counts}
        if len(lengths) != 1:
            raise ValueError(f"CharNGram.from_counts: contexts of different lengths {sorted(lengths)} in `counts`")
        model = cls(lengths.pop(), alpha=alpha, start=start).fit("", alphabet=alphabet)
        V = len(model.alphabet)
        codes, rows = [], []
        for context, row in counts.items():
            row = np.asarray(row)
            if row.shape != (V,) or row.dtype.kind not in "iu" or (row < 0).any():
                raise ValueError(
                    f"CharNGram.from_counts: counts[{context!r}] should be V={V} non-negative integers, got {row!r}"
                )
            codes.append(model._encode_context(context))
            rows.append(row.astype(np.int64))
        order = np.argsort(codes)
        model._ctx_codes = np.asarray(codes, dtype=np.int64)[order]
        model._table = np.stack(rows)[order]
        model._totals = model._table.sum(axis=1)
        model._row_of = {int(c): r for r, c in enumerate(model._ctx_codes)}
        model.n_train = int(model._totals.sum())
        return model

    def _require_fit(self, fname: str) -> None:
        if self.alphabet is None:
            raise ValueError(f"CharNGram.{fname}: the model is not fitted yet; call fit(text) first")

    @property
    def counts(self) -> dict[str, np.ndarray]:
        """dict context -> (V,) int64 counts of the next character, for every context seen in training."""
        self._require_fit("counts")
        return {self._decode_context(int(c)): self._table[r].copy() for r, c in enumerate(self._ctx_codes)}

    # -- probabilities --------------------------------------------------------------------
    @_reference_method
    def probs(self, context: str) -> np.ndarray:
        """p(next char | context) over the alphabet -> (V,), summing to 1.

        Only the last k characters of ``context`` matter (the Markov assumption); a shorter
        context is padded on the left with the start symbol (the start of a text).
        """
        self._require_fit("probs")
        V = len(self.alphabet)
        row = self._row_of.get(self._encode_context(context))
        if row is None:
            return np.full(V, 1.0 / V)
        return (self._table[row] + self.alpha) / (self._totals[row] + self.alpha * V)

    @_reference_method
    def log_prob(self, next_char: str, context: str) -> float:
        """ln p(next_char | context): one term of the chain rule."""
        self._require_fit("log_prob")
        _check_text(next_char, "CharNGram.log_prob", "next_char")
        if len(next_char) != 1:
            raise ValueError(f"CharNGram.log_prob: `next_char` should be one character, got {next_char!r}")
        (i,) = self._ids(next_char, "CharNGram.log_prob", "next_char")
        return float(np.log(self.probs(context)[i]))

    @_reference_method
    def log_probs(self, text: str) -> np.ndarray:
        """ln p(x_t | x_{t-k} .. x_{t-1}) for every character of ``text`` -> (T,).

        The text is scored from its start (padded with the start symbol), independently of
        what preceded it in any larger document.
        """
        self._require_fit("log_probs")
        _check_text(text, "CharNGram.log_probs")
        ids = self._ids(text, "CharNGram.log_probs")
        ctx = self._context_codes(ids)
        V = len(self.alphabet)
        pair = np.zeros(len(ids), dtype=np.int64)
        total = np.zeros(len(ids), dtype=np.int64)
        if len(self._ctx_codes):
            pos = np.minimum(np.searchsorted(self._ctx_codes, ctx), len(self._ctx_codes) - 1)
            seen = self._ctx_codes[pos] == ctx  # unseen contexts keep zero counts: uniform 1/V
            pair[seen] = self._table[pos[seen], ids[seen]]
            total[seen] = self._totals[pos[seen]]
        return np.log((pair + self.alpha) / (total + self.alpha * V))

    @_reference_method
    def log_likelihood(self, text: str) -> float:
        """ln p(text) = sum over t of ln p(x_t | previous k characters), natural log (a float <= 0)."""
        return float(np.sum(self.log_probs(text)))

    @_reference_method
    def perplexity(self, text: str) -> float:
        """exp(mean negative log-likelihood per character); V for a uniform model, 1 for a perfect one."""
        _check_text(text, "CharNGram.perplexity")
        if not text:
            raise ValueError("CharNGram.perplexity: `text` is empty; perplexity needs at least one character")
        return perplexity_from_nll(-self.log_probs(text))

    # -- generation -----------------------------------------------------------------------
    def sample(self, n: int, seed: int = 0, temperature: float = 1.0, prompt: str = "") -> str:
        """Generate ``n`` characters after ``prompt`` (not included in the result).

        Each character is drawn from ``p ** (1 / temperature)`` renormalised, i.e. the softmax of
        ``ln p / temperature``: temperature < 1 sharpens the distribution (towards the most likely
        character), > 1 flattens it (towards uniform). Deterministic for a given ``seed``.
        """
        self._require_fit("sample")
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"CharNGram.sample: `n` should be an int >= 0, got {n!r}")
        if not temperature > 0:
            raise ValueError(f"CharNGram.sample: `temperature` should be > 0, got {temperature!r}")
        rng = np.random.default_rng(seed)
        k = self.order
        context = self.start * k + _check_text(prompt, "CharNGram.sample", "prompt")
        context = context[len(context) - k :] if k else ""
        out = []
        for _ in range(int(n)):
            logp = np.log(self.probs(context)) / temperature
            p = np.exp(logp - logp.max())
            ch = self.alphabet[sample_categorical(p / p.sum(), rng.random())]
            out.append(ch)
            context = (context + ch)[1:] if k else ""
        return "".join(out)


@reference
def sample_categorical(probs, u) -> np.ndarray | int:
    """Draw categories by inverting the cumulative distribution with uniform draws ``u``.

    probs (..., K) rows summing to 1, u (...) in [0, 1) -> (...) int64: the first index whose
    cumulative probability exceeds ``u`` (an int for a single row). Passing ``u`` instead of
    drawing inside makes sampling reproducible and testable.

    Defined in notebook 08_text_generation, section 8.5 "Sampling with a temperature".
    Used in notebook 10_char_rnn_capstone, section 10.4 "Letting it write (core)".
    """
    probs = np.asarray(probs, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if probs.ndim < 1 or probs.shape[:-1] != u.shape:
        raise ValueError(f"sample_categorical: `probs` should be (..., K) and `u` (...), got {probs.shape} and {u.shape}")
    cdf = np.cumsum(probs, axis=-1)
    idx = np.sum(cdf <= u[..., None], axis=-1)
    idx = np.minimum(idx, probs.shape[-1] - 1)  # u beyond a cdf that rounds to just below 1
    return int(idx) if idx.ndim == 0 else idx.astype(np.int64)


@reference
def perplexity_from_nll(nll) -> float:
    """Perplexity from per-character negative log-likelihoods (natural log): exp(mean(nll)).

    nll (N,) -> float. The geometric mean of 1 / p(x_t | ...): the number of equally likely
    characters the model is, on average, choosing between.

    Defined in notebook 08_text_generation, section 8.6 "Perplexity, and the n-gram baseline".
    Used in notebook 10_char_rnn_capstone, section 10.5 "Perplexity against the n-gram of notebook 1 (core)".
    """
    nll = np.asarray(nll, dtype=np.float64)
    if nll.size == 0:
        raise ValueError("perplexity_from_nll: `nll` is empty")
    return float(np.exp(np.mean(nll)))


@reference
def ngram_counts(text: str, order: int, alphabet: str | None = None, start: str = START) -> dict[str, np.ndarray]:
    """Counts of the next character after every context of length ``order`` in ``text``.

    -> dict context -> (V,) int64, over ``alphabet`` (default: the sorted characters of text);
    the text is padded on the left with ``order`` start symbols.

    Defined in notebook 01_sequential_data, section 1.4 "A character n-gram, by counting".
    """
    return CharNGram(order, start=start).fit(text, alphabet=alphabet).counts


def best_order(train: str, heldout: str, orders=(1, 2, 3), alphas=(1.0,), alphabet: str | None = None):
    """Fit one model per (order, alpha) on ``train``; keep the one with the lowest held-out perplexity.

    -> ``(best_model, {(order, alpha): heldout perplexity})``. Both are chosen on ``heldout``
    itself, which flatters the n-gram: a deliberately strong baseline for a neural model.

    Defined in notebook 08_text_generation, section 8.6 "Perplexity, and the n-gram baseline".
    """
    if alphabet is None:
        alphabet = "".join(sorted(set(train) | set(heldout)))
    scores, models = {}, {}
    for k in orders:
        for alpha in alphas:
            models[k, alpha] = CharNGram(k, alpha=alpha).fit(train, alphabet=alphabet)
            scores[k, alpha] = models[k, alpha].perplexity(heldout)
    best = min(scores, key=scores.get)
    return models[best], scores
