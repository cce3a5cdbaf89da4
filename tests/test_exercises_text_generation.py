"""Facts particular to the exercises of notebook 08_text_generation: sampling cases always
separate sampling from greedy decoding and overflow a naive exp, and the notebook's solution
samples with the right frequencies. What holds for every exercise (reference, mistakes,
solution, demo mistake, delegation) is in tests/test_exercises.py."""

import numpy as np
import pytest

from course.exercise import make_case
from course.registry import get_exercise
from rnnkit.checking import CheckFailed
from exercise_support import check, define, notebook_solutions

NOTEBOOK = "08_text_generation"


def test_sampling_cases_always_separate_sampling_from_greedy_decoding():
    ex = get_exercise("sample_with_temperature")
    for seed in range(200):
        inputs, _ = make_case(ex, np.random.default_rng(seed), seed % 2 == 0, seed // 2)  # both regimes
        ids, probs = ex.reference(**inputs)
        assert np.any(ids != probs.argmax(axis=-1))
        assert np.allclose(probs.sum(axis=1), 1.0)
        assert inputs["logits"].max() > 700  # an exp without max-subtraction overflows


def test_forgetting_the_max_subtraction_is_reported_as_an_overflow():
    def no_max(logits, temperature, u):
        e = np.exp(logits / temperature)
        probs = e / e.sum(axis=1, keepdims=True)
        return np.sum(np.cumsum(probs, axis=1) <= u[:, None], axis=1), probs

    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(CheckFailed, match="NaN or infinity.*overflowing exp"):
            check("sample_with_temperature", no_max)


def test_the_solution_samples_with_the_right_frequencies():
    fn = define(notebook_solutions(NOTEBOOK)["sample_with_temperature"], "sample_with_temperature")
    logits = np.log(np.array([[0.2, 0.5, 0.3]]))
    u = np.random.default_rng(0).uniform(size=20000)
    ids, _ = fn(np.repeat(logits, len(u), axis=0), 1.0, u)
    np.testing.assert_allclose(np.bincount(ids, minlength=3) / len(u), [0.2, 0.5, 0.3], atol=0.01)
    _, cold = fn(logits, 0.25, u[:1])
    _, hot = fn(logits, 4.0, u[:1])
    assert cold[0, 1] > 0.5 > hot[0, 1] > 1 / 3  # low temperature sharpens, high flattens
