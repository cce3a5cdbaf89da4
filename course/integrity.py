"""Automatic scores decided outside the student's process.

For each submitted notebook the grader replays the student's code cells, top to bottom, in a
real IPython shell inside a sandboxed child (:mod:`course.isolation`, :mod:`course.answer_runner`),
leaving out the test cells (the grader's own checks replace them). It then calls each
exercise's function, as the replay left it defined, on fresh random inputs, reads the results
back as plain data (:mod:`rnnkit.wire`: JSON and ``.npy``, never a pickle) and judges them with
:mod:`course.exercise` against the reference it computes itself. Helpers in other cells, magics
and the student's own earlier answers work as they did in the kernel; the course library and
the ML frameworks do not exist in the sandbox, so nothing can delegate to them, and nothing the
student's code does can reach this process.

:class:`course.preprocessors.IsolatedSaveAutoGrades` plugs this into ``nbgrader autograde``: the
in-kernel run still produces the feedback notebook, but a test cell's score is the minimum of
the in-kernel result and the isolated verdict, so the kernel can never raise a mark.
"""

import dataclasses
import functools
import importlib.util
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from nbformat.notebooknode import NotebookNode

from course import cell_code, isolation, registry, sources
from course.exercise import Exercise, describe_hidden_case, hidden_cases, verify
from rnnkit import checking, diagnosis, wire

RUNNER = Path(__file__).with_name("answer_runner.py")
WIRE = Path(wire.__file__)  # the runner's one import besides numpy and IPython: the shared format
# Imports an answer may not make: the reference implementations and the frameworks that would
# do the maths for the student. (Inside the sandbox they are absent anyway.)
FORBIDDEN_MODULES = checking.UNAVAILABLE_TO_GRADER
MAX_RESULT_BYTES = 64 * 2**20
STOPPED = "Stopped"  # the runner's mark for a cell it left out because it ended or stalled the process
CELL_SECONDS = 30  # one replayed cell (a student's own exploration may take a while)
CALL_SECONDS = 10  # one call of an answer on one hidden case


@dataclasses.dataclass
class Verdict:
    """The isolated grader's decision on one exercise."""

    name: str
    points: int
    score: float
    message: str
    flags: list[str] = dataclasses.field(default_factory=list)

    @property
    def test_id(self) -> str:
        return f"{self.name}_test"


@functools.lru_cache(maxsize=None)
def _hidden_packages() -> tuple[Path, ...]:
    """Site-packages folders of the forbidden frameworks, masked inside the sandbox."""
    found = []
    for name in FORBIDDEN_MODULES:
        if name in ("rnnkit", "course", "nbgrader"):
            continue  # not on the sandbox's paths at all (the repository is not mounted)
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            found.append(Path(location))
    return tuple(found)


def _normalise(ex: Exercise, got) -> list:
    def find_opaque(v):
        if isinstance(v, wire.Opaque):
            return v
        for item in (v if isinstance(v, (list, tuple)) else v.values() if isinstance(v, dict) else ()):
            found = find_opaque(item)
            if found:
                return found
        return None

    opaque = find_opaque(got)
    if opaque is not None:
        raise checking.CheckFailed(f"{ex.name} returned {opaque.description}; it should return numpy arrays or plain numbers.")
    return checking.normalise(ex.spec, got)


def judge(ex: Exercise, source: str, *, slot: int | None = None, limits: isolation.Limits | None = None,
          seed: int | None = None) -> Verdict:
    """Grade one answer cell on its own (a notebook of that one cell); never raises."""
    # Every course notebook imports these before its first answer.
    preamble = NotebookNode(cell_type="code", source="import math\nimport numpy as np", metadata={})
    nb = NotebookNode(cells=[preamble, NotebookNode(cell_type="code", source=source, metadata={})])
    return judge_cells(nb, [ex], slot=slot, limits=limits, seed=seed)[0]


