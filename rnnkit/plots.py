"""The course's figures: gradient norms through time, gate activations, training curves, forecasts.

matplotlib only (never TensorFlow). Every function draws into the Axes it is given (or a new
figure), returns the Axes or Figure so a notebook can add to it, and never calls ``plt.show()``.
"""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_grad_norms", "plot_gate_heatmap", "plot_training_curves", "plot_forecast"]

# Lecture names of the gates and states, used as panel titles; sigmoid gates live in [0, 1],
# tanh outputs in [-1, 1], so each family gets a fixed colour scale that is comparable across
# panels and across models.
_GATE_TITLES = {
    "f": "forget gate $f$", "i": "input gate $i$", "o": "output gate $o$",
    "g": "candidate $g$", "z": "update gate $z$", "r": "reset gate $r$",
    "c": "cell state $c$", "h": "hidden state $h$",
}
_SIGMOID_GATES = ("f", "i", "o", "z", "r")
_TANH_OUTPUTS = ("g", "h")


def _new_axes(ax, figsize=(6.4, 3.6)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax


def _tidy(ax):
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def _check_dict(value, where, what):
    if not isinstance(value, Mapping):
        raise TypeError(f"{where} must be a dict {what}; got {type(value).__name__}")
    if len(value) == 0:
        raise ValueError(f"{where} is empty: give at least one entry {what}")


def _as_1d(value, where, what):
    """A 1-D float array; a trailing axis of size 1 (Keras' (N, 1) predictions) is dropped."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{where} must be a numeric array {what}; got {type(value).__name__}"
        ) from exc
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{where} must have shape {what}; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{where} is empty; expected shape {what}")
    return arr


def plot_grad_norms(norms, ax=None, log=True):
    """Plot ``||dL/dh_t||`` against the time step t, one line per model or setting.

    norms: dict label -> (T,) array of non-negative gradient norms (e.g. from
    ``rnnkit.bptt.grad_norms``); labels may have different T. ``log=True`` uses a logarithmic
    y axis, on which vanishing (or exploding) gradients appear as straight lines.
    Returns the Axes.

    Defined in notebook 03_bptt, section 3.5 "Vanishing and exploding gradients".
    Used in notebook 06_gru, section 6.2 "The update gate decides how long a pulse is remembered".
    """
    _check_dict(norms, "norms", "label -> (T,) gradient norms")
    ax = _new_axes(ax)
    for label, values in norms.items():
        arr = _as_1d(values, f"norms[{label!r}]", "(T,) (one norm per time step)")
        if np.isnan(arr).any():
            raise ValueError(f"norms[{label!r}] contains NaN: the gradients overflowed before "
                             "they were measured (try a smaller sequence length or weights)")
        if (arr < 0).any():
            raise ValueError(f"norms[{label!r}] has negative values (min {arr.min():.3g}); "
                             "a norm is never negative: pass ||dL/dh_t||, not dL/dh_t")
        steps = np.arange(1, arr.size + 1)
        ax.plot(steps, arr, marker="o", markersize=3, linewidth=1.5, label=str(label))
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # time steps are whole numbers
    ax.set_xlabel("time step $t$")
    ax.set_ylabel(r"$\|\partial L / \partial \mathbf{h}_t\|$" + (" (log scale)" if log else ""))
    ax.set_title("Gradient norm flowing back through time")
    ax.legend(frameon=False)
    _tidy(ax)
    return ax


def plot_gate_heatmap(gates, title=None):
    """Heatmaps of gate activations over one sequence: one panel per gate, time on the x axis,
    hidden unit on the y axis, each with its own colour bar.

    gates: dict name -> (T, H) array for one sequence, e.g. ``{"f": f, "i": i, "o": o, "g": g}``
    for an LSTM or ``{"z": z, "r": r, "g": g}`` for a GRU (all the same shape). Sigmoid gates
    (f i o z r) are drawn on a fixed [0, 1] scale and must lie in it; g and h on [-1, 1];
    other names (e.g. c) on a symmetric scale fitted to the data. Returns the Figure.

    Defined in notebook 05_lstm, section 5.6 "Looking inside the gates".
    Used in notebook 06_gru, section 6.2 "The update gate decides how long a pulse is remembered".
    """
    _check_dict(gates, "gates", "name -> (T, H) activations")
    arrays = {}
    for name, values in gates.items():
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"gates[{name!r}] must be a numeric array of shape (T, H); "
                            f"got {type(values).__name__}") from exc
        if arr.ndim != 2:
            hint = ""
            if arr.ndim == 3:
                hint = " (one sequence: pass gates[...][b] for batch element b)"
            raise ValueError(f"gates[{name!r}] must have shape (T, H) (time steps x hidden "
                             f"units){hint}; got shape {arr.shape}")
        arrays[name] = arr
    first_name, first = next(iter(arrays.items()))
    for name, arr in arrays.items():
        if arr.shape != first.shape:
            raise ValueError(f"all gates must have the same shape (T, H); gates[{first_name!r}] "
                             f"has {first.shape} but gates[{name!r}] has {arr.shape}")
        if name in _SIGMOID_GATES:
            lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
            if lo < -1e-6 or hi > 1 + 1e-6:
                raise ValueError(
                    f"gates[{name!r}] has values in [{lo:.3g}, {hi:.3g}] but a sigmoid gate lies "
                    "in [0, 1]: pass the gate activations sigmoid(...), not pre-activations"
                )

    n = len(arrays)
    t_steps, hidden = first.shape
    fig, axes = plt.subplots(1, n, figsize=(3.4 * n + 0.6, 3.2), layout="constrained",
                             squeeze=False)
    for ax, (name, arr) in zip(axes[0], arrays.items()):
        if name in _SIGMOID_GATES:
            cmap, vmin, vmax = "viridis", 0.0, 1.0
        elif name in _TANH_OUTPUTS:
            cmap, vmin, vmax = "RdBu_r", -1.0, 1.0
        else:
            bound = float(np.nanmax(np.abs(arr))) or 1.0
            cmap, vmin, vmax = "RdBu_r", -bound, bound
        # extent puts time step t (1-based, as in the lecture) at the centre of column t.
        image = ax.imshow(arr.T, aspect="auto", origin="lower", cmap=cmap, vmin=vmin, vmax=vmax,
                          interpolation="nearest",
                          extent=(0.5, t_steps + 0.5, -0.5, hidden - 0.5))
        fig.colorbar(image, ax=ax, shrink=0.9)
        ax.set_title(_GATE_TITLES.get(name, str(name)))
        ax.set_xlabel("time step $t$")
        ax.set_ylabel("hidden unit")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if title is not None:
        fig.suptitle(str(title))
    return fig


def _metric_values(history, label, metric):
    # Accept Keras History objects too (they keep the dict in .history) without importing Keras.
    if not isinstance(history, Mapping) and isinstance(getattr(history, "history", None), Mapping):
        history = history.history
    if not isinstance(history, Mapping):
        raise TypeError(f"histories[{label!r}] must be a dict metric -> list of values (or a "
                        f"Keras History); got {type(history).__name__}")
    if metric not in history:
        raise ValueError(f"histories[{label!r}] has no metric {metric!r}; it has "
                         f"{sorted(history)}")
    values = _as_1d(history[metric], f"histories[{label!r}][{metric!r}]", "(epochs,)")
    val_key = f"val_{metric}"
    val = None
    if val_key in history and not metric.startswith("val_"):
        val = _as_1d(history[val_key], f"histories[{label!r}][{val_key!r}]", "(epochs,)")
        if val.size != values.size:
            raise ValueError(f"histories[{label!r}]: {metric!r} has {values.size} epochs but "
                             f"{val_key!r} has {val.size}")
    return values, val


def plot_training_curves(histories, metric="loss", ax=None):
    """Plot a metric per epoch for several trained models: training solid, validation dashed.

    histories: dict label -> dict metric -> list of per-epoch values (``model.fit(...).history``
    or the History object itself); ``val_<metric>`` is drawn too when present. Returns the Axes.

    Defined in notebook 03_bptt, section 3.7 "Gradient clipping".
    Used in notebooks 05_lstm (section 5.5), 07_sentiment (section 7.6), 08_text_generation
    (section 8.3) and 09_forecasting (section 9.5).
    """
    _check_dict(histories, "histories", "label -> {metric: per-epoch values}")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a string such as 'loss'; got {type(metric).__name__}")
    ax = _new_axes(ax)
    for label, history in histories.items():
        values, val = _metric_values(history, label, metric)
        epochs = np.arange(1, values.size + 1)
        (line,) = ax.plot(epochs, values, linewidth=1.8, label=f"{label} (training)")
        if val is not None:
            ax.plot(epochs, val, linestyle="--", linewidth=1.8, color=line.get_color(),
                    label=f"{label} (validation)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 2.5"
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"Training curves: {metric.replace('_', ' ')}")
    ax.legend(frameon=False)
    _tidy(ax)
    return ax


def plot_forecast(t, truth, forecasts, ax=None):
    """Plot a series and one or more forecasts of it.

    t: (N,) time steps; truth: (N,) observed values (N x 1 accepted); forecasts: dict label ->
    either an (N,) array aligned with ``t`` (NaN where there is no forecast) or a pair
    ``(t_f, y_f)`` of equal-length arrays for a forecast over part of the range. Returns the
    Axes.

    Defined in notebook 01_sequential_data, section 1.6 "Time series: sliding windows and the naive
    forecast".
    Used in notebook 09_forecasting, sections 9.5 "An LSTM forecaster" and 9.6 "Several steps ahead:
    direct or recursive".
    """
    t_arr = _as_1d(t, "t", "(N,) (time steps)")
    truth_arr = _as_1d(truth, "truth", "(N,) (one value per time step)")
    if truth_arr.size != t_arr.size:
        raise ValueError(f"truth must have the same length as t ({t_arr.size}); "
                         f"got {truth_arr.size}")
    _check_dict(forecasts, "forecasts", "label -> (N,) predictions or (t_f, y_f)")
    series = {}
    for label, value in forecasts.items():
        where = f"forecasts[{label!r}]"
        if isinstance(value, tuple):
            if len(value) != 2:
                raise ValueError(f"{where} as a tuple must be (t_f, y_f); got {len(value)} items")
            t_f = _as_1d(value[0], f"{where}[0] (t_f)", "(M,) (forecast time steps)")
            y_f = _as_1d(value[1], f"{where}[1] (y_f)", "(M,) (forecast values)")
            if t_f.size != y_f.size:
                raise ValueError(f"{where}: t_f has {t_f.size} steps but y_f has {y_f.size}")
        else:
            y_f = _as_1d(value, where, f"({t_arr.size},) aligned with t")
            if y_f.size != t_arr.size:
                raise ValueError(
                    f"{where} has {y_f.size} values but t has {t_arr.size}: pass an array "
                    "aligned with t (NaN where there is no forecast) or a pair (t_f, y_f)"
                )
            t_f = t_arr
        series[label] = (t_f, y_f)

    ax = _new_axes(ax, figsize=(7.5, 3.6))
    ax.plot(t_arr, truth_arr, color="black", linewidth=1.4, label="truth")
    for label, (t_f, y_f) in series.items():
        ax.plot(t_f, y_f, linestyle="--", linewidth=1.6, label=str(label))
    ax.set_xlabel("time step $t$")
    ax.set_ylabel("value $y_t$")
    ax.set_title("Forecast against the observed series")
    ax.legend(frameon=False)
    _tidy(ax)
    return ax
