"""Answers that get the numbers right by calling rnnkit's reference code instead of doing the maths.

tests/test_exercises.py checks that each one scores 0 and that the message names exactly the
reference functions it called. Every exercise that forbids an rnnkit function has at least one
cheat here. Cheats that ask Keras itself live with the Keras tests of their notebook
(tests/test_exercises_{architecture_zoo,gru,forecasting}.py), because they need TensorFlow.
"""

from typing import Callable, NamedTuple

import numpy as np

from rnnkit import bptt, cells, data, embedding, engine, layouts, ngram


class Cheat(NamedTuple):
    exercise: str
    fn: Callable
    calls: tuple[str, ...]  # the forbidden functions the message must name, sorted as it lists them


# --- 01_sequential_data ----------------------------------------------------------------------


def counts_by_library(text, k, alphabet):
    return {c: r.tolist() for c, r in ngram.ngram_counts(text, k, alphabet).items()}


def counts_by_model(text, k, alphabet):
    return {c: r.tolist() for c, r in ngram.CharNGram(k).fit(text, alphabet=alphabet).counts.items()}


def loglik_by_model(text, counts, k, alphabet, alpha):
    model = ngram.CharNGram.from_counts({c: np.array(r) for c, r in counts.items()}, alphabet, alpha=alpha)
    return model.log_likelihood(text)


# --- 02_simple_rnn ---------------------------------------------------------------------------


def _p(U, W, b):
    return {"U": U, "W": W, "b": b}


def step_by_rnn_step(x, h_prev, U, W, b):
    return cells.rnn_step(x, h_prev, _p(U, W, b))[0]


def forward_by_bptt(xs, h0, U, W, b):
    return bptt.forward("rnn", xs, _p(U, W, b), h0=h0)[0]


def forward_by_engine(xs, h0, U, W, b):
    """The fast engine computes bptt.forward: forbidding one forbids both."""
    return engine.forward("rnn", xs, _p(U, W, b), h0=h0)[0]


def head_by_softmax(hs, V, c):
    return bptt.softmax(hs @ V + c)


def loss_by_softmax_cross_entropy(probs, labels):
    return tuple(bptt.softmax_cross_entropy(np.log(probs), labels)[:2])


def stack_by_bptt(xs, U1, W1, b1, U2, W2, b2):
    hs1 = bptt.forward("rnn", xs, _p(U1, W1, b1))[0]
    return hs1, bptt.forward("rnn", hs1, _p(U2, W2, b2))[0]


# --- 03_bptt ---------------------------------------------------------------------------------


def _recovered(x, h_prev, h, U, W):
    """The forward pass's parameters: b follows from h = tanh(x U + h_prev W + b)."""
    return {"U": U, "W": W, "b": np.arctanh(h[0]) - x[0] @ U - h_prev[0] @ W}


def step_backward_by_cells(dh, x, h_prev, h, U, W):
    _, cache = cells.rnn_step(x, h_prev, _recovered(x, h_prev, h, U, W))
    dx, dh_prev, g = cells.rnn_step_backward(dh, cache)
    return dx, dh_prev, g["U"], g["W"], g["b"]


def backward_by_bptt(dhs, xs, h0, hs, U, W):
    _, cache = bptt.forward("rnn", xs, _recovered(xs[:, 0], h0, hs[:, 0], U, W), h0=h0)
    dxs, dh0, _, g = bptt.backward(dhs, cache)
    return dxs, dh0, g["U"], g["W"], g["b"]


def backward_by_truncation_at_full_length(dhs, xs, h0, hs, U, W):
    """Truncated BPTT with k equal to the sequence length is full BPTT: delegation too."""
    _, cache = bptt.forward("rnn", xs, _recovered(xs[:, 0], h0, hs[:, 0], U, W), h0=h0)
    dxs, dh0, _, g = bptt.truncated_backward(dhs, cache, xs.shape[1])
    return dxs, dh0, g["U"], g["W"], g["b"]


def clip_by_library(dU, dW, db, max_norm):
    clipped, _ = bptt.clip_by_global_norm({"U": dU, "W": dW, "b": db}, max_norm)
    return clipped["U"], clipped["W"], clipped["b"]


