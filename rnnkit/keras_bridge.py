"""Move weights between rnnkit's parameter dicts and Keras recurrent layers.

This is the only rnnkit module that imports TensorFlow/Keras. It lets a notebook show that the
numpy cells students write compute *exactly* what ``keras.layers.SimpleRNN``, ``LSTM`` and
``GRU(reset_after=False)`` compute, and it supplies the peephole LSTM that Keras 3 no longer has.

The weight layouts themselves (gate orders, the GRU sign flip, peepholes) are
:mod:`rnnkit.layouts`, which needs no TensorFlow.

Defined in notebooks 04_architecture_zoo and 05_lstm.
Used in notebooks 02_simple_rnn, 06_gru and 08_text_generation.
"""

import contextlib
import os
import sys
import tempfile

# Keras notebooks otherwise open with a screen of TensorFlow start-up log lines (CUDA probing on
# CPU-only machines) that students mistake for errors, and that nbgrader counts as a failure
# when they land in a test cell; setdefault leaves a user's choice alone.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN's custom CPU kernels log from C++ whatever the level (e.g. "oneDNN supports DT_BOOL only
# on platforms with AVX-512" in the middle of a masked GRU's training on most laptops) and make
# results depend on the CPU's instruction set. Without them the course's Keras notebooks ran as
# fast or faster (05, 07-09 on a 2-core EPYC); benchmarks/lstm_speed.py keeps Keras' default.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# TensorFlow 2.21 writes these from C++ before its log level is read, straight to file
# descriptor 2, so TF_CPP_MIN_LOG_LEVEL alone does not hide them.
_STARTUP_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "Could not find cuda drivers",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "computation placer already registered",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions",
    "TF-TRT Warning",
    "failed call to cuInit",
)


