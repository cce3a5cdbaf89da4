"""Automatic scores decided outside the student's process.

For each submitted notebook the grader replays the student's code cells, top to bottom, in a
real IPython shell inside a sandboxed child (:mod:`course.isolation`, :mod:`course.answer_runner`),
leaving out the test cells (the grader's own checks replace them). It then calls each
exercise's function, as the replay left it defined, on fresh random inputs, reads the results
back as plain numbers (``.npy`` with ``allow_pickle=False`` and JSON) and judges them with
:mod:`course.exercise` against the reference it computes itself. Helpers in other cells, magics
and the student's own earlier answers work as they did in the kernel; the course library and
the ML frameworks do not exist in the sandbox, so nothing can delegate to them, and nothing the
student's code does can reach this process.

:class:`IsolatedSaveAutoGrades` plugs this into ``nbgrader autograde``: the in-kernel run still
produces the feedback notebook, but a test cell's score is the minimum of the in-kernel result
and the isolated verdict, so the kernel can never raise a mark.
"""

import ast
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
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades
from traitlets import Integer, default

from course import isolation, registry, sources
from course.exercise import Exercise, make_case, verify
from rnnkit import checking, wire

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


def answer_source(nb: NotebookNode, name: str) -> tuple[str | None, list[str]]:
    """The source of the cell answering exercise ``name`` and flags about how it was found.

    The cell is the code cell whose nbgrader grade_id is ``name``; if that metadata was removed
    or changed, a single code cell defining ``def name`` at top level is used instead (flagged).
    """
    flags = []
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    tagged = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name]
    if len(tagged) > 1:
        flags.append(f"{len(tagged)} cells claim to be the answer to {name}; the first was graded")
    if tagged:
        return _text(tagged[0]), flags
    defining = [c for c in cells if _defines(_text(c), name)]
    if len(defining) == 1:
        flags.append(f"the answer cell for {name} lost its nbgrader metadata; the cell defining {name} was graded")
        return _text(defining[0]), flags
    if defining:
        flags.append(f"{len(defining)} cells define {name} and none is the answer cell")
    else:
        flags.append(f"no answer cell for {name} was found (deleted, renamed or turned into markdown?)")
    return None, flags


def _text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _python(source: str) -> str:
    """Cell text as plain Python (IPython magics become harmless calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _defines(source: str, name: str) -> bool:
    try:
        tree = ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)


def forbidden_imports(source: str) -> list[str]:
    """Modules from FORBIDDEN_MODULES that the answer imports (statically visible)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("__import__", "import_module"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in FORBIDDEN_MODULES)
    return sorted(found)


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


def calls_check(source: str) -> bool:
    """Whether a test cell's code calls ``check(...)`` (the course's checks, not plain asserts)."""
    try:
        tree = ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return "check(" in source
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == "check"
               for n in ast.walk(tree))


def replay_cells(nb: NotebookNode) -> list[str]:
    """The code cells the sandbox replays, in notebook order: all but the autograder tests.

    Test cells are left out because the grader's own canonical checks replace them; every
    other cell, provided or added by the student, runs as it did in the student's kernel.
    """
    return [_text(c) for c in nb.get("cells", []) if c.get("cell_type") == "code" and not _is_test(c)]


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


@functools.lru_cache(maxsize=None)
def _provided_sources(notebook: str) -> frozenset[str]:
    """The code cells the release gives every student (not the student's own writing)."""
    from course import notebooks, sources

    path = sources.REPO / "release" / notebook / f"{notebook}.ipynb"
    if not path.is_file():
        return frozenset()
    return frozenset(_text(c).strip() for c in notebooks.read(path).cells if c.cell_type == "code")


