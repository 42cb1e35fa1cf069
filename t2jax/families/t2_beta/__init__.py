"""T² Approach 2 (law ``t2-beta``): a per-question Beta whose mean and concentration
follow a loss surface fitted in stage 1 (by the power-sum family's ``approach3`` or
``varpro``: the law's methods name stage 1's fitter). ``objective`` is stage 2's sum of
squared pass@k errors. Bootstrap: checkpoints resampled, both stages refitted, stage 1
through the batched driver. Also here: the synthetic T² studies the tests, demo and
calibration benchmarks draw (:mod:`~t2jax.families.t2_beta.simulate`).
"""

from __future__ import annotations

from t2jax.data.passk_table import as_table
from t2jax.errors import T2JaxError
from t2jax.families.t2_beta.bootstrap import bootstrap_t2_beta
from t2jax.families.t2_beta.fit import fit_t2_beta
from t2jax.families.t2_beta.laws import THETA, T2_BETA, beta_mean_concentration, t2_beta_accuracy
from t2jax.families.t2_beta.simulate import T2_TRUTH, T2Testbed, synthetic_isoflop_runs, synthetic_t2
from t2jax.fitting.result import with_extras
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family
from t2jax.uncertainty.results import BootstrapResult


class T2BetaFamily(Family):
    name = "t2-beta"
    objective = "stage 2's sum of squared pass@k errors over checkpoints and k"

    def fit_counts(self, data, table, law, method, **options):
        return fit_t2_beta(table.N, table.D, table.ks, table.accuracy, stage1_method=method, **options)

    def bootstrap(self, data, law, n_resamples, *, method, seed, point=None, ks=None, resample=None, devices=None,
                  chunk=128, progress=None):
        if resample not in (None, "groups"):
            raise T2JaxError(f"the t2-beta bootstrap resamples checkpoints (resample='groups'), not {resample!r}")
        table = as_table(data, ks)
        out = bootstrap_t2_beta(table.N, table.D, table.ks, table.accuracy, n_resamples, seed=seed, devices=devices,
                                method=method, point=point, chunk=chunk, progress=progress)
        point = with_extras(out.point, ks=table.ks.tolist(), dropped_checkpoints=list(table.dropped))
        return BootstrapResult(point, out.draws, out.weights, out.seed, out.resample, out.seconds)


T2_BETA_FAMILY = register_family(T2BetaFamily())
register(T2_BETA, builtin=True)

__all__ = ["T2_BETA", "T2_BETA_FAMILY", "T2_TRUTH", "THETA", "T2Testbed", "beta_mean_concentration",
           "bootstrap_t2_beta", "fit_t2_beta", "synthetic_isoflop_runs", "synthetic_t2", "t2_beta_accuracy"]
