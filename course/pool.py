"""Run grading jobs in N worker processes, each with a hard time limit.

Workers are ``python -m course.worker`` processes in their own sessions (Ctrl-C in the terminal
reaches only this process, which then stops them). Each job gets a deadline; a worker that
misses it, or dies, is killed together with its kernels and replaced, and the job is reported
as failed. Results are handed to a callback in this process as they arrive, so the caller can
commit each one before the next.
"""

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from course import isolation, release


def thread_env(jobs: int, cpus: int | None = None) -> dict[str, str]:
    """Thread limits that split the machine's cores between ``jobs`` kernels."""
    cpus = cpus or os.cpu_count() or 1
    threads = str(max(1, cpus // max(1, jobs)))
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
    return {name: os.environ.get(name, threads) for name in names}


class _Worker:
    def __init__(self, slot: int, sandbox_slot: int, scratch: Path, log_dir: Path, env: dict):
        self.slot = slot
        self.scratch = scratch / f"w{slot}"
        self.scratch.mkdir(parents=True, exist_ok=True)
        # A short private temp folder: kernels put Unix sockets there (108-byte path limit).
        self.tmp = tempfile.mkdtemp(prefix=f"rnnc-w{slot}-")
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"worker-{slot}.log"
        self.log = open(self.log_path, "ab")
        full_env = dict(os.environ, **env, RNN_COURSE_SLOT=str(slot), **{isolation.SLOT_ENV: str(sandbox_slot)}, TMPDIR=self.tmp, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "course.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log, cwd=self.scratch, env=full_env, start_new_session=True)
        self.buffer = b""
        self.task = None
        self.deadline = None

    def send(self, task: dict, limit: float) -> None:
        self.task = task
        self.deadline = time.monotonic() + limit
        self.proc.stdin.write((json.dumps(task) + "\n").encode())
        self.proc.stdin.flush()

    def kill(self) -> None:
        """Stop the worker and every process it started (kernels live in their own sessions)."""
        try:
            family = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            family = []
        for p in [self.proc, *family]:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (subprocess.TimeoutExpired, OSError):
            pass
        self.kill()


class Pool:
    """``size`` worker processes, started at once so that their imports overlap other work.

    Use as a context manager; :meth:`run` grades tasks, :meth:`close` (on exit) stops them.
    """

    def __init__(self, size: int, jobs: int, scratch: Path, log_dir: Path):
        release.ensure_tools_on_path()
        self.scratch, self.log_dir = scratch, log_dir
        self.env = thread_env(jobs)
        self.selector = selectors.DefaultSelector()
        # Sandbox slots (uids) are leased for the pool's lifetime; a replaced worker reuses its own.
        self.sandbox_slots = [isolation.lease_slot() for _ in range(size)]
        self.workers = [self._start(slot) for slot in range(size)]

    def _start(self, slot: int) -> _Worker:
        w = _Worker(slot, self.sandbox_slots[slot], self.scratch, self.log_dir, self.env)
        self.selector.register(w.proc.stdout, selectors.EVENT_READ, w)
        return w

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Stop every worker: idle ones politely, busy ones (Ctrl-C, errors) at once."""
        for w in self.workers:
            try:
                self.selector.unregister(w.proc.stdout)
            except (KeyError, ValueError):
                pass
            if w.task is None:
                w.close()
            else:
                w.kill()
        self.workers = []
        self.selector.close()
        for slot in self.sandbox_slots:
            isolation.release_slot(slot)
        self.sandbox_slots = []

    def run(self, tasks: list[dict], on_result, limit_for) -> None:
        """Grade ``tasks``; call ``on_result(task, result)`` for each, in this process, as they end.

        limit_for(task) gives the hard wall-clock limit in seconds for one task.
        """
        pending = list(tasks)
        workers = self.workers

        def feed(w):
            if pending:
                task = pending.pop(0)
                w.send(task, limit_for(task))

        def replace(w, why):
            task = w.task
            self.selector.unregister(w.proc.stdout)
            w.kill()
            fresh = self._start(w.slot)
            workers[workers.index(w)] = fresh
            on_result(task, {"ok": False, "error": why, "seconds": None})
            feed(fresh)

        for w in workers:
            feed(w)
        while any(w.task is not None for w in workers):
            busy = [w for w in workers if w.task is not None]
            wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            for key, _ in self.selector.select(timeout=min(wait, 5.0)):
                w = key.data
                if w not in workers:
                    continue
                chunk = os.read(w.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    code = w.proc.poll()
                    replace(w, f"the grading process stopped unexpectedly (exit code {code}); see {w.log_path}")
                    continue
                w.buffer += chunk
                while b"\n" in w.buffer and w.task is not None:
                    line, w.buffer = w.buffer.split(b"\n", 1)
                    task, w.task = w.task, None
                    on_result(task, json.loads(line))
                    feed(w)
            now = time.monotonic()
            for w in list(workers):
                if w.task is not None and now > w.deadline:
                    replace(w, f"grading did not finish within {limit_for(w.task):.0f} s and was stopped")
