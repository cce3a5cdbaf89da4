"""Facts particular to the exercises of notebook 01_sequential_data: the notebook needs no
TensorFlow at all, n-gram counts in the wrong container get a clear message, and the naive
forecast repeats the last period. What holds for every exercise (reference, mistakes,
solution, demo mistake, delegation) is in tests/test_exercises.py."""

import numpy as np
import pytest

from rnnkit.checking import CheckFailed
from exercise_support import check, define, notebook_solutions, source_path

NOTEBOOK = "01_sequential_data"


def test_notebook_does_not_use_tensorflow():
    text = source_path(NOTEBOOK).read_text(encoding="utf-8")
    assert "import keras" not in text and "tensorflow" not in text


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
    fn = define(notebook_solutions(NOTEBOOK)["naive_forecast"], "naive_forecast")
    X = np.arange(12.0).reshape(2, 6, 1)
    np.testing.assert_array_equal(fn(X, 3, 1), [[5, 5, 5], [11, 11, 11]])
    np.testing.assert_array_equal(fn(X, 5, 2), [[4, 5, 4, 5, 4], [10, 11, 10, 11, 10]])
