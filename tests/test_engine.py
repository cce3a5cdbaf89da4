"""rnnkit.engine computes what the readable rnnkit.bptt computes, to 1e-12, and its threads behave."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from rnnkit import bptt, cells, engine

VARIANTS = [("rnn", False), ("lstm", False), ("lstm", True), ("gru", False)]
IDS = ["rnn", "lstm", "peephole", "gru"]
# (B, T, D, H): a plain case, batch 1, a single step, both at once
SHAPES = [(3, 6, 2, 4), (1, 5, 3, 2), (4, 1, 2, 3), (1, 1, 1, 1)]


def make_problem(kind, peephole, B, T, D, H, seed, with_state=True):
    rng = np.random.default_rng(seed)
    p = cells.init_params(kind, D, H, peephole=peephole, seed=seed)
    p = {k: v + 0.5 * rng.standard_normal(v.shape) for k, v in p.items()}
    xs = rng.standard_normal((B, T, D))
    h0 = rng.standard_normal((B, H)) if with_state else None
    c0 = rng.standard_normal((B, H)) if with_state and kind == "lstm" else None
    return p, xs, h0, c0, rng.standard_normal((B, T, H))


def assert_close(got, want, rtol=1e-12):
    """Relative to the array's size: max |got - want| <= rtol * max |want|."""
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.max(np.abs(got - want), initial=0) <= rtol * np.max(np.abs(want), initial=0)


def assert_same_gradients(got, want):
    """(dxs, dh0, dc0, grads) of the engine against those of rnnkit.bptt."""
    for a, b in zip(got[:3], want[:3]):
        if b is None:
            assert a is None
        else:
            assert_close(a, b)
    assert list(got[3]) == list(want[3])
    for name in want[3]:
        assert_close(got[3][name], want[3][name])


def both(kind, p, xs, h0, c0):
    """The forward pass in both layers: ((hs, cache) of rnnkit.bptt, of rnnkit.engine)."""
    return bptt.forward(kind, xs, p, h0, c0), engine.forward(kind, xs, p, h0, c0)


@pytest.mark.parametrize("with_state", [True, False], ids=["h0 given", "zero state"])
@pytest.mark.parametrize("shape", SHAPES, ids=["BxT", "B=1", "T=1", "B=T=1"])
@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_engine_agrees_with_readable_layer(kind, peephole, shape, with_state):
    p, xs, h0, c0, dhs = make_problem(kind, peephole, *shape, seed=1, with_state=with_state)
    (hs, cache), (hs_fast, cache_fast) = both(kind, p, xs, h0, c0)
    assert_close(hs_fast, hs)
    values, fast_values = bptt.gate_values(cache), engine.gate_values(cache_fast)
    assert list(fast_values) == list(values)
    for name in values:
        assert_close(fast_values[name], values[name])
    assert_same_gradients(engine.backward(dhs, cache_fast), bptt.backward(dhs, cache))
    for k in (1, 2, 3, shape[1] + 1):
        assert_same_gradients(engine.truncated_backward(dhs, cache_fast, k),
                              bptt.truncated_backward(dhs, cache, k))
    assert_close(engine.grad_norms(dhs, cache_fast), bptt.grad_norms(dhs, cache))


@settings(max_examples=25, deadline=None)
@given(variant=st.sampled_from(VARIANTS), B=st.integers(1, 4), T=st.integers(1, 7),
       D=st.integers(1, 4), H=st.integers(1, 5), k=st.integers(1, 8),
       seed=st.integers(0, 2**31 - 1), with_state=st.booleans())
def test_engine_agrees_on_random_cases(variant, B, T, D, H, k, seed, with_state):
    kind, peephole = variant
    p, xs, h0, c0, dhs = make_problem(kind, peephole, B, T, D, H, seed, with_state)
    (hs, cache), (hs_fast, cache_fast) = both(kind, p, xs, h0, c0)
    assert_close(hs_fast, hs)
    assert_same_gradients(engine.backward(dhs, cache_fast), bptt.backward(dhs, cache))
    assert_same_gradients(engine.truncated_backward(dhs, cache_fast, k),
                          bptt.truncated_backward(dhs, cache, k))


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_float32_agrees_to_float32_rounding(kind, peephole):
    p, xs, h0, c0, dhs = make_problem(kind, peephole, 3, 8, 2, 4, seed=2)
    p, xs, h0, dhs = ({k: v.astype(np.float32) for k, v in p.items()}, xs.astype(np.float32),
                      h0.astype(np.float32), dhs.astype(np.float32))
    c0 = None if c0 is None else c0.astype(np.float32)
    (hs, cache), (hs_fast, cache_fast) = both(kind, p, xs, h0, c0)
    assert_close(hs_fast, hs, rtol=1e-5)
    got, want = engine.backward(dhs, cache_fast), bptt.backward(dhs, cache)
    for name in want[3]:
        assert_close(got[3][name], want[3][name], rtol=1e-4)


