"""Import a class's submissions: find each student's notebooks, check them, copy them into place.

Two layouts are accepted, even mixed in one folder:

- nbgrader's ``<student>/<assignment>/<notebook>.ipynb`` (any depth below ``<student>/`` works:
  a notebook is recognised by its file name);
- ``<student>.zip``, holding the student's notebooks anywhere inside.

A Canvas or Moodle export is read by :mod:`course.canvas` or :mod:`course.moodle` into the same
per-student form (:class:`Found`). A folder or zip named in a way nbgrader cannot use as a student
id ("Zoë Li") is graded under a safe, stable id (:mod:`course.student_ids`), and the summary says
which.

Nothing is ever extracted by the name stored in an archive: a recognised notebook's bytes are
read and written to ``<out>/submitted/<student>/<assignment>/<notebook>.ipynb``, so an entry
like ``../../etc/passwd`` cannot write outside the output folder (and such an archive is
refused with a clear message anyway). Every problem is reported per student and never stops the
others.
"""

import dataclasses
import hashlib
import json
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

import nbformat

from course import student_ids
from course.atomic import write_bytes, write_text

MAX_NOTEBOOK_BYTES = 50 * 2**20
MAX_ARCHIVE_BYTES = 500 * 2**20
SKIP_PARTS = {"__MACOSX", ".ipynb_checkpoints"}


@dataclasses.dataclass
class Submission:
    """One student's work on one assignment, ready to grade.

    notebooks: notebook name -> path of a valid copy under ``<out>/submitted``.
    problems: what is wrong with it, in words an instructor can act on (empty when all is well).
    status: ``"ok"`` (grade it), ``"invalid"`` (files arrived but none can be graded: zero) or
    ``"missing"`` (nothing submitted for this assignment).
    digest: SHA-256 of what was submitted and of the assignment's source: a rerun skips a
    submission whose digest is unchanged.
    notes: facts the grade's message keeps that are no problem (handed in late, per the LMS).
    """

    student: str
    assignment: str
    notebooks: dict[str, Path]
    problems: list[str]
    status: str
    digest: str
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Found:
    """Raw files found for one student before checking: notebook name -> list of (where, bytes)."""

    student: str
    files: dict[str, list[tuple[str, bytes]]]
    problems: list[str]
    notes: list[str] = dataclasses.field(default_factory=list)
    ignored: list[str] = dataclasses.field(default_factory=list)  # files that are not course notebooks


def check_notebook(data: bytes, filename: str) -> str | None:
    """Why ``data`` is not a gradable Jupyter notebook, or None when it is one."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return f"{filename} is {len(data) / 2**20:.0f} MB, larger than the {MAX_NOTEBOOK_BYTES // 2**20} MB limit"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{filename} is not a text file (not UTF-8): it is not a notebook"
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        return (f"{filename} is not valid JSON (truncated or corrupted file?): {err.msg} at line "
                f"{err.lineno}, column {err.colno}")
    if not isinstance(raw, dict) or "cells" not in raw:
        return f"{filename} is JSON but not a Jupyter notebook (no 'cells')"
    if raw.get("nbformat") != 4:
        return f"{filename} has nbformat {raw.get('nbformat')!r}; a Jupyter notebook of format version 4 is expected"
    try:
        nbformat.validate(nbformat.reads(text, as_version=4))
    except Exception as err:  # nbformat raises several types for malformed notebooks
        message = getattr(err, "message", str(err)).splitlines()[0][:200]
        return f"{filename} is not a valid Jupyter notebook: {message}"
    return None


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not (path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name))


def wanted(relpath: str, known: set[str]) -> str | None:
    """The notebook name a file stands for, or None if it is not one of the course's notebooks.

    nbgrader's ``<assignment>/timestamp.txt`` (submission time, for late penalties) is kept too,
    under the name ``timestamp.txt@<assignment>``.
    """
    path = PurePosixPath(relpath.replace("\\", "/"))
    if SKIP_PARTS & set(path.parts) or path.name.startswith("._"):
        return None
    if path.name == "timestamp.txt" and len(path.parts) >= 2 and f"timestamp.txt@{path.parts[-2]}" in known:
        return f"timestamp.txt@{path.parts[-2]}"
    if path.suffix != ".ipynb":
        return None
    return path.stem if path.stem in known else None


def _noise(relpath: str) -> bool:
    """Files an editor, an OS or the release itself leaves beside notebooks: not worth a line."""
    path = PurePosixPath(relpath.replace("\\", "/"))
    return bool(SKIP_PARTS & set(path.parts)) or path.name.startswith("._") or path.name.endswith(".checks.npz")


def read_folder(folder: Path, known: set[str]) -> Found:
    """The course notebooks inside one student's folder (symbolic links are refused)."""
    found = Found(folder.name, {}, [])
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        name = wanted(rel, known)
        if name is None:
            if path.is_file() and not _noise(rel):
                found.ignored.append(f"{folder.name}/{rel}")
            continue
        if path.is_symlink():
            found.problems.append(f"{rel} is a symbolic link; submit the notebook file itself")
            continue
        if path.is_file():
            with path.open("rb") as fh:
                found.files.setdefault(name, []).append((rel, fh.read(MAX_NOTEBOOK_BYTES + 1)))
    return found


