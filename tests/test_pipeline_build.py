"""`course build` (lint, --check) and `course table` on the fixture course: no grading, fast."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import build, lint, sources, table

FIXTURE = Path(__file__).parent / "fixtures" / "course"
HEADER = "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       extension: .py\n#       format_name: percent\n# ---\n\n"
GOOD = HEADER + '''# %% [markdown]
# # 1. Good
# Intro.
#
# **Time.** Core: about 20 minutes. Optional: more, about 5 minutes.

# %% nbgrader={"solution": true, "grade_id": "double"}
def double(x):
    ### BEGIN SOLUTION
    return x * 2 + 0 * x * 12345
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "double_test", "points": 2}
assert double(2) == 4

# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_double", "points": 1}
# Because.
'''


def problems_of(tmp_path: Path, text: str) -> list[str]:
    folder = tmp_path / "source" / "01_case"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "01_case.py").write_text(text)
    return lint.lint(tmp_path / "source")


def test_a_good_notebook_and_the_fixture_course_pass(tmp_path):
    assert problems_of(tmp_path, GOOD) == []
    assert lint.lint(FIXTURE / "source") == []


@pytest.mark.parametrize("edit, expected", [
    (("double_test", "other_test"), "not followed by its test cell 'double_test'"),
    (('"grade_id": "q_double"', '"grade_id": "double_test"'), "grade id 'double_test' is also used"),
    (("    ### BEGIN SOLUTION\n", ""), "no ### BEGIN SOLUTION"),
    (("# Intro.", "# Hint: `return x * 2 + 0 * x * 12345`"), "shows solution code"),
    (('"points": 2}', '"points": 0}'), "has no points"),
    (('# %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q_double", "points": 1}\n# Because.\n', ""),
     "no written question"),
    (("assert double(2) == 4", "assert double(2) == 4\n### BEGIN HIDDEN TESTS\nassert double(3) == 6\n### END HIDDEN TESTS"
      "\n\n# %%\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"), "hidden tests but is not a test cell"),
    (("**Time.** Core: about 20 minutes.", "Core: about 20 minutes."), "has no **Time.** line"),
    (("Core: about 20 minutes.", "Core: a while."), "should state the core time once"),
    (("Core: about 20 minutes.", "Core: about 20 minutes, 10 minutes of it reading."), "should state the core time once"),
    (("Optional: more, about 5 minutes.", "Optional: more."), "names an optional part but not once how long"),
])
def test_lint_names_each_broken_rule(tmp_path, edit, expected):
    old, new = edit
    assert old in GOOD
    found = problems_of(tmp_path, GOOD.replace(old, new))
    assert any(expected in p for p in found), found


def test_build_writes_the_readme_table_and_check_finds_it_stale(tmp_path):
    problems_of(tmp_path, GOOD)
    sources.build(tmp_path / "source")  # the table is read from the generated notebooks
    readme, times = tmp_path / "README.md", tmp_path / "times.json"
    times.write_text(json.dumps({"machine": "test", "seconds": {"01_case": 3.4}}))
    readme.write_text(f"Intro\n\n{table.BEGIN}\nold table\n{table.END}\n\nOutro\n")
    assert table.update_readme(readme, tmp_path / "source", check=True, times=times)
    assert "old table" in readme.read_text()  # check writes nothing
    assert table.update_readme(readme, tmp_path / "source", times=times)
    text = readme.read_text()
    assert "| 01_case | Good | 1: `double` | 2 | 1 | 20 | 5 | 3 |" in text
    assert "| **total** | | 1 | 2 | 1 | 20 (20 min) | 5 (5 min) | 3 |" in text
    assert text.startswith("Intro") and text.endswith("Outro\n")
    assert not table.update_readme(readme, tmp_path / "source", check=True, times=times)
    # the points follow the notebook, not a hand edit
    readme.write_text(text.replace("| 2 | 1 | 20 |", "| 3 | 1 | 20 |"))
    assert table.update_readme(readme, tmp_path / "source", check=True, times=times)
    # and so does the time: the intro's line, nowhere else
    py = tmp_path / "source" / "01_case" / "01_case.py"
    py.write_text(py.read_text().replace("Core: about 20 minutes", "Core: about 25 minutes"))
    sources.build(tmp_path / "source")
    assert table.update_readme(readme, tmp_path / "source", times=times)
    assert "| 01_case | Good | 1: `double` | 2 | 1 | 25 | 5 | 3 |" in readme.read_text()


def test_build_refuses_a_notebook_without_its_time_line_naming_the_file_and_the_fix(tmp_path):
    problems_of(tmp_path, GOOD.replace("#\n# **Time.** Core: about 20 minutes. Optional: more, about 5 minutes.\n", ""))
    said = []
    assert not build.build(source=tmp_path / "source", release_dir=tmp_path / "release", readme=tmp_path / "README.md",
                           say=lambda *a, **k: said.append(" ".join(map(str, a))))
    py = tmp_path / "source" / "01_case" / "01_case.py"
    assert any(f"01_case: {py}: the intro (first markdown cell) has no **Time.** line; end it with "
               "`# **Time.** Core: about" in line for line in said), said
    assert not (tmp_path / "release").exists()
    # the table refuses it too (`course table` does not lint first), naming the notebook
    sources.build(tmp_path / "source")
    with pytest.raises(ValueError, match=r"01_case\.ipynb: the intro .* has no \*\*Time\.\*\* line"):
        table.rows(tmp_path / "source", timed=False)


@pytest.mark.parametrize("line, expected", [
    ("Core: about 35 minutes (every section). Nothing in this notebook is optional.", (35, None)),
    ("Core: about 40 minutes (sections 3.1 to 3.5, Exercise 3.4,\nQuestion 3.1). Optional: Exercise 3.3, about 20 "
     "minutes.", (40, 20)),
    ("The core (sections 10.1 to 10.5) takes about 75 minutes. Section 10.6 is optional (about 20 minutes).", (75, 20)),
    ("Core: about 30 minutes.\n\nNotation: row vectors; 5 minutes with the slides is optional.", (30, None)),
])
def test_time_budget_reads_the_intro_line(line, expected):
    """Both phrasings the notebooks use; the paragraph ends at the first blank line."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# 1. Title\n\nIntro.\n\n**Time.** {line}"),
                                         nbformat.v4.new_markdown_cell("Optional: a later cell, 50 minutes.")])
    assert table.time_budget(nb) == expected


