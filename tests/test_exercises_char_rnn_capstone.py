"""Facts particular to the capstone, notebook 10_char_rnn_capstone: its mistake models are the
reference but for their one mistake, the SGD cases clip (or do not) along the whole trajectory
as their regime says, a cold temperature samples greedily, the model answer leaves its inputs
alone, and the story ships with the release. What holds for every exercise is in
tests/test_exercises.py."""

import copy
import math

import numpy as np

from course.exercise import make_case
from course.registry import get_exercise, load
from course.sources import REPO
from exercise_support import notebook_solutions

NB = "10_char_rnn_capstone"
EX = load(NB)


def _model_answers():
    """The notebook's answer cells, executed in order (later answers use earlier ones)."""
    namespace = {"np": np, "math": math}
    exec(notebook_solutions(NB)["sample_chars"], namespace)  # the last answer, after all the others
    return namespace


def test_numpy_mistake_model_without_a_mistake_is_the_reference():
    """Each mistake model changes one thing: with none, it computes what rnnkit computes."""
    ex = get_exercise("char_rnn_loss_and_grads")
    rng = np.random.default_rng(7)
    for index in range(40):
        inputs, expected = make_case(ex, rng, True, index)
        got = EX._numpy_loss_and_grads(**inputs)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def _recurrent_norms_along_the_reference(inputs):
    """The global norm of (dU, dW, db) at every step of the reference trajectory."""
    p = {k: inputs[k] for k in ("U", "W", "b", "V", "c")}
    norms = []
    for x, y in zip(inputs["ids"], inputs["targets"]):
        _, dU, dW, db, dV, dc, _ = EX._reference_loss_and_grads(x, y, np.zeros((x.shape[0], p["W"].shape[0])), **p)
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in (dU, dW, db)))
        norms.append(norm)
        s = min(1.0, inputs["max_norm"] / norm)
        grads = {"U": dU * s, "W": dW * s, "b": db * s, "V": dV, "c": dc}
        p = {k: p[k] - inputs["lr"] * grads[k] for k in p}
    return np.array(norms)


def test_sgd_cases_clip_as_their_regime_says_on_every_step():
    ex = get_exercise("sgd_steps")
    rng = np.random.default_rng(11)
    for index in range(200):
        inputs, _ = make_case(ex, rng, True, index)
        norms = _recurrent_norms_along_the_reference(inputs)
        if ex.regimes[index % 2] == EX.CLIP_REGIMES[0]:
            assert norms[0] > 1.5 * inputs["max_norm"], (index, norms, inputs["max_norm"])
        else:
            assert norms.max() < 0.5 * inputs["max_norm"], (index, norms, inputs["max_norm"])


def test_a_cold_temperature_samples_greedily():
    ex = get_exercise("sample_chars")
    rng = np.random.default_rng(5)
    for _ in range(20):
        inputs, _ = make_case(ex, rng, True)
        inputs["temperature"] = 1e-4
        greedy = EX._sample_variant(**inputs, kind="greedy")
        np.testing.assert_array_equal(ex.reference(**inputs), greedy)


def test_the_model_answers_leave_their_inputs_unchanged():
    answers = _model_answers()
    rng = np.random.default_rng(3)
    for name in ("char_rnn_loss_and_grads", "sgd_steps", "sample_chars"):
        inputs, expected = make_case(get_exercise(name), rng, True)
        before = copy.deepcopy(inputs)
        answers[name](**inputs)
        for key, value in before.items():
            np.testing.assert_array_equal(inputs[key], value, err_msg=f"{name} changed {key}")


def test_the_sgd_answer_follows_the_reference_for_many_steps():
    """The trajectory check uses a few steps; the model answer stays on the reference's path
    over a long run too (no drift from a different order of operations)."""
    answers = _model_answers()
    ex = get_exercise("sgd_steps")
    inputs, _ = make_case(ex, np.random.default_rng(9), True, 0)
    inputs["ids"] = np.tile(inputs["ids"], (8, 1, 1))
    inputs["targets"] = np.tile(inputs["targets"], (8, 1, 1))
    for got, want in zip(answers["sgd_steps"](**inputs), ex.reference(**inputs)):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_the_story_ships_with_the_release_and_is_small():
    source = REPO / "source" / NB / "data" / "lighthouse.txt"
    released = REPO / "release" / NB / "data" / "lighthouse.txt"
    assert released.read_bytes() == source.read_bytes()
    text = source.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) < 8_000 and text.isascii()
