"""KeepLastDuplicate (Validate): a pasted answer cell counts once, as autograde counts it."""

from nbgrader.preprocessors import NbGraderPreprocessor

from course.repair import strip_duplicates


class KeepLastDuplicate(NbGraderPreprocessor):
    """For Validate: a pasted answer cell is not an error; the last cell with a grade id counts.

    Runs before nbgrader's CheckCellMetadata, which would otherwise stop Validate with "Duplicate
    grade id". A note goes to the log; the student's notebook file is not changed.
    """

    def preprocess(self, nb, resources):
        """Demote all but the last cell of each grade id, logging one note per copy."""
        for note in strip_duplicates(nb):
            self.log.warning(note)
        return nb, resources
