"""Canvas and Moodle exports, built the way those systems name files, graded and turned back
into the grade files they import.

Canvas: flat ``<name>_<userid>_<submissionid>_<file>`` entries, a ``LATE_`` one, a resubmitted
notebook (``-1``: the newest wins, and here it is the only right one), a non-ASCII name, a file
that is not a notebook, and the gradebook export as roster. Moodle: one folder per student
(``<Full Name>_<participant id>_assignsubmission_file_``), a notebook in a sub-folder, an
online-text answer, a file that is not a notebook, and the grading worksheet as roster.
One notebook of the fixture course, three students: each grading takes a few seconds.
"""

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from course import autograde, build, canvas, demo, moodle, student_ids
from course.submissions import known_names

FIXTURE = Path(__file__).parent / "fixtures" / "course"
SUMS = "01_fixture_sums"
TIMEOUT = 10


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The fixture course's first notebook, built, and the demo's students' copies of it."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURE / "source" / SUMS, root / "source" / SUMS)
    assert build.build(source=root / "source", release_dir=root / "release", readme=None)
    mistakes = {k: tuple(v) for k, v in json.loads((FIXTURE / "mistakes.json").read_text()).items()}
    demo.make_class(root / "source", root / "release", root / "demo", mistakes)
    return root


def notebook(course: Path, student: str) -> bytes:
    """The demo student's notebook (automatic points: perfect 5 of 5, mistakes 3, blank 0; and a
    written answer worth 1, not graded yet)."""
    return (course / "demo" / student / SUMS / f"{SUMS}.ipynb").read_bytes()


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # as the LMS writes it: with a BOM
        csv.writer(fh).writerows([header, *rows])
    return path


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def grade(course: Path, tmp_path: Path, archive: Path, kind: str, roster: Path | None):
    return autograde.autograde(archive, tmp_path / "grading", jobs=2, timeout=TIMEOUT, source=course / "source",
                               show_progress=False, lms=kind, roster=roster)


def test_student_ids_are_safe_stable_and_distinct():
    assert student_ids.safe_id("perfect") == "perfect"
    zoe = student_ids.safe_id("Zoë Li")
    assert zoe.startswith("zoe-li-") and student_ids.is_safe(zoe) and zoe == student_ids.safe_id("Zoë Li")
    assert student_ids.safe_id("Zoe Li") != zoe
    assert student_ids.is_safe(student_ids.safe_id("李小龙"))
    assert student_ids.safe_id("lizoë", "1001") == "lizoe-1001"


def test_canvas_export_round_trips_to_its_gradebook_import(course, tmp_path):
    archive = make_zip(tmp_path / "submissions.zip", {
        f"lizoë_LATE_1001_5001_{SUMS}.ipynb": notebook(course, "blank"),  # first hand-in
        f"lizoë_LATE_1001_5001_{SUMS}-1.ipynb": notebook(course, "perfect"),  # handed in again: graded
        "lizoë_LATE_1001_5001_notes.txt": b"my notes",
        f"ruizana_1002_5002_{SUMS}.ipynb": notebook(course, "mistakes"),
        f"roesam_1003_5003_{SUMS}.ipynb": notebook(course, "blank"),  # not on the roster
    })
    column = f"{SUMS} (777)"
    roster = write_csv(tmp_path / "gradebook.csv", ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column,
                                                    "Current Score"], [
        ["    Points Possible", "", "", "", "", "5", "(read only)"],
        ["Li, Zoë", "1001", "S1001", "zli", "Sec 1", "", ""],
        ["Ruiz, Ana", "1002", "S1002", "aruiz", "Sec 1", "", ""],
        ["Student, Test", "1009", "", "", "Sec 1", "", ""]])
    result = grade(course, tmp_path, archive, "canvas", roster)
    by = {g["student"]: g for g in result.grades}
    assert {s: (g["status"], g["auto_score"]) for s, g in by.items()} == {
        "zli": ("ok", 5), "aruiz": ("ok", 3), "roesam-1003": ("ok", 0)}
    assert "handed in late" in by["zli"]["message"]
    assert f"ignored lizoë_LATE_1001_5001_{SUMS}.ipynb: an older copy" in result.summary
    assert "ignored lizoë_LATE_1001_5001_notes.txt: notes.txt is not one of the course's notebooks" in result.summary
    rows = read_rows(tmp_path / "grading" / "canvas_grades.csv")
    assert [r["ID"] for r in rows] == ["", "1001", "1002", "1009", "1003"]
    assert {r["ID"]: r[column] for r in rows} == {"": "5", "1001": "5", "1002": "3", "1009": "", "1003": "0"}
    assert rows[1]["Student"] == "Li, Zoë" and rows[1]["SIS Login ID"] == "zli"  # the roster's own fields kept
    # the grade file is the grades.csv scores, student for student
    grades = {(r["student"], r["assignment"]): r["score"] for r in read_rows(tmp_path / "grading" / "grades.csv")}
    assert grades == {("zli", SUMS): "5", ("aruiz", SUMS): "3", ("roesam-1003", SUMS): "0"}


