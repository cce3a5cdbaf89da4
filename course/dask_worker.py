"""The Dask worker's side of grading: a worker plugin that sets a worker up, and the task.

:class:`CourseWorker` is registered by the client (:mod:`course.cluster`) and, through the
scheduler, reaches every worker, including one that joins or is restarted later. On each worker
it unpacks the course's template (gradebook, source and release folders, sent as bytes: workers
need not share a file system with the client), leases a sandbox slot (a uid of its own for the
student code it runs), creates a private folder for kernel sockets and imports nbgrader.

:func:`grade_task` is what the client submits, one call per submission. It runs
:func:`course.worker.grade` in this worker's scratch course directory and returns plain data.
A hard deadline stops a submission whose kernels outlive every per-cell timeout: its child
processes are killed and the task answers with a failure instead of holding the worker.

One task at a time per worker process: the sandbox slot and the grading mode are process-wide,
so workers offer one unit of the ``grading`` resource and every task asks for it.
"""

import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
from distributed.diagnostics.plugin import WorkerPlugin

PLUGIN = "rnn-course"
RESOURCE = "grading"  # each worker offers one; each task needs one


class CourseWorker(WorkerPlugin):
    """Make a Dask worker a course grader: template, sandbox slot, socket folder, sandbox mode.

    template: ``{relative path: bytes}`` of the template course directory; digest names it, so
    a task can tell that it was given the course it expects. sandbox: False for
    ``--no-sandbox`` runs (the worker's kernels and grading config then say so).
    """

    def __init__(self, template: dict[str, bytes], digest: str, sandbox: bool):
        self.template_files, self.digest, self.sandbox = template, digest, sandbox

    def setup(self, worker):
        """Unpack the template into the worker's local directory and prepare this process."""
        from course import config, filetree, isolation, release

        os.environ.pop(isolation.NO_SANDBOX_ENV, None)
        if not self.sandbox:
            os.environ[isolation.NO_SANDBOX_ENV] = "1"
        config.base_config.cache_clear()  # nbgrader_config.py reads the mode when it loads
        self.scratch = Path(worker.local_directory) / "rnn-course"
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.template = self.scratch / "template"
        filetree.unpack(self.template_files, self.template)
        self.workdir = self.scratch / "job"
        # A short private temp folder for everything this worker starts: kernels put Unix
        # sockets there (108-byte path limit), and the isolated grader's work folder is then
        # three levels below /tmp, so a submission that globs '../../../**' from it walks the
        # sandbox's nearly empty /tmp, not the whole file system (which would spend its time limit).
        self.tmp = tempfile.mkdtemp(prefix="rnnc-w-")
        os.environ["TMPDIR"] = tempfile.tempdir = self.tmp
        self.ipc = Path(self.tmp) / "ipc"
        self.ipc.mkdir()
        if isolation.SLOT_ENV in os.environ:  # a plugin set up earlier in this process leased one
            isolation.release_slot(int(os.environ.pop(isolation.SLOT_ENV)))
        self.slot = isolation.current_slot()  # leases one and exports it to the kernels
        release.ensure_tools_on_path()
        config.base_config()

    def teardown(self, worker):
        """Give the sandbox slot back and remove the scratch folders."""
        from course import isolation

        isolation.release_slot(self.slot)
        os.environ.pop(isolation.SLOT_ENV, None)
        os.environ.pop("TMPDIR", None)
        tempfile.tempdir = None
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)


def warm_up(log_dir: str | None = None, dask_worker=None) -> None:
    """Run on each worker as the client connects: import nbgrader while the client prepares.

    log_dir: for a LocalCluster's workers, where their output goes (the kernels' start-up
    chatter would otherwise fill the instructor's terminal); a cluster's workers keep theirs.
    """
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        name = dask_worker.address.rsplit(":", 1)[-1]
        log = os.open(Path(log_dir) / f"worker-{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    import nbgrader.apps  # noqa: F401


def _kill_children(since: float) -> None:
    """Kill every process this worker started after ``since`` (epoch seconds): the kernels."""
    for p in psutil.Process().children(recursive=True):
        try:
            if p.create_time() >= since:
                p.kill()
        except psutil.Error:
            pass


def grade_task(job: dict, digest: str) -> dict:
    """Grade one submission on this worker; never raises for what the submission does.

    job: see :func:`course.worker.grade`, plus ``limit`` (hard wall-clock seconds).
    digest: the template the client expects; a worker set up for another run refuses.
    Adds ``worker`` (address), ``peak_rss_mib`` and ``digest`` to the worker's answer.
    """
    from distributed import get_worker

    from course import isolation, worker

    this = get_worker()
    plugin = this.plugins.get(PLUGIN)
    if plugin is None or plugin.digest != digest:
        answer = {"ok": False, "seconds": 0.0, "error": (
            "this Dask worker was set up for another autograde run (one run per cluster at a time)")}
    elif plugin.sandbox and not isolation.bwrap_works():
        answer = {"ok": False, "seconds": 0.0, "error": (
            f"the grading sandbox cannot start on worker {this.address}: install bubblewrap there")}
    else:
        since = time.time() - 1.0
        expired = threading.Event()

        def stop():
            expired.set()
            _kill_children(since)

        watchdog = threading.Timer(job["limit"], stop)
        watchdog.start()
        try:
            answer = worker.grade(job, plugin.template, plugin.workdir, str(plugin.ipc / "k"))
        finally:
            watchdog.cancel()
        if expired.is_set():
            answer = {"ok": False, "seconds": answer.get("seconds"),
                      "error": f"grading did not finish within {job['limit']:.0f} s and was stopped"}
        shutil.rmtree(plugin.workdir, ignore_errors=True)
    # Peak resident memory of this worker so far (kernels are separate, capped processes).
    answer["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    answer["worker"] = this.address
    return answer
