"""Withhold course text from a notebook's outputs when it was graded without the sandbox.

Without bubblewrap the student's kernel can read any file the grading user can, the source
notebooks with their model solutions and hidden tests among them. This preprocessor runs right
after execution in that mode only (``python -m course autograde --no-sandbox``) and replaces
every output line that quotes a line of a model solution or a hidden test, so that neither
the autograded notebook nor the feedback page can carry them to a student.
"""

import json
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from course import sources
from course.plugins import BEGIN_HIDDEN, END_HIDDEN, marked_lines

MIN_LINE = 12  # shorter lines ("return h", "pass") say nothing and occur in honest output
WITHHELD = "[output line withheld: it quotes the course's solutions]\n"
MARKERS = (("BEGIN SOLUTION", "END SOLUTION"), (BEGIN_HIDDEN, END_HIDDEN))


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


class WithholdCourseText(NbGraderPreprocessor):
    """Replace output lines quoting the assignment's solutions or hidden tests (no-sandbox mode)."""

    def preprocess(self, nb, resources):
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        roots = {Path(self.config.CourseDirectory.get("root", ".")) / "source", sources.SOURCE}
        self.secret = set()
        for root in roots:
            for path in (root / assignment).glob("*.ipynb") if assignment else ():
                self.secret |= secret_lines(json.loads(path.read_text(encoding="utf-8")))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []) if self.secret else ():
            if "text" in output:
                output["text"] = scrub(output["text"], self.secret)
            if "traceback" in output:
                output["traceback"] = [scrub(t, self.secret) for t in output["traceback"]]
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    output["data"][key] = scrub(value, self.secret)
        return cell, resources
