r"""``t2-irt``'s predictive of held-out counts, problem by problem.

Each problem's posterior over difficulty (atom and nodes) given the counts the fit saw
predicts its count at a new checkpoint by the Beta-binomial around each node. A
checkpoint's ability also scatters about the fitted surface (real training runs are not
smooth in ``D``: on Pythia GSM8K some small models get worse late in training), and that
scatter is shared by all of a checkpoint's problems: the predictive integrates a shift
:math:`\varepsilon_j \sim N(0, \tau^2)` of the checkpoint's latent loss out of each count
(:data:`HERMITE`-point Gauss-Hermite). :math:`\tau` is chosen from :data:`TAUS` by
leave-one-checkpoint-out cross-validation on the training counts: each training
checkpoint's counts scored by the same predictive, from the problems' posteriors given
the other checkpoints (each problem's :data:`TOP` most probable nodes). ``tau = 0`` is
the predictive without the shift. The law's pass@k (the population at the surface) is
unchanged.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from t2jax.families.t2_irt.laws import log_weights, node_beta, nodes
from t2jax.families.t2_irt.likelihood import posterior
from t2jax.laws.beta import beta_binomial_logpmf
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.precision import x64

#: the standard deviations (logits of latent loss) of a checkpoint's shift tried
TAUS = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0)
HERMITE = 15  #: Gauss-Hermite points over the shift
TOP = 64  #: each problem's most probable nodes in the cross-validation


def _counts(s):
    return (s.N, s.D, np.where(s.observed, s.n, 0.0), np.where(s.observed, s.c, 0.0))


@x64
def problem_predictive(params, train, test, tau=None):
    """Log predictive probability of each count of ``test`` (checkpoints x problems) from
    each problem's posterior over difficulty given ``train``'s counts (the same problems),
    with a checkpoint shift of standard deviation ``tau`` (default :func:`choose_tau`)."""
    solved = np.any(np.where(train.observed, train.c, 0) > 0, axis=0)
    tau = choose_tau(params, train) if tau is None else float(tau)
    return np.where(test.observed, np.asarray(_predictive(params, _counts(train), _counts(test), solved, tau)), np.nan)


@x64
def choose_tau(params, train) -> float:
    """The :data:`TAUS` value with the best leave-one-checkpoint-out log score of ``train``."""
    solved = np.any(np.where(train.observed, train.c, 0) > 0, axis=0)
    return float(TAUS[int(np.argmax(np.asarray(loo_scores(params, _counts(train), solved))))])


def _node_ll(params, g, N, D, n, c, shift):
    """Beta-binomial log-probabilities (checkpoints x problems x nodes ``g``, ``g`` of
    shape (nodes,) or (problems, nodes)) at the surface's loss plus ``shift``."""
    a, b = node_beta((chinchilla_loss(params, N, D) + shift)[:, None, None], g, params["nu"])
    return beta_binomial_logpmf(a, b, n[..., None], c[..., None])


def _mixture(log_r, ll, c):
    """Each count's log probability under a problem posterior ``log_r`` (atom first)."""
    at_zero = jnp.where(c == 0, 0.0, -jnp.inf)  # the unsolvable atom predicts no success
    return logsumexp(jnp.concatenate([(log_r[..., 0] + at_zero)[..., None], log_r[..., 1:] + ll], -1), axis=-1)


def _shifted(score, taus):
    """``log E[exp(score(tau x))]``, ``x ~ N(0, 1)``, for every ``tau`` (Gauss-Hermite)."""
    x, w = np.polynomial.hermite_e.hermegauss(HERMITE)
    shifts = (jnp.asarray(taus)[:, None] * x[None, :]).reshape(-1)
    per = jax.lax.map(score, shifts).reshape((len(taus), HERMITE) + score(shifts[0]).shape)
    log_w = jnp.log(w / w.sum()).reshape((1, HERMITE) + (1,) * (per.ndim - 2))
    return logsumexp(per + log_w, axis=1)


def _problem_posterior(params, train, solved):
    ll = _node_ll(params, nodes(params), *train, 0.0)
    log_pi0, log_pi = log_weights(params)
    r, _ = posterior(jnp.sum(ll, axis=0), log_pi0, log_pi, solved)
    return jnp.log(r), ll


@jax.jit
def _predictive(params, train, test, solved, tau):
    log_r, _ = _problem_posterior(params, train, solved)
    score = lambda s: _mixture(log_r, _node_ll(params, nodes(params), *test, s), test[3])
    return _shifted(score, jnp.asarray(tau)[None])[0]


@jax.jit
def loo_scores(params, train, solved):
    """The training counts' total log score at every :data:`TAUS` value, each checkpoint
    predicted from the problems' posteriors with its own counts divided out."""
    log_r, ll = _problem_posterior(params, train, solved)
    top, idx = jax.lax.top_k(log_r[:, 1:], TOP)  # (P, TOP)
    loo = top[None] - jnp.take_along_axis(ll, jnp.broadcast_to(idx[None], ll.shape[:2] + (TOP,)), -1)
    loo = jnp.concatenate([jnp.broadcast_to(log_r[None, :, :1], loo.shape[:2] + (1,)), loo], -1)
    loo = loo - logsumexp(loo, axis=-1, keepdims=True)
    g = nodes(params)[idx]
    score = lambda s: _mixture(loo, _node_ll(params, g[None], *train, s), train[3])
    return jnp.sum(_shifted(score, jnp.asarray(TAUS)), axis=(1, 2))
