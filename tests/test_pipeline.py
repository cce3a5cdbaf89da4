"""The grading pipeline end to end on a tiny fixture course (tests/fixtures/course).

One class is graded once per module (jobs=2, SQLite) and inspected by several tests; other tests
grade it again with --jobs 1, into PostgreSQL, after a simulated crash, and after a change.
"""

import html.parser
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from postgres_support import postgres_url  # noqa: F401  (a fixture)

from course import autograde, build, demo, submissions, withhold
from course import notebooks as nbs

FIXTURE = Path(__file__).parent / "fixtures" / "course"
SUMS, NOISY = "01_fixture_sums", "02_fixture_noisy"
TIMEOUT = 10  # seconds per cell: the fixture's cells take milliseconds


def fixture_mistakes() -> dict:
    return {k: tuple(v) for k, v in json.loads((FIXTURE / "mistakes.json").read_text()).items()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The fixture course built (source notebooks + release) in a temporary folder."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURE / "source", root / "source")
    assert build.build(source=root / "source", release_dir=root / "release", readme=None)
    return root


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture(scope="module")
def klass(course, tmp_path_factory):
    """The demo's five students plus LMS-style zips: one good, one with ../ entries, one broken."""
    dest = tmp_path_factory.mktemp("class") / "class"
    manifest = demo.make_class(course / "source", course / "release", dest, fixture_mistakes())
    perfect = {nb: (dest / "perfect" / nb / f"{nb}.ipynb").read_bytes() for nb in (SUMS, NOISY)}
    _zip(dest / "zipped.zip", {f"Downloads/my work/{nb}.ipynb": data for nb, data in perfect.items()})
    _zip(dest / "evil.zip", {f"../../{SUMS}.ipynb": perfect[SUMS], "../../escaped.txt": b"x"})
    (dest / "broken.zip").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    return dest, manifest


@pytest.fixture(scope="module")
def graded(course, klass, tmp_path_factory):
    """The class graded with two workers into SQLite."""
    out = tmp_path_factory.mktemp("graded") / "grading"
    result = autograde.autograde(klass[0], out, jobs=2, timeout=TIMEOUT, source=course / "source")
    return result


def scores(result) -> dict:
    return {(g["student"], g["assignment"]): (g["status"], g["auto_score"], g["max_auto_score"]) for g in result.grades}


def test_every_student_graded_as_the_manifest_says(klass, graded):
    # perfect: full marks; blank: 0; mistakes: loses exactly the broken exercises' points;
    # never_finishes: loses only the looping exercise; corrupt: 0 and reported.
    assert demo.check(klass[1], graded.grades) == []
    s = scores(graded)
    assert s[("perfect", SUMS)] == ("ok", 5, 5) and s[("perfect", NOISY)] == ("ok", 3, 3)
    assert s[("blank", SUMS)][1] == 0 and s[("blank", NOISY)][1] == 0
    broken = {name for a in klass[1]["expected"]["mistakes"].values() for name in a["broken"]}
    assert broken == {"add_bias", "noisy_square"}
    assert s[("mistakes", SUMS)][1] == 5 - 2 and s[("mistakes", NOISY)][1] == 3 - 2
    assert s[("never_finishes", SUMS)][1] == 5 - 2


def test_blank_scores_zero_overall(graded):
    rows = [g for g in graded.grades if g["student"] == "blank"]
    assert len(rows) == 2 and all(g["score"] == 0 for g in rows)


def test_corrupt_and_missing_are_reported_and_others_still_graded(graded):
    s = {(g["student"], g["assignment"]): g for g in graded.grades}
    corrupt = s[("corrupt", SUMS)]
    assert corrupt["status"] == "error" and "not valid JSON" in corrupt["message"] and corrupt["score"] == 0
    assert s[("corrupt", NOISY)]["status"] == "missing"
    assert "corrupt / 01_fixture_sums" in graded.summary and "not valid JSON" in graded.summary
    assert "evil.zip was refused" in s[("evil", SUMS)]["message"]
    assert "not a readable zip archive" in s[("broken", SUMS)]["message"]
    assert scores(graded)[("zipped", SUMS)] == ("ok", 5, 5)
    assert scores(graded)[("zipped", NOISY)] == ("ok", 3, 3)
    assert graded.counts.get("failed", 0) == 0


def test_nothing_is_written_outside_the_output_folder(klass, graded):
    for root in (klass[0].parent, klass[0].parent.parent, graded.out.parent):
        assert not (root / "escaped.txt").exists()
        assert not (root / f"{SUMS}.ipynb").exists()
    assert not (graded.out / "submitted" / "evil").exists()


def test_warnings_on_stderr_do_not_cost_points(graded):
    nb = nbs.read(graded.out / "autograded" / "perfect" / NOISY / f"{NOISY}.ipynb")
    test = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "noisy_square_test")
    text = "".join(o.get("text", "") for o in test.outputs)
    assert "oneDNN custom operations" in text and "UserWarning" in text  # the noise really happened
    assert scores(graded)[("perfect", NOISY)][1] == 3


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return nbs.normalise_space("".join(parser.parts))


