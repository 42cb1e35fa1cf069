r"""Maximum likelihood of the joint T² model (:mod:`t2jax.families.t2_joint.laws`) from per-problem counts.

The negative log-likelihood is the Beta-binomial log-pmf of every observed count
(:func:`~t2jax.laws.beta.beta_binomial_logpmf`), averaged; its per-checkpoint derivatives
are closed forms (:func:`~t2jax.laws.beta.beta_binomial_derivatives`). It is minimised over unconstrained coordinates

.. math:: u = (E, \log A, \log B, \log\alpha, \log\beta, \mathrm{logit}\,\theta_2, \theta_3, \theta_4),

with N and D divided by their geometric means (``A`` and ``B`` map back as
:math:`A_\mathrm{raw} = A\,s_N^{\alpha}`), so no fit or draw can leave the constraints
(:math:`\theta_2 \in (0, 1)`, positive Beta parameters). Starts come from structure
(:func:`seed`: per-checkpoint Beta fits, then the latent loss and a Chinchilla fit to
it), and the same start with the exponents moved across their usual range; damped
Newton with the exact Hessian finishes from each, and the best optimum is kept.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.data.runs import Runs
from t2jax.data.samples import Samples
from t2jax.errors import T2JaxError
from t2jax.fitting.betabinom import fit_beta_binomial_arrays
from t2jax.fitting.engine import fit_power_law
from t2jax.fitting.newton import minimize
from t2jax.fitting.result import FitResult
from t2jax.families.power_sum.laws import CHINCHILLA
from t2jax.families.t2_joint.laws import JOINT_PARAMS
from t2jax.laws.beta import beta_binomial_derivatives, beta_binomial_logpmf
from t2jax.precision import x64
from t2jax.programs import bucket, program
from t2jax.uncertainty.batched import chunk_for, map_rows

THETA2_BOUND = 1.0 - 1e-6  # theta2 above this is reported at its bound (1)
#: Range of log concentration the likelihood evaluates: beyond ~1e8 the Beta-binomial
#: log-pmf loses all precision (lgamma differences of huge numbers) and would reward
#: ever larger concentrations; a fit that reaches either end is flagged.
LOG_NU_RANGE = (-12.0, 18.0)


def beta_params(u, logN, logD):
    """Per-checkpoint Beta ``(a, b)`` and latent loss ``L`` at unconstrained ``u``."""
    E, la, lb, lal, lbe, lt2, t3, t4 = (u[i] for i in range(8))
    L = E + jnp.exp(la - jnp.exp(lal) * logN) + jnp.exp(lb - jnp.exp(lbe) * logD)
    mu = jax.nn.sigmoid(lt2) * jax.nn.sigmoid(-L)
    nu = jnp.exp(jnp.clip(t3 + t4 * L, *LOG_NU_RANGE))
    return mu * nu, (1.0 - mu) * nu, L


def count_loglik(a, b, n, c, beta=None):
    """Beta-binomial log-pmf of counts ``c`` of ``n``: checkpoints x problems, or, with
    ``beta`` (each count's checkpoint), a flat list of counts."""
    return beta_binomial_logpmf(*((a[:, None], b[:, None]) if beta is None else (a[beta], b[beta])), n, c)


def joint_nll(u, logN, logD, n, c, w, beta=None):
    """Mean negative log-likelihood over the weighted observed counts (``beta``: as
    :func:`count_loglik`)."""
    a, b, _ = beta_params(u, logN, logD)
    return -jnp.sum(w * count_loglik(a, b, n, c, beta)) / jnp.sum(w)


def joint_derivatives(u, logN, logD, n, c, w, beta=None):
    r"""Value, gradient and exact Hessian of :func:`joint_nll` by the chain rule through
    each checkpoint's :math:`g_j(u) = (\log a_j, \log b_j)`: the likelihood is a sum of
    per-checkpoint terms :math:`f_j(g_j(u))`, so only two-variable derivatives touch the
    counts, and :math:`\nabla^2 = \sum_j J_j^\top \nabla^2 f_j J_j + \partial f_j \cdot
    \nabla^2 g_j` comes from autodiff of the cheap quadratic model
    :math:`\sum_j \nabla f_j\cdot\delta_j + \tfrac12 \delta_j^\top\nabla^2 f_j\delta_j`,
    :math:`\delta_j = g_j(v) - g_j(u)`, at :math:`v = u` (4x fewer passes over the counts
    than autodiff of the whole likelihood)."""

    def g(v):
        a, b, _ = beta_params(v, logN, logD)
        return jnp.stack([jnp.log(a), jnp.log(b)], 1)

    g0 = g(u)
    if beta is None:
        value, grad, hess = jax.vmap(beta_binomial_derivatives)(g0[:, 0], g0[:, 1], n, c, w)
    else:  # a flat list of counts (e.g. distinct counts with multiplicities as w)
        value, grad, hess = beta_binomial_derivatives(g0[:, 0], g0[:, 1], n, c, w, beta)

    def model(v):
        d = g(v) - g0
        return jnp.sum(grad * d) + 0.5 * jnp.einsum("ji,jik,jk->", d, hess, d)

    total = jnp.sum(w)
    return jnp.sum(value) / total, jax.grad(model)(u) / total, jax.hessian(model)(u) / total


def newton_joint(u0, logN, logD, n, c, w, max_iter: int, beta=None):
    """Newton on :func:`joint_nll` from ``u0``, with the exact derivatives."""
    return minimize(joint_nll, u0, logN, logD, n, c, w, beta, max_iter=max_iter, derivatives=joint_derivatives)


def counts_arrays(samples, weights=None):
    """``(logN, logD, n, c, w, scale)``: scaled log covariates, counts made safe where
    unobserved (``n = 1, c = 0``, weight 0), and each count's weight (1, or ``weights``)."""
    obs = np.asarray(samples.observed, bool)
    scale = np.array([np.exp(np.mean(np.log(samples.N))), np.exp(np.mean(np.log(samples.D)))])
    n = np.where(obs, samples.n, 1.0)
    c = np.where(obs, samples.c, 0.0)
    w = obs.astype(np.float64)
    if weights is not None:
        weights = np.asarray(weights, np.float64)
        if weights.shape != w.shape or not np.all(np.isfinite(weights) & (weights >= 0)) or not np.any(weights * w > 0):
            raise T2JaxError(f"weights must be a {w.shape[0]} x {w.shape[1]} (checkpoint x problem) array of "
                             f"finite non-negative numbers, not all zero; got shape {weights.shape}")
        w = w * weights
    return np.log(samples.N / scale[0]), np.log(samples.D / scale[1]), n, c, w, scale


class DistinctCounts(NamedTuple):
    """Counts as one flat list of distinct ``(checkpoint, n, c)`` triples, sorted by
    checkpoint: ``beta`` (the checkpoint, whose Beta the triple follows), ``n``, ``c``,
    ``multiplicity`` (the summed weights of the cells that have it) and ``index`` (each
    cell's position in the list, to sum other weights, e.g. a resample's, the same way).
    The likelihood is a sum over cells, so it is the same sum over distinct triples
    weighted by their multiplicities, with fewer special-function evaluations: in a
    study of 200 problems at n = 2,048 about half of all counts are 0 and a checkpoint
    has about 70 distinct counts (5,300 triples instead of 15,200 cells). A batch of
    tables (leading axis) gives lists padded to one ``width`` with triples of no weight."""

    beta: np.ndarray
    n: np.ndarray
    c: np.ndarray
    multiplicity: np.ndarray
    index: np.ndarray

    @property
    def width(self) -> int:
        return int(self.c.shape[-1])


def distinct_counts(n, c, w, width: Optional[int] = None) -> DistinctCounts:
    """:class:`DistinctCounts` of a checkpoint x problem table ``(J, P)`` or a batch of
    tables ``(S, J, P)`` (``n, c, w`` broadcast), padded to ``width`` (default: the
    longest list rounded up to a sixteenth of its power of two, so tables of one design
    share a few compiled programs instead of one each)."""
    n, c, w = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (n, c, w)))
    single = c.ndim == 2
    if single:
        n, c, w = n[None], c[None], w[None]
    S, J, _ = c.shape
    key = n * (float(c.max()) + 1.0 if c.size else 1.0) + c  # (n, c) as one whole number, exact in float64
    order = np.argsort(key, axis=-1, kind="stable")
    ordered = np.take_along_axis(key, order, -1)
    first = np.concatenate([np.ones((S, J, 1), bool), ordered[..., 1:] != ordered[..., :-1]], -1)
    rank = np.cumsum(first, -1) - 1  # a cell's position among its checkpoint's distinct triples
    per_checkpoint = rank[..., -1] + 1
    offset = np.cumsum(per_checkpoint, 1) - per_checkpoint
    longest = int(per_checkpoint.sum(1).max()) if S else 1
    if width is None:
        width = bucket(longest, minimum=1)
    width = int(width)
    if width < longest:
        raise T2JaxError(f"distinct counts need width >= {longest}; got {width}")
    index = np.empty_like(rank)
    np.put_along_axis(index, order, rank + offset[..., None], -1)
    s_of, j_of = np.indices(c.shape)[:2]
    beta, nn, cc = np.full((S, width), J - 1), np.ones((S, width)), np.zeros((S, width))
    beta[s_of, index], nn[s_of, index], cc[s_of, index] = j_of, n, c
    mult = np.bincount((s_of * width + index).ravel(), weights=w.ravel(), minlength=S * width).reshape(S, width)
    out = DistinctCounts(beta, nn, cc, mult, index)
    return DistinctCounts(*(a[0] for a in out)) if single else out


