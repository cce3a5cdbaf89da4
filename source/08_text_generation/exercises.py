"""Autograded exercises of notebook 08_text_generation: next-character targets, sampling with a
temperature, the loss of padded sequences as masked per-step negative log-likelihoods, and perplexity.

The references are rnnkit's own code (:func:`rnnkit.bptt.softmax`,
:func:`rnnkit.bptt.softmax_cross_entropy`, :func:`rnnkit.ngram.sample_categorical`,
:func:`rnnkit.ngram.perplexity_from_nll`). The mistake models are the quiet errors of text
generation: inputs and targets swapped or equal, the temperature applied to probabilities
instead of logits (where it does nothing), greedy decoding instead of sampling, padding counted
in the loss (or counted as zeros in its averages), a mean where the loss sums, and perplexity
from the total instead of the average.
"""

import numpy as np

from course.cases import softmax, variants
from course.exercise import Exercise, Mistake, Out


def _inverse_cdf(probs, u):
    idx = np.sum(np.cumsum(probs, axis=-1) <= u[..., None], axis=-1)
    return np.minimum(idx, probs.shape[-1] - 1).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# next_char_targets


def _targets_inputs(rng, hidden):
    if hidden:
        B, T1, V = int(rng.integers(2, 6)), int(rng.integers(4, 13)), int(rng.integers(5, 31))
    else:
        B, T1, V = 2, 7, 12
    return {"ids": rng.integers(0, V, size=(B, T1)).astype(np.int64)}


def _targets_reference(ids):
    return ids[:, :-1].copy(), ids[:, 1:].copy()


NEXT_CHAR_TARGETS = Exercise(
    "next_char_targets", points=1, make_inputs=_targets_inputs, reference=_targets_reference,
    outputs=(
        Out("inputs", kind="int_array", doc="(batch, T): ids[:, :-1]"),
        Out("targets", kind="int_array", doc="(batch, T): ids[:, 1:]"),
    ),
    mistakes=(
        Mistake("inputs and targets are swapped. The model reads characters 0 .. T-1 and predicts "
                "characters 1 .. T: inputs = ids[:, :-1], targets = ids[:, 1:].",
                lambda ids: (ids[:, 1:], ids[:, :-1])),
        Mistake("the targets equal the inputs, so the model would learn to copy the character it "
                "just read. The target at step t is the NEXT character, ids[:, t + 1].",
                lambda ids: (ids[:, :-1], ids[:, :-1])),
        Mistake("the shift is along the batch axis (rows). Each row is one sequence; shift along "
                "time, the last axis: ids[:, :-1] and ids[:, 1:].", lambda ids: (ids[:-1], ids[1:])),
        Mistake("every step has the same target, the last id of the sequence. Each step t predicts its own "
                "next character, ids[:, t + 1]: the targets are the whole sequence shifted by one, ids[:, 1:].",
                lambda ids: (ids[:, :-1], np.repeat(ids[:, -1:], ids.shape[1] - 1, axis=1))),
    ),
    forbidden=("keras",), rtol=0.0, atol=0.0,
    demo_mistake=("return ids[:, :-1], ids[:, 1:]", "return ids[:, 1:], ids[:, :-1]"),
)


# ---------------------------------------------------------------------------------------------
# sample_with_temperature


# Below 1 the temperature sharpens the distribution, above 1 it flattens it: dividing by T where
# one should multiply (or the reverse) only shows in one of the two.
TEMPERATURE_REGIMES = ("a temperature below 1", "a temperature above 1")


