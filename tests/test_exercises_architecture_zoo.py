"""Facts particular to the exercises of notebook 04_architecture_zoo: the output shapes agree
with Keras' own layers (and asking Keras scores zero), and the drawn sizes keep every axis
apart so an axis mistake shows. What holds for every exercise (reference, mistakes, solution,
demo mistake, delegation to rnnkit) is in tests/test_exercises.py."""

import numpy as np
import pytest

from course import registry
from exercise_support import check
from rnnkit.checking import CheckFailed

architecture_zoo = registry.load("04_architecture_zoo")


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
