"""Seeded synthetic training runs from a known Chinchilla law (for tests and recovery checks)."""

from __future__ import annotations

import numpy as np

from t2jax.data.runs import Runs
from t2jax.laws.chinchilla import chinchilla_loss


def synthetic_isoflop_runs(
    params: dict,
    budgets=(1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21),
    per_budget: int = 15,
    width: float = 1.5,
    noise: float = 0.0,
    seed: int = 0,
) -> Runs:
    """IsoFLOP runs around the law's compute-optimal N: ``per_budget`` model sizes per
    budget, log-spaced within a factor ``exp(width)`` either side; multiplicative
    log-normal noise of scale ``noise`` (0 for exact data)."""
    from t2jax.laws.chinchilla import compute_optimal

    rng = np.random.default_rng(seed)
    Ns, Ds, Cs = [], [], []
    for C in budgets:
        n_opt, _ = compute_optimal(params, C)
        N = float(n_opt) * np.exp(np.linspace(-width, width, per_budget))
        Ns.append(N)
        Ds.append(C / (6.0 * N))
        Cs.append(np.full(per_budget, C))
    N, D, C = (np.concatenate(v) for v in (Ns, Ds, Cs))
    loss = np.asarray(chinchilla_loss(params, N, D)) * np.exp(noise * rng.standard_normal(N.size))
    return Runs(N=N, D=D, loss=loss, budget=C)
