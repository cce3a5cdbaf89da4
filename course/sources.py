"""Turn the jupytext sources (``source/<assignment>/<assignment>.py``) into nbgrader notebooks.

The ``.py`` file in percent format is what authors edit and review; the ``.ipynb`` beside it is
generated, deterministic (stable cell ids, no outputs) and committed so that nbgrader, nbval and
JupyterLab can open it. Cell headers carry short nbgrader metadata that is expanded here:

    # %% nbgrader={"solution": true, "grade_id": "rnn_step_forward"}        answer cell
    # %% nbgrader={"grade": true, "grade_id": "rnn_step_forward_test", "points": 2}   test cell
    # %% [markdown] nbgrader={"solution": true, "grade": true, "grade_id": "q1", "points": 2}
                                                                             written answer
"""

import json
import re
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def assignments(source: Path = SOURCE) -> list[str]:
    """Assignment ids (folder names) that have a jupytext source, sorted."""
    return sorted(p.parent.name for p in source.glob("*/*.py") if p.stem == p.parent.name)


def _expand(meta: dict, cell_type: str, where: str) -> dict:
    if "grade_id" not in meta:
        raise ValueError(f"{where}: nbgrader metadata needs a grade_id")
    grade = bool(meta.get("grade", False))
    solution = bool(meta.get("solution", False))
    full = {
        "grade": grade,
        "grade_id": meta["grade_id"],
        "locked": bool(meta.get("locked", not solution)),
        "schema_version": 3,
        "solution": solution,
        "task": bool(meta.get("task", False)),
    }
    if grade or full["task"]:
        if "points" not in meta:
            raise ValueError(f"{where}: graded cell {meta['grade_id']!r} needs points")
        full["points"] = meta["points"]
    if cell_type == "markdown" and grade and not solution:
        raise ValueError(f"{where}: a graded markdown cell must also be a solution cell")
    unknown = set(meta) - {"grade", "grade_id", "locked", "solution", "task", "points", "schema_version"}
    if unknown:
        raise ValueError(f"{where}: unknown nbgrader keys {sorted(unknown)}")
    return full


ANSWER_HEADER = "**Your answer to {title}** (written question `{grade_id}`, {points} point{s}):"
_TITLE = re.compile(r"(?:\*\*|^#+\s*(?:[\d.]+\s+)?)(Question\s+\d+(?:\.\d+)?)", re.MULTILINE)


def _answer_header(cells, index: int, meta: dict) -> str:
    """The line that opens a written answer cell: which question it answers.

    nbgrader replaces only the solution region of the cell, so this line stays in the student's
    notebook and in Validate's list of unanswered cells, which then says which question is open.
    (A cell that states its question above its solution region needs no such line.)
    The title is the "**Question N.M ...**" (or a heading "Question N.M") of the closest cell
    above that has one, looking no further back than the previous graded cell.
    """
    title = "the question above"
    for cell in reversed(cells[:index]):
        if "grade_id" in str(cell.metadata.get("nbgrader", {})):
            break
        found = _TITLE.search(cell.source) if cell.cell_type == "markdown" else None
        if found:
            title = found.group(1)
            break
    points = meta["points"]
    return ANSWER_HEADER.format(title=title, grade_id=meta["grade_id"], points=points, s="" if points == 1 else "s")


def to_notebook(py_path: Path):
    """Read a percent-format source and return the nbgrader notebook it describes."""
    # Imported here, not above: they take 2 s, and the exercise registry (so every hidden check
    # in a source notebook) needs only assignments().
    import jupytext
    import nbformat

    nb = jupytext.read(py_path, fmt="py:percent")
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for index, cell in enumerate(nb.cells):
        meta = {}
        where = f"{py_path.name} cell {index + 1}"
        if "nbgrader" in cell.metadata:
            meta["nbgrader"] = _expand(dict(cell.metadata["nbgrader"]), cell.cell_type, where)
            if cell.cell_type == "markdown" and meta["nbgrader"]["grade"]:
                body = cell.source if "BEGIN SOLUTION" in cell.source else f"### BEGIN SOLUTION\n{cell.source}\n### END SOLUTION"
                asked = _TITLE.search(body.split("### BEGIN SOLUTION")[0])  # the question is in the cell itself
                cell.source = body if asked else _answer_header(nb.cells, index, meta["nbgrader"]) + "\n\n" + body
        if cell.metadata.get("tags"):
            meta["tags"] = list(cell.metadata["tags"])
        cell.metadata = meta
        # Stable ids keep the generated file byte-for-byte reproducible.
        cell["id"] = meta.get("nbgrader", {}).get("grade_id") or f"cell-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def render(py_path: Path) -> str:
    """The exact text of the generated ``.ipynb`` for ``py_path``."""
    return json.dumps(to_notebook(py_path), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def build(source: Path = SOURCE, check: bool = False) -> list[Path]:
    """Write (or with ``check`` only compare) every generated source notebook.

    Returns the notebooks that were out of date.
    """
    stale = []
    for assignment in assignments(source):
        py_path = source / assignment / f"{assignment}.py"
        ipynb = py_path.with_suffix(".ipynb")
        text = render(py_path)
        if not ipynb.exists() or ipynb.read_text(encoding="utf-8") != text:
            stale.append(ipynb)
            if not check:
                ipynb.write_text(text, encoding="utf-8")
    return stale
