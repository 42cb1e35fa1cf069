r"""NUTS posterior of ``t2-irt``'s population parameters, every problem's difficulty
integrated out on the bins' nodes (the marginal likelihood the EM maximises: the 1PL binomial
counts, :func:`~t2jax.families.t2_irt.likelihood.node_loglik`).

Sites, on covariates scaled by their geometric means:

.. math::
   \log A_s, \log B_s \sim \mathcal N(0, 5), \quad \alpha, \beta \sim \mathrm{Uniform}(0.01, 2),

   \eta_1 \sim \mathcal N(0, 5), \quad \eta_{k+1} - \eta_k \sim \mathcal N(0, s^2\,\Delta g), \quad
   \eta_0 \sim \mathcal N(0, 5), \quad (\pi_0, \pi_1, \dots, \pi_K) = \mathrm{softmax}(\eta_0, \eta_1, \dots, \eta_K),

a Brownian prior on the log masses of the difficulty bins (scale :data:`SMOOTHNESS`
per square-root logit; :math:`\Delta g` is the bin width): nearby difficulties get
similar weight, and a bin far from every problem gets little mass, where a flat
Dirichlet on 65 weights would spread a third of the mass over empty bins. The bins
and the Beta-binomial concentration :math:`\nu` stay at the point fit's, as in the
bootstrap. The chains start at the point fit (empty nodes' weights floored at
:data:`FLOOR`) with a Laplace approximation of the log posterior as the starting dense
mass matrix. Diagnostics are reported for the surface, the unsolvable atom and the mean
difficulty (single weights of empty nodes have no meaning of their own).

The unsolvable atom is sampled only when the point fit gives it at least
:data:`ATOM_PROBLEMS` problems' worth of mass; below that it is held at the point fit's
weight. A problem no checkpoint solved is explained as well by the atom as by the hardest
occupied nodes, and with little mass on either the two log weights trade along an L-shaped
ridge (one of them free to fall to minus infinity) that NUTS diverges on.

The likelihood is the binomial one: with thousands of samples per problem, any problem x
checkpoint interaction makes it over-confident, and intervals then are too narrow on
real data; the problem bootstrap (resampling problems) does not depend on it.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pandas as pd
from jax.scipy.special import logsumexp

from t2jax.errors import warn
from t2jax.families.t2_irt.likelihood import counts_arrays, latent_loss, node_loglik, posterior
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, M, WEIGHTS, grid, node_log_weights
from t2jax.fitting.result import FitWarning
from t2jax.precision import x64
from t2jax.uncertainty.nuts import (EXPONENT_PRIOR, LOG_COEF_SCALE, chain_diagnostics, diagnostic_problems,
                                    laplace_mass, run_nuts)
from t2jax.uncertainty.results import PosteriorResult

SMOOTHNESS = 1.5  #: prior scale of the log weights' change per square-root logit of difficulty
FLOOR = 1e-4  #: point-fit weights below this are empty (the starting weight of a node kept empty)
MARGIN = 4  #: empty nodes kept on each side of the point fit's support
ATOM_PROBLEMS = 1.0  #: the atom is sampled when the point fit puts this many problems' mass on it
SURFACE_SITES = ("log_A", "log_B", "alpha", "beta")


def irt_model(logN, logD, n, c, g, solved, log_atom=None):
    """numpyro model of the counts with every difficulty integrated out on the nodes ``g``
    (whole bins, :data:`~t2jax.families.t2_irt.laws.M` nodes each) and the unsolvable
    atom, whose log weight is a site when ``log_atom`` is None and held at ``log_atom``
    otherwise."""
    import numpyro
    import numpyro.distributions as dist

    log_A = numpyro.sample("log_A", dist.Normal(0.0, LOG_COEF_SCALE))
    log_B = numpyro.sample("log_B", dist.Normal(0.0, LOG_COEF_SCALE))
    alpha = numpyro.sample("alpha", dist.Uniform(*EXPONENT_PRIOR))
    beta = numpyro.sample("beta", dist.Uniform(*EXPONENT_PRIOR))
    eta = {"eta_first": numpyro.sample("eta_first", dist.Normal(0.0, LOG_COEF_SCALE)),
           "eta_steps": numpyro.sample("eta_steps", dist.Normal(jnp.zeros(g.size // M - 1), SMOOTHNESS * jnp.sqrt(
               g[M] - g[0])).to_event(1))}
    if log_atom is None:
        eta["eta_atom"] = numpyro.sample("eta_atom", dist.Normal(0.0, LOG_COEF_SCALE))
    log_w = log_weights_of(eta, -jnp.inf if log_atom is None else log_atom)
    v = jnp.stack([log_A, log_B, jnp.log(alpha), jnp.log(beta)])
    numpyro.factor("counts", jnp.sum(posterior(node_loglik(latent_loss(v, logN, logD), g, n, c), log_w[0],
                                               node_log_weights(log_w[1:]), solved)[1]))


def log_weights_of(eta: dict, log_atom=-jnp.inf):
    """``log (pi_0, pi_nodes)`` from the weight sites (last axis: atom, then nodes); without
    an ``eta_atom`` site the atom's log weight is ``log_atom`` and the nodes share the rest."""
    first, steps = jnp.asarray(eta["eta_first"]), jnp.asarray(eta["eta_steps"])
    nodes = first[..., None] + jnp.concatenate([jnp.zeros_like(steps[..., :1]), jnp.cumsum(steps, axis=-1)], -1)
    if "eta_atom" in eta:
        full = jnp.concatenate([jnp.asarray(eta["eta_atom"])[..., None], nodes], -1)
        return full - logsumexp(full, axis=-1, keepdims=True)
    nodes = nodes - logsumexp(nodes, axis=-1, keepdims=True) + jnp.log1p(-jnp.exp(log_atom))
    return jnp.concatenate([jnp.full(first.shape + (1,), log_atom), nodes], -1)


