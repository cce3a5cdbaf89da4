"""``python -m course demo``: a sample class made from the notebooks themselves, then graded.

Five students, each built from the release (what students receive) and the source (the model
answers):

- ``perfect``: every answer cell holds the model answer (solution markers removed);
- ``blank``: the release untouched;
- ``mistakes``: the model answers with a typical mistake (``Exercise.demo_mistake``, an
  ``(old, new)`` text edit) in every other exercise of each notebook;
- ``never_finishes``: the model answers, but the first answer cell of the first notebook starts
  with an endless loop (the per-cell ``--timeout`` interrupts it);
- ``corrupt``: one truncated notebook file and nothing else.

``manifest.json`` beside the class says which automatic points each student should get, and
:func:`check` compares a graded run with it.
"""

import json
import re
import shutil
from pathlib import Path

import nbformat

from course import notebooks as nbs
from course import sources
from course.atomic import write_text

STUDENTS = ("perfect", "blank", "mistakes", "never_finishes", "corrupt")
LOOP = "while True:  # this student's notebook never finishes\n    pass\n"


def registered_mistakes(assignments: list[str], source: Path) -> dict[str, tuple[str, str]]:
    """Exercise name -> demo_mistake edit, from the notebooks' exercises (no TensorFlow needed)."""
    from course.registry import for_notebook

    return {ex.name: tuple(ex.demo_mistake) for a in assignments for ex in for_notebook(a, source)
            if ex.demo_mistake}


def answered(release_nb, source_nb):
    """The release notebook with every answer cell replaced by the source's model answer."""
    model = {c.grade_id: c for c in nbs.nbgrader_cells(source_nb) if c.solution}
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id") in model:
            cell.source = nbs.strip_markers(model[meta["grade_id"]].source)
    return nb


def _test_points(source_nb) -> dict[str, float]:
    return {c.grade_id: c.points for c in nbs.graded_items(source_nb)}


def _dump(nb) -> str:
    return nbformat.writes(nb) + "\n"


