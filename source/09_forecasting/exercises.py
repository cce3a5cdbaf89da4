"""Autograded exercises of notebook 09_forecasting: windows, honest normalisation, a linear
forecaster fitted by least squares and a recursive multi-step forecast.

The mistake models are the classic ways a forecasting pipeline goes wrong without any error
message: a target window that overlaps the inputs, statistics that peek at the test period, a
fit without intercept, and a "recursive" forecast that never feeds its predictions back.
"""

import numpy as np

from rnnkit import data
from course.cases import variants
from course.exercise import Exercise, Mistake, Out


def _series(rng, n):
    """A short noisy series with trend and a season, like the notebook's (level != 0)."""
    t = np.arange(n)
    period = int(rng.integers(4, 9))
    return (
        rng.normal(2.0, 1.0)
        + rng.uniform(0.02, 0.1) * t  # an upward trend: later splits sit higher
        + rng.uniform(0.5, 2.0) * np.sin(2 * np.pi * t / period)
        + rng.normal(0.0, 0.3, size=n)
    )


# ---------------------------------------------------------------------------------------------
# sliding_windows


def _windows_inputs(rng, hidden):
    if hidden:
        window, horizon = int(rng.integers(2, 9)), int(rng.integers(1, 5))
        n = window + horizon + int(rng.integers(3, 25))
    else:
        window, horizon, n = 4, 2, 12
    return {"series": _series(rng, n), "window": window, "horizon": horizon}


def _windows_reference(series, window, horizon):
    X, y = data.make_windows(series, window, horizon)
    return X, y


def _windows_variant(series, window, horizon, *, kind):
    target_shift = {"early": -1, "late": 1}.get(kind, 0)
    # a target shifted later runs out of series one window earlier
    n = len(series) - window - horizon + 1 - max(target_shift, 0) - (1 if kind == "drop_last" else 0)
    X = np.stack([series[i : i + window] for i in range(n)])[:, :, None]
    y = np.stack([series[i + window + target_shift : i + window + target_shift + horizon] for i in range(n)])
    return X, y


SLIDING_WINDOWS = Exercise(
    "sliding_windows", points=2, make_inputs=_windows_inputs, reference=_windows_reference,
    outputs=(
        Out("X", doc="(windows, window, 1): inputs series[i : i + window]"),
        Out("y", doc="(windows, horizon): targets series[i + window : i + window + horizon]"),
    ),
    mistakes=variants(_windows_variant, {
        "early": "the target starts one step too early, so it overlaps the last input value (an "
                 "off-by-one that leaks the answer into the input). The target of window i is "
                 "series[i + window : i + window + horizon].",
        "drop_last": "the last window is missing: a series of length n has n - window - horizon + 1 "
                     "windows (range(n - window - horizon + 1)).",
        "late": "the target skips one step: the value right after the window, series[i + window], "
                "is the first thing to forecast.",
    }),
    forbidden=("rnnkit.data.make_windows", "keras"), rtol=0.0, atol=0.0,
    demo_mistake=("series[i + window : i + window + horizon]", "series[i + window - 1 : i + window - 1 + horizon]"),
)


# ---------------------------------------------------------------------------------------------
# standardise_splits


def _splits_inputs(rng, hidden):
    n = int(rng.integers(30, 80)) if hidden else 40
    # A trending series makes the later splits differ from the training period, as in real data.
    series = _series(rng, n) + np.linspace(0.0, rng.uniform(2.0, 5.0), n)
    a, b = int(0.6 * n), int(0.8 * n)
    return {"train": series[:a], "val": series[a:b], "test": series[b:]}


def _splits_reference(train, val, test):
    mean, std = float(np.mean(train)), float(np.std(train))
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, mean, std


def _splits_with(train, val, test, mean, std):
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, float(mean), float(std)


def _splits_leaky(train, val, test):
    everything = np.concatenate([train, val, test])
    return _splits_with(train, val, test, np.mean(everything), np.std(everything))


def _splits_each_own(train, val, test):
    parts = [(a - np.mean(a)) / np.std(a) for a in (train, val, test)]
    return (*parts, float(np.mean(train)), float(np.std(train)))


STANDARDISE_SPLITS = Exercise(
    "standardise_splits", points=2, make_inputs=_splits_inputs, reference=_splits_reference,
    outputs=(
        Out("train_n", doc="(n_train,)"),
        Out("val_n", doc="(n_val,)"),
        Out("test_n", doc="(n_test,)"),
        Out("mean", kind="float"),
        Out("std", kind="float"),
    ),
    mistakes=(
        Mistake("the mean and standard deviation come from the whole series, validation and test "
                "included. That leaks the future into training: use the training split's statistics "
                "for all three splits.", _splits_leaky),
        Mistake("each split is standardised with its own statistics. The model must see the "
                "validation and test periods on the training scale: use the training split's mean "
                "and std for all three.", _splits_each_own),
        Mistake("only the mean comes from the training split, the std from the whole series: both "
                "statistics must be the training split's.",
                lambda train, val, test: _splits_with(train, val, test, np.mean(train), np.std(np.concatenate([train, val, test])))),
        Mistake("the std is numpy's sample std (ddof=1); this course uses np.std(train), the "
                "population std (ddof=0), like Keras' Normalization layer.",
                lambda train, val, test: _splits_with(train, val, test, np.mean(train), np.std(train, ddof=1))),
        Mistake("the data are divided by the variance; divide by the standard deviation, np.std(train).",
                lambda train, val, test: _splits_with(train, val, test, np.mean(train), np.var(train))),
    ),
    forbidden=("keras",),
    demo_mistake=("mean, std = np.mean(train), np.std(train)", "mean, std = np.mean(np.concatenate([train, val, test])), np.std(np.concatenate([train, val, test]))"),
)


