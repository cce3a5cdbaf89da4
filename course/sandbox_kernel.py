"""Start an IPython kernel inside the sandbox: the kernel nbgrader uses when grading.

Jupyter starts this module through the kernelspec written by :func:`install_kernelspec`; it
copies the connection file somewhere the sandboxed user can read and replaces itself with
bubblewrap running ``ipykernel`` (see :mod:`course.isolation`). The kernel then sees only the
notebook's own folder, the Python environment and rnnkit: not the course directory, the
gradebook, the solutions or other students' work. Kernel messages travel over Unix sockets
(``transport = "ipc"``) in a private runtime folder, so the kernel needs no network at all and
parallel graders never race for TCP ports.

Starting a kernel imports no nbgrader: the autograde step that picks this kernel is
:class:`course.preprocessors.SandboxedExecute`.
"""

import json
import os
import shutil
import sys
from pathlib import Path

from course import isolation

KERNEL_NAME = "rnn-course-sandbox"
LIMITS = isolation.Limits(cpu_seconds=600, wall_seconds=0, memory_bytes=6 * 2**30,
                          file_bytes=64 * 2**20, processes=256, open_files=1024)


def install_kernelspec(prefix: Path) -> Path:
    """Write the sandboxed kernelspec under ``prefix`` (add ``prefix`` to JUPYTER_PATH)."""
    folder = Path(prefix) / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "course.sandbox_kernel", "-f", "{connection_file}"],
            "display_name": "Python 3 (sandboxed grader)", "language": "python",
            # bwrap --new-session: a SIGINT to the launcher never reaches the kernel, so a cell
            # that hits Execute.timeout is interrupted through the control channel instead.
            "interrupt_mode": "message"}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder


def main(argv: list[str]) -> None:
    """Start the sandboxed kernel for Jupyter's ``-f <connection file>`` arguments; never returns."""
    connection_file = Path(argv[argv.index("-f") + 1]).resolve()
    info = json.loads(connection_file.read_text(encoding="utf-8"))
    if info.get("transport") != "ipc" or not os.path.isabs(info.get("ip", "")):
        sys.exit("The sandboxed kernel talks over Unix sockets only: configure "
                 "KernelManager.transport = 'ipc' and an absolute KernelManager.ip (nbgrader_config.py does).")
    slot = isolation.current_slot()
    notebook_dir = Path.cwd()
    # The kernel creates its sockets at <ip>-<port>; that folder is the only one it shares
    # with us. The connection file is root-only, so the sandboxed user gets its own copy there.
    ipc_dir = Path(info["ip"]).parent
    copy = ipc_dir / "connection.json"
    shutil.copy(connection_file, copy)
    os.chmod(copy, 0o644)
    uid = isolation.sandbox_uid(slot)
    if uid is not None and isolation.bwrap_available():
        os.chown(ipc_dir, uid, uid)
    isolation.reclaim(slot)
    isolation.prepare_workdir(notebook_dir, slot)
    rnnkit_dir = Path(__import__("rnnkit").__file__).resolve().parent
    argv_kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", str(copy),
                   "--HistoryManager.hist_file=:memory:"]
    cmd = isolation.command(argv_kernel, notebook_dir, readonly=(rnnkit_dir,), slot=slot, writable=(ipc_dir,))
    isolation.limit_resources(LIMITS)()
    os.execvpe(cmd[0], cmd, dict(isolation.CHILD_ENV))


if __name__ == "__main__":
    main(sys.argv[1:])
