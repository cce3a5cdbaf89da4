"""A submission that kills its own kernel keeps the points its other answers earn.

nbgrader cannot finish such a notebook; the isolated grader does not need the kernel, so the
student gets a recorded failure (status "error", the reason kept) with the items already earned.
"""

import shutil
from pathlib import Path

import nbformat
import pytest

from course import autograde, isolation

REPO = Path(__file__).resolve().parent.parent
NB = "01_sequential_data"
pytestmark = pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")


def test_kernel_killer_keeps_earned_items(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(REPO / "source" / NB, source / NB)
    model = nbformat.read(REPO / "source" / NB / f"{NB}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in model.cells
               if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(REPO / "release" / NB / f"{NB}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            if grade_id == "naive_forecast":
                cell.source = "import os\nos._exit(1)\n" + cell.source
    folder = tmp_path / "class" / "crasher" / NB
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NB}.ipynb")

    result = autograde.autograde(tmp_path / "class", tmp_path / "out", jobs=1, timeout=30, source=source,
                                 show_progress=False)
    (row,) = [g for g in result.grades if g["student"] == "crasher"]
    assert row["status"] == "error" and "autograde failed" in row["message"]
    assert row["auto_score"] == 7 - 2, row  # ngram_counts 2 + ngram_log_likelihood 3; naive_forecast crashed
    items = {d["grade_id"]: d["score"] for d in result.items if d["student"] == "crasher"}
    assert items["naive_forecast_test"] == 0 and items["ngram_counts_test"] == 2
    page = (tmp_path / "out" / "feedback" / "crasher" / NB / f"{NB}.html").read_text()
    assert "could not be run to the end" in page
