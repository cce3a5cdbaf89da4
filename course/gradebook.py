"""The real gradebook: nbgrader's database (SQLite or PostgreSQL), written by one process only.

Workers grade in private scratch gradebooks; this module copies their plain results into the
course gradebook with nbgrader's :class:`~nbgrader.api.Gradebook` API, one transaction per
submission. The same transaction writes a row of ``rnn_course_grading`` (our own table beside
nbgrader's) with the submission's content digest and status, so a rerun knows exactly which
submissions are already graded and unchanged: a crash or Ctrl-C between two submissions loses
nothing already committed, and a half-merged submission never exists.

Scores are merged as nbgrader's SaveAutoGrades does: auto scores and comments are replaced,
manual scores a grader already gave are kept and flagged for review.
"""

import contextlib
import dataclasses
import datetime
import importlib.util
import warnings

from sqlalchemy import Column, DateTime, Float, MetaData, String, Table, Text, delete, insert, select

RECORDS = Table(
    "rnn_course_grading",
    MetaData(),
    Column("student", String(128), primary_key=True),
    Column("assignment", String(128), primary_key=True),
    Column("digest", String(64)),  # NULL: must be graded again (the last attempt failed)
    Column("status", String(16), nullable=False),  # ok | repaired | error | missing
    Column("message", Text),
    Column("graded_at", DateTime),
    Column("seconds", Float),
)


def normalise_url(db_url: str) -> str:
    """The database URL with a driver that is installed.

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as the psycopg 3 driver; the course pins
    psycopg2, so such a URL (or Heroku-style ``postgres://``) is pointed at psycopg2.
    """
    for bare in ("postgresql://", "postgres://"):
        if db_url.startswith(bare) and importlib.util.find_spec("psycopg") is None:
            return "postgresql+psycopg2://" + db_url[len(bare):]
    return db_url


@dataclasses.dataclass
class Record:
    """What the pipeline last did with one (student, assignment)."""

    student: str
    assignment: str
    digest: str | None
    status: str
    message: str
    seconds: float | None


class _FlushInsteadOfCommit:
    """Stands in for the Gradebook's session: nbgrader's per-call commits become flushes."""

    def __init__(self, session):
        self._session = session

    def commit(self):
        self._session.flush()

    def __getattr__(self, name):
        return getattr(self._session, name)


class Book:
    """The course gradebook at ``db_url`` plus our record table; use as a context manager."""

    def __init__(self, db_url: str, course_id: str):
        from nbgrader.api import Gradebook

        self.gb = Gradebook(db_url, course_id)
        RECORDS.metadata.create_all(self.gb.engine, tables=[RECORDS])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.gb.close()

    @contextlib.contextmanager
    def transaction(self):
        """One atomic unit: everything inside commits together or not at all."""
        from sqlalchemy.exc import SAWarning

        session = self.gb.db
        self.gb.db = _FlushInsteadOfCommit(session)
        try:
            with warnings.catch_warnings():
                # nbgrader's add_submission builds objects before adding them: harmless noise.
                warnings.filterwarnings("ignore", category=SAWarning, message=".*not in session.*")
                yield session
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            self.gb.db = session

    # -- records -----------------------------------------------------------------------------

    def records(self) -> dict[tuple[str, str], Record]:
        """Every record, keyed by (student, assignment)."""
        rows = self.gb.db.execute(select(RECORDS)).mappings().all()
        return {(r["student"], r["assignment"]): Record(r["student"], r["assignment"], r["digest"], r["status"],
                                                        r["message"] or "", r["seconds"]) for r in rows}

    def is_done(self, student: str, assignment: str, digest: str) -> bool:
        """True when this exact submission was graded before and its result is still there."""
        from nbgrader.api import MissingEntry

        row = self.gb.db.execute(select(RECORDS).where(
            RECORDS.c.student == student, RECORDS.c.assignment == assignment)).mappings().first()
        if row is None or row["digest"] != digest:
            return False
        if row["status"] == "missing":
            return True
        try:
            self.gb.find_submission(assignment, student)
        except MissingEntry:
            return False
        return True

    def _write_record(self, session, student, assignment, digest, status, message, seconds):
        session.execute(delete(RECORDS).where(RECORDS.c.student == student, RECORDS.c.assignment == assignment))
        session.execute(insert(RECORDS).values(
            student=student, assignment=assignment, digest=digest, status=status, message=message,
            graded_at=datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None), seconds=seconds))

    # -- merging -----------------------------------------------------------------------------

    def record_graded(self, student: str, assignment: str, scores: dict, digest: str, status: str = "ok",
                      message: str = "", seconds: float | None = None) -> None:
        """Store a worker's scores (see :func:`course.worker.read_scores`) in one transaction."""
        with self.transaction() as session:
            self.gb.update_or_create_student(student)
            kwargs = {"timestamp": scores["timestamp"]} if scores.get("timestamp") else {}
            self.gb.update_or_create_submission(assignment, student, **kwargs)
            for nb_name, nb_scores in scores["notebooks"].items():
                for grade_id, g in nb_scores["grades"].items():
                    grade = self.gb.find_grade(grade_id, nb_name, assignment, student)
                    grade.auto_score = g["auto_score"]
                    grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
                for grade_id, text in nb_scores["comments"].items():
                    self.gb.find_comment(grade_id, nb_name, assignment, student).auto_comment = text
                if nb_scores.get("late_penalty") is not None:
                    notebook = self.gb.find_submission_notebook(nb_name, assignment, student)
                    notebook.late_submission_penalty = nb_scores["late_penalty"]
            self._write_record(session, student, assignment, digest, status, message, seconds)

    def record_zero(self, student: str, assignment: str, digest: str, message: str) -> None:
        """A submission that arrived but cannot be graded (corrupt files): zero, reported.

        As nbgrader does for a missing notebook: every grade 0, nothing left to grade by hand.
        """
        with self.transaction() as session:
            self.gb.update_or_create_student(student)
            sub = self.gb.update_or_create_submission(assignment, student)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = grade.manual_score is not None
                for comment in nb.comments:
                    comment.auto_comment = "Not graded: " + message
            self._write_record(session, student, assignment, digest, "error", message, None)

    def record_missing(self, student: str, assignment: str, digest: str, message: str) -> None:
        """Nothing submitted for this assignment: no submission row, a 'missing' record."""
        from nbgrader.api import MissingEntry

        with self.transaction() as session:
            self.gb.update_or_create_student(student)
            try:
                self.gb.remove_submission(assignment, student)
            except MissingEntry:
                pass
            self._write_record(session, student, assignment, digest, "missing", message, None)

    def record_failed(self, student: str, assignment: str, message: str, seconds: float | None = None) -> None:
        """Grading itself failed (crash, hard time limit): keep older grades, retry next run."""
        with self.transaction() as session:
            self.gb.update_or_create_student(student)
            self._write_record(session, student, assignment, None, "error", message, seconds)

    # -- reading -----------------------------------------------------------------------------

    def submission_items(self, assignment: str, student: str) -> dict[tuple[str, str], dict] | None:
        """(notebook, grade_id) -> score, auto_score, needs_manual_grade; None if not submitted."""
        from nbgrader.api import MissingEntry

        try:
            sub = self.gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {(nb.name, g.name): {"score": float(g.score), "auto_score": g.auto_score,
                                    "needs_manual_grade": bool(g.needs_manual_grade)}
                for nb in sub.notebooks for g in nb.grades}