def delegation_hints(nb: NotebookNode, notebook: str = "") -> list[str]:
    """Forbidden modules that student-authored cells import (for messages, never for scores)."""
    found = set()
    provided = _provided_sources(notebook) if notebook else frozenset()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and _text(cell).strip() not in provided:
            try:
                found.update(forbidden_imports(_python(_text(cell))))
            except (SyntaxError, ValueError):
                continue
    return sorted(found)


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
    drawn = {ex.name: [make_case(ex, rng, True, i) for i in range(ex.trials_hidden)] for ex in exercises}
    job = {"cells": replay_cells(nb), "blocked": list(FORBIDDEN_MODULES), "stopped": STOPPED,
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
    provided = _provided_sources(notebook) if notebook else frozenset()
    errors = [e for text, e in zip(job["cells"], results.get("cells", []))
              if isinstance(e, str) and text.strip() not in provided]
    hints = delegation_hints(nb, notebook)
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
    for (inputs, expected), result in zip(cases, results):
        try:
            if not isinstance(result, dict) or "ok" not in result:
                error = str(result.get("error", "no result")) if isinstance(result, dict) else "no result"
                if error.startswith("NotImplementedError"):
                    raise checking.CheckFailed(f"{ex.name} is not implemented yet (NotImplementedError): "
                                               f"replace `raise NotImplementedError()` with your code.")
                raise checking.CheckFailed(f"{ex.name} raised an error: {error}")
            got = _normalise(ex, result["ok"])
            verify(ex, inputs, got, expected)
        except checking.CheckFailed as failure:
            return Verdict(ex.name, ex.points, 0, str(failure))
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


def _verdict_output(verdict: Verdict) -> NotebookNode:
    mark = "passed" if verdict.score == verdict.points else "failed"
    lines = [f"Isolated grader: {mark} ({verdict.score:g}/{verdict.points} points). {verdict.message}"]
    lines += [f"Flag: {flag}" for flag in verdict.flags]
    return NotebookNode(output_type="stream", name="stdout", text="\n".join(lines) + "\n")


class IsolatedSaveAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with each exercise's score capped by the isolated verdict.

    A test cell scores min(in-kernel result, isolated verdict); an exercise whose test cell
    was deleted or renamed still gets the verdict (the canonical test is the grader's own),
    flagged in the feedback. Configure it in place of SaveAutoGrades (see nbgrader_config.py).
    """

    sandbox_slot = Integer(help="which sandbox uid to use (parallel workers use different ones)").tag(config=True)

    @default("sandbox_slot")
    def _slot_from_environment(self):
        # course.pool gives each parallel worker its own slot, so students never share a uid
        return isolation.current_slot()

    def preprocess(self, nb, resources):
        notebook = resources["nbgrader"]["notebook"]
        # The exercises of the course directory being graded (a worker's scratch copy of source/)
        root = self.config.CourseDirectory.get("root")
        source = Path(root) / "source" if isinstance(root, str) and root else sources.SOURCE
        self.verdicts = {v.test_id: v for v in judge_notebook(nb, notebook, slot=self.sandbox_slot, source=source)}
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in self.verdicts and cell.cell_type == "code":
                cell.outputs.append(_verdict_output(self.verdicts[grade_id]))
        nb, resources = super().preprocess(nb, resources)
        self._grade_missing(nb, resources)
        return nb, resources

    def _add_score(self, cell, resources):
        super()._add_score(cell, resources)
        test_id = cell.metadata["nbgrader"]["grade_id"]
        verdict = self.verdicts.get(test_id)
        if verdict is None and not calls_check(cell.source):
            return  # a plain test cell (assert ...): nbgrader's own score stands
        grade = self.gradebook.find_grade(test_id, self.notebook_id, self.assignment_id, self.student_id)
        if verdict is None:
            # The cell's check() passes vacuously wherever the grader's exercises are missing:
            # fail closed rather than let the kernel's word stand.
            self.log.error("%s: %s calls check() but the course has no exercise for it "
                           "(source/<assignment>/exercises.py); scored 0", self.student_id, test_id)
            grade.auto_score = 0
            grade.needs_manual_grade = True
        else:
            grade.auto_score = min(grade.auto_score or 0, verdict.score)
        self.gradebook.db.commit()

    def _grade_missing(self, nb, resources):
        present = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells if c.cell_type == "code"}
        missing = [v for test_id, v in self.verdicts.items() if test_id not in present]
        if not missing:
            return
        with Gradebook(self.db_url) as gradebook:
            for verdict in missing:
                try:
                    grade = gradebook.find_grade(verdict.test_id, self.notebook_id, self.assignment_id, self.student_id)
                except Exception:  # the gradebook does not know this test: nothing to restore
                    continue
                grade.auto_score = verdict.score
                grade.needs_manual_grade = True  # a human should see why the test cell vanished
                gradebook.db.commit()
                self.log.warning("%s: test cell %s missing from the submission; scored by the isolated grader",
                                 self.student_id, verdict.test_id)
        nb.cells.append(NotebookNode(cell_type="markdown", metadata={}, id="isolated-grader-flags",
                                     source="**Isolated grader:** these tests were missing from your notebook "
                                            "and were run from the course's copy:\n\n"
                                            + "\n".join(f"- {v.test_id}: {v.score:g}/{v.points}. {v.message}" for v in missing)))
