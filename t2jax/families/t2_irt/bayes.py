r"""NUTS posterior of ``t2-irt``'s population parameters, every problem's difficulty
integrated out on the bins' nodes (the marginal likelihood the EM maximises: the 1PL binomial
counts, :func:`~t2jax.families.t2_irt.likelihood.node_loglik`).

Sites, on covariates scaled by their geometric means:

.. math::
   \log A_s, \log B_s \sim \mathcal N(0, 5), \quad \alpha, \beta \sim \mathrm{Uniform}(0.01, 2),

   \eta_1 \sim \mathcal N(0, 5), \quad \eta_{k+1} - \eta_k \sim \mathcal N(0, s^2\,\Delta g), \quad
   \eta_0 \sim \mathcal N(0, 5), \quad (\pi_0, \pi_1, \dots, \pi_K) = \mathrm{softmax}(\eta_0, \eta_1, \dots, \eta_K),

a Brownian prior on the log masses of the difficulty bins sampled (scale :data:`SMOOTHNESS`
per square-root logit; :math:`\Delta g` is the bin width): nearby difficulties get
similar weight, and a bin far from every problem gets little mass, where a flat
Dirichlet on 65 weights would spread a third of the mass over empty bins. The bins
and the Beta-binomial concentration :math:`\nu` stay at the point fit's, as in the
bootstrap. The chains start at the point fit (empty nodes' weights floored at
:data:`FLOOR`) with a Laplace approximation of the log posterior as the starting dense
mass matrix. Diagnostics are reported for the surface, the unsolvable atom and the mean
difficulty (single weights of empty nodes have no meaning of their own).

**Which bins are sampled** (:func:`support`): the point fit's occupied bins the counts
inform, :data:`MARGIN` more each side while still informed. A bin is informed when a problem there, over all its samples, would be expected
to be solved at least :data:`INFORMED` times (seen solved at least once with probability
95%) and failed as often: far above every checkpoint's ability a bin is the unsolvable
atom by another name, far below it every bin is the same always-solved problem, and the
counts fix only the sum of such masses. Sampled as free weights they make flat ridges
whose ends the likelihood bounds only from one side: measured on a study of 20
checkpoints x 150 problems x 256 samples (a tenth unsolvable; 2 chains x (60 + 60)), NUTS
took 1,009 leapfrog steps a draw with every bin sampled and 62 with only the informed
ones sampled. On Pythia MATH, whose cells hold up to 3.7 million samples, a looser rule
(0.01 expected successes on the table's largest count, at the best checkpoint's loss)
kept bins where a problem would be solved 0.01-3 times: they traded with the atom
(R-hat 1.022 after 2 x (100 + 100); 4 x (1,000 + 1,000) did not finish in 14 minutes),
as did empty bins sampled past the informed ones (the run was stopped after 10 minutes);
see the README for the runs with this rule. Occupied bins below stay at
the point fit's masses (those under :data:`FLOOR` are empty), in the likelihood and in
every draw. Occupied bins above and the unsolvable atom are one group, which the counts
see only as its total (a problem there is never solved): the total is one site, split
between them as the point fit splits it. (Sampled apart, the atom fell to 1e-4 of the
mass with the bins above held, the counts losing barely a nat for it.)

The group is sampled only when the point fit gives it at least :data:`ATOM_PROBLEMS`
problems' worth of mass; below that it is held at the point fit's. A problem no
checkpoint solved is explained as well by the group as by the hardest sampled bins, and
with little mass on either the two log weights trade along an L-shaped ridge (one of them
free to fall to minus infinity) that NUTS diverges on.

The likelihood is the binomial one: with thousands of samples per problem, any problem x
checkpoint interaction makes it over-confident, and intervals then are too narrow on
real data; the problem bootstrap (resampling problems) does not depend on it.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import jax.numpy as jnp
import numpy as np
import pandas as pd
from jax.scipy.special import logsumexp

from t2jax.errors import warn
from t2jax.families.t2_irt.fit import reach
from t2jax.families.t2_irt.likelihood import counts_arrays, latent_loss, node_loglik, posterior
from t2jax.families.t2_irt.laws import IRT_PARAMS, K, M, WEIGHTS, centres, grid, node_log_weights
from t2jax.fitting.result import FitWarning
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.precision import x64
from t2jax.uncertainty.nuts import (EXPONENT_PRIOR, LOG_COEF_SCALE, chain_diagnostics, diagnostic_problems,
                                    laplace_mass, run_nuts)
from t2jax.uncertainty.results import PosteriorResult

SMOOTHNESS = 1.5  #: prior scale of the log weights' change per square-root logit of difficulty
FLOOR = 1e-4  #: point-fit weights below this are empty (the starting weight of a node kept empty)
MARGIN = 4  #: empty nodes kept on each side of the point fit's support
INFORMED = 3.0  #: expected successes (failures) over a problem's samples that make a bin informed (P(none) < 5%)
ATOM_PROBLEMS = 1.0  #: the atom is sampled when the point fit puts this many problems' mass on it
TARGET_ACCEPT = 0.9  #: NUTS's acceptance target (0.8 left 8 divergences in 4,000 draws on Pythia GSM8K)
SURFACE_SITES = ("log_A", "log_B", "alpha", "beta")


class Support(NamedTuple):
    """The bins :func:`support` samples (``first`` to ``last``); the occupied bins below
    (``low``, held at ``held_low``, their log masses) and above (``high``); the group of
    the atom and ``high``, split by ``split`` (log shares: the atom, then ``high``), whose
    log mass is held at ``log_group`` (None: sampled)."""

    first: int
    last: int
    low: np.ndarray
    high: np.ndarray
    held_low: np.ndarray
    split: np.ndarray
    log_group: Optional[float]

    @property
    def bins(self) -> np.ndarray:
        """Every bin in the likelihood, in order."""
        return np.concatenate([self.low, np.arange(self.first, self.last + 1), self.high])


def irt_model(logN, logD, n, c, g, solved, held_low, split, log_group=None):
    """numpyro model of the counts with every difficulty integrated out on the nodes ``g``
    (whole bins, :data:`~t2jax.families.t2_irt.laws.M` nodes each: held bins below, the
    sampled ones, the group's bins above; ``held_low``: the held bins' log masses;
    ``split``: the group's log shares), whose group (the unsolvable atom and the bins above)
    has its log mass as a site when ``log_group`` is None and held at it otherwise."""
    import numpyro
    import numpyro.distributions as dist

    log_A = numpyro.sample("log_A", dist.Normal(0.0, LOG_COEF_SCALE))
    log_B = numpyro.sample("log_B", dist.Normal(0.0, LOG_COEF_SCALE))
    alpha = numpyro.sample("alpha", dist.Uniform(*EXPONENT_PRIOR))
    beta = numpyro.sample("beta", dist.Uniform(*EXPONENT_PRIOR))
    sampled = g.size // M - held_low.size - split.size + 1
    eta = {"eta_first": numpyro.sample("eta_first", dist.Normal(0.0, LOG_COEF_SCALE)),
           "eta_steps": numpyro.sample("eta_steps", dist.Normal(jnp.zeros(sampled - 1), SMOOTHNESS * jnp.sqrt(
               g[M] - g[0])).to_event(1))}
    if log_group is None:
        eta["eta_atom"] = numpyro.sample("eta_atom", dist.Normal(0.0, LOG_COEF_SCALE))
    log_w = log_weights_of(eta, held_low, split, -jnp.inf if log_group is None else log_group)
    v = jnp.stack([log_A, log_B, jnp.log(alpha), jnp.log(beta)])
    numpyro.factor("counts", jnp.sum(posterior(node_loglik(latent_loss(v, logN, logD), g, n, c), log_w[0],
                                               node_log_weights(log_w[1:]), solved)[1]))


def log_weights_of(eta: dict, held_low, split, log_group=-jnp.inf):
    """``log (pi_0, pi_bins)`` from the weight sites (last axis: the atom, then the bins in
    the likelihood: held below, sampled, the group's above). The sampled bins and the group
    (its log mass the ``eta_atom`` site, or ``log_group`` without one) share what the held
    bins below leave; the group is split by ``split``."""
    first, steps = jnp.asarray(eta["eta_first"]), jnp.asarray(eta["eta_steps"])
    nodes = first[..., None] + jnp.concatenate([jnp.zeros_like(steps[..., :1]), jnp.cumsum(steps, axis=-1)], -1)
    sampled = "eta_atom" in eta
    atom = jnp.asarray(eta["eta_atom"]) if sampled else jnp.full(first.shape, -jnp.inf)
    held = jnp.sum(jnp.exp(held_low)) + (0.0 if sampled else jnp.exp(log_group))
    free = jnp.concatenate([atom[..., None], nodes], -1)
    free = free - logsumexp(free, axis=-1, keepdims=True) + jnp.log1p(-held)
    group = (free[..., :1] if sampled else jnp.full(first.shape + (1,), log_group)) + split
    side = jnp.broadcast_to(held_low, first.shape + jnp.shape(held_low))
    return jnp.concatenate([group[..., :1], side, free[..., 1:], group[..., 1:]], -1)


def support(params, problems: int, L, n) -> Support:
    """The bins sampled: the point fit's with weight at least :data:`FLOOR` that the
    counts inform (:func:`~t2jax.families.t2_irt.fit.reach` at :data:`INFORMED`: checkpoint
    losses ``L``, sample counts ``n``), :data:`MARGIN` more each side; the occupied bins outside (weight at
    least :data:`FLOOR`; the rest are empty: outside the nodes kept a weight's log the
    likelihood bounds only from above, a wall NUTS diverges on): held below, joined to
    the atom above; the group a site if the point fit gives it :data:`ATOM_PROBLEMS` of
    the ``problems`` (the counts then hold problems no checkpoint solved)."""
    w = np.array([params[n] for n in WEIGHTS])
    solvable, failable = reach(centres(params["g_lo"], params["g_hi"], [0.0]), L, n, INFORMED)
    occupied, informed = np.flatnonzero(w >= FLOOR), np.flatnonzero(solvable & failable)
    kept = np.intersect1d(occupied, informed)
    kept, informed = (kept, informed) if kept.size else (occupied, np.arange(K))
    first, last = max(int(kept[0]) - MARGIN, informed[0]), min(int(kept[-1]) + MARGIN, informed[-1])
    low, high = occupied[occupied < first], occupied[occupied > last]
    shares = np.concatenate([[float(params["w_unsolvable"])], w[high]])
    group = shares.sum()
    with np.errstate(divide="ignore"):
        split = np.log(shares / group) if group > 0 else np.zeros(shares.size)
        log_group = None if group * problems >= ATOM_PROBLEMS else float(np.log(group))
    return Support(first, last, low, high, np.log(w[low]), split, log_group)


def start_sites(params, scale, kept: Support) -> dict:
    """The sites at the point fit (sampled weights floored at :data:`FLOOR`)."""
    eta = np.log(np.maximum([params[n] for n in WEIGHTS[kept.first:kept.last + 1]], FLOOR))
    clip = lambda x: float(np.clip(x, EXPONENT_PRIOR[0] * 1.1, EXPONENT_PRIOR[1] * 0.99))
    sites = {"log_A": np.log(params["A"] / scale[0] ** params["alpha"]),
             "log_B": np.log(params["B"] / scale[1] ** params["beta"]), "alpha": clip(params["alpha"]),
             "beta": clip(params["beta"]), "eta_first": eta[0], "eta_steps": np.diff(eta)}
    group = params["w_unsolvable"] + sum(params[WEIGHTS[k]] for k in kept.high)
    return sites | ({"eta_atom": np.log(group)} if kept.log_group is None else {})


def to_params(samples: dict, point_params, scale, kept: Support) -> dict:
    """Raw ``t2-irt`` parameters of every draw (``(chains, draws)`` arrays)."""
    al, be = np.asarray(samples["alpha"]), np.asarray(samples["beta"])
    w = np.exp(np.asarray(log_weights_of(samples, kept.held_low, kept.split,
                                         -np.inf if kept.log_group is None else kept.log_group)))
    shape = al.shape
    out = {"E": np.zeros(shape), "A": np.exp(np.asarray(samples["log_A"])) * scale[0] ** al,
           "B": np.exp(np.asarray(samples["log_B"])) * scale[1] ** be, "alpha": al, "beta": be}
    out |= {name: np.full(shape, point_params[name]) for name in ("nu", "g_lo", "g_hi")}
    out["w_unsolvable"] = w[..., 0]
    nodes = np.zeros(shape + (K,))
    nodes[..., kept.bins] = w[..., 1:]
    return out | {name: nodes[..., k] for k, name in enumerate(WEIGHTS)}


@x64
def irt_posterior(counts, point, *, num_chains: int = 4, num_warmup: int = 1000, num_samples: int = 1000,
                  seed: int = 0, rhat_max: float = 1.01, progress_bar=None) -> PosteriorResult:
    """NUTS posterior of ``t2-irt`` from counts, starting at the maximum-likelihood fit ``point``."""
    logN, logD, n, c, scale = counts_arrays(counts)
    p = point.params
    g = grid(p["g_lo"], p["g_hi"]).reshape(K, M)
    problems = n.shape[1]
    kept = support(p, problems, chinchilla_loss(p, counts.N, counts.D), n)
    args = tuple(jnp.asarray(a) for a in (logN, logD, n, c, g[kept.bins].ravel(), np.any(c > 0, axis=0),
                                          kept.held_low, kept.split))
    init = {k: jnp.asarray(v) for k, v in start_sites(p, scale, kept).items()}
    sites = SURFACE_SITES + ("eta_first", "eta_steps") + (("eta_atom",) if kept.log_group is None else ())
    kwargs = {"log_group": kept.log_group}
    mass = laplace_mass(irt_model, args, init, sites, model_kwargs=kwargs)
    samples, divergences, seconds = run_nuts(irt_model, init, args, num_chains=num_chains, num_warmup=num_warmup,
                                             num_samples=num_samples, seed=seed, progress_bar=progress_bar,
                                             model_kwargs=kwargs, dense_mass=[sites],
                                             inverse_mass_matrix={sites: mass}, target_accept_prob=TARGET_ACCEPT)
    raw = to_params(samples, p, scale, kept)
    weights = np.stack([raw[name] for name in WEIGHTS], -1)
    tracked = {k: raw[k] for k in ("A", "B", "alpha", "beta") + (("w_unsolvable",) if kept.log_group is None else ())}
    tracked["mean_difficulty"] = (weights @ g.mean(1)) / np.maximum(weights.sum(-1), 1e-300)
    diagnostics = chain_diagnostics(tracked)
    draws = pd.DataFrame({k: raw[k].reshape(-1) for k in IRT_PARAMS})
    draws["chain"] = np.repeat(np.arange(num_chains), num_samples)
    problems = diagnostic_problems(diagnostics, divergences, num_chains, rhat_max)
    if problems:
        warn("NUTS diagnostics (t2-irt): " + "; ".join(problems), FitWarning)
    return PosteriorResult(point, draws, diagnostics, divergences, seconds,
                           "binomial counts, difficulties integrated out on the grid")
