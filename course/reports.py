"""What the instructor reads after grading: two CSV files, a summary table and a picture.

- ``grades.csv``: one row per student and assignment (score, automatic and written parts,
  status and the reason for any problem);
- ``grades_items.csv``: one row per student, assignment, notebook and graded cell;
- the summary table printed at the end of ``python -m course autograde``;
- ``grades.png``: the distribution of students' automatic scores and the mean score of each
  exercise (which exercises the class found hard).
"""

import csv
import io
from pathlib import Path

from course.atomic import write_bytes, write_text

GRADES_COLUMNS = ["student", "assignment", "status", "score", "max_score", "auto_score", "max_auto_score",
                  "manual_score", "max_manual_score", "needs_manual_grade", "message", "sandbox"]
ITEM_COLUMNS = ["student", "assignment", "notebook", "grade_id", "score", "max_score"]


def collect(book, items: dict[str, list]) -> tuple[list[dict], list[dict]]:
    """Rows for grades.csv and grades_items.csv from the gradebook and the pipeline's records.

    items: assignment -> its graded cells as ``(notebook, Cell)`` in notebook order.
    """
    grades, details = [], []
    for (student, assignment), record in sorted(book.records().items()):
        if assignment not in items:
            continue
        scores = book.submission_items(assignment, student) or {}
        row = {"student": student, "assignment": assignment, "status": record.status,
               "message": record.message, "auto_score": 0.0, "max_auto_score": 0.0,
               "manual_score": 0.0, "max_manual_score": 0.0, "needs_manual_grade": 0}
        for notebook, cell in items[assignment]:
            got = scores.get((notebook, cell.grade_id), {"score": 0.0, "needs_manual_grade": False})
            part = "auto" if cell.cell_type == "code" else "manual"
            row[f"{part}_score"] += got["score"]
            row[f"max_{part}_score"] += cell.points
            row["needs_manual_grade"] += int(bool(got["needs_manual_grade"]))
            details.append({"student": student, "assignment": assignment, "notebook": notebook,
                            "grade_id": cell.grade_id, "score": got["score"], "max_score": cell.points,
                            "kind": cell.cell_type, "status": record.status})
        row["score"] = row["auto_score"] + row["manual_score"]
        row["max_score"] = row["max_auto_score"] + row["max_manual_score"]
        grades.append(row)
    return grades, details


def _number(x: float) -> str:
    return f"{x:g}"


def write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    """Write ``rows`` with exactly ``columns`` (numbers without trailing zeros), atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _number(v) if isinstance(v, float) else v for k, v in row.items()})
    write_text(path, buffer.getvalue())


def summary(grades: list[dict], assignments: list[str], counts: dict | None = None) -> str:
    """A plain-text table: automatic points per student and assignment, then every problem."""
    students = sorted({g["student"] for g in grades})
    cell = {(g["student"], g["assignment"]): g for g in grades}
    heads = [a.split("_")[0] if a.split("_")[0].isdigit() else a for a in assignments]
    width = max([7] + [len(s) for s in students])
    rows = [["student".ljust(width)] + [h.rjust(7) for h in heads] + ["   auto", " to grade"]]
    for s in students:
        line = [s.ljust(width)]
        got = total = 0.0
        manual = 0
        for a in assignments:
            g = cell.get((s, a))
            if g is None or g["status"] == "missing":
                line.append("-".rjust(7))
                if g is not None:
                    total += g["max_auto_score"]
                continue
            mark = "!" if g["status"] == "error" else " "
            line.append(f"{_number(g['auto_score'])}/{_number(g['max_auto_score'])}{mark}".rjust(7))
            got += g["auto_score"]
            total += g["max_auto_score"]
            manual += g["needs_manual_grade"]
        line.append(f"{100 * got / total:6.0f}%" if total else "      -")
        line.append(f"{manual:9d}")
        rows.append(line)
    lines = [" ".join(r) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    text = "\n".join(lines) + "\n"
    text += ("columns: automatic points per assignment (! = problem, - = not submitted); auto = automatic "
             "points over all assignments; to grade = written answers awaiting a grader\n")
    problems = [g for g in grades if g["status"] not in ("ok", "repaired")]
    if problems:
        text += "\nproblems:\n" + "".join(f"  {g['student']} / {g['assignment']}: {g['message']}\n" for g in problems)
    repaired = [g for g in grades if g["status"] == "repaired"]
    if repaired:
        text += ("\nrepaired (graded in full after mending nbgrader's bookkeeping; the submitted file is "
                 "unchanged, please look):\n" + "".join(f"  {g['student']} / {g['assignment']}: {g['message']}\n"
                                                       for g in repaired))
    if counts:
        text += "\n" + ", ".join(f"{v} {k}" for k, v in counts.items()) + "\n"
    return text


def plot(grades: list[dict], details: list[dict], path: Path) -> None:
    """Save the score distribution and the mean score per exercise as one PNG (atomically)."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    per_student: dict[str, list[float]] = {}
    for g in grades:
        got, top = per_student.setdefault(g["student"], [0.0, 0.0])
        per_student[g["student"]] = [got + g["auto_score"], top + g["max_auto_score"]]
    percents = [100 * got / top for got, top in per_student.values() if top]

    exercises: dict[tuple[str, str], list[float]] = {}
    for d in details:
        if d["kind"] == "code" and d["status"] != "missing" and d["max_score"]:
            exercises.setdefault((d["assignment"], d["grade_id"]), []).append(d["score"] / d["max_score"])
    names = [f"{a.split('_')[0]} {g.removesuffix('_test')}" for a, g in exercises]
    means = [100 * sum(v) / len(v) for v in exercises.values()]

    height = max(4.0, 0.28 * len(names) + 1.5)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, height), gridspec_kw={"width_ratios": [1, 1.4]})
    left.hist(percents, bins=[i * 10 for i in range(11)], color="tab:blue", edgecolor="white")
    left.set_xlabel("automatic score (% of points)")
    left.set_ylabel("students")
    left.set_title(f"Score distribution ({len(percents)} students)")
    left.set_xlim(0, 100)
    left.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    colours = ["tab:red" if m < 50 else "tab:orange" if m < 80 else "tab:green" for m in means]
    bars = right.barh(range(len(names)), means, color=colours)
    right.bar_label(bars, fmt="%.0f%%", padding=3, fontsize=8)
    right.set_yticks(range(len(names)), names, fontsize=8)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel("mean score (% of the exercise's points)")
    right.set_title("Mean score per exercise (red: the class found it hard)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_bytes(path, buffer.getvalue())