def to_unconstrained(params: dict, scale) -> np.ndarray:
    al, be = params["alpha"], params["beta"]
    A, B = max(params["A"], 1e-300) / scale[0] ** al, max(params["B"], 1e-300) / scale[1] ** be
    t2 = min(max(params["theta2"], 1e-9), 1.0 - 1e-9)
    return np.array([params["E"], np.log(A), np.log(B), np.log(al), np.log(be), np.log(t2 / (1.0 - t2)),
                     params["theta3"], params["theta4"]])


def to_params(u, scale) -> dict:
    """Raw parameters at unconstrained ``u`` (``(8,)``: floats; ``(R, 8)``: arrays)."""
    u = np.asarray(u, np.float64)
    al, be = np.exp(u[..., 3]), np.exp(u[..., 4])
    raw = [u[..., 0], np.exp(u[..., 1]) * scale[0] ** al, np.exp(u[..., 2]) * scale[1] ** be, al, be,
           1.0 / (1.0 + np.exp(-u[..., 5])), u[..., 6], u[..., 7]]
    return dict(zip(JOINT_PARAMS, raw if u.ndim > 1 else map(float, raw)))


def starts(u0):
    """The structural start and the same with the exponents moved to 0.2 and 0.5."""
    moved = [u0.at[3].set(jnp.log(a)).at[4].set(jnp.log(b)) for a in (0.2, 0.5) for b in (0.2, 0.5)]
    return jnp.stack([u0] + moved)