def _answer(nb, grade_id: str) -> str:
    """The source of answer cell ``grade_id`` in ``nb``."""
    return next(c.source for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def make_class(source: Path, release: Path, dest: Path, mistakes: dict[str, tuple[str, str]] | None = None) -> dict:
    """Write the five students in nbgrader layout under ``dest``; return (and save) the manifest.

    Manifest: ``{"timeout_exercise": name, "expected": {student: {assignment: {"auto": points,
    "max_auto": points, "broken": [exercise names]}}}}``; a missing assignment is absent.
    """
    dest = Path(dest)
    shutil.rmtree(dest, ignore_errors=True)  # a class from an earlier run must not linger
    assignments = sources.assignments(source)
    if mistakes is None:
        mistakes = registered_mistakes(assignments, source)
    expected: dict[str, dict] = {s: {} for s in STUDENTS}
    problems = []
    loop_exercise = None
    for a_index, a in enumerate(assignments):
        for path in sorted((Path(release) / a).glob("*.ipynb")):
            release_nb = nbs.read(path)
            source_nb = nbs.read(Path(source) / a / path.name)
            points = _test_points(source_nb)
            auto, _ = nbs.points(source_nb)
            names = [answer.grade_id for answer, _ in nbs.exercises(source_nb)]
            perfect = answered(release_nb, source_nb)

            broken = []
            wrong = nbformat.from_dict(json.loads(json.dumps(perfect)))
            # A mistake in an answer that a later answer calls (the capstone's SGD loop runs on the
            # student's own gradients) costs that later exercise too; the demo breaks only answers
            # nothing else uses, so each broken exercise costs exactly its own points.
            used = {n for n in names if any(re.search(rf"\b{n}\(", _answer(perfect, later))
                                            for later in names[names.index(n) + 1:])}
            candidates = [n for n in names if n in mistakes and n not in used]
            for name in candidates[::2]:
                old, new = mistakes[name]
                cell = next(c for c in wrong.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name)
                if old not in cell.source:
                    problems.append(f"{a}: demo_mistake of {name!r} does not apply: {old!r} is not in the answer")
                    continue
                cell.source = cell.source.replace(old, new, 1)
                broken.append(name)

            looping = nbformat.from_dict(json.loads(json.dumps(perfect)))
            lost_to_loop = []
            if a_index == 0 and names:
                loop_exercise = names[0]
                cell = next(c for c in looping.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == names[0])
                cell.source = LOOP + cell.source
                lost_to_loop = [names[0]]

            def lost(names_lost):
                return auto - sum(points.get(f"{n}_test", 0) for n in names_lost)

            for student, nb, gone in (("perfect", perfect, []), ("blank", release_nb, names),
                                      ("mistakes", wrong, broken), ("never_finishes", looping, lost_to_loop)):
                write_text(dest / student / a / path.name, _dump(nb))
                expected[student].setdefault(a, {"auto": 0.0, "max_auto": 0.0, "broken": []})
                entry = expected[student][a]
                entry["auto"] += 0.0 if student == "blank" else lost(gone)
                entry["max_auto"] += auto
                entry["broken"] += gone
            if a_index == 0:
                text = _dump(perfect)
                write_text(dest / "corrupt" / a / path.name, text[: len(text) * 3 // 5])
                expected["corrupt"].setdefault(a, {"auto": 0.0, "max_auto": 0.0, "broken": names})
                expected["corrupt"][a]["max_auto"] += auto
    manifest = {"timeout_exercise": loop_exercise, "expected": expected, "problems": problems}
    write_text(dest.parent / f"{dest.name}.manifest.json", json.dumps(manifest, indent=1))
    return manifest


def check(manifest: dict, grades: list[dict]) -> list[str]:
    """Differences between a graded run (grades.csv rows) and what the manifest expects."""
    got = {(g["student"], g["assignment"]): g for g in grades}
    diffs = []
    for student, per_assignment in manifest["expected"].items():
        for assignment, want in per_assignment.items():
            g = got.get((student, assignment))
            if g is None:
                diffs.append(f"{student}/{assignment}: not graded")
            elif abs(g["auto_score"] - want["auto"]) > 1e-9 or abs(g["max_auto_score"] - want["max_auto"]) > 1e-9:
                diffs.append(f"{student}/{assignment}: {g['auto_score']:g}/{g['max_auto_score']:g} automatic points, "
                             f"expected {want['auto']:g}/{want['max_auto']:g}")
    return diffs + list(manifest.get("problems", []))


def run(out: Path = Path("demo_out"), jobs: int | None = None, timeout: int | None = 60,
        source: Path = sources.SOURCE) -> bool:
    """Build a copy of the course, fabricate the class, grade it into ``out/grading``.

    Everything is written under ``out`` (the repository is only read). True if every student
    got exactly the expected automatic points.
    """
    from course import autograde, build

    if not sources.assignments(source):
        print(f"no notebooks in {source}: nothing to demonstrate")
        return False
    out = Path(out)
    course = out / "course"
    shutil.rmtree(course, ignore_errors=True)
    shutil.copytree(source, course / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    source, release = course / "source", course / "release"
    if not build.build(source=source, release_dir=release):
        return False
    manifest = make_class(source, release, out / "class")
    print(f"sample class written to {out / 'class'}: {', '.join(STUDENTS)}")
    from course import isolation

    sandbox = isolation.bwrap_works()
    if sandbox:
        print("grading mode: in the bubblewrap sandbox")
    else:
        print("grading mode: WITHOUT the sandbox, because bubblewrap is not installed here. Fine for this sample "
              f"class of model answers; for real submissions install it (`{autograde.INSTALL_SANDBOX}`).")
    result = autograde.autograde(out / "class", out / "grading", jobs=jobs, timeout=timeout, source=source,
                                 sandbox=sandbox)
    diffs = check(manifest, result.grades)
    print(f"\ngrades: {result.out / 'grades.csv'}  items: {result.out / 'grades_items.csv'}")
    print(f"feedback: {result.out / 'feedback'}  picture: {result.out / 'grades.png'}")
    if diffs:
        print("the demo did NOT grade as expected:", *diffs, sep="\n  ")
        return False
    print("demo check: every student got exactly the expected automatic points")
    return True
