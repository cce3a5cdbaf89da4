"""rnnkit.keras_bridge: Keras layers loaded from rnnkit dicts compute what rnnkit computes.

The references are rnnkit.bptt.forward / backward and rnnkit.cells, so a wrong gate order, a
missing GRU sign flip or a wrong peephole term in the bridge fails these tests. TensorFlow is
imported once for the whole file; shapes are small so the file runs in seconds.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnkit import bptt, cells, layouts
from rnnkit import keras_bridge as kb
from rnnkit.gradcheck import rel_error

import keras  # noqa: E402  (imported by keras_bridge already; named here for the tests)
import tensorflow as tf  # noqa: E402

# (batch B, time T, input size D, hidden size H); D != H so a transposed weight cannot pass.
SHAPES = [(2, 5, 3, 4), (3, 7, 1, 2), (1, 4, 6, 3)]
# "peephole" is kind "lstm" with P_f, P_i, P_o in the dict.
VARIANTS = ["rnn", "lstm", "gru", "peephole"]


def _kind(variant):
    return "lstm" if variant == "peephole" else variant


def _params(variant, d, h, seed, dtype=np.float64):
    """Random parameters with every entry non-zero (biases and peepholes included) and large
    enough that the gates saturate differently, so each weight matters."""
    template = cells.init_params(_kind(variant), d, h, peephole=variant == "peephole", seed=seed)
    rng = np.random.default_rng(seed + 100)
    return {k: rng.normal(0.0, 0.6, v.shape).astype(dtype) for k, v in template.items()}


def _inputs(b, t, d, h, seed, dtype=np.float64):
    rng = np.random.default_rng(seed + 200)
    xs = rng.normal(size=(b, t, d)).astype(dtype)
    h0 = (0.5 * rng.normal(size=(b, h))).astype(dtype)
    c0 = rng.normal(size=(b, h)).astype(dtype)
    return xs, h0, c0


def _problem(variant, b, t, d, h, seed, dtype=np.float64):
    """kind, parameters and inputs (xs, h0, c0) of one test, all from ``seed``."""
    return (_kind(variant), _params(variant, d, h, seed, dtype), *_inputs(b, t, d, h, seed, dtype))


def _final_cell_state(xs, p, h0, c0):
    h, c = h0, c0
    for t in range(xs.shape[1]):
        h, c, _ = cells.lstm_step(xs[:, t], h, c, p)
    return h, c


def _as64(d):
    return {k: np.asarray(v, dtype=np.float64) for k, v in d.items()}


# --- forward --------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "B{}T{}D{}H{}".format(*s))
@pytest.mark.parametrize("variant", VARIANTS)
def test_float32_layer_matches_rnnkit_forward(variant, shape):
    b, t, d, h = shape
    seed = sum(shape)
    kind, p32, xs, h0, c0 = _problem(variant, b, t, d, h, seed, np.float32)
    layer = kb.keras_layer(kind, p32, return_sequences=True, return_state=True)
    assert layer.dtype == "float32"
    initial = [h0, c0] if kind == "lstm" else [h0]
    out = [np.asarray(o) for o in layer(xs, initial_state=initial)]

    # rnnkit in float64 on the very same (float32-rounded) numbers: the only difference left
    # is Keras' float32 arithmetic.
    p, xs64, h064, c064 = _as64(p32), xs.astype(np.float64), h0.astype(np.float64), c0.astype(
        np.float64)
    hs_ref, _ = bptt.forward(kind, xs64, p, h0=h064, c0=c064 if kind == "lstm" else None)
    assert out[0].shape == (b, t, h)
    assert np.abs(out[0] - hs_ref).max() < 1e-5
    assert np.abs(out[1] - hs_ref[:, -1]).max() < 1e-5
    if kind == "lstm":
        h_last, c_last = _final_cell_state(xs64, p, h064, c064)
        np.testing.assert_allclose(h_last, hs_ref[:, -1], rtol=0, atol=1e-12)
        assert np.abs(out[2] - c_last).max() < 1e-5
    else:
        assert len(out) == 2


@pytest.mark.parametrize("variant", VARIANTS)
def test_float64_layer_matches_rnnkit_to_rounding_from_zero_state(variant):
    b, t, d, h = 3, 6, 4, 5
    kind, p, xs, _, _ = _problem(variant, b, t, d, h, seed=7)
    layer = kb.keras_layer(kind, p, return_sequences=True, dtype="float64")
    hs_keras = np.asarray(layer(xs))
    hs_ref, _ = bptt.forward(kind, xs, p)
    assert hs_keras.dtype == np.float64
    assert np.abs(hs_keras - hs_ref).max() < 1e-12


def test_return_sequences_false_gives_last_hidden_state():
    p = _params("gru", 3, 4, seed=1, dtype=np.float32)
    xs, _, _ = _inputs(2, 5, 3, 4, seed=1, dtype=np.float32)
    last = np.asarray(kb.keras_layer("gru", p, return_sequences=False)(xs))
    hs_ref, _ = bptt.forward("gru", xs.astype(np.float64), _as64(p))
    assert last.shape == (2, 4)
    assert np.abs(last - hs_ref[:, -1]).max() < 1e-5


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_naive_layout_would_fail(kind):
    """Concatenating the gates in lecture order without the bridge's conventions gives other
    numbers: the conventions matter and the forward tests above can detect their absence."""
    d, h = 3, 4
    p = _params(kind, d, h, seed=3)
    xs, _, _ = _inputs(2, 5, d, h, seed=3)
    gates = ("f", "i", "g", "o") if kind == "lstm" else ("z", "r", "g")
    naive = [np.concatenate([p[f"U_{g}"] for g in gates], axis=1),
             np.concatenate([p[f"W_{g}"] for g in gates], axis=1),
             np.concatenate([p[f"b_{g}"] for g in gates])]
    layer = kb.keras_layer(kind, p, dtype="float64")
    layer.set_weights(naive)
    hs_ref, _ = bptt.forward(kind, xs, p)
    assert np.abs(np.asarray(layer(xs)) - hs_ref).max() > 1e-2


def test_keras_layout_blocks():
    d, h = 3, 2
    lstm = _params("lstm", d, h, seed=4)
    kernel, recurrent, bias = layouts.to_keras_weights("lstm", lstm)
    for j, gate in enumerate("ifgo"):  # Keras: i, f, c (our g), o
        cols = slice(j * h, (j + 1) * h)
        np.testing.assert_array_equal(kernel[:, cols], lstm[f"U_{gate}"])
        np.testing.assert_array_equal(recurrent[:, cols], lstm[f"W_{gate}"])
        np.testing.assert_array_equal(bias[cols], lstm[f"b_{gate}"])
    gru = _params("gru", d, h, seed=4)
    kernel, recurrent, bias = layouts.to_keras_weights("gru", gru)
    np.testing.assert_array_equal(kernel[:, :h], -gru["U_z"])  # Keras' z is the lecture's 1 - z
    np.testing.assert_array_equal(recurrent[:, :h], -gru["W_z"])
    np.testing.assert_array_equal(bias[:h], -gru["b_z"])
    np.testing.assert_array_equal(kernel[:, h:2 * h], gru["U_r"])
    np.testing.assert_array_equal(kernel[:, 2 * h:], gru["U_g"])
    peep = _params("peephole", d, h, seed=4)
    weights = layouts.to_keras_weights("lstm", peep)
    assert len(weights) == 6
    for arr, name in zip(weights[3:], ("P_i", "P_f", "P_o")):
        np.testing.assert_array_equal(arr, peep[name])


def test_peephole_cell_with_zero_peepholes_is_keras_lstm():
    """Independent of rnnkit: with P = 0 the peephole cell is exactly keras.layers.LSTM."""
    rng = np.random.default_rng(5)
    xs = rng.normal(size=(2, 6, 3)).astype(np.float32)
    lstm = keras.layers.LSTM(4, return_sequences=True)
    reference = np.asarray(lstm(xs))
    peephole = kb.PeepholeLSTM(4, return_sequences=True)  # peephole_initializer="zeros"
    peephole.build((None, None, 3))
    peephole.set_weights(lstm.get_weights() + [np.zeros(4, np.float32)] * 3)
    np.testing.assert_allclose(np.asarray(peephole(xs)), reference, rtol=0, atol=1e-6)


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("variant", VARIANTS)
def test_weight_list_round_trip_is_exact(variant, dtype):
    kind = _kind(variant)
    p = _params(variant, 3, 5, seed=8, dtype=dtype)
    weights = layouts.to_keras_weights(kind, p)
    back = layouts.from_keras_weights(kind, weights)
    assert list(back) == list(cells.param_names(kind, variant == "peephole"))
    for k in p:
        assert back[k].dtype == dtype
        np.testing.assert_array_equal(back[k], p[k])
    back["U" if kind == "rnn" else "U_g"][0, 0] += 1.0  # a copy: Keras' arrays are untouched
    np.testing.assert_array_equal(layouts.to_keras_weights(kind, p)[0], weights[0])


@pytest.mark.parametrize(
    "dtype, layer_dtype", [(np.float32, "float32"), (np.float64, "float64")])
@pytest.mark.parametrize("variant", VARIANTS)
def test_layer_round_trip_is_exact(variant, dtype, layer_dtype):
    kind = _kind(variant)
    p = _params(variant, 4, 3, seed=9, dtype=dtype)
    layer = kb.keras_layer(kind, p, dtype=layer_dtype)
    kind_back, back = kb.params_from_layer(layer)
    assert kind_back == kind
    assert list(back) == list(p)
    for k in p:
        assert back[k].dtype == dtype
        np.testing.assert_array_equal(back[k], p[k])
    # The cell and an RNN wrapper around the cell read the same.
    assert kb.params_from_layer(layer.cell)[1].keys() == p.keys()
    wrapped = keras.layers.RNN(layer.cell)
    np.testing.assert_array_equal(kb.params_from_layer(wrapped)[1][list(p)[0]], p[list(p)[0]])


@pytest.mark.parametrize(
    "make, kind",
    [(lambda: keras.layers.SimpleRNN(4), "rnn"), (lambda: keras.layers.LSTM(4), "lstm"),
     (lambda: keras.layers.GRU(4, reset_after=False), "gru"),
     (lambda: kb.PeepholeLSTM(4, peephole_initializer="random_normal"), "lstm")],
)
def test_keras_initialised_layer_reads_back_and_reloads(make, kind):
    layer = make()
    layer.build((None, None, 3))
    kind_read, p = kb.params_from_layer(layer)
    assert kind_read == kind
    assert p[next(iter(p))].shape == (3, 4)
    rebuilt = kb.keras_layer(kind, p)
    for a, b in zip(rebuilt.get_weights(), layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# --- gradients ------------------------------------------------------------------------------


def _keras_gradients(layer, kind, xs, h0, c0, dhs):
    xs_t, h0_t, c0_t = (tf.constant(a) for a in (xs, h0, c0))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([xs_t, h0_t, c0_t])
        initial = [h0_t, c0_t] if kind == "lstm" else [h0_t]
        hs = layer(xs_t, initial_state=initial)
        loss = tf.reduce_sum(hs * tf.constant(dhs))  # so dL/dhs = dhs, as bptt.backward takes
    variables = kb._cell_variables(layer.cell)
    grads = tape.gradient(loss, [xs_t, h0_t, c0_t] + variables)
    return [np.asarray(g) for g in grads]


@pytest.mark.parametrize("variant", VARIANTS)
def test_float64_gradients_match_rnnkit_backward(variant):
    b, t, d, h = 2, 5, 3, 4
    kind, p, xs, h0, c0 = _problem(variant, b, t, d, h, seed=11)
    dhs = np.random.default_rng(12).normal(size=(b, t, h))
    layer = kb.keras_layer(kind, p, dtype="float64")
    dxs_k, dh0_k, dc0_k, *dvars_k = _keras_gradients(layer, kind, xs, h0, c0, dhs)

    _, cache = bptt.forward(kind, xs, p, h0=h0, c0=c0 if kind == "lstm" else None)
    dxs, dh0, dc0, grads = bptt.backward(dhs, cache)
    assert rel_error(dxs_k, dxs) < 1e-9
    assert rel_error(dh0_k, dh0) < 1e-9
    if kind == "lstm":
        assert rel_error(dc0_k, dc0) < 1e-9
    # to_keras_weights is linear, so it maps rnnkit's gradient dict onto Keras' variables.
    for i, (g_keras, g_rnnkit) in enumerate(
            zip(dvars_k, layouts.to_keras_weights(kind, grads), strict=True)):
        assert rel_error(g_keras, g_rnnkit) < 1e-9, layouts._KERAS_LABELS[i]


def test_float32_peephole_gradients_match_rnnkit_backward():
    b, t, d, h = 3, 6, 2, 5
    p32 = _params("peephole", d, h, seed=13, dtype=np.float32)
    xs, h0, c0 = _inputs(b, t, d, h, seed=13, dtype=np.float32)
    dhs = np.random.default_rng(14).normal(size=(b, t, h)).astype(np.float32)
    layer = kb.keras_layer("lstm", p32)
    dxs_k, dh0_k, dc0_k, *dvars_k = _keras_gradients(layer, "lstm", xs, h0, c0, dhs)
    _, cache = bptt.forward("lstm", xs.astype(np.float64), _as64(p32), h0=h0.astype(np.float64),
                            c0=c0.astype(np.float64))
    dxs, dh0, dc0, grads = bptt.backward(dhs.astype(np.float64), cache)
    for got, want in zip([dxs_k, dh0_k, dc0_k] + dvars_k,
                         [dxs, dh0, dc0] + layouts.to_keras_weights("lstm", grads), strict=True):
        assert np.abs(got - want).max() / np.abs(want).max() < 1e-5


# --- the peephole cell as a Keras citizen ---------------------------------------------------


def test_peephole_trains():
    rng = np.random.default_rng(15)
    xs = rng.normal(size=(16, 6, 2)).astype(np.float32)
    target = xs[:, :1, :1].repeat(6, axis=1).repeat(3, axis=2)  # remember the first input
    keras.utils.set_random_seed(15)  # Keras' own initializers: without a seed the test was flaky
    layer = kb.PeepholeLSTM(3, return_sequences=True, peephole_initializer="random_normal")
    layer.build((None, None, 2))
    assert [v.name for v in layer.trainable_weights] == [
        "kernel", "recurrent_kernel", "bias", "peephole_i", "peephole_f", "peephole_o"]
    optimizer = keras.optimizers.Adam(learning_rate=0.05)
    losses = []
    for _ in range(20):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((layer(xs) - target) ** 2)
        grads = tape.gradient(loss, layer.trainable_weights)
        assert all(g is not None and np.abs(np.asarray(g)).max() > 0 for g in grads)
        optimizer.apply(grads, layer.trainable_weights)
        losses.append(float(loss))
    assert losses[-1] < 0.8 * losses[0], losses


def test_peephole_forget_bias_starts_at_one():
    layer = kb.PeepholeLSTM(3)
    layer.build((None, None, 2))
    np.testing.assert_array_equal(np.asarray(layer.cell.bias), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(np.asarray(layer.cell.peephole_f), np.zeros(3))


def test_peephole_serialises(tmp_path):
    p = _params("peephole", 2, 3, seed=16, dtype=np.float32)
    xs, _, _ = _inputs(4, 5, 2, 3, seed=16, dtype=np.float32)
    cell = kb.PeepholeLSTMCell(3, peephole_initializer="ones")
    assert kb.PeepholeLSTMCell.from_config(cell.get_config()).get_config() == cell.get_config()

    layer = kb.keras_layer("lstm", p, return_sequences=False)
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert isinstance(clone, kb.PeepholeLSTM) and clone.units == 3
    assert clone.return_sequences is False
    clone.build((None, None, 2))
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(np.asarray(clone(xs)), np.asarray(layer(xs)))

    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    path = tmp_path / "peephole.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # no custom_objects: the classes are registered
    np.testing.assert_array_equal(loaded.predict(xs, verbose=0), model.predict(xs, verbose=0))
    kind, back = kb.params_from_layer(loaded.layers[1])
    assert kind == "lstm"
    np.testing.assert_array_equal(back["P_o"], p["P_o"])


# --- parameter counts -----------------------------------------------------------------------


@pytest.mark.parametrize("d, h", [(1, 1), (3, 4), (7, 2)])
def test_param_count_matches_keras(d, h):
    layers = {
        ("rnn", False): keras.layers.SimpleRNN(h),
        ("lstm", False): keras.layers.LSTM(h),
        ("gru", False): keras.layers.GRU(h, reset_after=False),
        ("lstm", True): kb.PeepholeLSTM(h),
    }
    for (kind, peephole), layer in layers.items():
        layer.build((None, None, d))
        assert layouts.param_count(kind, d, h, peephole) == layer.count_params(), kind
    assert layouts.param_count("rnn", d, h) == h * (d + h + 1)
    assert layouts.param_count("lstm", d, h) == 4 * h * (d + h + 1)
    assert layouts.param_count("lstm", d, h, peephole=True) == 4 * h * (d + h + 1) + 3 * h
    assert layouts.param_count("gru", d, h) == 3 * h * (d + h + 1)
    assert layouts.param_count("gru", d, h) == sum(v.size for v in _params("gru", d, h, 0).values())


# --- errors ---------------------------------------------------------------------------------


def _good(kind="lstm"):
    return _params(kind, 3, 4, seed=0)


def _with(p, **changes):
    q = dict(p)
    for k, v in changes.items():
        if v is None:
            del q[k]
        else:
            q[k] = v
    return q


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: layouts.to_keras_weights("LSTM", _good()), ValueError, "kind must be one of"),
        (lambda: kb.keras_layer("transformer", _good()), ValueError, "got 'transformer'"),
        (lambda: layouts.from_keras_weights(None, []), ValueError, "kind must be one of"),
        (lambda: layouts.to_keras_weights("lstm", [1, 2]), TypeError, "p must be a dict"),
        (lambda: layouts.to_keras_weights("lstm", _with(_good(), W_o=None)), ValueError,
         "missing ['W_o']"),
        (lambda: layouts.to_keras_weights("rnn", _good("gru")), ValueError, "missing"),
        (lambda: layouts.to_keras_weights("gru", _with(_good("gru"), V=np.ones((4, 2)))), ValueError,
         "unexpected keys ['V']"),
        (lambda: layouts.to_keras_weights("lstm", _with(_good(), P_f=np.ones(4))), ValueError,
         "needs P_f, P_i and P_o"),
        (lambda: layouts.to_keras_weights("lstm", _with(_good(), W_i=np.ones((3, 4)))), ValueError,
         "p['W_i'] must have shape (H, H) (hidden x hidden) = (4, 4)"),
        (lambda: layouts.to_keras_weights("lstm", _with(_good(), U_g=np.ones((4, 3)))), ValueError,
         "p['U_g'] must have shape (D, H)"),
        (lambda: layouts.to_keras_weights("lstm", _with(_good(), b_o=np.ones((1, 4)))), ValueError,
         "p['b_o'] must have shape (H,)"),
        (lambda: layouts.to_keras_weights("rnn", _with(_good("rnn"), U=np.ones(3))), ValueError,
         "p['U'] must have shape (D, H)"),
        (lambda: layouts.to_keras_weights("rnn", _with(_good("rnn"), W=np.ones((4, 4), int))),
         TypeError, "p['W'] must hold floating-point numbers"),
        (lambda: layouts.from_keras_weights("gru", [np.ones((3, 12))] * 2), ValueError,
         "got 2 arrays"),
        (lambda: layouts.from_keras_weights("gru", [np.ones((3, 13)), np.ones((4, 12)), np.ones(12)]),
         ValueError, "weights[0] (kernel) for kind='gru' must have shape (D, 3*H)"),
        (lambda: layouts.from_keras_weights("gru", [np.ones((3, 12)), np.ones((4, 12)), np.ones(4)]),
         ValueError, "weights[2] (bias) for kind='gru' must have shape (12,)"),
        (lambda: layouts.from_keras_weights("lstm", layouts.to_keras_weights("lstm", _good())[:3]
                                       + [np.ones(4), np.ones(4), np.ones(5)]), ValueError,
         "weights[5] (peephole_o) must have shape (H,) = (4,)"),
        (lambda: layouts.from_keras_weights("rnn", {"kernel": 1}), TypeError, "layer.get_weights()"),
        (lambda: kb.keras_layer("rnn", _good("rnn"), activation="relu"), ValueError,
         "keras_layer fixes ['activation']"),
        (lambda: layouts.param_count("lstm", 0, 4), ValueError, "input_size must be a positive"),
        (lambda: layouts.param_count("lstm", 3, 2.5), ValueError, "hidden_size must be a positive"),
        (lambda: layouts.param_count("gru", 3, 4, peephole=True), ValueError, "only exists for"),
        (lambda: kb.PeepholeLSTMCell(0), ValueError, "units (the hidden size H)"),
    ],
)
def test_clear_errors(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def _built(layer, d=3):
    layer.build((None, None, d))
    return layer


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: _built(keras.layers.GRU(4)), ValueError, "reset_after=False"),
        (lambda: keras.layers.LSTM(4), ValueError, "has no weights yet"),
        (lambda: _built(keras.layers.SimpleRNN(4, activation="relu")), ValueError,
         "activation='relu'"),
        (lambda: _built(keras.layers.LSTM(4, recurrent_activation="hard_sigmoid")), ValueError,
         "recurrent_activation='sigmoid'"),
        (lambda: _built(keras.layers.LSTM(4, use_bias=False)), ValueError, "use_bias=False"),
        (lambda: keras.layers.Dense(4), TypeError, "got Dense"),
        (lambda: keras.layers.Bidirectional(keras.layers.LSTM(4)), TypeError,
         "layer.forward_layer"),
    ],
)
def test_params_from_layer_refuses_other_maths(make, error, words):
    with pytest.raises(error) as info:
        kb.params_from_layer(make())
    assert words in str(info.value)


# --- TensorFlow's start-up log lines ---------------------------------------------------------

def test_import_and_first_training_step_write_nothing_to_stderr():
    """TF 2.21 writes start-up lines (absl, oneDNN, CUDA probing) from C++ before its log level is
    read; in a notebook they show in red and nbgrader fails a test cell that has them."""
    code = ("from rnnkit import keras_bridge\nimport keras, numpy as np\n"
            "m = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), keras.layers.Dense(1)])\n"
            "m.compile('adam', 'mse'); m.fit(np.zeros((8, 5, 3)), np.zeros((8, 1)), verbose=0)\n"
            "print('trained')\n")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and "trained" in done.stdout, done.stderr
    assert done.stderr == "", f"TensorFlow still logs at start-up:\n{done.stderr}"


def test_other_native_stderr_during_the_import_is_kept():
    code = ("import os\nfrom rnnkit import keras_bridge\n"
            "with keras_bridge._without_startup_noise():\n"
            "    os.write(2, b'oneDNN custom operations are on\\nreal problem\\n')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stderr == "real problem\n"


def test_every_notebook_imports_keras_bridge_before_tensorflow():
    """Only the first TensorFlow import logs, so keras_bridge must be that first import."""
    for path in sorted((Path(__file__).resolve().parent.parent / "source").glob("*/*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tf_lines = [i for i, line in enumerate(lines)
                    if re.match(r"\s*(import (keras|tensorflow)|from (keras|tensorflow)[ .])", line)]
        if not tf_lines:
            continue
        bridge = [i for i, line in enumerate(lines) if re.match(r"\s*from rnnkit import .*keras_bridge", line)]
        assert bridge and bridge[0] < tf_lines[0], (
            f"{path.name}: line {tf_lines[0] + 1} imports Keras/TensorFlow before "
            "`from rnnkit import keras_bridge`, so TensorFlow's start-up lines reach the student")
