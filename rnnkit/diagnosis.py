"""Why an answer is wrong, found without knowing the answer: the generic part of the feedback.

When a student's result differs from the expected one, :mod:`rnnkit.checking` asks this module,
in order, before it falls back on "wrong values":

- :func:`transform`: is the result a simple transform of the expected one (negated, transposed,
  scaled by a telling constant such as 1/ln 10 or the number of steps, shifted by one time step,
  its log or its exp, its gate blocks permuted)? Each match is named.
- :func:`explain_probes`: the ablation. The student's function is run again on cases derived
  from the visible one (:func:`probes` lists them, :func:`derive` builds them): each array input
  set to zero, a square one set to the identity, two same-shaped inputs made equal, a batch of
  one. The course computes the expected outputs of those derived cases when it writes the case
  file, so no reference code is needed here. Which derived cases the answer gets right says which
  term is wrong ("right when b = 0": the bias).
- :func:`locate`: where the difference is, in lecture terms: which time steps, which gate blocks.
- :func:`error_message`: an error raised inside the student's code, as the student's own line and
  a hint for that kind of error with the sizes of the arguments it probably came from.

Everything works from an output's ``doc`` (``"(batch, time, hidden)"``, ``"... blocks f i g o"``)
and from the inputs, so every exercise gets it without a line of its own.
"""

import itertools
import math
import re
import traceback
from typing import Callable

import numpy as np

Close = Callable[[object, object], bool]  # (got, want) -> within the output's tolerance
# The lecture's gate letters (LSTM f i o g, Keras' c for the candidate; GRU z r g).
GATES = {"f": "forget gate", "i": "input gate", "o": "output gate", "z": "update gate", "r": "reset gate",
         "g": "candidate", "c": "candidate"}


def axis_names(doc: str) -> list[str]:
    """The axis names an output's doc gives: ``"(batch, time, hidden)"`` -> ["batch", "time", "hidden"]."""
    found = re.match(r"\s*\(([^)]*)\)", doc or "")
    return [a.strip() for a in found.group(1).split(",") if a.strip()] if found else []


def time_axis(doc: str) -> int | None:
    """Index of the time axis in an output documented ``(..., time, ...)`` (or ``T``), else None."""
    for i, name in enumerate(axis_names(doc)):
        if "time" in name or name == "T":
            return i
    return None


def block_names(doc: str) -> tuple[str, ...]:
    """Gate blocks along the last axis, from ``"... blocks f i g o"`` or ``"blocks z | r | g"``."""
    found = re.search(r"blocks\s+([a-z](?:\s*\|?\s*[a-z]\b)+)", doc or "")
    return tuple(re.findall(r"[a-z]", found.group(1))) if found else ()


# ---------------------------------------------------------------------------------------------
# transforms of the expected result


def _sizes(inputs: dict) -> dict[int, str]:
    """Each axis length > 1 of the array inputs, with where it comes from (first one wins)."""
    batch = _batch(inputs)
    found = {batch: "the batch size"} if batch else {}
    for name, value in _arrays(inputs):
        for axis, n in enumerate(value.shape):
            if n > 1:
                found.setdefault(int(n), f"the length of axis {axis} of `{name}`")
    return found


def _scale_name(c: float, sizes: dict[int, str], generic: bool = True) -> str | None:
    """What multiplying by ``c`` usually means in these exercises, or None if it means nothing."""
    def near(a, b):
        return abs(a - b) <= 1e-6 * max(abs(a), abs(b))

    if near(c, -1.0):
        return ("has the opposite sign of the expected one: a minus sign is missing or extra "
                "(a loss is -log p; a gradient step goes against the gradient)")
    if near(c, 1 / math.log(10)):
        return "is the expected value divided by ln 10: you used log10, but the lecture's log is the natural log (np.log)"
    if near(c, 1 / math.log(2)):
        return "is the expected value divided by ln 2: you used log2, but the lecture's log is the natural log (np.log)"
    if near(c, math.log(10)):
        return "is ln 10 times the expected value: this quantity uses log10, not the natural log"
    for n, where in sorted(sizes.items()):
        if near(c, 1 / n):
            return (f"is the expected value divided by {n} ({where}): a mean where the exercise asks for a sum, "
                    f"or a division too many")
        if near(c, n):
            return (f"is {n} times the expected value ({n} is {where}): a sum where the exercise asks for a mean, "
                    f"or a factor counted once per item")
    if near(c, 2.0):
        return "is twice the expected value: a factor 2 too many (something added twice?)"
    if near(c, 0.5):
        return "is half the expected value: a factor 2 is missing"
    if generic and not near(c, 1.0) and c != 0:
        return f"is the expected value times {c:.4g}: the pattern is right but a constant factor is off"
    return None


