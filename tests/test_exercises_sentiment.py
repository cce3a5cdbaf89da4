"""The autograded exercises of notebook 07_sentiment: reference, mistakes, notebook solution,
demo mistake and delegation, each judged by the same ``check`` students run."""

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import jupytext
import numpy as np
import pytest

from rnnkit import embedding
from rnnkit.checking import CheckFailed, call_student, check, make_case, normalise, verify
from rnnkit.exercises import for_notebook, sentiment
import exercise_support
from exercise_support import run_check

NOTEBOOK = "07_sentiment"
SOURCE = Path(__file__).resolve().parent.parent / "source" / NOTEBOOK / f"{NOTEBOOK}.py"
SEEDS = (0, 1, 2, 3, 4)
EXERCISES = {ex.name: ex for ex in sentiment.EXERCISES}
NAMES = sorted(EXERCISES)
MISTAKES = [(ex.name, i) for ex in sentiment.EXERCISES for i in range(len(ex.mistakes))]


def solution_cells():
    return exercise_support.solution_cells(SOURCE)


def define(source, name):
    """Exec an answer cell as the grader would (numpy and math available; the cell's own imports)."""
    namespace = {"np": np, "math": math}
    exec(compile(source, f"<{name} answer cell>", "exec"), namespace)
    return namespace[name]


def test_registry_lists_the_notebooks_exercises_in_order():
    assert [ex.name for ex in for_notebook(NOTEBOOK)] == [ex.name for ex in sentiment.EXERCISES]
    for ex in sentiment.EXERCISES:
        assert ex.notebook == NOTEBOOK and 1 <= ex.points <= 3
        assert len(ex.mistakes) >= 2 and "keras" in ex.forbidden and ex.demo_mistake


def test_notebook_cells_match_the_exercises():
    nb = jupytext.read(SOURCE, fmt="py:percent")
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"].get("points")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    for ex in sentiment.EXERCISES:
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
    for seed in SEEDS[:3]:
        with pytest.raises(CheckFailed) as err:
            check(name, mistake.fn, hidden=True, seed=seed)
        assert mistake.message in str(err.value)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, mistake.fn)  # the visible check already names it


@pytest.mark.parametrize("name", NAMES)
def test_notebook_solution_passes(name, capsys):
    fn = define(solution_cells()[name], name)
    check(name, fn)
    assert "Well done" in capsys.readouterr().out
    for seed in SEEDS:
        check(name, fn, hidden=True, seed=seed)


@pytest.mark.parametrize("name", NAMES)
def test_demo_mistake_fails_the_visible_check(name):
    old, new = EXERCISES[name].demo_mistake
    source = solution_cells()[name]
    assert source.count(old) == 1, f"demo text {old!r} must occur once in the solution"
    fn = define(source.replace(old, new), name)
    with pytest.raises(CheckFailed, match="not right yet"):
        check(name, fn)
    with pytest.raises(CheckFailed):
        check(name, fn, hidden=True, seed=0)


def _known(token_to_id):
    return [w for w, i in sorted(token_to_id.items(), key=lambda kv: kv[1]) if i != 0]


DELEGATING = {
    "encode_with_oov": lambda tokens, token_to_id, num_oov_buckets: embedding.Vocabulary(
        _known(token_to_id), num_oov_buckets=num_oov_buckets).encode(tokens),
    "embedding_lookup_onehot": lambda E, ids: embedding.embedding_lookup(E, ids),
    "embedding_grad": lambda d_out, ids, vocab_size: embedding.embedding_backward(d_out, ids, vocab_size),
}
VIA_ONE_HOT = {
    "embedding_lookup_onehot": lambda E, ids: embedding.one_hot(ids, E.shape[0]) @ E,
    "embedding_grad": lambda d_out, ids, vocab_size: np.einsum(
        "btv,btd->vd", embedding.one_hot(ids, vocab_size), d_out),
}


@pytest.mark.parametrize("name", NAMES)
def test_delegating_to_the_reference_scores_zero(name):
    with pytest.raises(CheckFailed, match="delegates to the reference scores 0"):
        check(name, DELEGATING[name])


@pytest.mark.parametrize("name", sorted(VIA_ONE_HOT))
def test_rnnkit_one_hot_is_forbidden_too(name):
    with pytest.raises(CheckFailed, match="rnnkit.embedding.one_hot"):
        check(name, VIA_ONE_HOT[name])


def test_the_lecture_ids_come_out_of_the_notebook_solution():
    fn = define(solution_cells()["encode_with_oov"], "encode_with_oov")
    vocab = embedding.Vocabulary.build(["the movie was good", "the movie was not good", "the movie was bad"],
                                       num_oov_buckets=2)
    assert fn(["oh", "what", "a", "good", "film"], vocab.token_to_id, 2).tolist() == [8, 7, 8, 4, 7]


def test_hidden_cases_expose_repeats_padding_and_buckets():
    grad, lookup, encode = EXERCISES["embedding_grad"], EXERCISES["embedding_lookup_onehot"], EXERCISES["encode_with_oov"]
    shapes = set()
    for seed in range(20):
        rng = np.random.default_rng(seed)
        ids = grad.make_inputs(rng, True)["ids"]
        assert len(np.unique(ids)) < ids.size  # some id repeats
        inputs = lookup.make_inputs(rng, True)
        assert (inputs["ids"] == 0).any() and inputs["E"].shape[0] >= 2
        shapes.add(inputs["ids"].shape + inputs["E"].shape)
        case = encode.make_inputs(rng, True)
        unknown = {t for t in case["tokens"] if t not in case["token_to_id"]}
        buckets = {embedding.oov_bucket(t, case["num_oov_buckets"]) for t in unknown}
        assert len(unknown) >= 3 and len(buckets) >= 2
        assert any(t in case["token_to_id"] for t in case["tokens"])
    assert len(shapes) > 10


def test_python_hash_mistake_is_named_in_any_process():
    """hash() is salted per process: the mistake model must still recognise it in a fresh one."""
    code = (
        "from rnnkit.checking import check, CheckFailed\n"
        "import numpy as np\n"
        "def f(tokens, token_to_id, num_oov_buckets):\n"
        "    return np.array([token_to_id.get(t, len(token_to_id) + hash(t) % num_oov_buckets) for t in tokens])\n"
        "try:\n"
        "    check('encode_with_oov', f, hidden=True, seed=3)\n"
        "except CheckFailed as e:\n"
        "    print(e)\n"
    )
    for salt in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={"PYTHONHASHSEED": salt}, check=True).stdout
        assert "Python's hash()" in out


def test_exercise_modules_do_not_import_tensorflow():
    code = "import sys, rnnkit.exercises.sentiment; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