# ---------------------------------------------------------------------------------------------
# fit_linear_forecaster


def _fit_inputs(rng, hidden):
    if hidden:
        window, horizon = int(rng.integers(2, 8)), int(rng.integers(1, 4))
        n = int(rng.integers(3 * window + 5, 80))
    else:
        window, horizon, n = 4, 2, 30
    X = rng.normal(1.0, 1.0, size=(n, window))
    w = rng.normal(0.0, 0.5, size=(window, horizon))
    b = rng.normal(1.0, 1.0, size=(horizon,))
    y = X @ w + b + rng.normal(0.0, 0.1, size=(n, horizon))
    return {"X": X, "y": y}


def _fit_reference(X, y):
    A = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return coef[:-1], coef[-1]


def _fit_no_intercept(X, y):
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return w, np.zeros(y.shape[1])


def _fit_mean_bias(X, y):
    w, *_ = np.linalg.lstsq(X, y - y.mean(axis=0), rcond=None)
    return w, y.mean(axis=0)


FIT_LINEAR_FORECASTER = Exercise(
    "fit_linear_forecaster", points=2, make_inputs=_fit_inputs, reference=_fit_reference,
    outputs=(Out("w", doc="(window, horizon)"), Out("b", doc="(horizon,)")),
    mistakes=(
        Mistake("the model has no intercept (b = 0). Append a column of ones to X, solve the least "
                "squares problem, and split the last row of the solution off as b.", _fit_no_intercept),
        Mistake("only y is centred: w was fitted to y - mean(y) on the raw X, and b set to mean(y). "
                "Fit w and b together (a column of ones in X) so that they are the least squares solution.",
                _fit_mean_bias),
    ),
    forbidden=("keras",), rtol=1e-6, atol=1e-8,
    demo_mistake=("np.ones((X.shape[0], 1))", "np.zeros((X.shape[0], 1))"),
)


# ---------------------------------------------------------------------------------------------
# recursive_forecast


def _recursive_inputs(rng, hidden):
    if hidden:
        n, window, horizon = int(rng.integers(1, 5)), int(rng.integers(2, 8)), int(rng.integers(2, 7))
    else:
        n, window, horizon = 2, 4, 3
    w = rng.normal(0.0, 0.5, size=(window,))
    w[-1] += 0.5  # like a fitted model: the newest value matters most
    return {"x": rng.normal(size=(n, window)), "horizon": horizon, "w": w, "b": float(rng.normal(0.0, 0.5))}


def _recursive_reference(x, horizon, w, b):
    # Written out here: rnnkit has no linear forecaster (the notebook's Keras model is recursive
    # in the same way, see its section 9.6).
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window[:, 1:], step[:, None]], axis=1)
    return np.stack(preds, axis=1)


def _recursive_no_feedback(x, horizon, w, b):
    return np.repeat((x @ w + b)[:, None], horizon, axis=1)


def _recursive_wrong_end(x, horizon, w, b):
    window, preds = np.array(x, dtype=float), []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([step[:, None], window[:, :-1]], axis=1)
    return np.stack(preds, axis=1)


def _recursive_persist(x, horizon, w, b):
    window, preds = np.array(x, dtype=float), []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window[:, 1:], window[:, -1:]], axis=1)
    return np.stack(preds, axis=1)


RECURSIVE_FORECAST = Exercise(
    "recursive_forecast", points=2, make_inputs=_recursive_inputs, reference=_recursive_reference,
    outputs=(Out("forecast", doc="(batch, horizon)"),),
    mistakes=(
        Mistake("every step repeats the first prediction: the window never changes. After each step "
                "drop the oldest value and append the prediction, then predict again.", _recursive_no_feedback),
        Mistake("the prediction is put at the front of the window. The window is in time order, "
                "oldest first: drop window[:, 0] and append the prediction at the end.", _recursive_wrong_end),
        Mistake("the window is extended with its own last value instead of the prediction: feed the "
                "model's prediction back in.", _recursive_persist),
    ),
    forbidden=("keras",),
    demo_mistake=("window = np.concatenate([window[:, 1:], step[:, None]], axis=1)",
                  "window = np.concatenate([window[:, 1:], window[:, -1:]], axis=1)"),
)


EXERCISES = (SLIDING_WINDOWS, STANDARDISE_SPLITS, FIT_LINEAR_FORECASTER, RECURSIVE_FORECAST)
