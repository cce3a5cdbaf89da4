"""The lecture's words for the inputs of the exercises: what the ablation feedback calls a term.

When a wrong answer is right once an input is set to zero (:mod:`rnnkit.diagnosis`), the message
names that input in lecture terms: "right when `b` (the bias) is 0". The words come from the
parameter names the lecture uses everywhere (``U`` input weights, ``W`` recurrent weights, ``b``
bias, gates ``f i o g`` and ``z r g``), so an exercise gets them without writing any; an
``Exercise`` may add its own (``Exercise.terms``).
"""

import re

from rnnkit.diagnosis import GATES
WORDS = {
    "U": "the input weights: the term x @ U",
    "W": "the recurrent weights: the term h_prev @ W",
    "b": "the bias",
    "V": "the output weights",
    "c": "the output bias",
    "h_prev": "the previous state h_{t-1}",
    "c_prev": "the previous cell state c_{t-1}",
    "h0": "the initial state h_0",
    "h": "the step's output h_t, where the tanh derivative 1 - h_t**2 is 1",
    "hs": "the states h_t, where the tanh derivative 1 - h_t**2 is 1",
    "x": "the input x_t",
    "xs": "the input sequence",
    "dh": "the gradient arriving at h",
    "dc": "the gradient arriving at the cell state c",
    "dhs": "the gradients arriving at every state",
    "E": "the embedding matrix",
}
_PARAM = re.compile(r"(?:(\w+)\[')?([UWbP])_?([a-z]|\d)?(?:'\])?")


def words(name: str) -> str | None:
    """The lecture's words for input ``name`` (``"U"``, ``"p['W_f']"``, ``"U1"``), or None."""
    found = _PARAM.fullmatch(name)
    if found and found.group(3):
        which, sub = found.group(2), found.group(3)
        base = {"U": "input weights", "W": "recurrent weights", "b": "bias", "P": "peephole weights"}[which]
        if sub.isdigit():
            return f"the {base} of layer {sub}"
        if sub in GATES:
            return f"the {GATES[sub]}'s {base}"
    return WORDS.get(name)


def terms_for(names) -> tuple[tuple[str, str], ...]:
    """``(name, words)`` for each of ``names`` that the lecture has words for."""
    return tuple((n, w) for n in names if (w := words(n)))
