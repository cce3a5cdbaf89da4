"""The autograded exercises of notebook 01_sequential_data: reference, mistakes, notebook
solution, demo mistake and delegation, each judged by the same ``check`` students run."""

import dataclasses
import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

from rnnkit import ngram
from rnnkit.checking import CheckFailed, call_student, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, sequential_data
import exercise_support
from exercise_support import define, run_check

NOTEBOOK = "01_sequential_data"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in sequential_data.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in sequential_data.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in sequential_data.EXERCISES]
    for ex in sequential_data.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in sequential_data.EXERCISES:
        assert graded[f"{ex.name}_test"] == ex.points
    assert set(solution_cells()) == set(NAMES)
    assert any(k.startswith("q_") for k in graded), "a manually graded written question"


def test_notebook_does_not_use_tensorflow():
    text = SOURCE.read_text(encoding="utf-8")
    assert "import keras" not in text and "tensorflow" not in text


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


def test_delegating_to_the_ngram_scores_zero():
    def counts_by_library(text, k, alphabet):
        return {c: r.tolist() for c, r in ngram.ngram_counts(text, k, alphabet).items()}

    def counts_by_model(text, k, alphabet):
        return {c: r.tolist() for c, r in ngram.CharNGram(k).fit(text, alphabet=alphabet).counts.items()}

    def loglik_by_model(text, counts, k, alphabet, alpha):
        model = ngram.CharNGram.from_counts({c: np.array(r) for c, r in counts.items()}, alphabet, alpha=alpha)
        return model.log_likelihood(text)

    with pytest.raises(CheckFailed, match="calls rnnkit.ngram.ngram_counts.*scores 0"):
        check("ngram_counts", counts_by_library)
    with pytest.raises(CheckFailed, match="calls rnnkit.ngram.CharNGram.fit.*scores 0"):
        check("ngram_counts", counts_by_model)
    with pytest.raises(CheckFailed, match="calls rnnkit.ngram.CharNGram.log_likelihood.*scores 0"):
        check("ngram_log_likelihood", loglik_by_model)


def test_counts_as_dict_of_dicts_get_a_clear_message():
    def nested(text, k, alphabet):
        padded = "^" * k + text
        out = {}
        for t in range(len(text)):
            out.setdefault(padded[t : t + k], {}).setdefault(padded[t + k], 0)
            out[padded[t : t + k]][padded[t + k]] += 1
        return out

    with pytest.raises(CheckFailed, match="not right yet"):
        check("ngram_counts", nested)


def test_naive_forecast_with_period_one_repeats_the_last_value():
    fn = define(solution_cells()["naive_forecast"], "naive_forecast")
    X = np.arange(12.0).reshape(2, 6, 1)
    np.testing.assert_array_equal(fn(X, 3, 1), [[5, 5, 5], [11, 11, 11]])
    np.testing.assert_array_equal(fn(X, 5, 2), [[4, 5, 4, 5, 4], [10, 11, 10, 11, 10]])
