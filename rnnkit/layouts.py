"""Weight layouts: rnnkit's parameter dicts <-> Keras' ``[kernel, recurrent_kernel, bias]``.

numpy only, so that grading and the exercises can use the one true layout without importing
TensorFlow (:mod:`rnnkit.keras_bridge` builds the Keras layers on top of it). Row-vector
convention on both sides, so no transposes are needed anywhere:

=========  =====================================  ==========================================
kind       rnnkit dict                            Keras weights ``[kernel, recurrent, bias]``
=========  =====================================  ==========================================
rnn        U (D,H)  W (H,H)  b (H,)               U, W, b
lstm       U_f W_f b_f U_i ... U_o W_o b_o        column blocks in the order i, f, g, o
lstm+peep  ... + P_f P_i P_o (H,)                 ... + [P_i, P_f, P_o] (PeepholeLSTMCell)
gru        U_z W_z b_z U_r W_r b_r U_g W_g b_g    column blocks z, r, g with z's block negated
=========  =====================================  ==========================================
"""

from collections.abc import Mapping, Sequence

import numpy as np

from rnnkit.cells import PEEPHOLES, _check_kind, param_names
from rnnkit.delegation import reference

__all__ = ["KERAS_GATES", "param_count", "to_keras_weights", "from_keras_weights"]

# Keras' column-block order inside kernel / recurrent_kernel / bias. Keras' LSTM calls the
# candidate "c" (our g) and lists the input gate first; its GRU calls the candidate "h" (our g).
KERAS_GATES = {"rnn": ("",), "lstm": ("i", "f", "g", "o"), "gru": ("z", "r", "g")}
# Order of the peephole vectors after [kernel, recurrent_kernel, bias] in PeepholeLSTMCell: the
# same i-before-f order as the kernel blocks, so both layouts read alike.
KERAS_PEEPHOLES = ("P_i", "P_f", "P_o")
_KERAS_LABELS = ["kernel", "recurrent_kernel", "bias", "peephole_i", "peephole_f", "peephole_o"]


def _suffix(gate):
    return f"_{gate}" if gate else ""


@reference
def param_count(kind, input_size, hidden_size, peephole=False):
    """Number of trainable numbers in one recurrent layer with input size D and hidden size H.

    Simple RNN ``H(D+H+1)``; LSTM ``4H(D+H+1)`` (``+3H`` with peepholes); GRU with
    ``reset_after=False`` ``3H(D+H+1)``: every gate owns a ``U (D,H)``, a ``W (H,H)`` and a
    ``b (H,)``. Equals Keras' ``count_params()`` for the layers this module builds.

    Defined in notebook 06_gru, section 6.4 "Counting parameters".
    Used in notebook 04_architecture_zoo, section 4.2 "Predict the shape, then run", and
    notebook 05_lstm, section 5.4 "Peephole connections".
    """
    _check_kind(kind)
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if peephole and kind != "lstm":
        raise ValueError(f"peephole=True only exists for kind='lstm'; got kind={kind!r}")
    d, h = int(input_size), int(hidden_size)
    n_gates = len(KERAS_GATES[kind])
    return n_gates * h * (d + h + 1) + (3 * h if peephole else 0)


def _as_float_array(value, where):
    try:
        arr = np.asarray(value)
    except Exception as exc:  # e.g. a ragged list
        raise TypeError(f"{where} must be a numeric array; got {type(value).__name__}") from exc
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{where} must hold floating-point numbers; got dtype {arr.dtype}")
    return arr


def check_params(kind, p):
    """Validate an rnnkit parameter dict; return (arrays by name, D, H, peephole)."""
    _check_kind(kind)
    if not isinstance(p, Mapping):
        raise TypeError(f"p must be a dict of numpy arrays; got {type(p).__name__}")
    present = [k for k in PEEPHOLES if k in p]
    if kind == "lstm" and present and len(present) < 3:
        missing = [k for k in PEEPHOLES if k not in p]
        raise ValueError(f"p for a peephole LSTM needs P_f, P_i and P_o; missing {missing}")
    peephole = kind == "lstm" and len(present) == 3
    expected = param_names(kind, peephole)
    missing = [k for k in expected if k not in p]
    if missing:
        raise ValueError(f"p for kind={kind!r} is missing {missing}; expected keys {expected}")
    extra = [k for k in p if k not in expected]
    if extra:
        raise ValueError(f"p for kind={kind!r} has unexpected keys {extra}; expected {expected}")

    arrays = {k: _as_float_array(p[k], f"p[{k!r}]") for k in expected}
    first_u = arrays[expected[0]]
    if first_u.ndim != 2:
        raise ValueError(
            f"p[{expected[0]!r}] must have shape (D, H) (input size x hidden size); "
            f"got shape {first_u.shape}"
        )
    d, h = first_u.shape
    for name, arr in arrays.items():
        if name.startswith("U"):
            want, words = (d, h), "(D, H) (input size x hidden size)"
        elif name.startswith("W"):
            want, words = (h, h), "(H, H) (hidden x hidden)"
        else:
            want, words = (h,), "(H,) (one number per hidden unit)"
        if arr.shape != want:
            raise ValueError(
                f"p[{name!r}] must have shape {words} = {want} with D={d}, H={h} "
                f"(read from p[{expected[0]!r}]); got shape {arr.shape}"
            )
    return arrays, d, h, peephole


