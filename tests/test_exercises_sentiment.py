"""Facts particular to the exercises of notebook 07_sentiment: the notebook's solution gives
the lecture's ids, hidden cases expose repeats, padding and OOV buckets, and Python's salted
hash() is recognised in any process. What holds for every exercise (reference, mistakes,
solution, demo mistake, delegation, no TensorFlow) is in tests/test_exercises.py."""

import subprocess
import sys

import numpy as np

from rnnkit import embedding
from course.registry import get_exercise
from exercise_support import check, define, notebook_solutions

NOTEBOOK = "07_sentiment"


def test_the_lecture_ids_come_out_of_the_notebook_solution():
    fn = define(notebook_solutions(NOTEBOOK)["encode_with_oov"], "encode_with_oov")
    vocab = embedding.Vocabulary.build(["the movie was good", "the movie was not good", "the movie was bad"],
                                       num_oov_buckets=2)
    assert fn(["oh", "what", "a", "good", "film"], vocab.token_to_id, 2).tolist() == [8, 7, 8, 4, 7]


def test_hidden_cases_expose_repeats_padding_and_buckets():
    grad, lookup, encode = (get_exercise(n) for n in ("embedding_grad", "embedding_lookup_onehot", "encode_with_oov"))
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