def norms_by_library(dhs, xs, h0, U, W, b):
    _, cache = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b}, h0=h0)
    return bptt.grad_norms(dhs, cache)


# --- 04_architecture_zoo ---------------------------------------------------------------------


def many_to_one_by_bptt(xs, U, W, b, V, c):
    hs, _ = bptt.forward("rnn", xs, {"U": U, "W": W, "b": b})
    return hs[:, -1] @ V + c


def seq2seq_by_bptt(xs, ys_in, enc, dec, V, c):
    enc_hs, _ = bptt.forward("rnn", xs, enc)
    dec_hs, _ = bptt.forward("rnn", ys_in, dec, h0=enc_hs[:, -1])
    return dec_hs @ V + c


def birnn_by_bptt(xs, fwd, bwd):
    hs_f, _ = bptt.forward("rnn", xs, fwd)
    hs_b, _ = bptt.forward("rnn", xs[:, ::-1], bwd)
    return np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)


def attention_by_softmax(s, hs):
    weights = bptt.softmax(np.einsum("bth,bh->bt", hs, s))
    return weights, np.einsum("bt,bth->bh", weights, hs)


# --- 05_lstm ---------------------------------------------------------------------------------


def lstm_by_cells(x, h_prev, c_prev, p):
    h, c, _ = cells.lstm_step(x, h_prev, c_prev, p)
    return h, c


def lstm_backward_by_cells(dh, dc, x, h_prev, c_prev, p):
    _, _, cache = cells.lstm_step(x, h_prev, c_prev, p)
    dx, dh_prev, dc_prev, g = cells.lstm_step_backward(dh, dc, cache)
    stack = [np.concatenate([g[f"{m}_{k}"] for k in "figo"], axis=1) for m in "UW"]
    return dx, dh_prev, dc_prev, *stack, np.concatenate([g[f"b_{k}"] for k in "figo"])


def lstm_weights_by_bridge(p):
    return tuple(layouts.to_keras_weights("lstm", p))


# --- 06_gru ----------------------------------------------------------------------------------


def gru_by_cells(x, h_prev, params):
    return cells.gru_step(x, h_prev, params)[0]


def gru_by_bptt(x, h_prev, params):
    return bptt.forward("gru", x[:, None, :], params, h0=h_prev)[0][:, 0]


def gru_weights_by_bridge(params):
    return tuple(layouts.to_keras_weights("gru", params))


def gru_backward_by_cells(dh, x, h_prev, params):
    dx, dh_prev, g = cells.gru_step_backward(dh, cells.gru_step(x, h_prev, params)[1])
    stack = [np.concatenate([g[f"{m}_{k}"] for k in "zrg"], axis=1) for m in "UW"]
    return dx, dh_prev, *stack, np.concatenate([g[f"b_{k}"] for k in "zrg"])


def gru_count_by_bridge(input_size, hidden_size, reset_after):
    count = layouts.param_count("gru", input_size, hidden_size)
    return count + (3 * hidden_size if reset_after else 0)


# --- 07_sentiment ----------------------------------------------------------------------------


def _known(token_to_id):
    return [w for w, i in sorted(token_to_id.items(), key=lambda kv: kv[1]) if i != 0]


def encode_by_vocabulary(tokens, token_to_id, num_oov_buckets):
    return embedding.Vocabulary(_known(token_to_id), num_oov_buckets=num_oov_buckets).encode(tokens)


def lookup_by_library(E, ids):
    return embedding.embedding_lookup(E, ids)


def lookup_by_one_hot(E, ids):
    return embedding.one_hot(ids, E.shape[0]) @ E


def grad_by_library(d_out, ids, vocab_size):
    return embedding.embedding_backward(d_out, ids, vocab_size)


def grad_by_one_hot(d_out, ids, vocab_size):
    return np.einsum("btv,btd->vd", embedding.one_hot(ids, vocab_size), d_out)


# --- 08_text_generation ----------------------------------------------------------------------


def sample_by_library(logits, temperature, u):
    probs = bptt.softmax(logits / temperature)
    return ngram.sample_categorical(probs, u), probs