def transform(kind: str, doc: str, got, want, close: Close, inputs: dict) -> str | None:
    """Name a simple transform of ``want`` that ``got`` equals (``"is the transpose ..."``), or None.

    kind: the output's kind (``"array"``, ``"float"``, ``"int_array"``, ``"int"``); doc: its doc.
    """
    if kind not in ("array", "float", "int", "int_array") or np.shape(got) != np.shape(want):
        return None
    if kind in ("int", "int_array"):
        delta = np.asarray(got) - np.asarray(want)
        if delta.size and np.all(delta == delta.flat[0]) and delta.flat[0]:
            k = int(delta.flat[0])
            said = _as_sizes(abs(k), inputs)
            if abs(k) > 1 and said:
                return (f"is {abs(k)} {'too small' if k < 0 else 'too large'}, and {abs(k)} = {said}: "
                        f"which term of that size is {'missing' if k < 0 else 'extra'}?")
            return (f"is off by {k:+d} everywhere: check where counting starts (0-based or 1-based) "
                    f"and the ends of your ranges")
        return _permuted_blocks(doc, got, want, close) if kind == "int_array" else None
    if kind not in ("array", "float"):
        return None
    g, w = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if g.shape != w.shape:
        return None
    for name, value in _arrays(inputs, floats=True):
        if value.shape == g.shape and g.size > 1 and np.array_equal(g, value) and not np.array_equal(value, w):
            return f"is your input `{name}`, returned unchanged"
    if g.ndim >= 2 and g.shape[-1] == g.shape[-2] and close(got, np.swapaxes(w, -1, -2)):
        return ("is the transpose of the expected one: swap the order of a matrix product "
                "(with row vectors it is x @ U, not U @ x) or the axes you index")
    named = _activation(got, want, close) or _extra_activation(got, want, close) or _distribution(g, w)
    if named:
        return named
    axis = time_axis(doc)
    if axis is not None and g.ndim > axis and g.shape[axis] >= 2:
        first = _activation(_take(got, axis, 0), _take(want, axis, 0), close)
        if first:
            return f"at step 0 (where the previous state is the initial one) {first}"
    if np.all(w > 0):
        logged = np.log(w)
        if close(got, logged if g.ndim else float(logged)):
            return "is the natural log of the expected value: an exp is missing"
    if np.all(np.abs(w) < 50):
        exped = np.exp(w)
        if close(got, exped if g.ndim else float(exped)):
            return "is exp of the expected value: there is an exp too many (or a log missing)"
    if np.any(w != 0):
        c = float(np.sum(g * w) / np.sum(w * w))
        if close(got, c * w if g.ndim else c * float(w)):
            # any number is some multiple of another: a scalar's factor means something only if it is telling
            named = _scale_name(c, _sizes(inputs), generic=g.size > 1)
            if named:
                return named
    axis = time_axis(doc)
    if axis is not None and g.ndim > axis and g.shape[axis] >= 2:
        late = close(_take(got, axis, slice(1, None)), _take(want, axis, slice(None, -1)))
        early = close(_take(got, axis, slice(None, -1)), _take(want, axis, slice(1, None)))
        if late:
            return ("is shifted one step late: your value at step t is the expected value at step t-1 "
                    "(an output taken before the state update, or a loop one step behind)")
        if early:
            return ("is shifted one step early: your value at step t is the expected value at step t+1 "
                    "(a loop one step ahead, or the state after the step where the one before it belongs)")
    return _permuted_blocks(doc, got, want, close)


def _relu(a):
    return np.maximum(a, 0.0)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# (what the answer applied, what the exercise applies) to the same pre-activation a
