"""Facts particular to the exercises of notebook 02_simple_rnn: time-major stacking and a
softmax without max-subtraction get messages students can act on, and hidden shapes vary so
a transpose shows. What holds for every exercise (reference, mistakes, solution, demo
mistake, delegation, no TensorFlow) is in tests/test_exercises.py."""

import copy

import numpy as np
import pytest

from course.exercise import make_case
from course.registry import get_exercise
from exercise_support import check
from rnnkit.checking import CheckFailed


def test_time_major_stacking_is_named():
    """A message students need often: the course stacks states batch-major."""
    ex = get_exercise("rnn_forward")
    inputs, _ = make_case(ex, np.random.default_rng(5), True)
    time_major = ex.mistakes[4].fn(**copy.deepcopy(inputs))
    assert time_major.shape[0] == inputs["xs"].shape[1]
    with pytest.raises(CheckFailed, match="batch-major"):
        check("rnn_forward", ex.mistakes[4].fn, hidden=True, seed=5)


def test_softmax_without_max_subtraction_is_caught():
    def naive(hs, V, c):
        e = np.exp(hs @ V + c)
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(CheckFailed, match="NaN or infinity"):
        check("softmax_head", naive)


def test_hidden_shapes_vary_and_expose_transposes():
    seen = set()
    ex = get_exercise("rnn_forward")
    for seed in range(40):
        inputs, _ = make_case(ex, np.random.default_rng(seed), True, seed)
        B, T, D = inputs["xs"].shape
        H = inputs["W"].shape[0]
        assert len({B, D, H}) == 3 and min(B, D, H) >= 2
        if seed % 2:  # the one-step regime
            assert T == 1
        else:
            assert T not in (B, D, H) and T >= 2
        seen.add((B, T, D, H))
    assert len(seen) > 20
