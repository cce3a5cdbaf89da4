"""The autograded exercises of notebook 09_forecasting: reference, mistakes, notebook solution,
demo mistake and delegation, each judged by the same ``check`` students run; plus the shipped
CSV file, which must be exactly what its generator script writes."""

import dataclasses
import importlib.util
import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

from course import isolation
from rnnkit import data
from rnnkit.checking import CheckFailed, call_student, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, forecasting
import exercise_support
from exercise_support import define, run_check

NOTEBOOK = "09_forecasting"
FOLDER = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK
SOURCE = FOLDER / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in forecasting.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in forecasting.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in forecasting.EXERCISES]
    for ex in forecasting.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in forecasting.EXERCISES:
        assert graded[f"{ex.name}_test"] == ex.points
    assert set(solution_cells()) == set(NAMES)
    assert any(k.startswith("q_") for k in graded), "a manually graded written question"


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_hidden_checks(name):
    ex = dataclasses.replace(EXERCISES[name], forbidden=())  # the reference may be the library
    for seed in SEEDS:
        run_check(ex, ex.reference, seed)
        run_check(ex, ex.reference, seed, hidden=False)


@pytest.mark.parametrize("name,index", MISTAKES)
def test_each_mistake_is_recognised_by_its_own_message(name, index):
    mistake = EXERCISES[name].mistakes[index]
    for seed in SEEDS[:3]:
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        assert mistake.message in str(err.value)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, mistake.fn)  # the visible check already catches it


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
    for hidden in (False, True):
        with pytest.raises(CheckFailed) as err:
            check(name, fn, hidden=hidden, seed=0)
        assert any(m.message in str(err.value) for m in EXERCISES[name].mistakes), str(err.value)


def test_delegating_to_make_windows_scores_zero():
    def via_library(series, window, horizon):
        return data.make_windows(series, window, horizon)

    with pytest.raises(CheckFailed, match="calls rnnkit.data.make_windows.*scores 0"):
        check("sliding_windows", via_library)


def test_delegating_to_keras_normalization_scores_zero():
    import keras

    def via_keras(train, val, test):
        layer = keras.layers.Normalization(axis=None, dtype="float64")
        layer.adapt(train)
        parts = [keras.ops.convert_to_numpy(layer(part)) for part in (train, val, test)]
        return (*parts, float(np.mean(train)), float(np.std(train)))

    with pytest.raises(CheckFailed, match="calls keras.*scores 0"):
        check("standardise_splits", via_keras)


def test_standardise_mistakes_really_differ_on_a_trending_series():
    """The leak is only visible when later splits differ from training: the inputs trend."""
    ex = EXERCISES["standardise_splits"]
    for seed in range(10):
        inputs = ex.make_inputs(np.random.default_rng(seed), True)
        assert inputs["test"].mean() > inputs["train"].mean() + 0.5 * inputs["train"].std()


def test_linear_reference_recovers_a_noiseless_model():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5))
    w, b = rng.normal(size=(5, 2)), rng.normal(size=2)
    w_hat, b_hat = EXERCISES["fit_linear_forecaster"].reference(X, X @ w + b)
    assert np.allclose(w_hat, w) and np.allclose(b_hat, b)


def test_recursive_reference_matches_a_hand_computed_case():
    # window [1, 2], y = 0.5 * older + 1 * newer + 1: 2*1 + ... step by step
    out = EXERCISES["recursive_forecast"].reference(np.array([[1.0, 2.0]]), 3, np.array([0.5, 1.0]), 1.0)
    # 0.5*1 + 2 + 1 = 3.5; 0.5*2 + 3.5 + 1 = 5.5; 0.5*3.5 + 5.5 + 1 = 8.25
    assert np.allclose(out, [[3.5, 5.5, 8.25]])


def test_window_reference_matches_the_definition():
    series = np.arange(10.0)
    X, y = EXERCISES["sliding_windows"].reference(series, 3, 2)
    assert X.shape == (6, 3, 1) and y.shape == (6, 2)
    assert X[0, :, 0].tolist() == [0, 1, 2] and y[0].tolist() == [3, 4] and y[-1].tolist() == [8, 9]


def test_shipped_csv_is_what_its_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_demand_csv", FOLDER / "data" / "make_demand_csv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.write(tmp_path / "demand.csv")
    shipped = FOLDER / "data" / "demand.csv"
    assert fresh.read_bytes() == shipped.read_bytes(), "rerun source/09_forecasting/data/make_demand_csv.py"
    assert shipped.stat().st_size < 20_000
    demand = data.load_series_csv(shipped, "demand_mwh")
    assert demand.shape == (365,) and np.all(np.isfinite(demand))


@pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_isolated_grader_gives_the_solution_full_marks(name):
    from course import integrity

    verdict = integrity.judge(EXERCISES[name], solution_cells()[name], seed=3)
    assert verdict.score == EXERCISES[name].points, verdict.message