@reference
def to_keras_weights(kind, p):
    """rnnkit parameter dict -> Keras weight list ``[kernel (D,nH), recurrent_kernel (H,nH),
    bias (nH,)]`` (+ ``[P_i, P_f, P_o]`` each (H,) for a peephole LSTM), n = number of gates.

    Ready for ``layer.set_weights`` on SimpleRNN / LSTM / GRU(reset_after=False) /
    PeepholeLSTM. Linear in ``p``, so it also maps an rnnkit *gradient* dict onto the gradients
    Keras reports for its variables. Keeps the arrays' dtype.

    Defined in notebook 05_lstm, section 5.4 "Peephole connections".
    Used in notebook 06_gru, section 6.3 "The same GRU in Keras".
    """
    arrays, _, _, peephole = check_params(kind, p)
    kernels, recurrents, biases = [], [], []
    for gate in KERAS_GATES[kind]:
        s = _suffix(gate)
        # GRU: Keras mixes h = z_k*h_prev + (1-z_k)*g while the lecture writes
        # h = (1-z)*h_prev + z*g, so z_k = 1 - z = sigmoid(-(pre-activation of z)).
        # Negating z's U, W and b is therefore exact (sigmoid(-a) = 1 - sigmoid(a)).
        sign = -1 if (kind == "gru" and gate == "z") else 1
        kernels.append(sign * arrays[f"U{s}"])
        recurrents.append(sign * arrays[f"W{s}"])
        biases.append(sign * arrays[f"b{s}"])
    weights = [np.concatenate(kernels, axis=1), np.concatenate(recurrents, axis=1),
               np.concatenate(biases)]
    if peephole:
        weights += [arrays[k].copy() for k in KERAS_PEEPHOLES]
    return weights


@reference
def from_keras_weights(kind, weights):
    """Keras weight list (as from ``layer.get_weights()``) -> rnnkit parameter dict.

    Inverse of :func:`to_keras_weights`: 3 arrays give a plain cell, 6 arrays (lstm only) a
    peephole LSTM. Keeps the arrays' dtype, so the round trip is exact.

    Defined in notebook 06_gru, section 6.3 "The same GRU in Keras".
    """
    _check_kind(kind)
    if isinstance(weights, (str, bytes, Mapping)) or not isinstance(weights, Sequence):
        raise TypeError(
            "weights must be a list [kernel, recurrent_kernel, bias] as returned by "
            f"layer.get_weights(); got {type(weights).__name__}"
        )
    allowed = (3, 6) if kind == "lstm" else (3,)
    if len(weights) not in allowed:
        what = "3 arrays (kernel, recurrent_kernel, bias)"
        if kind == "lstm":
            what += " or 6 (plus peephole_i, peephole_f, peephole_o)"
        raise ValueError(f"weights for kind={kind!r} must be {what}; got {len(weights)} arrays")
    arrs = [_as_float_array(w, f"weights[{i}] ({_KERAS_LABELS[i]})") for i, w in enumerate(weights)]
    n = len(KERAS_GATES[kind])
    kernel, recurrent, bias = arrs[:3]
    if kernel.ndim != 2 or kernel.shape[1] % n:
        raise ValueError(
            f"weights[0] (kernel) for kind={kind!r} must have shape (D, {n}*H); "
            f"got shape {kernel.shape}"
        )
    d, h = kernel.shape[0], kernel.shape[1] // n
    for i, arr, want in ((1, recurrent, (h, n * h)), (2, bias, (n * h,))):
        if arr.shape != want:
            raise ValueError(
                f"weights[{i}] ({_KERAS_LABELS[i]}) for kind={kind!r} must have shape {want} "
                f"with D={d}, H={h} (read from the kernel); got shape {arr.shape}"
            )
    p = {}
    for j, gate in enumerate(KERAS_GATES[kind]):
        s = _suffix(gate)
        cols = slice(j * h, (j + 1) * h)
        sign = -1 if (kind == "gru" and gate == "z") else 1  # see to_keras_weights
        p[f"U{s}"] = sign * kernel[:, cols]
        p[f"W{s}"] = sign * recurrent[:, cols]
        p[f"b{s}"] = sign * bias[cols]
    for i, name in enumerate(KERAS_PEEPHOLES, start=3):
        if len(arrs) > 3:
            if arrs[i].shape != (h,):
                raise ValueError(
                    f"weights[{i}] ({_KERAS_LABELS[i]}) must have shape (H,) = ({h},); "
                    f"got shape {arrs[i].shape}"
                )
            p[name] = arrs[i].copy()
    # Copies, in lecture key order: later edits to p never write into Keras' arrays.
    return {k: np.array(p[k]) for k in param_names(kind, len(arrs) == 6)}
