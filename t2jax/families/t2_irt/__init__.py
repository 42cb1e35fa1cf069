"""The shared-difficulty family (law ``t2-irt``): every problem keeps one difficulty
across checkpoints (:mod:`~t2jax.families.t2_irt.laws`), fitted by EM on the counts
(:mod:`~t2jax.families.t2_irt.fit`; ``objective``: minus the marginal log-likelihood).
Held-out counts are predicted problem by problem, from each problem's posterior over
difficulty given the counts the fit saw. Bootstrap: problems resampled, EM refits through
the batched driver (:mod:`~t2jax.families.t2_irt.bootstrap`). Posterior: NUTS of the
population parameters with the difficulties integrated out
(:mod:`~t2jax.families.t2_irt.bayes`). Simulated studies: :mod:`~t2jax.families.t2_irt.study`."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from t2jax.data.passk_table import as_table
from t2jax.families.t2_irt.bootstrap import bootstrap_irt, check_resample
from t2jax.families.t2_irt.fit import fit_irt
from t2jax.families.t2_irt.likelihood import counts_arrays, latent_loss, node_loglik, posterior
from t2jax.families.t2_irt.bayes import irt_model, irt_posterior
from t2jax.families.t2_irt.study import IrtStudies
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, T2_IRT, irt_log_miss, log_weights, node_beta, nodes
from t2jax.data.passk_table import counts_of
from t2jax.fitting.result import with_extras
from t2jax.laws.beta import beta_binomial_logpmf
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.laws.family import Family
from t2jax.laws.registry import register, register_family
from t2jax.precision import x64
from t2jax.validate import check_seed


@x64
def problem_predictive(params, train, test):
    """Log predictive probability of each count of ``test`` (checkpoints x problems) from
    each problem's posterior over difficulty given ``train``'s counts (the same problems)."""
    counts = lambda s: (s.N, s.D, np.where(s.observed, s.n, 0.0), np.where(s.observed, s.c, 0.0))
    solved = np.any(np.where(train.observed, train.c, 0) > 0, axis=0)
    return np.where(test.observed, np.asarray(_predictive(params, counts(train), counts(test), solved)), np.nan)


@jax.jit
def _predictive(params, train, test, solved):
    g, nu = nodes(params), params["nu"]
    log_pi0, log_pi = log_weights(params)

    def node_ll(N, D, n, c):  # (J, P, K) Beta-binomial log-probabilities at every node
        a, b = node_beta(chinchilla_loss(params, N, D)[:, None, None], g, nu)
        return beta_binomial_logpmf(a, b, n[..., None], c[..., None])

    r, _ = posterior(jnp.sum(node_ll(*train), axis=0), log_pi0, log_pi, solved)  # (P, 1 + K)
    at_zero = jnp.where(test[3] == 0, 0.0, -jnp.inf)  # the unsolvable atom predicts no success
    log_r = jnp.log(r)
    joint = jnp.concatenate([(log_r[None, :, 0] + at_zero)[..., None], log_r[None, :, 1:] + node_ll(*test)], -1)
    return logsumexp(joint, axis=-1)


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
           "irt_posterior", "latent_loss", "node_loglik", "problem_predictive"]
