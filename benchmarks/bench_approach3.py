"""Approach 3 on Epoch's Chinchilla data: t2jax's global fit against the scipy recipe.

The baseline is the published recipe (Besiroglu et al. 2024 notebook): L-BFGS-B from
each of Chinchilla's 4,500 grid starts (alpha, beta in 0..2 step 0.5; e in -1..1 step
0.5; a, b in 0..25 step 5), Huber delta 1e-3 on log loss, best optimum kept. Both run
in this process on the same data; the ratio and both optima are printed.

    python benchmarks/bench_approach3.py [--starts 4500]
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from common import best_time, device_line, epoch_frame
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

import t2jax


def scipy_recipe(N, D, loss, starts):
    logN, logD, logL = np.log(N), np.log(D), np.log(loss)

    def objective(p):
        a, b, e, alpha, beta = p
        pred = logsumexp([a - alpha * logN, b - beta * logD, e * np.ones_like(logN)], axis=0)
        return np.sum(huber(1e-3, pred - logL))

    best = None
    for p0 in starts:
        res = minimize(objective, p0, method="L-BFGS-B")
        if best is None or res.fun < best.fun:
            best = res
    a, b, e, alpha, beta = best.x
    return {"E": np.exp(e), "A": np.exp(a), "B": np.exp(b), "alpha": alpha, "beta": beta}, best.fun


def chinchilla_grid():
    return [
        np.array([a, b, e, alpha, beta])
        for alpha, beta, e, a, b in itertools.product(
            np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5), np.arange(-1, 1.5, 0.5), np.arange(0, 30, 5), np.arange(0, 30, 5)
        )
    ]


def main():
    print(device_line())
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=4500, help="use the first K grid starts (spread evenly)")
    args = ap.parse_args()
    frame = epoch_frame()
    runs = t2jax.load_runs(frame, n_col="Model Size", flops_col="Training FLOP", loss_col="loss")

    start = time.perf_counter()
    fit = t2jax.approach3(runs)
    cold = time.perf_counter() - start
    warm = best_time(lambda: t2jax.approach3(runs))

    grid = chinchilla_grid()
    pick = np.linspace(0, len(grid) - 1, min(args.starts, len(grid))).round().astype(int)
    start = time.perf_counter()
    ref, ref_obj = scipy_recipe(runs.N, runs.D, runs.loss, [grid[i] for i in pick])
    base = time.perf_counter() - start
    if len(pick) < len(grid):  # extrapolate the full recipe's time from the subset
        base_full = base * len(grid) / len(pick)
    else:
        base_full = base

    print(f"runs: {len(runs)}; scipy starts run: {len(pick)} of {len(grid)}")
    print(f"{'':>10} {'E':>9} {'A':>10} {'B':>10} {'alpha':>8} {'beta':>8} {'objective':>14}")
    for name, p, obj in (("t2jax", fit.params, fit.objective), ("scipy", ref, ref_obj)):
        print(f"{name:>10} {p['E']:9.5f} {p['A']:10.3f} {p['B']:10.3f} {p['alpha']:8.5f} {p['beta']:8.5f} {obj:14.10f}")
    print(f"t2jax global fit: {cold:.3f} s cold (compile), {warm * 1e3:.1f} ms warm")
    print(f"scipy recipe: {base:.1f} s for {len(pick)} starts (full 4,500-start recipe: {base_full:.1f} s)")
    print(f"speed-up, warm: {base_full / warm:.0f}x; including compilation: {base_full / cold:.0f}x")
    print(f"objective difference (t2jax - scipy): {fit.objective - ref_obj:.3e}")


if __name__ == "__main__":
    main()
