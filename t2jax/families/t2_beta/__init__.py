"""T² Approach 2 (law ``t2-beta``): a per-question Beta whose mean and concentration
follow a loss surface fitted in stage 1 (by the power-sum family's ``approach3`` or
``varpro``: the law's methods name stage 1's fitter). ``objective`` is stage 2's sum of
squared pass@k errors. Fitted from per-problem counts or from aggregate pass@k curves
alone (a Beta per checkpoint fitted to its curve, as the T² paper does). Bootstrap: checkpoints resampled, both stages refitted, stage 1
through the batched driver. Also here: the synthetic T² studies the tests, demo and
calibration benchmarks draw (:mod:`~t2jax.families.t2_beta.simulate`).
"""

from __future__ import annotations

import numpy as np

from t2jax.data.passk_table import PassKTable, as_table
from t2jax.data.samples import Samples, solved_checkpoints
from t2jax.errors import T2JaxError
from t2jax.families.t2_beta.bootstrap import bootstrap_t2_beta
from t2jax.families.t2_beta.fit import fit_t2_beta
from t2jax.families.t2_beta.laws import THETA, T2_BETA, beta_mean_concentration, t2_beta_accuracy
from t2jax.families.t2_beta.simulate import T2_TRUTH, T2Testbed, synthetic_isoflop_runs, synthetic_t2
from t2jax.fitting.result import with_extras
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family
from t2jax.uncertainty.results import BootstrapResult


def beta_curves(data, table: PassKTable, stage1_loss=None):
    """What stage 2 fits: the checkpoints whose pass@k curve has no 0 (a rounded aggregate
    curve can hold one; no Beta reaches it), and stage 1's loss for them. ``stage1_loss``
    may give one value per checkpoint of the counts ``data`` (those that solved nothing are
    then dropped with them) or of the table. Returns ``(table, stage1_loss, dropped, zero)``:
    every checkpoint left out, and those left out for a 0 on their curve."""
    if stage1_loss is not None:
        stage1_loss = np.asarray(stage1_loss, np.float64).ravel()
        if isinstance(data, Samples) and stage1_loss.size == data.N.size != table.N.size:
            stage1_loss = stage1_loss[solved_checkpoints(data)]
        if stage1_loss.size != table.N.size:
            raise T2JaxError(f"stage1_loss has {stage1_loss.size} values; it needs one per checkpoint "
                             f"({table.N.size} fitted" + (f", {data.N.size} in the counts" if isinstance(data, Samples)
                                                          else "") + ")")
    keep = (table.accuracy > 0).all(axis=1)
    zero = [str(c) for c in table.checkpoints[~keep]]
    if not keep.all():
        table, stage1_loss = table.subset(keep), None if stage1_loss is None else stage1_loss[keep]
    return table, stage1_loss, list(table.dropped) + zero, zero


class T2BetaFamily(Family):
    name = "t2-beta"
    from_curves = True
    objective = "stage 2's sum of squared pass@k errors over checkpoints and k"

    def fit_counts(self, data, table, law, method, *, stage1_loss=None, weights=None):
        table, stage1_loss, dropped, zero = beta_curves(data, table, stage1_loss)
        result = fit_t2_beta(table.N, table.D, table.ks, table.accuracy, stage1_method=method, stage1_loss=stage1_loss,
                             weights=weights)
        return with_extras(result, dropped_checkpoints=dropped, zero_in_curve=zero)

    def bootstrap(self, data, law, n_resamples, *, method, seed, point=None, ks=None, resample=None, devices=None,
                  chunk=128, progress=None, stage1_loss=None):
        if resample not in (None, "groups"):
            raise T2JaxError(f"the t2-beta bootstrap resamples checkpoints (resample='groups'), not {resample!r}")
        table, stage1_loss, dropped, zero = beta_curves(data, as_table(data, ks), stage1_loss)
        out = bootstrap_t2_beta(table.N, table.D, table.ks, table.accuracy, n_resamples, seed=seed, devices=devices,
                                method=method, point=point, chunk=chunk, progress=progress, stage1_loss=stage1_loss)
        point = with_extras(out.point, ks=table.ks.tolist(), dropped_checkpoints=dropped, zero_in_curve=zero)
        return BootstrapResult(point, out.draws, out.weights, out.seed, out.resample, out.seconds)


T2_BETA_FAMILY = register_family(T2BetaFamily())
register(T2_BETA, builtin=True)

__all__ = ["T2_BETA", "T2_BETA_FAMILY", "T2_TRUTH", "THETA", "T2Testbed", "beta_mean_concentration",
           "bootstrap_t2_beta", "fit_t2_beta", "synthetic_isoflop_runs", "synthetic_t2", "t2_beta_accuracy"]