def _sample_inputs(rng, hidden, regime):
    below = regime == TEMPERATURE_REGIMES[0]
    if hidden:
        B, K = int(rng.integers(3, 9)), int(rng.integers(3, 13))
        temperature = float(rng.choice([0.25, 0.5, 0.7] if below else [1.5, 2.0, 3.0]))
    else:
        B, K, temperature = 4, 6, 0.5 if below else 2.0
    for _ in range(1000):
        logits = rng.normal(0.0, 1.5, size=(B, K))
        u = rng.uniform(0.0, 1.0, size=B)
        probs = softmax(logits / temperature)
        # Keep a case on which greedy decoding and "first p > u" cannot pass by luck: some row
        # samples a character other than the most likely one, and so on.
        ids, greedy, no_cumsum = _inverse_cdf(probs, u), probs.argmax(axis=-1), np.argmax(probs > u[:, None], axis=-1)
        if np.any(ids != greedy) and np.any(no_cumsum != greedy) and np.any(no_cumsum != ids):
            break
    else:  # pragma: no cover - the tests draw thousands of cases without reaching this
        raise RuntimeError("sample_with_temperature: could not draw an informative case")
    # Softmax ignores a constant added to a row; an exp without the max subtracted overflows.
    logits[0] += 1000.0
    return {"logits": logits, "temperature": temperature, "u": u}


def _sample_reference(logits, temperature, u):
    from rnnkit import bptt, ngram

    probs = bptt.softmax(logits / temperature)
    return ngram.sample_categorical(probs, u), probs


def _sample_variant(logits, temperature, u, *, kind):
    """The sampling with the mistake ``kind`` (the probabilities, then the draw)."""
    if kind == "probs_renormalised":
        probs = softmax(logits)
    elif kind == "probs_divided":
        probs = softmax(logits) / temperature
    elif kind == "times_t":
        probs = softmax(logits * temperature)
    else:
        probs = softmax(logits / temperature)
    if kind == "greedy":
        return np.argmax(probs, axis=-1).astype(np.int64), probs
    if kind == "no_cumsum":
        return np.argmax(probs > u[:, None], axis=-1).astype(np.int64), probs
    if kind == "one_before":  # the last index whose cumulative probability is <= u
        return (np.sum(np.cumsum(probs, axis=-1) <= u[:, None], axis=-1) - 1).astype(np.int64), probs
    if kind in ("cumsum_batch", "cumsum_flat"):
        cdf = np.cumsum(probs, axis=0) if kind == "cumsum_batch" else np.cumsum(probs)
        idx = np.sum(cdf <= u[:, None], axis=-1)
        return np.minimum(idx, probs.shape[-1] - 1).astype(np.int64), probs
    return _inverse_cdf(probs, u), probs


SAMPLE_WITH_TEMPERATURE = Exercise(
    "sample_with_temperature", points=3, make_inputs=_sample_inputs, regimes=TEMPERATURE_REGIMES,
    trials_visible=2, reference=_sample_reference,
    outputs=(
        Out("ids", kind="int_array", doc="(batch,): one sampled character id per row"),
        Out("probs", doc="(batch, K): softmax(logits / temperature)"),
    ),
    mistakes=variants(_sample_variant, {
        "probs_renormalised": "the temperature has no effect: dividing the probabilities by T and renormalising "
                              "gives back the same probabilities. The temperature divides the LOGITS: "
                              "softmax(logits / T).",
        "probs_divided": "the probabilities were divided by the temperature, so they no longer sum to 1. "
                         "The temperature divides the LOGITS before the softmax: softmax(logits / T).",
        "times_t": "the logits were multiplied by the temperature. Divide them: a temperature below 1 "
                   "must sharpen the distribution, above 1 flatten it.",
        "greedy": "`ids` is the most likely character (greedy decoding), not a sample. Use the uniform "
                  "draw u: the sample is the first index whose cumulative probability exceeds u.",
        "no_cumsum": "u was compared with the probabilities themselves. Compare it with the CUMULATIVE "
                     "probabilities (np.cumsum along the last axis): the sample is the first index whose "
                     "cumulative probability exceeds u.",
        "one_before": "each sample is one index too low: you took the last index whose cumulative probability "
                      "is still <= u. The sample is the FIRST index whose cumulative probability exceeds u, one "
                      "further: np.sum(cdf <= u[:, None], axis=1) itself, without the - 1.",
        "cumsum_batch": "the cumulative probabilities run down the batch (np.cumsum along axis 0). Each row is its "
                        "own distribution: accumulate along the characters, the last axis, np.cumsum(probs, "
                        "axis=1), and compare row b with u[b].",
        "cumsum_flat": "the cumulative probabilities run through the whole batch (np.cumsum without an axis "
                       "flattens probs). Each row is its own distribution: accumulate along the characters, "
                       "np.cumsum(probs, axis=1), and compare row b with u[b].",
    }),
    forbidden=("rnnkit.bptt.softmax", "rnnkit.ngram.sample_categorical", "keras"), trials_hidden=4,
    demo_mistake=("z = logits / temperature", "z = logits * temperature"),
)


