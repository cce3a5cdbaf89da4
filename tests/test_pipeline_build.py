"""`course build` (lint, --check) and `course table` on the fixture course: no grading, fast."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course import build, lint, sources, table

FIXTURE = Path(__file__).parent / "fixtures" / "course"
HEADER = "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       extension: .py\n#       format_name: percent\n# ---\n\n"
GOOD = HEADER + '''# %% [markdown]
# # 1. Good
# Intro.

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
    assert "| 01_case | Good | 1: `double` | 2 | 1 | 3 |" in text and text.startswith("Intro") and text.endswith("Outro\n")
    assert not table.update_readme(readme, tmp_path / "source", check=True, times=times)
    # the points follow the notebook, not a hand edit
    readme.write_text(text.replace("| 2 | 1 | 3 |", "| 3 | 1 | 3 |"))
    assert table.update_readme(readme, tmp_path / "source", check=True, times=times)


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
    assert all(0 < r["seconds"] < 120 for r in rows)
    text = table.markdown(rows)
    assert "| 01_fixture_sums | Fixture sums | 2: `add_bias`, `time_sum` | 5 | 1 |" in text
    assert json.loads(table.as_json(rows))[1]["exercises"] == ["noisy_square", "mean_pair"]


def test_cli_help_lists_the_commands():
    out = subprocess.run([sys.executable, "-m", "course", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("build", "autograde", "demo", "table"):
        assert command in out
    out = subprocess.run([sys.executable, "-m", "course", "autograde", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for option in ("--jobs", "--db-url", "--timeout", "--out"):
        assert option in out
