"""Calibration of bootstrap intervals on the T²-optimal model size.

100 synthetic studies from a known T² Approach-1 law (model sizes x compute levels of
the T² testbed, k = 1..1024, multiplicative log-normal noise on the task loss); each
is fitted with VarPro, bootstrapped (200 point resamples), and the 90% percentile
interval of the T²-optimal N* at C_train 2.56e19, C_inf 2e9 is checked against the
true optimum.

    python benchmarks/bench_calibration.py [--datasets 100] [--resamples 200] [--noise 0.02]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from common import device_line

from t2jax.allocation import allocate, allocation_draws
from t2jax.data.runs import Runs
from t2jax.fitting.result import FitResult
from t2jax.families.t2_beta.simulate import synthetic_t2
from t2jax.families.power_sum.laws import T2_LOSS, t2_loss
from t2jax.uncertainty import bootstrap

TRUTH = {"E": 0.3, "A": 80.0, "B": 300.0, "G": 2.0, "alpha": 0.3, "beta": 0.25, "gamma": 0.5}


def dataset(seed, noise):
    bed = synthetic_t2(n_questions=1)
    ks = 2.0 ** np.arange(11)
    N, k = (a.ravel() for a in np.meshgrid(bed.N, ks, indexing="ij"))
    D = np.repeat(bed.D, ks.size)
    loss = np.asarray(t2_loss(TRUTH, N, D, k)) * np.exp(noise * np.random.default_rng(seed).standard_normal(N.size))
    return Runs(N, D, loss, k=k)


def main():
    print(device_line())
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=int, default=100)
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.02)
    args = ap.parse_args()
    true_N = allocate(FitResult("truth", "t2-loss", TRUTH, 0.0, 1, True), 2.56e19, 2e9).N
    hits, widths, start = 0, [], time.perf_counter()
    for seed in range(args.datasets):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            boot = bootstrap(dataset(seed, args.noise), "varpro", args.resamples, law=T2_LOSS, seed=seed)
        ok = boot.draws[boot.draws["converged"]]
        N = allocation_draws(ok, "t2-loss", 2.56e19, 2e9)["N"]
        lo, hi = np.percentile(N, [5, 95])
        hits += lo <= true_N <= hi
        widths.append(hi / lo)
    print(f"true T²-optimal N* = {true_N:.4g}; {args.datasets} datasets x {args.resamples} resamples, noise {args.noise}")
    print(f"90% interval coverage of N*: {hits}/{args.datasets} = {hits / args.datasets:.2f}; "
          f"median interval width (upper/lower) {np.median(widths):.3f}; {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
