"""How many typical wrong answers of the feedback catalogue get a message naming their mistake.

Runs every entry of tests/feedback_catalogue through the visible check exactly as a student's
kernel does (tests/test_feedback_catalogue.py asserts the same on each run of the suite) and
prints the count named, per notebook and in all, with the entries whose message does not name it.

    .venv/bin/python benchmarks/feedback_named.py
"""

import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_feedback_catalogue import WRONG, _message  # noqa: E402  (the suite's own code path)


def main() -> None:
    per_notebook = collections.defaultdict(lambda: [0, 0])
    unnamed = []
    for wrong in WRONG:
        message = _message(wrong)
        notebook = wrong.notebook
        per_notebook[notebook][1] += 1
        if message is not None and wrong.named_by(message):
            per_notebook[notebook][0] += 1
        else:
            unnamed.append(f"{wrong.exercise}: {wrong.mistake}\n    {message}")
    for notebook, (named, total) in sorted(per_notebook.items()):
        print(f"{notebook:24s} {named:4d} / {total:<4d} named")
    named = sum(n for n, _ in per_notebook.values())
    print(f"{'all':24s} {named:4d} / {len(WRONG):<4d} named ({named / len(WRONG):.0%})")
    for line in unnamed:
        print("- " + line)


if __name__ == "__main__":
    main()
