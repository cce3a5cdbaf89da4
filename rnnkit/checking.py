"""Autograding checks: a student's function against rnnkit's reference on fresh random inputs.

Every autograded test cell in the course calls :func:`check`. An :class:`Exercise` says how to
draw inputs, what the reference answer is, which typical mistakes to recognise and which
reference code the answer may not delegate to. The pieces (:func:`make_case`, :func:`verify`)
work without a notebook, so a grader can call the student's code in another process and judge
the plain numbers it sends back.

Results are validated strictly before any comparison: exact built-in/ndarray types, shape,
dtype, finiteness. An object that claims to equal everything is rejected, not compared.
"""

import copy
import dataclasses
import inspect
import secrets
from typing import Any, Callable

import numpy as np

from rnnkit import delegation

VISIBLE_SEED = 2024  # visible checks are reproducible so a student can rerun and compare
# Every answer computed in float32 is right (the lecture's TensorFlow code is float32, and a
# student may build arrays with dtype=np.float32 anywhere): float32 carries about 7 digits,
# and an exercise chains up to a few hundred operations, so agreement to 1e-4 relative (1e-6
# absolute near zero) is the least any answer gets. No typical mistake comes that close
# (tests/test_mistakes_never_pass.py). Exact exercises (rtol = atol = 0: indexing, counting)
# stay exact.
SINGLE_RTOL, SINGLE_ATOL = 1e-4, 1e-6
# What the grader's sandbox does not have: this library and the frameworks that would do the
# maths. A visible check refuses answers that lean on them, so Validate agrees with the grade.
UNAVAILABLE_TO_GRADER = ("rnnkit", "course", "nbgrader", "tensorflow", "keras", "tf_keras", "torch", "jax",
                         "scipy", "sklearn")


class CheckFailed(AssertionError):
    """A student's answer is wrong; the message says how, in words a student can act on."""


@dataclasses.dataclass(frozen=True)
class Out:
    """One returned value of an exercise.

    kind: ``"array"`` (float ndarray), ``"int_array"`` (integer ndarray, exact),
    ``"float"``, ``"int"`` (scalars) or ``"json"`` (lists/dicts/str/int/float/bool, exact).
    doc: how the shape reads in lecture terms, e.g. ``"(batch, hidden)"``.
    """

    name: str
    kind: str = "array"
    doc: str = ""
    rtol: float | None = None
    atol: float | None = None


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``fn`` has the exercise's signature and makes the mistake."""

    message: str
    fn: Callable


