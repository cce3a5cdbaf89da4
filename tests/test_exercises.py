"""What must hold for every autograded exercise, judged by the same ``check`` students run.

One parametrized module over the whole registry (ids like ``03_bptt/rnn_backward``): the
registry and the notebook's cells agree, the reference passes its own checks, every recognised
mistake is caught and named, the notebook's solution passes (on hundreds of hidden draws, since
production draws fresh seeds), the instructor's demo mistake is caught and named, answers that
delegate to rnnkit score zero (the cheats are in tests/exercise_cheats.py), and grading never
imports TensorFlow. Facts particular to one
notebook (Keras agreement, which regimes the inputs cover, ...) live in tests/test_exercises_<nb>.py.
Where an exercise is an exception to a rule, the tables below say so and why.
"""

import dataclasses
import functools
import importlib
import importlib.util
import subprocess
import sys

import jupytext
import numpy as np
import pytest

from course import isolation
from exercise_cheats import CHEATS
from exercise_support import check, define, notebook_solutions, run_check, solution, source_path
from course import registry, sources
from course.exercise import VISIBLE_SEED
from course.registry import all_exercises, for_notebook
from rnnkit.checking import CheckFailed

NOTEBOOKS = [a for a in sources.assignments() if registry.load(a)]

EXERCISES = list(all_exercises().values())

# Exercises whose reference goes through rnnkit.keras_bridge, which imports TensorFlow (none
# now: the grader must stay light; the Keras layouts are spelled out in numpy and checked
# against the bridge in tests/test_exercises_lstm.py and _gru.py).
NEEDS_KERAS: set[str] = set()
KERAS_MISSING = pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="Keras is not installed")

# Exercises worth more than the usual 1-3 points, and why.
POINTS = {
    "lstm_step_backward": 4,  # the longest derivation of the course: six gradients, four gates
    "char_rnn_loss_and_grads": 4,  # the capstone's whole model: forward, softmax head, its gradient, BPTT
}

# Seeds for the reference, each mistake and the demo mistake: enough draws that a mistake
# caught only by luck shows, few enough to stay quick.
SEEDS = range(8)

# A correct answer must pass every hidden draw: production draws a fresh seed per run, so a
# rare draw on which the solution fails would fail a student (it has happened once). 300 draws
# of every exercise take about 9 s of CPU in all on a quiet machine (ngram_log_likelihood, the
# slowest, 2 s; keras_lstm_weights is quick once TensorFlow is imported), so no exercise gets fewer.
SOLUTION_SEEDS = range(300)


def _keras(needed):
    return [KERAS_MISSING] if needed else []


def _exercise(ex):
    return pytest.param(ex, id=f"{ex.notebook}/{ex.name}", marks=_keras(ex.name in NEEDS_KERAS))


def _mistake(ex, index):
    return pytest.param(ex, index, id=f"{ex.notebook}/{ex.name}/mistake{index}", marks=_keras(ex.name in NEEDS_KERAS))


def _cheat(cheat):
    ex = all_exercises()[cheat.exercise]
    return pytest.param(cheat, id=f"{ex.notebook}/{ex.name}/{cheat.fn.__name__}",
                        marks=_keras(ex.name in NEEDS_KERAS))


ALL = [_exercise(ex) for ex in EXERCISES]
MISTAKES = [_mistake(ex, i) for ex in EXERCISES for i in range(len(ex.mistakes))]


def _verdict(ex, fn, **kwargs):
    """What ``check`` tells ``fn``: its CheckFailed message, or None when it passes."""
    try:
        check(ex.name, fn, **kwargs)
    except CheckFailed as err:
        return str(err)
    return None


def _named(ex, message):
    """What ``check`` tells an answer that makes the mistake described by ``message``."""
    return f"{ex.name} is not right yet: {message}"


