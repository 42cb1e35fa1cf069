r"""Uncertainty of the joint T² model (:mod:`t2jax.families.t2_joint.laws`): a numpyro posterior and
a vectorised bootstrap, both from the per-problem counts.

**Posterior.** :func:`joint_model` is the likelihood of :mod:`t2jax.families.t2_joint.fit`
(:func:`~t2jax.laws.beta.beta_binomial_logpmf`, whose ``betaln`` has a closed-form
derivative) over the distinct counts of each checkpoint
(weighted by how many problems share them; problems a checkpoint did not attempt are
left out), with N and D divided by their geometric means.

Where accuracy is low, :math:`\mu \approx \theta_2 e^{-L}` and the counts pin only
:math:`\log\theta_2 - E` (and :math:`\log\nu` at the floor, :math:`\theta_3 + \theta_4 E`),
not :math:`\theta_2` and :math:`E` apart: a curved ridge NUTS cannot cross. The model
therefore samples those identified combinations, :math:`m_0 = \log\theta_2 - E` and
:math:`c_3 = \theta_3 + \theta_4 E`, with :math:`\theta_2` itself (then only as far as
the data reach saturation; otherwise its prior). Priors, weakly informative on the
scaled problem:

.. math::
   m_0 \sim \mathcal N(0, 10),\quad \log A_s, \log B_s \sim \mathcal N(0, 5),\quad
   \alpha, \beta \sim \mathrm{Uniform}(0.01, 2),\quad \theta_2 \sim \mathrm{Uniform}(0, 1),\quad
   c_3, \theta_4 \sim \mathcal N(0, 10).

:math:`m_0` is minus the logit-scale floor of the success rate (a prior from 1e-4 to
0.9999 within one standard deviation); the scaled coefficients span :math:`e^{\pm 10}`;
the exponents cover the range the grid fitters search; :math:`\theta_2 \le 1` keeps
every Beta mean below 1, and :math:`\nu` is clipped to the range the likelihood can
evaluate, as in the fit. :func:`joint_posterior` runs NUTS from the maximum-likelihood
fit with a dense mass matrix started at its Laplace covariance
(:func:`laplace_covariance`), and warns on R-hat, effective sample size and divergences.
Draws and diagnostics are reported in the law's parameters.

**Bootstrap.** :func:`bootstrap_joint` resamples problems (columns of the counts:
every checkpoint's answers to a problem move together, so problem difficulty shared
across checkpoints is kept), or checkpoints (``"groups"``), and refits every resample
by Newton from the maximum-likelihood fit, all resamples in one vmapped program.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.data.passk_table import as_table, counts_of
from t2jax.errors import T2JaxError, warn
from t2jax.families.t2_joint.fit import (
    beta_params,
    count_loglik,
    counts_arrays,
    distinct_counts,
    fit_joint,
    joint_derivatives,
    newton_joint,
    to_params,
    to_unconstrained,
)
from t2jax.fitting.result import FitWarning
from t2jax.families.t2_joint.laws import JOINT_PARAMS
from t2jax.precision import x64
from t2jax.programs import program
from t2jax.uncertainty.batched import batch_mesh, map_rows, staged_newton
from t2jax.uncertainty.nuts import EXPONENT_PRIOR, LOG_COEF_SCALE, chain_diagnostics, diagnostic_problems, run_nuts
from t2jax.uncertainty.resample import point_weights
from t2jax.uncertainty.results import BootstrapResult, PosteriorResult
from t2jax.validate import check_count, check_seed

QUICK_ITERATIONS = 30  #: the bulk pass of the bootstrap; the unconverged few continue to MAX_ITERATIONS
MAX_ITERATIONS = 200


def joint_model(logN, logD, checkpoint, n, c, multiplicity):
    """numpyro model of the joint T² likelihood on scaled covariates. The counts come as
    distinct ``(checkpoint, n, c)`` triples with their multiplicities
    (:func:`~t2jax.families.t2_joint.fit.distinct_counts`):
    the likelihood is the same, and far cheaper where many problems share a count."""
    import numpyro
    import numpyro.distributions as dist

    m0 = numpyro.sample("m0", dist.Normal(0.0, 10.0))
    log_A = numpyro.sample("log_A", dist.Normal(0.0, LOG_COEF_SCALE))
    log_B = numpyro.sample("log_B", dist.Normal(0.0, LOG_COEF_SCALE))
    alpha = numpyro.sample("alpha", dist.Uniform(*EXPONENT_PRIOR))
    beta = numpyro.sample("beta", dist.Uniform(*EXPONENT_PRIOR))
    theta2 = numpyro.sample("theta2", dist.Uniform(0.0, 1.0))
    c3 = numpyro.sample("c3", dist.Normal(0.0, 10.0))
    theta4 = numpyro.sample("theta4", dist.Normal(0.0, 10.0))
    u = sites_to_u({"m0": m0, "log_A": log_A, "log_B": log_B, "alpha": alpha, "beta": beta, "theta2": theta2,
                    "c3": c3, "theta4": theta4}, jnp)
    a, b, _ = beta_params(u, logN, logD)
    numpyro.factor("counts", jnp.sum(multiplicity * count_loglik(a, b, n, c, checkpoint)))


SITES = ("m0", "log_A", "log_B", "alpha", "beta", "theta2", "c3", "theta4")


def sites_to_u(s: dict, xp=np):
    """The fit's coordinates ``u`` (last axis) from the model's sites: ``E = log theta2 - m0``,
    ``theta3 = c3 - theta4 E``."""
    t2 = s["theta2"]
    E = xp.log(t2) - s["m0"]
    return xp.stack([E, s["log_A"], s["log_B"], xp.log(s["alpha"]), xp.log(s["beta"]), xp.log(t2) - xp.log1p(-t2),
                     s["c3"] - s["theta4"] * E, s["theta4"]], -1)


def u_to_sites(u, xp=np) -> dict:
    """Inverse of :func:`sites_to_u` (one point)."""
    t2 = 1.0 / (1.0 + xp.exp(-u[5]))
    return dict(zip(SITES, (xp.log(t2) - u[0], u[1], u[2], xp.exp(u[3]), xp.exp(u[4]), t2, u[6] + u[7] * u[0], u[7])))


def _unconstrained(u):
    """numpyro's unconstrained coordinates of the sites at ``u`` (``alpha, beta`` through
    the logit of their Uniform prior's interval, ``theta2`` through its logit)."""
    s = u_to_sites(u, jnp)
    lo, hi = EXPONENT_PRIOR
    scaled = lambda x: jnp.log(x - lo) - jnp.log(hi - x)
    return jnp.stack([s["m0"], s["log_A"], s["log_B"], scaled(s["alpha"]), scaled(s["beta"]), u[5], s["c3"],
                      s["theta4"]])


