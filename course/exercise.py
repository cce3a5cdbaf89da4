"""What the grader knows about an exercise: how to draw cases, the reference, the typical mistakes.

Each course notebook's exercises are defined in ``source/NN_slug/exercises.py`` (``EXERCISES =
(Exercise(...), ...)``, found by :mod:`course.registry`). The student's side never sees them:
``python -m course build`` turns the visible cases into data (:func:`visible_checks`, read by
:func:`rnnkit.checking.check`) and the hidden cases are drawn here, fresh for every grading
(:mod:`course.integrity`; in the instructor's own kernel :mod:`course.hidden`). Judging uses the very functions of
:mod:`rnnkit.checking`, so the visible check and the grade compare alike.
"""

import copy
import dataclasses
import functools
import inspect
from typing import Callable

import numpy as np

from course import terms as lecture_terms
from rnnkit import checking, diagnosis
from rnnkit.checking import Case, CheckFailed, Out, Spec, normalise
from rnnkit.checking import verify as judge

VISIBLE_SEED = 2024  # visible cases are fixed, so a student can rerun and compare

__all__ = ["Case", "CheckFailed", "Exercise", "Mistake", "Out", "VISIBLE_SEED", "hidden_cases", "make_case",
           "outs", "verify", "visible_checks"]


def outs(**docs: str) -> tuple[Out, ...]:
    """Float-array outputs in the order given, each ``name="its shape in lecture terms"``.

    ``outs(dx="(batch, input)", dU="(input, hidden), like U")`` is ``(Out("dx", doc=...), Out("dU", doc=...))``;
    an output of another kind or tolerance is an ``Out`` of its own.
    """
    return tuple(Out(name, doc=doc) for name, doc in docs.items())


@dataclasses.dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: ``fn`` has the exercise's signature and makes the mistake.

    calls: for a mistake whose results depend on the process (Python's salted ``hash``), the
    builtin whose use is the mistake: its outputs cannot be stored in a case file, so the
    visible check recognises a wrong answer that uses that name instead.
    """

    message: str
    fn: Callable
    calls: str | None = None


@dataclasses.dataclass(frozen=True)
class Exercise:
    """An autograded exercise.

    name: the function students define; also the solution cell's grade_id (tests: ``name_test``).
    notebook: the assignment id, e.g. ``"02_simple_rnn"``; :mod:`course.registry` fills it in
        from the folder of the ``exercises.py`` it loads (an author need not write it).
    make_inputs: ``(rng, hidden) -> dict`` of keyword arguments; hidden cases may be larger.
    reference: the correct function, same signature as the template's.
    outputs: what the function returns; one Out means a bare value, several mean a tuple.
    mistakes: recognised wrong answers, tried in order when the answer is wrong.
    forbidden: library functions the answer may not call (``"rnnkit.cells.rnn_step"``).
    regimes: named kinds of case (``make_inputs(rng, hidden, regime)``); case i of every check
        is drawn in ``regimes[i % len(regimes)]``, so every check covers each regime.
    demo_mistake: ``(old, new)`` text edit of the source solution that makes a typical mistake;
        the instructor demo uses it to fabricate a student who gets exactly this item wrong.
    hints: advice for an answer that raises an error of a type here, ``{"KeyError": "..."}``
        (the generic hints of :mod:`rnnkit.diagnosis` cover the rest).
    terms: the lecture's words for inputs :mod:`course.terms` does not know (``{"alpha": ...}``).
    probe_reference: the reference for the derived cases of the ablation feedback, where the
        reference refuses inputs that are not one consistent forward pass (a backward step that
        checks its h): the same maths without that check. Never used for a mark.
    """

    name: str
    notebook: str | None = dataclasses.field(default=None, kw_only=True)
    points: int
    make_inputs: Callable[..., dict]
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
    hints: dict = dataclasses.field(default_factory=dict)
    terms: dict = dataclasses.field(default_factory=dict)
    probe_reference: Callable | None = None

    def __post_init__(self):
        if self.regimes and min(self.trials_visible, self.trials_hidden) < len(self.regimes):
            raise ValueError(f"{self.name}: every check must cover its {len(self.regimes)} regimes "
                             f"(trials_visible={self.trials_visible}, trials_hidden={self.trials_hidden})")
        if not self.outputs:
            raise ValueError(f"{self.name}: an exercise returns at least one output")
        # What course/AUTHORING.md asks of every exercise, enforced where it is declared.
        if len(self.mistakes) < 2:
            raise ValueError(f"{self.name}: name at least two typical mistakes (Mistake(message, fn))")
        if "keras" not in self.forbidden:
            raise ValueError(f"{self.name}: forbid asking Keras for the answer (forbidden=(..., \"keras\"))")
        if not self.demo_mistake:
            raise ValueError(f"{self.name}: give a demo_mistake (old, new) edit of the solution for the demo class")

    @property
    def arguments(self) -> tuple[str, ...]:
        """The reference's positional parameters, in order: how answers are called."""
        params = inspect.signature(self.reference).parameters.values()
        return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))

    @functools.cached_property
    def spec(self) -> Spec:
        """What the student's side needs to check an answer (no code)."""
        calls = tuple((m.calls, m.message) for m in self.mistakes if m.calls)
        return Spec(self.name, self.outputs, self.arguments, self.rtol, self.atol, self.forbidden, calls,
                    tuple(self.hints.items()))