# --- the registry and the notebooks ----------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_registry_lists_the_notebooks_exercises_in_order(notebook):
    module = registry.load(notebook)
    assert [ex.name for ex in for_notebook(notebook)] == [ex.name for ex in module.EXERCISES]
    for ex in module.EXERCISES:
        assert ex.notebook == notebook
        if ex.name in POINTS:
            assert ex.points == POINTS[ex.name]
        else:
            assert 1 <= ex.points <= 3, f"{ex.name} is worth {ex.points} points; add it to POINTS if meant"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_cells_match_the_exercises(notebook):
    nb = jupytext.read(source_path(notebook), fmt="py:percent")
    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    repeated = sorted({g for g in grade_ids if grade_ids.count(g) > 1})
    assert not repeated, f"{notebook}: grade_ids used by more than one cell: {repeated}"
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    exercises = for_notebook(notebook)
    for ex in exercises:
        assert graded.get(f"{ex.name}_test") == ex.points, f"{notebook}: test cell {ex.name}_test should give {ex.points} points"
    assert set(notebook_solutions(notebook)) == {ex.name for ex in exercises}
    assert any(k.startswith("q_") for k in graded), f"{notebook}: a manually graded written question"


def test_exercise_modules_do_not_import_tensorflow():
    """Grading runs in every notebook's kernel and in the sandbox: importing TensorFlow there
    would cost seconds per check (only keras_lstm_weights' reference imports it, when called)."""
    code = (
        "import sys\n"
        "from course import registry\n"
        f"for notebook in {NOTEBOOKS!r}:\n"
        "    registry.load(notebook)\n"
        "    heavy = {'tensorflow', 'keras'} & set(sys.modules)\n"
        "    assert not heavy, f'importing {notebook}/exercises.py imports {sorted(heavy)}'\n"
        "registry.all_exercises()\n"
        "assert not {'tensorflow', 'keras'} & set(sys.modules), 'building the registry imports TensorFlow'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


# --- the reference and the mistakes ----------------------------------------------------------


@pytest.mark.parametrize("ex", ALL)
def test_reference_passes_its_own_checks(ex):
    lenient = dataclasses.replace(ex, forbidden=("keras",))  # the reference IS the library
    for seed in SEEDS:
        run_check(lenient, ex.reference, seed)
        run_check(lenient, ex.reference, seed, hidden=False)


@pytest.mark.parametrize("ex, index", MISTAKES)
def test_each_mistake_is_recognised_by_its_own_message(ex, index):
    mistake = ex.mistakes[index]
    named = _named(ex, mistake.message)
    assert _verdict(ex, mistake.fn) == named, "the visible check should name this mistake"
    verdicts = {seed: _verdict(ex, mistake.fn, hidden=True, seed=seed) for seed in SEEDS}
    # Every hidden run must catch it, name it and say which case failed, without its values
    # (tests/test_mistakes_never_pass.py runs 1000)
    wrong = {seed: v for seed, v in verdicts.items() if not (v or "").startswith(f"{named} This was hidden test case ")}
    assert not wrong, f"hidden runs that should name this mistake say instead: {wrong}"


# --- the notebook's solution and the demo mistake ---------------------------------------------


@pytest.mark.parametrize("ex", ALL)
def test_notebook_solution_passes(ex, capsys):
    fn = solution(ex)
    check(ex.name, fn)
    assert "Well done" in capsys.readouterr().out
    check(ex.name, fn, hidden=True)  # a fresh random seed, as in the hidden test cell


# Exercises where float32 inputs make a different problem, not a less precise answer: windows
# are copies (exact), and rounding logits of about 1000 to float32 moves the sampling boundaries.
FLOAT64_ONLY = {"sliding_windows", "sample_with_temperature"}


def _in_float32(fn):
    """``fn`` computing in float32, as a student who writes dtype=np.float32 (or uses Keras) does."""
    def as32(a):
        return a.astype(np.float32) if getattr(a, "dtype", None) == np.float64 else a

    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*map(as32, args))
    return wrapper


@pytest.mark.parametrize("ex", ALL)
def test_answers_computed_in_float32_pass(ex):
    if ex.name in FLOAT64_ONLY:
        pytest.skip("float32 inputs change the answer itself (FLOAT64_ONLY)")
    fn = _in_float32(solution(ex))
    for seed in range(30):
        check(ex.name, fn, hidden=True, seed=seed)


def _signature(args) -> tuple:
    """What distinguishes one case's inputs from another's: array shapes and plain values."""
    return tuple(a.shape if isinstance(a, np.ndarray) else repr(a) for a in args)


