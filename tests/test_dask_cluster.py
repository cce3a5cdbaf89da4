"""Grading on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
loopback, ``python -m course autograde --scheduler``, and workers killed in the middle.

- A worker killed (nanny and all, like a lost machine) while it grades: every submission is
  graded once, with the scores of a LocalCluster run; the gradebook is PostgreSQL.
- A submission whose worker is killed twice in a row (as a submission that brings its worker
  down would) is a failure for that student alone.

The fixture course's notebooks take about a second each to grade, so the class is small.
"""

import contextlib
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from postgres_support import free_port, postgres_url  # noqa: F401  (postgres_url is a fixture)

from course import autograde, build, demo
from course.gradebook import Book, normalise_url

FIXTURE = Path(__file__).parent / "fixtures" / "course"
SUMS = "01_fixture_sums"
TIMEOUT = 10
DASK = Path(sys.executable).parent / "dask"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The fixture course, built, and a class of three students (perfect, blank, mistakes)."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURE / "source", root / "source")
    assert build.build(source=root / "source", release_dir=root / "release", readme=None)
    mistakes = {k: tuple(v) for k, v in json.loads((FIXTURE / "mistakes.json").read_text()).items()}
    demo.make_class(root / "source", root / "release", root / "demo", mistakes)
    for student in ("perfect", "blank", "mistakes"):
        shutil.copytree(root / "demo" / student, root / "class" / student)
    return root


@pytest.fixture(scope="module")
def local_run(course, tmp_path_factory):
    """The class graded on a LocalCluster of two workers into SQLite: the reference."""
    out = tmp_path_factory.mktemp("local") / "grading"
    return autograde.autograde(course / "class", out, jobs=2, timeout=TIMEOUT, source=course / "source",
                               show_progress=False)


def scores(rows) -> dict:
    """(student, assignment) -> (status, automatic score) from grades.csv rows or Result.grades."""
    return {(g["student"], g["assignment"]): (g["status"], float(g["auto_score"])) for g in rows}


@contextlib.contextmanager
def dask_cluster(tmp: Path, workers: int = 2):
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes on loopback; yields
    (address, {worker process: Popen}). Each process leads its own session (killed as a whole)."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    logs = tmp / "dask-logs"
    logs.mkdir()

    def start(name, argv):
        log = open(logs / f"{name}.log", "wb")
        return subprocess.Popen([str(DASK), *argv], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    procs = {"scheduler": start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port",
                                              address.rsplit(":", 1)[1], "--no-dashboard"])}
    try:
        for i in range(workers):
            procs[f"worker{i}"] = start(f"worker{i}", [
                "worker", address, "--nthreads", "1", "--resources", "grading=1", "--no-dashboard",
                "--host", "127.0.0.1", "--local-directory", str(tmp / f"w{i}")])
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address, procs
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def grade_on(address: str, course: Path, out: Path, *extra: str) -> subprocess.Popen:
    """``python -m course autograde --scheduler address`` on the class, started in the background."""
    return subprocess.Popen([sys.executable, "-m", "course", "autograde", str(course / "class"), "--scheduler", address,
                             "--out", str(out), "--source", str(course / "source"), "--timeout", str(TIMEOUT),
                             "--no-progress", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def grades(key, student: str) -> bool:
    """Whether task ``key`` grades a submission of ``student`` (of anyone if '')."""
    key = str(key)
    return key.startswith("grade-") and (not student or f"-{student}/" in key)


def wait_for_task(client, run: subprocess.Popen, student: str = "", not_on: set = frozenset(), seconds: float = 120):
    """The address of a worker grading ``student``'s task (any task if ''), not one of ``not_on``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and run.poll() is None:
        for worker, keys in client.processing().items():
            if worker not in not_on and any(grades(k, student) for k in keys):
                return worker
        time.sleep(0.02)
    raise AssertionError(f"no worker took a task of {student or 'anyone'}: {run.communicate()}")


def test_worker_killed_mid_run_loses_nothing_on_postgresql(course, local_run, postgres_url, tmp_path):  # noqa: F811
    from distributed import Client

    with dask_cluster(tmp_path) as (address, procs), Client(address) as client:
        pids = client.run(os.getpid)  # worker address -> pid of the worker process
        run = grade_on(address, course, tmp_path / "grading", "--db-url", postgres_url)
        victim = wait_for_task(client, run)
        nanny = next(p for name, p in procs.items() if name != "scheduler"
                     and pids[victim] in {c.pid for c in psutil.Process(p.pid).children(recursive=True)})
        os.killpg(nanny.pid, signal.SIGKILL)  # the whole `dask worker`: nanny, worker and kernels
        stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr
    with open(tmp_path / "grading" / "grades.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert scores(rows) == scores(local_run.grades)
    assert "6 graded" in stdout
    with Book(normalise_url(postgres_url), "rnn-week") as book:
        records = book.records()
        assert sorted(records) == sorted(scores(local_run.grades))  # each submission once, no more
        assert all(r.digest and r.status == "ok" for r in records.values())
    assert not (tmp_path / "grading" / "gradebook.db").exists()  # really went to PostgreSQL


def test_a_submission_that_kills_two_workers_fails_alone(course, local_run, tmp_path):
    from distributed import Client

    klass = tmp_path / "class"
    for student in ("perfect", "blank"):
        shutil.copytree(course / "class" / student / SUMS, klass / student / SUMS)
    shutil.copytree(course / "class" / "perfect" / SUMS, klass / "killer" / SUMS)
    shutil.copytree(course / "source", tmp_path / "source")
    with dask_cluster(tmp_path) as (address, _), Client(address) as client:
        run = grade_on(address, tmp_path, tmp_path / "grading")
        killed = set()
        for _ in range(2):  # kill the worker process grading "killer"; its nanny starts a new one
            worker = wait_for_task(client, run, "killer", not_on=killed)
            os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
            killed.add(worker)
        stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 1, stderr  # a failure is in the class
    with open(tmp_path / "grading" / "grades.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["killer"]["status"] == "error" and "killed 2 Dask workers" in rows["killer"]["message"]
    for student in ("perfect", "blank"):
        assert scores([rows[student]]) == {k: v for k, v in scores(local_run.grades).items() if k == (student, SUMS)}
    assert "killer / 01_fixture_sums" in stdout and "killed 2 Dask workers" in stdout
