"""The likelihood of ``t2-irt``'s counts (:mod:`t2jax.families.t2_irt.laws`) on the
difficulty nodes: the binomial one EM maximises (:func:`node_loglik`, :func:`posterior`),
and the Beta-binomial one its concentration is chosen by (:func:`bb_node_loglik`,
:func:`bb_marginal_grid`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln, logsumexp

from t2jax.families.t2_irt.laws import node_beta, node_log_weights
from t2jax.laws.beta import log_binomial


def counts_arrays(samples):
    """``(logN, logD, n, c, scale)`` with N, D over their geometric means; a problem a
    checkpoint was not asked has ``n = c = 0`` (it contributes nothing)."""
    obs = np.asarray(samples.observed, bool)
    scale = np.array([np.exp(np.mean(np.log(samples.N))), np.exp(np.mean(np.log(samples.D)))])
    n, c = np.where(obs, samples.n, 0.0), np.where(obs, samples.c, 0.0)
    return np.log(samples.N / scale[0]), np.log(samples.D / scale[1]), n, c, scale


def latent_loss(v, logN, logD):
    """``L_j = A_s e^{-alpha log N_s} + B_s e^{-beta log D_s}`` at ``v = (log A_s, log B_s, log alpha, log beta)``."""
    return jnp.exp(v[0] - jnp.exp(v[2]) * logN) + jnp.exp(v[1] - jnp.exp(v[3]) * logD)


def node_loglik(L, g, n, c):
    """Binomial log-likelihood (no constants) of every problem at every node, ``(P, K)``:
    :math:`\\sum_j c_{ij} x_{jk} + n_{ij}\\log\\sigma(-x_{jk})` with :math:`x_{jk} = -L_j - g_k`
    (as :math:`\\log\\sigma(x) - \\log\\sigma(-x) = x`), whose first term is rank one: one
    problems x checkpoints x nodes product in all."""
    return -(c.T @ L)[:, None] - jnp.sum(c, axis=0)[:, None] * g[None, :] + n.T @ jax.nn.log_sigmoid(L[:, None] + g[None, :])


def posterior(loglik, log_pi0, log_pi, solved):
    """Each problem's posterior over (atom, nodes), and its marginal log-likelihood."""
    joint = jnp.concatenate([jnp.where(solved, -jnp.inf, log_pi0)[:, None], loglik + log_pi[None, :]], 1)
    total = logsumexp(joint, axis=1)
    return jnp.exp(joint - total[:, None]), total


def bb_node_loglik(L, g, nu, n, c):
    """Beta-binomial log-likelihood of every problem at every node, ``(P, K)``, binomial
    constants included. Only :math:`\\ln\\Gamma(c + a)` and
    :math:`\\ln\\Gamma(n - c + b)` vary over problems x checkpoints x nodes; the rest of
    :math:`\\ln B(c + a, n - c + b) - \\ln B(a, b)` is per node or per count, and a count
    not asked (``n = 0``) contributes nothing."""
    a, b = node_beta(L[:, None], g[None, :], nu)
    cells = jnp.sum(gammaln(c[..., None] + a[:, None, :]) + gammaln((n - c)[..., None] + b[:, None, :]), axis=0)
    per_node = jnp.sum(gammaln(a) + gammaln(b), axis=0)
    per_count = jnp.sum(gammaln(nu) - gammaln(n + nu) + log_binomial(n, c), axis=0)
    return cells - per_node[None, :] + per_count[:, None]


def bb_marginal_grid(log_nu, v, log_pi0, log_pi, g, logN, logD, n, c):
    """Marginal log-likelihood of the counts with a Beta-binomial of concentration
    ``exp(log_nu)`` around each node (binomial constants included), at every ``log_nu``
    (``log_pi``: the bins' log masses, ``g``: the nodes)."""
    solved = jnp.any(c > 0, axis=0)
    L = latent_loss(v, logN, logD)

    def one(ln):
        return jnp.sum(posterior(bb_node_loglik(L, g, jnp.exp(ln), n, c), log_pi0, node_log_weights(log_pi), solved)[1])

    return jax.lax.map(one, log_nu)

