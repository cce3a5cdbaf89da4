# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 9. Forecasting a time series
#
# Forecasting looks like the easiest sequence task: the labels are free, they are simply the
# future of the series. That is also what makes it treacherous. A pipeline can peek at the
# future in half a dozen quiet ways, none of which raises an error, and then report a test score
# it will never reach in use. In this notebook you build an honest pipeline from the ground up
# and will be able to
#
# - cut a series into (window, target) pairs and split them *in time order*;
# - normalise with statistics of the training period only;
# - measure every model against baselines that cost nothing: the last value, the value one
#   season ago, and a linear model fitted by least squares;
# - train a small LSTM forecaster in Keras and check it against every baseline;
# - forecast several steps ahead, either directly (one output per step) or recursively
#   (feeding predictions back in), and see how the errors grow.
#
# The measure throughout is the mean absolute error, `MAE = mean |y - ŷ|`, in the units of the
# series.
#
# **Time.** Core: about 30 minutes (sections 9.1 to 9.6, Exercises 9.1 to 9.4, Question 9.1).
# Optional: section 9.7 (a series from a CSV file), about 10 minutes.

# %%
import numpy as np
import matplotlib.pyplot as plt

from rnnkit import keras_bridge  # first: TensorFlow without its start-up log lines
import keras

from rnnkit import data, plots
from rnnkit.checking import check

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 9.1 A series with trend, season and noise
#
# Our main series is generated, so that everybody gets the same numbers: 1000 hourly readings of
# a sensor with a slow upward drift, a daily cycle (period 24) and measurement noise,
#
# $$y_t = 10 + 0.01\,t + 2 \sin(2\pi t / 24) + 0.4\,\varepsilon_t, \qquad \varepsilon_t \sim N(0, 1).$$

# %%
PERIOD = 24
series = data.time_series(1000, level=10.0, trend=0.01, season_period=PERIOD,
                          season_amplitude=2.0, noise=0.4, seed=0)
time = np.arange(series.size)

fig, (ax_all, ax_zoom) = plt.subplots(1, 2, figsize=(11, 3.2), layout="constrained")
ax_all.plot(time, series, linewidth=0.7)
ax_all.set(title="The whole series", xlabel="hour $t$", ylabel="$y_t$")
ax_zoom.plot(time[:96], series[:96], marker=".", linewidth=0.8)
ax_zoom.set(title="The first four days", xlabel="hour $t$")
plt.show()

# %% [markdown]
# ## 9.2 From a series to supervised examples
#
# A forecaster sees a *window* of the last `window` values and predicts the next `horizon`
# values. Window `i` holds `series[i : i + window]` and its target is
# `series[i + window : i + window + horizon]`: the target starts right *after* the window. A
# series of length `n` gives `n - window - horizon + 1` windows. Keras' recurrent layers want
# inputs shaped `(batch, time, features)`, so `X` carries a trailing feature axis of size 1.
#
# **Exercise 9.1 (2 points, core).** Write `sliding_windows(series, window, horizon)`.

