"""Release guarantees for the real course notebooks (skipped while source/ has none).

- ``python -m course build`` (nbgrader generate_assignment) regenerates release/ byte for byte;
- release/ holds no solution and no hidden test: no markers, and no significant line of a model
  answer or a hidden test from source/;
- every source notebook passes ``nbgrader validate``; every release notebook fails it and passes
  ``nbgrader validate --invert`` (no test passes before the student writes anything);
- ``python -m course build --check`` passes on the committed tree.
"""

import tempfile
from pathlib import Path

import pytest

from course import build, config, release, sources
from course import notebooks as nbs

ASSIGNMENTS = sources.assignments()
RELEASE = sources.REPO / "release"
pytestmark = pytest.mark.skipif(not ASSIGNMENTS, reason="source/ has no notebooks yet")


def test_release_is_regenerated_byte_for_byte_from_source():
    with tempfile.TemporaryDirectory(prefix="rnn-release-") as tmp:
        fresh = Path(tmp) / "release"
        fresh.mkdir()
        release.generate(ASSIGNMENTS, sources.SOURCE, fresh)
        assert build.tree_differences(fresh, RELEASE) == []


def test_course_build_check_passes_on_the_committed_tree():
    said = []
    assert build.build(check=True, say=lambda *a, **k: said.append(" ".join(map(str, a)))), said


def _secret_lines(source_nb) -> tuple[list[str], set[str]]:
    """Significant lines of model answers and hidden tests, and every line shown to students anyway."""
    secret, public = [], set()
    for index, cell in enumerate(source_nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown" and nbs.SOLUTION_BEGIN not in cell.source:
            secret += nbs.significant(cell.source.splitlines())  # the whole cell is the model answer
            continue
        hidden = nbs.region(cell.source, nbs.HIDDEN_BEGIN, nbs.HIDDEN_END)
        solution = nbs.region(cell.source, nbs.SOLUTION_BEGIN, nbs.SOLUTION_END)
        secret += nbs.significant(hidden + solution)
        inside = set(hidden + solution)
        public.update(nbs.normalise_space(line) for line in cell.source.splitlines() if line not in inside)
    return secret, public


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_and_no_hidden_test(assignment):
    released = RELEASE / assignment / f"{assignment}.ipynb"
    assert released.exists(), f"{released} missing: run `python -m course build`"
    nb = nbs.read(released)
    text = "\n".join(nbs.normalise_space(line) for cell in nb.cells for line in cell.source.splitlines())
    for marker in (nbs.SOLUTION_BEGIN, nbs.SOLUTION_END, nbs.HIDDEN_BEGIN, nbs.HIDDEN_END):
        assert marker not in text
    secret, public = _secret_lines(nbs.read(sources.SOURCE / assignment / f"{assignment}.ipynb"))
    assert secret, "a course notebook has model answers and hidden tests"
    leaked = [line for line in secret if line not in public and line in text]
    assert leaked == []
    # Every answer cell of the release is the stub, every written answer the text stub.
    for cell in nbs.nbgrader_cells(nb):
        if cell.solution and cell.cell_type == "code":
            assert "raise NotImplementedError()" in cell.source
        elif cell.solution:
            assert "YOUR ANSWER HERE" in cell.source


class _Validator:
    """nbgrader's Validator, executing each notebook once for both --invert and the plain check.

    The notebook's folder is copied first: executing writes files next to the notebook, and the
    grading kernel may hand its folder to a sandbox user.
    """

    executed: dict = {}

    @classmethod
    def results(cls, path: Path, invert: bool, tmp: Path) -> dict:
        import shutil

        from nbgrader.validator import Validator

        class Cached(Validator):
            def _preprocess(self, nb):
                if path not in cls.executed:
                    cls.executed[path] = super()._preprocess(nb)
                return cls.executed[path]

        copy = tmp / path.parent.name
        if not copy.exists():
            shutil.copytree(path.parent, copy)
        release.ensure_tools_on_path()
        return Cached(config=config.course_config(sources.REPO), invert=invert).validate(str(copy / path.name))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_passes_nbgrader_validate(assignment, tmp_path):
    results = _Validator.results(sources.SOURCE / assignment / f"{assignment}.ipynb", False, tmp_path)
    assert not results.get("failed") and not results.get("type_changed"), results.get("failed")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_fails_nbgrader_validate_and_passes_with_invert(assignment, tmp_path):
    path = RELEASE / assignment / f"{assignment}.ipynb"
    failed = _Validator.results(path, False, tmp_path).get("failed", [])
    graded = nbs.graded_items(nbs.read(path))
    # Every test fails on the blank release (and every written answer is still the stub).
    assert len(failed) == len(graded) > 0
    inverted = _Validator.results(path, True, tmp_path)
    assert not inverted.get("passed"), inverted.get("passed")
