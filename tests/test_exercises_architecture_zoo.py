"""Exercises of notebook 04_architecture_zoo: references, mistakes, notebook solutions, cheating."""

import copy
import math
from pathlib import Path

import jupytext
import numpy as np
import pytest

from rnnkit import bptt
from rnnkit.checking import CheckFailed, check, make_case, normalise, verify
from rnnkit.exercises import architecture_zoo, for_notebook

NOTEBOOK = "04_architecture_zoo"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
EXERCISES = {ex.name: ex for ex in architecture_zoo.EXERCISES}
SEEDS = (0, 1, 7)


def answer_cell(name):
    """Source of the notebook's answer cell for exercise ``name`` (grade_id == name)."""
    cells = [c for c in jupytext.read(SOURCE, fmt="py:percent").cells
             if c.metadata.get("nbgrader", {}).get("grade_id") == name]
    assert len(cells) == 1, f"expected one answer cell {name!r}, found {len(cells)}"
    return cells[0].source


def define(source, name):
    """Execute an answer cell as the grader does (numpy and math only) and return ``name``."""
    namespace = {"np": np, "math": math}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)
    return namespace[name]


def test_registry_lists_this_notebook():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == list(EXERCISES)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", EXERCISES)
def test_reference_passes_hidden(name, seed):
    """What check(hidden=True) does, minus the delegation guard (the reference *is* rnnkit)."""
    ex = EXERCISES[name]
    rng = np.random.default_rng(seed)
    for _ in range(ex.trials_hidden):
        inputs, expected = make_case(ex, rng, hidden=True)
        got = normalise(ex, ex.reference(**copy.deepcopy(inputs)))
        verify(ex, inputs, got, expected)


@pytest.mark.parametrize(
    "name, index",
    [(name, i) for name, ex in EXERCISES.items() for i in range(len(ex.mistakes))],
)
def test_each_mistake_fails_with_its_own_message(name, index):
    mistake = EXERCISES[name].mistakes[index]
    for seed in (0, 1):
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        assert mistake.message in str(err.value)


@pytest.mark.parametrize("name", EXERCISES)
def test_notebook_solution_passes(name):
    student = define(answer_cell(name), name)
    check(name, student)
    for seed in SEEDS:
        check(name, student, hidden=True, seed=seed)


@pytest.mark.parametrize("name", EXERCISES)
def test_demo_mistake_fails_with_a_named_mistake(name):
    ex = EXERCISES[name]
    old, new = ex.demo_mistake
    source = answer_cell(name)
    assert source.count(old) == 1, f"demo_mistake text {old!r} must occur once in the solution"
    student = define(source.replace(old, new), name)
    for hidden in (False, True):  # the instructor demo relies on the visible check failing too
        with pytest.raises(CheckFailed) as err:
            check(name, student, hidden=hidden, seed=None if not hidden else 0)
        assert any(m.message in str(err.value) for m in ex.mistakes), str(err.value)


def test_shape_exercise_mistakes_cover_the_visible_check():
    """The visible check alone (fixed seed) already catches every recognised shape mistake."""
    for mistake in EXERCISES["rnn_output_shape"].mistakes:
        with pytest.raises(CheckFailed, match="not right yet"):
            check("rnn_output_shape", mistake.fn)


@pytest.mark.parametrize("name", ["many_to_one_forward", "seq2seq_forward"])
def test_delegating_to_rnnkit_scores_zero(name):
    if name == "many_to_one_forward":
        def student(xs, U, W, b, V, c):
            hs, _ = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b})
            return hs[:, -1] @ V + c
    else:
        def student(xs, ys_in, enc, dec, V, c):
            enc_hs, _ = bptt.forward("rnn", xs, enc)
            dec_hs, _ = bptt.forward("rnn", ys_in, dec, h0=enc_hs[:, -1])
            return dec_hs @ V + c
    with pytest.raises(CheckFailed, match="calls rnnkit.bptt.forward.*scores 0"):
        check(name, student)


def test_shapes_agree_with_keras_and_asking_keras_scores_zero():
    keras = pytest.importorskip("keras")
    batch, time, features, units = 2, 5, 3, 4
    x = np.zeros((batch, time, features), "float32")
    for layer in architecture_zoo.LAYERS:
        for seqs in (False, True):
            for state in (False, True):
                out = getattr(keras.layers, layer)(units, return_sequences=seqs, return_state=state)(x)
                got = [list(o.shape) for o in out] if state else [list(out.shape)]
                assert got == architecture_zoo.rnn_output_shape_reference(
                    batch, time, features, units, layer, seqs, state)

    def student(batch, time, features, units, layer, return_sequences, return_state):
        rnn = getattr(keras.layers, layer)(units, return_sequences=return_sequences, return_state=return_state)
        out = rnn(np.zeros((batch, time, features), "float32"))
        return [list(o.shape) for o in out] if return_state else [list(out.shape)]

    with pytest.raises(CheckFailed, match="calls keras.*scores 0"):
        check("rnn_output_shape", student)


def test_sizes_make_axis_mistakes_visible():
    rng = np.random.default_rng(3)
    for hidden in (False, True):
        for _ in range(20):
            args = architecture_zoo._shape_inputs(rng, hidden)
            assert len({args["batch"], args["time"], args["features"], args["units"]}) == 4
            s2s = architecture_zoo._seq2seq_inputs(rng, hidden)
            assert s2s["xs"].shape[1] != s2s["ys_in"].shape[1]
            assert s2s["xs"].shape[2] != s2s["enc"]["W"].shape[0]