_ACTIVATIONS = (("ReLU", "tanh", np.arctanh, _relu), ("a sigmoid", "tanh", np.arctanh, _sigmoid),
                ("no activation", "tanh", np.arctanh, lambda a: a),
                ("tanh", "a sigmoid", lambda p: np.log(p / (1 - p)), np.tanh),
                ("no activation", "a sigmoid", lambda p: np.log(p / (1 - p)), lambda a: a))


def _activation(got, want, close: Close) -> str | None:
    """The answer applies another activation to the right pre-activation (ReLU for tanh, ...)."""
    w = np.asarray(want, dtype=float)
    if w.ndim == 0 or not w.size:
        return None
    for theirs, ours, inverse, apply in _ACTIVATIONS:
        low = -1.0 if ours == "tanh" else 0.0
        if np.all((w > low) & (w < 1)) and np.max(np.abs(w)) < 1 - 1e-9:
            with np.errstate(all="ignore"):
                if close(got, apply(inverse(w))):
                    if theirs == "no activation":
                        return f"is the expected value without its activation: {ours} is missing"
                    return (f"is {theirs} of the right pre-activation where the exercise applies {ours}: "
                            f"use {'np.tanh' if ours == 'tanh' else 'the sigmoid 1 / (1 + exp(-a))'} here")
    return None


def _softmax(a):
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _extra_activation(got, want, close: Close) -> str | None:
    """The answer applies an activation to a linear output (logits, a forecast)."""
    w = np.asarray(want, dtype=float)
    if w.ndim == 0 or not w.size or np.all((w > -1) & (w < 1)):
        return None
    for name, apply in (("tanh", np.tanh), ("a sigmoid", _sigmoid), ("a ReLU", _relu), ("a softmax", _softmax)):
        with np.errstate(all="ignore"):
            if close(got, apply(w)):
                return (f"is {name} of the expected value: this output is linear (logits, before any activation "
                        f"or softmax), so apply no activation to it")
    return None


def _distribution(g: np.ndarray, w: np.ndarray) -> str | None:
    """Probabilities that are normalised along the wrong axis, or not at all."""
    if w.ndim == 0 or np.any(w < 0) or not np.allclose(w.sum(axis=-1), 1.0, atol=1e-6):
        return None
    if np.allclose(g.sum(axis=-1), 1.0, atol=1e-6) or np.any(g < 0):
        return None
    for axis in range(g.ndim - 1):
        if np.allclose(g.sum(axis=axis), 1.0, atol=1e-6):
            return (f"sums to 1 along axis {axis}, not along the last axis: each row (one distribution over the "
                    f"classes) must sum to 1, so normalise with axis=-1")
    return ("does not sum to 1 along the last axis: each row is one distribution over the classes and must sum "
            "to 1 (normalise with axis=-1, keepdims=True)")


def _as_sizes(n: int, inputs: dict) -> str | None:
    """``n`` as a small multiple of products of the integer inputs (``3 * hidden_size * hidden_size``)."""
    ints = {k: v for k, v in inputs.items() if type(v) is int and not isinstance(v, bool) and v > 1}
    names = sorted(ints)
    for degree in (1, 2, 3):
        for combo in itertools.combinations_with_replacement(names, degree):
            product = math.prod(ints[c] for c in combo)
            if n % product == 0 and n // product <= 4:
                factor = n // product
                return " * ".join(([str(factor)] if factor > 1 else []) + list(combo))
    return None


def _take(a, axis: int, index) -> np.ndarray:
    return np.asarray(a)[(slice(None),) * axis + (index,)]


def _split_blocks(doc: str, a) -> list | None:
    names = block_names(doc)
    a = np.asarray(a)
    if len(names) < 2 or a.ndim == 0 or a.shape[-1] % len(names):
        return None
    return np.split(a, len(names), axis=-1)


def _permuted_blocks(doc: str, got, want, close: Close) -> str | None:
    names = block_names(doc)
    gs, ws = _split_blocks(doc, got), _split_blocks(doc, want)
    if gs is None or ws is None:
        return None
    for order in itertools.permutations(range(len(names))):
        if list(order) != sorted(order) and all(close(gs[j], ws[k]) for j, k in enumerate(order)):
            theirs = " ".join(names[k] for k in order)
            return (f"has the right gate blocks in the wrong order: yours are {theirs}, "
                    f"this layout wants {' '.join(names)}")
    return None


