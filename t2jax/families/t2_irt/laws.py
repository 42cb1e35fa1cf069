r"""The shared-difficulty T² law (``t2-irt``): problems keep their difficulty from one
checkpoint to the next.

Problem :math:`i` has a latent difficulty :math:`d_i` shared by every checkpoint;
checkpoint :math:`j` has ability :math:`-L_j`, a latent Chinchilla loss
:math:`L_j = E + A N_j^{-\alpha} + B D_j^{-\beta}` in logit units, and solves the problem
on each sample with probability :math:`p_{ij} = \sigma(-L_j - d_i)` (the one-parameter
logistic item-response model), spread by a Beta of concentration :math:`\nu` around it
(a problem x checkpoint interaction, so counts of 10,000 samples are not over-confident):

.. math:: c_{ij} \mid d_i \sim \mathrm{BetaBinomial}(n_{ij}, \mu_{ij}\nu, (1 - \mu_{ij})\nu),
          \qquad \mu_{ij} = \sigma(-L_j - d_i).

Difficulties follow a histogram: :data:`K` equal bins centred at
:math:`g_1 < \dots < g_K` (``g_lo`` to ``g_hi``) with masses ``w00 .. w63`` and a uniform
density within each bin, plus an atom of problems no model solves (``w_unsolvable``): any
shape, fitted by maximum likelihood. Each bin is integrated by :data:`M` midpoints (the
"nodes"). A continuous density within bins matters: with hundreds of samples per problem
each problem's difficulty is pinned to a few hundredths of a logit, far finer than a bin,
and a distribution of point masses on the bin centres would misplace every problem between
them (a misfit that a small concentration would then absorb, and that locks EM in poor
optima; :mod:`~t2jax.families.t2_irt.fit` has the measurements).

**Conventions.** The logistic slope is 1 (L in logit units), and :math:`E = 0`: a shift
of every :math:`L_j` is a shift of every difficulty, so difficulties are measured from the
infinite-compute model, whose ability is 0. Then

.. math:: 1 - \mathrm{pass}@k(N, D) = \pi_0 + \sum_k \pi_k\, \frac{B(a_k, b_k + k)}{B(a_k, b_k)},
          \qquad a_k = \mu_k\nu,\ b_k = (1 - \mu_k)\nu,\ \mu_k = \sigma(-L(N, D) - g_k),

the sum running over the nodes :math:`g_k` (here: each bin's :data:`M` midpoints), each
weighted by its bin's mass over :data:`M`; computed as a stable log miss rate (a
log-sum-exp over nodes).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from t2jax.laws.beta import beta_log_miss
from t2jax.laws.chinchilla import SURFACE, chinchilla_loss
from t2jax.laws.law import miss_rate_law

K = 64  #: difficulty bins
M = 16  #: nodes (midpoints) per bin
WEIGHTS = tuple(f"w{k:02d}" for k in range(K))
IRT_PARAMS = SURFACE + ("nu", "g_lo", "g_hi", "w_unsolvable") + WEIGHTS


def centres(g_lo, g_hi, offsets):
    """Points in every bin (bins centred from ``g_lo`` to ``g_hi``), bin by bin: at
    ``offsets`` (in bin widths from the centre) in each, ``(K * len(offsets),)``; host or
    traced."""
    xp = jnp if any(isinstance(x, jax.Array) for x in (g_lo, g_hi, offsets)) else np
    width = (g_hi - g_lo) / (K - 1)
    return (g_lo + width * xp.arange(K)[:, None] + width * xp.asarray(offsets)[None, :]).reshape(-1)


def grid(g_lo, g_hi):
    """The ``K * M`` nodes: each bin's ``M`` midpoints, bin by bin (host or traced)."""
    return centres(g_lo, g_hi, (np.arange(M) + 0.5) / M - 0.5)


