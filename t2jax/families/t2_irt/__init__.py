"""The shared-difficulty family (law ``t2-irt``): every problem keeps one difficulty
across checkpoints (:mod:`~t2jax.families.t2_irt.laws`), fitted by EM on the counts
(:mod:`~t2jax.families.t2_irt.fit`; ``objective``: minus the marginal log-likelihood).
Held-out counts are predicted problem by problem, from each problem's posterior over
difficulty given the counts the fit saw, with a checkpoint's scatter about the surface
integrated out (:mod:`~t2jax.families.t2_irt.predictive`). Bootstrap: problems
resampled, EM refits through the batched driver (:mod:`~t2jax.families.t2_irt.bootstrap`). Posterior: NUTS of the
population parameters with the difficulties integrated out
(:mod:`~t2jax.families.t2_irt.bayes`). Simulated studies: :mod:`~t2jax.families.t2_irt.study`."""

from __future__ import annotations

from t2jax.data.passk_table import as_table
from t2jax.families.t2_irt.bootstrap import bootstrap_irt, check_resample
from t2jax.families.t2_irt.fit import fit_irt
from t2jax.families.t2_irt.predictive import choose_tau, problem_predictive
from t2jax.families.t2_irt.likelihood import counts_arrays, latent_loss, node_loglik
from t2jax.families.t2_irt.bayes import irt_model, irt_posterior
from t2jax.families.t2_irt.study import IrtStudies
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, T2_IRT, irt_log_miss
from t2jax.data.passk_table import counts_of
from t2jax.fitting.result import with_extras
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family
from t2jax.validate import check_seed


class T2IrtFamily(Family):
    name = "t2-irt"
    objective = "minus the marginal log-likelihood of the counts (difficulties integrated out)"

    def fit_counts(self, data, table, law, method):
        counts = counts_of(data, table)  # every count: a checkpoint that solved nothing is evidence too
        result = fit_irt(counts)
        return with_extras(result, dropped_checkpoints=list(table.dropped) if counts is table.samples else [])

    def bootstrap(self, data, law, n_resamples, *, method, seed, point=None, ks=None, resample=None, devices=None,
                  progress=None):
        check_resample(resample)
        counts = counts_of(data, as_table(data, ks))
        return bootstrap_irt(counts, n_resamples, seed=seed, point=point, devices=devices, progress=progress)

    def posterior(self, data, law, *, method, point=None, ks=None, num_chains: int = 4, num_warmup: int = 1000,
                  num_samples: int = 1000, seed: int = 0, rhat_max: float = 1.01, progress_bar=None):
        check_seed(seed)
        counts = counts_of(data, as_table(data, ks))
        return irt_posterior(counts, point or fit_irt(counts), num_chains=num_chains, num_warmup=num_warmup,
                             num_samples=num_samples, seed=seed, rhat_max=rhat_max, progress_bar=progress_bar)

    def count_loglik(self, fit, law, train, test):
        return problem_predictive(fit.params, train, test)

    def studies(self, law):
        return IrtStudies


T2_IRT_FAMILY = register_family(T2IrtFamily())
register(T2_IRT, builtin=True)

__all__ = ["IRT_PARAMS", "IrtStudies", "K", "T2_IRT", "T2_IRT_FAMILY", "counts_arrays", "fit_irt", "irt_log_miss", "irt_model",
           "irt_posterior", "latent_loss", "node_loglik", "problem_predictive", "choose_tau"]