def test_same_checks_and_messages_as_the_readable_layer():
    p = cells.init_params("lstm", 3, 4)
    xs = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"engine.forward: h0 must have shape \(B, H\) = \(2, 4\)"):
        engine.forward("lstm", xs, p, h0=np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"p\['U_f'\] must have shape \(D, H\) = \(2, 4\)"):
        engine.forward("lstm", xs[:, :, :2], p)
    hs, cache = engine.forward("lstm", xs, p)
    with pytest.raises(ValueError, match=r"dhs must have shape \(B, T, H\) = \(2, 5, 4\)"):
        engine.backward(hs[:, :, :3], cache)
    with pytest.raises(ValueError, match="k .* must be a positive integer"):
        engine.truncated_backward(hs, cache, 0)
    # each layer's cache belongs to that layer
    with pytest.raises(TypeError, match="cache returned by rnnkit.engine.forward"):
        engine.backward(hs, bptt.forward("lstm", xs, p)[1])
    with pytest.raises(TypeError, match="cache returned by rnnkit.bptt.forward"):
        bptt.backward(hs, cache)


def test_public_functions_are_marked_as_what_they_compute():
    """An exercise that forbids bptt.forward forbids the engine's forward too."""
    for name in ("forward", "backward", "truncated_backward", "grad_norms"):
        assert getattr(engine, name).__rnnkit_reference__ == f"rnnkit.bptt.{name}"


# ---------------------------------------------------------------------- threads


@pytest.mark.parametrize("layer", [engine, bptt], ids=["engine", "bptt"])
def test_time_loop_restores_blas_threads(layer):
    setter = engine._blas_thread_setter()
    if setter is None:
        pytest.skip("numpy's BLAS has no per-thread thread count")
    original = setter(2)
    try:
        p, xs, h0, c0, dhs = make_problem("gru", False, 2, 3, 2, 3, seed=9)
        _, cache = layer.forward("gru", xs, p, h0)
        layer.backward(dhs, cache)
        assert setter(2) == 2  # the loops ran on one thread and put the setting back
        with engine.one_blas_thread():
            assert setter(1) == 1
        assert setter(2) == 2
    finally:
        setter(original)


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_pipelined_run_equals_one_pass(kind, peephole, monkeypatch):
    """Large problems hand chunks of steps to a second thread (input projections, outputs,
    weight gradients) while the time loop runs; the numbers must be the one-pass ones (up to
    the order in which the chunks' weight gradients are summed)."""
    p, xs, h0, c0, dhs = make_problem(kind, peephole, 3, 11, 2, 3, seed=10)

    def everything():
        hs, cache = engine.forward(kind, xs, p, h0, c0)
        return (hs, engine.gate_values(cache), engine.backward(dhs, cache),
                engine.truncated_backward(dhs, cache, 4), engine.grad_norms(dhs, cache))

    one_pass = everything()
    monkeypatch.setattr(engine, "_PIPELINE_MIN_FLOPS", 0)
    assert len(engine._chunks(kind, 3, 11, 2, 3)[0]) == 6
    pipelined = everything()
    assert_close(pipelined[0], one_pass[0], rtol=1e-14)
    for name in one_pass[1]:
        assert_close(pipelined[1][name], one_pass[1][name], rtol=1e-14)
    for want, got in zip(one_pass[2:4], pipelined[2:4]):
        assert_same_gradients(got, want)
    assert_close(pipelined[4], one_pass[4], rtol=1e-14)


def test_a_stuck_helper_thread_costs_nothing_but_its_help(monkeypatch):
    """On a loaded machine the helper may not run at all: the caller does its jobs itself."""
    import concurrent.futures
    import threading

    p, xs, h0, c0, dhs = make_problem("lstm", True, 2, 9, 2, 3, seed=13)
    hs, cache = engine.forward("lstm", xs, p, h0, c0)
    want = engine.backward(dhs, cache)
    release = threading.Event()
    stuck = concurrent.futures.ThreadPoolExecutor(1)
    stuck.submit(release.wait, 60)
    monkeypatch.setattr(engine, "_pool", stuck)
    monkeypatch.setattr(engine, "_PIPELINE_MIN_FLOPS", 0)
    try:
        hs_alone, cache_alone = engine.forward("lstm", xs, p, h0, c0)
        got = engine.backward(dhs, cache_alone)
    finally:
        release.set()
        stuck.shutdown()
    assert_close(hs_alone, hs, rtol=1e-14)
    assert_same_gradients(got, want)


def test_errors_on_the_helper_thread_reach_the_caller(monkeypatch):
    monkeypatch.setattr(engine, "_PIPELINE_MIN_FLOPS", 0)
    p, xs, h0, c0, dhs = make_problem("gru", False, 2, 6, 2, 3, seed=11)
    _, cache = engine.forward("gru", xs, p, h0)

    def broken(*args):
        raise RuntimeError("boom on the helper thread")

    monkeypatch.setattr(engine, "_chunk_gradients", broken)
    with pytest.raises(RuntimeError, match="boom on the helper thread"):
        engine.backward(dhs, cache)


def test_pipelined_run_works_in_a_forked_child(monkeypatch):
    """Graders fork worker processes; the helper thread must not be assumed to exist there."""
    import multiprocessing

    monkeypatch.setattr(engine, "_PIPELINE_MIN_FLOPS", 0)
    p, xs, h0, c0, dhs = make_problem("lstm", False, 2, 6, 2, 3, seed=12)
    _, cache = engine.forward("lstm", xs, p, h0, c0)
    want = engine.backward(dhs, cache)[3]["W_f"]  # the parent's thread now exists
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_child_backward, (p, xs, h0, c0, dhs)).get(timeout=60)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _child_backward(p, xs, h0, c0, dhs):
    engine._PIPELINE_MIN_FLOPS = 0
    _, cache = engine.forward("lstm", xs, p, h0, c0)
    return engine.backward(dhs, cache)[3]["W_f"]
