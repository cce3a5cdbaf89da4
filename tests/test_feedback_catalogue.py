"""Feedback that teaches, measured on a catalogue of typical wrong answers (tests/feedback_catalogue).

The catalogue is written from the notebooks' statements as students would get them wrong, not
from the exercises' own mistake lists, so it measures what the generic diagnosis
(:mod:`rnnkit.diagnosis`) adds to the named mistakes. Each wrong answer goes through the visible
check exactly as a student's kernel runs it (the release's case file), then:

- at least 90% of the messages name the mistake (one of the entry's keywords appears), and every
  other message at least says where (an output by name, a step, a block, or the student's line);
- no wrong answer passes a hidden check, on 1000 hidden seeds each;
- no message shows the checker's own frames or code.
"""

import collections
import copy
import re

import numpy as np
import pytest

from course.exercise import hidden_cases
from course.registry import all_exercises
from course.sources import REPO
from rnnkit.checking import CheckFailed, _same, check, normalise
from tests.feedback_catalogue import Wrong, catalogue, edited, load

WRONG = catalogue()
EXERCISES = all_exercises()
HIDDEN_CHECKS = 1000
NAMED_AT_LEAST = 0.90


def _message(wrong) -> str | None:
    """What the visible check tells this wrong answer (None if it passes)."""
    ex = EXERCISES[wrong.exercise]
    try:
        check(wrong.exercise, load(wrong), cases=REPO / "release" / ex.notebook / f"{ex.notebook}.checks.npz")
    except CheckFailed as err:
        return str(err)
    return None


def _says_where(wrong, message: str) -> bool:
    ex = EXERCISES[wrong.exercise]
    outputs = any(f"`{out.name}`" in message for out in ex.outputs)
    return outputs or bool(re.search(r"\bline \d+ of your code|\bsteps? \d|gate blocks?", message))


@pytest.fixture(scope="module")
def messages():
    return {wrong: _message(wrong) for wrong in WRONG}


def test_the_catalogue_covers_every_exercise():
    counts = collections.Counter(w.exercise for w in WRONG)
    assert set(counts) == set(EXERCISES), f"exercises without typical wrong answers: {set(EXERCISES) - set(counts)}"
    assert len(WRONG) >= 150 and min(counts.values()) >= 3, counts


_MODEL = '''def f(x, k):
    """Doc: y = x + k."""
    y = x  # start from x
    for _ in range(k):

        y = y + 1
    return y
'''


def _edit(*edits):
    return edited(_MODEL, Wrong("f", "00_test", "a test edit", ("k",), edits=edits))


def test_an_edit_replaces_deletes_and_keeps_indentation():
    out = _edit(("y = y + 1", "y = y + 2"), ("for _ in range(k):\ny = y + 2", "if k:\n    y = y * 2\nz = 0"))
    assert out.splitlines()[2:] == ["    y = x  # start from x", "    if k:", "        y = y * 2", "    z = 0",
                                    "    return y"]
    assert "start from x" not in _edit(("y = x", ""))


@pytest.mark.parametrize("old, places", [("y = y + 3", 0), ("y", 0), ("return y\ny = x", 0)])
def test_an_edit_that_does_not_fit_the_model_answer_says_so(old, places):
    with pytest.raises(ValueError, match=f"matches {places} places of the model answer"):
        _edit((old, "pass"))


def test_an_edit_matching_two_places_is_refused():
    with pytest.raises(ValueError, match="matches 2 places"):
        edited("def f(x):\n    x = 1\n    x = 1\n    return x\n", Wrong("f", "00", "m", ("k",), edits=(("x = 1", "x = 2"),)))


def test_every_wrong_answer_fails_the_visible_check(messages):
    passing = [f"{w.exercise}: {w.mistake}" for w, m in messages.items() if m is None]
    assert not passing, f"wrong answers that pass the visible check: {passing}"


def test_nine_in_ten_messages_name_the_mistake_and_the_rest_say_where(messages):
    failed = {w: m for w, m in messages.items() if m is not None}
    named = [w for w, m in failed.items() if w.named_by(m)]
    unnamed = {f"{w.exercise}: {w.mistake}": m for w, m in failed.items() if not w.named_by(m)}
    nowhere = {k: m for (w, m), k in zip(((w, m) for w, m in failed.items() if not w.named_by(m)), unnamed)
               if not _says_where(w, m)}
    share = len(named) / len(failed)
    report = "\n".join(f"- {k}\n    {m}" for k, m in unnamed.items())
    assert share >= NAMED_AT_LEAST, f"{share:.0%} of {len(failed)} messages name the mistake; these do not:\n{report}"
    assert not nowhere, f"messages that neither name the mistake nor say where: {nowhere}"


def test_no_message_shows_the_checker(messages):
    leaking = {f"{w.exercise}: {w.mistake}": m for w, m in messages.items()
               if m and re.search(r"Traceback|rnnkit/|checking\.py|call_student|site-packages", m)}
    assert not leaking, leaking


@pytest.mark.parametrize("name", sorted({w.exercise for w in WRONG}))
def test_no_wrong_answer_passes_a_thousand_hidden_checks(name):
    ex = EXERCISES[name]
    entries = [(w, load(w)) for w in WRONG if w.exercise == name]
    passing = collections.defaultdict(list)
    for seed in range(HIDDEN_CHECKS):
        cases = hidden_cases(ex, np.random.default_rng(seed))  # as check(..., hidden=True, seed=seed) draws them
        for wrong, fn in entries:
            if all(_agrees(ex, fn, inputs, expected) for inputs, expected in cases):
                passing[wrong.mistake].append(seed)
    assert not passing, {k: v[:5] for k, v in passing.items()}


def _agrees(ex, fn, inputs, expected) -> bool:
    try:
        got = normalise(ex.spec, fn(**copy.deepcopy(inputs)))
    except Exception:  # an answer that raises on a case fails that case
        return False
    return all(_same(out, ex.spec, g, w) for out, g, w in zip(ex.outputs, got, expected))
