"""Grade one (student, assignment) with nbgrader, alone, in a scratch course directory.

Runs inside a Dask worker (:mod:`course.dask_worker` calls :func:`grade`). For each job it builds
a fresh course directory holding a copy of the template gradebook (the assignments as
``generate_assignment`` recorded them), the assignment's source folder and the student's
notebooks, then runs nbgrader's ``autograde`` and ``generate_feedback`` there. Nothing is shared
with other workers: each has its own SQLite file (no lock contention) and its kernels talk over
Unix sockets in the worker's own folder instead of TCP ports (no port races between concurrent
kernels). What comes in (the notebooks) and what goes back (plain scores, the autograded
notebook and the feedback page) are bytes, not paths: the worker may be on another machine, and
the client alone writes the real gradebook.
"""

import shutil
import time
import traceback
from pathlib import Path

from course import filetree, isolation, pages
from course.config import course_id, grading_config


def read_scores(db_url: str, course: str, assignment: str, student: str) -> dict:
    """What autograde recorded for one submission, as plain JSON-ready data.

    ``{"timestamp": str|None, "notebooks": {nb: {"grades": {grade_id: {"auto_score",
    "needs_manual_grade"}}, "comments": {grade_id: auto_comment}, "late_penalty": float|None}}}``
    """
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course) as gb:
        sub = gb.find_submission(assignment, student)
        result = {"timestamp": sub.timestamp.isoformat() if sub.timestamp else None, "notebooks": {}}
        for nb in sub.notebooks:
            result["notebooks"][nb.name] = {
                "grades": {g.name: {"auto_score": g.auto_score, "needs_manual_grade": bool(g.needs_manual_grade)}
                           for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
                "late_penalty": nb.late_submission_penalty,
            }
    return result


def _log_tail(result: dict, lines: int = 12) -> str:
    """The last non-blank lines of an nbgrader API result's error and log."""
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    keep = [line for line in text.splitlines() if line.strip()]
    return "\n".join(keep[-lines:])


def grade(job: dict, template: Path, root: Path, ipc_prefix: str | None = None) -> dict:
    """Autograde and generate feedback for one job in scratch folder ``root``; never raises.

    job: ``student``, ``assignment``, ``files`` (the valid notebooks and timestamp.txt as
    ``{name: bytes}``), ``timeout`` (s per cell). ``template``: course dir whose
    ``gradebook.db``, ``source/`` and ``release/`` come from generate_assignment.
    Returns ``{"ok": True, "scores": ..., "autograded": files, "feedback": files, "repaired":
    notes, "seconds": s}`` (files as ``{relative path: bytes}``) or ``{"ok": False, "error":
    message, "seconds": s}``. ``repaired`` lists what :mod:`course.repair` mended in this job's
    copy of the notebooks (pasted cells and the like).
    """
    from nbgrader.apps import NbGraderAPI

    from course import casefiles, repair

    start = time.monotonic()
    student, assignment = job["student"], job["assignment"]
    root = Path(root)
    try:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        shutil.copyfile(template / "gradebook.db", root / "gradebook.db")
        shutil.copytree(template / "source" / assignment, root / "source" / assignment)
        submitted = root / "submitted" / student / assignment
        filetree.unpack(job["files"], submitted)
        repaired = [f"{path.name}: {note}" for path in sorted(submitted.glob("*.ipynb"))
                    for note in repair.repair_file(path, template / "release" / assignment / path.name)]
        casefiles.restore(submitted, template / "release" / assignment)
        db_url = f"sqlite:///{root / 'gradebook.db'}"
        config = grading_config(root, db_url, job["timeout"], ipc_prefix)
        api = NbGraderAPI(config=config)
        done = api.autograde(assignment, student, force=True, create=True)
        if not done["success"]:
            # The notebook could not be run to the end (kernel killed, hung, crashed): the
            # isolated grader does not need the kernel, so the student keeps what it verifies.
            return _isolated_only(job, root, "nbgrader autograde failed:\n" + _log_tail(done), start) | {
                "repaired": repaired}
        fed = api.generate_feedback(assignment, student, force=True)
        if not fed["success"]:
            return {"ok": False, "error": "nbgrader generate_feedback failed:\n" + _log_tail(fed),
                    "seconds": time.monotonic() - start}
        return {
            "ok": True,
            "scores": read_scores(db_url, course_id(), assignment, student),
            "autograded": filetree.read(root / "autograded" / student / assignment),
            "feedback": filetree.read(root / "feedback" / student / assignment),
            "repaired": repaired,
            "seconds": time.monotonic() - start,
        }
    except Exception:  # report, never die: the client decides what a failure means
        return {"ok": False, "error": "grading crashed:\n" + traceback.format_exc(limit=6),
                "seconds": time.monotonic() - start}


def _isolated_only(job: dict, root: Path, error: str, start: float) -> dict:
    """Scores from the isolated verdicts alone, for a submission nbgrader could not autograde.

    Same shape as :func:`grade`'s success, plus ``error`` (the student's status becomes
    "error"); the feedback page lists each exercise's verdict.
    """
    import nbformat

    from course import integrity

    slot = isolation.current_slot()
    student = job["student"]
    autograded, feedback = root / "isolated" / "autograded", root / "isolated" / "feedback"
    submitted = root / "submitted" / student / job["assignment"]  # as repaired for nbgrader
    shutil.copytree(submitted, autograded)
    feedback.mkdir(parents=True)
    scores = {"timestamp": None, "notebooks": {}}
    for path in sorted(submitted.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # submissions.py already rejected unreadable files; be safe anyway
            continue
        verdicts = integrity.judge_notebook(nb, path.stem, slot=slot, source=root / "source")
        scores["notebooks"][path.stem] = {
            "grades": {v.test_id: {"auto_score": float(v.score), "needs_manual_grade": True} for v in verdicts},
            "comments": {}, "late_penalty": None}
        (feedback / f"{path.stem}.html").write_text(
            pages.render("isolated_only.html", notebook=path.stem, student=student, verdicts=verdicts,
                         error=error[-2000:]), encoding="utf-8")
    return {"ok": True, "scores": scores, "autograded": filetree.read(autograded),
            "feedback": filetree.read(feedback), "error": error, "seconds": time.monotonic() - start}