def judge_cells(nb: NotebookNode, exercises: list, *, slot: int | None = None, notebook: str = "",
                limits: isolation.Limits | None = None, seed: int | None = None) -> list[Verdict]:
    """Replay ``nb`` once in a sandbox, then judge each exercise's function on fresh inputs."""
    if not exercises:
        return []
    limits = limits or isolation.Limits(cpu_seconds=60 + 10 * len(exercises), wall_seconds=90 + 10 * len(exercises),
                                        memory_bytes=4 * 2**30)
    rng = np.random.default_rng(secrets.randbits(63) if seed is None else seed)
    drawn = {ex.name: hidden_cases(ex, rng) for ex in exercises}
    job = {"cells": cell_code.replay_cells(nb), "blocked": list(FORBIDDEN_MODULES), "stopped": STOPPED,
           "cell_seconds": CELL_SECONDS, "call_seconds": CALL_SECONDS, "exercises": []}
    for ex in exercises:
        cases = []
        for inputs, _ in drawn[ex.name]:
            args, kwargs = checking.call_arguments(ex.spec, inputs)
            cases.append({"args": args, "kwargs": kwargs})
        job["exercises"].append({"name": ex.name, "cases": cases})
    with tempfile.TemporaryDirectory(prefix="rnn-course-judge-") as tmp:
        work = Path(tmp, "work")
        work.mkdir()
        wire.save(work / "job.npz", job)
        shutil.copy(RUNNER, work / "runner.py")
        shutil.copy(WIRE, work / "wire.py")
        done = isolation.run([sys.executable, "-I", "runner.py"], work, limits, slot=slot, hide=_hidden_packages())
        results = _read_results(work)
    if results is None:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        why = done.how_it_ended + (f" ({detail})" if detail and not done.timed_out else "")
        return [Verdict(ex.name, ex.points, 0, f"{ex.name} could not be graded: replaying your notebook {why}.")
                for ex in exercises]
    provided = cell_code.provided_sources(notebook) if notebook else frozenset()
    errors = [e for text, e in zip(job["cells"], results.get("cells", []))
              if isinstance(e, str) and text.strip() not in provided]
    hints = cell_code.delegation_hints(nb, notebook)
    verdicts = []
    for ex in exercises:
        verdict = _verdict(ex, drawn[ex.name], results.get("exercises", {}).get(ex.name), errors)
        if verdict.score < verdict.points and hints:
            verdict.message += (f" (Your notebook imports {', '.join(hints)}: the grader does not have "
                                f"{'it' if len(hints) == 1 else 'them'}, since these exercises ask for the maths in numpy.)")
        verdicts.append(verdict)
    return verdicts


def _cell_trouble(error: str) -> str:
    """A sentence about the first cell of the student's own that failed in the replay."""
    if error.startswith(("SyntaxError", "IndentationError", "TabError")):
        return f"One of your cells has a syntax error ({error}), so what it defines does not exist."
    if error == STOPPED:
        return ("One of your cells ended or stalled the process (it exited, crashed, wrote too much or hung) when "
                "the notebook was run from the top, so it was left out and what it defines does not exist.")
    return (f"One of your cells raised {error} when the notebook was run from the top; "
            "Kernel > Restart Kernel and Run All Cells shows where.")


def _verdict(ex: Exercise, cases: list, results, errors: list[str]) -> Verdict:
    if isinstance(results, dict) and "undefined" in results:
        if results["undefined"] == "missing":
            message = f"your notebook does not define a function called {ex.name}."
            if errors:
                message += " " + _cell_trouble(errors[0])
        else:
            message = f"{ex.name} should be a function, but your notebook leaves it as a {results['undefined']}."
        return Verdict(ex.name, ex.points, 0, f"{ex.name}: {message}")
    if not isinstance(results, list) or len(results) != len(cases):
        return Verdict(ex.name, ex.points, 0, f"{ex.name} returned results the grader could not read.")
    for index, ((inputs, expected), result) in enumerate(zip(cases, results)):
        try:
            if not isinstance(result, dict) or "ok" not in result:
                error = str(result.get("error", "no result")) if isinstance(result, dict) else "no result"
                if error.startswith("NotImplementedError"):
                    raise checking.CheckFailed(f"{ex.name} is not implemented yet (NotImplementedError): "
                                               f"replace `raise NotImplementedError()` with your code.")
                kind, _, text = error.partition(": ")
                hint = diagnosis.error_hint(ex.name, kind, text, inputs, ex.arguments, ex.hints)
                raise checking.CheckFailed(f"{ex.name} raised an error: {error}. {hint}")
            got = _normalise(ex, result["ok"])
            verify(ex, inputs, got, expected)
        except checking.CheckFailed as failure:
            return Verdict(ex.name, ex.points, 0, f"{failure} {describe_hidden_case(ex, index, inputs)}")
        except (ValueError, KeyError, TypeError) as err:
            return Verdict(ex.name, ex.points, 0, f"{ex.name} returned results the grader could not read ({err}).")
    return Verdict(ex.name, ex.points, ex.points, f"{ex.name}: correct on {len(cases)} fresh test cases.")


def _read_results(work: Path) -> dict | None:
    """Load what the child wrote, as data only; None if it is missing, too big or malformed."""
    try:
        results = wire.load(work / "results.npz", max_bytes=MAX_RESULT_BYTES)
    except Exception:  # whatever the child left behind, unreadable means "no result"
        return None
    return results if isinstance(results, dict) else None


def judge_notebook(nb: NotebookNode, notebook: str, *, slot: int | None = None,
                   source: Path = sources.SOURCE) -> list[Verdict]:
    """Verdicts for every exercise of assignment notebook ``notebook`` (one replay)."""
    return judge_cells(nb, registry.for_notebook(notebook, source), slot=slot, notebook=notebook)
