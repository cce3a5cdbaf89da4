"""Typical wrong answers for notebook 07_sentiment, written from its statements."""
from tests.feedback_catalogue import Wrong

WRONG = (
    # ------------------------------------------------------------------ encode_with_oov
    Wrong("encode_with_oov", "looks every token up with token_to_id[token]: KeyError on an unknown word",
          keywords=("unknown", "unseen", "never seen", "not in token_to_id", "keyerror", "out-of-vocabulary"),
          source='''
import zlib


def encode_with_oov(tokens, token_to_id, num_oov_buckets):
    return np.array([token_to_id[token] for token in tokens], dtype=np.int64)
'''),
    Wrong("encode_with_oov", "passes the str itself to zlib.crc32 instead of its utf-8 bytes",
          keywords=("encode", "bytes", "utf-8"),
          source='''
import zlib


def encode_with_oov(tokens, token_to_id, num_oov_buckets):
    offset = len(token_to_id)
    ids = []
    for token in tokens:
        if token in token_to_id:
            ids.append(token_to_id[token])
        else:
            ids.append(offset + zlib.crc32(token) % num_oov_buckets)
    return np.array(ids, dtype=np.int64)
'''),
    Wrong("encode_with_oov", "gives unknown words the bare bucket number, without the offset len(token_to_id)",
          keywords=("offset", "len(token_to_id)", "after the known", "k + 1"),
          source='''
import zlib


def encode_with_oov(tokens, token_to_id, num_oov_buckets):
    ids = []
    for token in tokens:
        if token in token_to_id:
            ids.append(token_to_id[token])
        else:
            ids.append(zlib.crc32(token.encode("utf-8")) % num_oov_buckets)
    return np.array(ids, dtype=np.int64)
'''),
    Wrong("encode_with_oov", "maps every unknown word to the padding id 0 with token_to_id.get(token, 0)",
          keywords=("padding", "id 0", "bucket", "unknown"),
          source='''
import zlib


def encode_with_oov(tokens, token_to_id, num_oov_buckets):
    return np.array([token_to_id.get(token, 0) for token in tokens], dtype=np.int64)
'''),
    Wrong("encode_with_oov", "takes the hash modulo the vocabulary size instead of num_oov_buckets",
          keywords=("num_oov_buckets", "modulo", "% num_oov"),
          source='''
import zlib


def encode_with_oov(tokens, token_to_id, num_oov_buckets):
    offset = len(token_to_id)
    ids = []
    for token in tokens:
        if token in token_to_id:
            ids.append(token_to_id[token])
        else:
            ids.append(offset + zlib.crc32(token.encode("utf-8")) % len(token_to_id))
    return np.array(ids, dtype=np.int64)
'''),
    # ------------------------------------------------------------------ embedding_lookup_onehot
    Wrong("embedding_lookup_onehot", "builds the one-hot vectors with np.eye(d), the embedding size, instead of np.eye(V)",
          keywords=("vocabulary", "e.shape[0]", "rows of e", "np.eye(v)", "size v"),
          source='''
def embedding_lookup_onehot(E, ids):
    d = E.shape[1]
    onehot = np.eye(d)[ids]
    return onehot @ E
'''),
    Wrong("embedding_lookup_onehot", "multiplies by E.T",
          keywords=("transpos", "e.t"),
          source='''
def embedding_lookup_onehot(E, ids):
    onehot = np.eye(E.shape[0])[ids]
    return onehot @ E.T
'''),
    Wrong("embedding_lookup_onehot", "writes the product in the wrong order, E @ onehot",
          keywords=("order", "onehot @ e", "left", "@ e"),
          source='''
def embedding_lookup_onehot(E, ids):
    onehot = np.eye(E.shape[0])[ids]
    return E @ onehot
'''),
    # ------------------------------------------------------------------ embedding_grad
    Wrong("embedding_grad", "adds the gradient summed over all positions to every row, whatever its id",
          keywords=("row", "its id", "each id", "ids["),
          source='''
def embedding_grad(d_out, ids, vocab_size):
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    dE += d_out.sum(axis=(0, 1))
    return dE
'''),
    Wrong("embedding_grad", "flattens the ids for np.add.at but not d_out",
          keywords=("reshape", "flatten", "ravel", "(b * t, d)", "shape"),
          source='''
def embedding_grad(d_out, ids, vocab_size):
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    np.add.at(dE, ids.ravel(), d_out)
    return dE
'''),
    # coincides with a registered mistake (repeated ids lose their gradient)
    Wrong("embedding_grad", "loops over the positions but assigns (=) instead of adding, so repeated ids keep one gradient",
          keywords=("accumulat", "+=", "add", "overwr", "repeat"),
          source='''
def embedding_grad(d_out, ids, vocab_size):
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    B, T = ids.shape
    for b in range(B):
        for t in range(T):
            dE[ids[b, t]] = d_out[b, t]
    return dE
'''),
    Wrong("embedding_grad", "contracts with einsum into (d, vocab_size): the gradient is transposed",
          keywords=("transpos", "shape", "(vocab_size, d)"),
          source='''
def embedding_grad(d_out, ids, vocab_size):
    onehot = np.eye(vocab_size)[ids]
    return np.einsum("btv,btd->dv", onehot, d_out)
'''),
    Wrong("embedding_grad", "divides the accumulated gradient by the batch size",
          keywords=("average", "divide", "mean", "batch size"),
          source='''
def embedding_grad(d_out, ids, vocab_size):
    dE = np.zeros((vocab_size, d_out.shape[-1]))
    np.add.at(dE, ids, d_out)
    return dE / ids.shape[0]
'''),
)
