"""rnnkit.ngram: counting, add-alpha smoothing, the start-symbol padding, scores and sampling."""

import math
from collections import Counter

import numpy as np
import pytest

from rnnkit import data, delegation, ngram
from rnnkit.ngram import START, CharNGram


def markov_text(seed, alphabet="abcde ", n=400):
    rng = np.random.default_rng(seed)
    V = len(alphabet)
    trans = rng.dirichlet(np.full(V, 0.3), size=V)
    state, out = 0, []
    for _ in range(n):
        state = int(rng.choice(V, p=trans[state]))
        out.append(alphabet[state])
    return "".join(out)


def brute_counts(text, k, alphabet):
    """Counts by the definition: pad with k start symbols, pair each context with what follows."""
    padded = START * k + text
    pairs = Counter((padded[t : t + k], padded[t + k]) for t in range(len(text)))
    contexts = {c for c, _ in pairs}
    return {c: [pairs[c, a] for a in alphabet] for c in contexts}


def all_contexts(alphabet, k):
    """Every context of length k the model can meet: j start symbols then k - j characters."""
    out = [""]
    for _ in range(k):
        out = [c + a for c in out for a in alphabet]
    padded = {START * j + c[j:] for c in out for j in range(k + 1)}
    return sorted(padded)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_counts_match_brute_force(k):
    text = markov_text(k)
    model = CharNGram(k).fit(text)
    expected = brute_counts(text, k, model.alphabet)
    got = {c: row.tolist() for c, row in model.counts.items()}
    assert got == expected
    assert sum(sum(r) for r in got.values()) == len(text)  # T pairs for T characters
    assert ngram.ngram_counts(text, k).keys() == expected.keys()


def test_counts_follow_the_given_alphabet_order():
    model = CharNGram(1).fit("abca", alphabet="cxba")
    assert model.alphabet == "cxba"
    assert model.counts["a"].tolist() == [0, 0, 1, 0]  # a->b
    assert model.counts["b"].tolist() == [1, 0, 0, 0]  # b->c
    assert model.counts[START].tolist() == [0, 0, 0, 1]


@pytest.mark.parametrize("k", [0, 1, 2, 3])
@pytest.mark.parametrize("alpha", [0.01, 1.0, 3.0])
def test_probabilities_sum_to_one_for_every_context(k, alpha):
    alphabet = "abc "
    model = CharNGram(k, alpha=alpha).fit(markov_text(10 + k, alphabet, 60), alphabet=alphabet)
    contexts = all_contexts(alphabet, k)
    assert len(contexts) > len(model.counts) or k == 0  # unseen contexts are included
    for context in contexts:
        p = model.probs(context)
        assert p.shape == (len(alphabet),)
        assert np.all(p > 0)
        assert math.isclose(p.sum(), 1.0, rel_tol=1e-12)


def test_smoothing_formula_and_unseen_contexts():
    model = CharNGram(2, alpha=0.5).fit("abababc", alphabet="abcd")
    V = 4
    row = model.counts["ab"]  # "ab" is followed by a, a, c
    assert row.tolist() == [2, 0, 1, 0]
    np.testing.assert_allclose(model.probs("ab"), (row + 0.5) / (3 + 0.5 * V))
    assert model.log_prob("d", "ab") == pytest.approx(math.log(0.5 / 5.0))  # unseen pair: > 0
    np.testing.assert_allclose(model.probs("dd"), np.full(V, 1 / V))  # unseen context: uniform
    held = "ddcdab"  # contexts never seen in training
    assert np.isfinite(model.log_likelihood(held))


def test_unigram_is_k_zero():
    text = markov_text(3)
    model = CharNGram(0, alpha=1.0).fit(text)
    counts = Counter(text)
    V, T = len(model.alphabet), len(text)
    expected = np.array([(counts[a] + 1.0) / (T + V) for a in model.alphabet])
    np.testing.assert_allclose(model.probs(""), expected)
    np.testing.assert_allclose(model.probs("whatever came before"), expected)
    assert list(model.counts) == [""]
    ll = sum(math.log(expected[model.alphabet.index(c)]) for c in "abba")
    assert model.log_likelihood("abba") == pytest.approx(ll)


@pytest.mark.parametrize("k", [0, 1, 3])
def test_log_likelihood_is_the_chain_rule_with_start_padding(k):
    train, test = markov_text(5), markov_text(6, n=50)
    model = CharNGram(k, alpha=0.3).fit(train, alphabet="abcde ")
    padded = START * k + test
    terms = [model.log_prob(test[t], padded[t : t + k]) for t in range(len(test))]
    np.testing.assert_allclose(model.log_probs(test), terms, rtol=1e-12)
    assert model.log_likelihood(test) == pytest.approx(sum(terms))
    assert model.perplexity(test) == pytest.approx(math.exp(-sum(terms) / len(test)))
    # The first character is scored after k start symbols (not skipped).
    assert model.log_probs(test)[0] == pytest.approx(math.log(model.probs(START * k)[model.alphabet.index(test[0])]))