# ---------------------------------------------------------------------------------------------
# masked_sequence_nll


def _lengths_mask(rng, B, T):
    """A 0/1 mask (B, T) of sequences padded to T: the longest has length T, one is shorter."""
    lengths = rng.integers(1, T + 1, size=B)
    longest, short = rng.choice(B, size=2, replace=False)
    lengths[longest], lengths[short] = T, rng.integers(1, T)
    return (np.arange(T)[None, :] < lengths[:, None]).astype(float)


def _nll_inputs(rng, hidden):
    if hidden:
        B, T, K = int(rng.integers(2, 6)), int(rng.integers(3, 9)), int(rng.integers(3, 11))
    else:
        B, T, K = 3, 4, 5
    mask = _lengths_mask(rng, B, T)
    probs = softmax(rng.normal(0.0, 1.5, size=(B, T, K)))
    targets = rng.integers(1, K, size=(B, T)).astype(np.int64)
    targets[mask == 0] = 0  # the padding id
    return {"probs": probs, "targets": targets, "mask": mask}


def _check_mask(mask, T):
    mask = np.asarray(mask, dtype=float)
    if not np.all((mask == 0) | (mask == 1)):
        raise ValueError("mask should hold 0 (padding) and 1 (a real step) only")
    if np.any(mask.sum(axis=0) == 0):
        raise ValueError("every step should be real in at least one sequence (pad to the longest length)")
    return mask


def _nll_reference(probs, targets, mask):
    from rnnkit import bptt

    B, T = targets.shape
    mask = _check_mask(mask, T)
    # rnnkit's cross-entropy per sequence (a batch of one), then masked
    nll = np.stack([bptt.softmax_cross_entropy(np.log(probs[b:b + 1]), targets[b:b + 1])[0] for b in range(B)])
    per_step = (mask * nll).sum(axis=0) / mask.sum(axis=0)
    total = (mask * nll).sum() / B
    return per_step, float(total)


def _picked(probs, targets):
    B, T = targets.shape
    return probs[np.arange(B)[:, None], np.arange(T)[None, :], targets]


def _nll_variant(probs, targets, mask, *, kind):
    B, T = targets.shape
    nll = -np.log(_picked(probs, targets))
    if kind == "argmax":
        nll = -np.log(probs.max(axis=-1))
    if kind == "no_mask":
        per_step = nll.mean(axis=0)
        return per_step, float(per_step.sum())
    counted = mask * nll
    per_step = counted.sum(axis=0) / (B if kind == "divide_by_batch" else mask.sum(axis=0))
    if kind == "total_of_per_step":
        total = per_step.sum()
    elif kind == "total_per_char":
        total = counted.sum() / mask.sum()
    elif kind == "total_mean":
        total = per_step.mean()
    else:
        total = counted.sum() / B
    return per_step, float(total)