def test_the_weeks_core_fits_in_about_six_hours():
    """The issue's budget for a student's week, from the notebooks' own time lines."""
    core = [table.time_budget(sources.to_notebook(sources.SOURCE / a / f"{a}.py"))[0] for a in sources.assignments()]
    assert len(core) >= 10 and 5.5 * 60 <= sum(core) <= 6.5 * 60, core


def test_build_check_detects_stale_release_and_sources(tmp_path):
    shutil.copytree(FIXTURE / "source", tmp_path / "source")
    kwargs = {"source": tmp_path / "source", "release_dir": tmp_path / "release", "readme": None}
    said = []
    assert build.build(**kwargs, say=lambda *a, **k: said.append(a))
    assert build.build(check=True, **kwargs, say=lambda *a, **k: said.append(a))
    released = tmp_path / "release" / "01_fixture_sums" / "01_fixture_sums.ipynb"
    text = released.read_text()
    assert "BEGIN SOLUTION" not in text and "x + b[None, :]" not in text and "fixture hidden" not in text
    released.write_text(text.replace("Fixture sums", "Fixture sums (edited by hand)"))
    said.clear()
    assert not build.build(check=True, **kwargs, say=lambda *a, **k: said.append(a))
    assert any("differs: 01_fixture_sums/01_fixture_sums.ipynb" in a for args in said for a in args)
    assert build.build(**kwargs, say=lambda *a, **k: None) and released.read_text() == text
    py = tmp_path / "source" / "01_fixture_sums" / "01_fixture_sums.py"
    py.write_text(py.read_text().replace("Fixture sums", "Fixture sums, revised"))
    assert not build.build(check=True, **kwargs, say=lambda *a, **k: None)


def test_table_counts_exercises_points_and_time(tmp_path):
    shutil.copytree(FIXTURE / "source", tmp_path / "source")
    build.build(source=tmp_path / "source", release_dir=tmp_path / "release", readme=None, say=lambda *a, **k: None)
    rows = table.rows(tmp_path / "source", timed=True)
    assert [r["notebook"] for r in rows] == ["01_fixture_sums", "02_fixture_noisy"]
    assert rows[0]["title"] == "Fixture sums" and rows[0]["exercises"] == ["add_bias", "time_sum"]
    assert (rows[0]["automatic"], rows[0]["manual"]) == (5, 1) and (rows[1]["automatic"], rows[1]["manual"]) == (3, 2)
    assert [(r["core_minutes"], r["optional_minutes"]) for r in rows] == [(10, 5), (15, None)]
    assert all(0 < r["seconds"] < 120 for r in rows)
    text = table.markdown(rows)
    assert "| 01_fixture_sums | Fixture sums | 2: `add_bias`, `time_sum` | 5 | 1 | 10 | 5 |" in text
    assert "| 02_fixture_noisy | Fixture noise | 2: `noisy_square`, `mean_pair` | 3 | 2 | 15 | none |" in text
    assert "| **total** | | 4 | 8 | 3 | 25 (25 min) | 5 (5 min) |" in text
    # a notebook not measured yet says so, and the total says what it leaves out
    untimed = table.markdown([rows[0], {**rows[1], "seconds": None}])
    assert "| 15 | none | not measured |" in untimed
    assert f"| 25 (25 min) | 5 (5 min) | {rows[0]['seconds']:.0f} (without 02_fixture_noisy) |" in untimed
    assert json.loads(table.as_json(rows))[1]["exercises"] == ["noisy_square", "mean_pair"]


def test_cli_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "course", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("build", "autograde", "demo", "table"):
        assert command in out
    out = subprocess.run([sys.executable, "-m", "course", "autograde", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for option in ("--jobs", "--db-url", "--timeout", "--out"):
        assert option in out
