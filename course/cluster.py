"""The client's side of grading: every submission is a task on a Dask distributed cluster.

One scheduling path. With ``--scheduler tcp://HOST:8786`` the client connects to a running
cluster (workers started with ``dask worker ... --nthreads 1 --resources grading=1``, see
README "Grading on a cluster"); without it the same code starts a ``LocalCluster`` of
``--jobs`` single-threaded worker processes on this machine.

What Dask does for us:

- the worker plugin (:class:`course.dask_worker.CourseWorker`) carries the course's template to
  every worker, one that joins or restarts later included;
- the ``grading`` resource (one per worker) keeps one submission per worker process at a time;
- a worker that dies in the middle of a submission: the scheduler gives the task to another
  worker; one that kills two workers in a row (``allowed-failures`` set to 1 on the scheduler)
  ends as ``KilledWorker`` and is recorded as a failure for that student;
- ``retries=1``: a task that raises (a worker's own trouble, never a student's: grading itself
  never raises) is tried once more;
- ``as_completed``: each answer is handed to the client as it arrives, and the client alone
  writes the gradebook.

The client keeps one task per grading slot in flight, no more. Each task carries a student's
notebooks, so a class of thousands never sits in the scheduler's memory; and the scheduler
places a task on a worker as soon as it is submitted, whatever that worker's resources: a
second task queued behind the first would be blamed (and, a second time, failed) when the
first one's submission kills the worker.
"""

import logging
import os
import uuid
from collections import deque
from pathlib import Path

from course.dask_worker import PLUGIN, RESOURCE, CourseWorker, grade_task

ALLOWED_FAILURES = 1  # a task may be on one worker that dies; the second death ends it
WORKER_WAIT_SECONDS = 120


def thread_env(jobs: int, cpus: int | None = None) -> dict[str, str]:
    """Thread limits that split the machine's cores between ``jobs`` kernels."""
    cpus = cpus or os.cpu_count() or 1
    threads = str(max(1, cpus // max(1, jobs)))
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
    return {name: os.environ.get(name, threads) for name in names}


def configure_scheduler(dask_scheduler=None) -> int:
    """Run on the scheduler: a task may see at most ALLOWED_FAILURES worker deaths before it fails."""
    dask_scheduler.allowed_failures = ALLOWED_FAILURES
    return dask_scheduler.allowed_failures


class Connection:
    """A Dask client: of the cluster at ``scheduler``, or of a LocalCluster of ``jobs`` workers.

    Opened and closed by plain calls, not ``with``: the client may be opened in a helper thread
    (see course.autograde.Grader) and closed in the main one.
    """

    def __init__(self, scheduler: str | None, jobs: int, local_directory: Path):
        from distributed import Client, LocalCluster

        self.local = None
        if scheduler:
            self.client = Client(scheduler, timeout=60, set_as_default=False)
            return
        # Workers inherit this process's environment (the --no-sandbox mode among it) plus the
        # thread limits that split the cores between them.
        dashboard = ":0" if _has_bokeh() else None
        self.local = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, resources={RESOURCE: 1},
                                  env=thread_env(jobs), dashboard_address=dashboard, silence_logs=logging.ERROR,
                                  local_directory=str(local_directory))
        self.client = Client(self.local, set_as_default=False)

    def close(self) -> None:
        """Leave the cluster; a LocalCluster stops with its workers."""
        self.client.close()
        if self.local is not None:
            self.local.close()


def _has_bokeh() -> bool:
    """Whether the Dask dashboard can be served here (it needs bokeh)."""
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None


def grading_slots(client) -> int:
    """How many submissions the cluster grades at once (its workers' ``grading`` resource)."""
    client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    slots = int(sum(w.get("resources", {}).get(RESOURCE, 0) for w in workers))
    if not slots:
        raise RuntimeError("the Dask workers offer no grading slot: start each with "
                           f"`dask worker SCHEDULER --nthreads 1 --resources {RESOURCE}=1`")
    return slots


def warm_up(client, log_dir: Path | None) -> None:
    """Import nbgrader on every worker now (see :func:`course.dask_worker.warm_up`)."""
    from course.dask_worker import warm_up as on_worker

    client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    client.run(on_worker, str(log_dir) if log_dir else None)


def failure(future) -> dict:
    """A worker-style failure answer for a task that ended without a result."""
    from distributed import KilledWorker

    err = future.exception()
    if isinstance(err, KilledWorker):
        message = (f"grading this submission killed {ALLOWED_FAILURES + 1} Dask workers in a row (the last "
                   f"{err.last_worker.address}); it was not tried again")
    else:
        message = f"the Dask task failed twice: {type(err).__name__}: {err}"
    return {"ok": False, "error": message, "seconds": None}


class Grading:
    """Grade jobs on a cluster: ``run`` calls ``on_result(job, answer)`` here as each one ends."""

    def __init__(self, client, template: dict[str, bytes], digest: str, sandbox: bool):
        self.client, self.digest = client, digest
        client.run_on_scheduler(configure_scheduler)
        client.register_plugin(CourseWorker(template, digest, sandbox), name=PLUGIN)
        # Two runs of one class never share a task key; the dashboard groups keys by their
        # prefix, and the hex nonce makes that prefix "grade" for the whole cohort.
        self.nonce = uuid.uuid4().hex[:8]
        self.flying: dict[str, dict] = {}  # task key -> job, for the tasks submitted and not done

    def dashboard(self) -> str | None:
        """The Dask dashboard's address, where the cluster shows its task stream and progress."""
        try:
            return self.client.dashboard_link
        except Exception:  # no dashboard (no bokeh, or disabled on the scheduler)
            return None

    def run(self, jobs: list[dict], on_result) -> None:
        """Grade ``jobs`` (each has an ``id``) in this order of submission."""
        from distributed import as_completed

        pending, flying, done = deque(jobs), self.flying, as_completed(loop=self.client.loop)

        def fill():
            limit = grading_slots(self.client)
            while pending and len(flying) < limit:
                job = pending.popleft()
                future = self.client.submit(grade_task, job, self.digest, key=f"grade-{self.nonce}-{job['id']}",
                                            resources={RESOURCE: 1}, retries=1, pure=False)
                flying[future.key] = job
                done.add(future)

        fill()
        for future in done:
            job = flying.pop(future.key)
            answer = future.result() if future.status == "finished" else failure(future)
            future.release()
            on_result(job, answer)
            fill()

    def running(self) -> int:
        """How many of this run's submissions the workers are grading right now."""
        return sum(1 for keys in self.client.processing().values() for key in keys if key in self.flying)
