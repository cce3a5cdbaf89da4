"""Autograded exercises of notebook 08_text_generation: next-character targets, sampling with a
temperature, the sequence loss as a sum of per-step negative log-likelihoods, and perplexity.

The references are rnnkit's own code (:func:`rnnkit.bptt.softmax`,
:func:`rnnkit.bptt.softmax_cross_entropy`, :func:`rnnkit.ngram.sample_categorical`,
:func:`rnnkit.ngram.perplexity_from_nll`). The mistake models are the quiet errors of text
generation: inputs and targets swapped or equal, the temperature applied to probabilities
instead of logits (where it does nothing), greedy decoding instead of sampling, a mean where
the loss sums, and perplexity from the total instead of the average.
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
# sequence_nll


def _nll_inputs(rng, hidden):
    if hidden:
        B, T, K = int(rng.integers(2, 6)), int(rng.integers(2, 9)), int(rng.integers(3, 11))
    else:
        B, T, K = 2, 3, 4
    probs = softmax(rng.normal(0.0, 1.5, size=(B, T, K)))
    return {"probs": probs, "targets": rng.integers(0, K, size=(B, T)).astype(np.int64)}


def _nll_reference(probs, targets):
    from rnnkit import bptt

    per_step, total, _ = bptt.softmax_cross_entropy(np.log(probs), targets)
    return per_step, float(total)


def _picked(probs, targets):
    B, T = targets.shape
    return probs[np.arange(B)[:, None], np.arange(T)[None, :], targets]


def _nll_variant(probs, targets, *, kind):
    p = _picked(probs, targets)
    if kind == "argmax":
        p = probs.max(axis=-1)
    nll = -np.log10(p) if kind == "log10" else -np.log(p)
    if kind == "entropy":
        nll = -np.sum(probs * np.log(probs), axis=-1)
    if kind == "no_minus":
        nll = -nll
    per_step = nll.sum(axis=0) if kind == "batch_sum" else nll.mean(axis=0)
    total = per_step.mean() if kind == "total_mean" else per_step.sum()
    return per_step, float(total)


SEQUENCE_NLL = Exercise(
    "sequence_nll", points=2, make_inputs=_nll_inputs, reference=_nll_reference,
    outputs=(
        Out("per_step", doc="(T,): mean over the batch of -ln p(target) at step t"),
        Out("total", kind="float", doc="the sum of per_step"),
    ),
    mistakes=variants(_nll_variant, {
        "argmax": "the log-probability was taken of the most likely character, not of the target. Pick "
                  "the target's column: probs[b, t, targets[b, t]] (fancy indexing with np.arange(B)[:, "
                  "None], np.arange(T), targets).",
        "total_mean": "`total` is the mean of the per-step losses. The loss of a sequence is their SUM, "
                      "L = sum_t L_t (the chain rule multiplies the probabilities).",
        "batch_sum": "the per-step loss sums over the batch. Average over the batch at each step, as "
                     "Keras does: per_step[t] = mean over b of -ln p.",
        "no_minus": "the minus sign is missing: a negative log-likelihood is -ln p, a positive number.",
        "log10": "this is a base-10 logarithm. Losses use the natural log, np.log.",
        "entropy": "this is the entropy of each predicted distribution, -sum_k p_k ln p_k, which never looks at "
                   "the targets. The loss scores only the probability the model gave the TRUE next character: "
                   "-ln probs[b, t, targets[b, t]].",
    }),
    forbidden=("rnnkit.bptt.softmax_cross_entropy", "keras"),
    demo_mistake=("total = per_step.sum()", "total = per_step.mean()"),
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


EXERCISES = (NEXT_CHAR_TARGETS, SAMPLE_WITH_TEMPERATURE, SEQUENCE_NLL, PERPLEXITY)
