"""rnnkit.bptt: sequence forward/backward (full and truncated), clipping, norms, heads, losses."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gradient_support import accurate_gradient, gradient_error
from rnnkit import bptt, cells, engine
from rnnkit.gradcheck import numerical_gradient, rel_error

VARIANTS = [("rnn", False), ("lstm", False), ("lstm", True), ("gru", False)]
IDS = ["rnn", "lstm", "peephole", "gru"]


def make_problem(kind, peephole, B, T, D, H, seed, zero_state=False):
    rng = np.random.default_rng(seed)
    p = cells.init_params(kind, D, H, peephole=peephole, seed=seed)
    p = {k: v + 0.5 * rng.standard_normal(v.shape) for k, v in p.items()}
    xs = rng.standard_normal((B, T, D))
    h0 = None if zero_state else rng.standard_normal((B, H))
    c0 = None if zero_state or kind != "lstm" else rng.standard_normal((B, H))
    dhs = rng.standard_normal((B, T, H))
    return p, xs, h0, c0, dhs


def sequence_loss(kind, p, xs, h0, c0, dhs):
    return lambda: np.sum(bptt.forward(kind, xs, p, h0, c0)[0] * dhs)


# ---------------------------------------------------------------------- full BPTT


@settings(max_examples=15, deadline=None)
@given(variant=st.sampled_from(VARIANTS), B=st.integers(1, 3), T=st.integers(1, 5),
       D=st.integers(1, 4), H=st.integers(1, 4), seed=st.integers(0, 2**31 - 1),
       zero_state=st.booleans())
def test_backward_matches_numerical_gradient(variant, B, T, D, H, seed, zero_state):
    kind, peephole = variant
    p, xs, h0, c0, dhs = make_problem(kind, peephole, B, T, D, H, seed, zero_state)
    loss = sequence_loss(kind, p, xs, h0, c0, dhs)
    _, cache = bptt.forward(kind, xs, p, h0, c0)
    dxs, dh0, dc0, grads = bptt.backward(dhs, cache)
    assert list(grads) == list(p)
    for name in p:
        err = gradient_error(grads[name], accurate_gradient(loss, p[name]))
        assert err < 1e-7, f"d{name}: {err:.2e}"
    assert gradient_error(dxs, accurate_gradient(loss, xs)) < 1e-7
    assert dh0.shape == (B, H)
    if h0 is not None:
        assert gradient_error(dh0, accurate_gradient(loss, h0)) < 1e-7
    if kind == "lstm":
        assert dc0.shape == (B, H)
        if c0 is not None:
            assert gradient_error(dc0, accurate_gradient(loss, c0)) < 1e-7
    else:
        assert dc0 is None


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_backward_plain_numerical_gradient(kind, peephole):
    """numerical_gradient with its default h, as the notebooks use it, on one fixed case."""
    p, xs, h0, c0, dhs = make_problem(kind, peephole, 2, 4, 3, 4, seed=7)
    loss = sequence_loss(kind, p, xs, h0, c0, dhs)
    _, cache = bptt.forward(kind, xs, p, h0, c0)
    dxs, dh0, _, grads = bptt.backward(dhs, cache)
    for name in p:
        assert rel_error(grads[name], numerical_gradient(loss, p[name])) < 1e-7, name
    assert rel_error(dxs, numerical_gradient(loss, xs)) < 1e-7
    assert rel_error(dh0, numerical_gradient(loss, h0)) < 1e-7


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_forward_agrees_with_step_functions(kind, peephole):
    p, xs, h0, c0, _ = make_problem(kind, peephole, 3, 5, 2, 4, seed=1)
    hs, cache = bptt.forward(kind, xs, p, h0, c0)
    h, c = h0, c0
    for t in range(xs.shape[1]):
        if kind == "lstm":
            h, c, step_cache = cells.lstm_step(xs[:, t], h, c, p)
            np.testing.assert_allclose(bptt.gate_values(cache)["f"][:, t], step_cache["f"],
                                       rtol=1e-14)
        else:
            h, _ = getattr(cells, f"{kind}_step")(xs[:, t], h, p)
        np.testing.assert_allclose(hs[:, t], h, rtol=1e-13, atol=1e-15)
    zeros, _ = bptt.forward(kind, xs, p, np.zeros_like(h0),
                            None if c0 is None else np.zeros_like(c0))
    np.testing.assert_array_equal(bptt.forward(kind, xs, p)[0], zeros)


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_backward_agrees_with_step_backwards(kind, peephole):
    p, xs, h0, c0, dhs = make_problem(kind, peephole, 2, 4, 3, 2, seed=2)
    _, cache = bptt.forward(kind, xs, p, h0, c0)
    dxs, dh0, dc0, grads = bptt.backward(dhs, cache)
    caches, h, c = [], h0, c0
    for t in range(xs.shape[1]):
        if kind == "lstm":
            h, c, step_cache = cells.lstm_step(xs[:, t], h, c, p)
        else:
            h, step_cache = getattr(cells, f"{kind}_step")(xs[:, t], h, p)
        caches.append(step_cache)
    dh, dc = np.zeros_like(h0), np.zeros_like(h0)
    total = {k: np.zeros_like(v) for k, v in p.items()}
    for t in reversed(range(xs.shape[1])):
        if kind == "lstm":
            dx, dh, dc, g = cells.lstm_step_backward(dhs[:, t] + dh, dc, caches[t])
        else:
            dx, dh, g = getattr(cells, f"{kind}_step_backward")(dhs[:, t] + dh, caches[t])
        np.testing.assert_allclose(dxs[:, t], dx, rtol=1e-12, atol=1e-14)
        for k in total:
            total[k] += g[k]
    np.testing.assert_allclose(dh0, dh, rtol=1e-12, atol=1e-14)
    if kind == "lstm":
        np.testing.assert_allclose(dc0, dc, rtol=1e-12, atol=1e-14)
    for k in p:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("layer", [bptt, engine], ids=["bptt", "engine"])
def test_cache_survives_backward_and_edits_of_hs(layer):
    p, xs, h0, c0, dhs = make_problem("lstm", True, 2, 6, 3, 4, seed=3)
    hs, cache = layer.forward("lstm", xs, p, h0, c0)
    first = layer.backward(dhs, cache)
    hs[...] = 0  # hs is the caller's own array, not a view into the cache
    layer.grad_norms(dhs, cache)
    second = layer.backward(dhs, cache)
    for a, b in zip(first[:3], second[:3]):
        np.testing.assert_array_equal(a, b)
    for k in p:
        np.testing.assert_array_equal(first[3][k], second[3][k])


# ---------------------------------------------------------------------- truncated BPTT


def segmentwise_reference(kind, p, xs, h0, c0, dhs, k):
    """Truncated BPTT by brute force: run and back-propagate each k-step chunk on its own.

    Each chunk starts from the true state at its first step (state flows forward) but as a
    fresh input, so no gradient crosses a chunk boundary.
    """
    hs, cache = bptt.forward(kind, xs, p, h0, c0)
    cs = bptt.gate_values(cache).get("c")
    T = xs.shape[1]
    dxs = np.zeros_like(xs)
    grads = {name: np.zeros_like(v) for name, v in p.items()}
    first = None
    for start in range(0, T, k):
        stop = min(start + k, T)
        hs_in = h0 if start == 0 else hs[:, start - 1]
        cs_in = None if kind != "lstm" else (c0 if start == 0 else cs[:, start - 1])
        seg_hs, seg_cache = bptt.forward(kind, xs[:, start:stop], p, hs_in, cs_in)
        np.testing.assert_allclose(seg_hs, hs[:, start:stop], rtol=1e-13, atol=1e-15)
        dx, dh0, dc0, g = bptt.backward(dhs[:, start:stop], seg_cache)
        dxs[:, start:stop] = dx
        for name in grads:
            grads[name] += g[name]
        if first is None:
            first = (dh0, dc0)
    return dxs, first[0], first[1], grads


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_truncated_backward_matches_segmentwise_reference(kind, peephole, k):
    p, xs, h0, c0, dhs = make_problem(kind, peephole, 2, 7, 3, 4, seed=4)
    _, cache = bptt.forward(kind, xs, p, h0, c0)
    got = bptt.truncated_backward(dhs, cache, k)
    want = segmentwise_reference(kind, p, xs, h0, c0, dhs, k)
    full = bptt.backward(dhs, cache)
    for a, b in zip(got[:3], want[:3]):
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    for name in p:
        np.testing.assert_allclose(got[3][name], want[3][name], rtol=1e-12, atol=1e-13)
        # truncation really changes the recurrent gradients
    assert not np.allclose(got[3][cells.param_names(kind)[1]], full[3][cells.param_names(kind)[1]])
    # the last segment's inputs see exactly the full gradient (nothing from later to lose)
    last = (7 - 1) // k * k
    np.testing.assert_allclose(got[0][:, last:], full[0][:, last:], rtol=1e-12, atol=1e-14)
    # and earlier inputs get less: dh0 of the first segment differs from full BPTT's
    assert not np.allclose(got[1], full[1])


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_truncated_backward_with_long_segments_is_full_bptt(kind, peephole):
    p, xs, h0, c0, dhs = make_problem(kind, peephole, 2, 5, 3, 4, seed=5)
    _, cache = bptt.forward(kind, xs, p, h0, c0)
    full = bptt.backward(dhs, cache)
    for k in (5, 6, 100):
        got = bptt.truncated_backward(dhs, cache, k)
        for a, b in zip(got[:3], full[:3]):
            if b is not None:
                np.testing.assert_array_equal(a, b)
        for name in p:
            np.testing.assert_array_equal(got[3][name], full[3][name])


def test_truncated_backward_rejects_bad_k():
    p, xs, h0, c0, dhs = make_problem("rnn", False, 2, 5, 3, 4, seed=5)
    _, cache = bptt.forward("rnn", xs, p, h0)
    for k in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="k .* must be a positive integer"):
            bptt.truncated_backward(dhs, cache, k)


# ---------------------------------------------------------------------- grad norms, clipping


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_grad_norms_against_direct_gradients(kind, peephole):
    """|dL/dh_t| from the definition: differentiate L with respect to h_t numerically,
    running the rest of the sequence from a nudged h_t (c_t held fixed for an LSTM)."""
    B, T, D, H = 2, 5, 3, 3
    p, xs, h0, c0, dhs = make_problem(kind, peephole, B, T, D, H, seed=6)
    hs, cache = bptt.forward(kind, xs, p, h0, c0)
    cs = bptt.gate_values(cache).get("c")
    norms = bptt.grad_norms(dhs, cache)
    assert norms.shape == (T,)
    for t in range(T):
        h_t = hs[:, t].copy()
        c_t = None if cs is None else cs[:, t].copy()

        def loss():
            rest = 0.0
            if t + 1 < T:
                rest = np.sum(bptt.forward(kind, xs[:, t + 1:], p, h_t, c_t)[0] * dhs[:, t + 1:])
            return np.sum(h_t * dhs[:, t]) + rest

        direct = accurate_gradient(loss, h_t)
        assert abs(norms[t] - np.linalg.norm(direct)) < 1e-8 * norms[t]


def test_grad_norms_show_vanishing_gradients():
    # small recurrent weights and a loss at the last step only: |dL/dh_t| shrinks going back
    p = cells.init_params("rnn", 2, 8, seed=0)
    p["W"] *= 0.3
    xs = np.random.default_rng(0).standard_normal((4, 20, 2))
    _, cache = bptt.forward("rnn", xs, p)
    dhs = np.zeros((4, 20, 8))
    dhs[:, -1] = 1.0
    norms = bptt.grad_norms(dhs, cache)
    assert np.all(np.diff(norms) > 0) and norms[0] < 1e-8 * norms[-1]


def test_clip_by_global_norm():
    rng = np.random.default_rng(0)
    grads = {"U": rng.standard_normal((3, 4)), "W": rng.standard_normal((4, 4)),
             "b": rng.standard_normal(4)}
    before = {k: v.copy() for k, v in grads.items()}
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    clipped, got = bptt.clip_by_global_norm(grads, 1.0)
    assert got == pytest.approx(norm, rel=1e-14)
    assert np.sqrt(sum(np.sum(g ** 2) for g in clipped.values())) == pytest.approx(1.0)
    for k in grads:
        np.testing.assert_allclose(clipped[k], grads[k] / norm, rtol=1e-14)
        np.testing.assert_array_equal(grads[k], before[k])  # input untouched
    same, got = bptt.clip_by_global_norm(grads, 2 * norm)
    assert got == pytest.approx(norm)
    for k in grads:
        np.testing.assert_array_equal(same[k], grads[k])
        assert same[k] is not grads[k]
    with pytest.raises(ValueError, match="max_norm must be a positive number"):
        bptt.clip_by_global_norm(grads, 0)
    f32 = {k: v.astype(np.float32) for k, v in grads.items()}
    assert all(v.dtype == np.float32 for v in bptt.clip_by_global_norm(f32, 0.5)[0].values())


# ---------------------------------------------------------------------- heads and losses


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4)])
def test_linear_head_gradients(shape):
    rng = np.random.default_rng(1)
    hs = rng.standard_normal(shape)
    V, c = rng.standard_normal((4, 5)), rng.standard_normal(5)
    dout = rng.standard_normal(shape[:-1] + (5,))
    out, cache = bptt.linear_head(hs, V, c)
    np.testing.assert_allclose(out, hs @ V + c, rtol=1e-14)
    dhs, dV, dc = bptt.linear_head_backward(dout, cache)

    def loss():
        return np.sum(bptt.linear_head(hs, V, c)[0] * dout)

    for analytic, value in ((dhs, hs), (dV, V), (dc, c)):
        assert rel_error(analytic, accurate_gradient(loss, value)) < 1e-7


def test_mse_loss():
    rng = np.random.default_rng(2)
    y, target = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    per_step, total, dy = bptt.mse_loss(y, target)
    np.testing.assert_allclose(per_step, [np.mean((y[:, t] - target[:, t]) ** 2)
                                          for t in range(4)], rtol=1e-14)
    assert total == pytest.approx(per_step.sum(), rel=1e-14)
    assert rel_error(dy, accurate_gradient(lambda: bptt.mse_loss(y, target)[1], y)) < 1e-7
    y2, t2 = y[..., 0], target[..., 0]  # (B, T): one output per step
    per_step2, _, dy2 = bptt.mse_loss(y2, t2)
    assert per_step2.shape == (4,) and dy2.shape == (3, 4)
    assert rel_error(dy2, accurate_gradient(lambda: bptt.mse_loss(y2, t2)[1], y2)) < 1e-7
    with pytest.raises(ValueError, match=r"target must have the shape of y \(3, 4, 2\)"):
        bptt.mse_loss(y, target[:, :3])


def test_softmax_is_stable_and_normalised():
    logits = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    with np.errstate(all="raise"):
        probs = bptt.softmax(logits)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0)
    np.testing.assert_allclose(probs[1], 1 / 3)
    e = np.exp([0.0, 1.0, -1.0])
    np.testing.assert_allclose(probs[0], e / e.sum())


def test_softmax_cross_entropy():
    rng = np.random.default_rng(3)
    # moderate logits: a probability of 1e-7 would sit below the round-off of finite differences
    logits = rng.standard_normal((3, 4, 5))
    labels = rng.integers(0, 5, size=(3, 4))
    per_step, total, dlogits = bptt.softmax_cross_entropy(logits, labels)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    direct = [np.mean([-np.log(probs[b, t, labels[b, t]]) for b in range(3)]) for t in range(4)]
    np.testing.assert_allclose(per_step, direct, rtol=1e-13)
    assert total == pytest.approx(per_step.sum(), rel=1e-14)
    numeric = accurate_gradient(lambda: bptt.softmax_cross_entropy(logits, labels)[1], logits)
    assert rel_error(dlogits, numeric) < 1e-7
    # one prediction per sequence
    per_seq, total1, d1 = bptt.softmax_cross_entropy(logits[:, 0], labels[:, 0])
    assert per_seq.shape == (1,) and d1.shape == (3, 5)
    np.testing.assert_allclose(per_seq[0], per_step[0], rtol=1e-14)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, K\) = \[0, 5\)"):
        bptt.softmax_cross_entropy(logits, labels + 5)
    with pytest.raises(TypeError, match="labels must be integer class ids"):
        bptt.softmax_cross_entropy(logits, labels.astype(float))
    with pytest.raises(ValueError, match=r"labels must have shape \(B, T\) = \(3, 4\)"):
        bptt.softmax_cross_entropy(logits, labels.T)


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_whole_model_gradient(kind, peephole):
    """Cell + linear head + cross-entropy, chained as in the notebooks, checked end to end."""
    rng = np.random.default_rng(8)
    B, T, D, H, K = 2, 4, 3, 4, 3
    p, xs, h0, c0, _ = make_problem(kind, peephole, B, T, D, H, seed=8)
    V, c = rng.standard_normal((H, K)), rng.standard_normal(K)
    labels = rng.integers(0, K, size=(B, T))

    def loss():
        hs, _ = bptt.forward(kind, xs, p, h0, c0)
        return bptt.softmax_cross_entropy(bptt.linear_head(hs, V, c)[0], labels)[1]

    hs, cache = bptt.forward(kind, xs, p, h0, c0)
    logits, head_cache = bptt.linear_head(hs, V, c)
    _, _, dlogits = bptt.softmax_cross_entropy(logits, labels)
    dhs, dV, dc = bptt.linear_head_backward(dlogits, head_cache)
    _, _, _, grads = bptt.backward(dhs, cache)
    for analytic, value in [(dV, V), (dc, c)] + [(grads[k], p[k]) for k in p]:
        assert rel_error(analytic, accurate_gradient(loss, value)) < 1e-7


# ---------------------------------------------------------------------- dtypes and checks


@pytest.mark.parametrize("kind,peephole", VARIANTS, ids=IDS)
def test_float32_stays_float32(kind, peephole):
    p = cells.init_params(kind, 3, 4, peephole=peephole, dtype=np.float32)
    xs = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    hs, cache = bptt.forward(kind, xs, p)
    assert hs.dtype == np.float32
    dxs, dh0, dc0, grads = bptt.backward(np.ones_like(hs), cache)
    arrays = [dxs, dh0, *grads.values()] + ([dc0] if kind == "lstm" else [])
    assert all(a.dtype == np.float32 for a in arrays)
    assert all(a.dtype == np.float32 for a in bptt.truncated_backward(hs, cache, 2)[3].values())
    ref64, _ = bptt.forward(kind, xs.astype(np.float64),
                            {k: v.astype(np.float64) for k, v in p.items()})
    np.testing.assert_allclose(hs, ref64, rtol=1e-4, atol=1e-5)
    out, head_cache = bptt.linear_head(hs, np.ones((4, 2), np.float32), np.zeros(2, np.float32))
    assert out.dtype == np.float32
    assert bptt.softmax_cross_entropy(out, np.zeros((2, 5), int))[2].dtype == np.float32
    assert bptt.mse_loss(out, np.zeros_like(out))[2].dtype == np.float32


def test_bad_inputs_raise_clear_errors():
    p = cells.init_params("lstm", 3, 4)
    xs = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"xs must have shape \(B, T, D\).*got shape \(5, 3\)"):
        bptt.forward("lstm", xs[0], p)
    with pytest.raises(ValueError, match=r"p\['U_f'\] must have shape \(D, H\) = \(2, 4\)"):
        bptt.forward("lstm", xs[:, :, :2], p)
    with pytest.raises(ValueError,
                       match=r"h0 must have shape \(B, H\) = \(2, 4\).*got shape \(4, 2\)"):
        bptt.forward("lstm", xs, p, h0=np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"missing 'U_z'.*GRU needs"):
        bptt.forward("gru", xs, p)
    with pytest.raises(ValueError, match="c0 is the LSTM cell state"):
        bptt.forward("rnn", xs, cells.init_params("rnn", 3, 4), c0=np.zeros((2, 4)))
    with pytest.raises(ValueError, match="kind must be one of"):
        bptt.forward("LSTM", xs, p)
    hs, cache = bptt.forward("lstm", xs, p)
    with pytest.raises(ValueError, match=r"dhs must have shape \(B, T, H\) = \(2, 5, 4\)"):
        bptt.backward(hs[:, :, :3], cache)
    with pytest.raises(TypeError, match="cache returned by rnnkit.bptt.forward"):
        bptt.backward(hs, {"hs": hs})
    with pytest.raises(ValueError, match=r"V must have shape \(H, K\) = \(4, K\)"):
        bptt.linear_head(hs, np.zeros((3, 2)), np.zeros(2))


def test_public_functions_are_marked_as_reference():
    for name in ("forward", "backward", "truncated_backward"):
        assert getattr(bptt, name).__rnnkit_reference__ == f"rnnkit.bptt.{name}"