def make_case(ex: Exercise, rng: np.random.Generator, hidden: bool, index: int = 0) -> tuple[dict, list]:
    """Draw one test case: ``(inputs, expected)`` with expected already validated/normalised.

    ``index`` is the case's number in its check: an exercise with ``regimes`` draws case i in
    regime ``regimes[i % len(regimes)]``, so every check covers each regime the maths has.
    """
    if ex.regimes:
        inputs = ex.make_inputs(rng, hidden, ex.regimes[index % len(ex.regimes)])
    else:
        inputs = ex.make_inputs(rng, hidden)
    expected = normalise(ex.spec, ex.reference(**copy.deepcopy(inputs)), who="the reference")
    return inputs, expected


def hidden_cases(ex: Exercise, rng: np.random.Generator) -> list[tuple[dict, list]]:
    """The cases of one hidden check: ``trials_hidden`` of them, case i in regime i (see make_case)."""
    return [make_case(ex, rng, True, index) for index in range(ex.trials_hidden)]


def mistake_outputs(ex: Exercise, inputs: dict, *, stored: bool = False):
    """``(message, outputs)`` of each known mistake on ``inputs`` (outputs None if it cannot run).

    stored: only the mistakes whose outputs can be written to a case file.
    """
    for mistake in ex.mistakes:
        if stored and mistake.calls:
            continue
        try:
            yield mistake.message, normalise(ex.spec, mistake.fn(**copy.deepcopy(inputs)), who="the mistake model")
        except Exception:  # a mistake model that cannot run on these inputs just does not match
            yield mistake.message, None


def verify(ex: Exercise, inputs: dict, got: list, expected: list, student: Callable | None = None) -> None:
    """Judge normalised student outputs on one case; CheckFailed names a recognised mistake.

    student: the answer itself, where it can be called again (the instructor's kernel): then
    the message also says what the derived cases of :mod:`rnnkit.diagnosis` show.
    """
    def ablation():
        probes = probe_cases(ex, inputs, expected)
        return checking.ablation(ex.spec, student, inputs, probes, terms_of(ex, probes))

    judge(ex.spec, got, expected, mistake_outputs(ex, inputs), inputs=inputs,
          ablation=ablation if student is not None else None)


def describe_hidden_case(ex: Exercise, index: int, inputs: dict) -> str:
    """What a failing hidden case was, without its values: its number, regime and sizes."""
    regime = f" ({ex.regimes[index % len(ex.regimes)]})" if ex.regimes else ""
    sizes = ", ".join(f"{k} {tuple(v.shape)}" if type(v) is np.ndarray else f"{k} = {v}"
                      for k, v in inputs.items() if type(v) is np.ndarray or type(v) is int)
    return f"This was hidden test case {index + 1} of {ex.trials_hidden}{regime}, with sizes {sizes}."


def probe_cases(ex: Exercise, inputs: dict, base: list) -> list[tuple[tuple, list]]:
    """``(probe, expected)`` for each derived case of ``inputs`` (whose right outputs are ``base``)
    that tells something.

    Left out: derived cases the reference refuses, those whose right answer is all zeros (any
    answer linear in the zeroed input is right there, so being right says nothing) and those
    whose right answer does not change (the input does not matter for it).
    """
    found = []
    for probe in diagnosis.probes(inputs):
        try:
            with np.errstate(all="ignore"):  # a zeroed input may make the reference divide by zero: no probe
                reference = ex.probe_reference or ex.reference
                expected = normalise(ex.spec, reference(**copy.deepcopy(diagnosis.derive(inputs, probe))),
                                     who="the reference")
        except Exception:  # the reference's own validation refuses this derived case: not a probe
            continue
        arrays = [np.asarray(v, dtype=float) for v in expected if isinstance(v, (float, int, np.ndarray))]
        if arrays and all(not np.any(a) for a in arrays):
            continue
        # one value everywhere, or the same result for every example of the batch: the probe cut the
        # inputs out (a zero output layer, a saturated tanh), so being right there says nothing
        if arrays and all(np.ptp(a) == 0 or (a.ndim >= 2 and len(a) > 1 and np.all(a == a[:1])) for a in arrays):
            continue
        if all(checking._same(out, ex.spec, e, b) for out, e, b in zip(ex.outputs, expected, base)):
            continue
        found.append((probe, expected))
    return found


def terms_of(ex: Exercise, probes: list[tuple[tuple, list]]) -> dict[str, str]:
    """The lecture's words for every input the ``(probe, expected)`` pairs change."""
    names = {name for probe, _ in probes for name in probe[1:]}
    return dict(lecture_terms.terms_for(sorted(names))) | {k: v for k, v in ex.terms.items() if k in names}


def visible_checks(ex: Exercise) -> tuple[Spec, list[Case]]:
    """The visible cases of ``ex`` as data: the small ones, then one drawn at the hidden sizes."""
    rng = np.random.default_rng(VISIBLE_SEED)
    drawn = [make_case(ex, rng, False, i) + (False,) for i in range(ex.trials_visible)]
    drawn.append(make_case(ex, np.random.default_rng([VISIBLE_SEED, 1]), True) + (True,))
    cases = []
    for inputs, expected, at_hidden_size in drawn:
        mistakes = [(m, o) for m, o in mistake_outputs(ex, inputs, stored=True) if o is not None]
        probes = [] if at_hidden_size else probe_cases(ex, inputs, expected)  # the small cases teach
        cases.append(Case(inputs, expected, mistakes, at_hidden_size, probes, terms_of(ex, probes)))
    return ex.spec, cases
