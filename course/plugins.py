"""Two small nbgrader preprocessors the grading pipeline plugs into nbgrader's own converters.

- :class:`StderrIsNotFailure` (autograde, right after ``Execute``): nbgrader scores a test cell 0
  when it wrote anything to stderr. TensorFlow's C++ logs and Python's ``warnings`` write there,
  so a correct answer could lose its points. Our tests fail by raising (``CheckFailed``,
  ``AssertionError``), so in test cells stderr text is kept but relabelled as ordinary output.
- :class:`HideHiddenTests` (feedback): nbgrader's feedback shows the autograded notebook, which
  holds the hidden tests that autograde put back. This removes the hidden region from the
  source and drops the traceback lines that quote a hidden line, so a student never reads them.
  A failed check (``rnnkit.checking.CheckFailed``) is shown as its message alone: the checker's
  frames are noise next to the advice it gives.
"""

import re

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


class StderrIsNotFailure(NbGraderPreprocessor):
    """In grade cells, turn stderr stream outputs into stdout so that only errors cost points."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources


def marked_lines(source: str, begin: str, end: str) -> list[str]:
    """The non-blank lines of ``source`` between ``begin`` and ``end`` marker lines, stripped."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def hidden_lines(source: str) -> list[str]:
    """The non-blank lines between BEGIN/END HIDDEN TESTS markers of a cell, stripped."""
    return marked_lines(source, BEGIN_HIDDEN, END_HIDDEN)


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback, also scrubbing hidden lines out of tracebacks."""

    def preprocess_cell(self, cell, resources, cell_index):
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
    plain = ANSI.sub("", text)
    return BEGIN_HIDDEN in plain or END_HIDDEN in plain or any(line in plain for line in secret)
