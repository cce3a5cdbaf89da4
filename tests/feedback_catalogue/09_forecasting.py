"""Typical wrong answers for notebook 09_forecasting, written from its statements."""
from tests.feedback_catalogue import Wrong

WRONG = (
    # ------------------------------------------------------------------ sliding_windows
    Wrong("sliding_windows", "X has no trailing feature axis: (N, window) instead of (N, window, 1)",
          keywords=("feature axis", "trailing", "(n, window, 1)", "shape", "[:, :, none]"),
          source='''
def sliding_windows(series, window, horizon):
    n = len(series) - window - horizon + 1
    X = np.stack([series[i : i + window] for i in range(n)])
    y = np.stack([series[i + window : i + window + horizon] for i in range(n)])
    return X, y
'''),
    Wrong("sliding_windows", "counts n - window + 1 windows, forgetting the horizon, so the last targets run off the end",
          keywords=("horizon", "n - window - horizon + 1", "number of windows", "last window", "too many"),
          source='''
def sliding_windows(series, window, horizon):
    n = len(series) - window + 1
    X = np.stack([series[i : i + window] for i in range(n)])[:, :, None]
    y = np.stack([series[i + window : i + window + horizon] for i in range(n)])
    return X, y
'''),
    Wrong("sliding_windows", "the target is only the next value, (N,), instead of the next horizon values",
          keywords=("horizon", "shape", "(n, horizon)"),
          source='''
def sliding_windows(series, window, horizon):
    n = len(series) - window - horizon + 1
    X = np.stack([series[i : i + window] for i in range(n)])[:, :, None]
    y = np.array([series[i + window] for i in range(n)])
    return X, y
'''),
    Wrong("sliding_windows", "gives the targets a feature axis too: (N, horizon, 1)",
          keywords=("shape", "(n, horizon)", "feature axis", "targets"),
          source='''
def sliding_windows(series, window, horizon):
    n = len(series) - window - horizon + 1
    X = np.stack([series[i : i + window] for i in range(n)])[:, :, None]
    y = np.stack([series[i + window : i + window + horizon] for i in range(n)])[:, :, None]
    return X, y
'''),
    Wrong("sliding_windows", "moves the window by `window` steps (non-overlapping) instead of one step",
          keywords=("one step", "slide", "overlap", "stride", "every start"),
          source='''
def sliding_windows(series, window, horizon):
    starts = range(0, len(series) - window - horizon + 1, window)
    X = np.stack([series[i : i + window] for i in starts])[:, :, None]
    y = np.stack([series[i + window : i + window + horizon] for i in starts])
    return X, y
'''),
    # ------------------------------------------------------------------ standardise_splits
    Wrong("standardise_splits", "returns the three parts but not the statistics",
          keywords=("mean, std", "statistics", "five", "5 values"),
          source='''
def standardise_splits(train, val, test):
    mean, std = np.mean(train), np.std(train)
    return (train - mean) / std, (val - mean) / std, (test - mean) / std
'''),
    Wrong("standardise_splits", "multiplies by the std instead of dividing",
          keywords=("divide", "/ std"),
          source='''
def standardise_splits(train, val, test):
    mean, std = np.mean(train), np.std(train)
    return (train - mean) * std, (val - mean) * std, (test - mean) * std, mean, std
'''),
    Wrong("standardise_splits", "only subtracts the mean, never divides by the std",
          keywords=("std", "divide", "scale", "standard deviation"),
          source='''
def standardise_splits(train, val, test):
    mean, std = np.mean(train), np.std(train)
    return train - mean, val - mean, test - mean, mean, std
'''),
    Wrong("standardise_splits", "takes the statistics from training and validation together",
          keywords=("training part", "train alone", "only the training", "validation", "training split"),
          source='''
def standardise_splits(train, val, test):
    known = np.concatenate([train, val])
    mean, std = np.mean(known), np.std(known)
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, mean, std
'''),
    Wrong("standardise_splits", "returns std before mean",
          keywords=("order", "mean, std", "(train_n, val_n, test_n, mean, std)"),
          source='''
def standardise_splits(train, val, test):
    mean, std = np.mean(train), np.std(train)
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, std, mean
'''),
    # ------------------------------------------------------------------ fit_linear_forecaster
    Wrong("fit_linear_forecaster", "puts the column of ones first but still reads b from the last row",
          keywords=("last row", "column of ones", "first row", "order"),
          source='''
def fit_linear_forecaster(X, y):
    A = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[:-1], theta[-1]
'''),
    Wrong("fit_linear_forecaster", "slices b as theta[-1:], shape (1, horizon) instead of (horizon,)",
          keywords=("shape", "(horizon,)", "theta[-1]"),
          source='''
def fit_linear_forecaster(X, y):
    A = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[:-1], theta[-1:]
'''),
    Wrong("fit_linear_forecaster", "fits w without an intercept, then sets b = mean(y) - mean(X) @ w afterwards",
          keywords=("together", "column of ones", "jointly", "intercept", "same fit"),
          source='''
def fit_linear_forecaster(X, y):
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    b = y.mean(axis=0) - X.mean(axis=0) @ w
    return w, b
'''),
    Wrong("fit_linear_forecaster", "returns (b, w) in the wrong order",
          keywords=("order", "(w, b)", "first"),
          source='''
def fit_linear_forecaster(X, y):
    A = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[-1], theta[:-1]
'''),
    # ------------------------------------------------------------------ recursive_forecast
    Wrong("recursive_forecast", "appends each prediction without dropping the oldest value, so the window grows",
          keywords=("drop", "oldest", "slide", "same length", "window[:, 1:]"),
          source='''
def recursive_forecast(x, horizon, w, b):
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window, step[:, None]], axis=1)
    return np.stack(preds, axis=1)
'''),
    Wrong("recursive_forecast", "drops the newest value instead of the oldest before appending the prediction",
          keywords=("oldest", "window[:, 1:]", "drop the first", "first value"),
          source='''
def recursive_forecast(x, horizon, w, b):
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window[:, :-1], step[:, None]], axis=1)
    return np.stack(preds, axis=1)
'''),
    Wrong("recursive_forecast", "leaves out the intercept b",
          keywords=("bias", "intercept", "+ b"),
          source='''
def recursive_forecast(x, horizon, w, b):
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon):
        step = window @ w
        preds.append(step)
        window = np.concatenate([window[:, 1:], step[:, None]], axis=1)
    return np.stack(preds, axis=1)
'''),
    Wrong("recursive_forecast", "returns np.array(preds), shape (horizon, N)",
          keywords=("transpos", "axis", "(n, horizon)", "shape"),
          source='''
def recursive_forecast(x, horizon, w, b):
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window[:, 1:], step[:, None]], axis=1)
    return np.array(preds)
'''),
    Wrong("recursive_forecast", "the loop runs horizon - 1 times",
          keywords=("horizon", "every step", "range", "one step"),
          source='''
def recursive_forecast(x, horizon, w, b):
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon - 1):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window[:, 1:], step[:, None]], axis=1)
    return np.stack(preds, axis=1)
'''),
)
