"""Helpers the exercise definitions share for drawing cases and writing mistake models.

Grader-side only (like the exercises in ``source/*/exercises.py``): a visible case must not
look like a hidden one, so every size is drawn so that a swapped axis or a transposed matrix
shows.
"""

import numpy as np

# A loop over time can be right for several steps and wrong for one (range(1, T), an axis
# squeezed away), and the reverse; every check of a sequence exercise has both.
SEQUENCE_REGIMES = ("a sequence of several steps", "a sequence of one step")


def sigmoid(a):
    """The logistic function, written out so the mistake models do not lean on the library."""
    return 1.0 / (1.0 + np.exp(-a))


def draw_sequence_sizes(rng, hidden, regime=SEQUENCE_REGIMES[0]):
    """(B, T, D, H), B, D, H all different and >= 2 (a swapped axis or a transposed matrix
    shows), T too unless the regime asks for one step.

    The visible case is fixed so that a student sees the same shapes on every run.
    """
    if not hidden:
        b, t, d, h = 3, 4, 2, 5
    else:
        b, t, d, h = (int(v) for v in rng.choice(np.arange(2, 10), size=4, replace=False))
    return b, (1 if regime == SEQUENCE_REGIMES[1] else t), d, h
