"""The additive power-law family: laws linear in their coefficients for fixed exponents
(Chinchilla, T² Approach 1, and any law made by :func:`~t2jax.laws.law.power_sum_law`).

Fitted to training runs, or to the task-loss runs of repeated-sampling counts, by
Approach 3 (Huber on log loss; ``objective`` the summed Huber loss), VarPro (squared
error; ``objective`` the weighted sum of squares, or the Huber sum with ``loss="huber"``)
or, for Chinchilla, Approach 2 IsoFLOP parabolas. Bootstrap: batched refits through the
one driver; posterior: NUTS of a Gaussian likelihood on log loss.
"""

from __future__ import annotations

from t2jax.data.passk_table import as_table
from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.families.power_sum.approach3 import approach3
from t2jax.families.power_sum.bootstrap import bootstrap_weights, power_sum_bootstrap
from t2jax.families.power_sum.isoflop import isoflop
from t2jax.families.power_sum.laws import CHINCHILLA, T2_LOSS, t2_loss
from t2jax.families.power_sum.model import power_law_model, power_law_posterior
from t2jax.families.power_sum.varpro import varpro
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family


def power_sum_runs(data, law, ks=None) -> Runs:
    """What an additive power law is fitted to: runs as given; repeated-sampling counts
    as the task-loss runs of their pass@k table."""
    if isinstance(data, Runs):
        return data
    if law.data != "samples":
        raise T2JaxError(f"law '{law.name}' is fitted to training runs, not {type(data).__name__}")
    return as_table(data, ks).task_runs()


class PowerSumFamily(Family):
    name = "power-sum"
    from_curves = True
    objective = "approach3: summed Huber loss of log loss; varpro: weighted sum of squares (or Huber sum)"

    def fit_runs(self, runs, law, method, **options):
        if method != "varpro" and "loss" in options:
            raise T2JaxError(f"the loss option chooses varpro's objective; {method} has its own "
                             "(approach3: Huber on log loss)")
        if method == "isoflop":
            return isoflop(runs, **options)
        return (varpro if method == "varpro" else approach3)(runs, law=law, **options)

    def fit_counts(self, data, table, law, method, **options):
        return self.fit_runs(table.task_runs(), law, method, **options)

    def bootstrap(self, data, law, n_resamples, *, method, seed, point=None, ks=None, resample=None, groups=None,
                  delta=1e-3, resolution=None, chunk=128, weights=None, devices=None, progress=None, timings=None):
        return power_sum_bootstrap(power_sum_runs(data, law, ks), law, n_resamples, method=method, seed=seed,
                                   point=point, resample=resample, groups=groups, delta=delta,
                                   resolution=resolution, chunk=chunk, weights=weights, devices=devices,
                                   progress=progress, timings=timings)

    def posterior(self, data, law, *, method, point=None, ks=None, **options):
        if method not in ("approach3", "varpro"):
            raise T2JaxError(f"a posterior needs a parametric law fit (approach3 or varpro), not method {method!r}")
        return power_law_posterior(power_sum_runs(data, law, ks), law=law, point=point, **options)


POWER_SUM = register_family(PowerSumFamily())
for _law in (CHINCHILLA, T2_LOSS):
    register(_law, builtin=True)

__all__ = ["CHINCHILLA", "POWER_SUM", "T2_LOSS", "approach3", "bootstrap_weights", "isoflop", "power_law_model",
           "power_law_posterior", "power_sum_runs", "t2_loss", "varpro"]
