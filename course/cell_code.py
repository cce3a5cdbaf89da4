"""Reading the code of a submitted notebook: which cell answers an exercise, which cells the
grader replays, what a cell imports, whether a test cell calls the course's ``check``.

Everything here reads text (with ``ast``, after IPython's own transformation of magics) and
runs nothing.
"""

import ast
import functools

from nbformat.notebooknode import NotebookNode

from course import notebooks, sources
from rnnkit.checking import UNAVAILABLE_TO_GRADER


def answer_source(nb: NotebookNode, name: str) -> tuple[str | None, list[str]]:
    """The source of the cell answering exercise ``name`` and flags about how it was found.

    The cell is the code cell whose nbgrader grade_id is ``name``; if that metadata was removed
    or changed, a single code cell defining ``def name`` at top level is used instead (flagged).
    """
    flags = []
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    tagged = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name]
    if len(tagged) > 1:
        flags.append(f"{len(tagged)} cells claim to be the answer to {name}; the first was graded")
    if tagged:
        return cell_text(tagged[0]), flags
    defining = [c for c in cells if defines(cell_text(c), name)]
    if len(defining) == 1:
        flags.append(f"the answer cell for {name} lost its nbgrader metadata; the cell defining {name} was graded")
        return cell_text(defining[0]), flags
    if defining:
        flags.append(f"{len(defining)} cells define {name} and none is the answer cell")
    else:
        flags.append(f"no answer cell for {name} was found (deleted, renamed or turned into markdown?)")
    return None, flags


def cell_text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def python_text(source: str) -> str:
    """Cell text as plain Python (IPython magics become harmless calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def defines(source: str, name: str) -> bool:
    try:
        tree = ast.parse(python_text(source))
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)


def forbidden_imports(source: str) -> list[str]:
    """Modules from UNAVAILABLE_TO_GRADER that the answer imports (statically visible)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("__import__", "import_module"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in UNAVAILABLE_TO_GRADER)
    return sorted(found)


def calls_check(source: str) -> bool:
    """Whether a test cell's code calls ``check(...)`` (the course's checks, not plain asserts)."""
    try:
        tree = ast.parse(python_text(source))
    except (SyntaxError, ValueError):
        return "check(" in source
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == "check"
               for n in ast.walk(tree))


def replay_cells(nb: NotebookNode) -> list[str]:
    """The code cells the sandbox replays, in notebook order: all but the autograder tests.

    Test cells are left out because the grader's own canonical checks replace them; every
    other cell, provided or added by the student, runs as it did in the student's kernel.
    """
    return [cell_text(c) for c in nb.get("cells", []) if c.get("cell_type") == "code" and not is_test(c)]


def is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


@functools.lru_cache(maxsize=None)
def provided_sources(notebook: str) -> frozenset[str]:
    """The code cells the release gives every student (not the student's own writing)."""
    path = sources.REPO / "release" / notebook / f"{notebook}.ipynb"
    if not path.is_file():
        return frozenset()
    return frozenset(cell_text(c).strip() for c in notebooks.read(path).cells if c.cell_type == "code")


def delegation_hints(nb: NotebookNode, notebook: str = "") -> list[str]:
    """Forbidden modules that student-authored cells import (for messages, never for scores)."""
    found = set()
    provided = provided_sources(notebook) if notebook else frozenset()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and cell_text(cell).strip() not in provided:
            try:
                found.update(forbidden_imports(python_text(cell_text(cell))))
            except (SyntaxError, ValueError):
                continue
    return sorted(found)