def test_short_and_long_contexts():
    model = CharNGram(2).fit("abcabc")
    np.testing.assert_array_equal(model.probs("b"), model.probs(START + "b"))  # start of text
    np.testing.assert_array_equal(model.probs("xxab"[2:]), model.probs("ab"))
    np.testing.assert_array_equal(model.probs("cab"), model.probs("ab"))  # only the last k count


def test_training_perplexity_falls_with_order_on_a_structured_corpus():
    text = data.char_corpus(12000, seed=3)
    ppl = [CharNGram(k, alpha=0.01).fit(text).perplexity(text) for k in range(6)]
    assert all(b < a for a, b in zip(ppl, ppl[1:])), ppl
    uniform = len(set(text))
    assert ppl[0] < uniform and ppl[5] < 2.0


def test_uniform_model_has_perplexity_v():
    alphabet = "abcdefgh"
    model = CharNGram(1, alpha=1.0).fit("", alphabet=alphabet)
    assert model.perplexity("abcabd") == pytest.approx(len(alphabet))


def test_from_counts_round_trip():
    text = markov_text(7)
    model = CharNGram(2, alpha=0.2).fit(text)
    again = CharNGram.from_counts({c: r.tolist() for c, r in model.counts.items()}, model.alphabet, alpha=0.2)
    other = markov_text(8, n=80)
    assert again.log_likelihood(other) == pytest.approx(model.log_likelihood(other), rel=1e-12)
    assert again.order == 2


def test_sampling_is_reproducible_and_follows_the_model():
    model = CharNGram(0, alpha=1.0).fit("aaaaaaab", alphabet="ab")
    s1 = model.sample(4000, seed=1)
    assert s1 == model.sample(4000, seed=1) and s1 != model.sample(4000, seed=2)
    assert set(s1) <= {"a", "b"} and len(s1) == 4000
    p_b = model.probs("")[1]  # 2 / 10
    assert abs(s1.count("b") / 4000 - p_b) < 0.03
    # Temperature: low sharpens (almost always the mode), high flattens towards uniform.
    assert model.sample(500, seed=0, temperature=0.05).count("b") == 0
    hot = model.sample(4000, seed=0, temperature=20.0)
    assert abs(hot.count("b") / 4000 - 0.5) < 0.05


def test_sampling_with_a_prompt_continues_it():
    text = "the cat sat. " * 20
    model = CharNGram(3, alpha=1e-3).fit(text)
    assert model.sample(9, seed=0, prompt="the", temperature=0.1) == " cat sat."


def test_sample_categorical_inverts_the_cdf():
    probs = np.array([[0.2, 0.0, 0.5, 0.3], [0.0, 0.0, 1.0, 0.0]])
    for u, want in ((0.0, [0, 2]), (0.19, [0, 2]), (0.2, [2, 2]), (0.69, [2, 2]), (0.7, [3, 2]), (0.999999, [3, 2])):
        assert ngram.sample_categorical(probs, np.array([u, u])).tolist() == want
    assert ngram.sample_categorical(probs[0], 0.5) == 2
    with pytest.raises(ValueError, match="probs"):
        ngram.sample_categorical(probs, np.zeros(3))


def test_perplexity_from_nll():
    assert ngram.perplexity_from_nll(np.log([2.0, 8.0])) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        ngram.perplexity_from_nll([])


def test_best_order_chooses_the_lowest_heldout_perplexity():
    text = data.char_corpus(8000, seed=4)
    model, scores = ngram.best_order(text[:6000], text[6000:], orders=(1, 2, 3), alphas=(1.0, 0.1))
    assert set(scores) == {(k, a) for k in (1, 2, 3) for a in (1.0, 0.1)}
    best = min(scores, key=scores.get)
    assert (model.order, model.alpha) == best
    assert model.perplexity(text[6000:]) == pytest.approx(scores[best])


def test_clear_errors():
    with pytest.raises(ValueError, match="order"):
        CharNGram(-1)
    with pytest.raises(ValueError, match="alpha"):
        CharNGram(1, alpha=0.0)
    with pytest.raises(ValueError, match="start symbol"):
        CharNGram(1).fit("a^b")
    model = CharNGram(1).fit("abc")
    with pytest.raises(ValueError, match="'z'.*alphabet"):
        model.log_likelihood("abz")
    with pytest.raises(ValueError, match="not fitted"):
        CharNGram(1).probs("a")
    with pytest.raises(TypeError, match="text"):
        CharNGram(1).fit(["a", "b"])
    with pytest.raises(ValueError, match="repeated"):
        CharNGram(1).fit("ab", alphabet="abca")


def test_references_are_recorded_by_their_class_name():
    model = CharNGram(1).fit("abc")
    with delegation.watching() as calls:
        model.perplexity("abc")
        CharNGram(2).fit("abc")
        ngram.ngram_counts("abc", 1)
    assert calls == {"rnnkit.ngram.CharNGram.perplexity", "rnnkit.ngram.CharNGram.fit", "rnnkit.ngram.ngram_counts"}
    assert CharNGram.fit.__name__ == "fit"


def test_fitting_a_corpus_is_fast():
    import time

    text = data.char_corpus(100_000, seed=0)
    start = time.perf_counter()
    model = CharNGram(5, alpha=0.1).fit(text)
    model.perplexity(text)
    assert time.perf_counter() - start < 2.0