def node_log_weights(log_w):
    """Each node's log weight from its bin's log mass (last axis: bins)."""
    return jnp.repeat(log_w, M, axis=-1) - jnp.log(M)


def bin_sums(r):
    """Node quantities summed within bins (last axis: nodes, bin by bin)."""
    return r.reshape(r.shape[:-1] + (-1, M)).sum(-1)


def nodes(params):
    """The difficulty nodes (:func:`grid`)."""
    return grid(jnp.asarray(params["g_lo"]), jnp.asarray(params["g_hi"]))


def log_masses(params):
    """``(log pi_0, log mass of each bin)``: the unsolvable atom and the bins."""
    w = jnp.stack([jnp.asarray(params[n]) for n in WEIGHTS])
    return jnp.log(jnp.asarray(params["w_unsolvable"])), jnp.log(w)


def log_weights(params):
    """``(log pi_0, log weight of each node)``: the unsolvable atom and the bins' masses
    spread over their nodes."""
    log_pi0, log_w = log_masses(params)
    return log_pi0, node_log_weights(log_w)


def node_beta(L, g, nu):
    """``(a, b)`` of the Beta around each node, ``mu = sigmoid(-L - g)``: ``a = mu nu``,
    ``b = (1 - mu) nu``, each from its own sigmoid (no cancellation) and kept above the
    smallest normal float, so a checkpoint far from a node gives a certain count, not NaN."""
    x = -L - g
    tiny = jnp.finfo(jnp.result_type(x)).tiny
    return jnp.maximum(jax.nn.sigmoid(x) * nu, tiny), jnp.maximum(jax.nn.sigmoid(-x) * nu, tiny)


#: Gauss-Legendre points a bin for pass@k. The miss rate's integrand varies on the scale of
#: a logit of difficulty at any k (``(1 - p)^k`` turns from 1 to 0 as ``k e^{-L-d}`` passes
#: 1, a factor e a logit), so 3 points a bin (exact for quintics) integrate it to ~1e-7;
#: the likelihood's sharp per-problem peaks need the finer midpoints (:data:`M`).
GAUSS = 3
_GL = np.polynomial.legendre.leggauss(GAUSS)


def irt_log_miss(params, N, D, k):
    """``log(1 - pass@k)`` over the difficulty distribution (:func:`irt_log_miss_at_loss`)."""
    return irt_log_miss_at_loss(params, chinchilla_loss(params, N, D), k)


def irt_log_miss_at_loss(params, L, k):
    """``log(1 - pass@k)`` at latent loss ``L`` over the difficulty distribution, stably
    (each bin integrated by :data:`GAUSS` Gauss-Legendre points)."""
    L, k = jnp.broadcast_arrays(jnp.asarray(L, jnp.result_type(float)), jnp.asarray(k, jnp.result_type(float)))
    g = centres(params["g_lo"], params["g_hi"], 0.5 * jnp.asarray(_GL[0]))
    log_pi0, log_w = log_masses(params)
    log_pi = (log_w[:, None] + jnp.log(0.5 * _GL[1])[None, :]).reshape(-1)
    a, b = node_beta(L[..., None], g, params["nu"])
    per_node = beta_log_miss(a, b, k[..., None]) + log_pi
    return logsumexp(jnp.concatenate([jnp.broadcast_to(log_pi0, L.shape)[..., None], per_node], -1), axis=-1)


T2_IRT = miss_rate_law(
    "t2-irt", ("N", "D", "k"), IRT_PARAMS, irt_log_miss, loss_log_miss=irt_log_miss_at_loss,
    constraints=(("A", "nonnegative"), ("B", "nonnegative"), ("alpha", "positive"), ("beta", "positive"),
                 ("nu", "positive"), ("w_unsolvable", "nonnegative")) + tuple((w, "nonnegative") for w in WEIGHTS),
    family="t2-irt", methods=("mle",), data="samples",
    description="shared problem difficulty (1PL logistic, histogram of difficulty) driven by a latent loss",
)
