"""HideHiddenTests (feedback): a student never reads a hidden test, not even in a traceback.

nbgrader's feedback shows the autograded notebook, which holds the hidden tests that autograde
put back. This removes the hidden region from the source and drops the traceback lines that
quote a hidden line. A failed check (``rnnkit.checking.CheckFailed``) is shown as its message
alone: the checker's frames are noise next to the advice it gives.
"""

import re

from nbgrader.preprocessors import ClearHiddenTests

from course.notebooks import HIDDEN_BEGIN, HIDDEN_END
from course.withhold import hidden_lines

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback, also scrubbing hidden lines out of tracebacks."""

    def preprocess_cell(self, cell, resources, cell_index):
        """Clear one cell's hidden tests and every output line that quotes them."""
        secret = hidden_lines(cell.source) if cell.cell_type == "code" else []
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CheckFailed" and output.get("traceback"):
                # The checker's own frames say nothing to a student: keep only its message.
                output["traceback"] = output["traceback"][-1:]
        if secret:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [_scrub(entry, secret) for entry in output.get("traceback", [])]
                elif output.get("output_type") == "stream":
                    output["text"] = _scrub(output.get("text", ""), secret)
        return cell, resources


def _scrub(text: str, secret: list[str]) -> str:
    """``text`` without the lines that quote a hidden test (IPython shows code around errors)."""
    return "".join(line for line in text.splitlines(keepends=True) if not _quotes(line, secret))


def _quotes(text: str, secret: list[str]) -> bool:
    """Whether ``text``, colours removed, shows a hidden-test marker or a hidden line."""
    plain = ANSI.sub("", text)
    return HIDDEN_BEGIN in plain or HIDDEN_END in plain or any(line in plain for line in secret)
