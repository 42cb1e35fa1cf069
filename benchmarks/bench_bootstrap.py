"""Bootstrap refits of Epoch's Chinchilla data (240 runs): t2jax against scipy.

* 1,000 global VarPro refits, warm, each checked against a standalone t2jax fit of
  the same resample on a sample of resamples.
* Baseline in the same process: the scipy refit loop a user would write, L-BFGS-B
  warm-started at the full-data optimum, squared error on the same resamples.
* 10,000 refits in a separate process, peak resident memory reported.

    python benchmarks/bench_bootstrap.py [--baseline 200]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np
from common import epoch_frame
from scipy.optimize import minimize

import t2jax
from t2jax.uncertainty import bootstrap


def scipy_refits(runs, W, start):
    """The baseline: L-BFGS-B warm-started at the full-data optimum, one resample at a time."""
    N, D, L = runs.N, runs.D, runs.loss
    out = []
    for w in W:
        def sse(p):
            E, A, B, a, b = p
            return np.sum(w * (L - (E + A * N**-a + B * D**-b)) ** 2)

        out.append(minimize(sse, start, method="L-BFGS-B").x)
    return np.array(out)


def peak_memory(n):
    code = (
        "import resource, time, pandas as pd, sys; sys.path.insert(0, 'benchmarks');"
        "from common import epoch_frame; import t2jax; from t2jax.uncertainty import bootstrap;"
        "f = epoch_frame(); r = t2jax.load_runs(f, n_col='Model Size', flops_col='Training FLOP', loss_col='loss');"
        f"t = time.perf_counter(); b = bootstrap(r, 'varpro', {n}, seed=1); s = time.perf_counter() - t;"
        "print(s, b.n_failed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    seconds, failed, kb = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(seconds), int(failed), int(kb) / 1024**2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", type=int, default=200, help="scipy refits to time (extrapolated to 1,000)")
    args = ap.parse_args()
    runs = t2jax.load_runs(epoch_frame(), n_col="Model Size", flops_col="Training FLOP", loss_col="loss")
    start = time.perf_counter()
    boot = bootstrap(runs, "varpro", 1000, seed=0)
    cold = time.perf_counter() - start
    warm = min(bootstrap(runs, "varpro", 1000, seed=0).seconds for _ in range(3))
    worst = 0.0
    for r in np.linspace(0, 999, 20).astype(int):
        fit = t2jax.varpro(runs, weights=boot.weights[r])
        worst = max(worst, max(abs(boot.draws.iloc[r][k] / v - 1) for k, v in fit.params.items()))
    p = boot.point.params
    start_p = np.array([p["E"], p["A"], p["B"], p["alpha"], p["beta"]])
    t0 = time.perf_counter()
    ref = scipy_refits(runs, boot.weights[: args.baseline], start_p)
    base = (time.perf_counter() - t0) * 1000 / args.baseline
    mine = boot.draws[["E", "A", "B", "alpha", "beta"]].to_numpy()[: args.baseline]
    gap = np.median(np.abs(ref / mine - 1), axis=0)
    print(f"t2jax: 1,000 global VarPro refits in {warm:.3f} s warm ({1000 / warm:.0f} refits/s), {cold:.1f} s cold; "
          f"failed {boot.n_failed}; worst relative difference to standalone fits (20 resamples): {worst:.1e}")
    print(f"scipy warm-start L-BFGS-B loop: {base:.1f} s per 1,000 refits (timed on {args.baseline}); ratio {base / warm:.0f}x")
    print(f"median relative gap of the scipy refits to the exact optima (E, A, B, alpha, beta): {np.array2string(gap, precision=2)}")
    print("95% intervals:", json.dumps({k: [round(v["lower"], 4), round(v["upper"], 4)] for k, v in boot.interval().to_dict(orient="index").items()}))
    seconds, failed, gb = peak_memory(10_000)
    print(f"10,000 refits: {seconds:.1f} s (incl. compilation), failed {failed}, peak resident memory {gb:.2f} GB")


if __name__ == "__main__":
    main()
