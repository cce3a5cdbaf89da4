"""WithholdCourseText (autograde without the sandbox, right after execution).

Without bubblewrap the student's kernel can read any file the grading user can, the source
notebooks with their model solutions and hidden tests among them. In that mode only
(``python -m course autograde --no-sandbox``) this replaces every output line that quotes a
line of a model solution or a hidden test, so that neither the autograded notebook nor the
feedback page can carry them to a student.
"""

import json
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from course import sources
from course.withhold import scrub, secret_lines


class WithholdCourseText(NbGraderPreprocessor):
    """Replace output lines quoting the assignment's solutions or hidden tests (no-sandbox mode)."""

    def preprocess(self, nb, resources):
        """Collect the secret lines of this assignment's source notebooks, then scrub each cell."""
        assignment = resources.get("nbgrader", {}).get("assignment", "")
        roots = {Path(self.config.CourseDirectory.get("root", ".")) / "source", sources.SOURCE}
        self.secret = set()
        for root in roots:
            for path in (root / assignment).glob("*.ipynb") if assignment else ():
                self.secret |= secret_lines(json.loads(path.read_text(encoding="utf-8")))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        """Scrub one cell's text outputs, tracebacks and text/* data."""
        for output in cell.get("outputs", []) if self.secret else ():
            if "text" in output:
                output["text"] = scrub(output["text"], self.secret)
            if "traceback" in output:
                output["traceback"] = [scrub(t, self.secret) for t in output["traceback"]]
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    output["data"][key] = scrub(value, self.secret)
        return cell, resources