def support(params, problems: int) -> tuple:
    """``(first node, last node, log_atom)`` the posterior keeps: the point fit's nodes
    with weight at least :data:`FLOOR`, :data:`MARGIN` more each side, and the unsolvable
    atom as a site (``log_atom`` None) if the point fit gives it :data:`ATOM_PROBLEMS` of
    the ``problems`` (the counts then hold problems no checkpoint solved), else its point
    log weight. Outside the nodes kept the weights are empty, whose log weights the
    likelihood bounds only from above (a wall NUTS diverges on); they would carry almost no
    mass."""
    w = np.array([params[n] for n in WEIGHTS])
    kept = np.flatnonzero(w >= FLOOR)
    first, last = max(int(kept[0]) - MARGIN, 0), min(int(kept[-1]) + MARGIN, K - 1)
    atom = float(params["w_unsolvable"])
    return first, last, None if atom * problems >= ATOM_PROBLEMS else float(np.log(atom) if atom > 0 else -np.inf)


def start_sites(params, scale, problems: int) -> dict:
    """The sites at the point fit (kept weights floored at :data:`FLOOR`)."""
    first, last, log_atom = support(params, problems)
    eta = np.log(np.maximum([params[n] for n in WEIGHTS[first:last + 1]], FLOOR))
    clip = lambda x: float(np.clip(x, EXPONENT_PRIOR[0] * 1.1, EXPONENT_PRIOR[1] * 0.99))
    sites = {"log_A": np.log(params["A"] / scale[0] ** params["alpha"]),
             "log_B": np.log(params["B"] / scale[1] ** params["beta"]), "alpha": clip(params["alpha"]),
             "beta": clip(params["beta"]), "eta_first": eta[0], "eta_steps": np.diff(eta)}
    return sites | ({"eta_atom": np.log(params["w_unsolvable"])} if log_atom is None else {})


def to_params(samples: dict, point_params, scale, problems: int) -> dict:
    """Raw ``t2-irt`` parameters of every draw (``(chains, draws)`` arrays)."""
    al, be = np.asarray(samples["alpha"]), np.asarray(samples["beta"])
    first, _, log_atom = support(point_params, problems)
    w = np.exp(np.asarray(log_weights_of(samples, -np.inf if log_atom is None else log_atom)))
    shape = al.shape
    out = {"E": np.zeros(shape), "A": np.exp(np.asarray(samples["log_A"])) * scale[0] ** al,
           "B": np.exp(np.asarray(samples["log_B"])) * scale[1] ** be, "alpha": al, "beta": be}
    out |= {name: np.full(shape, point_params[name]) for name in ("nu", "g_lo", "g_hi")}
    out["w_unsolvable"] = w[..., 0]
    nodes = np.zeros(shape + (K,))
    nodes[..., first:first + w.shape[-1] - 1] = w[..., 1:]
    return out | {name: nodes[..., k] for k, name in enumerate(WEIGHTS)}


@x64
def irt_posterior(counts, point, *, num_chains: int = 4, num_warmup: int = 1000, num_samples: int = 1000,
                  seed: int = 0, rhat_max: float = 1.01, progress_bar=None) -> PosteriorResult:
    """NUTS posterior of ``t2-irt`` from counts, starting at the maximum-likelihood fit ``point``."""
    logN, logD, n, c, scale = counts_arrays(counts)
    p = point.params
    g = grid(p["g_lo"], p["g_hi"]).reshape(K, M)
    problems = n.shape[1]
    first, last, log_atom = support(p, problems)
    args = tuple(jnp.asarray(a) for a in (logN, logD, n, c, g[first:last + 1].ravel(), np.any(c > 0, axis=0)))
    init = {k: jnp.asarray(v) for k, v in start_sites(p, scale, problems).items()}
    sites = SURFACE_SITES + ("eta_first", "eta_steps") + (("eta_atom",) if log_atom is None else ())
    kwargs = {"log_atom": log_atom}
    mass = laplace_mass(irt_model, args, init, sites, model_kwargs=kwargs)
    samples, divergences, seconds = run_nuts(irt_model, init, args, num_chains=num_chains, num_warmup=num_warmup,
                                             num_samples=num_samples, seed=seed, progress_bar=progress_bar,
                                             model_kwargs=kwargs, dense_mass=[sites],
                                             inverse_mass_matrix={sites: mass})
    raw = to_params(samples, p, scale, problems)
    weights = np.stack([raw[name] for name in WEIGHTS], -1)
    tracked = {k: raw[k] for k in ("A", "B", "alpha", "beta") + (("w_unsolvable",) if log_atom is None else ())}
    tracked["mean_difficulty"] = (weights @ g.mean(1)) / np.maximum(weights.sum(-1), 1e-300)
    diagnostics = chain_diagnostics(tracked)
    draws = pd.DataFrame({k: raw[k].reshape(-1) for k in IRT_PARAMS})
    draws["chain"] = np.repeat(np.arange(num_chains), num_samples)
    problems = diagnostic_problems(diagnostics, divergences, num_chains, rhat_max)
    if problems:
        warn("NUTS diagnostics (t2-irt): " + "; ".join(problems), FitWarning)
    return PosteriorResult(point, draws, diagnostics, divergences, seconds,
                           "binomial counts, difficulties integrated out on the grid")