@program
def refine(u0s, logN, logD, n, c, w, beta=None):
    """Newton from each start; the best optimum."""
    # starts in chunks (one at a time on CPU, where a vmapped start would wait for the slowest)
    runs = map_rows(lambda u: newton_joint(u, logN, logD, n, c, w, 300, beta), (u0s,), chunk_for("heavy", u0s.shape[0]))
    value = jnp.where(jnp.isfinite(runs.value), runs.value, jnp.inf)
    best = jnp.argmin(value)
    return runs.x[best], runs.value[best], runs.converged[best]


@program
def _per_checkpoint(n, c, w):
    """Beta-binomial MLE ``(mu, nu)`` of each checkpoint's counts."""
    x = jax.vmap(lambda n_, c_, w_: fit_beta_binomial_arrays(n_, c_, w_)[0])(n, c, w)
    a, b = jnp.exp(x[:, 0]), jnp.exp(x[:, 1])
    return a / (a + b), a + b


def seed(samples, arrays) -> jnp.ndarray:
    r"""Structural start: each checkpoint's Beta :math:`(\mu_j, \nu_j)`; for each
    :math:`\theta_2` on a grid above :math:`\max_j \mu_j`, the latent loss
    :math:`L_j = \log(\theta_2/\mu_j - 1)`, a Chinchilla fit to it (VarPro) and
    :math:`\log\nu_j` regressed on it; the candidate of least joint NLL."""
    import warnings

    logN, logD, n, c, w, scale = arrays
    mu, nu = (np.asarray(v) for v in _per_checkpoint(*(jnp.asarray(a) for a in (n, c, w))))
    # checkpoints that solved almost nothing can have degenerate Beta fits (the
    # concentration runs off, the mean lands anywhere): those take the mean solve rate
    # of their problems; every mean is kept half a success inside (0, 1) and every
    # concentration bounded
    rate = (w * c / n).sum(1) / w.sum(1)
    bad = ~np.isfinite(mu) | ~np.isfinite(nu) | (nu > 1e6) | (np.abs(mu - rate) > np.maximum(0.05, 0.5 * rate))
    mu = np.where(bad, rate, mu)
    half = 0.5 / (n * w).sum(1)
    mu, nu = np.clip(mu, half, 1.0 - half), np.clip(np.where(bad, 1.0, nu), 0.05, 1e6)
    best, best_value = None, np.inf
    nll, data = jax.jit(joint_nll), tuple(jnp.asarray(a) for a in (logN, logD, n, c, w))
    for theta2 in 1.0 - (1.0 - min(mu.max() * 1.02, 0.999)) * np.geomspace(1.0, 1e-3, 8):
        L = np.log(np.maximum(theta2 / mu - 1.0, 1e-12))
        shift = 0.1 - L.min()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            chin = fit_power_law(Runs(samples.N, samples.D, L + shift), CHINCHILLA, "varpro").params
        t3, t4 = np.linalg.lstsq(np.stack([np.ones_like(L), L], 1), np.log(nu), rcond=None)[0]
        params = chin | {"E": chin["E"] - shift, "theta2": theta2, "theta3": t3, "theta4": t4}
        u = jnp.asarray(to_unconstrained(params, scale))
        value = float(nll(u, *data))
        if value < best_value:
            best, best_value = u, value
    if best is None:
        raise T2JaxError("t2-joint fit: the likelihood is not finite at any structural start; check the counts")
    return best


