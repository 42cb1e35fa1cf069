"""Maximum-likelihood fits of the per-problem Beta laws ``beta-nd`` and ``beta-loss``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import betaln

from t2jax.data.samples import Samples, observed_pass_at_k, solved_checkpoints
from t2jax.fitting.betabinom import fit_beta_binomial_arrays
from t2jax.fitting.newton import minimize
from t2jax.fitting.result import FitResult
from t2jax.laws.beta_links import BETA_LOSS_LINKS, BETA_ND_PARAMS, link_ab, link_covariates
from t2jax.precision import x64


def _nll(coef, z, n, c, w):
    a, b = link_ab(coef, z)
    ll = betaln(c + a[:, None], n - c + b[:, None]) - betaln(a, b)[:, None]
    return -jnp.sum(w * ll) / jnp.sum(w)


@jax.jit
def _fit_links(z, n, c, w):
    """Links from a pooled Beta-binomial start; ``z`` must be centred."""
    pooled, _, _, _ = fit_beta_binomial_arrays(n.ravel(), c.ravel(), w.ravel())
    zeros = jnp.zeros(z.shape[-1], z.dtype)
    start = jnp.concatenate([pooled[:1], zeros, pooled[1:], zeros])
    return minimize(_nll, start, z, n, c, w, max_iter=500)


def _uncentre(coef, mean):
    q = mean.size
    coef = np.array(coef)
    coef[0] -= coef[1 : q + 1] @ mean
    coef[q + 1] -= coef[q + 2 :] @ mean
    return coef


@x64
def fit_beta_link(samples: Samples, law: str = "beta-loss", stage1_method: str = "varpro") -> FitResult:
    """Fit ``beta-nd`` or ``beta-loss`` by Beta-binomial likelihood of every count.

    ``beta-loss`` first fits its Chinchilla surface to the checkpoints' k = 1 task
    loss ``-log pass@1`` with ``stage1_method``. Checkpoints that solved nothing are
    left out, as in :func:`t2jax.fitting.t2.fit_t2`. ``objective`` is the total negative
    log-likelihood (without binomial constants).
    """
    from t2jax.data.runs import Runs
    from t2jax.fitting import fit

    samples = samples.subset(solved_checkpoints(samples))  # as for the T² approaches
    stage1 = {}
    if law == "beta-loss":
        loss1 = -np.log(observed_pass_at_k(samples, [1.0])[:, 0])
        stage1 = fit(Runs(samples.N, samples.D, loss1), stage1_method).params
    names = BETA_ND_PARAMS if law == "beta-nd" else BETA_LOSS_LINKS
    z = np.asarray(link_covariates(law, stage1, samples.N, samples.D))
    mean = z.mean(0)
    w = samples.observed.astype(np.float64)
    res = _fit_links(jnp.asarray(z - mean), jnp.asarray(samples.n), jnp.asarray(samples.c), jnp.asarray(w))
    coef = _uncentre(np.asarray(res.x), mean)
    return FitResult(
        method="beta-binomial-mle",
        law=law,
        params=stage1 | dict(zip(names, map(float, coef))),
        objective=float(res.value) * float(w.sum()),
        n_points=int(w.sum()),
        converged=bool(res.converged),
    )
