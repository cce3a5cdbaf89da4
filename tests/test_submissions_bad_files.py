"""Bad files in a class folder: each is reported for its student, in words, and never graded.

Covers the cases the pipeline tests do not pin one by one: bytes that are not UTF-8, a notebook
of another nbformat, a notebook renamed by the student, truncated JSON, a zip with ``../``.
"""

import json
import zipfile

import nbformat

from course import student_ids, submissions

LAYOUT = {"01_a": ["01_a"]}


def _good() -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    return nbformat.writes(nb).encode("utf-8")


def _import(tmp_path, files: dict[str, bytes]):
    folder = tmp_path / "class"
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    out = tmp_path / "out"
    subs, _ = submissions.import_class(folder, out, LAYOUT, {"01_a": "fingerprint"})
    return {s.student: s for s in subs}, out


def test_each_bad_file_is_reported_for_its_student_only(tmp_path):
    old_format = json.dumps({"cells": [], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}).encode()
    subs, out = _import(tmp_path, {
        "good/01_a/01_a.ipynb": _good(),
        "latin1/01_a/01_a.ipynb": "{ \"cells\": \"caf\xe9\" }".encode("latin-1"),
        "old/01_a/01_a.ipynb": old_format,
        "renamed/01_a/my_final_version.ipynb": _good(),
        "truncated/01_a/01_a.ipynb": _good()[:40],
    })
    assert subs["good"].status == "ok" and not subs["good"].problems
    expect = {"latin1": "not UTF-8", "old": "nbformat 3", "truncated": "not valid JSON"}
    for student, words in expect.items():
        assert subs[student].status != "ok"
        assert any(words in p for p in subs[student].problems), subs[student].problems
    # a renamed notebook is not guessed at: the expected file is reported missing
    assert subs["renamed"].status != "ok" and not subs["renamed"].notebooks
    assert not any(out.rglob("*.ipynb.tmp"))


def test_zip_with_parent_entries_is_refused_and_writes_nothing_outside(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    with zipfile.ZipFile(folder / "mallory.zip", "w") as zf:
        zf.writestr("../../01_a.ipynb", _good())
        zf.writestr("../../escaped.txt", b"x")
    (folder / "good" / "01_a").mkdir(parents=True)
    (folder / "good" / "01_a" / "01_a.ipynb").write_bytes(_good())
    out = tmp_path / "out"
    subs, _ = submissions.import_class(folder, out, LAYOUT, {"01_a": "fingerprint"})
    by_student = {s.student: s for s in subs}
    assert by_student["good"].status == "ok"
    assert by_student["mallory"].status != "ok" and by_student["mallory"].problems, by_student["mallory"]
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()


def test_every_file_not_graded_is_named_in_a_warning(tmp_path):
    folder = tmp_path / "class"
    for rel, data in {"Zoë Li/01_a/01_a.ipynb": _good(), "renamed/01_a/my_final_version.ipynb": _good(),
                      "renamed/01_a/.ipynb_checkpoints/01_a-checkpoint.ipynb": _good(),
                      "renamed/01_a/01_a.checks.npz": b"case file of the release"}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    with zipfile.ZipFile(folder / "sam.zip", "w") as zf:
        zf.writestr("01_a.ipynb", _good())
        zf.writestr("data/notes.txt", b"x")
    subs, warnings = submissions.import_class(folder, tmp_path / "out", LAYOUT, {"01_a": "fingerprint"})
    zoe = student_ids.safe_id("Zoë Li")
    assert {s.student: s.status for s in subs} == {zoe: "ok", "renamed": "missing", "sam": "ok"}
    assert sorted(warnings) == sorted([
        f"Zoë Li: graded as student {zoe} ('Zoë Li' is not usable as an nbgrader student id: letters, digits "
        "and . _ @ + - only)",
        "ignored renamed/01_a/my_final_version.ipynb: not one of the course's notebooks",
        "ignored sam.zip:data/notes.txt: not one of the course's notebooks"])
