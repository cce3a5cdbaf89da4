"""Do answers computed in float32 pass the hidden checks? Figures for README and the notes.

Runs every notebook's model answer with its float64 array inputs cast to float32 (as a student
who writes ``dtype=np.float32``, or computes with Keras, does) on ``--seeds`` hidden checks per
exercise, once with the checker's tolerances as they are and once with the float32 floor
(``SINGLE_RTOL``, ``SINGLE_ATOL`` in rnnkit/checking.py) switched off, i.e. each exercise's own
tolerance alone. Prints, per exercise, how many hidden checks fail in each setting.

    .venv/bin/python benchmarks/float32_answers.py [--seeds 100]
"""

import argparse
import copy
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from exercise_support import solution  # noqa: E402  (the model answers, read from source/)

from rnnkit import checking  # noqa: E402
from course.exercise import make_case  # noqa: E402
from course.registry import all_exercises  # noqa: E402


def as32(a):
    return a.astype(np.float32) if getattr(a, "dtype", None) == np.float64 else a


def failing_checks(ex, fn, seeds: int) -> int:
    """How many of ``seeds`` hidden checks the float32 answer fails."""
    failed = 0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        for index in range(ex.trials_hidden):
            inputs, expected = make_case(ex, rng, True, index)
            got = checking.normalise(ex, fn(**{k: as32(v) for k, v in copy.deepcopy(inputs).items()}))
            if not all(checking._same(o, ex, g, w) for o, g, w in zip(ex.outputs, got, expected)):
                failed += 1
                break
    return failed


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=100)
    args = p.parse_args(argv)
    floor = (checking.SINGLE_RTOL, checking.SINGLE_ATOL)
    print(f"| exercise | failing of {args.seeds} (exercise tolerance only) | failing of {args.seeds} (with the float32 floor) |")
    print("|---|---:|---:|")
    for ex in all_exercises().values():
        fn = solution(ex)
        checking.SINGLE_RTOL, checking.SINGLE_ATOL = 0.0, 0.0
        without = failing_checks(ex, fn, args.seeds)
        checking.SINGLE_RTOL, checking.SINGLE_ATOL = floor
        print(f"| {ex.name} | {without} | {failing_checks(ex, fn, args.seeds)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