# %% nbgrader={"solution": true, "grade_id": "sliding_windows"}
def sliding_windows(series, window, horizon):
    """Cut a 1-D series (n,) into inputs X (N, window, 1) and targets y (N, horizon),
    N = n - window - horizon + 1, X[i] = series[i : i + window], y[i] the next horizon values."""
    ### BEGIN SOLUTION
    n = len(series) - window - horizon + 1
    X = np.stack([series[i : i + window] for i in range(n)])[:, :, None]
    y = np.stack([series[i + window : i + window + horizon] for i in range(n)])
    return X, y
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "sliding_windows_test", "points": 2}
check("sliding_windows", sliding_windows)
### BEGIN HIDDEN TESTS
check("sliding_windows", sliding_windows, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# `rnnkit.data.make_windows` does the same with fancy indexing (no Python loop); we use it from
# here on. A tiny series makes the layout visible:

# %%
X_demo, y_demo = data.make_windows(np.arange(8.0), window=3, horizon=2)
for x_row, y_row in zip(X_demo[:, :, 0], y_demo):
    print(x_row, "->", y_row)

# %% [markdown]
# ## 9.3 Splitting in time, normalising with the past only
#
# Shuffling windows into train and test sets would put hours from the "future" into the
# training set, right next to the test hours they overlap with. We split *in time* instead:
# the first 70 % of the hours are for training, the next 15 % for validation (choosing epochs
# and settings), the last 15 % for the final test. A window belongs to the split in which its
# **target** lies; its inputs may reach back into the previous split, which is fine, because at
# forecast time the past is known.
#
# Neural networks train best on inputs of order 1, so we standardise: `(y - mean) / std`. The
# mean and std must come from the **training** part alone: the validation and test periods are
# the future, and their statistics are unknown when the forecaster is built. On a trending
# series this matters: about half of the test hours lie above the highest value of the training
# period (checked below), and the test period's own statistics would quietly tell the model so.
#
# **Exercise 9.2 (2 points, core).** Write `standardise_splits(train, val, test)` returning the three
# standardised parts and the statistics used, `(train_n, val_n, test_n, mean, std)`. Use the
# population standard deviation `np.std(train)`.

# %% nbgrader={"solution": true, "grade_id": "standardise_splits"}
def standardise_splits(train, val, test):
    """Standardise three consecutive parts of a series with the training part's statistics.
    Returns (train_n, val_n, test_n, mean, std); each part keeps its shape."""
    ### BEGIN SOLUTION
    mean, std = np.mean(train), np.std(train)
    return (train - mean) / std, (val - mean) / std, (test - mean) / std, mean, std
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "standardise_splits_test", "points": 2}
check("standardise_splits", standardise_splits)
### BEGIN HIDDEN TESTS
check("standardise_splits", standardise_splits, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Now the whole pipeline. We standardise the full series with the training statistics (the same
# numbers for every part), cut it into windows once, and sort the windows into splits by the
# index of their target. `split_of` is a small helper that we reuse for every horizon.

# %%
N_TRAIN, N_VAL = 700, 850  # hours [0, 700) train, [700, 850) validation, [850, 1000) test
WINDOW = 24                # one day of history

mean, std = series[:N_TRAIN].mean(), series[:N_TRAIN].std()
scaled = (series - mean) / std


def split_of(horizon):
    """Windows of `scaled` for a given horizon, split by where their first target lies.
    Returns {"train"|"val"|"test": (X (N, WINDOW, 1), y (N, horizon), target start index)}."""
    X, y = data.make_windows(scaled, WINDOW, horizon)
    start = np.arange(len(X)) + WINDOW
    # a target may not run past the end of its split (no training target inside validation)
    end = start + horizon
    parts = {"train": (start, end <= N_TRAIN), "val": (start, (start >= N_TRAIN) & (end <= N_VAL)),
             "test": (start, start >= N_VAL)}
    return {k: (X[m], y[m], s[m]) for k, (s, m) in parts.items()}


one_step = split_of(1)
for name, (X, y, start) in one_step.items():
    print(f"{name:5s}: X {X.shape}, y {y.shape}, targets at hours {start[0]}..{start[-1]}")
above_training = float(np.mean(series[N_VAL:] > series[:N_TRAIN].max()))
print(f"training statistics: mean {mean:.3f}, std {std:.3f};  "
      f"test period mean {series[N_VAL:].mean():.3f}; {above_training:.0%} of test hours above the training maximum")
assert series[N_VAL:].mean() > series[:N_TRAIN].max() - std and 0.4 < above_training < 0.65, \
    "the prose says: about half of the test hours lie above everything seen in training"

# %% [markdown]
# ## 9.4 Baselines that cost nothing
#
# Any forecaster worth training has to beat these:
#
# - **naive**: tomorrow looks like today; the forecast is the last value of the window;
# - **seasonal naive**: the forecast is the value one period earlier, `y_{t+1-24}`;
# - **linear**: `ŷ = x w + b`, a weighted sum of the window's values, fitted by least squares on
#   the training windows. With an intercept `b` this is a closed-form problem: append a column
#   of ones to `X` and solve `min ||[X, 1] θ - y||²` with `np.linalg.lstsq`; the last row of
#   `θ` is `b`.
#
# **Exercise 9.3 (2 points, core).** Write `fit_linear_forecaster(X, y)` for `X (N, window)` and
# `y (N, horizon)` returning `(w (window, horizon), b (horizon,))`.

# %% nbgrader={"solution": true, "grade_id": "fit_linear_forecaster"}
def fit_linear_forecaster(X, y):
    """Least-squares fit of y ≈ X @ w + b. X (N, window), y (N, horizon).
    Returns w (window, horizon) and b (horizon,)."""
    ### BEGIN SOLUTION
    A = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    return theta[:-1], theta[-1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "fit_linear_forecaster_test", "points": 2}
check("fit_linear_forecaster", fit_linear_forecaster)
### BEGIN HIDDEN TESTS
check("fit_linear_forecaster", fit_linear_forecaster, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Errors are reported in the units of the series, so predictions are mapped back with the
# training statistics before the MAE is taken.

# %%
def mae(y_true, y_pred):
    """Mean absolute error in the series' units (inputs are standardised values)."""
    return float(np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred)))) * std


