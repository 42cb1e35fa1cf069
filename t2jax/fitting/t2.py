"""T² fits from repeated-sampling data: one entry point for both approaches."""

from __future__ import annotations

import numpy as np

from t2jax.data.samples import Samples, observed_pass_at_k, solved_checkpoints, task_runs
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult, with_extras

T2_LAWS = ("t2-loss", "t2-beta")


def default_ks(samples: Samples, k_max: float = 10_000) -> np.ndarray:
    """Powers of two up to the smallest sample count (and ``k_max``)."""
    limit = min(float(samples.n[samples.observed].min()), k_max)
    return 2.0 ** np.arange(int(np.floor(np.log2(limit))) + 1)


def fit_t2(samples: Samples, law: str = "t2-loss", ks=None, method: str = "varpro", **options) -> FitResult:
    """Fit a T² law to repeated-sampling counts.

    ``t2-loss`` (Approach 1) fits ``-log pass@k`` over all (checkpoint, k) with
    ``method`` (``varpro`` or ``approach3``); ``t2-beta`` (Approach 2) fits the Beta
    model with ``method`` as its stage-1 fitter. Checkpoints that solved nothing are
    dropped (their task loss is infinite); ``extras["dropped_checkpoints"]`` lists them.
    """
    from t2jax.fitting import fit
    from t2jax.fitting.t2beta import fit_t2_beta
    from t2jax.laws.t2 import T2_LOSS

    if law not in T2_LAWS:
        raise T2JaxError(f"unknown T² law '{law}'; choose one of {', '.join(T2_LAWS)}")
    solved = solved_checkpoints(samples)
    dropped = [str(c) for c in samples.checkpoints[~solved]]
    samples = samples.subset(solved)
    ks = default_ks(samples) if ks is None else np.asarray(ks, float)
    if law == "t2-loss":
        result = fit(task_runs(samples, ks), method, law=T2_LOSS, **options)
    else:
        result = fit_t2_beta(samples.N, samples.D, ks, observed_pass_at_k(samples, ks), stage1_method=method, **options)
    return with_extras(result, ks=ks.tolist(), dropped_checkpoints=dropped)
