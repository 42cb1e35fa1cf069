"""Allocation speed: a million candidate allocations, warm, on this machine.

Paper's form: a dense grid of 10^6 model sizes (then zoom refinement) for the best
(N, D, k) under 6ND <= C_train, 2Nk <= C_inf. Deployment form: 1,000 x 1,000 (N,
training share) candidates under 6ND + 2NkTQ <= C. The baseline is the same search
written with NumPy in this process. Under uncertainty: the T²-optimal allocation of
4,000 parameter draws (one vmapped program, 4,096-point grid plus zoom per draw), and
target-quality allocations (a pass@k target, with and without 200 draws).

    python benchmarks/bench_allocation.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from common import best_time, device_line
from scipy.special import betaln

from t2jax.allocation import allocate, allocation_intervals, target_accuracy_allocation
from t2jax.fitting.result import FitResult
from t2jax.families.t2_beta.simulate import T2_TRUTH


def numpy_paper(p, C_train, C_inf, points):
    N = np.exp(np.linspace(np.log(1e5), np.log(C_inf / 2), points))
    D, k = C_train / (6 * N), C_inf / (2 * N)
    L = p["E"] + p["A"] * N ** -p["alpha"] + p["B"] * D ** -p["beta"]
    mu = p["theta2"] / (1 + np.exp(p["theta1"] * (L - p["theta0"])))
    nu = np.exp(p["theta3"] + p["theta4"] * L)
    a, b = mu * nu, (1 - mu) * nu
    acc = -np.expm1(betaln(a, b + k) - betaln(a, b))
    i = np.argmax(acc)
    return N[i], acc[i]


def main():
    print(device_line())
    fit = FitResult("truth", "t2-beta", T2_TRUTH, 0.0, 1, True)
    paper = lambda: allocate(fit, 2.56e19, 2e9, n_grid=1_000_000)
    deploy = lambda: allocate(fit, 1e21, tokens_per_sample=256, queries=1e8, n_grid=1000)
    a, d = paper(), deploy()
    t_paper, t_deploy = best_time(paper), best_time(deploy)
    t_numpy = best_time(lambda: numpy_paper(T2_TRUTH, 2.56e19, 2e9, 1_000_000), repeat=3)
    N_np, acc_np = numpy_paper(T2_TRUTH, 2.56e19, 2e9, 1_000_000)
    print(f"paper's form, 10^6 candidates + zoom: {t_paper * 1e3:.1f} ms warm; N*={a.N:.4g}, k*={a.k:.4g}, pass@k={a.accuracy:.6f}")
    print(f"numpy baseline, same 10^6 grid:      {t_numpy * 1e3:.1f} ms;      N*={N_np:.4g}, pass@k={acc_np:.6f}")
    print(f"deployment form, 1000 x 1000 + zoom:  {t_deploy * 1e3:.1f} ms warm; N*={d.N:.4g}, D*={d.D:.4g}, k*={d.k:.4g}, pass@k={d.accuracy:.6f}")
    print(f"ratio numpy / t2jax (paper's form): {t_numpy / t_paper:.1f}x")
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({k: v * (1 + 0.01 * rng.standard_normal(4000)) for k, v in T2_TRUTH.items()})
    many = lambda: allocation_intervals(draws, "t2-beta", 2.56e19, 2e9)
    start = time.perf_counter()
    many()
    cold = time.perf_counter() - start
    print(f"4,000 draws -> allocation intervals: {best_time(many, repeat=3):.3f} s warm ({cold:.1f} s with compilation)")
    target = lambda: target_accuracy_allocation(fit, 0.99, 1000, 1e9)
    target()
    print(f"pass@k target 0.99 (least 6ND + 2NkTQ): {best_time(target, repeat=3) * 1e3:.0f} ms warm")
    few = draws.iloc[:200]
    target_draws = lambda: target_accuracy_allocation(fit, 0.99, 1000, 1e9, draws=few)
    target_draws()
    print(f"... with 200 draws: {best_time(target_draws, repeat=2):.2f} s warm")


if __name__ == "__main__":
    main()