MASKED_SEQUENCE_NLL = Exercise(
    "masked_sequence_nll", points=3, make_inputs=_nll_inputs, reference=_nll_reference,
    outputs=(
        Out("per_step", doc="(time,): at step t, the mean of -ln p(target) over the sequences whose step t is real"),
        Out("total", kind="float", doc="the mean over the batch of each sequence's summed loss over its real steps"),
    ),
    mistakes=variants(_nll_variant, {
        "no_mask": "the padding is counted: the mask is never used. A padded step has no true next character, so "
                   "its -ln p must not enter the loss: multiply the per-position losses by the mask before "
                   "summing.",
        "divide_by_batch": "per_step divides by the batch size, so every padded step counts as a loss of 0 and "
                           "the late steps look cheaper than they are. Average over the REAL positions only: "
                           "divide by the number of sequences still running at step t, mask.sum(axis=0).",
        "total_of_per_step": "`total` is the sum of per_step. With padding that is no longer each sequence's loss: "
                             "per_step[t] averages over the sequences still running at t, a different number of "
                             "them at each step. The total is each sequence's loss summed over its real steps, "
                             "averaged over the batch: (mask * nll).sum() / B.",
        "total_per_char": "`total` is the mean loss per real character, (mask * nll).sum() / mask.sum(). The loss "
                          "of a sequence is the SUM over its real steps (L = sum_t L_t); the total is its mean over "
                          "the batch: divide by B, the number of sequences.",
        "total_mean": "`total` is the mean of the per-step losses. The loss of a sequence is the SUM of its "
                      "per-step losses over its real steps, averaged over the batch: (mask * nll).sum() / B.",
        "argmax": "the log-probability was taken of the most likely character, not of the target. Pick "
                  "the target's column: probs[b, t, targets[b, t]] (fancy indexing with np.arange(B)[:, "
                  "None], np.arange(T), targets).",
    }),
    forbidden=("rnnkit.bptt.softmax_cross_entropy", "keras"),
    hints={"ZeroDivisionError": "divide by the number of real positions, mask.sum(axis=0): the longest "
                                "sequence is real at every step, so it is never 0."},
    demo_mistake=("total = (mask * nll).sum() / B", "total = per_step.sum()"),
)


# ---------------------------------------------------------------------------------------------
# perplexity


def _ppl_inputs(rng, hidden):
    n = int(rng.integers(5, 50)) if hidden else 6
    return {"nll_per_step": -np.log(rng.uniform(0.05, 1.0, size=n))}


def _ppl_reference(nll_per_step):
    from rnnkit import ngram

    return ngram.perplexity_from_nll(nll_per_step)


PERPLEXITY = Exercise(
    "perplexity", points=1, make_inputs=_ppl_inputs, reference=_ppl_reference,
    outputs=(Out("perplexity", kind="float", doc="exp(mean NLL per character), >= 1"),),
    mistakes=(
        Mistake("this is exp of the SUM of the losses, the inverse probability of the whole text. "
                "Perplexity is per character: exp of the MEAN negative log-likelihood.",
                lambda nll_per_step: float(np.exp(np.sum(nll_per_step)))),
        Mistake("this uses base 2 (2 ** mean). Our losses are natural logs, so perplexity is "
                "np.exp(mean NLL).", lambda nll_per_step: float(2.0 ** np.mean(nll_per_step))),
        Mistake("this uses base 10 (10 ** mean). Our losses are natural logs, so perplexity is "
                "np.exp(mean NLL).", lambda nll_per_step: float(10.0 ** np.mean(nll_per_step))),
        Mistake("this averages exp(NLL) per character. Average the NLL first, then exponentiate: "
                "exp(mean(nll)) (the geometric mean of 1 / p).",
                lambda nll_per_step: float(np.mean(np.exp(nll_per_step)))),
        Mistake("the sign is flipped: the losses are already NEGATIVE log-likelihoods, so perplexity "
                "is exp(+mean(nll)), a number >= 1.", lambda nll_per_step: float(np.exp(-np.mean(nll_per_step)))),
        Mistake("this is exp of the SUM divided by N: the division comes too late. Average the losses first, "
                "then exponentiate: exp(sum(nll) / N) = np.exp(np.mean(nll)).",
                lambda nll_per_step: float(np.exp(np.sum(nll_per_step)) / len(nll_per_step))),
        Mistake("the summed NLL is divided by N - 1. The mean NLL per character divides by the number of "
                "characters N = len(nll_per_step) (np.mean does it), then exponentiate.",
                lambda nll_per_step: float(np.exp(np.sum(nll_per_step) / (len(nll_per_step) - 1)))),
    ),
    forbidden=("rnnkit.ngram.perplexity_from_nll", "rnnkit.ngram.CharNGram.perplexity", "keras"),
    demo_mistake=("np.mean(nll_per_step)", "np.sum(nll_per_step)"),
)


EXERCISES = (NEXT_CHAR_TARGETS, SAMPLE_WITH_TEMPERATURE, MASKED_SEQUENCE_NLL, PERPLEXITY)