def joint_posterior(data, *, ks=None, point=None, num_chains: int = 4, num_warmup: int = 1000,
                    num_samples: int = 1000, seed: int = 0, rhat_max: float = 1.01, progress_bar=None):
    """NUTS posterior of ``t2-joint`` from counts; a :class:`~t2jax.uncertainty.PosteriorResult`
    whose draws are raw parameters (plus ``chain``); diagnostics are per raw parameter.
    The chains start at the maximum-likelihood fit ``point`` (computed when not given)."""
    check_seed(seed)
    counts = counts_of(data, as_table(data, ks))
    point = point or fit_joint(counts)
    return _joint_posterior(counts, point, num_chains, num_warmup, num_samples, seed, rhat_max, progress_bar)


@x64
def _joint_posterior(counts, point, num_chains, num_warmup, num_samples, seed, rhat_max, progress_bar):
    logN, logD, n, c, w, scale = counts_arrays(counts)
    u = to_unconstrained(point.params, scale)
    u = np.concatenate([u[:3], np.log(np.clip(np.exp(u[3:5]), 0.011, 1.99)), np.clip(u[5:6], -13.8, 13.8), u[6:]])
    init = u_to_sites(u)
    args = tuple(jnp.asarray(a) for a in (logN, logD, *distinct_counts(n, c, w)[:4]))
    mass = laplace_covariance(u, (logN, logD, n, c, w))
    samples, divergences, seconds = run_nuts(joint_model, {k: jnp.asarray(v) for k, v in init.items()}, args,
                                             num_chains=num_chains, num_warmup=num_warmup, num_samples=num_samples,
                                             seed=seed, progress_bar=progress_bar, dense_mass=[SITES],
                                             inverse_mass_matrix={SITES: mass})
    raw = to_params(sites_to_u({k: np.asarray(v) for k, v in samples.items()}), scale)  # (chains, draws) each
    diagnostics = chain_diagnostics(raw)
    draws = pd.DataFrame({k: raw[k].reshape(-1) for k in JOINT_PARAMS})
    draws["chain"] = np.repeat(np.arange(num_chains), num_samples)
    problems = diagnostic_problems(diagnostics, divergences, num_chains, rhat_max)
    if problems:
        warn("NUTS diagnostics (t2-joint): " + "; ".join(problems), FitWarning)
    return PosteriorResult(point, draws, diagnostics, divergences, seconds, "Beta-binomial counts")