X_tr, y_tr, _ = one_step["train"]
X_te, y_te, t_te = one_step["test"]
one_step_preds = {"naive": X_te[:, -1], "seasonal naive": X_te[:, -PERIOD]}
test_mae = {name: mae(y_te, pred) for name, pred in one_step_preds.items()}
for name, value in test_mae.items():
    print(f"{name:15s} test MAE {value:.3f}")

# %% [markdown]
# The linear model, fitted with your `fit_linear_forecaster` on the training windows:

# %%
w_lin, b_lin = fit_linear_forecaster(X_tr[:, :, 0], y_tr)
one_step_preds["linear"] = X_te[:, :, 0] @ w_lin + b_lin
test_mae["linear"] = mae(y_te, one_step_preds["linear"])
print(f"linear          test MAE {test_mae['linear']:.3f}")
noise_mae = 0.4 * np.sqrt(2 / np.pi)
assert 0.85 * noise_mae < test_mae["linear"] < 1.1 * noise_mae, "the linear model should sit at the noise floor"

# %% [markdown]
# The noise alone has a mean absolute value of `0.4 · sqrt(2/π) ≈ 0.32`: no forecaster can go
# much below that (on 150 test hours, a little below by chance). The linear model on a day of
# history is already close, which is no accident:
# a sine plus a line obeys an exact linear recursion, so a weighted sum of past values
# represents it perfectly. Keep that in mind when judging the LSTM below.
#
# ## 9.5 An LSTM forecaster
#
# One more trap before training. Much of the test period lies above everything seen in training
# (the trend), and an LSTM's state passes through `tanh`: values outside the training range are off
# its map, and it would predict the training range's levels. We therefore hand the network each
# window *relative to its own last value* and ask for the *change*. The naive forecast is then
# the answer "zero change", and the LSTM only has to learn a correction to it, one that does not
# depend on the level of the series.

# %%
def relative(X, y=None):
    """Windows (and targets) minus each window's last value: level-free inputs."""
    last = X[:, -1, :]
    return (X - last[:, None, :]) if y is None else (X - last[:, None, :], y - last)


