"""Maximum-likelihood fits of the per-problem Beta laws ``beta-nd`` and ``beta-loss``."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from t2jax.data.passk_table import PassKTable
from t2jax.data.runs import Runs
from t2jax.data.samples import observed_pass_at_k
from t2jax.fitting.betabinom import fit_beta_binomial_arrays
from t2jax.fitting.engine import fit_power_law
from t2jax.fitting.newton import minimize
from t2jax.fitting.result import FitResult
from t2jax.laws.beta import beta_binomial_loglik
from t2jax.families.beta_links.laws import link_ab, link_covariates
from t2jax.families.power_sum.laws import CHINCHILLA
from t2jax.laws.law import Law
from t2jax.precision import x64
from t2jax.programs import bucket, program


def _nll(coef, z, n, c, w):
    a, b = link_ab(coef, z)
    ll = beta_binomial_loglik(a[:, None], b[:, None], n, c)
    return -jnp.sum(w * ll) / jnp.sum(w)


@program
def _fit_links(z, n, c, w):
    """Links from a pooled Beta-binomial start; ``z`` must be centred."""
    pooled, _, _, _ = fit_beta_binomial_arrays(n.ravel(), c.ravel(), w.ravel())
    zeros = jnp.zeros(z.shape[-1], z.dtype)
    start = jnp.concatenate([pooled[:1], zeros, pooled[1:], zeros])
    return minimize(_nll, start, z, n, c, w, max_iter=500)


def pad_table(z, n, c, w):
    """Checkpoints and problems padded to :func:`~t2jax.programs.bucket` sizes with cells
    of no weight (n = 1, c = 0, covariates at their centre 0), so tables of similar size
    share one compiled fit; every weighted sum is unchanged."""
    (J, P), (Jb, Pb) = c.shape, (bucket(c.shape[0]), bucket(c.shape[1]))
    grow = lambda a, fill: np.pad(a, ((0, Jb - J), (0, Pb - P)), constant_values=fill)
    return np.pad(z, ((0, Jb - J), (0, 0))), grow(n, 1.0), grow(c, 0.0), grow(w, 0.0)


def _uncentre(coef, mean):
    q = mean.size
    coef = np.array(coef)
    coef[0] -= coef[1 : q + 1] @ mean
    coef[q + 1] -= coef[q + 2 :] @ mean
    return coef


@x64
def fit_beta_link(table: PassKTable, law: Law, stage1_method: str = "varpro") -> FitResult:
    """Fit a ``beta-link`` law (``beta-nd``, ``beta-loss``) by Beta-binomial likelihood of every count.

    A law whose parameters include a Chinchilla surface (``beta-loss``) first fits it to
    the checkpoints' k = 1 task loss ``-log pass@1`` with ``stage1_method``. Checkpoints
    that solved nothing were left out by the table. ``objective`` is the total negative
    log-likelihood (without binomial constants).
    """
    samples = table.samples
    stage1 = {}
    if set(CHINCHILLA.params) <= set(law.params):  # a link on a fitted loss: stage 1 first
        loss1 = -np.log(observed_pass_at_k(samples, [1.0])[:, 0])
        stage1 = fit_power_law(Runs(samples.N, samples.D, loss1), CHINCHILLA, stage1_method).params
    names = tuple(p for p in law.params if p not in stage1)
    z = np.asarray(link_covariates(law, stage1, samples.N, samples.D))
    mean = z.mean(0)
    w = samples.observed.astype(np.float64)
    res = _fit_links(*(jnp.asarray(a) for a in pad_table(z - mean, samples.n, samples.c, w)))
    coef = _uncentre(np.asarray(res.x), mean)
    return FitResult(
        method=stage1_method if stage1 else "mle",  # one of the law's methods: feeding it back refits alike
        law=law.name,
        params=stage1 | dict(zip(names, map(float, coef))),
        objective=float(res.value) * float(w.sum()),
        n_points=int(w.sum()),
        converged=bool(res.converged),
    )
