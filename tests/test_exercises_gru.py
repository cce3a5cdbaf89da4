"""Facts particular to the exercises of notebook 06_gru, checked against Keras itself: the
weight layout and parameter count the references stand on, a Keras GRU as a cheat, the demo
mistakes' exact messages, and what the drawn inputs cover. What holds for every exercise
(reference, mistakes, solution, demo mistake, delegation to rnnkit) is in tests/test_exercises.py."""

import numpy as np
import pytest

from rnnkit import cells
from course.exercise import VISIBLE_SEED, make_case
from course.registry import get_exercise
from rnnkit.checking import CheckFailed, normalise
from exercise_support import check, define, notebook_solutions

NOTEBOOK = "06_gru"


def test_demo_mistakes_are_named():
    """The demo student gets the same friendly message a real one would."""
    messages = {}
    for name in ("gru_step_forward", "to_keras_gru_weights"):
        old, new = get_exercise(name).demo_mistake
        fn = define(notebook_solutions(NOTEBOOK)[name].replace(old, new), name)
        with pytest.raises(CheckFailed) as err:
            check(name, fn)
        messages[name] = str(err.value)
    assert "the update gate is the wrong way round" in messages["gru_step_forward"]
    assert "copied unchanged" in messages["to_keras_gru_weights"]


def test_delegating_to_a_keras_gru_scores_zero():
    from rnnkit import keras_bridge

    def via_keras(x, h_prev, params):
        layer = keras_bridge.keras_layer("gru", params, return_sequences=False, dtype="float64")
        return np.asarray(layer(x[:, None, :], initial_state=[h_prev]))

    ex = get_exercise("gru_step_forward")
    inputs = ex.make_inputs(np.random.default_rng(0), False)
    assert np.abs(via_keras(**inputs) - ex.reference(**inputs)).max() < 1e-12  # a working cheat
    with pytest.raises(CheckFailed, match="calls keras.*scores 0"):
        check("gru_step_forward", via_keras)


# --- the facts behind the references, checked against Keras --------------------------------


def test_weight_reference_runs_in_keras():
    import keras

    ex = get_exercise("to_keras_gru_weights")
    rng = np.random.default_rng(7)
    for _ in range(4):
        params = ex.make_inputs(rng, True)["params"]
        ours = ex.reference(params)
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

    ex = get_exercise("gru_param_count")
    for d, h in [(1, 2), (3, 5), (17, 4)]:
        for reset_after in (False, True):
            layer = keras.layers.GRU(h, reset_after=reset_after)
            layer.build((None, None, d))
            assert ex.reference(d, h, reset_after) == layer.count_params()


def test_step_mistakes_differ_from_the_reference_on_visible_and_hidden_cases():
    ex = get_exercise("gru_step_forward")
    for hidden in (False, True):
        inputs, expected = make_case(ex, np.random.default_rng(11), hidden)
        for mistake in ex.mistakes:
            got = normalise(ex, mistake.fn(**inputs))[0]
            assert np.abs(got - expected[0]).max() > 1e-3, mistake.message


def test_visible_count_check_covers_both_reset_after_settings():
    ex = get_exercise("gru_param_count")
    rng = np.random.default_rng(VISIBLE_SEED)
    flags = {make_case(ex, rng, False, i)[0]["reset_after"] for i in range(ex.trials_visible)}
    assert flags == {False, True}


def test_hidden_shapes_vary_and_keep_input_and_hidden_sizes_apart():
    shapes = set()
    for seed in range(20):
        params = get_exercise("gru_step_forward").make_inputs(np.random.default_rng(seed), True)["params"]
        D, H = params["U_z"].shape
        assert D != H and D >= 2 and H >= 2
        shapes.add((D, H))
    assert len(shapes) >= 5
