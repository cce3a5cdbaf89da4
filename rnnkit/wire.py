"""Plain data across a boundary: JSON for structure, ``.npy`` arrays beside it, never a pickle.

One format for every value that leaves one process for another: the grader's inputs going into
the sandbox and the answers coming back (:mod:`course.integrity`, ``course/answer_runner.py``,
which gets a copy of this file because the sandbox has no rnnkit), and the visible test cases
that ``python -m course build`` writes beside each student notebook (:mod:`rnnkit.checking`).

A value is encoded as JSON in which an array is ``{"$array": name}`` (the array itself goes
into a dict of arrays), a tuple ``{"$tuple": [...]}``, a dict ``{"$dict": {...}}`` (string
keys), a numpy scalar ``{"$scalar": dtype, "value": v}``; lists, strings, numbers, booleans and
None are themselves. Anything else becomes ``{"$other": description}`` and decodes to an
:class:`Opaque`, so a receiver can say what it got without ever running it.

Only numpy and the standard library: this file runs inside the sandbox on its own.
"""

import io
import json
import zipfile

import numpy as np

INDEX = "index.json"  # the JSON part of a saved file; the arrays are <name>.npy beside it
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same data gives the same bytes


class Opaque:
    """Stands for a value that was not plain data; only its description crossed over."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self):
        return f"Opaque({self.description!r})"


def encode(value, arrays: dict):
    """``value`` as JSON-ready data; numeric arrays are added to ``arrays`` under new names."""
    t = type(value)
    if t is np.ndarray:
        if value.dtype.kind not in "biuf":
            return {"$other": f"an array of dtype {value.dtype}"}
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"$array": name}
    if value is None or t in (bool, int, float, str):
        return value
    if t is Opaque:  # passed on as it came (the sandbox's runner copies answers before saving)
        return {"$other": value.description}
    if isinstance(value, np.generic) and t.__module__ == "numpy" and value.dtype.kind in "biuf":
        return {"$scalar": value.dtype.str, "value": value.item()}
    if t is tuple:
        return {"$tuple": [encode(v, arrays) for v in value]}
    if t is list:
        return [encode(v, arrays) for v in value]
    if t is dict and all(type(k) is str for k in value):
        return {"$dict": {k: encode(v, arrays) for k, v in value.items()}}
    return {"$other": f"a {t.__module__}.{t.__qualname__}"}


def decode(value, arrays: dict):
    """The value :func:`encode` described; arrays are fresh copies. ValueError if malformed."""
    if isinstance(value, dict):
        if "$array" in value:
            return np.array(arrays[str(value["$array"])])
        if "$tuple" in value:
            return tuple(decode(v, arrays) for v in value["$tuple"])
        if "$dict" in value:
            return {str(k): decode(v, arrays) for k, v in value["$dict"].items()}
        if "$scalar" in value:
            return np.dtype(str(value["$scalar"])).type(value["value"])
        if "$other" in value:
            return Opaque(str(value["$other"]))
        raise ValueError(f"unexpected structure {sorted(value)[:3]} in plain data")
    if isinstance(value, list):
        return [decode(v, arrays) for v in value]
    return value


def plain(value):
    """A plain-data copy of ``value``: what would arrive on the other side, taken now."""
    arrays: dict = {}
    return decode(encode(value, arrays), arrays)


def save(path, value) -> None:
    """Write ``value`` to ``path`` as a zip of index.json and one .npy per array (deterministic)."""
    arrays: dict = {}
    index = json.dumps(encode(value, arrays), separators=(",", ":"))  # keeps dict order
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo(INDEX, _EPOCH), index)
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            z.writestr(zipfile.ZipInfo(f"{name}.npy", _EPOCH), buffer.getvalue(), zipfile.ZIP_DEFLATED)


def load(path, max_bytes: int | None = None):
    """The value :func:`save` wrote; never unpickles. ValueError if it would unpack to more than
    ``max_bytes`` (a file written by untrusted code is read with a limit)."""
    with zipfile.ZipFile(path) as z:
        if max_bytes is not None and sum(info.file_size for info in z.infolist()) > max_bytes:
            raise ValueError(f"{path} unpacks to more than {max_bytes} bytes")
        index = json.loads(z.read(INDEX).decode("utf-8"))
        arrays = {name[:-4]: np.load(io.BytesIO(z.read(name)), allow_pickle=False)
                  for name in z.namelist() if name.endswith(".npy")}
    return decode(index, arrays)
