"""Runs inside the sandbox: replay a student's notebook, call its answers on the grader's inputs.

This file is copied into the sandbox's working folder, beside ``wire.py`` (a copy of
:mod:`rnnkit.wire`, the format both sides speak), and run with ``python -I``. It reads
``job.npz`` (the notebook's code cells in order, the exercises and their argument lists) and
writes ``results.npz`` (per cell the error it raised, per exercise what each call returned).

The replay is the notebook as the student ran it: every cell goes through a real IPython
shell, so magics (``%%time``, ``%timeit``) behave as in a kernel, helpers from other cells and
the student's own earlier answers are there, and a cell that raises is reported and skipped,
as nbgrader's ``allow_errors`` does. The modules listed in the job (the course's library and
the ML frameworks) cannot be imported: in the bubblewrap sandbox they are not even on disk, and
an import hook blocks them here too, so provided cells that need them fail harmlessly and no
answer can delegate to them.

It needs only numpy, IPython and wire.py, and trusts nothing it produces: the grader validates
every byte it reads back (no pickles, plain JSON, its own size limits). Whatever the student's
code does to this process can only change the answers it reports, which the grader checks
against its own reference on inputs the student never saw.
"""

import ast
import contextlib
import importlib.abc
import importlib.util
import json
import os
import signal
import sys
import time

from IPython.core.interactiveshell import InteractiveShell  # imported once, before any fork
from traitlets.config import Config


def _load_wire():
    """rnnkit/wire.py, copied beside this file (``python -I`` puts no script folder on the path)."""
    spec = importlib.util.spec_from_file_location("wire", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wire = _load_wire()


class Blocked(importlib.abc.MetaPathFinder):
    """Makes ``import rnnkit`` (and the frameworks) fail as if they were not installed."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r} (not available to the grader)", name=fullname)
        return None


class TimeLimit(BaseException):
    """Raised by the alarm when one cell or one call runs too long."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def stop(signum, frame):
        raise TimeLimit(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def make_shell():
    """A quiet IPython shell: no history file, no colours, no terminal."""
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autocall = 0
    return InteractiveShell.instance(config=config, ipython_dir=os.path.join(os.getcwd(), ".ipython"))


def imports_blocked(shell, source: str, blocked) -> list | None:
    """The cell's top-level statements if one of them imports a blocked module, else None."""
    try:
        tree = ast.parse(shell.transform_cell(source))
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(n.split(".")[0] in blocked for n in names):
            return tree.body
    return None


def run_statements(shell, statements: list) -> BaseException | None:
    """Run a cell one top-level statement at a time, going on past the ones that raise.

    Used for cells that import the course library or a framework: in the student's kernel the
    import worked and the rest of the cell ran (``import numpy as np`` below it, say), so here
    the import alone fails and every other statement still runs.
    """
    first = None
    for node in statements:
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), "<cell>", "exec"), shell.user_ns)
        except Exception as err:
            first = first or err
    return first


def replay(shell, cells: list[str], blocked, cell_seconds: float, skip: set[int], progress,
           stopped: str) -> list[str | None]:
    """Run each cell as a kernel would; return, per cell, None or the error it raised."""
    report = []
    with open("replay.log", "w", encoding="utf-8", errors="replace") as log:
        for index, source in enumerate(cells):
            if index in skip:
                report.append(stopped)
                continue
            progress({"cell": index})
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                try:
                    with time_limit(cell_seconds):
                        statements = imports_blocked(shell, source, blocked)
                        if statements is not None:
                            error = run_statements(shell, statements)
                        else:
                            result = shell.run_cell(source, store_history=False, silent=True)
                            error = result.error_in_exec or result.error_before_exec
                except TimeLimit as err:
                    error = err
            report.append(None if error is None else f"{type(error).__name__}: {error}"[:500])
            if log.tell() > 2**20:  # a cell that prints without end: keep the file small
                log.seek(0)
                log.truncate()
    return report