def shape_hint(doc: str, got_shape: tuple, want_shape: tuple, inputs: dict) -> str | None:
    """Why an output's shape is off, in terms of its documented axes, or None."""
    names = axis_names(doc)
    batch = _batch(inputs)
    if len(got_shape) == len(want_shape) - 1:
        for axis in range(len(want_shape)):
            if want_shape[:axis] + want_shape[axis + 1:] == tuple(got_shape):
                name = names[axis] if axis < len(names) else f"axis {axis}"
                if "time" in name:
                    return (f"it lacks the {name} axis: return the value at every step, stacked along axis {axis} "
                            f"(np.stack(steps, axis={axis})), not only the final state")
                return f"it lacks the {name} axis (axis {axis})"
    if len(got_shape) == len(want_shape) + 1 and tuple(got_shape[1:]) == tuple(want_shape) and got_shape[0] == batch:
        return (f"it has an extra leading axis of length {batch}, the batch: a parameter's gradient sums over the "
                f"examples of the batch (.sum(axis=0))")
    blocks = len(block_names(doc))
    if (blocks and len(got_shape) == len(want_shape) == 2 and got_shape[0] == want_shape[0] * blocks
            and got_shape[1] * blocks == want_shape[1]):
        return (f"its {blocks} gate blocks are stacked along axis 0; put them side by side along axis 1 "
                f"(np.concatenate(blocks, axis=1))")
    if len(got_shape) == len(want_shape) and sorted(got_shape) == sorted(want_shape) and len(set(want_shape)) == len(want_shape):
        return "its axes are in another order (transposed): check the axis you stack or sum along"
    if len(got_shape) == len(want_shape):
        differ = [a for a, (g, w) in enumerate(zip(got_shape, want_shape)) if g != w]
        if len(differ) == 1:
            axis = differ[0]
            name = names[axis] if axis < len(names) else f"axis {axis}"
            source = _sizes(inputs).get(int(got_shape[axis]))
            return (f"its {name} axis has length {got_shape[axis]}" + (f", {source}," if source else "") +
                    f" where {want_shape[axis]} is expected: which array did that length come from?")
    return None


# ---------------------------------------------------------------------------------------------
# where the difference is


def _ranges(steps: list[int]) -> str:
    parts = []
    for _, group in itertools.groupby(enumerate(steps), key=lambda p: p[1] - p[0]):
        run = [s for _, s in group]
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(parts)


def locate(doc: str, got, want, close: Close) -> str | None:
    """Which time steps or gate blocks of an output are wrong, in words; None if it is all wrong."""
    axis = time_axis(doc)
    g, w = np.asarray(got), np.asarray(want)
    floats = g.dtype.kind == "f"  # a zero id is a value like any other; a zero state was never computed
    if axis is not None and g.shape == w.shape and g.ndim > axis and g.shape[axis] >= 2:
        right = [close(_take(g, axis, t), _take(w, axis, t)) for t in range(g.shape[axis])]
        wrong = [t for t, ok in enumerate(right) if not ok]
        zeros = [t for t in wrong if floats and not np.any(_take(g, axis, t)) and np.any(_take(w, axis, t))]
        if zeros:
            return (f"step{'s' if len(zeros) > 1 else ''} {_ranges(zeros)} {'are' if len(zeros) > 1 else 'is'} all "
                    f"zeros: your loop never computes {'them' if len(zeros) > 1 else 'it'} (check the range of your "
                    f"loop over time: every step from 0 to T - 1)")
        if wrong and len(wrong) < len(right):
            first = wrong[0]
            if wrong == list(range(first, len(right))):
                return (f"steps 0-{first - 1} are right, wrong from step {first} on: "
                        f"what do you carry from one step to the next?" if first > 1 else
                        "step 0 is right, wrong from step 1 on: what do you carry from one step to the next "
                        "(the previous state, updated at every step)?")
            if wrong == [0]:
                return "only step 0 is wrong: look at how the first step starts (the initial state h0)"
            return f"steps {_ranges(wrong)} are wrong, the others right"
    gs, ws = _split_blocks(doc, g), _split_blocks(doc, w)
    if gs is not None and ws is not None and g.shape == w.shape:
        names = block_names(doc)
        wrong = [n for n, a, b in zip(names, gs, ws) if not close(a, b)]
        if wrong and len(wrong) < len(names):
            right = [n for n in names if n not in wrong]
            said = ", ".join(f"{n} ({GATES[n]})" if n in GATES else n for n in wrong)
            return (f"gate block{'s' if len(wrong) > 1 else ''} {said} {'are' if len(wrong) > 1 else 'is'} wrong, "
                    f"{', '.join(right)} right")
    return None


