"""The visible checks of every exercise: a student's function against the course's test cases.

Every autograded test cell in the course calls :func:`check`. The cases it runs are data, not
code: ``python -m course build`` writes them beside each notebook (``NN_slug.checks.npz``: the
inputs, the expected outputs, and what each typical mistake the course knows would return),
so the reference answers stay with the course's grader. The hidden tests run in the grader,
on fresh inputs; :func:`check` with ``hidden=True`` hands over to it where it is installed.

Results are validated strictly before any comparison: exact built-in/ndarray types, shape,
dtype, finiteness. An object that claims to equal everything is rejected, not compared. The
same functions judge the grader's hidden cases, so the visible check and the grade agree.
"""

import contextlib
import copy
import dataclasses
import functools
import importlib.metadata
import inspect
import io
import itertools
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from rnnkit import delegation, diagnosis, wire

CASES_SUFFIX = ".checks.npz"  # the visible cases beside a notebook: NN_slug.checks.npz
HIDDEN_CHECKS = "rnnkit.hidden_checks"  # entry-point group of the grader that runs hidden tests
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
class Spec:
    """What checking an exercise's function needs to know about it, as plain data.

    name: the function students define. outputs: what it returns (one Out: a bare value;
    several: a tuple). arguments: the template's positional parameters, in order (answers are
    called by position, so a renamed parameter costs nothing). rtol, atol: the tolerance of
    float outputs (an Out may set its own; never tighter than float32 unless both are 0).
    forbidden: library functions an answer may not call (``"rnnkit.cells.rnn_step"``).
    calls: ``(name, message)``: a wrong answer that uses ``name`` (e.g. Python's salted
    ``hash``, whose results differ from one process to the next) hears ``message``.
    hints: ``(error type, advice)``: what to tell an answer that raises that error here
    (``("KeyError", "a context never seen in training has zero counts ...")``).
    """

    name: str
    outputs: tuple[Out, ...]
    arguments: tuple[str, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-8
    forbidden: tuple[str, ...] = ()
    calls: tuple[tuple[str, str], ...] = ()
    hints: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Case:
    """One visible test case: inputs, the expected outputs, and each known mistake's outputs.

    mistakes: ``(message, outputs)`` pairs; outputs are what that mistake returns on these
    inputs, normalised like ``expected``. at_hidden_size: drawn as the hidden tests draw.
    probes: ``(probe, expected)`` pairs: derived cases (:func:`rnnkit.diagnosis.probes`, e.g.
    ``["zero", "b"]``) and the right outputs on them, for the ablation feedback. terms: the
    lecture's words for the inputs the probes change (``{"b": "the bias"}``).
    """

    inputs: dict
    expected: list
    mistakes: list
    at_hidden_size: bool = False
    probes: list = dataclasses.field(default_factory=list)
    terms: dict = dataclasses.field(default_factory=dict)


_FLOAT_SCALARS = (float, np.float64, np.float32, np.float16)
_INT_SCALARS = (int, np.int64, np.int32, np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64)


def normalise(spec, result: Any, who: str = "your function") -> list:
    """Validate a returned value against ``spec.outputs``; return a list of plain values.

    Arrays come back as float64/int64 copies, scalars as float/int, json as plain structures.
    Raises CheckFailed naming the output, the type or shape found and what was expected.
    """
    fname = spec.name
    if len(spec.outputs) == 1:
        values = [result]
    else:
        if type(result) not in (tuple, list):
            names = ", ".join(o.name for o in spec.outputs)
            raise CheckFailed(
                f"{fname} should return a tuple ({names}), but {who} returned "
                f"{_describe(result)}."
            )
        if len(result) != len(spec.outputs):
            names = ", ".join(o.name for o in spec.outputs)
            raise CheckFailed(
                f"{fname} should return {len(spec.outputs)} values ({names}), but {who} returned "
                f"{len(result)}."
            )
        values = list(result)
    try:
        return [_normalise_one(fname, out, v, who) for out, v in zip(spec.outputs, values)]
    except CheckFailed as err:
        for order in itertools.permutations(range(len(values))) if 1 < len(values) <= 6 else ():
            try:
                [_normalise_one(fname, out, values[j], who) for out, j in zip(spec.outputs, order)]
            except CheckFailed:
                continue
            names = ", ".join(o.name for o in spec.outputs)
            raise CheckFailed(f"{err} Are the values in the wrong order? Return ({names}), in this order.") from None
        raise


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
            if type(value) in _FLOAT_SCALARS + _INT_SCALARS and out.doc.startswith("("):
                hint = (f" One number came back where an array {out.doc.split(')')[0]}) belongs: a reduction such as "
                        f"np.argmax or np.sum without axis= works on the whole array instead of along each row.")
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


def _tolerance(out: Out, spec) -> tuple[float, float]:
    """(rtol, atol) for ``out``: the exercise's, never tighter than float32 unless it is exact."""
    rtol = spec.rtol if out.rtol is None else out.rtol
    atol = spec.atol if out.atol is None else out.atol
    if rtol or atol:
        return max(rtol, SINGLE_RTOL), max(atol, SINGLE_ATOL)
    return rtol, atol


def _same(out: Out, spec, got, want) -> bool:
    if out.kind == "array":
        if got.shape != want.shape:
            return False
        rtol, atol = _tolerance(out, spec)
        return bool(np.all(np.abs(got - want) <= atol + rtol * np.abs(want)))
    if out.kind == "int_array":
        return got.shape == want.shape and bool(np.array_equal(got, want))
    if out.kind == "float":
        rtol, atol = _tolerance(out, spec)
        return abs(got - want) <= atol + rtol * abs(want)
    return type(got) is type(want) and got == want


def _difference(out: Out, got, want, inputs: dict | None = None) -> str:
    """How output ``out`` differs, said of it: ``"has shape (3, 5); expected ..."``, ``"is 0.78; expected 2.19."``."""
    if out.kind in ("array", "int_array"):
        if got.shape != want.shape:
            doc = f" = {out.doc}" if out.doc else ""
            why = diagnosis.shape_hint(out.doc, got.shape, want.shape, inputs or {})
            hint = f": {why}" if why else " (transposed?)" if got.shape == want.shape[::-1] else ""
            return f"has shape {got.shape}; expected {want.shape}{doc}{hint}."
        diff = np.abs(got - want)
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
        at = f" at index {tuple(int(i) for i in idx)}" if diff.ndim else ""
        return (f"has the right shape but wrong values: largest difference {diff.max():.3g}{at} "
                f"(expected {want[idx]:.6g}, got {got[idx]:.6g}).")
    if out.kind == "json":
        why = diagnosis.json_hint(got, want)
        return f"is {_short(got)}; expected {_short(want)}." + (f" {why}" if why else "")
    return f"is {got!r}; expected {want!r}."


def _short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def verify(spec, got: list, expected: list, mistakes: Iterable[tuple[str, list | None]] = (), *,
           inputs: dict | None = None, ablation: Callable[[], str | None] | None = None) -> None:
    """Compare normalised outputs with the expected ones; raise CheckFailed saying how they differ.

    ``mistakes`` yields ``(message, outputs)`` for the typical wrong answers (outputs None: that
    mistake cannot run on this case); the first whose outputs the answer reproduces is named.
    Otherwise :func:`explain` says what it can; ``inputs`` (the case's) and ``ablation`` (what
    the derived cases say, computed only when needed) sharpen it.
    """
    if all(_same(out, spec, g, w) for out, g, w in zip(spec.outputs, got, expected)):
        return
    for message, theirs in mistakes:
        if theirs is not None and all(_same(out, spec, g, m) for out, g, m in zip(spec.outputs, got, theirs)):
            raise CheckFailed(f"{spec.name} is not right yet: {message}")
    raise CheckFailed(explain(spec, got, expected, inputs or {}, ablation))


def _close(out: Out, spec) -> Callable[[Any, Any], bool]:
    """``(got, want) -> bool`` at ``out``'s tolerance, for parts of an output (a step, a block)."""
    def close(got, want):
        if out.kind in ("array", "int_array"):
            return _same(out, spec, np.asarray(got), np.asarray(want))
        return _same(out, spec, got, want)
    return close


def _reordered(spec, got: list, expected: list) -> str | None:
    """If the outputs are the right values in another order, which one sits where, else None."""
    n = len(spec.outputs)
    for order in itertools.permutations(range(n)) if 1 < n <= 6 else ():
        if list(order) != list(range(n)) and all(type(got[order[i]]) is type(expected[i]) and
                                                 _same(spec.outputs[i], spec, got[order[i]], expected[i]) for i in range(n)):
            return ", ".join(f"`{spec.outputs[i].name}` is at position {order[i] + 1}" for i in range(n) if order[i] != i)
    return None


def _plural(sentence: str) -> str:
    """``"is the expected value ..."`` said of several outputs."""
    if sentence.startswith("is the expected value"):
        return "are the expected values" + sentence[len("is the expected value"):]
    return "are " + sentence[3:] if sentence.startswith("is ") else sentence


def explain(spec, got: list, expected: list, inputs: dict, ablation: Callable[[], str | None] | None = None) -> str:
    """The message for a wrong answer that no known mistake matches, most telling part first.

    A transform of the expected result that the answer equals ("is the natural log of the
    expected value"), else what the derived cases say ("right when `b` is 0"), then where each
    wrong output differs (which time steps, which gate blocks, the largest difference).
    """
    wrong = [i for i, (out, g, w) in enumerate(zip(spec.outputs, got, expected)) if not _same(out, spec, g, w)]
    order = _reordered(spec, got, expected)
    if order:
        return (f"{spec.name} is not right yet: it returns the right values in the wrong order ({order}); "
                f"return ({', '.join(o.name for o in spec.outputs)}) in this order.")
    named = {}  # transform sentence -> the outputs it describes
    for i in wrong:
        out = spec.outputs[i]
        sentence = diagnosis.transform(out.kind, out.doc, got[i], expected[i], _close(out, spec), inputs)
        if sentence:
            named.setdefault(sentence, []).append(out.name)
    headline = [f"{' and '.join(f'`{n}`' for n in names)} {_plural(sentence) if len(names) > 1 else sentence}."
                for sentence, names in named.items()]
    if not headline and ablation is not None:
        said = ablation()
        if said:
            headline.append(said[0].upper() + said[1:] + ".")
    described = {n for names in named.values() for n in names}
    located, plain = [], []  # (output name, sentence): outputs with a "where" first
    for i in wrong:
        out = spec.outputs[i]
        if out.name in described:
            continue
        where = None
        if out.kind in ("array", "int_array") and np.shape(got[i]) == np.shape(expected[i]):
            where = diagnosis.locate(out.doc, got[i], expected[i], _close(out, spec))
        difference = _difference(out, got[i], expected[i], inputs)
        if where:
            located.append((out.name, f"In `{out.name}`, {where} ({difference.rstrip('.')})."))
        else:
            plain.append((out.name, f"`{out.name}` {difference}"))
    ranked = located + plain
    # one clear message: two outputs in detail, the others by name
    details = [sentence for _, sentence in ranked[:2]]
    if len(ranked) > 2:
        rest = [f"`{name}`" for name, _ in ranked[2:]]
        details.append(f"{', '.join(rest)} differ{'s' if len(rest) == 1 else ''} too.")
    right = [out.name for i, out in enumerate(spec.outputs) if i not in wrong]
    if right and len(spec.outputs) > 1:
        details.append(f"Right already: {', '.join(f'`{n}`' for n in right)}.")
    return f"{spec.name} is not right yet. " + " ".join(headline + details)


def call_arguments(spec, inputs: dict) -> tuple[list, dict]:
    """``inputs`` as the template's positional arguments (the others stay keywords).

    Calling by position means a student who renames a parameter (``x_t`` for ``x``) is not
    marked wrong for it; the order is the template's signature.
    """
    order = [n for n in spec.arguments if n in inputs]
    return [inputs[n] for n in order], {k: v for k, v in inputs.items() if k not in order}


def _root(module) -> str:
    return str(module or "").split(".")[0]


def names_used(fn: Callable) -> dict[str, Any]:
    """Global names ``fn`` uses, with their values (None for builtins), following its helpers.

    Helpers are the functions it reaches through its global names (defined in the same module,
    i.e. the same notebook) and through its closure.
    """
    found, seen, todo = {}, set(), [fn]
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
            found.setdefault(name, value)
            if inspect.isfunction(value) and value.__module__ == f.__module__:
                todo.append(value)
        todo.extend(c.cell_contents for c in f.__closure__ or () if inspect.isfunction(c.cell_contents))
    return found


def unavailable_names(fn: Callable) -> list[str]:
    """Global names notebook function ``fn`` (and its helpers) take from modules the grader lacks.

    A name bound to a module, function or class from UNAVAILABLE_TO_GRADER is reported as
    ``"name (module)"``. Only notebook code (module ``__main__``) is looked at.
    """
    if getattr(fn, "__module__", None) != "__main__":
        return []  # not notebook code (a library function, or a test's stand-in for a student)
    found = set()
    for name, value in names_used(fn).items():
        where = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
        if value is not None and _root(where) in UNAVAILABLE_TO_GRADER:
            found.add(f"{name} ({where})")
    return sorted(found)


def call_student(spec, student: Callable, inputs: dict):
    """Call the student's function on a copy of ``inputs``; enforce no delegation, no mutation."""
    if not callable(student):
        raise CheckFailed(f"{spec.name} should be a function, but it is {_describe(student)}.")
    leaning = unavailable_names(student)
    if leaning:
        raise CheckFailed(
            f"{spec.name} uses {', '.join(leaning)}. The grader runs your notebook without this course's library "
            f"and without deep-learning frameworks, so write this part with numpy (your own earlier functions are fine).")
    args = copy.deepcopy(inputs)
    try:
        with delegation.watching() as calls:
            positional, keywords = call_arguments(spec, args)
            result = student(*positional, **keywords)
    except NotImplementedError:
        raise CheckFailed(f"{spec.name} is not implemented yet: replace `raise NotImplementedError()` with your code.") from None
    except CheckFailed:
        raise
    except Exception as err:  # the student's own error: their line and a hint, not the checker's frames
        if isinstance(err, TypeError) and len(traceback.extract_tb(err.__traceback__)) == 1:
            raise CheckFailed(f"{spec.name} could not be called as {spec.name}({', '.join(spec.arguments)}): {err}. "
                              f"Keep the template's parameters, in its order; the checks pass them by position.") from None
        raise CheckFailed(diagnosis.error_message(spec.name, err, inputs, spec.arguments, dict(spec.hints))) from None
    used = sorted(c for c in calls if c in spec.forbidden)
    if used:
        raise CheckFailed(
            f"{spec.name} calls {', '.join(used)}. This exercise asks you to write the maths yourself "
            f"with numpy, so an answer that delegates to the reference scores 0."
        )
    for key, before in inputs.items():
        if type(before) is np.ndarray and not np.array_equal(before, args[key]):
            raise CheckFailed(f"{spec.name} modified its input `{key}` in place; work on a copy instead.")
    return result


def check(name: str, student: Callable, *, hidden: bool = False, cases: str | Path | None = None,
          seed: int | None = None) -> None:
    """Check a student's function for exercise ``name``; raise CheckFailed with advice if wrong.

    The visible check runs the notebook's small cases, then one case drawn as the hidden tests
    draw theirs (their sizes, a fixed seed), so an answer that only works for the small sizes
    hears it here, not from the grade. ``cases``: the case file (default: the one beside the
    notebook, in the kernel's working folder). ``hidden=True`` runs the hidden tests where the
    course's grader is installed (the instructor's copy; ``seed`` fixes their inputs) and
    otherwise says that the grader runs them.
    """
    if hidden:
        return _hidden(name, student, seed)
    spec, all_cases = visible_cases(name, cases)
    small = [c for c in all_cases if not c.at_hidden_size]
    for case in small:
        _judge(spec, student, case)
    for case in (c for c in all_cases if c.at_hidden_size):
        try:
            _judge(spec, student, case)
        except CheckFailed as err:
            raise CheckFailed(f"{err} (This was the last visible case, drawn at the sizes of the hidden tests: "
                              f"{_sizes(case.inputs)}; the smaller cases before it passed.)") from None
    print(f"{name}: correct on {len(small)} small test case{'s' if len(small) != 1 else ''} and on one the size of "
          "the hidden tests. Well done!")


def _judge(spec: Spec, student: Callable, case: Case) -> None:
    got = normalise(spec, call_student(spec, student, case.inputs))
    if not all(_same(out, spec, g, w) for out, g, w in zip(spec.outputs, got, case.expected)):
        used = names_used(student)
        for name, message in spec.calls:
            if name in used and used[name] is None:  # the builtin itself, not a notebook variable
                raise CheckFailed(f"{spec.name} is not right yet: {message}")
    verify(spec, got, case.expected, case.mistakes, inputs=case.inputs,
           ablation=lambda: ablation(spec, student, case.inputs, case.probes, case.terms))


def ablation(spec: Spec, student: Callable, inputs: dict, probes: list, terms: dict) -> str | None:
    """What running ``student`` on the derived cases ``probes`` (``(probe, expected)``) says."""
    right, tried = [], []
    for probe, expected in probes:
        probe = tuple(probe)
        tried.append(probe)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # a student's debug prints, once per probe, are noise
                got = normalise(spec, call_student(spec, student, diagnosis.derive(inputs, probe)))
        except CheckFailed:
            continue
        if all(_same(out, spec, g, w) for out, g, w in zip(spec.outputs, got, expected)):
            right.append(probe)
    return diagnosis.explain_probes(right, tried, terms)


def _hidden(name: str, student: Callable, seed: int | None) -> None:
    for entry in importlib.metadata.entry_points(group=HIDDEN_CHECKS):
        try:
            run = entry.load()
        except ImportError:  # e.g. in the grading sandbox, where only this library is mounted
            continue
        return run(name, student, seed=seed)
    print(f"{name}: its hidden tests are run by the course's grader, outside this notebook.")


def visible_cases(name: str, cases: str | Path | None = None) -> tuple[Spec, list[Case]]:
    """The spec and visible cases of exercise ``name`` from its case file; a clear error if missing."""
    paths = [Path(cases)] if cases is not None else sorted(Path.cwd().glob(f"*{CASES_SUFFIX}"))
    if not paths or not all(p.is_file() for p in paths):
        where = paths[0] if cases is not None else Path.cwd()
        raise FileNotFoundError(
            f"The checks of {name} read their test cases from the file NN_name{CASES_SUFFIX} that comes with this "
            f"notebook, and there is none at {where}. Put that file from the course's release back in the "
            f"notebook's folder (and open the notebook from that folder).")
    for path in paths:
        try:
            found = _read_cases(str(path.resolve()), path.stat().st_mtime_ns).get(name)
        except Exception as err:  # a truncated download, an edit: any damage reads the same
            raise ValueError(f"The case file {path} is damaged ({type(err).__name__}: {err}). Put the file from "
                             f"the course's release back in the notebook's folder.") from None
        if found:
            return found
    raise KeyError(f"{', '.join(p.name for p in paths)} has no test cases for {name!r}: is this the case file "
                   f"of this notebook's release?")


@functools.lru_cache(maxsize=16)
def _read_cases(path: str, mtime_ns: int) -> dict[str, tuple[Spec, list[Case]]]:
    data = wire.load(path)
    found = {}
    for name, entry in data["exercises"].items():
        s = entry["spec"]
        spec = Spec(name, tuple(Out(**o) for o in s["outputs"]), tuple(s["arguments"]), s["rtol"], s["atol"],
                    tuple(s["forbidden"]), tuple(tuple(c) for c in s["calls"]), tuple(tuple(h) for h in s["hints"]))
        found[name] = (spec, [Case(c["inputs"], c["expected"], [tuple(m) for m in c["mistakes"]], c["at_hidden_size"],
                                   c["probes"], c["terms"]) for c in entry["cases"]])
    return found


def write_cases(path: str | Path, notebook: str, checks: dict[str, tuple[Spec, list[Case]]]) -> None:
    """Write a case file: for each exercise its spec and visible cases (see :func:`visible_cases`)."""
    exercises = {name: {"spec": dataclasses.asdict(spec) | {"outputs": [dataclasses.asdict(o) for o in spec.outputs]},
                        "cases": [dataclasses.asdict(c) for c in cases]}
                 for name, (spec, cases) in checks.items()}
    wire.save(path, {"notebook": notebook, "exercises": exercises})


def _sizes(inputs: dict) -> str:
    """The shapes of a case's array inputs, e.g. ``xs (7, 12, 3), h0 (7, 5)``; numbers as they are."""
    return ", ".join(f"{k} {tuple(v.shape)}" if isinstance(v, np.ndarray) else f"{k} = {v!r}"
                     for k, v in inputs.items() if isinstance(v, (np.ndarray, int, float)) and not isinstance(v, bool))


def _show_briefly(shell, etype, value, tb, tb_offset=None):
    """How IPython shows a CheckFailed: the sentence alone, not the checker's frames.

    The cell still fails (nbgrader's Validate and autograde see an error output), but the
    student reads what is wrong at once, in the notebook, in Validate's dialog and in the
    feedback page, instead of a traceback through this module with the advice on its last line.
    """
    shell._showtraceback(etype, value, [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"])


def _show_failures_briefly() -> None:
    ipython = sys.modules.get("IPython")  # only an IPython kernel has it loaded; plain Python prints as usual
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.set_custom_exc((CheckFailed,), _show_briefly)


_show_failures_briefly()
