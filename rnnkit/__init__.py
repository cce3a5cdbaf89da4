"""rnnkit: the course's numpy implementation of RNN, LSTM and GRU cells with exact BPTT.

Notation follows the lecture: U input weights, W recurrent weights, b bias; LSTM gates f i o g,
GRU gates z r g; arrays are batch-major (batch, time, features) like Keras, and weights use the
row-vector convention ``x @ U``.

Importing rnnkit never imports TensorFlow; only ``rnnkit.keras_bridge`` does.
"""

__version__ = "0.1.0"