# ---------------------------------------------------------------------------------------------
# the ablation: derived cases


def _arrays(mapping: dict, floats: bool = False):
    """``(name, array)`` for every array in ``mapping`` (inputs, a frame's locals), one level into
    dicts (``"p['W_f']"``); floats: only non-empty float arrays, the ones a probe may change."""
    for name, value in mapping.items():
        for key, inner in value.items() if type(value) is dict else [(None, value)]:
            if type(inner) is np.ndarray and (not floats or (inner.dtype.kind == "f" and inner.size)):
                yield (name if key is None else f"{name}[{key!r}]"), inner


def probes(inputs: dict) -> list[tuple[str, ...]]:
    """The derived cases worth trying on ``inputs``: ``("zero", X)``, ``("identity", X)``,
    ``("equal", A, B)`` (B set to A), ``("batch1",)`` (the first example alone) and ``("step1",)``
    (the first time step of every sequence alone), as plain tuples."""
    found = []
    arrays = list(_arrays(inputs, floats=True))
    for name, value in arrays:
        if np.any(value != 0):
            found.append(("zero", name))
        if value.ndim == 2 and value.shape[0] == value.shape[1] > 1:
            found.append(("identity", name))
    for name, value in arrays:
        if value.ndim == 1 and re.fullmatch(r"(\w+\[')?b_[a-z]('\])?", name):  # a gate's bias
            found.append(("open", name))
    for (a, va), (b, vb) in itertools.combinations(arrays, 2):
        if va.shape == vb.shape and not np.array_equal(va, vb):
            found.append(("equal", a, b))
    if _batch(inputs):
        found.append(("batch1",))
    if _steps(inputs):
        found.append(("step1",))
    return found


def _steps(inputs: dict) -> int | None:
    """The number of time steps: axis 1 shared by the batch-major sequences (3-D arrays), if > 1."""
    lengths = {v.shape[1] for v in inputs.values() if type(v) is np.ndarray and v.ndim == 3}
    return lengths.pop() if len(lengths) == 1 and next(iter(lengths)) > 1 else None


def _batch(inputs: dict) -> int | None:
    """The batch size: the leading length shared by two or more batch-major array inputs."""
    leading = [v.shape[0] for v in inputs.values() if type(v) is np.ndarray and v.ndim >= 2]
    common = [n for n in set(leading) if leading.count(n) >= 2 and n > 1]
    return common[0] if len(common) == 1 else None


def _get(inputs: dict, name: str):
    found = re.fullmatch(r"(\w+)\['(\w+)'\]", name)
    return inputs[found.group(1)][found.group(2)] if found else inputs[name]


def _set(inputs: dict, name: str, value) -> None:
    found = re.fullmatch(r"(\w+)\['(\w+)'\]", name)
    if found:
        inputs[found.group(1)] = dict(inputs[found.group(1)], **{found.group(2): value})
    else:
        inputs[name] = value


def derive(inputs: dict, probe: tuple[str, ...]) -> dict:
    """The inputs of derived case ``probe`` (see :func:`probes`); ``inputs`` is not changed."""
    out = dict(inputs)
    kind, names = probe[0], probe[1:]
    if kind == "zero":
        _set(out, names[0], np.zeros_like(_get(inputs, names[0])))
    elif kind == "open":
        _set(out, names[0], np.full_like(_get(inputs, names[0]), 30.0))
    elif kind == "identity":
        _set(out, names[0], np.eye(len(_get(inputs, names[0]))))
    elif kind == "equal":
        _set(out, names[1], np.array(_get(inputs, names[0])))
    elif kind == "batch1":
        n = _batch(inputs)
        out = {k: (v[:1] if type(v) is np.ndarray and v.ndim >= 2 and v.shape[0] == n else v) for k, v in inputs.items()}
    elif kind == "step1":
        out = {k: (v[:, :1] if type(v) is np.ndarray and v.ndim == 3 else v) for k, v in inputs.items()}
    else:
        raise ValueError(f"unknown probe {probe!r}")
    return out