def laplace_covariance(u, arrays) -> np.ndarray:
    """The maximum-likelihood fit's inverse Hessian in numpyro's unconstrained coordinates
    of :func:`joint_model` (a starting mass matrix, so warm-up does not begin from the
    identity on parameters whose scales differ by orders of magnitude). Curvature is
    floored at 1 per direction, so a direction the counts do not pin (a parameter at
    its bound) starts with unit scale."""
    u = jnp.asarray(u)
    _, _, H = joint_derivatives(u, *(jnp.asarray(a) for a in arrays))
    H = np.asarray(H) * float(np.sum(arrays[-1]))
    lam, vec = np.linalg.eigh(0.5 * (H + H.T))
    cov_u = (vec / np.maximum(lam, 1.0)) @ vec.T
    jac = np.asarray(jax.jacobian(_unconstrained)(u))
    return jac @ cov_u @ jac.T


@program(static_argnames=("chunk", "max_iter", "mesh"), storable=lambda mesh=None, **_: mesh is None)
def joint_refits(u0s, logN, logD, beta, n, c, index, observed, row_weights, column_weights, chunk: int,
                 max_iter: int = 200, mesh=None):
    """Newton from ``u0s`` (a row per resample) on every resample: checkpoint weights
    ``(R, J)`` times problem weights ``(R, P)`` of the observed cells, summed onto the
    distinct counts (rows ``beta, n, c``; cell ``(j, i)`` at ``index[j, i]``), ``chunk``
    resamples at a time."""

    def one(rw, cw, u0):
        w = jnp.zeros(c.shape, c.dtype).at[index].add(observed * rw[:, None] * cw[None, :])
        res = newton_joint(u0, logN, logD, n, c, w, max_iter, beta)
        return res.x, res.value, res.converged

    return map_rows(one, (row_weights, column_weights, u0s), chunk, mesh)


def bootstrap_joint(data, n_resamples: int = 1000, *, seed: int = 0, resample: str = "problems", ks=None,
                    point=None, devices=None, progress=None):
    """Bootstrap of ``t2-joint``: resample problems (default) or checkpoints (``"groups"``)
    with replacement and refit each resample; a :class:`~t2jax.uncertainty.BootstrapResult`
    whose ``weights`` are the problem (or checkpoint) multiplicities. Every refit starts
    from the maximum-likelihood fit ``point`` (computed when not given) and runs through
    the batched driver (:func:`~t2jax.uncertainty.batched.staged_newton`: ``heavy``
    chunks, sharded over ``devices``, a progress bar on long runs)."""
    seed, n_resamples = check_seed(seed), check_count("n_resamples", n_resamples)
    if resample not in ("problems", "groups"):
        raise T2JaxError(f"t2-joint resamples 'problems' or 'groups' (checkpoints), not {resample!r}")
    counts = counts_of(data, as_table(data, ks))
    return _bootstrap_joint(counts, point or fit_joint(counts), n_resamples, seed, resample, batch_mesh(devices),
                            progress)


@x64
def _bootstrap_joint(counts, point, R, seed, resample, mesh, progress):
    logN, logD, n, c, w, scale = counts_arrays(counts)
    J, P = n.shape
    W = point_weights(seed, P if resample == "problems" else J, R)
    rows, cols = (np.ones((R, J)), W) if resample == "problems" else (W, np.ones((R, P)))
    u0 = jnp.asarray(to_unconstrained(point.params, scale))
    start = time.perf_counter()
    d = distinct_counts(n, c, w)
    shared = tuple(jnp.asarray(a) for a in (logN, logD, d.beta, d.n, d.c, d.index, w))
    refit = lambda rc, u, it, chunk, m: joint_refits(u, *shared, *rc, chunk=chunk, max_iter=it, mesh=m)
    U, value, converged = staged_newton(refit, (rows, cols), np.broadcast_to(u0, (R, u0.size)),
                                        quick=QUICK_ITERATIONS, full=MAX_ITERATIONS, kind="heavy", mesh=mesh,
                                        progress=progress, label="t2-joint refits")
    draws = pd.DataFrame(to_params(U, scale))
    draws["objective"] = value
    draws["converged"] = converged & np.all(np.isfinite(U), axis=1)
    out = BootstrapResult(point, draws, W, seed, resample, time.perf_counter() - start)
    if out.n_failed:
        warn(f"{out.n_failed} of {R} t2-joint bootstrap refits did not converge; intervals use the others", FitWarning)
    return out
