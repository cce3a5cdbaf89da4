"""Runs inside the sandbox: define a student's answer, call it on the grader's inputs, save results.

This file is copied into the sandbox's working folder and run with ``python -I``. It reads
``job.json`` and ``inputs.npz`` and writes ``results.json`` and ``outputs.npz``. It needs only
numpy, and trusts nothing it produces: the grader validates every byte it reads back
(``allow_pickle=False``, plain JSON, its own size limits). Whatever the student's code does to
this process can only change the answers it reports, which the grader checks against its own
reference computed on inputs the student never saw before.
"""

import json
import math
import os
import sys

import numpy as np


def decode(value, arrays):
    """Rebuild an argument from its JSON description, arrays taken from ``arrays``."""
    if isinstance(value, dict):
        if "$array" in value:
            return np.array(arrays[value["$array"]])
        if "$tuple" in value:
            return tuple(decode(v, arrays) for v in value["$tuple"])
        if "$dict" in value:
            return {k: decode(v, arrays) for k, v in value["$dict"].items()}
    if isinstance(value, list):
        return [decode(v, arrays) for v in value]
    return value


def encode(value, arrays):
    """Describe a returned value as JSON, numeric arrays stored in ``arrays``."""
    t = type(value)
    if t is np.ndarray:
        if value.dtype.kind not in "biuf":
            return {"$other": f"an array of dtype {value.dtype}"}
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"$array": name}
    if value is None or t in (bool, int, float, str):
        return value
    if isinstance(value, np.generic) and t.__module__ == "numpy" and value.dtype.kind in "biuf":
        return {"$scalar": value.dtype.str, "value": value.item()}
    if t is tuple:
        return {"$tuple": [encode(v, arrays) for v in value]}
    if t is list:
        return [encode(v, arrays) for v in value]
    if t is dict and all(type(k) is str for k in value):
        return {"$dict": {k: encode(v, arrays) for k, v in value.items()}}
    return {"$other": f"a {t.__module__}.{t.__qualname__}"}


class _NoIPython:
    """Stands in for get_ipython(): magics in an answer cell do nothing here."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def main():
    parent = os.getpid()
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    with np.load("inputs.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    cases = [decode(c, arrays) for c in job["cases"]]
    namespace = {"__name__": "__main__", "np": np, "numpy": np, "math": math,
                 "get_ipython": lambda: _NoIPython()}
    results, out_arrays = [], {}
    try:
        exec(compile(job["source"], "<your answer cell>", "exec"), namespace)
        fn = namespace.get(job["name"])
        if not callable(fn):
            results = [{"error": f"the answer cell does not define a function called {job['name']}"}] * len(cases)
    except BaseException as err:  # the student's cell itself failed to run
        results = [{"error": f"running your answer cell raised {type(err).__name__}: {err}"[:2000]}] * len(cases)
    if not results:
        for inputs in cases:
            try:
                results.append({"ok": encode(fn(**inputs), out_arrays)})
            except BaseException as err:
                results.append({"error": f"{type(err).__name__}: {err}"[:2000]})
    if os.getpid() != parent:  # a process the answer forked: only the runner itself reports
        os._exit(0)
    np.savez("outputs.npz", **out_arrays)
    with open("results.json", "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    sys.exit(main())
