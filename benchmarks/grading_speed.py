"""How fast does `python -m course autograde` grade a class? Figures for the README.

Builds a class of model-answer students from the course notebooks (the demo's ``perfect``
student, copied), grades it with stock ``nbgrader autograde`` (its own defaults, one
submission at a time, in the student's kernel), then with ``--jobs 1`` and ``--jobs 2`` (a
LocalCluster of Dask workers) into fresh output folders, and reports:

- seconds per graded submission (one student x one notebook): stock, one worker, two workers;
- the ratios: ``--jobs 1`` per submission against stock (goal: at most 0.5x), and the
  speed-up of two workers over one (goal: at least 1.8x on 2 cores);
- a projection from the measured cost per submission: the wall time for 300 and 3,000
  students x the notebooks on 1, 8 and 64 workers;
- per notebook: mean grading seconds, and whether the notebook imports TensorFlow (the cost of
  ``import tensorflow`` is paid only by the notebooks that need it);
- the time ``import tensorflow`` takes on this machine.

    .venv/bin/python benchmarks/grading_speed.py [--students 4] [--notebooks 02_simple_rnn,03_bptt]
        [--cpus 0,1] [--json results.json]

``--cpus`` pins this process and everything it starts to those cores (taskset semantics), so
``--jobs 2`` on a bigger machine still measures "2 cores". Timings include nbgrader's own work
(sanitising, executing, saving grades) and feedback generation, not the one-off preparation.
"""

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from course import autograde, build, demo, sources, table  # noqa: E402

STUDENTS_PROJECTED = (300, 3000)
WORKERS_PROJECTED = (1, 8, 64)
STOCK_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "rnn-week"
c.CourseDirectory.root = {root!r}
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]
c.Execute.timeout = 120
"""


def uses_tensorflow(py_source: Path) -> bool:
    """Whether a jupytext notebook imports keras or tensorflow (at any point)."""
    text = py_source.read_text(encoding="utf-8")
    return bool(re.search(r"^\s*(import|from)\s+(keras|tensorflow)\b", text, re.M)
                or re.search(r"^\s*from\s+rnnkit\s+import\s+.*keras_bridge|import\s+rnnkit\.keras_bridge", text, re.M))


def tensorflow_import_seconds() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True)
    return time.perf_counter() - start


def make_class(root: Path, notebooks: list[str], students: int) -> Path:
    for a in notebooks:
        shutil.copytree(sources.SOURCE / a, root / "source" / a, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if not build.build(source=root / "source", release_dir=root / "release", readme=None, say=lambda *a, **k: None):
        raise SystemExit("the notebooks do not build")
    demo.make_class(root / "source", root / "release", root / "demo", mistakes={})
    klass = root / "class"
    for i in range(students):
        shutil.copytree(root / "demo" / "perfect", klass / f"student{i:02d}")
    return klass


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy so far (all processes; measure when idle).

    Per-process accounting misses the sandboxed kernels: bubblewrap's PID namespace reaps
    them itself, so their CPU time never reaches this process's RUSAGE_CHILDREN.
    """
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


SPIN = ("import os\nos.environ['OPENBLAS_NUM_THREADS'] = '1'\nimport numpy as np\n"
        "a = np.random.default_rng(0).random((400, 400))\ns = 0\n"
        "for i in range(%d):\n    s += i\n    if i %% 20000 == 0:\n        a = np.tanh(a @ a / 400)\n")


