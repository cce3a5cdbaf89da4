"""``python -m course autograde``: grade a class's submissions into the gradebook.

1. import: find each student's notebooks (folders or LMS zips), check them, copy them to
   ``<out>/submitted`` (:mod:`course.submissions`);
2. prepare: ``generate_assignment`` records each assignment in the real gradebook and in a
   template SQLite gradebook that every worker copies;
3. grade: N worker processes run nbgrader's autograde and generate_feedback, one scratch course
   directory and one private SQLite file per submission (:mod:`course.worker`, :mod:`course.pool`);
4. merge: this process alone copies each result into the real gradebook in one transaction,
   with the submission's digest, then moves the autograded notebooks and feedback into place
   (:mod:`course.gradebook`);
5. report: ``grades.csv``, ``grades_items.csv``, ``grades.png`` and a summary table
   (:mod:`course.reports`).

A submission whose digest (its files and its assignment's source) is recorded as graded is
skipped, so a rerun only grades what is new, changed or failed before.
"""

import dataclasses
import fcntl
import hashlib
import html
import json
import os
import resource
import shutil
import sys
from pathlib import Path

from course import notebooks, pool, release, reports, sources
from course.atomic import replace_tree, write_text
from course.progress import Progress
from course.submissions import import_class

DEFAULT_OUT = Path("grading")
SLACK_SECONDS = 120  # kernel start-up, nbgrader and feedback on top of the cells' own time
INSTALL_SANDBOX = "sudo apt-get install bubblewrap"
NO_SANDBOX_NOTE = ("GRADED WITHOUT THE SANDBOX (--no-sandbox): student code could read files the grading "
                   "user can read; scores are still decided outside the student's process.")


class SandboxUnavailable(RuntimeError):
    """Autograding was asked for with the sandbox, and bubblewrap cannot start here."""


def sandbox_mode(sandbox: bool) -> bool:
    """True to grade in the sandbox; raises if it was asked for and cannot start (fail closed)."""
    from course import isolation

    if sandbox and not isolation.bwrap_works():
        raise SandboxUnavailable(
            "the grading sandbox cannot start: bubblewrap (bwrap) is missing or not permitted on this machine. "
            f"Install it with `{INSTALL_SANDBOX}` and run the same command again, or pass --no-sandbox to grade "
            "without it (every summary, CSV and feedback page will then say so).")
    return sandbox


def _label_feedback(folder: Path) -> None:
    """Put the no-sandbox notice at the top of every feedback page in ``folder``."""
    banner = (f"<p style='background:#fde68a;padding:.5em;font-weight:bold'>{html.escape(NO_SANDBOX_NOTE)}</p>")
    for page in folder.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        at = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
        page.write_text(text[:at] + banner + text[at:], encoding="utf-8")


@dataclasses.dataclass
class Result:
    """What a run did: the export rows, counts, the summary text and where the files are."""

    grades: list[dict]
    items: list[dict]
    counts: dict[str, int]
    summary: str
    out: Path
    warnings: list[str]
    memory: dict[str, float] = dataclasses.field(default_factory=dict)  # peak RSS in MiB


def default_jobs() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def default_timeout() -> int:
    """The per-cell time limit configured in nbgrader_config.py (Execute.timeout)."""
    from course.worker import base_config

    return int(base_config().Execute.get("timeout", 120) or 120)


