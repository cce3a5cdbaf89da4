"""Canvas: the "Download Submissions" zip in, a gradebook import CSV out.

Canvas puts every student's files flat in one zip, each named
``<name>_<userid>_<submissionid>_<original file name>``, with ``LATE_`` before the user id when
the work came in after the due date, and ``-1``, ``-2`` ... before the extension of a file the
student handed in again under the same name. Here the newest copy of each notebook is graded
(the highest suffix), a late one is graded and its grade message says it was late, and every
other file is named in the summary with the reason it was not graded.

The roster is Canvas' own gradebook export (Grades > Export: ``Student, ID, SIS User ID,
SIS Login ID, Section``, one column per assignment, and a "Points Possible" row). Students are
graded under their SIS login (else SIS user id); without a roster, under their name and Canvas
user id (``lizoe-12345``). The grade file is that CSV again with a column per graded
assignment (the roster's own column whose name starts with the assignment id, else a new one),
which Canvas' gradebook import reads; students not in it are left as they are in Canvas.
"""

import re
from pathlib import Path

from course import lms, student_ids
from course.submissions import Found, wanted

ENTRY = re.compile(r"^(?P<name>.+?)_(?P<late>LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[^.]+)$")
COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_ROW = "Points Possible"


def _roster_ids(rows: list[dict]) -> dict[str, str]:
    """Canvas user id -> student id, from the gradebook export's rows."""
    ids = {}
    for row in rows:
        user = (row.get("ID") or "").strip()
        if user.isdigit():
            login = (row.get("SIS Login ID") or row.get("SIS User ID") or "").strip()
            ids[user] = student_ids.safe_id(login) if login else student_ids.safe_id(row.get("Student", ""), user)
    return ids


def _original(file: str, known: set[str]) -> tuple[str | None, int]:
    """(the notebook ``file`` stands for, its resubmission number), or (None, 0)."""
    name = wanted(file, known)
    if name is not None:
        return name, 0
    again = RESUBMITTED.match(file)
    if again:
        name = wanted(again["stem"] + again["ext"], known)
        if name is not None:
            return name, int(again["n"])
    return None, 0


def read(archive: Path, known: set[str], roster: Path | None) -> lms.Export:
    """The students' newest notebooks in a Canvas submissions zip (see the module docstring)."""
    header, rows = lms.read_csv(roster) if roster else (list(COLUMNS), [])
    ids = _roster_ids(rows)
    warnings, people, newest = [], {}, {}  # newest: (user, notebook) -> (order, entry, data, late)
    for entry, data in lms.entries(archive):
        m = ENTRY.match(Path(entry).name) if "/" not in entry else None
        if m is None:
            warnings.append(f"ignored {entry}: not named as Canvas names a submission "
                            "(<name>_<userid>_<submissionid>_<file>)")
            continue
        notebook, version = _original(m["file"], known)
        if notebook is None:
            warnings.append(f"ignored {entry}: {m['file']} is not one of the course's notebooks")
            continue
        user = m["user"]
        people.setdefault(user, {"ID": user, "Student": m["name"]})
        key, candidate = (user, notebook), ((int(m["submission"]), version), entry, data, bool(m["late"]))
        if key in newest:
            keep, drop = sorted([newest[key], candidate], key=lambda c: c[:2], reverse=True)
            warnings.append(f"ignored {drop[1]}: an older copy of {notebook}.ipynb than {keep[1]} (Canvas "
                            "resubmission; the newest is graded)")
            candidate = keep
        newest[key] = candidate
    students: dict[str, Found] = {}
    for (user, notebook), (_, entry, data, late) in sorted(newest.items()):
        sid = ids.get(user) or student_ids.safe_id(people[user]["Student"], user)
        found = students.setdefault(sid, Found(sid, {}, []))
        found.files[notebook] = [(entry, data)]
        if late:
            found.notes.append(f"handed in late ({entry} is marked LATE by Canvas)")
    people = {ids.get(u) or student_ids.safe_id(p["Student"], u): p for u, p in people.items()}
    return lms.Export("canvas", list(students.values()), warnings, people, header, rows)


def _column(header: list[str], assignment: str) -> str:
    """The roster's column for ``assignment`` (Canvas adds `` (<id>)`` to a name), else a new one."""
    return next((h for h in header if h.startswith(assignment)), assignment)


def grade_rows(export: lms.Export, grades: list[dict], assignments: list[str]) -> tuple[list[str], list[dict]]:
    """Header and rows of the CSV Canvas' gradebook import reads: the roster with the scores filled in."""
    header = list(export.header)
    columns = {a: _column(header, a) for a in assignments}
    header += [c for c in columns.values() if c not in header]
    scores = lms.totals(grades)
    maxima = lms.maxima(grades, assignments)
    roster_ids = _roster_ids(export.rows)
    # The roster's rows, then whoever submitted without being in it (Canvas matches rows by ID).
    rows = [dict(r) for r in export.rows] + [{"Student": p["Student"], "ID": p["ID"]} for p in
                                            sorted(export.people.values(), key=lambda p: int(p["ID"]))
                                            if p["ID"] not in roster_ids]
    by_user = {p["ID"]: sid for sid, p in export.people.items()}
    for row in rows:
        user = (row.get("ID") or "").strip()
        if (row.get("Student") or "").strip() == POINTS_ROW:
            row.update({columns[a]: lms.number(maxima[a]) for a in assignments if not row.get(columns[a])})
            continue
        sid = roster_ids.get(user) or by_user.get(user)
        for a, g in scores.get(sid, {}).items():
            if a in columns:
                row[columns[a]] = lms.number(g["score"])
    if not any((r.get("Student") or "").strip() == POINTS_ROW for r in rows):
        rows.insert(0, {"Student": POINTS_ROW, **{columns[a]: lms.number(maxima[a]) for a in assignments}})
    return header, rows
