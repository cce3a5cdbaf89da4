"""``python -m course autograde``: grade a class's submissions into the gradebook.

1. import: find each student's notebooks (folders or LMS zips), check them, copy them to
   ``<out>/submitted`` (:mod:`course.submissions`);
2. prepare: ``generate_assignment`` records each assignment in the real gradebook and in a
   template SQLite gradebook that every worker copies;
3. grade: each submission is a task on a Dask cluster (``--scheduler``, or a LocalCluster of
   ``--jobs`` workers): a worker runs nbgrader's autograde and generate_feedback in its own
   scratch course directory with one private SQLite file, and sends back plain scores and
   files (:mod:`course.cluster`, :mod:`course.dask_worker`, :mod:`course.worker`);
4. merge: this process alone copies each result into the real gradebook in one transaction,
   with the submission's digest, then writes the autograded notebooks and feedback into place
   (:mod:`course.gradebook`);
5. report: ``grades.csv``, ``grades_items.csv``, ``grades.png`` and a summary table
   (:mod:`course.reports`).

A submission whose digest (its files and its assignment's source) is recorded as graded is
skipped, so a rerun only grades what is new, changed or failed before.
"""


import concurrent.futures
import dataclasses
import fcntl
import hashlib
import json
import os
import resource
import shutil
import sys
from pathlib import Path

from course import canvas, casefiles, cluster, config, filetree, lms, moodle, notebooks, pages, release, reports, sources
from course.atomic import replace_tree, write_text
from course.progress import Progress
from course.submissions import Submission, import_class, import_found, known_names

DEFAULT_OUT = Path("grading")
SYSTEMS = {"canvas": canvas, "moodle": moodle}  # --lms: the module that reads its export and writes its grade file
SLACK_SECONDS = 120  # kernel start-up, nbgrader and feedback on top of the cells' own time
INSTALL_SANDBOX = "sudo apt-get install bubblewrap"
NO_SANDBOX_NOTE = ("GRADED WITHOUT THE SANDBOX (--no-sandbox): student code could read files the grading "
                   "user can read; scores are still decided outside the student's process.")
# What the summary counts, in the order it lists them (a count of 0 is left out).
COUNTS = ("graded", "unchanged (skipped)", "not gradable", "not submitted", "failed")


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


def _label_feedback(files: dict[str, bytes]) -> dict[str, bytes]:
    """``files`` with the no-sandbox notice at the top of every feedback page."""
    banner = pages.render("no_sandbox_banner.html", note=NO_SANDBOX_NOTE)
    labelled = dict(files)
    for name, data in files.items():
        if name.endswith(".html"):
            text = data.decode("utf-8")
            at = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
            labelled[name] = (text[:at] + banner + text[at:]).encode("utf-8")
    return labelled


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


@dataclasses.dataclass
class Options:
    """How one run grades, every default resolved (see :func:`_autograde`)."""

    out: Path
    source: Path
    db_url: str
    jobs: int
    scheduler: str | None  # a Dask scheduler's address; None: a LocalCluster of ``jobs`` workers
    timeout: int
    sandbox: bool
    show_progress: bool
    stream: object  # where the summary is printed; None: stdout
    lms: str | None = None  # "canvas" or "moodle": SUBMISSIONS is that LMS's export zip
    roster: Path | None = None  # the LMS's gradebook CSV (Canvas) or grading worksheet (Moodle)


@dataclasses.dataclass
class Plan:
    """Step 1's findings: the class's submissions and what grading them involves."""

    submissions: list[Submission]
    warnings: list[str]
    layout: dict[str, list[str]]  # assignment -> its notebooks
    prints: dict[str, str]  # assignment -> fingerprint of its source folder
    graded: list[str]  # the assignments someone submitted
    items: dict[str, list]  # assignment -> its graded cells, as (notebook, Cell)
    code_cells: dict[str, int]  # assignment -> how many code cells it runs
    export: lms.Export | None = None  # what an LMS archive held, for the grade file it gets back

    @property
    def gradable(self) -> int:
        """How many submissions have notebooks a worker can grade (unchanged ones included)."""
        return sum(1 for s in self.submissions if s.status == "ok")


