"""No registered typical mistake ever passes a hidden check: 1000 hidden checks each.

A hidden check draws ``trials_hidden`` fresh cases from a random seed; a mistake passes it when
its outputs agree with the reference on every case. Production draws a fresh seed per grading
run, so a mistake that passes one seed in a thousand would hand a wrong answer points in a large
class. Each exercise's regimes (``Exercise.regimes``) exist so that every check covers every kind
of case its maths has; this test is what keeps them honest. The comparison is the checker's own
(``rnnkit.checking``), on the exact cases ``check(name, fn, hidden=True, seed=s)`` draws.
"""

import copy

import numpy as np
import pytest

from course.exercise import hidden_cases
from course.registry import all_exercises
from rnnkit.checking import _same, normalise

HIDDEN_CHECKS = 1000
EXERCISES = [ex for ex in all_exercises().values() if ex.mistakes]


def _agrees(ex, fn, inputs, expected) -> bool:
    try:
        got = normalise(ex, fn(**copy.deepcopy(inputs)), who="the mistake model")
    except Exception:  # a mistake that cannot even run on a case is caught by that case
        return False
    return all(_same(out, ex, g, w) for out, g, w in zip(ex.outputs, got, expected))


@pytest.mark.parametrize("ex", EXERCISES, ids=[f"{ex.notebook}/{ex.name}" for ex in EXERCISES])
def test_no_mistake_passes_a_thousand_hidden_checks(ex):
    passing = {m.message: [] for m in ex.mistakes}  # message -> seeds whose whole check it passed
    for seed in range(HIDDEN_CHECKS):
        rng = np.random.default_rng(seed)  # as check(..., hidden=True, seed=seed) seeds it
        cases = hidden_cases(ex, rng)
        for mistake in ex.mistakes:
            if all(_agrees(ex, mistake.fn, inputs, expected) for inputs, expected in cases):
                passing[mistake.message].append(seed)
    bad = {message[:70]: seeds[:5] for message, seeds in passing.items() if seeds}
    assert not bad, (f"{ex.name}: these mistakes pass hidden checks (first seeds shown, of {HIDDEN_CHECKS}); "
                     f"give the exercise a regime that shows them: {bad}")