def explain_probes(right: list[tuple[str, ...]], tried: list[tuple[str, ...]], terms: dict[str, str]) -> str | None:
    """What the derived cases the answer gets ``right`` (of those ``tried``) say about it."""
    if not right or len(right) == len(tried):
        return None  # right on none: no term singled out; right on all: the probes say nothing

    def term(name):
        return f"`{name}`" + (f" ({terms[name]})" if name in terms else "")

    zeros = [p[1] for p in right if p[0] == "zero"]
    identities = [p[1] for p in right if p[0] == "identity"]
    if identities:
        name = identities[0]
        return (f"your result is right when {term(name)} is the identity, which is its own transpose, and wrong "
                f"otherwise: {name} is probably transposed (use {name}, not {name}.T, or swap the order of the product)")
    equal = [p for p in right if p[0] == "equal"]
    if len(equal) == 1:
        a, b = equal[0][1:]
        return (f"your result is right when {term(a)} and {term(b)} are equal, wrong otherwise: "
                f"you probably use {a} where {b} belongs, or the other way round")
    if len(zeros) == 1:
        name = zeros[0]
        return (f"your result is right when {term(name)} is 0, so that its term drops out, and wrong otherwise: the "
                f"mistake is in the term with {name}: how {name} enters (is it there at all?) or what it multiplies")
    opened = [p[1] for p in right if p[0] == "open"]
    if len(opened) == 1:
        name = opened[0]
        return (f"your result is right when {term(name)} is very large, so that its gate is fully open (a sigmoid "
                f"of it is 1), and wrong otherwise: look at that gate: its activation (a sigmoid) and where it "
                f"multiplies (inside or outside a tanh?)")
    if len(zeros) == 2:
        a, b = zeros
        return (f"your result is right when {term(a)} is 0 and also when {term(b)} is 0: "
                f"look at the term where {a} and {b} meet")
    if ("step1",) in right:
        return ("your result is right for a sequence of one step, wrong for longer ones: look at what carries over "
                "from one step to the next (the state passed on, and for gradients their sum over every step, +=)")
    if ("batch1",) in right:
        return ("your result is right for a batch of one example, wrong for larger batches: look for a sum or mean "
                "over the batch axis (axis 0) or a broadcast that mixes examples")
    return None


# ---------------------------------------------------------------------------------------------
# errors raised in the student's code


def _student_frame(err: BaseException):
    """The innermost traceback frame in notebook code (not numpy, not this library): (summary, frame)."""
    ours = [(summary, frame) for summary, (frame, _) in zip(traceback.extract_tb(err.__traceback__),
                                                           traceback.walk_tb(err.__traceback__))
            if not any(part in summary.filename for part in ("site-packages", "/rnnkit/", "/lib/python", "/course/"))]
    return ours[-1] if ours else (None, None)


_OPERAND = r"[A-Za-z_]\w*(?:\[[^\]\[]*\])?(?:\.T)?"


def _operand_shape(expr: str, frame):
    """The shape of a simple operand (``U``, ``p["W_f"]``, ``xs[:, t]``, ``W.T``) in ``frame``, or None."""
    try:
        value = eval(expr, {"__builtins__": {}}, dict(frame.f_globals, **frame.f_locals))  # names and indexing only
    except Exception:
        return None
    return tuple(value.shape) if type(value) is np.ndarray else None


