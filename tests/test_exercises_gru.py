"""The autograded exercises of notebook 06_gru: reference, mistakes, notebook solution, demo
mistake and delegation, each judged by the same ``check`` students run; plus the facts the
references stand on, checked against Keras itself."""

import dataclasses
import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

from course import isolation
from rnnkit import cells
from rnnkit.checking import VISIBLE_SEED, CheckFailed, call_student, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, gru
import exercise_support
from exercise_support import define, run_check

NOTEBOOK = "06_gru"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in gru.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in gru.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in gru.EXERCISES]
    for ex in gru.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in gru.EXERCISES:
        assert graded[f"{ex.name}_test"] == ex.points
    assert set(solution_cells()) == set(NAMES)
    assert any(k.startswith("q_") for k in graded), "a manually graded written question"


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_hidden_checks(name):
    ex = dataclasses.replace(EXERCISES[name], forbidden=())  # the reference IS the library
    for seed in SEEDS:
        run_check(ex, ex.reference, seed)
        run_check(ex, ex.reference, seed, hidden=False)


@pytest.mark.parametrize("name,index", MISTAKES)
def test_each_mistake_is_recognised_by_its_own_message(name, index):
    mistake = EXERCISES[name].mistakes[index]
    named = 0
    for seed in SEEDS:
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        named += mistake.message in str(err.value)
    # A count that ignores reset_after is right whenever reset_after=False; every hidden run
    # (6 cases) still catches it, and most name it.
    assert named >= 3, f"the mistake was named in only {named} of {len(SEEDS)} hidden runs"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_solution_passes(name, capsys):
    fn = define(solution_cells()[name], name)
    check(name, fn)
    assert "Well done" in capsys.readouterr().out
    for seed in SEEDS:
        check(name, fn, hidden=True, seed=seed)
    check(name, fn, hidden=True)  # a fresh random seed, as in the hidden test cell


@pytest.mark.parametrize("name", NAMES)
def test_demo_mistake_fails(name):
    old, new = EXERCISES[name].demo_mistake
    source = solution_cells()[name]
    assert source.count(old) == 1, f"demo text {old!r} must occur once in the solution"
    fn = define(source.replace(old, new), name)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, fn, hidden=True, seed=0)


def test_demo_mistakes_are_named():
    """The demo student gets the same friendly message a real one would."""
    messages = {}
    for name in ("gru_step_forward", "to_keras_gru_weights"):
        old, new = EXERCISES[name].demo_mistake
        fn = define(solution_cells()[name].replace(old, new), name)
        with pytest.raises(CheckFailed) as err:
            check(name, fn)
        messages[name] = str(err.value)
    assert "the update gate is the wrong way round" in messages["gru_step_forward"]
    assert "copied unchanged" in messages["to_keras_gru_weights"]


def test_delegating_to_the_gru_step_scores_zero():
    with pytest.raises(CheckFailed, match="calls rnnkit.cells.gru_step.*scores 0"):
        check("gru_step_forward", lambda x, h_prev, params: cells.gru_step(x, h_prev, params)[0])


def test_delegating_to_bptt_forward_scores_zero():
    from rnnkit import bptt

    def via_bptt(x, h_prev, params):
        return bptt.forward("gru", x[:, None, :], params, h0=h_prev)[0][:, 0]

    with pytest.raises(CheckFailed, match="calls rnnkit.bptt.forward.*scores 0"):
        check("gru_step_forward", via_bptt)


def test_delegating_to_a_keras_gru_scores_zero():
    from rnnkit import keras_bridge

    def via_keras(x, h_prev, params):
        layer = keras_bridge.keras_layer("gru", params, return_sequences=False, dtype="float64")
        return np.asarray(layer(x[:, None, :], initial_state=[h_prev]))

    ex = EXERCISES["gru_step_forward"]
    inputs = ex.make_inputs(np.random.default_rng(0), False)
    assert np.abs(via_keras(**inputs) - ex.reference(**inputs)).max() < 1e-12  # a working cheat
    with pytest.raises(CheckFailed, match="calls keras.*scores 0"):
        check("gru_step_forward", via_keras)


def test_delegating_to_keras_bridge_weights_scores_zero():
    from rnnkit import keras_bridge

    def via_bridge(params):
        return tuple(keras_bridge.to_keras_weights("gru", params))

    with pytest.raises(CheckFailed, match="calls rnnkit.keras_bridge.to_keras_weights.*scores 0"):
        check("to_keras_gru_weights", via_bridge)


# --- the facts behind the references, checked against Keras --------------------------------


def test_weight_reference_equals_keras_bridge_and_runs_in_keras():
    import keras

    from rnnkit import keras_bridge

    ex = EXERCISES["to_keras_gru_weights"]
    rng = np.random.default_rng(7)
    for _ in range(4):
        params = ex.make_inputs(rng, True)["params"]
        ours = ex.reference(params)
        for a, b in zip(ours, keras_bridge.to_keras_weights("gru", params), strict=True):
            assert a.shape == b.shape and np.array_equal(a, b)
        D, H = params["U_z"].shape
        layer = keras.layers.GRU(H, reset_after=False, return_sequences=True, dtype="float64")
        layer.build((None, None, D))
        layer.set_weights(list(ours))
        xs = rng.normal(size=(2, 5, D))
        h, want = np.zeros((2, H)), []
        for t in range(5):
            h, _ = cells.gru_step(xs[:, t], h, params)
            want.append(h)
        got = keras.ops.convert_to_numpy(layer(xs))
        assert np.abs(got - np.stack(want, axis=1)).max() < 1e-12


def test_count_reference_equals_keras_count_params():
    import keras

    ex = EXERCISES["gru_param_count"]
    for d, h in [(1, 2), (3, 5), (17, 4)]:
        for reset_after in (False, True):
            layer = keras.layers.GRU(h, reset_after=reset_after)
            layer.build((None, None, d))
            assert ex.reference(d, h, reset_after) == layer.count_params()


def test_step_mistakes_differ_from_the_reference_on_visible_and_hidden_cases():
    ex = EXERCISES["gru_step_forward"]
    for hidden in (False, True):
        inputs, expected = make_case(ex, np.random.default_rng(11), hidden)
        for mistake in ex.mistakes:
            got = normalise(ex, mistake.fn(**inputs))[0]
            assert np.abs(got - expected[0]).max() > 1e-3, mistake.message


def test_visible_count_check_covers_both_reset_after_settings():
    ex = EXERCISES["gru_param_count"]
    rng = np.random.default_rng(VISIBLE_SEED)
    flags = {ex.make_inputs(rng, False)["reset_after"] for _ in range(ex.trials_visible)}
    assert flags == {False, True}


def test_hidden_shapes_vary_and_keep_input_and_hidden_sizes_apart():
    shapes = set()
    for seed in range(20):
        params = EXERCISES["gru_step_forward"].make_inputs(np.random.default_rng(seed), True)["params"]
        D, H = params["U_z"].shape
        assert D != H and D >= 2 and H >= 2
        shapes.add((D, H))
    assert len(shapes) >= 5


@pytest.mark.skipif(not isolation.bwrap_available(), reason="bubblewrap is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_isolated_grader_gives_the_solution_full_marks(name):
    from course import integrity

    verdict = integrity.judge(EXERCISES[name], solution_cells()[name], seed=3)
    assert verdict.score == EXERCISES[name].points, verdict.message