@dataclasses.dataclass(frozen=True)
class Exercise:
    """An autograded exercise.

    name: the function students define; also the solution cell's grade_id (tests: ``name_test``).
    notebook: the assignment id, e.g. ``"02_simple_rnn"``.
    make_inputs: ``(rng, hidden) -> dict`` of keyword arguments; hidden cases may be larger.
    reference: the correct function, same signature.
    outputs: what the function returns; one Out means a bare value, several mean a tuple.
    mistakes: recognised wrong answers, tried in order when the answer is wrong.
    forbidden: reference functions the answer may not call (``"rnnkit.cells.rnn_step"``, ``"keras"``).
    regimes: named kinds of case (``make_inputs(rng, hidden, regime)``); case i of every check
        is drawn in ``regimes[i % len(regimes)]``, so every check covers each regime.
    demo_mistake: ``(old, new)`` text edit of the source solution that makes a typical mistake;
        the instructor demo uses it to fabricate a student who gets exactly this item wrong.
    """

    name: str
    notebook: str
    points: int
    make_inputs: Callable[[np.random.Generator, bool], dict]
    reference: Callable
    outputs: tuple[Out, ...]
    mistakes: tuple[Mistake, ...] = ()
    forbidden: tuple[str, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-8
    trials_visible: int = 1
    trials_hidden: int = 3
    demo_mistake: tuple[str, str] | None = None
    regimes: tuple[str, ...] = ()

    def __post_init__(self):
        if self.regimes and min(self.trials_visible, self.trials_hidden) < len(self.regimes):
            raise ValueError(f"{self.name}: every check must cover its {len(self.regimes)} regimes "
                             f"(trials_visible={self.trials_visible}, trials_hidden={self.trials_hidden})")


_FLOAT_SCALARS = (float, np.float64, np.float32, np.float16)
_INT_SCALARS = (int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64)


def make_case(ex: Exercise, rng: np.random.Generator, hidden: bool, index: int = 0) -> tuple[dict, list]:
    """Draw one test case: ``(inputs, expected)`` with expected already validated/normalised.

    ``index`` is the case's number in its check: an exercise with ``regimes`` draws case i in
    regime ``regimes[i % len(regimes)]``, so every check covers each regime the maths has.
    """
    if ex.regimes:
        inputs = ex.make_inputs(rng, hidden, ex.regimes[index % len(ex.regimes)])
    else:
        inputs = ex.make_inputs(rng, hidden)
    expected = normalise(ex, ex.reference(**copy.deepcopy(inputs)), who="the reference")
    return inputs, expected


def normalise(ex: Exercise, result: Any, who: str = "your function") -> list:
    """Validate a returned value against ``ex.outputs``; return a list of plain values.

    Arrays come back as float64/int64 copies, scalars as float/int, json as plain structures.
    Raises CheckFailed naming the output, the type or shape found and what was expected.
    """
    fname = ex.name
    if len(ex.outputs) == 1:
        values = [result]
    else:
        if type(result) not in (tuple, list):
            names = ", ".join(o.name for o in ex.outputs)
            raise CheckFailed(
                f"{fname} should return a tuple ({names}), but {who} returned "
                f"{_describe(result)}."
            )
        if len(result) != len(ex.outputs):
            names = ", ".join(o.name for o in ex.outputs)
            raise CheckFailed(
                f"{fname} should return {len(ex.outputs)} values ({names}), but {who} returned "
                f"{len(result)}."
            )
        values = list(result)
    return [_normalise_one(fname, out, v, who) for out, v in zip(ex.outputs, values)]


def _describe(value) -> str:
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None (did you forget a return statement?)"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def _normalise_one(fname: str, out: Out, value, who: str):
    where = f"{fname}'s output `{out.name}`"
    if out.kind in ("array", "int_array"):
        if type(value) is not np.ndarray:
            hint = " Use numpy: np.asarray(...) turns a list into an array." if type(value) in (list, tuple) else ""
            raise CheckFailed(f"{where} should be a numpy array, but {who} returned {_describe(value)}.{hint}")
        want = "f" if out.kind == "array" else "iu"
        if value.dtype.kind not in want:
            kind = "floating-point" if out.kind == "array" else "integer"
            raise CheckFailed(f"{where} should be a {kind} array, but its dtype is {value.dtype}.")
        if out.kind == "array":
            arr = np.array(value, dtype=np.float64, copy=True)
            if not np.all(np.isfinite(arr)):
                raise CheckFailed(f"{where} contains NaN or infinity. Look for a division by zero or an overflowing exp.")
            return arr
        return np.array(value, dtype=np.int64, copy=True)
    if out.kind == "float":
        if type(value) is np.ndarray and value.shape == () and value.dtype.kind == "f":
            value = value.item()
        if type(value) not in _FLOAT_SCALARS + _INT_SCALARS:
            raise CheckFailed(f"{where} should be a number, but {who} returned {_describe(value)}.")
        value = float(value)
        if not np.isfinite(value):
            raise CheckFailed(f"{where} is NaN or infinite.")
        return value
    if out.kind == "int":
        if type(value) not in _INT_SCALARS:
            raise CheckFailed(f"{where} should be an integer, but {who} returned {_describe(value)}.")
        return int(value)
    if out.kind == "json":
        return _plain(where, value, who)
    raise ValueError(f"unknown output kind {out.kind!r}")


def _plain(where: str, value, who: str):
    """Copy a structure of built-in types, refusing anything else (no custom __eq__ survives)."""
    t = type(value)
    if value is None or t in (bool, str):
        return value
    if t in _INT_SCALARS:
        return int(value)
    if t in _FLOAT_SCALARS:
        return float(value)
    if t in (list, tuple):
        return [_plain(where, v, who) for v in value]
    if t is dict:
        return {_plain(where, k, who): _plain(where, v, who) for k, v in value.items()}
    raise CheckFailed(f"{where} should contain only lists, dicts, strings and numbers, but {who} returned {_describe(value)} inside it.")


def _tolerance(out: Out, ex: Exercise) -> tuple[float, float]:
    """(rtol, atol) for ``out``: the exercise's, never tighter than float32 unless it is exact."""
    rtol = ex.rtol if out.rtol is None else out.rtol
    atol = ex.atol if out.atol is None else out.atol
    if rtol or atol:
        return max(rtol, SINGLE_RTOL), max(atol, SINGLE_ATOL)
    return rtol, atol


def _same(out: Out, ex: Exercise, got, want) -> bool:
    if out.kind == "array":
        if got.shape != want.shape:
            return False
        rtol, atol = _tolerance(out, ex)
        return bool(np.all(np.abs(got - want) <= atol + rtol * np.abs(want)))
    if out.kind == "int_array":
        return got.shape == want.shape and bool(np.array_equal(got, want))
    if out.kind == "float":
        rtol, atol = _tolerance(out, ex)
        return abs(got - want) <= atol + rtol * abs(want)
    return type(got) is type(want) and got == want


def _difference(out: Out, fname: str, got, want) -> str:
    name = f"`{out.name}`"
    if out.kind in ("array", "int_array"):
        if got.shape != want.shape:
            doc = f" = {out.doc}" if out.doc else ""
            hint = " (transposed?)" if got.shape == want.shape[::-1] else ""
            return f"{name} has shape {got.shape}{hint}; expected {want.shape}{doc}."
        diff = np.abs(got - want)
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
        at = f" at index {tuple(int(i) for i in idx)}" if diff.ndim else ""
        return (
            f"{name} has the right shape but wrong values: largest difference {diff.max():.3g}{at} "
            f"(expected {want[idx]:.6g}, got {got[idx]:.6g})."
        )
    if out.kind == "json":
        return f"{name} is {_short(got)}; expected {_short(want)}."
    return f"{name} is {got!r}; expected {want!r}."


def _short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def verify(ex: Exercise, inputs: dict, got: list, expected: list) -> None:
    """Compare normalised student outputs with the expected ones; raise CheckFailed if wrong.

    The message names a recognised mistake when one of ``ex.mistakes`` reproduces the answer.
    """
    wrong = [out for out, g, w in zip(ex.outputs, got, expected) if not _same(out, ex, g, w)]
    if not wrong:
        return
    for mistake in ex.mistakes:
        try:
            theirs = normalise(ex, mistake.fn(**copy.deepcopy(inputs)), who="the mistake model")
        except Exception:  # a mistake model that cannot run on these inputs just does not match
            continue
        if all(_same(out, ex, g, m) for out, g, m in zip(ex.outputs, got, theirs)):
            raise CheckFailed(f"{ex.name} is not right yet: {mistake.message}")
    details = " ".join(_difference(out, ex.name, got[ex.outputs.index(out)], expected[ex.outputs.index(out)]) for out in wrong)
    raise CheckFailed(f"{ex.name} is not right yet. {details}")


def call_arguments(ex: Exercise, inputs: dict) -> tuple[list, dict]:
    """``inputs`` as the template's positional arguments (keyword-only ones stay keywords).

    Calling by position means a student who renames a parameter (``x_t`` for ``x``) is not
    marked wrong for it; the order is the reference's signature, which is the template's.
    """
    params = inspect.signature(ex.reference).parameters
    order = [n for n, p in params.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and n in inputs]
    return [inputs[n] for n in order], {k: v for k, v in inputs.items() if k not in order}


def _root(module) -> str:
    return str(module or "").split(".")[0]


def unavailable_names(fn: Callable) -> list[str]:
    """Global names ``fn`` (and the notebook functions it calls) take from modules the grader lacks.

    Follows the student's own functions (defined in the notebook, module ``__main__``) through
    their global names; a name bound to a module, function or class from UNAVAILABLE_TO_GRADER
    is reported as ``"name (module)"``.
    """
    if getattr(fn, "__module__", None) != "__main__":
        return []  # not notebook code (a library function, or a test's stand-in for a student)
    found, seen, todo = set(), set(), [fn]
    while todo:
        f = todo.pop()
        code = getattr(f, "__code__", None)
        if code is None or id(f) in seen:
            continue
        seen.add(id(f))
        names, stack = set(), [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
        for name in names:
            value = f.__globals__.get(name)
            where = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
            if value is not None and _root(where) in UNAVAILABLE_TO_GRADER:
                found.add(f"{name} ({where})")
            elif inspect.isfunction(value) and value.__module__ == "__main__":
                todo.append(value)
    return sorted(found)


def call_student(ex: Exercise, student: Callable, inputs: dict):
    """Call the student's function on a copy of ``inputs``; enforce no delegation, no mutation."""
    if not callable(student):
        raise CheckFailed(f"{ex.name} should be a function, but it is {_describe(student)}.")
    leaning = unavailable_names(student)
    if leaning:
        raise CheckFailed(
            f"{ex.name} uses {', '.join(leaning)}. The grader runs your notebook without this course's library "
            f"and without deep-learning frameworks, so write this part with numpy (your own earlier functions are fine).")
    args = copy.deepcopy(inputs)
    try:
        with delegation.watching() as calls:
            positional, keywords = call_arguments(ex, args)
            result = student(*positional, **keywords)
    except NotImplementedError:
        raise CheckFailed(f"{ex.name} is not implemented yet: replace `raise NotImplementedError()` with your code.") from None
    except CheckFailed:
        raise
    except TypeError as err:
        expected = ", ".join(inputs)
        raise CheckFailed(f"{ex.name} could not be called with arguments ({expected}): {err}") from err
    used = sorted(c for c in calls if c in ex.forbidden)
    if used:
        raise CheckFailed(
            f"{ex.name} calls {', '.join(used)}. This exercise asks you to write the maths yourself "
            f"with numpy, so an answer that delegates to the reference scores 0."
        )
    for key, before in inputs.items():
        if type(before) is np.ndarray and not np.array_equal(before, args[key]):
            raise CheckFailed(f"{ex.name} modified its input `{key}` in place; work on a copy instead.")
    return result


def check(name: str, student: Callable, *, hidden: bool = False, seed: int | None = None) -> None:
    """Check a student's function for exercise ``name``; raise CheckFailed with advice if wrong.

    Visible checks use a fixed seed: the small cases the notebook describes, then one case drawn
    as the hidden tests draw theirs (their sizes, a fixed seed), so an answer that only works
    for the small sizes hears it from the visible check, not from the grade. Hidden checks draw
    fresh inputs each run, more of them.
    """
    from rnnkit.exercises import get_exercise

    ex = get_exercise(name)
    if seed is None:
        seed = secrets.randbits(63) if hidden else VISIBLE_SEED
    rng = np.random.default_rng(seed)
    trials = ex.trials_hidden if hidden else ex.trials_visible
    for index in range(trials):
        inputs, expected = make_case(ex, rng, hidden, index)
        got = normalise(ex, call_student(ex, student, inputs))
        verify(ex, inputs, got, expected)
    if not hidden:
        inputs, expected = make_case(ex, np.random.default_rng([seed, 1]), True)
        try:
            verify(ex, inputs, normalise(ex, call_student(ex, student, inputs)), expected)
        except CheckFailed as err:
            raise CheckFailed(f"{err} (This was the last visible case, drawn at the sizes of the hidden tests: "
                              f"{_sizes(inputs)}; the smaller cases before it passed.)") from None
        except Exception as err:  # the student's own error: keep its traceback, say which case
            err.add_note(f"(in the last visible case of {name}, drawn at the sizes of the hidden tests: "
                         f"{_sizes(inputs)}; the smaller cases before it passed)")
            raise
        print(f"{name}: correct on {trials} small test case{'s' if trials > 1 else ''} and on one the size of "
              "the hidden tests. Well done!")


def _sizes(inputs: dict) -> str:
    """The shapes of a case's array inputs, e.g. ``xs (7, 12, 3), h0 (7, 5)``; numbers as they are."""
    return ", ".join(f"{k} {tuple(v.shape)}" if isinstance(v, np.ndarray) else f"{k} = {v!r}"
                     for k, v in inputs.items() if isinstance(v, (np.ndarray, int, float)) and not isinstance(v, bool))