@dataclasses.dataclass
class Task:
    """One submission for a worker."""

    submission: Submission

    @property
    def id(self) -> str:
        """``student/assignment``: how the progress bar and the worker name this task."""
        return f"{self.submission.student}/{self.submission.assignment}"


@dataclasses.dataclass
class Graded:
    """What a worker answered for one task (see :func:`course.worker.grade`)."""

    task: Task
    ok: bool
    scores: dict | None
    autograded: dict[str, bytes] | None  # relative path -> bytes
    feedback: dict[str, bytes] | None
    repaired: list[str]
    error: str | None
    seconds: float | None
    peak_mib: float  # the worker's peak resident memory so far
    worker: str | None  # the Dask worker's address

    @classmethod
    def from_worker(cls, task: Task, answer: dict) -> "Graded":
        """Read a worker's answer (or the cluster's own failure report) for ``task``."""
        ok = bool(answer.get("ok"))
        return cls(task, ok, answer.get("scores"), answer.get("autograded") if ok else None,
                   answer.get("feedback") if ok else None, answer.get("repaired") or [], answer.get("error"),
                   answer.get("seconds"), float(answer.get("peak_rss_mib") or 0.0), answer.get("worker"))


@dataclasses.dataclass
class Tally:
    """What steps 3 and 4 did, for the report."""

    counts: dict[str, int]
    grades: list[dict]
    details: list[dict]
    worker_peak: float  # MiB, the largest a worker reported
    tasks: int
    throughput: str = ""  # submissions per minute of each worker


def default_jobs() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


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
        """Take the lock, or raise at once if another run holds it."""
        self.fh = open(self.path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise RuntimeError(f"another `python -m course autograde` is using {self.path.parent}; wait for it") from None
        return self

    def __exit__(self, *exc):
        """Let the next run in."""
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def read_class(submissions: Path, options: Options) -> Plan:
    """Step 1, import: check the sources are built, then find, check and copy the class's notebooks."""
    source = options.source
    stale = sources.build(source, check=True) + casefiles.build(source, check=True)
    if stale:
        raise RuntimeError("source notebooks are out of date; run `python -m course build` first: "
                           + ", ".join(str(p) for p in stale))
    assignments = sources.assignments(source)
    layout = {a: sorted(p.stem for p in (source / a).glob("*.ipynb")) for a in assignments}
    prints = {a: fingerprint(source / a) for a in assignments}
    export = None
    if options.lms:
        export = lms.read(SYSTEMS[options.lms], Path(submissions), known_names(layout), options.roster)
        subs, warnings = import_found(export.found, options.out, layout, prints), export.warnings
    else:
        subs, warnings = import_class(Path(submissions), options.out, layout, prints)
    graded = sorted({s.assignment for s in subs})
    read = {a: [(nb, notebooks.read(source / a / f"{nb}.ipynb")) for nb in layout[a]] for a in graded}
    items = {a: [(nb, c) for nb, book in read[a] for c in notebooks.graded_items(book)] for a in graded}
    code_cells = {a: sum(1 for _, book in read[a] for c in book.cells if c.cell_type == "code") for a in graded}
    return Plan(subs, warnings, layout, prints, graded, items, code_cells, export)


def _generate(root: Path, db_url: str, assignments: list[str]) -> None:
    """Run nbgrader's generate_assignment in course directory ``root``, recording into ``db_url``."""
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=config.course_config(root, db_url))
    for a in assignments:
        done = api.generate_assignment(a, force=True, create=True)
        if not done["success"]:
            raise RuntimeError(f"nbgrader could not record assignment {a}:\n{done['error']}\n{done['log']}")


