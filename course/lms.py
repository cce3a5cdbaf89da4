"""A class in from an LMS and its grades back out: what Canvas and Moodle have in common.

``python -m course autograde EXPORT.zip --lms canvas|moodle [--roster CSV]`` reads the LMS's own
"download all submissions" archive (:mod:`course.canvas`, :mod:`course.moodle`) into the
per-student form the importer checks (:class:`course.submissions.Found`), and after grading
writes the CSV file that LMS imports grades from, beside ``grades.csv``. The roster is the CSV
file the LMS exports for its gradebook; with it, students keep the ids the LMS gives them (a
login or an email) and the grade file keeps every column and row the LMS expects back.

Every file of the archive is accounted for: a file that is not graded is named in a warning
line of the summary, with the reason.
"""

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

from course.atomic import write_text
from course.submissions import MAX_NOTEBOOK_BYTES, Found


@dataclasses.dataclass
class Export:
    """What was read from one LMS archive: the students' files and what the grade file needs."""

    kind: str  # "canvas" or "moodle"
    found: list[Found]
    warnings: list[str]
    people: dict[str, dict]  # student id -> the LMS's fields for that student (id, name, ...)
    header: list[str]  # the roster's columns (the LMS's own when no roster was given)
    rows: list[dict]  # the roster's rows ([] without a roster)


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    """A CSV file as exported by an LMS (UTF-8, with or without a byte-order mark)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    """``rows`` under ``header``, as the LMS reads it back (UTF-8, all fields quoted), atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", quoting=csv.QUOTE_ALL,
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())


def entries(archive: Path):
    """``(name, bytes)`` of each file in ``archive`` (at most one byte past the notebook limit)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if not info.is_dir():
                with zf.open(info) as fh:
                    yield info.filename, fh.read(MAX_NOTEBOOK_BYTES + 1)


def number(x: float) -> str:
    """A grade as an LMS reads it: ``7``, ``6.5``."""
    return f"{x:g}"


def totals(grades: list[dict]) -> dict[str, dict[str, dict]]:
    """student -> assignment -> its grades.csv row (not-submitted rows left out)."""
    by: dict[str, dict[str, dict]] = {}
    for g in grades:
        if g["status"] != "missing":
            by.setdefault(g["student"], {})[g["assignment"]] = g
    return by


def maxima(grades: list[dict], assignments: list[str]) -> dict[str, float]:
    """assignment -> its maximum score, from the grades.csv rows (0 if nobody handed it in)."""
    return {a: next((g["max_score"] for g in grades if g["assignment"] == a), 0) for a in assignments}


def read(system, archive: Path, known: set[str], roster: Path | None) -> Export:
    """Read an LMS's archive with ``system`` (:mod:`course.canvas` or :mod:`course.moodle`);
    ``known``: the file names the course grades."""
    kind = system.__name__.rsplit(".", 1)[-1]
    if not Path(archive).is_file():
        raise FileNotFoundError(f"{archive} is not a file: give the {kind} export's zip archive itself")
    try:
        return system.read(Path(archive), known, roster)
    except zipfile.BadZipFile as err:
        raise RuntimeError(f"{archive} is not a readable zip archive ({err})") from None


def write_grades(system, export: Export, grades: list[dict], assignments: list[str], out: Path) -> Path:
    """Write the grade file the LMS imports (``system``: its module), in ``out``; return its path."""
    path = out / f"{export.kind}_grades.csv"
    header, rows = system.grade_rows(export, grades, assignments)
    write_csv(path, header, rows)
    return path