def call_one(namespace: dict, ex: dict, call_seconds: float) -> list | dict:
    """Call one exercise's function, as the replay left it defined, on each of its cases."""
    fn = namespace.get(ex["name"])
    if not callable(fn):
        return {"undefined": "missing" if fn is None else type(fn).__name__}
    calls = []
    for case in ex["cases"]:
        args, kwargs = case["args"], case["kwargs"]
        try:
            with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                with time_limit(call_seconds):
                    value = fn(*args, **kwargs)
            calls.append({"ok": wire.plain(value)})  # a copy now: later calls cannot change it
        except BaseException as err:  # whatever the answer raised is the student's result
            calls.append({"error": f"{type(err).__name__}: {err}"[:2000]})
    return calls


def attempt(job: dict, skip: set[int], todo: list[dict], number: int) -> None:
    """One replay and the calls still to make, in this (forked) process; results go to files."""
    me = os.getpid()

    def progress(where: dict):
        with open(f"progress{number}.json", "w", encoding="utf-8") as f:
            json.dump(where, f)

    sys.meta_path.insert(0, Blocked(job["blocked"]))
    shell = make_shell()
    cells = replay(shell, job["cells"], frozenset(job["blocked"]), job["cell_seconds"], skip, progress, job["stopped"])
    if os.getpid() != me:  # a process a cell forked: only the runner itself reports
        os._exit(0)
    with open(f"cells{number}.json", "w", encoding="utf-8") as f:
        json.dump(cells, f)
    for index, ex in enumerate(todo):
        progress({"call": ex["name"]})
        result = call_one(shell.user_ns, ex, job["call_seconds"])
        if os.getpid() != me:
            os._exit(0)
        wire.save(f"result{number}_{index}.npz", {"name": ex["name"], "result": result})


def supervise(pid: int, number: int, stall_seconds: float) -> bool:
    """Wait for an attempt; stop it (and whatever it forked) if it makes no progress. True if clean."""
    last = time.monotonic()
    progress = f"progress{number}.json"
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if os.path.exists(progress):
            last = max(last, os.path.getmtime(progress) - time.time() + time.monotonic())
        if time.monotonic() - last > stall_seconds:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = -1
            break
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # leftovers of a fork bomb
    return status == 0


def collect(number: int, count: int, results: dict) -> list | None:
    """Merge what attempt ``number`` wrote into ``results``; return its cell report."""
    for index in range(count):
        path = f"result{number}_{index}.npz"
        if os.path.exists(path):
            entry = wire.load(path)
            results[entry["name"]] = entry["result"]
    if not os.path.exists(f"cells{number}.json"):
        return None
    with open(f"cells{number}.json", encoding="utf-8") as f:
        return json.load(f)


def main():
    job = wire.load("job.npz")
    skip, results, cells = set(), {}, []
    stall = max(job["cell_seconds"], job["call_seconds"]) + 10
    # A cell or an answer that ends or wedges the process costs only itself: the replay starts
    # again without that cell, or the calls go on with the next exercise.
    for number in range(len(job["cells"]) + len(job["exercises"]) + 1):
        todo = [ex for ex in job["exercises"] if ex["name"] not in results]
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)
            try:
                attempt(job, skip, todo, number)
            finally:
                os._exit(0)
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)
        clean = supervise(pid, number, stall)
        cells = collect(number, len(todo), results) or cells
        if clean and len(results) == len(job["exercises"]):
            break
        where = {}
        with contextlib.suppress(OSError, ValueError):
            with open(f"progress{number}.json", encoding="utf-8") as f:
                where = json.load(f)
        if "cell" in where:
            skip.add(where["cell"])
        elif "call" in where and where["call"] not in results:
            cases = next(len(ex["cases"]) for ex in job["exercises"] if ex["name"] == where["call"])
            results[where["call"]] = [{"error": "calling it ended or stalled the grader's process "
                                                "(it exited, forked without end or ran past the time limit)"}] * cases
    wire.save("results.npz", {"cells": cells, "exercises": results})


if __name__ == "__main__":
    main()
