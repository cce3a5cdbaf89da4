"""Command line of the instructor tools (importing this never imports TensorFlow).

    python -m course build [--check]
    python -m course autograde SUBMISSIONS [--jobs N | --scheduler ADDRESS] [--lms canvas|moodle [--roster CSV]]
                               [--db-url URL] [--timeout S] [--out DIR]
    python -m course demo [--out DIR] [--jobs N] [--timeout S]
    python -m course table [--json] [--no-run] [--measure]
    python -m course student-package [DEST]
"""

import argparse
import sys
from pathlib import Path

from course import sources


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m course", description="Instructor tools for the RNN course week.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="lint the source notebooks, regenerate them and the student release")
    b.add_argument("--check", action="store_true", help="write nothing; fail if anything generated is out of date")

    a = sub.add_parser("autograde", help="grade a class's submissions into the gradebook")
    a.add_argument("submissions", type=Path,
                   help="folder of <student>/<assignment>/<notebook>.ipynb folders and/or <student>.zip files")
    a.add_argument("--out", type=Path, default=Path("grading"),
                   help="output course directory: gradebook.db, autograded/, feedback/, grades.csv (default: grading/)")
    a.add_argument("--jobs", "-j", type=_positive, default=None,
                   help="workers of the LocalCluster on this machine (default: number of CPU cores)")
    a.add_argument("--scheduler", default=None,
                   help="grade on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 (workers: "
                        "dask worker ADDRESS --nthreads 1 --resources grading=1)")
    a.add_argument("--lms", choices=("canvas", "moodle"), default=None,
                   help="SUBMISSIONS is this LMS's download-all-submissions zip; also write its grade import CSV")
    a.add_argument("--roster", type=Path, default=None,
                   help="with --lms: Canvas' gradebook export CSV or Moodle's grading worksheet (student ids, grade file)")
    a.add_argument("--db-url", default=None,
                   help="SQLAlchemy URL of the gradebook, e.g. postgresql://user@host/db (default: sqlite <out>/gradebook.db)")
    a.add_argument("--timeout", type=_positive, default=None,
                   help="seconds a single cell may run before it is interrupted (default: nbgrader_config.py)")
    a.add_argument("--source", type=Path, default=sources.SOURCE, help=argparse.SUPPRESS)
    a.add_argument("--no-progress", action="store_true", help="no progress bar")
    a.add_argument("--no-sandbox", action="store_true",
                   help="grade even though the bubblewrap sandbox cannot start (weaker isolation; every output says so)")

    d = sub.add_parser("demo", help="grade a sample class made from the notebooks (perfect, blank, mistakes, ...)")
    d.add_argument("--out", type=Path, default=Path("demo_out"), help="where the class and its grading go (default: demo_out/)")
    d.add_argument("--jobs", "-j", type=_positive, default=None, help="parallel workers (default: number of CPU cores)")
    d.add_argument("--timeout", type=_positive, default=60, help="seconds a single cell may run (default: 60)")

    t = sub.add_parser("table", help="print the README table of notebooks (runs every source notebook)")
    t.add_argument("--json", action="store_true", help="JSON instead of markdown")
    t.add_argument("--no-run", action="store_true", help="do not execute the notebooks (no run times)")
    t.add_argument("--measure", action="store_true",
                   help="run every notebook, record the times in benchmarks/notebook_times.json for README's table")

    w = sub.add_parser("student-package", help="build the wheel students install: rnnkit alone, no course tooling")
    w.add_argument("dest", type=Path, nargs="?", default=Path("dist"), help="where the wheel goes (default: dist/)")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.command == "build":
        from course import build

        return 0 if build.build(check=args.check) else 1
    if args.command == "autograde":
        from course import autograde

        try:
            result = autograde.autograde(args.submissions, args.out, jobs=args.jobs, db_url=args.db_url,
                                         scheduler=args.scheduler, lms=args.lms, roster=args.roster,
                                         timeout=args.timeout, source=args.source, show_progress=not args.no_progress,
                                         sandbox=not args.no_sandbox)
        except (RuntimeError, FileNotFoundError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("\ninterrupted: every submission graded so far is saved; run the same command again to "
                  "grade the rest", file=sys.stderr)
            return 130
        return 1 if result.counts.get("failed") else 0
    if args.command == "demo":
        from course import demo

        try:
            return 0 if demo.run(args.out, jobs=args.jobs, timeout=args.timeout) else 1
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
    if args.command == "table":
        from course import table

        rows = table.measure() if args.measure else table.rows(timed=not args.no_run)
        print(table.as_json(rows) if args.json else table.markdown(rows), end="")
        return 0
    if args.command == "student-package":
        from course import student_package

        print(student_package.build_wheel(args.dest))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