def read_zip(archive: Path, known: set[str]) -> Found:
    """The course notebooks inside ``<student>.zip``; unsafe or broken archives are refused."""
    found = Found(archive.stem, {}, [])
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            unsafe = [i.filename for i in infos if not _safe_member(i.filename)]
            if unsafe:
                found.problems.append(
                    f"{archive.name} was refused: it contains entries that point outside the archive "
                    f"({', '.join(unsafe[:3])}); nothing was extracted")
                return found
            if sum(i.file_size for i in infos) > MAX_ARCHIVE_BYTES:
                found.problems.append(f"{archive.name} was refused: it unpacks to more than {MAX_ARCHIVE_BYTES // 2**20} MB")
                return found
            for info in infos:
                name = wanted(info.filename, known)
                if name is None or info.is_dir():
                    if not info.is_dir() and not _noise(info.filename):
                        found.ignored.append(f"{archive.name}:{info.filename}")
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    found.problems.append(f"{info.filename} in {archive.name} is a symbolic link; it was ignored")
                    continue
                with zf.open(info) as fh:
                    # Read one byte past the limit: a lying header cannot make us unpack more.
                    found.files.setdefault(name, []).append((info.filename, fh.read(MAX_NOTEBOOK_BYTES + 1)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
        found.problems.append(f"{archive.name} is not a readable zip archive ({err})")
    except RuntimeError as err:  # encrypted entries
        found.problems.append(f"{archive.name} could not be read ({err})")
    except (OSError, ValueError, NotImplementedError) as err:  # corrupt data, bad CRC, odd compression
        found.problems.append(f"{archive.name} is damaged ({err})")
    return found


def discover(folder: Path, known: set[str]) -> tuple[list[Found], list[str]]:
    """Every student in ``folder`` (sub-folders and ``.zip`` files) and warnings about the rest."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder {folder} does not exist")
    students: dict[str, Found] = {}
    warnings = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            found = read_folder(entry, known)
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            found = read_zip(entry, known)
        else:
            warnings.append(f"ignored {entry.name}: neither a student folder nor a <student>.zip")
            continue
        if not student_ids.is_safe(found.student):
            safe = student_ids.safe_id(found.student)
            warnings.append(f"{entry.name}: graded as student {safe} ({found.student!r} is not usable as an "
                            "nbgrader student id: letters, digits and . _ @ + - only)")
            found.student = safe
        warnings += [f"ignored {where}: not one of the course's notebooks" for where in found.ignored]
        if found.student in students:
            students[found.student].problems.append(
                f"{found.student} has both a folder and a zip; only the folder was used")
            continue
        students[found.student] = found
    return list(students.values()), warnings


def digest(files: dict[str, bytes | None], fingerprint: str) -> str:
    """SHA-256 of the submitted files (None = absent) and the assignment's source fingerprint."""
    h = hashlib.sha256(fingerprint.encode())
    for name in sorted(files):
        data = files[name]
        h.update(f"\0{name}\0".encode())
        h.update(b"-" if data is None else hashlib.sha256(data).digest())
    return h.hexdigest()


def import_class(folder: Path, out: Path, layout: dict[str, list[str]],
                 fingerprints: dict[str, str]) -> tuple[list[Submission], list[str]]:
    """Import every submission of ``folder`` into ``out/submitted`` (valid notebooks only).

    layout: assignment -> its notebook names. Unreadable notebooks are kept for the instructor in
    ``out/rejected/<student>/<assignment>/``. Returns one Submission per student and assignment
    that at least one student submitted, and warnings about ignored entries.
    """
    students, warnings = discover(folder, known_names(layout))
    return import_found(students, out, layout, fingerprints), warnings


def known_names(layout: dict[str, list[str]]) -> set[str]:
    """The file names an import looks for: the notebooks, and each assignment's timestamp.txt."""
    return {nb for notebooks in layout.values() for nb in notebooks} | {f"timestamp.txt@{a}" for a in layout}


def import_found(students: list[Found], out: Path, layout: dict[str, list[str]],
                 fingerprints: dict[str, str]) -> list[Submission]:
    """Check and copy what was found for each student (see :func:`import_class`)."""
    owner = {nb: a for a, notebooks in layout.items() for nb in notebooks}
    submitted = {owner[nb] for s in students for nb in s.files if nb in owner}
    result = []
    for found in students:
        for assignment in sorted(submitted):
            result.append(_one(found, assignment, layout[assignment], out, fingerprints[assignment]))
    return result


def _timestamp_ok(text: str) -> bool:
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text)
        return True
    except (ValueError, OverflowError):
        return False


def _one(found: Found, assignment: str, notebooks: list[str], out: Path, fingerprint: str) -> Submission:
    problems = list(found.problems)
    valid: dict[str, Path] = {}
    seen: dict[str, bytes | None] = {}
    for nb in notebooks:
        candidates = found.files.get(nb, [])
        filename = f"{nb}.ipynb"
        if not candidates:
            seen[nb] = None
            problems.append(f"{filename} is missing")
            continue
        if len(candidates) > 1:
            canonical = [c for c in candidates if c[0].replace("\\", "/").endswith(f"{assignment}/{filename}")]
            if len(canonical) != 1:
                where = ", ".join(c[0] for c in candidates)
                problems.append(f"{filename} was submitted {len(candidates)} times ({where}); keep one copy")
                seen[nb] = b"".join(c[1] for c in candidates)
                continue
            candidates = canonical
        where, data = candidates[0]
        seen[nb] = data
        problem = check_notebook(data, filename)
        if problem:
            problems.append(problem)
            write_bytes(out / "rejected" / found.student / assignment / filename, data)
            (out / "submitted" / found.student / assignment / filename).unlink(missing_ok=True)
            continue
        target = out / "submitted" / found.student / assignment / filename
        if not target.exists() or target.read_bytes() != data:
            write_bytes(target, data)
        valid[nb] = target
    stamp = found.files.get(f"timestamp.txt@{assignment}")
    if stamp and valid:
        # nbgrader reads the submission time from here (late penalties).
        text = stamp[0][1][:100].decode("utf-8", "replace").strip()
        if _timestamp_ok(text):
            seen["timestamp.txt"] = text.encode()
            write_text(out / "submitted" / found.student / assignment / "timestamp.txt", text + "\n")
        else:
            problems.append(f"timestamp.txt ({text[:40]!r}) is not a date and time; it was ignored")
    if not any(seen.values()) and not found.problems:
        status = "missing"
        problems = [f"nothing submitted for {assignment}"]
    else:
        status = "ok" if valid else "invalid"
    return Submission(found.student, assignment, valid, problems, status, digest(seen, fingerprint), list(found.notes))