def prepare(source: Path, out: Path, db_url: str, assignments: list[str], prints: dict[str, str]) -> Path:
    """Step 2: record the assignments in the real gradebook and build the workers' template; return it.

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
    """Whether the gradebook at ``db_url`` already records ``assignment``."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, config.course_id()) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False


def longest_first(tasks: list[Task], book, code_cells: dict[str, int]) -> list[Task]:
    """``tasks`` longest first, so that the last ones to start are short.

    How long a notebook takes is how long it took before (its mean in this gradebook), else
    its number of code cells.
    """
    took: dict[str, list[float]] = {}
    for r in book.records().values():
        if r.seconds:
            took.setdefault(r.assignment, []).append(r.seconds)

    def mean_seconds(assignment: str) -> float:
        """Mean seconds ``assignment`` took to grade so far (0 if never)."""
        seconds = took.get(assignment, [0])
        return sum(seconds) / len(seconds)

    return sorted(tasks, key=lambda t: (-mean_seconds(t.submission.assignment), -code_cells[t.submission.assignment]))


def template_files(template: Path, assignments: list[str]) -> dict[str, bytes]:
    """What a worker needs of the template course directory, as bytes: the gradebook and the
    graded assignments' source and release folders."""
    files = {"gradebook.db": (template / "gradebook.db").read_bytes()}
    for folder in ("source", "release"):
        for a in assignments:
            files.update({f"{folder}/{a}/{rel}": data for rel, data in filetree.read(template / folder / a).items()})
    return files


def digest_of(files: dict[str, bytes]) -> str:
    """SHA-256 of a ``{path: bytes}`` folder: names the template the workers were given."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


class Grader:
    """Step 3, grade: the tasks on a Dask cluster. The only code that talks to :mod:`course.cluster`.

    Connects in the background on entry, so that a LocalCluster's workers start and import
    nbgrader while step 2 prepares the gradebook; with nothing gradable (``size`` 0) it starts
    no cluster at all.
    """

    def __init__(self, options: Options, size: int):
        self.options, self.size = options, size
        self.worker_peak = 0.0  # MiB
        self.tasks, self.on_result, self.bar = {}, None, None  # set by run()
        self._connection = self._connecting = None

    def __enter__(self):
        """The grader, its cluster connecting."""
        if self.size:
            self._connecting = concurrent.futures.ThreadPoolExecutor(1).submit(self._connect)
        return self

    def __exit__(self, *exc):
        """Leave the cluster (a LocalCluster stops with it)."""
        if self._connecting is not None:
            concurrent.futures.wait([self._connecting])
        if self._connection is not None:
            self._connection.close()

    def _connect(self):
        """A client of ``--scheduler``'s cluster, or of a LocalCluster of ``size`` workers; warmed up."""
        work = self.options.out / ".work"
        (work / "dask").mkdir(parents=True, exist_ok=True)
        local = self.options.scheduler is None
        self._connection = cluster.Connection(self.options.scheduler, min(self.options.jobs, self.size),
                                              work / "dask")
        cluster.warm_up(self._connection.client, work / "logs" if local else None)
        return self._connection.client

    def run(self, tasks: list[Task], template: Path, code_cells: dict[str, int], on_result) -> None:
        """Grade ``tasks`` against the ``template`` course directory, in this order.

        ``on_result(Graded)`` is called in this process as each task ends and returns a note for
        the progress line.
        """
        if not tasks:
            return
        self.tasks = {t.id: t for t in tasks}
        self.on_result = on_result
        self.client = self._connecting.result()
        self.bar = Progress(len(tasks), stream=sys.stderr) if self.options.show_progress else None
        files = template_files(template, sorted({t.submission.assignment for t in tasks}))
        self.grading = cluster.Grading(self.client, files, digest_of(files), self.options.sandbox)
        if self.bar and self.grading.dashboard():
            print(f"Dask dashboard: {self.grading.dashboard()}", file=sys.stderr)
        self.grading.run([self._job(t, code_cells) for t in tasks], self._done)

    def _job(self, task: Task, code_cells: dict[str, int]) -> dict:
        """``task`` as the plain job :func:`course.dask_worker.grade_task` reads."""
        s = task.submission
        limit = self.options.timeout * (code_cells[s.assignment] + 1) + SLACK_SECONDS
        return {"id": task.id, "student": s.student, "assignment": s.assignment, "timeout": self.options.timeout,
                "files": filetree.read(self.options.out / "submitted" / s.student / s.assignment), "limit": limit}

    def _done(self, job: dict, answer: dict) -> None:
        """Hand one worker's answer on and step the progress line."""
        result = Graded.from_worker(self.tasks[job["id"]], answer)
        self.worker_peak = max(self.worker_peak, result.peak_mib)
        note = self.on_result(result)
        if self.bar:
            self.bar.step(note, failed=not result.ok, running=self.grading.running(), worker=result.worker,
                          seconds=result.seconds)

    def throughput(self) -> str:
        """Each worker's submissions per minute in this run ('' if nothing was graded)."""
        return self.bar.throughput() if self.bar else ""


