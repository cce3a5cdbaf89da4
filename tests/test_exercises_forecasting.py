"""Facts particular to the exercises of notebook 09_forecasting: a Keras Normalization layer as
a cheat, trending inputs that make the standardisation leak visible, hand-checked references,
and the shipped CSV file, which must be exactly what its generator script writes. What holds
for every exercise (reference, mistakes, solution, demo mistake, delegation to rnnkit) is in
tests/test_exercises.py."""

import importlib.util

import numpy as np
import pytest

from rnnkit import data
from course.registry import get_exercise
from rnnkit.checking import CheckFailed
from exercise_support import check, source_path

FOLDER = source_path("09_forecasting").parent


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
    ex = get_exercise("standardise_splits")
    for seed in range(10):
        inputs = ex.make_inputs(np.random.default_rng(seed), True)
        assert inputs["test"].mean() > inputs["train"].mean() + 0.5 * inputs["train"].std()


def test_linear_reference_recovers_a_noiseless_model():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5))
    w, b = rng.normal(size=(5, 2)), rng.normal(size=2)
    w_hat, b_hat = get_exercise("fit_linear_forecaster").reference(X, X @ w + b)
    assert np.allclose(w_hat, w) and np.allclose(b_hat, b)


def test_recursive_reference_matches_a_hand_computed_case():
    # window [1, 2], y = 0.5 * older + 1 * newer + 1: 2*1 + ... step by step
    out = get_exercise("recursive_forecast").reference(np.array([[1.0, 2.0]]), 3, np.array([0.5, 1.0]), 1.0)
    # 0.5*1 + 2 + 1 = 3.5; 0.5*2 + 3.5 + 1 = 5.5; 0.5*3.5 + 5.5 + 1 = 8.25
    assert np.allclose(out, [[3.5, 5.5, 8.25]])


def test_window_reference_matches_the_definition():
    series = np.arange(10.0)
    X, y = get_exercise("sliding_windows").reference(series, 3, 2)
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
