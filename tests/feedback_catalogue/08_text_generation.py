"""Typical wrong answers for notebook 08_text_generation, written from its statements."""
from tests.feedback_catalogue import Wrong

_SOFTMAX = '''
    z = logits / temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
'''

WRONG = (
    # ------------------------------------------------------------------ next_char_targets
    Wrong("next_char_targets", "cuts with T = ids.shape[1], which is T + 1, and drops one step too many",
          keywords=("t + 1", "one step", "length t", "shape", "last step"),
          source='''
def next_char_targets(ids):
    T = ids.shape[1]
    return ids[:, : T - 2], ids[:, 1 : T - 1]
'''),
    Wrong("next_char_targets", "shifts with np.roll, keeping all T + 1 steps and wrapping the first id round as the last target",
          keywords=("roll", "wrap", "shape", "(batch, t)", "t + 1"),
          source='''
def next_char_targets(ids):
    return ids, np.roll(ids, -1, axis=1)
'''),
    Wrong("next_char_targets", "the target of every step is the last id of the sequence",
          keywords=("every step", "each step", "shifted", "next id", "next character"),
          source='''
def next_char_targets(ids):
    inputs = ids[:, :-1]
    return inputs, np.repeat(ids[:, -1:], inputs.shape[1], axis=1)
'''),
    Wrong("next_char_targets", "returns time-major arrays (T, batch)",
          keywords=("transpos", "(batch, t)", "batch-major", "axis"),
          source='''
def next_char_targets(ids):
    return ids[:, :-1].T, ids[:, 1:].T
'''),
    # ------------------------------------------------------------------ masked_sequence_nll
    Wrong("masked_sequence_nll", "never uses the mask, so the padded positions count as if they were real",
          keywords=("padding", "padded", "mask"),
          source='''
def masked_sequence_nll(probs, targets, mask):
    B, T = targets.shape
    picked = probs[np.arange(B)[:, None], np.arange(T)[None, :], targets]
    per_step = -np.log(picked).mean(axis=0)
    return per_step, float(per_step.sum())
'''),
    Wrong("masked_sequence_nll", "masks the losses but still divides each step by the batch size",
          keywords=("real positions", "mask.sum", "still running", "padded step"),
          source='''
def masked_sequence_nll(probs, targets, mask):
    B, T = targets.shape
    nll = -np.log(probs[np.arange(B)[:, None], np.arange(T)[None, :], targets])
    per_step = (mask * nll).mean(axis=0)
    total = (mask * nll).sum() / B
    return per_step, float(total)
'''),
    Wrong("masked_sequence_nll", "takes the total as the sum of the masked per-step means, as without padding",
          keywords=("sum of per_step", "real steps", "averaged over the batch"),
          source='''
def masked_sequence_nll(probs, targets, mask):
    B, T = targets.shape
    nll = -np.log(probs[np.arange(B)[:, None], np.arange(T)[None, :], targets])
    per_step = (mask * nll).sum(axis=0) / mask.sum(axis=0)
    return per_step, float(per_step.sum())
'''),
    Wrong("masked_sequence_nll", "divides the total by the number of real characters instead of the number of sequences",
          keywords=("per real character", "number of sequences", "divide by b"),
          source='''
def masked_sequence_nll(probs, targets, mask):
    B, T = targets.shape
    nll = -np.log(probs[np.arange(B)[:, None], np.arange(T)[None, :], targets])
    real = mask == 1
    per_step = np.array([nll[real[:, t], t].mean() for t in range(T)])
    return per_step, float(nll[real].mean())
'''),
    Wrong("masked_sequence_nll", "averages over each sequence's real steps (the time axis) instead of over the batch",
          keywords=("axis", "shape", "(time,)"),
          source='''
def masked_sequence_nll(probs, targets, mask):
    B, T = targets.shape
    nll = -np.log(probs[np.arange(B)[:, None], np.arange(T)[None, :], targets])
    per_step = (mask * nll).sum(axis=1) / mask.sum(axis=1)
    total = (mask * nll).sum() / B
    return per_step, float(total)
'''),
    # ------------------------------------------------------------------ sample_with_temperature
    # coincides with a registered mistake (logits multiplied by the temperature)
    Wrong("sample_with_temperature", "multiplies the logits by the temperature instead of dividing",
          keywords=("divide", "multipl", "z / t", "logits / temperature"),
          source='''
def sample_with_temperature(logits, temperature, u):
    z = logits * temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    cdf = np.cumsum(probs, axis=1)
    ids = np.minimum(np.sum(cdf <= u[:, None], axis=1), logits.shape[1] - 1)
    return ids, probs
'''),
    Wrong("sample_with_temperature", "takes the softmax over the batch axis (axis 0)",
          keywords=("axis", "each row", "last axis", "axis=1"),
          source='''
def sample_with_temperature(logits, temperature, u):
    z = logits / temperature
    e = np.exp(z - z.max(axis=0, keepdims=True))
    probs = e / e.sum(axis=0, keepdims=True)
    cdf = np.cumsum(probs, axis=1)
    ids = np.minimum(np.sum(cdf <= u[:, None], axis=1), logits.shape[1] - 1)
    return ids, probs
'''),
    Wrong("sample_with_temperature", "np.argmax(cdf > u) without an axis: one flat index for the whole batch",
          keywords=("axis", "per row", "each row", "flat"),
          source='''
def sample_with_temperature(logits, temperature, u):''' + _SOFTMAX + '''    cdf = np.cumsum(probs, axis=1)
    ids = np.argmax(cdf > u[:, None])
    return ids, probs
'''),
    Wrong("sample_with_temperature", "compares the (B, V) cdf with u of shape (B,) without u[:, None]",
          keywords=("u[:, none]", "broadcast", "column", "each row", "shape"),
          source='''
def sample_with_temperature(logits, temperature, u):''' + _SOFTMAX + '''    cdf = np.cumsum(probs, axis=1)
    ids = np.argmax(cdf > u, axis=1)
    return ids, probs
'''),
    Wrong("sample_with_temperature", "takes the last index whose cumulative probability is below u, one before the sample",
          keywords=("first index", "exceeds", "off by one", "one too", "one before"),
          source='''
def sample_with_temperature(logits, temperature, u):''' + _SOFTMAX + '''    cdf = np.cumsum(probs, axis=1)
    ids = np.sum(cdf <= u[:, None], axis=1) - 1
    return ids, probs
'''),
    Wrong("sample_with_temperature", "returns (probs, ids) in the wrong order",
          keywords=("order", "(ids, probs)", "first"),
          source='''
def sample_with_temperature(logits, temperature, u):''' + _SOFTMAX + '''    cdf = np.cumsum(probs, axis=1)
    ids = np.minimum(np.sum(cdf <= u[:, None], axis=1), logits.shape[1] - 1)
    return probs, ids
'''),
    Wrong("sample_with_temperature", "normalises by the sum over the whole batch instead of each row's sum",
          keywords=("each row", "axis=1", "per row", "sum to 1", "sums to 1"),
          source='''
def sample_with_temperature(logits, temperature, u):
    z = logits / temperature
    e = np.exp(z - z.max(axis=1, keepdims=True))
    probs = e / e.sum()
    cdf = np.cumsum(probs, axis=1)
    ids = np.minimum(np.sum(cdf <= u[:, None], axis=1), logits.shape[1] - 1)
    return ids, probs
'''),
    Wrong("sample_with_temperature", "accumulates the probabilities down the batch (np.cumsum axis 0)",
          keywords=("axis", "each row", "last axis", "axis=1", "along"),
          source='''
def sample_with_temperature(logits, temperature, u):''' + _SOFTMAX + '''    cdf = np.cumsum(probs, axis=0)
    ids = np.minimum(np.sum(cdf <= u[:, None], axis=1), logits.shape[1] - 1)
    return ids, probs
'''),
    # ------------------------------------------------------------------ perplexity
    Wrong("perplexity", "returns the mean NLL without the exp",
          keywords=("exp",),
          source='''
def perplexity(nll_per_step):
    return float(np.mean(nll_per_step))
'''),
    Wrong("perplexity", "raises 10 to the mean instead of e",
          keywords=("base 10", "10 **", "np.exp", "natural", "exp"),
          source='''
def perplexity(nll_per_step):
    return float(10 ** np.mean(nll_per_step))
'''),
    Wrong("perplexity", "exponentiates the sum and then divides by N",
          keywords=("mean", "exp of the mean", "before", "average first"),
          source='''
def perplexity(nll_per_step):
    return float(np.exp(np.sum(nll_per_step)) / len(nll_per_step))
'''),
    Wrong("perplexity", "divides the summed NLL by N - 1",
          keywords=("mean", "n - 1", "divide by n", "number of"),
          source='''
def perplexity(nll_per_step):
    return float(np.exp(np.sum(nll_per_step) / (len(nll_per_step) - 1)))
'''),
)
