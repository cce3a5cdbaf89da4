"""SandboxedExecute (autograde): nbgrader's Execute step, run in the sandboxed kernel.

The kernel is the one :mod:`course.sandbox_kernel` starts inside bubblewrap. Validate and nbval
keep the ordinary kernel (a student's own folder is never handed to the sandbox uid).
"""

import os
from pathlib import Path

from nbgrader.preprocessors import Execute
from traitlets import Unicode

from course.sandbox_kernel import KERNEL_NAME


class SandboxedExecute(Execute):
    """Execute in the sandboxed kernel; afterwards the notebook's folder goes back to its owner."""

    kernel_name = Unicode(KERNEL_NAME).tag(config=True)

    def preprocess(self, nb, resources, km=None):
        """Run the notebook, then give back what the sandbox uid wrote in its folder."""
        folder = Path(resources.get("metadata", {}).get("path") or ".").resolve()
        owner = folder.stat()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            if os.geteuid() == 0:
                for path in [folder, *folder.rglob("*")]:
                    os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