def nll_by_library(probs, targets, mask):
    nll = np.stack([bptt.softmax_cross_entropy(np.log(probs[b:b + 1]), targets[b:b + 1])[0]
                    for b in range(len(targets))])
    return (mask * nll).sum(axis=0) / mask.sum(axis=0), float((mask * nll).sum() / len(targets))


def perplexity_by_library(nll_per_step):
    return ngram.perplexity_from_nll(nll_per_step)


# --- 09_forecasting --------------------------------------------------------------------------


def windows_by_library(series, window, horizon):
    return data.make_windows(series, window, horizon)



# --- 10_char_rnn_capstone --------------------------------------------------------------------


def char_loss_by_library(ids, targets, h0, U, W, b, V, c):
    xs = np.eye(V.shape[1])[ids]
    hs, cache = bptt.forward("rnn", xs, _p(U, W, b), h0=h0)
    logits, head = bptt.linear_head(hs, V, c)
    _, total, dlogits = bptt.softmax_cross_entropy(logits, targets)
    dhs, dV, dc = bptt.linear_head_backward(dlogits, head)
    grads = bptt.backward(dhs, cache)[3]
    return float(total), grads["U"], grads["W"], grads["b"], dV, dc, hs[:, -1]


def sgd_by_library_clipping(ids, targets, U, W, b, V, c, lr, max_norm):
    """The student's own loss and gradients (plain numpy), rnnkit's clipping."""
    losses = []
    for x, y in zip(ids, targets):
        B, T = x.shape
        xs, h, hs = np.eye(V.shape[1])[x], np.zeros((B, W.shape[0])), []
        for t in range(T):
            h = np.tanh(xs[:, t] @ U + h @ W + b)
            hs.append(h)
        hs = np.stack(hs, axis=1)
        z = hs @ V + c
        p = np.exp(z - z.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        onehot = np.eye(V.shape[1])[y]
        losses.append(-np.sum(np.log(np.sum(p * onehot, axis=-1))) / B)
        dz = (p - onehot) / B
        dV, dc, dhs = np.einsum("bth,btk->hk", hs, dz), dz.sum(axis=(0, 1)), dz @ V.T
        dU, dW, db, dh = np.zeros_like(U), np.zeros_like(W), np.zeros_like(b), np.zeros((B, W.shape[0]))
        for t in reversed(range(T)):
            da = (dhs[:, t] + dh) * (1 - hs[:, t] ** 2)
            dU += xs[:, t].T @ da
            dW += (hs[:, t - 1] if t else np.zeros_like(dh)).T @ da
            db += da.sum(axis=0)
            dh = da @ W.T
        g, _ = bptt.clip_by_global_norm({"U": dU, "W": dW, "b": db}, max_norm)
        U, W, b, V, c = U - lr * g["U"], W - lr * g["W"], b - lr * g["b"], V - lr * dV, c - lr * dc
    return np.array(losses), U, W, b, V, c


def sample_chars_by_library(first_id, h0, U, W, b, V, c, temperature, u):
    h, char, out = h0[None], first_id, []
    for draw in u:
        h = cells.rnn_step(np.eye(U.shape[0])[[char]], h, _p(U, W, b))[0]
        char = ngram.sample_categorical(bptt.softmax((h[0] @ V + c) / temperature), draw)
        out.append(char)
    return np.array(out, dtype=np.int64)


CHEATS = (
    Cheat("ngram_counts", counts_by_library, ("rnnkit.ngram.ngram_counts",)),
    Cheat("ngram_counts", counts_by_model, ("rnnkit.ngram.CharNGram.fit",)),
    Cheat("ngram_log_likelihood", loglik_by_model, ("rnnkit.ngram.CharNGram.log_likelihood",)),
    Cheat("rnn_step_forward", step_by_rnn_step, ("rnnkit.cells.rnn_step",)),
    Cheat("rnn_forward", forward_by_bptt, ("rnnkit.bptt.forward",)),
    Cheat("rnn_forward", forward_by_engine, ("rnnkit.bptt.forward",)),
    Cheat("softmax_head", head_by_softmax, ("rnnkit.bptt.softmax",)),
    Cheat("total_cross_entropy", loss_by_softmax_cross_entropy, ("rnnkit.bptt.softmax_cross_entropy",)),
    Cheat("stacked_rnn_forward", stack_by_bptt, ("rnnkit.bptt.forward",)),
    Cheat("rnn_step_backward", step_backward_by_cells, ("rnnkit.cells.rnn_step_backward",)),
    Cheat("rnn_backward", backward_by_bptt, ("rnnkit.bptt.backward",)),
    Cheat("rnn_backward", backward_by_truncation_at_full_length, ("rnnkit.bptt.truncated_backward",)),
    Cheat("clip_grads", clip_by_library, ("rnnkit.bptt.clip_by_global_norm",)),
    Cheat("grad_norms_through_time", norms_by_library, ("rnnkit.bptt.forward", "rnnkit.bptt.grad_norms")),
    Cheat("many_to_one_forward", many_to_one_by_bptt, ("rnnkit.bptt.forward",)),
    Cheat("seq2seq_forward", seq2seq_by_bptt, ("rnnkit.bptt.forward",)),
    Cheat("birnn_forward", birnn_by_bptt, ("rnnkit.bptt.forward",)),
    Cheat("attention_step", attention_by_softmax, ("rnnkit.bptt.softmax",)),
    Cheat("lstm_step_forward", lstm_by_cells, ("rnnkit.cells.lstm_step",)),
    Cheat("lstm_step_backward", lstm_backward_by_cells, ("rnnkit.cells.lstm_step", "rnnkit.cells.lstm_step_backward")),
    Cheat("keras_lstm_weights", lstm_weights_by_bridge, ("rnnkit.layouts.to_keras_weights",)),
    Cheat("peephole_lstm_step", lstm_by_cells, ("rnnkit.cells.lstm_step",)),
    Cheat("gru_step_forward", gru_by_cells, ("rnnkit.cells.gru_step",)),
    Cheat("gru_step_forward", gru_by_bptt, ("rnnkit.bptt.forward",)),
    Cheat("to_keras_gru_weights", gru_weights_by_bridge, ("rnnkit.layouts.to_keras_weights",)),
    Cheat("gru_param_count", gru_count_by_bridge, ("rnnkit.layouts.param_count",)),
    Cheat("gru_step_backward", gru_backward_by_cells, ("rnnkit.cells.gru_step", "rnnkit.cells.gru_step_backward")),
    Cheat("encode_with_oov", encode_by_vocabulary, ("rnnkit.embedding.oov_bucket",)),
    Cheat("embedding_lookup_onehot", lookup_by_library, ("rnnkit.embedding.embedding_lookup",)),
    Cheat("embedding_lookup_onehot", lookup_by_one_hot, ("rnnkit.embedding.one_hot",)),
    Cheat("embedding_grad", grad_by_library, ("rnnkit.embedding.embedding_backward",)),
    Cheat("embedding_grad", grad_by_one_hot, ("rnnkit.embedding.one_hot",)),
    Cheat("sample_with_temperature", sample_by_library, ("rnnkit.bptt.softmax", "rnnkit.ngram.sample_categorical")),
    Cheat("masked_sequence_nll", nll_by_library, ("rnnkit.bptt.softmax_cross_entropy",)),
    Cheat("perplexity", perplexity_by_library, ("rnnkit.ngram.perplexity_from_nll",)),
    Cheat("sliding_windows", windows_by_library, ("rnnkit.data.make_windows",)),
    Cheat("char_rnn_loss_and_grads", char_loss_by_library,
          ("rnnkit.bptt.backward", "rnnkit.bptt.forward", "rnnkit.bptt.linear_head", "rnnkit.bptt.linear_head_backward",
           "rnnkit.bptt.softmax_cross_entropy")),
    Cheat("sgd_steps", sgd_by_library_clipping, ("rnnkit.bptt.clip_by_global_norm",)),
    Cheat("sample_chars", sample_chars_by_library, ("rnnkit.bptt.softmax", "rnnkit.cells.rnn_step", "rnnkit.ngram.sample_categorical")),
)
