"""nbgrader's SaveAutoGrades with every exercise's score capped by the isolated grader's verdict.

The in-kernel run of ``nbgrader autograde`` still produces the autograded notebook and its
feedback; :mod:`course.integrity` decides, outside the student's process, what each answer is
worth, and a test cell scores ``min(in-kernel result, isolated verdict)``.
"""

from pathlib import Path

from nbformat.notebooknode import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades
from traitlets import Integer, default

from course import cell_code, isolation, sources
from course.integrity import Verdict, judge_notebook


def _verdict_output(verdict: Verdict) -> NotebookNode:
    mark = "passed" if verdict.score == verdict.points else "failed"
    lines = [f"Isolated grader: {mark} ({verdict.score:g}/{verdict.points} points). {verdict.message}"]
    lines += [f"Flag: {flag}" for flag in verdict.flags]
    return NotebookNode(output_type="stream", name="stdout", text="\n".join(lines) + "\n")


class IsolatedSaveAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with each exercise's score capped by the isolated verdict.

    A test cell scores min(in-kernel result, isolated verdict); an exercise whose test cell
    was deleted or renamed still gets the verdict (the canonical test is the grader's own),
    flagged in the feedback. Configure it in place of SaveAutoGrades (see nbgrader_config.py).
    """

    sandbox_slot = Integer(help="which sandbox uid to use (parallel workers use different ones)").tag(config=True)

    @default("sandbox_slot")
    def _slot_from_environment(self):
        # each Dask worker leases its own slot (course.dask_worker), so students never share a uid
        return isolation.current_slot()

    def preprocess(self, nb, resources):
        notebook = resources["nbgrader"]["notebook"]
        # The exercises of the course directory being graded (a worker's scratch copy of source/)
        root = self.config.CourseDirectory.get("root")
        source = Path(root) / "source" if isinstance(root, str) and root else sources.SOURCE
        self.verdicts = {v.test_id: v for v in judge_notebook(nb, notebook, slot=self.sandbox_slot, source=source)}
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in self.verdicts and cell.cell_type == "code":
                cell.outputs.append(_verdict_output(self.verdicts[grade_id]))
        nb, resources = super().preprocess(nb, resources)
        self._grade_missing(nb, resources)
        return nb, resources

    def _add_score(self, cell, resources):
        super()._add_score(cell, resources)
        test_id = cell.metadata["nbgrader"]["grade_id"]
        verdict = self.verdicts.get(test_id)
        if verdict is None and not cell_code.calls_check(cell.source):
            return  # a plain test cell (assert ...): nbgrader's own score stands
        grade = self.gradebook.find_grade(test_id, self.notebook_id, self.assignment_id, self.student_id)
        if verdict is None:
            # The cell's check() passes vacuously wherever the grader's exercises are missing:
            # fail closed rather than let the kernel's word stand.
            self.log.error("%s: %s calls check() but the course has no exercise for it "
                           "(source/<assignment>/exercises.py); scored 0", self.student_id, test_id)
            grade.auto_score = 0
            grade.needs_manual_grade = True
        else:
            grade.auto_score = min(grade.auto_score or 0, verdict.score)
        self.gradebook.db.commit()

    def _grade_missing(self, nb, resources):
        present = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells if c.cell_type == "code"}
        missing = [v for test_id, v in self.verdicts.items() if test_id not in present]
        if not missing:
            return
        with Gradebook(self.db_url) as gradebook:
            for verdict in missing:
                try:
                    grade = gradebook.find_grade(verdict.test_id, self.notebook_id, self.assignment_id, self.student_id)
                except Exception:  # the gradebook does not know this test: nothing to restore
                    continue
                grade.auto_score = verdict.score
                grade.needs_manual_grade = True  # a human should see why the test cell vanished
                gradebook.db.commit()
                self.log.warning("%s: test cell %s missing from the submission; scored by the isolated grader",
                                 self.student_id, verdict.test_id)
        nb.cells.append(NotebookNode(cell_type="markdown", metadata={}, id="isolated-grader-flags",
                                     source="**Isolated grader:** these tests were missing from your notebook "
                                            "and were run from the course's copy:\n\n"
                                            + "\n".join(f"- {v.test_id}: {v.score:g}/{v.points}. {v.message}" for v in missing)))
