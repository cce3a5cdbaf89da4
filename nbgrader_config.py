"""nbgrader configuration for the course (the repository root is the course directory).

Grading is hardened here, so `nbgrader autograde` and `python -m course autograde` agree:
the student's notebook runs in a sandboxed kernel (course.sandbox_kernel, started by
course.preprocessors.SandboxedExecute) that cannot see the course directory or the gradebook,
and every autograded score is capped by the isolated verdict of course.integrity. See README "Security model".
"""

import atexit
import os
import shutil
import tempfile

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, Execute, GetGrades, IgnorePattern,
                                    LimitOutput)
from nbgrader.validator import Validator

from course.preprocessors import (HideHiddenTests, IsolatedSaveAutoGrades, KeepLastDuplicate,
                                  SandboxedExecute, StderrIsNotFailure, WithholdCourseText)
from course.sandbox_kernel import install_kernelspec

c = get_config()  # noqa: F821 (nbgrader injects get_config)

c.CourseDirectory.course_id = "rnn-week"
# The jupytext sources (*.py) hold solutions: they must never be copied into release/.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.Execute.timeout = 120
c.Execute.allow_errors = True

# Autograding runs the notebook in the sandboxed kernel; Validate keeps the ordinary one.
# StderrIsNotFailure: a correct answer that prints warnings to stderr keeps its points.
# GenerateFeedback hides hidden tests (and tracebacks quoting them) from the feedback pages.
c.Autograde.autograde_preprocessors = [SandboxedExecute, StderrIsNotFailure, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, IsolatedSaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
if os.environ.get("RNN_COURSE_NO_SANDBOX"):
    # Graded with --no-sandbox: the kernel could read the course's files; nothing it printed
    # that quotes a solution or a hidden test reaches the autograded notebook or the feedback.
    c.Autograde.autograde_preprocessors.insert(1, WithholdCourseText)
# Validate: a pasted answer cell (same grade id twice) counts once, as autograde counts it.
# nbgrader's Validator does not mark this trait configurable; tagging it lets the line below
# take effect (and is harmless when repeated: the server reloads this file on every Validate).
Validator.class_traits()["preprocessors"].tag(config=True)
c.Validator.preprocessors = [KeepLastDuplicate, CheckCellMetadata, ClearOutput, Execute]
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]

# The sandboxed kernel talks over Unix sockets in a folder private to this process.
_private = tempfile.mkdtemp(prefix="rnn-course-kernel-")
atexit.register(shutil.rmtree, _private, True)
install_kernelspec(os.path.join(_private, "share"))
os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(_private, "share"), os.environ.get("JUPYTER_PATH")]))
os.makedirs(os.path.join(_private, "ipc"))
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(_private, "ipc", "kernel")