def _broadcast_hint(message: str, line: str, frame) -> str | None:
    """For a failing broadcast on the student's line: which of its operands have the clashing shapes."""
    shapes = [tuple(int(n) for n in re.findall(r"\d+", group)) for group in re.findall(r"\(([\d, ]*)\)", message)]
    products = [f"{a} @ {b}" for a, b in re.findall(rf"({_OPERAND})\s*@\s*({_OPERAND})", line or "")]
    for product in products:
        shape = _operand_shape(product, frame)
        others = [s for s in shapes if s != shape]
        if shape in shapes and others and len(shape) == 2 and others[0] == shape[::-1] and re.search(r"\.T$", product):
            return (f"`{product}` has shape {shape}, the transpose of the other terms' {others[0]}: it is written in "
                    f"the slides' column-vector order. With Keras' row vectors (batch first) the state comes on the "
                    f"left: h_prev @ W, x @ U.")
    named = []
    for expr in dict.fromkeys(products + re.findall(_OPERAND, line or "")):
        shape = _operand_shape(expr, frame)
        if shape is not None and shape in shapes:
            named.append(f"{expr} {shape}")
    if len(named) < 2:
        return None
    return (f"On that line {', '.join(named)} cannot be combined elementwise: numpy lines shapes up from the "
            f"right, and each pair of sizes must be equal or 1. Check which of them has the wrong shape "
            f"(a missing axis, a transpose, a sum without keepdims=True).")


def _matmul_hint(line: str, frame) -> str | None:
    """For a failing ``A @ B`` on the student's line: the two shapes and which transpose would fit."""
    for left, right in re.findall(rf"({_OPERAND})\s*@\s*({_OPERAND})", line or ""):
        a, b = _operand_shape(left, frame), _operand_shape(right, frame)
        if not a or not b or len(a) < 1 or len(b) < 2 or a[-1] == b[-2]:
            continue
        said = f"In `{left} @ {right}`, {left} has shape {a} and {right} has shape {b}: a matrix product needs " \
               f"the last size of the left ({a[-1]}) to equal the first size of the right ({b[-2]})."
        flip = right[:-2] if right.endswith(".T") else f"{right}.T"
        if a[-1] == b[-1]:
            return f"{said} {flip}, of shape {b[::-1]}, would fit: use the transpose (or swap two arguments)."
        flip_left = left[:-2] if left.endswith(".T") else f"{left}.T"
        if len(a) == 2 and a[0] == b[-2]:
            return f"{said} {flip_left}, of shape {a[::-1]}, would fit: use the transpose (or swap two arguments)."
        fits = [name for name, value in _arrays(frame.f_locals)
                if value.ndim == 2 and value.shape == (a[-1], b[-1]) and name != right]
        if fits:
            return (f"{said} {fits[0]}, of shape ({a[-1]}, {b[-1]}), would fit: is {right} the matrix the equation "
                    f"names here, or does it belong to another part of the model (or were two arguments swapped "
                    f"in a call)?")
        return (f"{said} Check that each matrix is the one the equation names, in the right orientation, and that "
                f"you pass arguments to your helpers in the order they expect (no two swapped).")
    return None


def _shapes_named(inputs: dict, sizes: list[int]) -> str:
    """Which inputs have an axis of each length in ``sizes``: ``"5: U (2, 5), h_prev (3, 5)"``."""
    parts = []
    for n in dict.fromkeys(sizes):
        owners = [f"{k} {tuple(v.shape)}" for k, v in _arrays(inputs) if n in v.shape]
        if owners:
            parts.append(f"{n} is an axis of {', '.join(owners)}")
    return "; ".join(parts)



