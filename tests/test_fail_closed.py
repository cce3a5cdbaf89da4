"""Grading fails closed: no sandbox, no grades, unless --no-sandbox says so everywhere.

Without the sandbox a kernel can read the course's files; the no-sandbox run must still keep
every line of the model solutions and hidden tests out of what students get back.
"""

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from course import __main__ as cli
from course import autograde, isolation, withhold

REPO = Path(__file__).resolve().parent.parent
NB = "01_sequential_data"


def test_autograde_refuses_without_the_sandbox(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(isolation, "bwrap_works", lambda: False)
    with pytest.raises(autograde.SandboxUnavailable, match="apt-get install bubblewrap"):
        autograde.autograde(tmp_path / "class", tmp_path / "out")
    (tmp_path / "class").mkdir()
    assert cli.main(["autograde", str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_secret_lines_cover_solutions_and_hidden_tests():
    nb = nbformat.read(REPO / "source" / NB / f"{NB}.ipynb", as_version=4)
    secret = withhold.secret_lines(nb)
    assert secret
    line = sorted(secret)[0]
    assert withhold.scrub(f"ok\nxx {line} yy\nfine\n", secret) == f"ok\n{withhold.WITHHELD}fine\n"
    assert withhold.scrub("an honest line of output\n", secret) == "an honest line of output\n"


LEAK = ("import glob\nfor p in glob.glob({root!r} + '/**/*.ipynb', recursive=True):\n"
        "    print(open(p).read())\n")


def test_no_sandbox_run_says_so_and_leaks_no_solution(tmp_path):
    root = tmp_path
    shutil.copytree(REPO / "source" / NB, root / "source" / NB)
    nb = nbformat.read(REPO / "release" / NB / f"{NB}.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(LEAK.format(root=str(root / "source"))))
    (root / "class" / "leaker" / NB).mkdir(parents=True)
    nbformat.write(nb, root / "class" / "leaker" / NB / f"{NB}.ipynb")
    result = autograde.autograde(root / "class", root / "out", sandbox=False, jobs=1, timeout=30,
                                 source=root / "source", show_progress=False)
    assert result.summary.startswith("sandbox: OFF")
    rows = list(csv.DictReader(open(root / "out" / "grades.csv")))
    assert rows and all(r["sandbox"].startswith("OFF") for r in rows)
    secret = withhold.secret_lines(nbformat.read(root / "source" / NB / f"{NB}.ipynb", as_version=4))
    pages = list((root / "out" / "feedback").rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text()
        assert "GRADED WITHOUT THE SANDBOX" in text
        assert not [s for s in secret if s in text], page
    graded = (root / "out" / "autograded" / "leaker" / NB / f"{NB}.ipynb").read_text()
    assert withhold.WITHHELD.strip() in graded
    assert not isolation.os.environ.get(isolation.NO_SANDBOX_ENV)  # the mode ends with the run
