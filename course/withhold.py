"""The course text a student must never read back: model solutions and hidden tests.

Source cells mark them with nbgrader's ``BEGIN/END SOLUTION`` and ``BEGIN/END HIDDEN TESTS``
lines. The feedback step drops the hidden lines from what it shows
(:class:`course.preprocessors.HideHiddenTests`); without the sandbox, output lines quoting any
of them are replaced by a notice (:class:`course.preprocessors.WithholdCourseText`).
"""

from course.notebooks import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, region

MIN_LINE = 12  # shorter lines ("return h", "pass") say nothing and occur in honest output
WITHHELD = "[output line withheld: it quotes the course's solutions]\n"
MARKERS = ((SOLUTION_BEGIN, SOLUTION_END), (HIDDEN_BEGIN, HIDDEN_END))


def marked_lines(source: str, begin: str, end: str) -> list[str]:
    """The non-blank lines of ``source`` between ``begin`` and ``end`` marker lines, stripped."""
    return [line.strip() for line in region(source, begin, end) if line.strip()]


def hidden_lines(source: str) -> list[str]:
    """The non-blank lines between BEGIN/END HIDDEN TESTS markers of a cell, stripped."""
    return marked_lines(source, HIDDEN_BEGIN, HIDDEN_END)


def secret_lines(notebook: dict) -> set[str]:
    """Stripped lines of the model solutions and hidden tests of one source notebook."""
    found = set()
    for cell in notebook.get("cells", []):
        text = "".join(cell.get("source", ""))
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and meta.get("solution"):
            found.update(line.strip() for line in text.splitlines())
            continue
        for begin, end in MARKERS:
            found.update(marked_lines(text, begin, end))
    return {line for line in found if len(line) >= MIN_LINE}


def scrub(text: str, secret: set[str]) -> str:
    """``text`` with each line that contains a secret line replaced by a notice."""
    return "".join(WITHHELD if any(s in line for s in secret) else line for line in text.splitlines(keepends=True))
