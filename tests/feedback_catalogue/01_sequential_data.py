"""Typical wrong answers for notebook 01_sequential_data, written from its statements."""
from tests.feedback_catalogue import Wrong

WRONG = (
    # ------------------------------------------------------------------ ngram_counts
    Wrong("ngram_counts", "increments the count of a context before creating its row (KeyError)",
          keywords=("keyerror", "first time", "not yet", "new context", "create", "initialis", "setdefault"),
          source='''
def ngram_counts(text, k, alphabet):
    padded = "^" * k + text
    counts = {}
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        counts[context][alphabet.index(nxt)] += 1
    return counts
'''),
    Wrong("ngram_counts", "counts each context in a dict keyed by character instead of a list in alphabet order",
          keywords=("list", "position j", "alphabet[j]", "alphabet order"),
          source='''
def ngram_counts(text, k, alphabet):
    padded = "^" * k + text
    counts = {}
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.setdefault(context, {})
        row[nxt] = row.get(nxt, 0) + 1
    return counts
'''),
    Wrong("ngram_counts", "pads with spaces instead of the start symbol ^",
          keywords=("^", "start symbol"),
          source='''
def ngram_counts(text, k, alphabet):
    padded = " " * k + text
    counts = {}
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        if context not in counts:
            counts[context] = [0] * len(alphabet)
        counts[context][alphabet.index(nxt)] += 1
    return counts
'''),
    Wrong("ngram_counts", "pads on the right of the text instead of the left",
          keywords=("left", "start symbol", "^"),
          source='''
def ngram_counts(text, k, alphabet):
    padded = text + "^" * k
    counts = {}
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        if context not in counts:
            counts[context] = [0] * len(alphabet)
        counts[context][alphabet.index(nxt)] += 1
    return counts
'''),
    Wrong("ngram_counts", "uses k + 1 characters of context (n-gram order confused with k)",
          keywords=("k characters", "length k", "k + 1", "order"),
          source='''
def ngram_counts(text, k, alphabet):
    padded = "^" * k + text
    counts = {}
    for t in range(len(padded) - k - 1):
        context, nxt = padded[t : t + k + 1], padded[t + k + 1]
        if context not in counts:
            counts[context] = [0] * len(alphabet)
        counts[context][alphabet.index(nxt)] += 1
    return counts
'''),
    Wrong("ngram_counts", "the loop starts at 1, so the first character is never counted",
          keywords=("first character", "range", "skip", "every character", "start"),
          source='''
def ngram_counts(text, k, alphabet):
    padded = "^" * k + text
    counts = {}
    for t in range(1, len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        if context not in counts:
            counts[context] = [0] * len(alphabet)
        counts[context][alphabet.index(nxt)] += 1
    return counts
'''),
    # ------------------------------------------------------------------ ngram_log_likelihood
    Wrong("ngram_log_likelihood", "looks the context up with counts[context]: KeyError on a context never seen in training",
          keywords=("unseen", "never seen", "never occur", "not in counts", "does not occur", "zero counts", "keyerror"),
          source='''
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    V = len(alphabet)
    padded = "^" * k + text
    ll = 0.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts[context]
        ll += math.log((row[alphabet.index(nxt)] + alpha) / (sum(row) + alpha * V))
    return ll
'''),
    Wrong("ngram_log_likelihood", "uses a base-2 logarithm instead of the natural log",
          keywords=("log2", "base 2", "base-2", "natural log"),
          source='''
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    V = len(alphabet)
    padded = "^" * k + text
    ll = 0.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.get(context, [0] * V)
        ll += np.log2((row[alphabet.index(nxt)] + alpha) / (sum(row) + alpha * V))
    return float(ll)
'''),
    Wrong("ngram_log_likelihood", "alpha is added to the denominator only, not to the count in the numerator",
          keywords=("numerator", "count + alpha", "count(context, c) + alpha", "smooth"),
          source='''
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    V = len(alphabet)
    padded = "^" * k + text
    ll = 0.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.get(context, [0] * V)
        ll += math.log(row[alphabet.index(nxt)] / (sum(row) + alpha * V))
    return ll
'''),
    Wrong("ngram_log_likelihood", "counts the start symbol ^ as a character: V = len(alphabet) + 1",
          keywords=("len(alphabet)", "alphabet size", "start symbol", "not part of the alphabet", "^"),
          source='''
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    V = len(alphabet) + 1  # the characters and the start symbol
    padded = "^" * k + text
    ll = 0.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.get(context, [0] * len(alphabet))
        ll += math.log((row[alphabet.index(nxt)] + alpha) / (sum(row) + alpha * V))
    return ll
'''),
    Wrong("ngram_log_likelihood", "returns the product of the probabilities, not the sum of their logs",
          keywords=("logarithm", "take the log", "product", "sum of log", "ln p"),
          source='''
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    V = len(alphabet)
    padded = "^" * k + text
    p = 1.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.get(context, [0] * V)
        p *= (row[alphabet.index(nxt)] + alpha) / (sum(row) + alpha * V)
    return p
'''),
    Wrong("ngram_log_likelihood", "returns the negative log-likelihood (wrong sign)",
          keywords=("sign", "negative", "minus", "<= 0"),
          source='''
def ngram_log_likelihood(text, counts, k, alphabet, alpha):
    V = len(alphabet)
    padded = "^" * k + text
    nll = 0.0
    for t in range(len(padded) - k):
        context, nxt = padded[t : t + k], padded[t + k]
        row = counts.get(context, [0] * V)
        nll -= math.log((row[alphabet.index(nxt)] + alpha) / (sum(row) + alpha * V))
    return nll
'''),
    # ------------------------------------------------------------------ naive_forecast
    Wrong("naive_forecast", "keeps the feature axis: returns (N, horizon, 1)",
          keywords=("shape", "feature axis", "(n, horizon)", "trailing", "axis"),
          source='''
def naive_forecast(X, horizon, period):
    window = X.shape[1]
    j = np.arange(horizon)
    return X[:, window - period + j % period]
'''),
    Wrong("naive_forecast", "ignores period and always repeats the last value",
          keywords=("period", "season"),
          source='''
def naive_forecast(X, horizon, period):
    return np.repeat(X[:, -1, :], horizon, axis=1)
'''),
    Wrong("naive_forecast", "tiles enough whole seasons but never cuts the result to horizon steps",
          keywords=("horizon", "cut", "shape", "as often as needed", "(n, horizon)"),
          source='''
def naive_forecast(X, horizon, period):
    last_season = X[:, -period:, 0]
    return np.tile(last_season, horizon // period + 1)
'''),
    Wrong("naive_forecast", "starts the repeated season at its second value (j + 1 instead of j)",
          keywords=("shift", "one step", "rotat", "start", "step j", "j % period"),
          source='''
def naive_forecast(X, horizon, period):
    window = X.shape[1]
    j = np.arange(horizon)
    return X[:, window - period + (j + 1) % period, 0]
'''),
    Wrong("naive_forecast", "repeats the first period values of the window instead of the last season",
          keywords=("last season", "last `period`", "end of the window", "most recent", "last period"),
          source='''
def naive_forecast(X, horizon, period):
    j = np.arange(horizon)
    return X[:, j % period, 0]
'''),
)