class Merge:
    """Step 4, merge: this process alone writes the gradebook and moves files into ``out``.

    Each submission is recorded in one transaction with its digest; ``counts`` tallies what
    became of them.
    """

    def __init__(self, book, options: Options):
        self.book, self.options = book, options
        self.counts = dict.fromkeys(COUNTS, 0)

    def to_grade(self, plan: Plan) -> list[Task]:
        """Record what needs no worker (unchanged, missing, ungradable); return the rest as tasks."""
        tasks = []
        for s in plan.submissions:
            if self.book.is_done(s.student, s.assignment, s.digest):
                self.counts["unchanged (skipped)"] += 1
            elif s.status == "missing":
                self.book.record_missing(s.student, s.assignment, s.digest, "; ".join(s.problems))
                self.counts["not submitted"] += 1
            elif s.status == "invalid":
                self._not_gradable(s, plan.layout[s.assignment])
            else:
                tasks.append(Task(s))
        return tasks

    def _not_gradable(self, s: Submission, notebook_names: list[str]) -> None:
        """Zero for a submission none of whose files can be graded, with a page saying why."""
        message = "; ".join(s.problems + s.notes)
        page = pages.render("not_graded.html", student=s.student, assignment=s.assignment, message=message)
        for nb in notebook_names:
            write_text(self.options.out / "feedback" / s.student / s.assignment / f"{nb}.html", page)
        self.book.record_zero(s.student, s.assignment, s.digest, message)
        self.counts["not gradable"] += 1

    def graded(self, result: Graded) -> str:
        """Record one task's result; return its note for the progress bar."""
        s = result.task.submission
        if not result.ok:
            self.book.record_failed(s.student, s.assignment, (result.error or "unknown error").strip(), result.seconds)
            self.counts["failed"] += 1
            return f"{result.task.id}: FAILED"
        out = self.options.out
        filetree.replace(result.autograded, out / "autograded" / s.student / s.assignment)
        feedback = result.feedback if self.options.sandbox else _label_feedback(result.feedback)
        filetree.replace(feedback, out / "feedback" / s.student / s.assignment)
        problems = list(s.problems) + ([result.error.strip()] if result.error else [])
        repaired = [f"repaired before grading: {'; '.join(result.repaired)}"] if result.repaired else []
        status = "error" if problems else "repaired" if repaired else "ok"
        self.book.record_graded(s.student, s.assignment, result.scores, s.digest, status,
                                "; ".join(problems + repaired + s.notes), result.seconds)
        self.counts["graded"] += 1
        got = sum(g["auto_score"] or 0 for nb in result.scores["notebooks"].values() for g in nb["grades"].values())
        return f"{result.task.id}: {got:g} automatic points in {result.seconds or 0:.1f}s"