def _off(value):
    """A wrong answer of the same type and shape as ``value``."""
    if isinstance(value, tuple):
        return tuple(_off(v) for v in value)
    if isinstance(value, dict):
        return {k: _off(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_off(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype != bool:
        return value + 1
    return value + 1 if isinstance(value, (int, float)) and not isinstance(value, bool) else value


@pytest.mark.parametrize("ex", ALL)
def test_an_answer_right_only_at_the_small_sizes_fails_the_visible_check(ex):
    """Validate must not pass what the hidden tests fail: the visible check ends with one case
    drawn at the hidden tests' sizes, and says so when only that one fails."""
    from course.exercise import make_case
    from rnnkit.checking import call_arguments

    rng = np.random.default_rng(VISIBLE_SEED)
    small = {_signature(call_arguments(ex, make_case(ex, rng, False, i)[0])[0]) for i in range(ex.trials_visible)}
    big = make_case(ex, np.random.default_rng([VISIBLE_SEED, 1]), True)[0]
    if _signature(call_arguments(ex, big)[0]) in small:
        pytest.skip("the hidden-sized visible case happens to have the small cases' sizes")
    fn = solution(ex)

    @functools.wraps(fn)
    def small_only(*args):
        right = fn(*args)
        return right if _signature(args) in small else _off(right)

    with pytest.raises(CheckFailed, match="sizes of the hidden tests"):
        check(ex.name, small_only)


@pytest.mark.parametrize("ex", ALL)
def test_notebook_solution_passes_hundreds_of_hidden_draws(ex):
    fn = solution(ex)
    failed = {}
    for seed in SOLUTION_SEEDS:
        try:
            check(ex.name, fn, hidden=True, seed=seed)
        except CheckFailed as err:
            failed[seed] = str(err)
    if failed:
        seed, message = next(iter(failed.items()))
        pytest.fail(f"the notebook's solution fails the hidden check on {len(failed)} of {len(SOLUTION_SEEDS)} "
                    f"seeds {sorted(failed)[:10]}; seed {seed}: {message}")


@pytest.mark.parametrize("ex", ALL)
def test_demo_mistake_is_caught_and_named(ex):
    """The instructor demo fabricates a student who makes exactly this mistake: the visible check
    must fail already (on the fixed seed and on another), and every hidden run must too, each
    naming a recognised mistake, as a real student would be told."""
    old, new = ex.demo_mistake
    source = notebook_solutions(ex.notebook)[ex.name]
    assert source.count(old) == 1, f"demo text {old!r} must occur once in the solution"
    fn = define(source.replace(old, new), ex.name)
    recognised = {_named(ex, m.message) for m in ex.mistakes}
    runs = [(False, VISIBLE_SEED), (False, 0)] + [(True, seed) for seed in SEEDS]
    for hidden, seed in runs:
        verdict = _verdict(ex, fn, hidden=hidden, seed=seed)
        if hidden and verdict:  # the hidden check also says which case failed
            verdict = verdict.split(" This was hidden test case ")[0]
        assert verdict in recognised, (
            f"the {'hidden' if hidden else 'visible'} check on seed {seed} should name a recognised mistake; it says {verdict!r}")


@pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")
@pytest.mark.parametrize("ex", ALL)
def test_isolated_grader_gives_the_solution_full_marks(ex):
    """The jupytext answer cell on a fixed seed; tests/test_isolated_verdicts.py judges the
    generated .ipynb's cell on a fresh one."""
    from course import integrity

    verdict = integrity.judge(ex, notebook_solutions(ex.notebook)[ex.name], seed=3)
    assert verdict.score == ex.points, verdict.message


# --- delegation ------------------------------------------------------------------------------


@pytest.mark.parametrize("cheat", [_cheat(c) for c in CHEATS])
def test_delegating_to_the_reference_scores_zero(cheat):
    ex = all_exercises()[cheat.exercise]
    run_check(dataclasses.replace(ex, forbidden=("keras",)), cheat.fn, VISIBLE_SEED, hidden=False)  # a working cheat
    with pytest.raises(CheckFailed) as err:
        check(ex.name, cheat.fn)
    message = str(err.value)
    assert message.startswith(f"{ex.name} calls {', '.join(cheat.calls)}. "), message
    assert "delegates to the reference scores 0" in message, message


def test_every_exercise_that_forbids_rnnkit_code_is_tried_with_a_cheat():
    forbidding = {ex.name for ex in EXERCISES if any(f.startswith("rnnkit.") for f in ex.forbidden)}
    missing = sorted(forbidding - {c.exercise for c in CHEATS})
    assert not missing, f"add a cheat to tests/exercise_cheats.py for {missing}"
