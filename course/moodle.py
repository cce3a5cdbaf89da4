"""Moodle: "Download all submissions" in, a grading worksheet out.

Moodle's zip holds one folder per student and submission plugin,
``<Full Name>_<participant id>_assignsubmission_file_/`` with the files as handed in (or, with
"download submissions in folders" off, the same prefix on each flat file name). Online-text
answers (``assignsubmission_onlinetext_``) and files that are not course notebooks are named in
the summary and not graded.

The roster is the assignment's grading worksheet (Grades > "Download grading worksheet":
``Identifier`` "Participant 123456", ``Full name``, ``Email address``, ``Grade``, ``Maximum
Grade``, ``Feedback comments``, ...). With it students are graded under their email address;
without it under their full name (a safe, stable id; two students of one name get their
participant ids added). The grade file is that worksheet with ``Grade``, ``Maximum Grade`` and
``Feedback comments`` filled in: the total over the assignments graded from this archive, and
one line per assignment. Moodle's "Upload grading worksheet" reads it back.
"""

import re
from pathlib import Path

from course import lms, student_ids
from course.submissions import Found, wanted

ENTRY = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?:/(?P<path>.+)|(?P<flat>.+))$")
COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
           "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def _participant(identifier: str) -> str:
    """``Participant 123456`` -> ``123456``."""
    return re.sub(r"\D", "", identifier or "")


def _student_ids(people: dict[str, dict]) -> dict[str, str]:
    """Participant id -> student id: the email, else the full name (participant id added to a shared name)."""
    named = {pid: student_ids.safe_id(p["Full name"]) for pid, p in people.items()}
    shared = {sid for sid in named.values() if list(named.values()).count(sid) > 1}
    ids = {}
    for pid, p in people.items():
        email = (p.get("Email address") or "").strip()
        if email:
            ids[pid] = student_ids.safe_id(email)
        elif named[pid] in shared:
            ids[pid] = student_ids.safe_id(p["Full name"], pid)
        else:
            ids[pid] = named[pid]
    return ids


def read(archive: Path, known: set[str], roster: Path | None) -> lms.Export:
    """The students' notebooks in a Moodle submissions zip (see the module docstring)."""
    header, rows = lms.read_csv(roster) if roster else (list(COLUMNS), [])
    people = {_participant(r.get("Identifier")): dict(r) for r in rows if _participant(r.get("Identifier"))}
    warnings, files = [], {}  # files: participant id -> [(entry, relative path, bytes)]
    for entry, data in lms.entries(archive):
        m = ENTRY.match(entry)
        if m is None:
            warnings.append(f"ignored {entry}: not in a Moodle submission folder "
                            "(<Full Name>_<participant id>_assignsubmission_file_)")
            continue
        people.setdefault(m["pid"], {"Identifier": f"Participant {m['pid']}", "Full name": m["name"]})
        files.setdefault(m["pid"], [])
        rel = m["path"] or m["flat"]
        if m["plugin"] != "file":
            warnings.append(f"ignored {entry}: a Moodle {m['plugin']} answer, not a notebook")
        elif wanted(rel, known) is None:
            warnings.append(f"ignored {entry}: {rel} is not one of the course's notebooks")
        else:
            files[m["pid"]].append((entry, rel, data))
    ids = _student_ids(people)
    found = []
    for pid, kept in sorted(files.items()):
        student = Found(ids[pid], {}, [])
        for entry, rel, data in kept:
            student.files.setdefault(wanted(rel, known), []).append((entry, data))
        found.append(student)
    return lms.Export("moodle", found, warnings, {ids[pid]: p for pid, p in people.items()}, header, rows)


def grade_rows(export: lms.Export, grades: list[dict], assignments: list[str]) -> tuple[list[str], list[dict]]:
    """Header and rows of the grading worksheet Moodle re-imports, one row per participant."""
    header = list(export.header) + [c for c in ("Grade", "Maximum Grade", "Feedback comments")
                                    if c not in export.header]
    scores = lms.totals(grades)
    maxima = lms.maxima(grades, assignments)
    rows = []
    for sid, person in sorted(export.people.items(), key=lambda item: _participant(item[1]["Identifier"])):
        row = dict(person)
        mine = scores.get(sid, {})
        if mine:
            row["Grade"] = lms.number(sum(g["score"] for g in mine.values()))
            row["Feedback comments"] = "; ".join(
                f"{a}: {lms.number(mine[a]['score'])}/{lms.number(maxima[a])}" if a in mine else f"{a}: not submitted"
                for a in assignments)
        row["Maximum Grade"] = lms.number(sum(maxima.values()))
        rows.append(row)
    return header, rows
