r"""Maximum likelihood of ``t2-irt`` (:mod:`t2jax.families.t2_irt.laws`) by EM, on the
structure of the 1PL model.

Within a node the binomial log-likelihood of a problem's counts is linear in the counts,
and :math:`\log\sigma(x) - \log\sigma(-x) = x`, so
:math:`\ell_{ik} = \sum_j c_{ij} x_{jk} + n_{ij}\log\sigma(-x_{jk})` with
:math:`x_{jk} = -L_j - g_k`: a rank-one term and one matrix product (problems x checkpoints
times checkpoints x nodes). The E step gives each problem's posterior over nodes
:math:`r_{ik}`; the M step sets each bin's mass to the mean posterior mass of its nodes
(maximum likelihood of the histogram) and refines the surface by Newton on
:math:`\sum_{jk} S^{(1)}_{jk}\log\sigma(x_{jk}) + S^{(2)}_{jk}\log\sigma(-x_{jk})`, whose
sufficient statistics :math:`S = C^\top R` are again matrix products, with its derivatives
in closed form through the latent losses. EM is accelerated by SQUAREM and stops when a
step gains less than :data:`EM_TOL` nats; all iterations are one compiled loop. The surface
starts from a Chinchilla fit to each checkpoint's logit solve rate; the bins span the
abilities it implies, 6 logits below and 20 above (hard problems a model rarely solves sit
far above its ability); EM then runs a second time on bins over the fitted surface's
abilities (:func:`fit_em`). Finally the concentration :math:`\nu` of the Beta-binomial
around each node is chosen by the marginal likelihood of the counts (surface and weights
held), on a log grid evaluated in one program and refined by a parabola
(:mod:`~t2jax.families.t2_irt.concentration`).

**Why 16 nodes a bin.** With hundreds of samples per problem, a problem's likelihood in its
difficulty is a peak a few hundredths of a logit wide. Integrated on nodes much coarser
than that, each problem's marginal rises and falls as the surface moves its peak across
the nodes, and the likelihood of the surface is rippled with local optima that EM stops
in. Measured on simulated studies of 42 checkpoints x 130 problems x 1,000 samples: with
the 64 bin centres as point masses, EM from the start ended 9,245 nats below EM from the
true surface (a logit-normal truth), chose a concentration of 160-240 (absorbing the
misplaced problems) and put N* 1.6-2.7x off; with 8 nodes a bin, 10-50 nats below on that
truth and 700 below on t2-irt's own model (N* 1.1-1.3x off); with 16 nodes (0.03 logits
apart on these designs) or 32, EM from the start and from the truth agree to 7 nats.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.families.power_sum.laws import CHINCHILLA
from t2jax.families.t2_irt.concentration import NU_GRID, concentration, occupied_bins
from t2jax.families.t2_irt.laws import K, WEIGHTS, bin_sums, grid, node_log_weights
from t2jax.families.t2_irt.likelihood import counts_arrays, latent_loss, node_loglik, posterior
from t2jax.fitting.engine import fit_power_law
from t2jax.fitting.newton import minimize
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.precision import x64
from t2jax.programs import program
from t2jax.uncertainty.batched import map_rows

MAX_EM = 20000
#: Newton iterations of the surface within one M step: it converges in a few from the last
#: step's surface, and where it cannot meet its tolerance it stalls at the cap. Measured on
#: Pythia GSM8K and MATH: 15 and 50 give the same EM path (iterations equal, the marginal
#: to 5e-10 nats) and EM 1.9x (GSM8K) and 1.4x (MATH) faster; 5 left MATH's EM 43,000
#: nats short, in another optimum.
M_STEP_ITERATIONS = 15
#: EM stops when an (accelerated) step gains less than this many nats of marginal
#: log-likelihood: far below sampling noise (a parameter's standard error moves it by 0.5)
EM_TOL = 1e-4


def _surface_objective(v, logN, logD, g, s1, s2):
    x = -latent_loss(v, logN, logD)[:, None] - g[None, :]
    return -jnp.sum(s1 * jax.nn.log_sigmoid(x) + s2 * jax.nn.log_sigmoid(-x)) / jnp.sum(s1 + s2)


def surface_derivatives(v, logN, logD, g, s1, s2):
    """``(value, gradient, hessian)`` of :func:`_surface_objective` in closed form through
    the latent losses: the objective is a sum of per-checkpoint terms in :math:`L_j`, whose
    first and second derivatives take one pass over checkpoints x nodes; the chain rule to
    ``v`` needs only the ``J`` losses (autodiff of the full objective's hessian would make
    several passes over every node)."""
    L = latent_loss(v, logN, logD)
    x = -L[:, None] - g[None, :]
    total = jnp.sum(s1 + s2)
    p, q = jax.nn.sigmoid(x), jax.nn.sigmoid(-x)
    value = -jnp.sum(s1 * jax.nn.log_sigmoid(x) + s2 * jax.nn.log_sigmoid(-x)) / total
    d1 = jnp.sum(s1 * q - s2 * p, axis=1) / total  # d value / d L_j
    d2 = jnp.sum((s1 + s2) * p * q, axis=1) / total
    jac = jax.jacfwd(latent_loss)(v, logN, logD)
    curvature = jax.hessian(lambda u: d1 @ latent_loss(u, logN, logD))(v)
    return value, jac.T @ d1, jac.T @ (d2[:, None] * jac) + curvature


def em_map(theta, g, logN, logD, n, c, w, solved):
    """One EM iteration from ``theta = (log A_s, log B_s, log alpha, log beta, log pi_0,
    log pi_1..K)`` (the atom and the bins' masses; ``g`` the nodes): the next ``theta`` and
    the marginal log-likelihood at ``theta``."""
    v, lp0, lp = theta[:4], theta[4], theta[5:]
    r, total = posterior(node_loglik(latent_loss(v, logN, logD), g, n, c), lp0, node_log_weights(lp), solved)
    r = r * w[:, None]
    mean = jnp.concatenate([jnp.sum(r[:, :1], axis=0), bin_sums(jnp.sum(r[:, 1:], axis=0))]) / jnp.sum(w)
    s1, s2 = c @ r[:, 1:], (n - c) @ r[:, 1:]
    v = minimize(_surface_objective, v, logN, logD, g, s1, s2, max_iter=M_STEP_ITERATIONS,
                 derivatives=surface_derivatives).x
    log_w = jnp.log(jnp.maximum(mean, jnp.finfo(mean.dtype).tiny))  # a weight EM empties stays finite
    return jnp.concatenate([v, log_w]), jnp.sum(w * total)


def em_run(v0, log_pi0, log_pi, g, logN, logD, n, c, w, max_iter):
    """EM from ``(v0, log_pi0, log_pi)`` with problem weights ``w`` (multiplicities; ones for
    the data as observed), accelerated by SQUAREM (Varadhan & Roland 2008: two EM steps give
    a squared extrapolation, kept only if the marginal likelihood there is at least the
    first step's, then one stabilising EM step), to convergence or ``max_iter`` EM
    iterations: ``(v, log_pi0, log_pi, marginal, iterations, converged)``."""
    solved = jnp.any(c > 0, axis=0)
    F = lambda theta: em_map(theta, g, logN, logD, n, c, w, solved)

    def step(state):
        theta, last, it, _ = state
        t1, _ = F(theta)
        t2, m1 = F(t1)
        r, u = t1 - theta, t2 - 2.0 * t1 + theta
        a = jnp.minimum(-jnp.sqrt(jnp.sum(r**2) / jnp.maximum(jnp.sum(u**2), 1e-300)), -1.0)
        jump = theta - 2.0 * a * r + a**2 * u
        jump = jump.at[4:].add(-logsumexp(jump[4:]))  # weights sum to one again
        t3, m = F(jump)
        ok = jnp.isfinite(m) & (m >= m1) & jnp.all(jnp.isfinite(t3))
        theta, marginal = jnp.where(ok, t3, t2), jnp.where(ok, m, m1)
        done = jnp.abs(marginal - last) <= EM_TOL
        return theta, marginal, it + 3, done

    def going(state):
        return (state[2] < max_iter) & ~state[3]

    theta0 = jnp.concatenate([v0, jnp.atleast_1d(log_pi0), log_pi])
    theta0 = theta0.at[4:].set(jnp.maximum(theta0[4:], jnp.log(jnp.finfo(theta0.dtype).tiny)))
    theta, marginal, it, done = jax.lax.while_loop(going, step, (theta0, -jnp.inf, 0, False))
    return theta[:4], theta[4], theta[5:], marginal, it, done


def start(N, D, logN, logD, n, c):
    """EM's start: the surface of a Chinchilla fit to each checkpoint's logit solve rate,
    the bins over the abilities it implies, the atom at the share of problems never solved
    (with every problem solved somewhere its maximum-likelihood weight is 0, which EM only
    drains slowly, along a flat direction shared with the top bin: it starts there) and
    even bins: ``(v0, (g_lo, g_hi), log_pi0, log_pi)``."""
    rate = np.clip(c.sum(1) / np.maximum(n.sum(1), 1.0), 1e-4, 1 - 1e-4)
    y = -np.log(rate / (1 - rate))
    y = y - y.min() + 0.5
    with warnings.catch_warnings():  # a seed only: its E is not t2-irt's, and its bounds are not the fit's
        warnings.simplefilter("ignore", FitWarning)
        surface = fit_power_law(Runs(N, D, y), CHINCHILLA, "varpro").params
    s = np.exp(np.mean(np.log(N))), np.exp(np.mean(np.log(D)))
    al, be = max(surface["alpha"], 0.05), max(surface["beta"], 0.05)
    v0 = np.array([np.log(max(surface["A"], 1e-6) / s[0] ** al), np.log(max(surface["B"], 1e-6) / s[1] ** be),
                   np.log(al), np.log(be)])
    bins = span(v0, logN, logD, c)
    never = float(np.mean(~np.any(c > 0, axis=0)))
    log_pi0 = np.log(never) if never > 0 else np.log(np.finfo(float).tiny)
    return v0, bins, log_pi0, np.full(K, np.log((1.0 - np.exp(log_pi0)) / K))


def span(v, logN, logD, c) -> tuple[float, float]:
    """Centres of the first and last bin for the surface ``v``: from the lowest ability
    less 6 logits to the highest plus 20 (hard problems a model rarely solves sit far above
    its ability), over the checkpoints that solved something (one that solved nothing only
    bounds every difficulty from below, and a fit may put its ability anywhere under it)."""
    ability = -np.asarray(latent_loss(jnp.asarray(v), jnp.asarray(logN), jnp.asarray(logD)))
    some = np.asarray(c).sum(1) > 0
    ability = ability[some] if some.any() else ability
    return float(ability.min()) - 6.0, float(ability.max()) + 20.0


def rebin(log_pi, old, new) -> np.ndarray:
    """The bins' log masses moved from bins centred over ``old`` to bins over ``new`` (each
    mass uniform within its bin; mass beyond the new ends kept in the end bins), a
    hundredth spread evenly so that no bin starts empty (EM cannot refill one)."""
    edges = lambda b: b[0] + (b[1] - b[0]) / (K - 1) * (np.arange(K + 1) - 0.5)
    cdf = np.concatenate([[0.0], np.cumsum(np.exp(np.asarray(log_pi)))])
    at = np.interp(edges(new), edges(old), cdf)
    mass = np.diff(at)
    mass[0] += at[0]
    mass[-1] += cdf[-1] - at[-1]
    return np.log(0.99 * mass + 0.01 * cdf[-1] / K)


@program(static_argnames=("mesh",), storable=lambda mesh=None, **_: mesh is None)
def em_batch(V0, LP0, LP, G, logN, logD, n, C, mesh=None):
    """EM to convergence for every row (a study: its start ``V0, LP0, LP``, nodes ``G`` and
    counts ``C``, checkpoints x problems), one row at a time on each device."""
    ones = jnp.ones(n.shape[1], n.dtype)
    return map_rows(lambda v, a, p, g, c: em_run(v, a, p, g, logN, logD, n, c, ones, MAX_EM), (V0, LP0, LP, G, C), 1,
                    mesh)


def fit_em(V0, bins, LP0, LP, logN, logD, n, C, mesh=None) -> tuple:
    """EM for a batch of studies, twice: on bins over the start's abilities, then on bins
    over the fitted surface's (a start's surface can be far off, and bins it placed then
    cut into the problems the fit places), from the first pass with its masses moved
    (:func:`rebin`): ``(V, log_pi0, log_pi, marginal, iterations, converged, bins)``."""
    V, lp0, lp, _, first, _ = em_batch(V0, LP0, LP, np.stack([grid(*b) for b in bins]), logN, logD, n, C, mesh=mesh)
    V = np.asarray(V)
    again = [span(v, logN, logD, c) for v, c in zip(V, C)]
    LP = np.stack([rebin(row, old, new) for row, old, new in zip(np.asarray(lp), bins, again)])
    V, lp0, lp, marginal, second, done = em_batch(V, lp0, LP, np.stack([grid(*b) for b in again]), logN, logD, n, C,
                                                  mesh=mesh)
    return V, lp0, lp, marginal, np.asarray(first) + np.asarray(second), done, np.array(again)


def fit_states(N, D, logN, logD, n, C, mesh=None) -> tuple:
    """Maximum-likelihood fits of a batch of studies (counts ``C``, studies x checkpoints x
    problems): :func:`start` per study, :func:`fit_em`, then :func:`concentration`:
    ``(X, marginal, converged, best nu index, EM iterations, nu grid scores)``, ``X`` the
    EM states with their grid and log concentration (:func:`state_params`)."""
    starts = [start(N, D, logN, logD, n, c) for c in C]
    V0, bins, LP0, LP = (np.stack([s[i] for s in starts]) for i in range(4))
    V, lp0, lp, _, iterations, done, bins = fit_em(V0, bins, LP0, LP, logN, logD, n, C, mesh=mesh)
    X = np.concatenate([np.asarray(V), np.asarray(lp0)[:, None], np.asarray(lp), bins, np.zeros((len(C), 1))], 1)
    log_nu, best, value, scores = (np.asarray(a) for a in concentration(X, *(jnp.asarray(a) for a in (
        *occupied_bins(lp), logN, logD, n, C)), mesh=mesh))
    X[:, -1] = log_nu
    return X, value, np.asarray(done, bool), best, iterations, scores


def state_params(X, scale) -> dict:
    """Raw parameters of EM states ``X`` (rows: ``log A_s, log B_s, log alpha, log beta,
    log pi_0, log pi_1..K``, then ``g_lo, g_hi, log nu``), each a column over rows."""
    X = np.atleast_2d(np.asarray(X, np.float64))
    al, be = np.exp(X[:, 2]), np.exp(X[:, 3])
    return {"E": np.zeros(len(X)), "A": np.exp(X[:, 0]) * scale[0] ** al, "B": np.exp(X[:, 1]) * scale[1] ** be,
            "alpha": al, "beta": be, "nu": np.exp(X[:, K + 7]), "g_lo": X[:, K + 5], "g_hi": X[:, K + 6],
            "w_unsolvable": np.exp(X[:, 4])} | {name: np.exp(X[:, 5 + i]) for i, name in enumerate(WEIGHTS)}


#: expected successes (failures) below which a checkpoint cannot tell a difficulty from a
#: harder (easier) one
REACH = 0.01


def reach(g, L, n, level: float = REACH) -> tuple:
    """For difficulties ``g``, checkpoint losses ``L`` and sample counts ``n`` (checkpoints x
    problems): whether a problem there would be solved (more than ``level`` expected
    successes over all its samples, on the problem with the most at that difficulty) and
    whether it would be failed (more than ``level`` expected failures); a difficulty
    neither reaches is not informed by the counts."""
    x = np.asarray(g, np.float64)[:, None] + np.asarray(L, np.float64)[None]
    n = np.asarray(n, np.float64)
    return (np.max(np.exp(-np.logaddexp(0.0, x)) @ n, 1) > level,
            np.max(np.exp(-np.logaddexp(0.0, -x)) @ n, 1) > level)


def at_bounds(X, best, logN, logD, n) -> tuple:
    """Which parameters of the EM state ``X`` (one row) sit at a bound: nu at the grid's
    lower end (``best``; its upper end is the binomial limit, a Beta-binomial of
    concentration 3e5 inflating the variance of 10,000 samples by 3%, which counts without
    a problem x checkpoint interaction reach), mass in the bottom bin while a problem there
    could still fail (else it holds problems every checkpoint solves), or in the top bin
    while a problem there could still be solved (else it is the unsolvable atom by another
    name): :func:`reach`."""
    weights = np.exp(X[5 : K + 5])
    L = np.asarray(latent_loss(jnp.asarray(X[:4]), logN, logD))
    solvable, failable = reach(X[K + 5 : K + 7], L, n)
    edges = (("nu", best == 0), ("g_lo", weights[0] > 1e-3 and failable[0]),
             ("g_hi", weights[-1] > 1e-3 and solvable[1]))
    return tuple(name for name, hit in edges if hit)


@x64
def fit_irt(samples) -> FitResult:
    """Fit ``t2-irt`` by maximum likelihood of every count (EM on the binomial model, then
    the Beta-binomial concentration). ``objective`` is minus the marginal log-likelihood
    of the counts with the chosen concentration (binomial constants included)."""
    if samples.N.size < 4:
        raise T2JaxError(f"t2-irt needs at least 4 checkpoints; got {samples.N.size}")
    logN, logD, n, c, scale = counts_arrays(samples)
    X, value, done, best, iterations, scores = fit_states(samples.N, samples.D, logN, logD, n, c[None])
    params = {k: float(col[0]) for k, col in state_params(X[0], scale).items()}
    return FitResult("mle", "t2-irt", params, -float(value[0]), int(np.sum(samples.observed)), bool(done[0]),
                     at_bounds(X[0], int(best[0]), logN, logD, n),
                     {"em_iterations": int(iterations[0]),
                      "nu_grid": dict(zip(map(float, NU_GRID), map(float, scores[0])))})