def make_lstm(horizon, units=16):
    """A small forecaster: LSTM over the window, a linear read-out of `horizon` values."""
    model = keras.Sequential([keras.Input((WINDOW, 1)), keras.layers.LSTM(units),
                              keras.layers.Dense(horizon)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


keras.utils.set_random_seed(0)
lstm_1 = make_lstm(horizon=1)
X_va, y_va, _ = one_step["val"]
history_1 = lstm_1.fit(*relative(X_tr, y_tr), validation_data=relative(X_va, y_va),
                       epochs=10, batch_size=32, verbose=0)
lstm_pred = lstm_1.predict(relative(X_te), verbose=0) + X_te[:, -1]
test_mae["LSTM"] = mae(y_te, lstm_pred)
print(f"LSTM            test MAE {test_mae['LSTM']:.3f}")

# %% [markdown]
# Training and validation error per epoch (in standardised units: multiply by `std` for the
# series' units). The validation curve is what we would watch to choose the number of epochs.

# %%
plots.plot_training_curves({"LSTM, one step": history_1.history}, metric="mae")
plt.show()

# %% [markdown]
# The claims of this section, checked on every run: the LSTM beats the naive forecast on the
# test period by a clear margin (at least 20 % lower MAE), it also beats the seasonal naive
# forecast, and it does not beat the linear model.

# %%
ratio = test_mae["LSTM"] / test_mae["naive"]
print(f"LSTM MAE / naive MAE = {ratio:.2f}")
assert ratio < 0.8, f"the LSTM should beat the naive forecast clearly, but its MAE is {ratio:.0%} of naive"
assert test_mae["linear"] < test_mae["LSTM"] < test_mae["seasonal naive"], "seasonal naive > LSTM > linear, one step ahead"

# %% [markdown]
# And the forecast against the truth for the first three days of the test period:

# %%
show = slice(0, 72)
plots.plot_forecast(t_te[show], y_te[show, 0] * std + mean,
                    {"naive": one_step_preds["naive"][show, 0] * std + mean,
                     "LSTM": lstm_pred[show, 0] * std + mean})
plt.show()

# %% [markdown]
# ## 9.6 Several steps ahead: direct or recursive
#
# To forecast the next 12 hours there are two strategies.
#
# - **Direct**: one model with 12 outputs, trained on 12-step targets. Each output is fitted to
#   its own horizon.
# - **Recursive**: reuse the one-step model. Predict one step, drop the oldest value of the
#   window, append the prediction, predict again, 12 times. One model serves every horizon, but
#   from the second step on it reads its own, imperfect, predictions as if they were data.
#
# **Exercise 9.4 (2 points, core).** Write `recursive_forecast(x, horizon, w, b)` for the one-step linear
# model `ŷ = x @ w + b` (`w (window,)`, `b` a number): `x (N, window)` holds N windows, oldest
# value first; return the forecasts `(N, horizon)`.

# %% nbgrader={"solution": true, "grade_id": "recursive_forecast"}
def recursive_forecast(x, horizon, w, b):
    """Forecast `horizon` steps with a one-step linear model fed back on its own predictions.
    x (N, window), w (window,), b float. Returns (N, horizon)."""
    ### BEGIN SOLUTION
    window = np.array(x, dtype=float)
    preds = []
    for _ in range(horizon):
        step = window @ w + b
        preds.append(step)
        window = np.concatenate([window[:, 1:], step[:, None]], axis=1)
    return np.stack(preds, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "recursive_forecast_test", "points": 2}
check("recursive_forecast", recursive_forecast)
### BEGIN HIDDEN TESTS
check("recursive_forecast", recursive_forecast, hidden=True)
### END HIDDEN TESTS

# %% [markdown]
# Now all six forecasters over 12 hours, on the same test windows: the two naive baselines, the
# linear model (direct: `fit_linear_forecaster` on 12-step targets; recursive: your function with
# the one-step fit), and the LSTM (direct: a second network with 12 outputs; recursive: the
# one-step network above, fed back).

# %%
HORIZON = 12
multi = split_of(HORIZON)
X_tr12, y_tr12, _ = multi["train"]
X_te12, y_te12, t_te12 = multi["test"]
last = X_te12[:, -1]  # (N, 1)

keras.utils.set_random_seed(0)
lstm_12 = make_lstm(horizon=HORIZON)
lstm_12.fit(*relative(X_tr12, y_tr12), epochs=10, batch_size=32, verbose=0)


def lstm_recursive(model, X, horizon):
    """Feed the one-step LSTM its own predictions; X (N, WINDOW, 1) -> (N, horizon)."""
    window, preds = X.copy(), []
    for _ in range(horizon):
        step = keras.ops.convert_to_numpy(model(relative(window))) + window[:, -1]
        preds.append(step[:, 0])
        window = np.concatenate([window[:, 1:], step[:, :, None]], axis=1)
    return np.stack(preds, axis=1)


multi_preds = {
    "naive": np.repeat(last, HORIZON, axis=1),
    "seasonal naive": X_te12[:, -PERIOD:-PERIOD + HORIZON, 0],
    "LSTM, direct": keras.ops.convert_to_numpy(lstm_12(relative(X_te12))) + last,
    "LSTM, recursive": lstm_recursive(lstm_1, X_te12, HORIZON),
}

# %% [markdown]
# The two linear forecasters use your functions:

# %%
w12, b12 = fit_linear_forecaster(X_tr12[:, :, 0], y_tr12)
multi_preds["linear, direct"] = X_te12[:, :, 0] @ w12 + b12
multi_preds["linear, recursive"] = recursive_forecast(X_te12[:, :, 0], HORIZON, w_lin[:, 0], float(b_lin[0]))

# %%
mae_by_step = {name: np.mean(np.abs(pred - y_te12), axis=0) * std for name, pred in multi_preds.items()}
for name, errors in mae_by_step.items():
    print(f"{name:18s} MAE at +1 h {errors[0]:.3f}, at +12 h {errors[-1]:.3f}, mean {errors.mean():.3f}")

fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
for name, errors in mae_by_step.items():
    ax.plot(np.arange(1, HORIZON + 1), errors, marker=".", label=name,
            linestyle="--" if "recursive" in name else "-")
ax.set(xlabel="hours ahead", ylabel="test MAE (log scale)", yscale="log",
       title="How forecast errors grow with the horizon")
ax.legend(frameon=False, ncol=2, fontsize="small")
plt.show()

# %%
# The claims of the next paragraph, checked on every run (means over the 12 horizons).
mean_mae = {name: errors.mean() for name, errors in mae_by_step.items()}
for name in ("LSTM, direct", "LSTM, recursive"):
    assert mean_mae[name] < 0.8 * mean_mae["naive"], f"{name} should beat the naive forecast clearly"
    assert mean_mae[name] > mean_mae["linear, recursive"], f"{name} should not beat the exact linear recursion"
print({name: round(float(value), 3) for name, value in mean_mae.items()})
seasonal, recursive = mae_by_step["seasonal naive"], mae_by_step["LSTM, recursive"]
assert np.all(np.diff(mae_by_step["naive"]) > 0), "the naive forecast should get worse with every hour"
assert np.ptp(seasonal) < 0.05, "the seasonal naive forecast should be about equally good at every horizon"
assert max(mean_mae["linear, direct"], mean_mae["linear, recursive"]) < 1.1 * noise_mae, "linear: at the noise floor"
assert mean_mae["LSTM, direct"] < mean_mae["seasonal naive"], "the direct LSTM should beat the seasonal naive forecast"
assert recursive[0] < seasonal[0] and recursive[-1] > seasonal[-1], \
    "the recursive LSTM should start below the seasonal naive forecast and end above it"
print(f"training windows: {len(X_tr)} one step ahead, {len(X_tr12)} twelve steps ahead")
assert (len(X_tr), len(X_tr12)) == (676, 665), "the window counts quoted below"

# %% [markdown]
# The naive forecast gets worse with every hour, since the daily cycle moves on while it stands
# still; the seasonal naive forecast is equally good (or bad) at every horizon. Both linear
# variants stay close to the noise floor, because the recursion they learn is the true one.
#
# For the LSTMs the picture is less tidy, and it changes from one training run to the next (try
# another seed in `keras.utils.set_random_seed`). The recursive variant reads its own
# predictions as data, so any bias of the one-step network is fed back and grows with the
# horizon: in this run it starts as the better LSTM and ends *worse than the seasonal naive
# forecast*, which costs nothing. The direct variant has no feedback, but its 12 outputs are
# learned from 665 windows (11 fewer than the 676 of the one-step split: a 12-hour target must
# end inside the training period), a harder fitting problem; here its mean error over the 12
# hours is below the seasonal naive forecast's. Both stay far below the plain naive forecast and above
# the linear model. Had we compared the LSTMs with the plain naive forecast only, both would
# have looked good: that is why the baselines are always reported together.
#
# And one 12-hour forecast drawn against the truth:

# %%
i = 30  # one test window
t_window = np.arange(t_te12[i] - WINDOW, t_te12[i])
t_future = np.arange(t_te12[i], t_te12[i] + HORIZON)
t_plot = np.concatenate([t_window, t_future])
truth = series[t_plot]
plots.plot_forecast(t_plot, truth, {name: (t_future, multi_preds[name][i] * std + mean)
                                    for name in ("naive", "linear, recursive", "LSTM, direct",
                                                 "LSTM, recursive")})
plt.axvline(t_te12[i] - 0.5, color="grey", linewidth=0.8)
plt.show()

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_leakage", "points": 2}
# **Question 9.1 (2 points, written, core).** A colleague standardises the whole series with `series.mean()` and
# `series.std()` before splitting, and shuffles the windows before cutting off 15 % for testing.
# Explain, for each of the two choices, what information from the future reaches the model, and
# why the reported test MAE would be too optimistic.
#
# ### BEGIN SOLUTION
# *Statistics of the whole series.* The mean and std then include the validation and test hours.
# On a trending series the test period is higher than the training period; with the global mean
# the test inputs land in a range the model has been trained on, and the scaling itself encodes
# the future level. In use, the statistics of the coming period are unknown, so the model would
# face inputs off its training range: the reported MAE hides that failure.
#
# *Shuffled windows.* Consecutive windows overlap in all but one value, so a shuffled test
# window has near-copies among the training windows, including windows whose inputs contain its
# target. The test then measures interpolation between known neighbours, not forecasting of an
# unseen future; the MAE is too low. Splitting in time order (and assigning a window to the split
# of its target) avoids both leaks.
# ### END SOLUTION

# %% [markdown]
# ## 9.7 A series from a CSV file
#
# Real data arrive as files. `data/demand.csv` (shipped with this notebook, about 8 KB) holds one
# year of daily electricity demand with a date column and the day's temperature; it was produced
# by `data/make_demand_csv.py` in the course repository, a documented generator standing in for a
# utility's export. `rnnkit.data.load_series_csv(path, column)` reads one numeric column by name
# and fails with a message that lists the columns when the name is wrong:

# %%
try:
    data.load_series_csv("data/demand.csv", "demand")
except KeyError as err:
    print("KeyError:", err)

demand = data.load_series_csv("data/demand.csv", "demand_mwh")
print(demand.shape, demand[:7])

# %%
fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
ax.plot(demand, linewidth=0.8)
ax.set(xlabel="day of 2023", ylabel="demand (MWh)", title="Daily electricity demand: winter peak, weekly dips")
plt.show()

# %% [markdown]
# The weekly rhythm (quiet weekends) suggests a seasonal naive forecast with period 7. The same
# honest recipe applies: split in time, standardise with the training part, compare with the
# baselines. Four weeks of history per window:

# %%
D_TRAIN, D_WINDOW, D_PERIOD = 292, 28, 7  # train on the first 292 days, test on the last 73
d_mean, d_std = demand[:D_TRAIN].mean(), demand[:D_TRAIN].std()
Xd, yd = data.make_windows((demand - d_mean) / d_std, D_WINDOW, 1)
target_day = np.arange(len(Xd)) + D_WINDOW
train_d, test_d = target_day < D_TRAIN, target_day >= D_TRAIN
w_d, b_d = fit_linear_forecaster(Xd[train_d, :, 0], yd[train_d])
demand_preds = {"naive": Xd[test_d, -1], "seasonal naive (7 days)": Xd[test_d, -D_PERIOD],
                "linear": Xd[test_d, :, 0] @ w_d + b_d}
demand_mae = {name: float(np.mean(np.abs(pred - yd[test_d]))) * d_std for name, pred in demand_preds.items()}
for name, value in demand_mae.items():
    print(f"{name:24s} test MAE {value:5.1f} MWh")
assert demand_mae["linear"] < demand_mae["seasonal naive (7 days)"] < demand_mae["naive"]

# %% [markdown]
# Here the order of the baselines is naive, then seasonal naive, then linear: the weekly pattern
# is worth more than yesterday's value, and a weighted combination of the last four weeks is
# worth more still. That ordering, not a single number, is what a forecaster must improve on.
#
# ## Summary
#
# - Windows: `X[i] = series[i : i + window]`, `y[i] = series[i + window : i + window + horizon]`.
# - Split in time; a window belongs to the split of its target; normalise with training
#   statistics only.
# - Always report the naive, seasonal naive and linear baselines next to a neural forecaster.
# - Feed an LSTM level-free windows (relative to the last value) when the series trends.
# - Direct multi-step models train one output per horizon; recursive ones reuse a one-step model
#   and accumulate their own errors.