def report(options: Options, plan: Plan, tally: Tally) -> Result:
    """Step 5, report: the formgrader config, the CSVs, the picture and the summary (printed too)."""
    out = options.out
    for row in tally.grades:
        row["sandbox"] = "on" if options.sandbox else "OFF (--no-sandbox)"
    config.write_formgrader_config(out, options.db_url)
    reports.write_csv(out / "grades.csv", tally.grades, reports.GRADES_COLUMNS)
    reports.write_csv(out / "grades_items.csv", tally.details, reports.ITEM_COLUMNS)
    if tally.grades:
        reports.plot(tally.grades, tally.details, out / "grades.png")
    counts = {k: v for k, v in tally.counts.items() if v}
    text = ("sandbox: on (bubblewrap)\n" if options.sandbox else f"sandbox: OFF. {NO_SANDBOX_NOTE}\n")
    text += reports.summary(tally.grades, plan.graded, counts)
    text += "".join(f"warning: {w}\n" for w in plan.warnings)
    if plan.export is not None:
        path = lms.write_grades(SYSTEMS[plan.export.kind], plan.export, tally.grades, plan.graded, out)
        text += f"{plan.export.kind.capitalize()} grade file (import it there): {path}\n"
    memory = {"grader": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "worker": tally.worker_peak}
    if tally.tasks:
        text += (f"memory: this process peaked at {memory['grader']:.0f} MiB, a grading worker at "
                 f"{memory['worker']:.0f} MiB (each student kernel is capped on its own)\n")
    if tally.throughput:
        text += f"throughput (submissions per minute): {tally.throughput}\n"
    write_text(out / "summary.txt", text)
    print(text, end="", file=options.stream or sys.stdout)
    return Result(tally.grades, tally.details, counts, text, out, plan.warnings, memory)


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
               scheduler: str | None = None, timeout: int | None = None, source: Path = sources.SOURCE, show_progress: bool = True,
               stream=None, sandbox: bool = True, lms: str | None = None, roster: Path | None = None) -> Result:
    """Import, grade, merge and report a class; see the module docstring. Returns what it did.

    submissions: folder of ``<student>/`` folders (nbgrader layout) and/or ``<student>.zip``.
    out: output course directory (gradebook.db by default, submitted/, autograded/, feedback/,
    grades.csv, grades_items.csv, grades.png). db_url: SQLAlchemy URL of the gradebook, e.g.
    ``postgresql://user@localhost/grades``; default SQLite ``<out>/gradebook.db``.
    scheduler: address of a Dask scheduler to grade on (``tcp://host:8786``); default: a
    LocalCluster of ``jobs`` workers (default: one per CPU core).
    timeout: seconds one cell may run (default: nbgrader_config's Execute.timeout).
    lms: "canvas" or "moodle" when ``submissions`` is that LMS's export zip (see :mod:`course.lms`);
    roster: its gradebook CSV or grading worksheet. The LMS's grade file is written to ``out``.
    sandbox: whether this run grades in the sandbox (already decided by :func:`autograde`).
    """
    from course.gradebook import Book, normalise_url

    out = Path(out).resolve()
    db_url = normalise_url(db_url) if db_url else f"sqlite:///{out / 'gradebook.db'}"
    options = Options(out, Path(source).resolve(), db_url, jobs or default_jobs(), scheduler,
                      timeout or config.default_timeout(), sandbox, show_progress, stream, lms,
                      Path(roster) if roster else None)
    out.mkdir(parents=True, exist_ok=True)
    release.ensure_tools_on_path()
    with _Lock(out):
        plan = read_class(submissions, options)
        with Grader(options, plan.gradable) as grader:
            template = prepare(options.source, out, options.db_url, plan.graded, plan.prints) if plan.graded else None
            with Book(options.db_url, config.course_id()) as book:
                merge = Merge(book, options)
                tasks = longest_first(merge.to_grade(plan), book, plan.code_cells)
                grader.run(tasks, template, plan.code_cells, merge.graded)
                grades, details = reports.collect(book, plan.items)
        return report(options, plan, Tally(merge.counts, grades, details, grader.worker_peak, len(tasks),
                                           grader.throughput()))