def parallel_ceiling(loops: int = 12_000_000, rounds: int = 3) -> dict:
    """What two cores give two independent CPU-bound processes here: the most any
    ``--jobs 2`` speed-up can reach on this machine (1.0 = no gain, 2.0 = two full cores).
    One and two copies alternate, medians kept, so a burst of other load hits both sides."""
    def run(copies: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", SPIN % loops]) for _ in range(copies)]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - start

    times = {1: [], 2: []}
    for _ in range(rounds):
        for copies in (1, 2):
            times[copies].append(run(copies))
    one, two = statistics.median(times[1]), statistics.median(times[2])
    return {"one_process_seconds": round(one, 2), "two_processes_seconds": round(two, 2),
            "speedup_ceiling": round(2 * one / two, 2)}


def grade(klass: Path, source: Path, out: Path, jobs: int) -> tuple[float, float, list[dict]]:
    """Grade; return (wall seconds, busy CPU seconds of the machine meanwhile, grades rows)."""
    start, cpu = time.perf_counter(), busy_cpu_seconds()
    result = autograde.autograde(klass, out, jobs=jobs, source=source, show_progress=False, stream=open(os.devnull, "w"))
    wall = time.perf_counter() - start
    if result.counts.get("failed"):
        raise SystemExit(f"grading failed: {result.summary}")
    return wall, busy_cpu_seconds() - cpu, result.grades


def stock_nbgrader(klass: Path, source: Path, root: Path, notebooks: list[str]) -> float:
    """Wall seconds of stock ``nbgrader autograde`` (its default preprocessors, the student's own
    kernel, no sandbox) on the class, one assignment after the other as an instructor runs it."""
    for a in notebooks:
        shutil.copytree(source / a, root / "source" / a, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for student in sorted(p.name for p in klass.iterdir()):
        shutil.copytree(klass / student, root / "submitted" / student)
    (root / "nbgrader_config.py").write_text(STOCK_CONFIG.format(root=str(root)))
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for a in notebooks:  # not timed: generate_assignment is the once-a-term step
        subprocess.run(nbgrader + ["generate_assignment", a, "--force"], cwd=root, check=True, capture_output=True)
    start = time.perf_counter()
    for a in notebooks:
        done = subprocess.run(nbgrader + ["autograde", a, "--force"], cwd=root, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"stock nbgrader autograde {a} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def projection(seconds_per_submission_per_worker: float, notebooks: int) -> dict[str, dict[str, float]]:
    """Hours of wall time for each class size and worker count, at the measured cost of one
    submission inside a worker while another worker is busy too (each worker on a core of its
    own; the cluster's start-up and the client's merging, a few seconds, left out)."""
    return {f"{students} students": {f"{workers} workers": round(
        math.ceil(students * notebooks / workers) * seconds_per_submission_per_worker / 3600, 2)
        for workers in WORKERS_PROJECTED} for students in STUDENTS_PROJECTED}


def job_seconds(out: Path) -> dict[str, list[float]]:
    """Seconds each graded submission took inside its worker, by notebook."""
    from course.gradebook import Book

    with Book(f"sqlite:///{out / 'gradebook.db'}", "rnn-week") as book:
        seconds: dict[str, list[float]] = {}
        for (student, assignment), r in book.records().items():
            if r.seconds:
                seconds.setdefault(assignment, []).append(r.seconds)
    return dict(sorted(seconds.items()))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=4)
    p.add_argument("--notebooks", default="", help="comma-separated assignment ids (default: all)")
    p.add_argument("--cpus", default="", help="pin to these CPU ids, e.g. 0,1")
    p.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = p.parse_args(argv)
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    notebooks = [a for a in args.notebooks.split(",") if a] or sources.assignments()
    if not notebooks:
        raise SystemExit("no notebooks in source/")
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="rnn-bench-") as tmp:
        root = Path(tmp)
        klass = make_class(root, notebooks, args.students)
        # Warm the caches (imports, fonts, bytecode) outside the measurement: one student.
        shutil.copytree(klass / "student00", root / "warm_class" / "student00")
        grade(root / "warm_class", root / "source", root / "warm", jobs=2)
        n = args.students * len(notebooks)
        load = [os.getloadavg()[0]]
        stock = stock_nbgrader(klass, root / "source", root / "stock", notebooks)
        load.append(os.getloadavg()[0])
        one, cpu1, grades1 = grade(klass, root / "source", root / "j1", jobs=1)
        load.append(os.getloadavg()[0])
        two, cpu2, grades2 = grade(klass, root / "source", root / "j2", jobs=2)
        load.append(os.getloadavg()[0])
        same = sorted((g["student"], g["assignment"], g["auto_score"]) for g in grades1) == \
            sorted((g["student"], g["assignment"], g["auto_score"]) for g in grades2)
        jobs1, jobs2 = job_seconds(root / "j1"), job_seconds(root / "j2")
    per_nb = {a: sum(v) / len(v) for a, v in jobs1.items()}
    busy1 = sum(sum(v) for v in jobs1.values())
    busy2 = sum(sum(v) for v in jobs2.values())
    per_worker = busy2 / n  # one submission inside one of two busy workers, each on a core of its own
    ceiling = parallel_ceiling()
    tf = {a: uses_tensorflow(sources.SOURCE / a / f"{a}.py") for a in notebooks}
    figures = {
        "machine": table.machine(),
        "cores": cores,
        "load_average_1min": [round(x, 1) for x in load],
        "submissions": n,
        "stock_nbgrader_seconds": round(stock, 1),
        "seconds_per_submission_stock": round(stock / n, 2),
        "jobs1_seconds": round(one, 1),
        "jobs2_seconds": round(two, 1),
        "seconds_per_submission_jobs1": round(one / n, 2),
        "seconds_per_submission_jobs2": round(two / n, 2),
        "speedup_jobs2": round(one / two, 2),
        "jobs1_over_stock": round(one / stock, 2),
        "jobs2_over_stock": round(two / stock, 2),
        "projection_hours": projection(per_worker, len(notebooks)),
        "same_scores_jobs1_jobs2": same,
        # Time inside workers (kernel + nbgrader + feedback), summed over submissions: how much
        # slower each submission got when two ran at once (machine contention, not the pipeline).
        "job_seconds_sum_jobs1": round(busy1, 1),
        "job_seconds_sum_jobs2": round(busy2, 1),
        "per_job_slowdown_jobs2": round(busy2 / busy1, 2),
        # Share of the jobs-2 wall time both workers were busy: scheduling and serial overhead.
        "worker_utilisation_jobs2": round(busy2 / (2 * two), 2),
        "overhead_seconds_jobs1": round(one - busy1, 1),
        # Average number of busy cores (machine-wide busy CPU seconds / wall seconds): how much
        # of the two cores each setting actually used.
        "cores_used_jobs1": round(cpu1 / one, 2),
        "cores_used_jobs2": round(cpu2 / two, 2),
        "cpu_seconds_jobs1": round(cpu1, 1),
        "cpu_seconds_jobs2": round(cpu2, 1),
        "machine_parallel_ceiling": ceiling,
        "tensorflow_import_seconds": round(tensorflow_import_seconds(), 1),
        "per_notebook": {a: {"seconds": round(s, 1), "imports_tensorflow": tf[a]} for a, s in per_nb.items()},
    }
    print(f"{n} submissions ({args.students} students x {len(notebooks)} notebooks) on {figures['machine']}, "
          f"{cores} cores used (1-minute load average before stock/jobs 1/jobs 2/after: {figures['load_average_1min']})")
    print(f"stock nbgrader autograde: {stock:.1f} s = {stock / n:.2f} s per submission")
    print(f"--jobs 1: {one:.1f} s = {one / n:.2f} s per submission = {one / stock:.2f}x stock (goal <= 0.5x)")
    print(f"--jobs 2: {two:.1f} s = {two / n:.2f} s per submission = {two / stock:.2f}x stock; speed-up over "
          f"--jobs 1 {one / two:.2f}x (goal >= 1.8x)")
    print(f"busy cores on average (whole machine): {cpu1 / one:.2f} with --jobs 1, {cpu2 / two:.2f} with "
          f"--jobs 2 (busy CPU seconds {cpu1:.0f} and {cpu2:.0f})")
    print(f"this machine's own ceiling: two independent CPU-bound processes run {ceiling['speedup_ceiling']:.2f}x "
          f"as fast as one after the other ({ceiling['one_process_seconds']} s alone, "
          f"{ceiling['two_processes_seconds']} s for two at once)")
    print(f"same scores with 1 and 2 workers: {same}")
    print(f"inside workers: {busy1:.0f} s with 1 job, {busy2:.0f} s with 2 (each submission {busy2 / busy1:.2f}x "
          f"slower when two run at once); workers busy {100 * busy2 / (2 * two):.0f}% of the jobs-2 wall time; "
          f"serial overhead (import, prepare, merge, reports) {one - busy1:.0f} s")
    print(f"import tensorflow: {figures['tensorflow_import_seconds']} s (paid only by notebooks that use Keras)")
    print(f"projected wall time (hours) at {per_worker:.2f} s per submission per worker, "
          f"{len(notebooks)} notebooks per student:")
    print("| students | " + " | ".join(f"{w} workers" for w in WORKERS_PROJECTED) + " |\n|---|"
          + "---:|" * len(WORKERS_PROJECTED))
    for students, row in figures["projection_hours"].items():
        print(f"| {students.split()[0]} | " + " | ".join(f"{h:g}" for h in row.values()) + " |")
    print("| notebook | grading time per submission (s) | imports TensorFlow |\n|---|---:|---|")
    for a, row in figures["per_notebook"].items():
        print(f"| {a} | {row['seconds']} | {'yes' if row['imports_tensorflow'] else 'no'} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