def error_hint(name: str, type_name: str, message: str, inputs: dict, arguments: tuple[str, ...],
               hints: dict[str, str], line: str = "", frame=None) -> str:
    """A hint for an error of type ``type_name`` raised by exercise ``name``'s answer on ``inputs``.

    hints: the exercise's own advice per error type (``{"KeyError": "..."}``), used first.
    line, frame: the student's failing line and its frame, where known (not in the grader).
    """
    if type_name in hints:
        return hints[type_name]
    if type_name == "ValueError" and frame is not None and ("matmul" in message or "aligned" in message):
        said = _matmul_hint(line, frame)
        if said:
            return said
    if type_name == "ValueError" and frame is not None and "broadcast" in message:
        said = _broadcast_hint(message, line, frame)
        if said:
            return said
    numbers = [int(n) for n in re.findall(r"(?<![\w.])(\d+)(?![\w.])", message)]
    if type_name == "ValueError" and "broadcast" in message:
        return ("Two arrays' shapes cannot be combined elementwise: numpy lines shapes up from the right, and each "
                "pair of sizes must be equal or 1. A reduction such as z.max(axis=-1) or z.sum(axis=-1) drops its "
                "axis unless you pass keepdims=True; print the shapes on the failing line.")
    if type_name == "ValueError" and ("matmul" in message or "aligned" in message or "mismatch" in message
                                      or "shape" in message):
        named = _shapes_named(inputs, numbers)
        return ("Two arrays' shapes do not fit together" + (f" ({named})" if named else "") +
                ". With row vectors a product is x @ U with U of shape (input, hidden), and a state is (batch, "
                "hidden): print the shapes on the failing line and check each matrix's orientation.")
    if type_name == "IndexError":
        named = _shapes_named(inputs, numbers)
        return ("An index is past the end of an axis" + (f" ({named})" if named else "") +
                ": indices run from 0 to size - 1. Compare the largest index you use with that axis's length.")
    if type_name == "KeyError":
        return ("Your code looks up a key that is not in the dict. A key may be missing for a reason (a context "
                "that training never saw has no counts): use d.get(key, default) or test `key in d` first.")
    if type_name == "TypeError" and ("argument" in message):
        return (f"Keep the template's signature: {name}({', '.join(arguments)}); the checks call it with those "
                f"parameters, in that order.")
    if type_name == "ZeroDivisionError":
        return "Something you divide by is zero on this case: which count or length can be 0?"
    return "Run the cell above with the test's inputs, or add a print before that line, to see what went wrong."


def error_message(name: str, err: BaseException, inputs: dict, arguments: tuple[str, ...],
                  hints: dict[str, str]) -> str:
    """``err`` raised in the student's code, as one paragraph: what, on which line of theirs, a hint."""
    summary, frame = _student_frame(err)
    where, line = "", ""
    if summary is not None:
        line = (summary.line or "").strip()
        where = f" on line {summary.lineno} of your code" + (f": `{line}`" if line else "")
    text = str(err) if not isinstance(err, KeyError) else f"key {err.args[0]!r} not found" if err.args else ""
    return (f"{name} raised {type(err).__name__}{where} ({text}). "
            f"{error_hint(name, type(err).__name__, str(err), inputs, arguments, hints, line, frame)}")


# ---------------------------------------------------------------------------------------------
# plain-data (json) outputs


def json_hint(got, want) -> str | None:
    """What differs between two plain structures (dicts of counts, lists of shapes), or None."""
    if type(want) is list and type(got) is list:
        if len(want) == 1 and got == want[0]:
            return "It is the one item the list should hold: return a list holding it, [item]."
        if len(got) == len(want) and sorted(map(repr, got)) == sorted(map(repr, want)):
            return "It has the right items in the wrong order."
        if (len(got) == len(want) and all(type(g) is list and type(w) is list and g == w[1:] for g, w in zip(got, want))):
            return "Each item lacks its first entry (the batch size comes first in every shape)."
        if len(got) != len(want):
            return f"It has {len(got)} item{'s' if len(got) != 1 else ''}; expected {len(want)}."
        return None
    if type(want) is not dict or type(got) is not dict:
        return None
    kinds = {type(v).__name__ for v in got.values()} - {type(v).__name__ for v in want.values()}
    if kinds:
        wanted = ", ".join(sorted({type(v).__name__ for v in want.values()}))
        return f"Its values are {', '.join(sorted(kinds))} where each value should be a {wanted}."
    got_lengths = {len(k) for k in got if type(k) is str}
    want_lengths = {len(k) for k in want if type(k) is str}
    if got_lengths and want_lengths and got_lengths.isdisjoint(want_lengths):
        return (f"Its keys have {', '.join(map(str, sorted(got_lengths)))} characters; expected "
                f"{', '.join(map(str, sorted(want_lengths)))} (a context is exactly k characters).")
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    parts = []
    if missing:
        parts.append(f"it misses the key{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing[:4]))}")
    if extra:
        parts.append(f"it has key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra[:4]))} that should not be there")
    if parts:
        return "Compared with the expected dict, " + " and ".join(parts) + "."
    wrong = [k for k in want if got[k] != want[k]]
    return f"The keys are right; the values differ at {', '.join(map(repr, wrong[:4]))}." if wrong else None
