"""Where a submission's seconds go: one model-answer submission per notebook, graded in this
process by course.worker.grade, with each phase timed.

Phases: the student's notebook run in the sandboxed kernel (nbgrader's Execute, every cell),
the isolated replay and hidden checks (course.integrity, inside IsolatedSaveAutoGrades), the
rest of nbgrader's autograde (copying, sanitising, the gradebook), and generate_feedback.

    .venv/bin/python benchmarks/grading_phases.py [--notebooks 01_sequential_data,05_lstm]
"""

import argparse
import functools
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from course import autograde, config, demo, filetree, release, sources, worker  # noqa: E402
from course.preprocessors import IsolatedSaveAutoGrades, SandboxedExecute  # noqa: E402

PHASES = {"kernel run": (SandboxedExecute, "preprocess"), "isolated replay": (IsolatedSaveAutoGrades, "preprocess")}


def timed(spent: dict, name: str, cls, method: str) -> None:
    """Make ``cls.method`` add its seconds to ``spent[name]``."""
    original = getattr(cls, method)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    setattr(cls, method, wrapper)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--notebooks", default="", help="comma-separated assignment ids (default: all)")
    args = p.parse_args(argv)
    notebooks = [a for a in args.notebooks.split(",") if a] or sources.assignments()
    release.ensure_tools_on_path()
    spent: dict[str, float] = {}
    for name, (cls, method) in PHASES.items():
        timed(spent, name, cls, method)
    from nbgrader.apps import NbGraderAPI

    timed(spent, "nbgrader autograde (all)", NbGraderAPI, "autograde")
    timed(spent, "generate_feedback", NbGraderAPI, "generate_feedback")
    print("| notebook | total s | kernel run | isolated replay | rest of autograde | generate_feedback |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="rnn-phases-") as tmp:
        root = Path(tmp)
        demo.make_class(sources.SOURCE, REPO / "release", root / "class", mistakes={})
        out = root / "out"
        prints = {a: autograde.fingerprint(sources.SOURCE / a) for a in notebooks}
        template = autograde.prepare(sources.SOURCE, out, f"sqlite:///{out / 'gradebook.db'}", notebooks, prints)
        for a in notebooks:
            spent.clear()
            job = {"student": "perfect", "assignment": a, "timeout": config.default_timeout(),
                   "files": filetree.read(root / "class" / "perfect" / a)}
            start = time.perf_counter()
            answer = worker.grade(job, template, root / "job")
            total = time.perf_counter() - start
            if not answer["ok"]:
                raise SystemExit(f"{a}: {answer['error']}")
            kernel, replay = spent.get("kernel run", 0.0), spent.get("isolated replay", 0.0)
            rest = spent["nbgrader autograde (all)"] - kernel - replay
            print(f"| {a} | {total:.1f} | {kernel:.1f} | {replay:.1f} | {rest:.1f} | {spent['generate_feedback']:.1f} |")
            shutil.rmtree(root / "job", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
