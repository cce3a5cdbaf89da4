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


def test_kernel_killer_keeps_earned_items(tmp_path, model_notebook):
    source = tmp_path / "source"
    shutil.copytree(REPO / "source" / NB, source / NB)
    nb = model_notebook(NB, {"naive_forecast": lambda answer: "import os\nos._exit(1)\n" + answer})
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
