"""Autograded exercises of notebook 09_forecasting: windows, honest normalisation, a linear
forecaster fitted by least squares and a recursive multi-step forecast.

The mistake models are the classic ways a forecasting pipeline goes wrong without any error
message: a target window that overlaps the inputs, statistics that peek at the test period, a
fit without intercept, and a "recursive" forecast that never feeds its predictions back.
"""

import numpy as np

from rnnkit import data
from course.cases import variants
from course.exercise import Exercise, Mistake, Out, outs


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
    starts = range(0, n, window if kind == "stride" else 1)
    X = np.stack([series[i : i + window] for i in starts])[:, :, None]
    y = np.stack([series[i + window + target_shift : i + window + target_shift + horizon] for i in starts])
    return X, y


SLIDING_WINDOWS = Exercise(
    "sliding_windows", points=2, make_inputs=_windows_inputs, reference=_windows_reference,
    outputs=outs(X="(windows, window, 1): inputs series[i : i + window]",
                 y="(windows, horizon): targets series[i + window : i + window + horizon]"),
    mistakes=variants(_windows_variant, {
        "early": "the target starts one step too early, so it overlaps the last input value (an "
                 "off-by-one that leaks the answer into the input). The target of window i is "
                 "series[i + window : i + window + horizon].",
        "drop_last": "the last window is missing: a series of length n has n - window - horizon + 1 "
                     "windows (range(n - window - horizon + 1)).",
        "late": "the target skips one step: the value right after the window, series[i + window], "
                "is the first thing to forecast.",
        "stride": "the windows do not overlap: yours start every `window` steps. A window starts at EVERY "
                  "step, i = 0, 1, 2, ..., so consecutive windows overlap in all but one value and a series of "
                  "length n gives n - window - horizon + 1 of them: range(n - window - horizon + 1).",
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


def _splits_variant(train, val, test, *, kind):
    """Standardising with the slip ``kind``; the statistics returned are the ones used."""
    mean, std = np.mean(train), np.std(train)
    if kind == "train_val":
        mean, std = np.mean(np.concatenate([train, val])), np.std(np.concatenate([train, val]))
    if kind == "times_std":
        return (train - mean) * std, (val - mean) * std, (test - mean) * std, float(mean), float(std)
    if kind == "no_centre":
        return train / std, val / std, test / std, float(mean), float(std)
    if kind == "no_scale":
        return train - mean, val - mean, test - mean, float(mean), float(std)
    return _splits_with(train, val, test, mean, std)


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
    ) + variants(_splits_variant, {
        "train_val": "the statistics come from training and validation together. Validation is the future too, "
                     "unknown while the model is built: take the mean and std of the training part alone and "
                     "apply them to all three parts.",
        "times_std": "the centred values are multiplied by the std. Standardising divides: (y - mean) / std, "
                     "so that the training part has mean 0 and std 1.",
        "no_centre": "the mean is not subtracted: the parts are only divided by the std. Standardise with "
                     "(y - mean) / std, the training part's mean and std for all three parts.",
        "no_scale": "the parts are centred but not divided by the std, so they keep the series' own scale. "
                    "Standardise fully: (y - mean) / std, with the training part's statistics.",
    }),
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


def _fit_ones_first(X, y):
    A = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    return coef[:-1], coef[-1]


def _fit_bias_afterwards(X, y):
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    return w, y.mean(axis=0) - X.mean(axis=0) @ w


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
        Mistake("the column of ones is the FIRST column of your [1, X], so b is the FIRST row of the solution, "
                "and w the rows after it; you read b from the last row. Either split theta[0] and theta[1:], "
                "or put the ones last, [X, 1], as the lecture does (then b = theta[-1]).", _fit_ones_first),
        Mistake("w was fitted without an intercept and b set afterwards from the means. Without the column of "
                "ones the fit forces the line through 0, so this w is not the least squares w of the model with "
                "b. Fit w and b TOGETHER: append a column of ones to X, solve once, and split off the last row as b.",
                _fit_bias_afterwards),
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
    # rnnkit has no linear forecaster (the notebook's Keras model is recursive in the same way, see
    # its section 9.6). Written on one growing series rather than the model answer's sliding
    # window, so the two are independent ways of computing the same forecast.
    N, window = np.shape(x)
    series = np.concatenate([np.asarray(x, dtype=float), np.zeros((N, horizon))], axis=1)
    for j in range(horizon):
        series[:, window + j] = series[:, j : window + j] @ w + b
    return series[:, window:]


def _recursive_no_feedback(x, horizon, w, b):
    return np.repeat((x @ w + b)[:, None], horizon, axis=1)


def _recursive_wrong_end(x, horizon, w, b):
    window, preds = np.array(x, dtype=float), []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([step[:, None], window[:, :-1]], axis=1)
    return np.stack(preds, axis=1)


def _recursive_variant(x, horizon, w, b, *, kind):
    window, preds = np.array(x, dtype=float), []
    for _ in range(horizon):
        step = window @ w + (0.0 if kind == "no_b" else b)
        preds.append(step)
        kept = window[:, :-1] if kind == "drop_newest" else window[:, 1:]
        window = np.concatenate([kept, step[:, None]], axis=1)
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
    ) + variants(_recursive_variant, {
        "drop_newest": "the newest value is dropped instead of the oldest. The window is in time order, oldest "
                       "first: keep window[:, 1:] (everything but the oldest) and append the prediction at the end.",
        "no_b": "the intercept b is missing: each step predicts window @ w + b.",
    }),
    forbidden=("keras",),
    # A window that grows (the prediction appended, nothing dropped) no longer fits w.
    hints={"ValueError": "The window must keep its length from step to step: w has one weight per value of the "
                         "window. After each prediction drop the oldest value, window[:, 1:], and append the "
                         "prediction as a new last column, step[:, None]."},
    demo_mistake=("window = np.concatenate([window[:, 1:], step[:, None]], axis=1)",
                  "window = np.concatenate([window[:, 1:], window[:, -1:]], axis=1)"),
)


EXERCISES = (SLIDING_WINDOWS, STANDARDISE_SPLITS, FIT_LINEAR_FORECASTER, RECURSIVE_FORECAST)