@contextlib.contextmanager
def _without_startup_noise():
    """Catch what native code writes to fd 2 meanwhile; pass on every line but the known noise."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            lines = caught.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not any(noise in line for noise in _STARTUP_NOISE))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


with _without_startup_noise():
    import tensorflow  # noqa: E402  (the first import is the one that logs)
    import keras  # noqa: E402

    # Device discovery logs too (CUDA probing), on first use: do it now, while we listen.
    tensorflow.config.list_physical_devices()

import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from rnnkit.delegation import reference  # noqa: E402
from rnnkit.layouts import check_params, from_keras_weights, to_keras_weights  # noqa: E402

__all__ = [
    "keras_layer",
    "params_from_layer",
    "PeepholeLSTMCell",
    "PeepholeLSTM",
]

# ----------------------------------------------------------------------------------------------
# Peephole LSTM: Keras 3 dropped tf.keras.experimental.PeepholeLSTMCell, so we provide one.
# ----------------------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="rnnkit")
class PeepholeLSTMCell(keras.layers.Layer):
    """LSTM cell with diagonal peephole connections, for ``keras.layers.RNN``.

    Exactly rnnkit's peephole maths (row vectors, ``*`` elementwise)::

        f = sigmoid(x U_f + h_prev W_f + b_f + P_f * c_prev)
        i = sigmoid(x U_i + h_prev W_i + b_i + P_i * c_prev)
        g = tanh(x U_g + h_prev W_g + b_g)
        c = f * c_prev + i * g
        o = sigmoid(x U_o + h_prev W_o + b_o + P_o * c)      # o looks at the *new* cell state
        h = o * tanh(c)

    Variables: ``kernel (D, 4H)``, ``recurrent_kernel (H, 4H)``, ``bias (4H,)`` with column
    blocks i, f, g, o like ``keras.layers.LSTM``, then ``peephole_i``, ``peephole_f``,
    ``peephole_o`` each (H,). States ``[h (B,H), c (B,H)]``. Activations are fixed (sigmoid
    gates, tanh candidate) because the point of the cell is to match the lecture exactly.

    Defined in notebook 05_lstm, section 5.4 "Peephole connections".
    """

    def __init__(
        self,
        units,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        peephole_initializer="zeros",
        unit_forget_bias=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units (the hidden size H) must be a positive integer; got {units!r}")
        self.units = int(units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        # Zero peepholes start the cell as a standard LSTM; they grow only if they help.
        self.peephole_initializer = keras.initializers.get(peephole_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        d = input_shape[-1]
        if d is None:
            raise ValueError("PeepholeLSTMCell needs a known feature size D in its input shape")
        h = self.units
        self.kernel = self.add_weight(
            shape=(d, 4 * h), initializer=self.kernel_initializer, name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(h, 4 * h), initializer=self.recurrent_initializer, name="recurrent_kernel"
        )
        bias_init = self.bias_initializer
        if self.unit_forget_bias:
            # Forget-gate bias 1 (Jozefowicz et al. 2015), as keras.layers.LSTM does.
            base = self.bias_initializer

            def bias_init(shape, dtype=None):
                return ops.concatenate([
                    base((h,), dtype=dtype),
                    keras.initializers.get("ones")((h,), dtype=dtype),
                    base((2 * h,), dtype=dtype),
                ])

        self.bias = self.add_weight(shape=(4 * h,), initializer=bias_init, name="bias")
        self.peephole_i = self.add_weight(
            shape=(h,), initializer=self.peephole_initializer, name="peephole_i"
        )
        self.peephole_f = self.add_weight(
            shape=(h,), initializer=self.peephole_initializer, name="peephole_f"
        )
        self.peephole_o = self.add_weight(
            shape=(h,), initializer=self.peephole_initializer, name="peephole_o"
        )
        self.built = True

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        z = ops.matmul(inputs, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)
        z = z + self.bias
        a_i, a_f, a_g, a_o = ops.split(z, 4, axis=-1)
        i = ops.sigmoid(a_i + self.peephole_i * c_prev)
        f = ops.sigmoid(a_f + self.peephole_f * c_prev)
        g = ops.tanh(a_g)
        c = f * c_prev + i * g
        o = ops.sigmoid(a_o + self.peephole_o * c)
        h = o * ops.tanh(c)
        return h, [h, c]

    def get_config(self):
        config = {
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "peephole_initializer": keras.initializers.serialize(self.peephole_initializer),
            "unit_forget_bias": self.unit_forget_bias,
        }
        return {**super().get_config(), **config}


_CELL_ARGS = ("units", "kernel_initializer", "recurrent_initializer", "bias_initializer",
              "peephole_initializer", "unit_forget_bias")


@keras.saving.register_keras_serializable(package="rnnkit")
class PeepholeLSTM(keras.layers.RNN):
    """A peephole LSTM layer: ``keras.layers.RNN(PeepholeLSTMCell(units))`` with the usual
    ``LSTM`` arguments (``return_sequences``, ``return_state``, ``go_backwards``, ``stateful``,
    ``unroll``) and the cell's (``kernel_initializer``, ``recurrent_initializer``,
    ``bias_initializer``, ``peephole_initializer``, ``unit_forget_bias``). Input (B, T, D) -> (B, T, H) or (B, H); with ``return_state`` also h, c.
    Load rnnkit weights with ``layer.set_weights(to_keras_weights("lstm", p))`` after building,
    or use :func:`keras_layer`.
    """

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        # The cell's arguments (its initializers, unit_forget_bias) go to the cell with their
        # defaults kept in one place, PeepholeLSTMCell; the rest are keras.layers.RNN's.
        cell_args = {k: kwargs.pop(k) for k in _CELL_ARGS[1:] if k in kwargs}
        cell = PeepholeLSTMCell(units, **cell_args, dtype=kwargs.get("dtype", None),
                                trainable=kwargs.get("trainable", True), name="peephole_lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)

    @property
    def units(self):
        return self.cell.units

    def get_config(self):
        cell_config = self.cell.get_config()
        base_config = super().get_config()
        del base_config["cell"]  # rebuilt from the cell arguments below, as keras.layers.LSTM does
        return {**base_config, **{k: cell_config[k] for k in _CELL_ARGS}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ----------------------------------------------------------------------------------------------
# Building layers from rnnkit dicts and reading them back
# ----------------------------------------------------------------------------------------------

# Arguments that would make a Keras layer compute something other than the lecture's cell.
_FIXED_ARGS = ("units", "activation", "recurrent_activation", "use_bias", "reset_after",
               "dropout", "recurrent_dropout")


@reference
def keras_layer(kind, p, return_sequences=True, return_state=False, *, dtype="float32",
                **layer_kwargs):
    """A built Keras layer holding the rnnkit parameters ``p``.

    kind "rnn" -> ``keras.layers.SimpleRNN``, "lstm" -> ``keras.layers.LSTM`` (or
    :class:`PeepholeLSTM` when ``p`` has ``P_f, P_i, P_o``), "gru" ->
    ``keras.layers.GRU(reset_after=False)``. The layer maps xs (B, T, D) to hs (B, T, H)
    (``return_sequences=True``, the default here, like ``rnnkit.bptt.forward``) or to the last
    h (B, H); with ``return_state=True`` it also returns the final h (and c for LSTMs). Pass
    ``initial_state=[h0]`` (LSTM: ``[h0, c0]``) when calling it to start from h0.
    ``dtype`` is the layer's float type ("float32", Keras' default, or "float64" for an exact
    round trip of float64 parameters). Other keyword arguments (``name``, ``go_backwards``, ...)
    go to the layer.

    Defined in notebook 05_lstm, section 5.3 "The same LSTM in Keras: gate order".
    Used in notebook 02_simple_rnn, section 2.7 "The same numbers as Keras", and notebook 06_gru,
    section 6.3 "The same GRU in Keras".
    """
    arrays, d, h, peephole = check_params(kind, p)
    fixed = [k for k in _FIXED_ARGS if k in layer_kwargs]
    if fixed:
        raise ValueError(
            f"keras_layer fixes {fixed} so that the layer computes the lecture's {kind} cell; "
            "build the Keras layer yourself if you want to change them"
        )
    common = dict(return_sequences=return_sequences, return_state=return_state, dtype=dtype,
                  **layer_kwargs)
    if kind == "rnn":
        layer = keras.layers.SimpleRNN(h, **common)
    elif kind == "gru":
        layer = keras.layers.GRU(h, reset_after=False, **common)
    elif peephole:
        layer = PeepholeLSTM(h, **common)
    else:
        layer = keras.layers.LSTM(h, **common)
    layer.build((None, None, d))
    _assign(layer.cell, to_keras_weights(kind, arrays))
    return layer


def _cell_variables(cell):
    names = ["kernel", "recurrent_kernel", "bias"]
    if isinstance(cell, PeepholeLSTMCell):
        names += ["peephole_i", "peephole_f", "peephole_o"]
    return [getattr(cell, n) for n in names]


def _assign(cell, weights):
    for var, value in zip(_cell_variables(cell), weights, strict=True):
        if tuple(var.shape) != value.shape:
            raise ValueError(f"{var.path} has shape {tuple(var.shape)}; got {value.shape}")
        var.assign(value.astype(var.dtype))


def _cell_kind(cell):
    """Which rnnkit kind a Keras cell implements; raise if it computes something else."""
    if isinstance(cell, PeepholeLSTMCell):
        return "lstm"
    kinds = {keras.layers.SimpleRNNCell: "rnn", keras.layers.LSTMCell: "lstm",
             keras.layers.GRUCell: "gru"}
    kind = next((k for cls, k in kinds.items() if isinstance(cell, cls)), None)
    if kind is None:
        raise TypeError(
            "layer must be a SimpleRNN, LSTM, GRU or PeepholeLSTM layer (or its cell, or "
            f"keras.layers.RNN around one); got {type(cell).__name__}"
        )
    if kind == "gru" and cell.reset_after:
        raise ValueError(
            "GRU(reset_after=True) (Keras' default) applies the reset gate after the matrix "
            "product and has two biases; the lecture's GRU is GRU(reset_after=False)"
        )
    if not cell.use_bias:
        raise ValueError(f"the {type(cell).__name__} was built with use_bias=False; "
                         "rnnkit's cells always have biases")
    wanted = {"activation": "tanh", "recurrent_activation": "sigmoid"}
    for attr, name in wanted.items():
        fn = getattr(cell, attr, None)
        if fn is not None and getattr(fn, "__name__", None) != name:
            raise ValueError(
                f"the {type(cell).__name__} uses {attr}={getattr(fn, '__name__', fn)!r}; the "
                f"lecture's cell needs {attr}='{name}'"
            )
    return kind


@reference
def params_from_layer(layer):
    """Read a built Keras recurrent layer (or cell) back into ``(kind, p)``.

    Accepts SimpleRNN, LSTM, GRU(reset_after=False), PeepholeLSTM, ``keras.layers.RNN``
    around one of their cells, or the cells themselves. ``p`` is in the layer's dtype and
    ``params_from_layer(keras_layer(kind, p)) == (kind, p)`` exactly when the dtypes agree.

    Defined in notebook 04_architecture_zoo, section 4.4 "Many-to-one in numpy".
    Used in notebook 05_lstm, section 5.6 "Looking inside the gates", and
    notebook 08_text_generation, section 8.5 "Sampling with a temperature".
    """
    if isinstance(layer, keras.layers.Bidirectional):
        raise TypeError(
            "a Bidirectional layer holds two RNNs: read layer.forward_layer and "
            "layer.backward_layer separately"
        )
    cell = layer.cell if isinstance(layer, keras.layers.RNN) else layer
    if isinstance(cell, keras.layers.StackedRNNCells):
        raise TypeError("a stack of cells holds several layers' weights: read each cell in "
                        "layer.cell.cells separately")
    kind = _cell_kind(cell)
    if not cell.built:
        raise ValueError(
            f"the {type(layer).__name__} has no weights yet: call it on data or "
            "layer.build((None, T, D)) first"
        )
    weights = [ops.convert_to_numpy(v) for v in _cell_variables(cell)]
    return kind, from_keras_weights(kind, weights)
