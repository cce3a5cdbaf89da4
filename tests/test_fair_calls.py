"""The checks call answers the way the template does, and say when the grader will not see a name."""

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from course.exercise import make_case
from course.registry import all_exercises, get_exercise
from exercise_support import check
from rnnkit import checking

REPO = Path(__file__).resolve().parent.parent


def _template_params(ex) -> list[str]:
    nb = json.loads((REPO / "release" / ex.notebook / f"{ex.notebook}.ipynb").read_text())
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == ex.name:
            tree = ast.parse("".join(cell["source"]))
            fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == ex.name)
            return [a.arg for a in fn.args.args]
    raise AssertionError(f"no answer cell for {ex.name}")


@pytest.mark.parametrize("name", sorted(all_exercises()))
def test_positional_order_is_the_templates(name):
    ex = get_exercise(name)
    for hidden in (False, True):
        inputs = make_case(ex, np.random.default_rng(0), hidden)[0]
        args, kwargs = checking.call_arguments(ex, inputs)
        assert not kwargs and len(args) == len(inputs)
        # the values arrive in template order
        assert all(a is inputs[n] for a, n in zip(args, _template_params(ex)))


def _notebook_function(source: str, **names):
    namespace = {"__name__": "__main__", "np": np, **names}
    exec(source, namespace)
    return namespace


def test_renamed_parameters_are_no_error():
    ex = get_exercise("rnn_step_forward")
    ns = _notebook_function("def rnn_step_forward(x_t, h_before, U_in, W_rec, bias):\n"
                            "    return np.tanh(x_t @ U_in + h_before @ W_rec + bias)\n")
    check("rnn_step_forward", ns["rnn_step_forward"])
    check("rnn_step_forward", ns["rnn_step_forward"], hidden=True)


def test_a_name_from_the_library_is_named_before_submission():
    from rnnkit import cells

    ns = _notebook_function("def helper(x, h, U, W, b):\n    return cells.rnn_step(x, h, {'U': U, 'W': W, 'b': b})[0]\n"
                            "def rnn_step_forward(x, h_prev, U, W, b):\n    return helper(x, h_prev, U, W, b)\n",
                            cells=cells)
    assert checking.unavailable_names(ns["rnn_step_forward"]) == ["cells (rnnkit.cells)"]
    with pytest.raises(checking.CheckFailed, match="uses cells .rnnkit.cells.*your own earlier functions are fine"):
        check("rnn_step_forward", ns["rnn_step_forward"])


def test_own_helpers_and_numpy_are_fine():
    ns = _notebook_function("import math\ndef _act(z):\n    return np.tanh(z)\n"
                            "def rnn_step_forward(x, h_prev, U, W, b):\n    return _act(x @ U + h_prev @ W + b) * math.cos(0)\n")
    assert checking.unavailable_names(ns["rnn_step_forward"]) == []
    check("rnn_step_forward", ns["rnn_step_forward"])


def test_regimes_must_fit_in_every_check():
    ex = get_exercise("clip_grads")
    assert len(ex.regimes) == 2
    import dataclasses

    with pytest.raises(ValueError, match="regimes"):
        dataclasses.replace(ex, trials_visible=1)
