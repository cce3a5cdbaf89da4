"""Bookkeeping repair: what copy, paste, retyping and deleting cells do to nbgrader, mended.

Each case starts from a real release notebook, so the tests follow the notebooks. After the
repair, nbgrader's own metadata validator must accept the notebook, and every graded cell of the
release must be present exactly once with the release's metadata.
"""

import copy
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from course import casefiles, repair, sources

REPO = Path(__file__).resolve().parent.parent
NAMES = sources.assignments(REPO / "source")


def _release(name: str):
    return nbformat.read(REPO / "release" / name / f"{name}.ipynb", as_version=4)


def _ids(nb) -> list[str]:
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if repair._grade_id(c)]


def _kinds(nb, kind: str):
    return [c for c in nb.cells if repair._grade_id(c) and (
        (kind == "answer" and c.metadata["nbgrader"]["solution"] and c.cell_type == "code")
        or (kind == "test" and c.metadata["nbgrader"]["grade"] and not c.metadata["nbgrader"]["solution"]))]


def _assert_sound(nb, rel):
    MetadataValidator().validate_nb(nb)  # nbgrader's own check: raises on duplicates, bad schema
    nbformat.validate(nb)
    assert _ids(nb) == _ids(rel)
    canonical = {repair._grade_id(c): c for c in rel.cells if repair._grade_id(c)}
    for cell in nb.cells:
        if repair._grade_id(cell):
            model = canonical[repair._grade_id(cell)]
            assert cell.metadata["nbgrader"] == model.metadata["nbgrader"] and cell.cell_type == model.cell_type


@pytest.mark.parametrize("name", NAMES)
def test_an_untouched_notebook_needs_nothing(name):
    nb = _release(name)
    before = nbformat.writes(nb)
    assert repair.repair(nb, _release(name)) == []
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize("name", NAMES)
def test_pasted_copies_of_every_graded_cell_keep_the_last(name):
    rel, nb = _release(name), _release(name)
    originals = [c for c in nb.cells if repair._grade_id(c)]
    ids = [repair._grade_id(c) for c in originals]
    for n, cell in enumerate(originals):
        pasted = copy.deepcopy(cell)
        pasted.id = uuid.uuid4().hex[:8]
        pasted.source = f"# draft {n}\n" + pasted.source
        # Half pasted above (a draft kept), half below (the final answer written in the copy).
        nb.cells.insert(nb.cells.index(cell) + (n % 2), pasted)
    notes = repair.repair(nb, rel)
    _assert_sound(nb, rel)
    assert len(notes) == len(originals) and all("copy of cell" in n for n in notes)
    graded = {repair._grade_id(c): c.source for c in nb.cells if repair._grade_id(c)}
    for n, grade_id in enumerate(ids):
        kept_draft = n % 2 == 1  # pasted below: the copy is the last one
        assert graded[grade_id].startswith(f"# draft {n}") == kept_draft
    assert len(nb.cells) == len(rel.cells) + len(originals)  # nothing the student wrote is dropped


@pytest.mark.parametrize("name", NAMES)
def test_deleted_graded_cells_come_back_in_place(name):
    rel, nb = _release(name), _release(name)
    tests = _kinds(nb, "test")
    for cell in tests[::2]:
        nb.cells.remove(cell)
    notes = repair.repair(nb, rel)
    _assert_sound(nb, rel)
    assert len(notes) == len(tests[::2]) and all("deleted" in n for n in notes)
    # Each restored test sits right after the cell that precedes it in the release.
    order = [repair._grade_id(c) for c in nb.cells]
    expected = [repair._grade_id(c) for c in rel.cells]
    assert [i for i in order if i] == [i for i in expected if i]


def test_a_deleted_first_cell_goes_first_and_old_notebooks_get_no_ids():
    name = NAMES[0]
    rel, nb = _release(name), _release(name)
    first = next(c for c in nb.cells if repair._grade_id(c))
    nb.cells = [c for c in nb.cells if repair._grade_id(c) != repair._grade_id(first) and repair._grade_id(c)]
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id", None)
    repair.repair(nb, rel)
    assert repair._grade_id(nb.cells[0]) == repair._grade_id(first)
    nbformat.validate(nb)  # no cell ids in a 4.4 notebook


@pytest.mark.parametrize("name", NAMES)
def test_retyped_and_edited_metadata_is_restored(name):
    rel, nb = _release(name), _release(name)
    answer = _kinds(nb, "answer")[0]
    index = nb.cells.index(answer)
    md = nbformat.v4.new_markdown_cell(answer.source)
    md.metadata, md.id = answer.metadata, answer.id
    nb.cells[index] = md
    test = _kinds(nb, "test")[0]
    test.metadata["nbgrader"]["points"] = 1000  # a student cannot award themselves points
    test.metadata["nbgrader"]["schema_version"] = 1
    notes = repair.repair(nb, rel)
    _assert_sound(nb, rel)
    assert nb.cells[index].cell_type == "code" and nb.cells[index].source == answer.source
    assert nb.cells[index].outputs == [] and any("markdown cell" in n for n in notes)


def test_unknown_grade_ids_and_empty_metadata_are_dropped():
    name = NAMES[0]
    rel, nb = _release(name), _release(name)
    stray = copy.deepcopy(_kinds(nb, "test")[0])
    stray.metadata["nbgrader"]["grade_id"] = "from_another_course"
    stray.id = uuid.uuid4().hex[:8]
    empty = nbformat.v4.new_code_cell("x = 1")
    empty.metadata["nbgrader"] = {}
    nb.cells += [stray, empty]
    notes = repair.repair(nb, rel)
    _assert_sound(nb, rel)
    assert "nbgrader" not in stray.metadata and "nbgrader" not in empty.metadata
    assert any("from_another_course" in n for n in notes)


def test_repair_file_leaves_a_sound_notebook_alone(tmp_path):
    name = NAMES[0]
    path = tmp_path / f"{name}.ipynb"
    path.write_bytes((REPO / "release" / name / f"{name}.ipynb").read_bytes())
    before = path.stat().st_mtime_ns
    assert repair.repair_file(path, REPO / "release" / name / f"{name}.ipynb") == []
    assert path.stat().st_mtime_ns == before


def test_validate_counts_a_pasted_cell_once(tmp_path, validate):
    """nbgrader's Validate would stop at "Duplicate grade id"; the course's config keeps the last."""
    name = NAMES[0]
    nb = _release(name)
    answer = _kinds(nb, "answer")[0]
    pasted = copy.deepcopy(answer)
    pasted.id = uuid.uuid4().hex[:8]
    nb.cells.insert(nb.cells.index(answer), pasted)
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    shutil.copy(casefiles.path_for(name, REPO / "release"), tmp_path)  # the release's visible cases
    results = validate(path)
    failed = results.get("failed", [])
    # The template's answers still raise NotImplementedError: every test fails, and says why.
    code = [f for f in failed if f["raw_error"] != "You did not provide a response."]  # written answers
    assert len(code) == len(_kinds(nb, "test")) and all("NotImplementedError" in f["raw_error"] for f in code)
