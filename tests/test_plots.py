"""rnnkit.plots: each figure has the lines, images and labels it promises and rejects bad input."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnnkit import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# --- plot_grad_norms ------------------------------------------------------------------------


def test_grad_norms_lines_log_scale_and_labels():
    t = np.arange(20)
    norms = {"simple RNN": 0.5 ** t, "LSTM": 0.95 ** t, "exploding": 1.3 ** t}
    ax = plots.plot_grad_norms(norms)
    assert isinstance(ax, Axes)
    assert len(ax.get_lines()) == 3
    assert ax.get_yscale() == "log"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == list(norms)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 21))  # lecture's t = 1..T
    np.testing.assert_allclose(line.get_ydata(), norms["simple RNN"])
    assert "time step" in ax.get_xlabel()
    assert "partial L" in ax.get_ylabel()


def test_grad_norms_linear_on_given_axes_and_different_lengths():
    fig, ax = plt.subplots()
    out = plots.plot_grad_norms({"T=5": np.ones(5), "T=8": np.arange(8.0)}, ax=ax, log=False)
    assert out is ax
    assert ax.get_yscale() == "linear"
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [5, 8]


@pytest.mark.parametrize(
    "norms, error, words",
    [
        ([1.0, 2.0], TypeError, "norms must be a dict"),
        ({}, ValueError, "norms is empty"),
        ({"a": np.ones((3, 4))}, ValueError, "norms['a'] must have shape (T,)"),
        ({"a": [1.0, -0.5]}, ValueError, "negative"),
        ({"a": [1.0, np.nan]}, ValueError, "NaN"),
        ({"a": ["x", "y"]}, TypeError, "norms['a'] must be a numeric array"),
    ],
)
def test_grad_norms_bad_input(norms, error, words):
    with pytest.raises(error) as info:
        plots.plot_grad_norms(norms)
    assert words in str(info.value)


def test_grad_norms_rejects_non_axes():
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plots.plot_grad_norms({"a": np.ones(3)}, ax="left")


# --- plot_gate_heatmap ----------------------------------------------------------------------


def _lstm_like_gates(t_steps=12, hidden=5, seed=0):
    rng = np.random.default_rng(seed)
    gates = {name: _sigmoid(rng.normal(size=(t_steps, hidden))) for name in "fio"}
    gates["g"] = np.tanh(rng.normal(size=(t_steps, hidden)))
    return gates


def test_gate_heatmap_one_panel_per_gate_with_colour_bars():
    gates = _lstm_like_gates()
    fig = plots.plot_gate_heatmap(gates, title="LSTM gates on one review")
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 4
    assert len(fig.axes) == 8  # each panel has its own colour bar axes
    titles = [ax.get_title() for ax in panels]
    assert titles == ["forget gate $f$", "input gate $i$", "output gate $o$", "candidate $g$"]
    assert fig._suptitle.get_text() == "LSTM gates on one review"
    image = panels[0].images[0]
    # Time runs along x, hidden units along y: the image is the (H, T) transpose.
    np.testing.assert_array_equal(image.get_array(), gates["f"].T)
    assert image.get_clim() == (0.0, 1.0)
    assert panels[3].images[0].get_clim() == (-1.0, 1.0)
    assert panels[0].get_xlabel() == "time step $t$"
    assert panels[0].get_ylabel() == "hidden unit"


def test_gate_heatmap_gru_names_and_free_scale_for_other_states():
    rng = np.random.default_rng(1)
    gates = {"z": _sigmoid(rng.normal(size=(6, 3))), "r": _sigmoid(rng.normal(size=(6, 3))),
             "g": np.tanh(rng.normal(size=(6, 3))), "c": 4.0 * rng.normal(size=(6, 3))}
    fig = plots.plot_gate_heatmap(gates)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == [
        "update gate $z$", "reset gate $r$", "candidate $g$", "cell state $c$"]
    bound = np.abs(gates["c"]).max()
    np.testing.assert_allclose(panels[3].images[0].get_clim(), (-bound, bound))
    assert fig._suptitle is None


@pytest.mark.parametrize(
    "gates, error, words",
    [
        ({}, ValueError, "gates is empty"),
        ({"f": np.full((2, 5, 3), 0.5)}, ValueError, "one sequence"),
        ({"f": np.full((5, 3), 0.5), "i": np.full((5, 4), 0.5)}, ValueError,
         "same shape (T, H)"),
        ({"f": np.full((5, 3), 2.0)}, ValueError, "not pre-activations"),
        ("f", TypeError, "gates must be a dict"),
    ],
)
def test_gate_heatmap_bad_input(gates, error, words):
    with pytest.raises(error) as info:
        plots.plot_gate_heatmap(gates)
    assert words in str(info.value)


# --- plot_training_curves -------------------------------------------------------------------


class _FakeHistory:
    """Stands in for keras.callbacks.History (only its .history dict matters)."""

    def __init__(self, history):
        self.history = history


def test_training_curves_train_and_validation_share_a_colour():
    histories = {
        "RNN": {"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.85], "accuracy": [0.5, 0.6, 0.7]},
        "LSTM": _FakeHistory({"loss": [0.9, 0.5, 0.3]}),
    }
    ax = plots.plot_training_curves(histories)
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert len(lines) == 3
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["RNN (training)", "RNN (validation)", "LSTM (training)"]
    assert lines[0].get_color() == lines[1].get_color()
    assert lines[1].get_linestyle() == "--"
    assert lines[0].get_color() != lines[2].get_color()
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"


def test_training_curves_other_metric_on_given_axes():
    fig, ax = plt.subplots()
    out = plots.plot_training_curves({"GRU": {"accuracy": [0.5, 0.9], "loss": [1, 0.1]}},
                                     metric="accuracy", ax=ax)
    assert out is ax
    assert len(ax.get_lines()) == 1
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.5, 0.9])


@pytest.mark.parametrize(
    "histories, error, words",
    [
        ({"RNN": {"accuracy": [0.5]}}, ValueError, "has no metric 'loss'"),
        ({"RNN": {"loss": [1.0, 0.5], "val_loss": [1.0]}}, ValueError, "has 2 epochs"),
        ({"RNN": [1.0, 0.5]}, TypeError, "metric -> list of values"),
        ({"RNN": {"loss": []}}, ValueError, "is empty"),
        ({}, ValueError, "histories is empty"),
    ],
)
def test_training_curves_bad_input(histories, error, words):
    with pytest.raises(error) as info:
        plots.plot_training_curves(histories)
    assert words in str(info.value)


# --- plot_forecast --------------------------------------------------------------------------


def test_forecast_aligned_and_partial_forecasts():
    t = np.arange(50)
    truth = np.sin(t / 5.0)
    aligned = np.full(50, np.nan)
    aligned[40:] = truth[40:] + 0.1
    partial = (t[40:], truth[40:].reshape(-1, 1) - 0.1)  # Keras predictions come as (N, 1)
    ax = plots.plot_forecast(t, truth, {"LSTM": aligned, "naive": partial})
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert len(lines) == 3
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["truth", "LSTM", "naive"]
    np.testing.assert_allclose(lines[2].get_xdata(), t[40:])
    np.testing.assert_allclose(lines[2].get_ydata(), truth[40:] - 0.1)
    assert "time step" in ax.get_xlabel()


@pytest.mark.parametrize(
    "t, truth, forecasts, error, words",
    [
        (np.arange(10), np.zeros(9), {"a": np.zeros(10)}, ValueError, "same length as t"),
        (np.arange(10), np.zeros(10), {"a": np.zeros(7)}, ValueError, "has 7 values but t has 10"),
        (np.arange(10), np.zeros(10), {"a": (np.arange(3), np.zeros(4))}, ValueError,
         "t_f has 3 steps but y_f has 4"),
        (np.arange(10), np.zeros(10), {"a": (np.arange(3),)}, ValueError, "must be (t_f, y_f)"),
        (np.arange(10), np.zeros(10), {}, ValueError, "forecasts is empty"),
        (np.arange(10), np.zeros((10, 2)), {"a": np.zeros(10)}, ValueError,
         "truth must have shape (N,)"),
    ],
)
def test_forecast_bad_input(t, truth, forecasts, error, words):
    with pytest.raises(error) as info:
        plots.plot_forecast(t, truth, forecasts)
    assert words in str(info.value)


def test_plots_never_show(monkeypatch):
    def fail():
        raise AssertionError("a plotting function called plt.show()")

    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: fail())
    plots.plot_grad_norms({"a": np.ones(4)})
    plots.plot_gate_heatmap({"f": np.full((4, 2), 0.5)})
    plots.plot_training_curves({"a": {"loss": [1.0]}})
    plots.plot_forecast(np.arange(3), np.zeros(3), {"a": np.zeros(3)})


def test_importing_plots_does_not_import_tensorflow():
    code = "import sys, rnnkit.plots; assert 'tensorflow' not in sys.modules, 'TF imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plots_take_rnnkit_outputs_directly():
    """The figures of notebooks 03 and 05: bptt.grad_norms and bptt.gate_values plug straight in."""
    from rnnkit import bptt, cells

    rng = np.random.default_rng(2)
    xs = rng.normal(size=(2, 10, 3))
    dhs = np.zeros((2, 10, 4))
    dhs[:, -1] = 1.0  # loss at the last step only: watch it flow back
    norms = {}
    for kind in ("rnn", "lstm"):
        hs, cache = bptt.forward(kind, xs, cells.init_params(kind, 3, 4, seed=0))
        norms[kind] = bptt.grad_norms(dhs, cache)
    ax = plots.plot_grad_norms(norms)
    assert len(ax.get_lines()) == 2

    values = bptt.gate_values(cache)  # the LSTM's: f i o g and c, each (B, T, H)
    fig = plots.plot_gate_heatmap({name: v[0] for name, v in values.items()})
    panels = [a for a in fig.axes if a.images]
    assert len(panels) == len(values) == 5
    assert panels[-1].get_title() == "cell state $c$"