def fingerprint(folder: Path) -> str:
    """SHA-256 of every file of an assignment's source folder (a change means: grade again)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class _Lock:
    """Only one autograde at a time per output folder (the gradebook has one writer)."""

    def __init__(self, out: Path):
        self.path = out / ".lock"

    def __enter__(self):
        self.fh = open(self.path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise RuntimeError(f"another `python -m course autograde` is using {self.path.parent}; wait for it") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def _generate(root: Path, db_url: str, assignments: list[str]) -> None:
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=release.course_config(root, db_url))
    for a in assignments:
        done = api.generate_assignment(a, force=True, create=True)
        if not done["success"]:
            raise RuntimeError(f"nbgrader could not record assignment {a}:\n{done['error']}\n{done['log']}")


def prepare(source: Path, out: Path, db_url: str, assignments: list[str], prints: dict[str, str]) -> Path:
    """Record the assignments in the real gradebook and build the workers' template; return it.

    Both are redone only for assignments whose source changed since the last run.
    """
    work = out / ".work"
    stamp_path = work / "prepared.json"
    stamp = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    template = work / "template"
    changed = [a for a in assignments if stamp.get("template", {}).get(a) != prints[a]
               or not (template / "source" / a).exists()]
    if changed:
        for a in changed:
            replace_tree(source / a, template / "source" / a)
        _generate(template, f"sqlite:///{template / 'gradebook.db'}", changed)
        stamp.setdefault("template", {}).update({a: prints[a] for a in changed})
    book_key = hashlib.sha256(db_url.encode()).hexdigest()[:16]
    recorded = stamp.setdefault("gradebooks", {}).setdefault(book_key, {})
    real_sqlite = Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None
    if real_sqlite is not None and not real_sqlite.exists():
        # A new SQLite gradebook starts as a copy of the template: the same generate_assignment
        # records, without running it (and nbgrader's alembic set-up) a second time.
        shutil.copyfile(template / "gradebook.db", real_sqlite)
        for a in assignments:
            replace_tree(source / a, out / "source" / a)
        recorded.clear()
        recorded.update({a: prints[a] for a in assignments})
    changed = [a for a in assignments if recorded.get(a) != prints[a] or not _has_assignment(db_url, a)]
    if changed:
        for a in changed:
            replace_tree(source / a, out / "source" / a)
        _generate(out, db_url, changed)
        recorded.update({a: prints[a] for a in changed})
    write_text(stamp_path, json.dumps(stamp, indent=1))
    return template


def _has_assignment(db_url: str, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, _course_id()) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False


def _course_id() -> str:
    from course.worker import base_config, course_id

    return course_id(base_config())


def _not_graded_page(student: str, assignment: str, message: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(assignment)}</title></head>"
            f"<body><h1>{html.escape(assignment)}: not graded</h1><p>{html.escape(student)}, your submission "
            f"could not be graded automatically:</p><p><b>{html.escape(message)}</b></p><p>Please submit the "
            f"notebook again (File &gt; Save, then upload the .ipynb file), or contact your instructor.</p>"
            "</body></html>\n")


def write_formgrader_config(out: Path, db_url: str) -> Path:
    """Make ``out`` an nbgrader course directory that opens in the formgrader as it is.

    ``out`` already has nbgrader's layout (gradebook, source/, submitted/, autograded/,
    feedback/); the config file adds the course's own settings and this gradebook, so
    ``cd out && jupyter lab`` shows the class in the Formgrader panel, ready for the written
    answers, and anything the formgrader runs grades the way this command does.
    """
    text = ("# Written by `python -m course autograde`. Open this folder with `jupyter lab` and use\n"
            "# Formgrader to grade the written answers; it works on the same gradebook.\n"
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(release.CONFIG)!r})  # noqa: F821  (the course's settings)\n"
            f"c.CourseDirectory.root = {str(out)!r}\n"
            f"c.CourseDirectory.db_url = {db_url!r}\n")
    path = out / "nbgrader_config.py"
    write_text(path, text)
    return path


def autograde(submissions: Path, out: Path = DEFAULT_OUT, *, sandbox: bool = True, **options) -> Result:
    """Import, grade, merge and report a class; see the module docstring and :func:`_autograde`.

    sandbox: grade in the bubblewrap sandbox (the default; raises SandboxUnavailable if it cannot
    start). False grades without it, and every summary, CSV row and feedback page says so.
    """
    from course.isolation import NO_SANDBOX_ENV

    sandbox = sandbox_mode(sandbox)
    before = os.environ.pop(NO_SANDBOX_ENV, None)
    if not sandbox:
        os.environ[NO_SANDBOX_ENV] = "1"  # the workers and their kernels inherit it
    try:
        return _autograde(submissions, out, sandbox=sandbox, **options)
    finally:
        os.environ.pop(NO_SANDBOX_ENV, None)
        if before is not None:
            os.environ[NO_SANDBOX_ENV] = before


def _autograde(submissions: Path, out: Path = DEFAULT_OUT, *, jobs: int | None = None, db_url: str | None = None,
              timeout: int | None = None, source: Path = sources.SOURCE, show_progress: bool = True,
              stream=None, sandbox: bool = True) -> Result:
    """Import, grade, merge and report a class; see the module docstring. Returns what it did.

    submissions: folder of ``<student>/`` folders (nbgrader layout) and/or ``<student>.zip``.
    out: output course directory (gradebook.db by default, submitted/, autograded/, feedback/,
    grades.csv, grades_items.csv, grades.png). db_url: SQLAlchemy URL of the gradebook, e.g.
    ``postgresql://user@localhost/grades``; default SQLite ``<out>/gradebook.db``.
    timeout: seconds one cell may run (default: nbgrader_config's Execute.timeout).
    sandbox: whether this run grades in the sandbox (already decided by :func:`autograde`).
    """
    from course.gradebook import Book, normalise_url

    out = Path(out).resolve()
    source = Path(source).resolve()
    out.mkdir(parents=True, exist_ok=True)
    jobs = jobs or default_jobs()
    timeout = timeout or default_timeout()
    db_url = normalise_url(db_url) if db_url else f"sqlite:///{out / 'gradebook.db'}"
    release.ensure_tools_on_path()
    with _Lock(out):
        stale = sources.build(source, check=True)
        if stale:
            raise RuntimeError("source notebooks are out of date; run `python -m course build` first: "
                               + ", ".join(str(p) for p in stale))
        assignments = sources.assignments(source)
        layout = {a: sorted(p.stem for p in (source / a).glob("*.ipynb")) for a in assignments}
        prints = {a: fingerprint(source / a) for a in assignments}
        subs, warnings = import_class(Path(submissions), out, layout, prints)
        graded = sorted({s.assignment for s in subs})
        items = {a: [(nb, c) for nb in layout[a] for c in notebooks.graded_items(notebooks.read(source / a / f"{nb}.ipynb"))]
                 for a in graded}
        code_cells = {a: sum(sum(1 for c in notebooks.read(source / a / f"{nb}.ipynb").cells if c.cell_type == "code")
                             for nb in layout[a]) for a in graded}
        gradable = sum(1 for s in subs if s.status == "ok")
        # Start the workers first: their imports overlap the preparation below.
        with pool.Pool(min(jobs, gradable), jobs, out / ".work" / "scratch", out / ".work" / "logs") as workers:
            template = prepare(source, out, db_url, graded, prints) if graded else None
            counts = {"graded": 0, "unchanged (skipped)": 0, "not gradable": 0, "not submitted": 0, "failed": 0}
            by_key = {(s.student, s.assignment): s for s in subs}
            with Book(db_url, _course_id()) as book:
                tasks = []
                for s in subs:
                    if book.is_done(s.student, s.assignment, s.digest):
                        counts["unchanged (skipped)"] += 1
                    elif s.status == "missing":
                        book.record_missing(s.student, s.assignment, s.digest, "; ".join(s.problems))
                        counts["not submitted"] += 1
                    elif s.status == "invalid":
                        message = "; ".join(s.problems)
                        for nb in layout[s.assignment]:
                            write_text(out / "feedback" / s.student / s.assignment / f"{nb}.html",
                                       _not_graded_page(s.student, s.assignment, message))
                        book.record_zero(s.student, s.assignment, s.digest, message)
                        counts["not gradable"] += 1
                    else:
                        tasks.append({"id": f"{s.student}/{s.assignment}", "student": s.student,
                                      "assignment": s.assignment,
                                      "submitted": str(out / "submitted" / s.student / s.assignment),
                                      "template": str(template), "timeout": timeout,
                                      "workdir": str(out / ".work" / "jobs" / f"{s.student}__{s.assignment}")})
                # Longest first, so that the last jobs to start are short ones: by how long each
                # notebook took before (in this gradebook), else by its number of code cells.
                took: dict[str, list[float]] = {}
                for r in book.records().values():
                    if r.seconds:
                        took.setdefault(r.assignment, []).append(r.seconds)
                tasks.sort(key=lambda t: (-sum(took.get(t["assignment"], [0])) / len(took.get(t["assignment"], [0])),
                                          -code_cells[t["assignment"]]))
                bar = Progress(len(tasks), stream=sys.stderr) if show_progress and tasks else None
                worker_peak = 0.0  # MiB, the largest a worker reported

                def merge(task, result):
                    nonlocal worker_peak
                    s = by_key[(task["student"], task["assignment"])]
                    worker_peak = max(worker_peak, float(result.get("peak_rss_mib") or 0.0))
                    if result.get("ok"):
                        replace_tree(Path(result["autograded"]), out / "autograded" / s.student / s.assignment)
                        if not sandbox:
                            _label_feedback(Path(result["feedback"]))
                        replace_tree(Path(result["feedback"]), out / "feedback" / s.student / s.assignment)
                        problems = list(s.problems) + ([result["error"].strip()] if result.get("error") else [])
                        repaired = result.get("repaired") or []
                        status = "error" if problems else "repaired" if repaired else "ok"
                        message = "; ".join(problems + ([f"repaired before grading: {'; '.join(repaired)}"]
                                                        if repaired else []))
                        book.record_graded(s.student, s.assignment, result["scores"], s.digest, status, message,
                                           result.get("seconds"))
                        counts["graded"] += 1
                        got = sum(g["auto_score"] or 0 for nb in result["scores"]["notebooks"].values()
                                  for g in nb["grades"].values())
                        note = f"{task['id']}: {got:g} automatic points in {result.get('seconds') or 0:.1f}s"
                    else:
                        book.record_failed(s.student, s.assignment, result.get("error", "unknown error").strip(),
                                           result.get("seconds"))
                        counts["failed"] += 1
                        note = f"{task['id']}: FAILED"
                    shutil.rmtree(task["workdir"], ignore_errors=True)
                    if bar:
                        bar.step(note)

                workers.run(tasks, merge, lambda t: timeout * (code_cells[t["assignment"]] + 1) + SLACK_SECONDS)
                grades, details = reports.collect(book, items)
        for row in grades:
            row["sandbox"] = "on" if sandbox else "OFF (--no-sandbox)"
        write_formgrader_config(out, db_url)
        reports.write_csv(out / "grades.csv", grades, reports.GRADES_COLUMNS)
        reports.write_csv(out / "grades_items.csv", details, reports.ITEM_COLUMNS)
        if grades:
            reports.plot(grades, details, out / "grades.png")
        counts = {k: v for k, v in counts.items() if v}
        text = ("sandbox: on (bubblewrap)\n" if sandbox else f"sandbox: OFF. {NO_SANDBOX_NOTE}\n") + reports.summary(grades, graded, counts)
        if warnings:
            text += "".join(f"warning: {w}\n" for w in warnings)
        memory = {"grader": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "worker": worker_peak}
        if tasks:
            text += (f"memory: this process peaked at {memory['grader']:.0f} MiB, a grading worker at "
                     f"{memory['worker']:.0f} MiB (each student kernel is capped on its own)\n")
        write_text(out / "summary.txt", text)
        print(text, end="", file=stream or sys.stdout)
        return Result(grades, details, counts, text, out, warnings, memory)
