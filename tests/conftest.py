"""Fixtures several test files share: the course's own Validate and model-answer notebooks."""

from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def validate():
    """``validate(path)``: nbgrader's Validate of one notebook with the course's nbgrader_config.py."""
    from nbgrader.validator import Validator

    from course import config, release

    release.ensure_tools_on_path()

    def run(path: Path) -> dict:
        """Validate's results for the notebook at ``path``."""
        return Validator(config=config.course_config(REPO)).validate(str(path))

    return run


@pytest.fixture(scope="session")
def model_notebook():
    """``model_notebook(name, edits={}, written=False)``: a release notebook answered as the model does.

    Each answer cell gets the source notebook's model answer, or ``edits[grade_id](model answer)``;
    ``written`` also fills in the written (markdown) answers.
    """

    def answered(name: str, edits: dict | None = None, written: bool = False) -> nbformat.NotebookNode:
        """The release notebook ``name`` with the model's answers, edited as asked."""
        edits = edits or {}
        source = nbformat.read(REPO / "source" / name / f"{name}.ipynb", as_version=4)
        model = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution") and (written or c.cell_type == "code")}
        nb = nbformat.read(REPO / "release" / name / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in model:
                cell.source = edits.get(grade_id, lambda answer: answer)(model[grade_id])
        return nb

    return answered
