"""Detect exercise answers that call rnnkit's reference code or Keras instead of doing the maths.

Reference functions are wrapped with :func:`reference`; inside :func:`watching` every outermost
call to one is recorded, whichever name the student imported it under. Keras layers are watched
too when Keras is already imported (we never import TensorFlow here).
"""

import contextlib
import functools
import sys
import threading

_state = threading.local()


def _recording():
    return getattr(_state, "calls", None)


def reference(fn=None, *, computes: str | None = None):
    """Mark ``fn`` as a reference implementation whose use an exercise may forbid.

    The recorded name is ``"<module>.<name>"``, e.g. ``"rnnkit.cells.rnn_step"``, or for a
    second implementation of the same maths (``@reference(computes="rnnkit.bptt.forward")`` on
    the fast engine's) the name of what it computes, so forbidding one forbids both.
    """
    if fn is None:
        return functools.partial(reference, computes=computes)
    qualified = computes or f"{fn.__module__}.{fn.__name__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        calls = _recording()
        if calls is None or getattr(_state, "depth", 0) > 0:
            return fn(*args, **kwargs)
        calls.add(qualified)
        # Only the outermost reference call counts: rnnkit's own functions call each other.
        _state.depth = 1
        try:
            return fn(*args, **kwargs)
        finally:
            _state.depth = 0

    wrapper.__rnnkit_reference__ = qualified
    return wrapper


@contextlib.contextmanager
def watching():
    """Record reference calls made inside the block; yields the set of qualified names.

    Keras use is recorded as ``"keras"``.
    """
    calls = set()
    previous = _recording()
    _state.calls = calls
    _state.depth = 0
    restore = _watch_keras(calls)
    try:
        yield calls
    finally:
        restore()
        _state.calls = previous


def _watch_keras(calls):
    keras = sys.modules.get("keras")
    layers = getattr(keras, "layers", None) if keras is not None else None
    layer_cls = getattr(layers, "Layer", None)
    if layer_cls is None:
        return lambda: None
    original = layer_cls.__call__

    def spy(self, *args, **kwargs):
        calls.add("keras")
        return original(self, *args, **kwargs)

    layer_cls.__call__ = spy

    def restore():
        layer_cls.__call__ = original

    return restore