def test_feedback_never_shows_hidden_tests(course, graded):
    hidden, visible = [], []
    for a in (SUMS, NOISY):
        for cell in nbs.graded_items(nbs.read(course / "source" / a / f"{a}.ipynb")):
            hidden += [nbs.normalise_space(line) for line in withhold.hidden_lines(cell.source)]
            visible += [nbs.normalise_space(line) for line in cell.source.splitlines()[:1] if cell.cell_type == "code"]
    pages = sorted((graded.out / "feedback").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = visible_text(page)
        assert "HIDDEN TESTS" not in text, page
        for line in hidden:
            assert line not in text, (page, line)
    # The check above could pass on empty pages: the visible tests must be there.
    text = visible_text(graded.out / "feedback" / "mistakes" / SUMS / f"{SUMS}.html")
    assert visible[0] in text and "Score" in text
    # A failed check reads as its advice alone, without the checker's traceback.
    assert "CheckFailed: add_bias should add b to every row of x." in text
    assert "Traceback" not in text


def test_exports(graded):
    out = graded.out
    header, *rows = (out / "grades.csv").read_text().splitlines()
    assert header.split(",")[:5] == ["student", "assignment", "status", "score", "max_score"]
    students = {"perfect", "blank", "mistakes", "never_finishes", "corrupt", "zipped", "evil", "broken"}
    assert len(rows) == len(students) * 2  # one row per student and assignment
    items_header, *items = (out / "grades_items.csv").read_text().splitlines()
    assert items_header == "student,assignment,notebook,grade_id,score,max_score"
    assert "perfect,01_fixture_sums,01_fixture_sums,add_bias_test,2,2" in items
    assert "mistakes,01_fixture_sums,01_fixture_sums,add_bias_test,0,2" in items
    assert (out / "grades.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first, header = graded.summary.splitlines()[:2]
    assert first == "sandbox: on (bubblewrap)" or first.startswith("sandbox: OFF")
    assert header.split()[:3] == ["student", "01", "02"]
    assert (out / "feedback" / "perfect" / SUMS / f"{SUMS}.html").exists()
    assert (out / "autograded" / "perfect" / SUMS / f"{SUMS}.ipynb").exists()
    logs = "".join(p.read_text(errors="replace") for p in (out / ".work" / "logs").glob("*.log"))
    assert "database is locked" not in logs and "Address already in use" not in logs


def test_one_worker_gives_the_same_scores(course, klass, graded, tmp_path):
    again = autograde.autograde(klass[0], tmp_path / "grading", jobs=1, timeout=TIMEOUT, source=course / "source",
                                show_progress=False)
    assert scores(again) == scores(graded)
    items = lambda r: sorted((d["student"], d["assignment"], d["grade_id"], d["score"]) for d in r.items)  # noqa: E731
    assert items(again) == items(graded)


def test_rerun_skips_unchanged_and_regrades_changed(course, klass, tmp_path):
    out = tmp_path / "grading"
    subs = tmp_path / "class"
    for student in ("perfect", "mistakes"):
        shutil.copytree(klass[0] / student, subs / student)
    first = autograde.autograde(subs, out, jobs=2, timeout=TIMEOUT, source=course / "source", show_progress=False)
    assert first.counts == {"graded": 4}
    second = autograde.autograde(subs, out, jobs=2, timeout=TIMEOUT, source=course / "source", show_progress=False)
    assert second.counts == {"unchanged (skipped)": 4}
    assert scores(second) == scores(first)
    # The student fixes one exercise: only that submission is graded again.
    shutil.copy(klass[0] / "perfect" / SUMS / f"{SUMS}.ipynb", subs / "mistakes" / SUMS / f"{SUMS}.ipynb")
    third = autograde.autograde(subs, out, jobs=2, timeout=TIMEOUT, source=course / "source", show_progress=False)
    assert third.counts == {"graded": 1, "unchanged (skipped)": 3}
    assert scores(third)[("mistakes", SUMS)] == ("ok", 5, 5)


def test_a_crash_loses_nothing_recorded_and_a_rerun_finishes(course, klass, tmp_path, monkeypatch):
    from course.gradebook import Book

    subs = tmp_path / "class"
    for student in ("perfect", "blank"):
        shutil.copytree(klass[0] / student, subs / student)
    out = tmp_path / "grading"
    real = Book.record_graded
    calls = []

    def crash_on_third(self, *args, **kwargs):
        calls.append(args[:2])
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C while merging the third result
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Book, "record_graded", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        autograde.autograde(subs, out, jobs=2, timeout=TIMEOUT, source=course / "source", show_progress=False)
    monkeypatch.setattr(Book, "record_graded", real)
    with Book(f"sqlite:///{out / 'gradebook.db'}", "rnn-week") as book:
        kept = {k for k, r in book.records().items() if r.digest}
    assert kept == set(calls[:2])  # the two merged before the crash are committed, the third is not
    finished = autograde.autograde(subs, out, jobs=2, timeout=TIMEOUT, source=course / "source", show_progress=False)
    assert finished.counts == {"graded": 2, "unchanged (skipped)": 2}
    assert {k: v for k, v in scores(finished).items()} == {
        ("perfect", SUMS): ("ok", 5, 5), ("perfect", NOISY): ("ok", 3, 3),
        ("blank", SUMS): ("ok", 0, 5), ("blank", NOISY): ("ok", 0, 3)}


def test_import_reports_each_problem_clearly(tmp_path):
    layout = {SUMS: [SUMS]}
    good = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    subs = tmp_path / "in"
    (subs / "ok" / SUMS).mkdir(parents=True)
    (subs / "ok" / SUMS / f"{SUMS}.ipynb").write_bytes(good)
    (subs / "ok" / SUMS / "timestamp.txt").write_text("2026-01-05 10:00:00.000000 UTC\n")
    (subs / "v3" / SUMS).mkdir(parents=True)
    (subs / "v3" / SUMS / f"{SUMS}.ipynb").write_text(json.dumps({"cells": [], "nbformat": 3, "worksheets": []}))
    (subs / "binary" / SUMS).mkdir(parents=True)
    (subs / "binary" / SUMS / f"{SUMS}.ipynb").write_bytes(b"\xff\xfe\x00garbage")
    (subs / "late" / SUMS).mkdir(parents=True)
    (subs / "late" / SUMS / f"{SUMS}.ipynb").write_bytes(good)
    (subs / "late" / SUMS / "timestamp.txt").write_text("yesterday-ish")
    (subs / "nothing").mkdir()
    _zip(subs / "twice.zip", {f"a/{SUMS}.ipynb": good, f"b/{SUMS}.ipynb": good})
    (subs / "notes.txt").write_text("not a submission")
    found, warnings = submissions.import_class(subs, tmp_path / "out", layout, {SUMS: "x"})
    by = {s.student: s for s in found}
    assert by["ok"].status == "ok" and by["ok"].problems == []
    assert (tmp_path / "out" / "submitted" / "ok" / SUMS / "timestamp.txt").read_text().startswith("2026-01-05")
    assert by["late"].status == "ok" and "is not a date and time" in by["late"].problems[0]
    assert "nbformat 3" in by["v3"].problems[0] and by["v3"].status == "invalid"
    assert "not a text file" in by["binary"].problems[0]
    assert by["nothing"].status == "missing"
    assert "submitted 2 times" in by["twice"].problems[0]
    assert any("notes.txt" in w for w in warnings)
    assert (tmp_path / "out" / "rejected" / "v3" / SUMS / f"{SUMS}.ipynb").exists()
    assert not (tmp_path / "out" / "submitted" / "v3").exists()


def test_course_cli_imports_without_tensorflow():
    code = ("import sys, course.__main__, course.autograde, course.worker, course.cluster, course.dask_worker, "
            "course.demo, course.table, course.build, course.lint; course.__main__.parser(); "
            "assert 'tensorflow' not in sys.modules, 'TF imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- PostgreSQL --------------------------------------------------------------------------------

def test_postgresql_gradebook_gives_the_same_grades(course, klass, graded, postgres_url, tmp_path):
    start = time.monotonic()
    result = autograde.autograde(klass[0], tmp_path / "grading", jobs=2, timeout=TIMEOUT, db_url=postgres_url,
                                 source=course / "source", show_progress=False)
    assert scores(result) == scores(graded)
    assert not (tmp_path / "grading" / "gradebook.db").exists()  # really went to PostgreSQL
    rerun = autograde.autograde(klass[0], tmp_path / "grading", jobs=2, timeout=TIMEOUT, db_url=postgres_url,
                                source=course / "source", show_progress=False)
    assert set(rerun.counts) == {"unchanged (skipped)"}
    assert time.monotonic() - start < 600


def test_output_folder_opens_in_the_formgrader(graded):
    """Written answers are graded in nbgrader's formgrader: the output folder's config must give
    it this gradebook and the course's settings, whatever folder it is started from."""
    code = ("import json\nfrom traitlets.config.loader import PyFileConfigLoader\n"
            "from nbgrader.apps import NbGraderAPI\n"
            "config = PyFileConfigLoader('nbgrader_config.py', path='.').load_config()\n"
            "api = NbGraderAPI(config=config)\n"
            f"subs = api.get_submissions({SUMS!r})\n"
            "print(json.dumps({'course': config.CourseDirectory.course_id,\n"
            "                  'students': sorted(s['student'] for s in subs if s['autograded']),\n"
            "                  'manual': sorted(s['student'] for s in subs if s.get('needs_manual_grade'))}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=graded.out, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["course"] == "rnn-week"
    assert "perfect" in seen["students"] and "blank" in seen["students"]
    assert "perfect" in seen["manual"], "the written answer should wait for a manual grade"
