"""LSTM forward + backward: rnnkit (numpy) against Keras' LSTM layer, on this machine.

Usage: python benchmarks/lstm_speed.py [--reps 7] [--hidden 128 512] [--threads 0 1]
                                       [--json results.json]

For each hidden size: batch 64, 100 time steps, 64 input features, float32. rnnkit runs
its fast layer, rnnkit.engine.forward + rnnkit.engine.backward; Keras runs
``keras.layers.LSTM(return_sequences=True)`` inside a ``tf.function`` with a
``GradientTape`` that returns the gradients with respect to the inputs and all weights. Both
get the same weights and the same upstream gradient ``dL/dh_t`` (the script checks that both
return the same ``dL/dx``).

Reported: the median of ``--reps`` timed runs after warm-up (the two libraries alternate, so
load on a shared machine hits both alike); the same as CPU time of the process, all threads
(less sensitive to other processes than wall time); the ratio rnnkit / Keras (below 1:
rnnkit is faster); the fraction of this machine's float32 matrix-product peak reached, the
peak measured in the same process by a large numpy matmul, the LSTM counted as its matmul
FLOPs (``24 B T H (D + H)`` for forward + backward).

Thread settings are part of the result, so each setting in ``--threads`` runs in its own
process: ``0`` leaves both libraries at their defaults: TensorFlow picks its thread pools;
rnnkit runs its products on one BLAS thread and, at these sizes, the weight gradients on a
second thread while its backward loop runs. ``1`` gives each library one thread:
OPENBLAS_NUM_THREADS=1 and no second thread for rnnkit, intra-op = inter-op = 1 for
TensorFlow.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__" and "--worker" in sys.argv:
    # before numpy is imported: OpenBLAS reads its thread count once, at load time
    _threads = int(sys.argv[sys.argv.index("--threads") + 1])
    if _threads > 0:
        for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ[_var] = str(_threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from course.table import cpu_model  # noqa: E402
from rnnkit import cells, engine  # noqa: E402

B, T, D = 64, 100, 64


def machine():
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__}


def thread_settings():
    env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                          "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                                          "TF_NUM_INTEROP_THREADS")}
    blas = "unknown"
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]["name"]
    except Exception:  # numpy's config layout is not a stable API
        pass
    return {"env": env, "numpy_blas": blas}


def matmul_peak(reps):
    """float32 GFLOP/s of a large square numpy matmul: best of ``reps`` (the machine's peak)."""
    n = 2048
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best = min(_time(lambda: np.matmul(a, b, out=out)) for _ in range(reps))
    return 2 * n ** 3 / best / 1e9


def _time(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _time_both(fn):
    """(wall seconds, CPU seconds of this process, all its threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def lstm_flops(H):
    """Matmul FLOPs of LSTM forward + backward: 3 products of size B T x (D + H) x 4H."""
    return 3 * 2 * B * T * (D + H) * 4 * H


def make_rnnkit(H, xs, dhs):
    p = cells.init_params("lstm", D, H, seed=0, dtype=np.float32)

    def run():
        _, cache = engine.forward("lstm", xs, p)
        return engine.backward(dhs, cache)

    return run, p


def make_keras(H, xs, dhs, p):
    import keras
    import tensorflow as tf

    layer = keras.layers.LSTM(H, return_sequences=True)
    layer.build((B, T, D))
    # same weights as rnnkit (Keras gate order i f c o), so both compute the same numbers
    order = ("i", "f", "g", "o")
    layer.set_weights([np.concatenate([p[f"U_{g}"] for g in order], axis=1),
                       np.concatenate([p[f"W_{g}"] for g in order], axis=1),
                       np.concatenate([p[f"b_{g}"] for g in order])])
    x = tf.constant(xs)
    dy = tf.constant(dhs)
    weights = layer.trainable_weights

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * dy)
        return tape.gradient(loss, [x] + weights)

    def run():
        grads = step()
        return [g.numpy() for g in grads]  # wait for the result, as numpy does

    return run, tf


def bench(H, reps, warmup):
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((B, T, D), dtype=np.float32)
    dhs = rng.standard_normal((B, T, H), dtype=np.float32)
    ours, p = make_rnnkit(H, xs, dhs)
    theirs, _ = make_keras(H, xs, dhs, p)
    # same maths: compare dL/dx before timing anything
    dx_ours = ours()[0]
    dx_keras = theirs()[0]
    agree = float(np.max(np.abs(dx_ours - dx_keras)) / np.max(np.abs(dx_keras)))
    for _ in range(warmup):
        ours()
        theirs()
    t_ours, t_keras = [], []
    for _ in range(reps):
        t_ours.append(_time_both(ours))
        t_keras.append(_time_both(theirs))
    wall_ours, cpu_ours = zip(*t_ours)
    wall_keras, cpu_keras = zip(*t_keras)
    return {"hidden": H, "rnnkit_s": statistics.median(wall_ours),
            "keras_s": statistics.median(wall_keras),
            "rnnkit_cpu_s": statistics.median(cpu_ours),
            "keras_cpu_s": statistics.median(cpu_keras),
            "rnnkit_all_s": wall_ours, "keras_all_s": wall_keras,
            "gflop": lstm_flops(H) / 1e9,
            "max_rel_diff_dx": agree}


def worker(args):
    """One thread setting: peak, then both libraries at every hidden size. Prints JSON."""
    import tensorflow as tf

    if args.threads > 0:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.threads == 1:
        engine._PIPELINE_MIN_FLOPS = float("inf")  # rnnkit on a single thread too
    info = {"threads_requested": args.threads, "threads": thread_settings(),
            "matmul_peak_gflops": matmul_peak(args.reps)}
    info["threads"]["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
    info["threads"]["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    info["tensorflow"] = tf.__version__
    results = []
    for H in args.hidden:
        r = bench(H, args.reps, args.warmup)
        r["ratio"] = r["rnnkit_s"] / r["keras_s"]
        r["cpu_ratio"] = r["rnnkit_cpu_s"] / r["keras_cpu_s"]
        r["rnnkit_peak_fraction"] = r["gflop"] / r["rnnkit_s"] / info["matmul_peak_gflops"]
        r["keras_peak_fraction"] = r["gflop"] / r["keras_s"] / info["matmul_peak_gflops"]
        results.append(r)
    info["results"] = results
    print("RESULT " + json.dumps(info))


def report(run):
    t = run["threads"]
    label = "library defaults" if run["threads_requested"] == 0 else (
        f"{run['threads_requested']} thread(s) each")
    print(f"\n== threads: {label}: OPENBLAS_NUM_THREADS={t['env']['OPENBLAS_NUM_THREADS']}, "
          f"TF intra-op {t['tf_intra_op']} inter-op {t['tf_inter_op']} (0 = TF picks); "
          f"float32 matmul peak {run['matmul_peak_gflops']:.1f} GFLOP/s")
    print(f"{'H':>5} {'GFLOP':>7} {'rnnkit ms':>10} {'keras ms':>10} {'ratio':>7} "
          f"{'rnnkit %peak':>13} {'keras %peak':>12} | {'CPU ms rnnkit':>13} {'keras':>7} "
          f"{'ratio':>6} | {'dx diff':>8}")
    for r in run["results"]:
        print(f"{r['hidden']:>5} {r['gflop']:7.2f} {r['rnnkit_s'] * 1e3:10.1f} "
              f"{r['keras_s'] * 1e3:10.1f} {r['ratio']:7.2f} "
              f"{100 * r['rnnkit_peak_fraction']:12.0f}% {100 * r['keras_peak_fraction']:11.0f}%"
              f" | {r['rnnkit_cpu_s'] * 1e3:13.1f} {r['keras_cpu_s'] * 1e3:7.1f} "
              f"{r['cpu_ratio']:6.2f} | {r['max_rel_diff_dx']:8.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 512])
    parser.add_argument("--threads", type=int, nargs="+", default=[0, 1],
                        help="thread settings to run; 0 = library defaults")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.threads = args.threads[0]
        worker(args)
        return

    info = {"machine": machine(), "load_average": os.getloadavg(),
            "shape": {"batch": B, "steps": T, "inputs": D, "dtype": "float32"},
            "reps": args.reps, "runs": []}
    print(f"machine: {info['machine']['cpu']}, {info['machine']['cores']} cores, load average "
          f"{info['load_average'][0]:.1f}; numpy {np.__version__} "
          f"({thread_settings()['numpy_blas']}), python {info['machine']['python']}")
    print(f"LSTM forward+backward, B={B} T={T} D={D}, float32, median of {args.reps} "
          f"after {args.warmup} warm-up runs")
    for threads in args.threads:
        cmd = [sys.executable, __file__, "--worker", "--threads", str(threads),
               "--reps", str(args.reps), "--warmup", str(args.warmup),
               "--hidden", *map(str, args.hidden)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        run = json.loads(next(line for line in out.splitlines()
                              if line.startswith("RESULT "))[len("RESULT "):])
        info["runs"].append(run)
        report(run)
    info["tensorflow"] = info["runs"][0]["tensorflow"] if info["runs"] else None
    if args.json:
        args.json.write_text(json.dumps(info, indent=2))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
