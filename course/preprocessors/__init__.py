"""The nbgrader preprocessors the course plugs into nbgrader's converters (``nbgrader_config.py``).

One preprocessor per module, as in nbgrader:

- :class:`SandboxedExecute` (autograde): run the notebook in the sandboxed kernel;
- :class:`StderrIsNotFailure` (autograde): stderr output in a test cell costs no points;
- :class:`WithholdCourseText` (autograde without the sandbox): hide output quoting the solutions;
- :class:`IsolatedSaveAutoGrades` (autograde): each score capped by the isolated grader's verdict;
- :class:`KeepLastDuplicate` (Validate): a pasted answer cell counts once;
- :class:`HideHiddenTests` (feedback): no hidden test, nor a traceback line quoting one.
"""

from course.preprocessors.hide_hidden_tests import HideHiddenTests
from course.preprocessors.isolated_save_auto_grades import IsolatedSaveAutoGrades
from course.preprocessors.keep_last_duplicate import KeepLastDuplicate
from course.preprocessors.sandboxed_execute import SandboxedExecute
from course.preprocessors.stderr_is_not_failure import StderrIsNotFailure
from course.preprocessors.withhold_course_text import WithholdCourseText

__all__ = ["HideHiddenTests", "IsolatedSaveAutoGrades", "KeepLastDuplicate", "SandboxedExecute", "StderrIsNotFailure", "WithholdCourseText"]
