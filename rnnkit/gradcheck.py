"""Numerical gradient checking: is an analytic gradient right, to the last digits?

The cs231n recipe: nudge one entry of an array up and down by ``h``, read the change of a
scalar loss, compare with the analytic gradient by relative error. In float64 a correct
gradient gives ``rel_error`` around 1e-8 or smaller; 1e-4 or more means a bug.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x`` in place; every entry of ``x`` is nudged by
    ``+-h`` and restored. Returns an array shaped like ``x`` with
    ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` at each index ``i``.

    Defined in notebook 03_bptt, section 3.2 "Backward through one step".
    Used in notebook 07_sentiment, section 7.3 "Training $E$: the gradient, and words that occur twice".
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError("numerical_gradient: x must be a float numpy array that f reads in place, "
                        f"got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be nudged in place")
    gflat = grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        plus = float(f())
        flat[k] = old - h
        minus = float(f())
        flat[k] = old
        gflat[k] = (plus - minus) / (2 * h)
    return grad.astype(x.dtype, copy=False)


def rel_error(a, b):
    """Largest relative difference ``max |a - b| / max(1e-8, |a| + |b|)`` (elementwise).

    Defined in notebook 03_bptt, section 3.2 "Backward through one step".
    Used in notebook 07_sentiment, section 7.3 "Training $E$: the gradient, and words that occur twice".
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


class GradientReport(dict):
    """``name -> (rel_error, worst_index)``, printed as a table of the worst entries."""

    def __init__(self, results, details):
        super().__init__(results)
        self._details = details

    @property
    def worst(self):
        """Name of the parameter with the largest relative error (None when empty)."""
        return max(self, key=lambda n: self[n][0]) if self else None

    def __str__(self):
        lines = [f"{'param':<8} {'rel_error':>10}  {'worst index':<14} {'analytic':>14} "
                 f"{'numerical':>14}"]
        for name, (err, index) in self.items():
            analytic, numeric = self._details[name]
            flag = "" if err < 1e-6 else "   <-- check this gradient"
            lines.append(f"{name:<8} {err:10.2e}  {str(index):<14} {analytic:14.6e} "
                         f"{numeric:14.6e}{flag}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


def check_gradients(f, params, grads, h=1e-6):
    """Compare analytic ``grads`` with numerical gradients of the scalar ``f()``.

    params: dict name -> array that ``f`` reads in place; grads: dict with the same names.
    Returns a :class:`GradientReport`, a dict ``name -> (rel_error, worst_index)``; print it
    for a table with the worst entry of each parameter.

    Defined in notebook 03_bptt, section 3.2 "Backward through one step".
    Used in notebooks 05_lstm (section 5.2), 06_gru (section 6.6) and 10_char_rnn_capstone (section 10.2).
    """
    missing = [name for name in params if name not in grads]
    extra = [name for name in grads if name not in params]
    if missing or extra:
        raise ValueError(f"check_gradients: grads must have exactly the keys of params; "
                         f"missing {missing}, unexpected {extra}")
    results, details = {}, {}
    for name, value in params.items():
        analytic = np.asarray(grads[name], dtype=np.float64)
        if analytic.shape != np.shape(value):
            raise ValueError(f"check_gradients: grads[{name!r}] has shape {analytic.shape}, "
                             f"but params[{name!r}] has shape {np.shape(value)}")
        numeric = numerical_gradient(f, value, h).astype(np.float64)
        err = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
        flat = int(np.argmax(err)) if err.size else 0
        index = np.unravel_index(flat, err.shape) if err.size else ()
        index = tuple(int(i) for i in index)
        results[name] = (float(err.reshape(-1)[flat]) if err.size else 0.0, index)
        details[name] = ((float(analytic[index]), float(numeric[index])) if err.size
                         else (0.0, 0.0))
    return GradientReport(results, details)
