"""The grading pipeline on real course notebooks (a subset, to keep the suite fast).

The demo's students are made from the notebooks themselves: the model answers must get full
automatic marks, the blank release zero, and the typical-mistakes student must lose exactly the
points of the exercises broken with their ``Exercise.demo_mistake``. Notebooks:
$RNN_COURSE_E2E_NOTEBOOKS (comma-separated) or two numpy-only notebooks.
"""

import os
import shutil

import pytest

from course import autograde, build, demo, sources

PREFERRED = ("02_simple_rnn", "03_bptt")


def chosen() -> list[str]:
    available = sources.assignments()
    wanted = [a for a in os.environ.get("RNN_COURSE_E2E_NOTEBOOKS", "").split(",") if a]
    return [a for a in (wanted or PREFERRED) if a in available]


NOTEBOOKS = chosen()
pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="the course notebooks used here are not in source/ yet")


def test_real_notebooks_grade_perfect_blank_and_mistakes_exactly(tmp_path):
    for a in NOTEBOOKS:
        shutil.copytree(sources.SOURCE / a, tmp_path / "source" / a, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    assert build.build(source=tmp_path / "source", release_dir=tmp_path / "release", readme=None)
    manifest = demo.make_class(tmp_path / "source", tmp_path / "release", tmp_path / "class")
    assert manifest["problems"] == []  # every demo_mistake applies to its model answer
    for a in NOTEBOOKS:
        assert manifest["expected"]["mistakes"][a]["broken"], f"{a}: no exercise with a demo_mistake"
    # The endless-loop student costs a full cell timeout; the fixture course covers it.
    shutil.rmtree(tmp_path / "class" / "never_finishes")
    del manifest["expected"]["never_finishes"]
    result = autograde.autograde(tmp_path / "class", tmp_path / "grading", jobs=2, source=tmp_path / "source",
                                 show_progress=False)
    assert demo.check(manifest, result.grades) == []
    by = {(g["student"], g["assignment"]): g for g in result.grades}
    for a in NOTEBOOKS:
        assert by[("perfect", a)]["auto_score"] == by[("perfect", a)]["max_auto_score"] > 0
        assert by[("blank", a)]["score"] == 0
        assert by[("mistakes", a)]["auto_score"] < by[("mistakes", a)]["max_auto_score"]
    assert result.counts.get("failed", 0) == 0
