"""The autograded exercises of notebook 08_text_generation: reference, mistakes, notebook
solution, demo mistake and delegation, each judged by the same ``check`` students run."""

import dataclasses
import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

from rnnkit import bptt, ngram
from rnnkit.checking import CheckFailed, call_student, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, text_generation
import exercise_support
from exercise_support import define, run_check

NOTEBOOK = "08_text_generation"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in text_generation.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in text_generation.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in text_generation.EXERCISES]
    for ex in text_generation.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in text_generation.EXERCISES:
        assert graded[f"{ex.name}_test"] == ex.points
    assert set(solution_cells()) == set(NAMES)
    assert any(k.startswith("q_") for k in graded), "a manually graded written question"


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_hidden_checks(name):
    ex = dataclasses.replace(EXERCISES[name], forbidden=())  # the reference IS the library
    for seed in SEEDS:
        run_check(ex, ex.reference, seed)
        run_check(ex, ex.reference, seed, hidden=False)


@pytest.mark.parametrize("name,index", MISTAKES)
def test_each_mistake_is_recognised_by_its_own_message(name, index):
    mistake = EXERCISES[name].mistakes[index]
    with pytest.raises(CheckFailed) as err:
        check(name, mistake.fn)  # the visible case shows every mistake
    assert mistake.message in str(err.value)
    named = 0
    for seed in SEEDS:
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        named += mistake.message in str(err.value)
    assert named >= 4, f"the mistake was named in only {named} of {len(SEEDS)} hidden runs"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_solution_passes(name, capsys):
    fn = define(solution_cells()[name], name)
    check(name, fn)
    assert "Well done" in capsys.readouterr().out
    for seed in SEEDS:
        check(name, fn, hidden=True, seed=seed)
    check(name, fn, hidden=True)  # a fresh random seed, as in the hidden test cell


@pytest.mark.parametrize("name", NAMES)
def test_demo_mistake_fails_with_a_named_mistake(name):
    old, new = EXERCISES[name].demo_mistake
    source = solution_cells()[name]
    assert source.count(old) == 1, f"demo text {old!r} must occur once in the solution"
    fn = define(source.replace(old, new), name)
    with pytest.raises(CheckFailed) as err:
        check(name, fn)
    assert any(m.message in str(err.value) for m in EXERCISES[name].mistakes), str(err.value)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, fn, hidden=True, seed=0)


def test_sampling_cases_always_separate_sampling_from_greedy_decoding():
    ex = EXERCISES["sample_with_temperature"]
    for seed in range(200):
        inputs = ex.make_inputs(np.random.default_rng(seed), seed % 2 == 0)
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


def test_delegating_to_the_references_scores_zero():
    def sample_by_library(logits, temperature, u):
        probs = bptt.softmax(logits / temperature)
        return ngram.sample_categorical(probs, u), probs

    def nll_by_library(probs, targets):
        per_step, total, _ = bptt.softmax_cross_entropy(np.log(probs), targets)
        return per_step, float(total)

    with pytest.raises(CheckFailed, match="calls rnnkit.bptt.softmax.*scores 0"):
        check("sample_with_temperature", sample_by_library)
    with pytest.raises(CheckFailed, match="calls rnnkit.bptt.softmax_cross_entropy.*scores 0"):
        check("sequence_nll", nll_by_library)
    with pytest.raises(CheckFailed, match="calls rnnkit.ngram.perplexity_from_nll.*scores 0"):
        check("perplexity", lambda nll_per_step: ngram.perplexity_from_nll(nll_per_step))


def test_the_solution_samples_with_the_right_frequencies():
    fn = define(solution_cells()["sample_with_temperature"], "sample_with_temperature")
    logits = np.log(np.array([[0.2, 0.5, 0.3]]))
    u = np.random.default_rng(0).uniform(size=20000)
    ids, _ = fn(np.repeat(logits, len(u), axis=0), 1.0, u)
    np.testing.assert_allclose(np.bincount(ids, minlength=3) / len(u), [0.2, 0.5, 0.3], atol=0.01)
    _, cold = fn(logits, 0.25, u[:1])
    _, hot = fn(logits, 4.0, u[:1])
    assert cold[0, 1] > 0.5 > hot[0, 1] > 1 / 3  # low temperature sharpens, high flattens