def bounds_hit(params: dict, L) -> dict:
    """Per parameter, whether a fit sits at a bound: ``theta2`` at 1, the concentration at
    either end of :data:`LOG_NU_RANGE` at some checkpoint (``theta3``), an exponent
    outside (0.02, 2). ``params`` of one fit (floats, ``L`` per checkpoint) or of a batch
    (arrays, ``L`` batch x checkpoints): bools or bool arrays."""
    log_nu = np.asarray(params["theta3"])[..., None] + np.asarray(params["theta4"])[..., None] * L
    return {"theta2": np.asarray(params["theta2"]) > THETA2_BOUND,
            "theta3": np.any((log_nu <= LOG_NU_RANGE[0]) | (log_nu >= LOG_NU_RANGE[1]), axis=-1),
            **{e: ~((np.asarray(params[e]) > 0.02) & (np.asarray(params[e]) < 2.0)) for e in ("alpha", "beta")}}


@x64
def fit_joint(samples: Samples, weights=None) -> FitResult:
    """Fit ``t2-joint`` by maximum likelihood of every count. ``objective`` is the total
    negative log-likelihood. ``weights`` (checkpoint x problem, optional): each count's
    multiplicity, e.g. the probabilities of every possible count for an exact, noise-free
    study."""
    if samples.N.size < 4:
        raise T2JaxError(f"t2-joint needs at least 4 checkpoints; got {samples.N.size}")
    arrays = counts_arrays(samples, weights)
    logN, logD, n, c, w, scale = arrays
    u0 = seed(samples, arrays)
    d = distinct_counts(n, c, w)
    u, value, converged = refine(starts(u0), *(jnp.asarray(a) for a in (logN, logD, d.n, d.c, d.multiplicity, d.beta)))
    params = to_params(u, scale)
    if not np.isfinite(float(value)) or not all(np.isfinite(v) for v in params.values()):
        raise T2JaxError("t2-joint fit: the likelihood is not finite at any start; check the counts")
    _, _, L = beta_params(u, jnp.asarray(logN), jnp.asarray(logD))
    at_bound = tuple(name for name, hit in bounds_hit(params, np.asarray(L)).items() if hit)
    return FitResult("mle", "t2-joint", params, float(value) * float(w.sum()), int(np.sum(w > 0)), bool(converged), at_bound,
                     {"scale": {"N": float(scale[0]), "D": float(scale[1])}})