def test_canvas_without_a_roster_uses_names_and_user_ids(course, tmp_path):
    archive = make_zip(tmp_path / "s.zip", {f"lizoë_1001_5001_{SUMS}.ipynb": b"x", "readme.md": b"x"})
    export = canvas.read(archive, known_names({SUMS: [SUMS]}), None)
    assert [f.student for f in export.found] == ["lizoe-1001"]
    assert export.warnings == ["ignored readme.md: not named as Canvas names a submission "
                               "(<name>_<userid>_<submissionid>_<file>)"]


def test_moodle_export_round_trips_to_its_grading_worksheet(course, tmp_path):
    archive = make_zip(tmp_path / "moodle.zip", {
        f"Zoë Li_2001_assignsubmission_file_/{SUMS}.ipynb": notebook(course, "perfect"),
        "Zoë Li_2001_assignsubmission_file_/data.csv": b"a,b\n",
        f"Ana Ruiz_2002_assignsubmission_file_/week 5/{SUMS}.ipynb": notebook(course, "mistakes"),
        "Ana Ruiz_2002_assignsubmission_onlinetext_/onlinetext.html": b"<p>see file</p>",
    })
    worksheet = write_csv(tmp_path / "worksheet.csv", moodle.COLUMNS, [
        ["Participant 2001", "Zoë Li", "zoe.li@example.edu", "Submitted for grading", "", "5.00", "Yes", "", "-", ""],
        ["Participant 2002", "Ana Ruiz", "ana.ruiz@example.edu", "Submitted for grading", "", "5.00", "Yes", "", "-", ""],
        ["Participant 2003", "Sam Roe", "sam.roe@example.edu", "No submission", "", "5.00", "Yes", "", "-", ""]])
    result = grade(course, tmp_path, archive, "moodle", worksheet)
    assert {g["student"]: g["auto_score"] for g in result.grades} == {"zoe.li@example.edu": 5, "ana.ruiz@example.edu": 3}
    assert "ignored Zoë Li_2001_assignsubmission_file_/data.csv: data.csv is not one of" in result.summary
    assert "ignored Ana Ruiz_2002_assignsubmission_onlinetext_/onlinetext.html: a Moodle onlinetext" in result.summary
    rows = read_rows(tmp_path / "grading" / "moodle_grades.csv")
    assert list(rows[0]) == moodle.COLUMNS
    assert {r["Identifier"]: (r["Grade"], r["Maximum Grade"]) for r in rows} == {
        "Participant 2001": ("5", "6"), "Participant 2002": ("3", "6"), "Participant 2003": ("", "6")}
    assert rows[1]["Feedback comments"] == f"{SUMS}: 3/6"  # 5 automatic points and a written answer and rows[0]["Email address"] == "zoe.li@example.edu"


def test_moodle_without_a_worksheet_uses_safe_names(tmp_path):
    archive = make_zip(tmp_path / "m.zip", {
        f"Zoë Li_2001_assignsubmission_file_{SUMS}.ipynb": b"x",  # "download in folders" off: flat
        f"Zoë Li_2002_assignsubmission_file_/{SUMS}.ipynb": b"x",  # another Zoë Li
        f"Ana Ruiz_2003_assignsubmission_file_/{SUMS}.ipynb": b"x",
        "stray.ipynb": b"x"})
    export = moodle.read(archive, known_names({SUMS: [SUMS]}), None)
    ids = sorted(f.student for f in export.found)
    assert ids == sorted(["zoe-li-2001", "zoe-li-2002", student_ids.safe_id("Ana Ruiz")])
    assert all(student_ids.is_safe(i) for i in ids)
    assert any(w.startswith("ignored stray.ipynb: not in a Moodle submission folder") for w in export.warnings)
