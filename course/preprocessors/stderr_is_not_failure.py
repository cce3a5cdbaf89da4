"""StderrIsNotFailure (autograde, right after execution): stderr text costs no points.

nbgrader scores a test cell 0 when it wrote anything to stderr. TensorFlow's C++ logs and
Python's ``warnings`` write there, so a correct answer could lose its points. The course's tests
fail by raising (``CheckFailed``, ``AssertionError``), so in test cells stderr text is kept but
relabelled as ordinary output.
"""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class StderrIsNotFailure(NbGraderPreprocessor):
    """In grade cells, turn stderr stream outputs into stdout so that only errors cost points."""

    def preprocess_cell(self, cell, resources, cell_index):
        """Relabel the stderr streams of one grade cell."""
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
        return cell, resources
