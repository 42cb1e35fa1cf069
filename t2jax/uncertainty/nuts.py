"""Running NUTS and reading its diagnostics: one place for every numpyro model.

:func:`run_nuts` runs several chains of numpyro's NUTS from given initial values
(vectorised on one device, parallel across devices when there are enough);
:func:`chain_diagnostics` gives R-hat and effective sample size per quantity with
``numpyro.diagnostics.summary``; :func:`diagnostic_problems` turns them, with the
divergence count, into the words of a warning.
"""

from __future__ import annotations

import time
from typing import Optional

import jax
import numpy as np
import pandas as pd

from t2jax.progress import enabled
from t2jax.validate import check_count, check_seed

#: Effective draws per chain below which a posterior summary is flagged.
MIN_ESS_PER_CHAIN = 100
#: Prior of every power-law exponent (the range the grid fitters search) and the scale of
#: the Normal prior of a log coefficient on covariates scaled by their geometric means.
EXPONENT_PRIOR = (0.01, 2.0)
LOG_COEF_SCALE = 5.0


def run_nuts(model, init: dict, model_args: tuple, *, num_chains: int, num_warmup: int, num_samples: int, seed: int,
             progress_bar: Optional[bool] = None, model_kwargs=None, dense_mass=False, inverse_mass_matrix=None,
             max_tree_depth: int = 10, target_accept_prob: float = 0.8):
    """Run NUTS; returns ``(samples grouped by chain, divergences, seconds)``. ``dense_mass``
    and ``inverse_mass_matrix`` (its starting value, e.g. a Laplace approximation's
    covariance), ``max_tree_depth`` and ``target_accept_prob`` are numpyro's: a full mass
    matrix suits strongly correlated parameters; a shallower tree bounds the cost of a step
    where some directions are nearly flat; a higher acceptance target takes smaller steps
    where curvature changes quickly."""
    from numpyro.infer import MCMC, NUTS, init_to_value

    progress_bar = enabled() if progress_bar is None else progress_bar
    seed = check_seed(seed)
    num_chains, num_warmup, num_samples = (check_count(name, v) for name, v in (
        ("num_chains", num_chains), ("num_warmup", num_warmup), ("num_samples", num_samples)))
    method = "parallel" if jax.local_device_count() >= num_chains else "vectorized"
    mcmc = MCMC(NUTS(model, init_strategy=init_to_value(values=init), dense_mass=dense_mass,
                     inverse_mass_matrix=inverse_mass_matrix, max_tree_depth=max_tree_depth,
                     target_accept_prob=target_accept_prob), num_warmup=num_warmup,
                num_samples=num_samples, num_chains=num_chains, chain_method=method, progress_bar=progress_bar)
    start = time.perf_counter()
    mcmc.run(jax.random.key(seed), *model_args, extra_fields=("diverging",), **(model_kwargs or {}))
    samples = mcmc.get_samples(group_by_chain=True)
    jax.block_until_ready(samples)
    divergences = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    return samples, divergences, time.perf_counter() - start


def chain_diagnostics(by_chain: dict) -> pd.DataFrame:
    """R-hat and effective sample size of each ``(chains, draws)`` array, by name."""
    from numpyro.diagnostics import summary

    stats = summary({k: np.asarray(v) for k, v in by_chain.items()}, group_by_chain=True)
    rows = [{"parameter": k, "r_hat": float(stats[k]["r_hat"]), "ess": float(stats[k]["n_eff"])} for k in by_chain]
    return pd.DataFrame(rows).set_index("parameter")


def diagnostic_problems(diagnostics: pd.DataFrame, divergences: int, num_chains: int, rhat_max: float) -> list:
    """What is wrong with a run: R-hat above ``rhat_max``, too few effective draws, divergences."""
    problems = []
    if (diagnostics["r_hat"] > rhat_max).any():
        problems.append(f"R-hat up to {diagnostics['r_hat'].max():.3f} (> {rhat_max})")
    if (diagnostics["ess"] < MIN_ESS_PER_CHAIN * num_chains).any():
        problems.append(f"effective sample size down to {diagnostics['ess'].min():.0f}")
    if divergences:
        problems.append(f"{divergences} divergent transitions")
    return problems


def laplace_mass(model, model_args: tuple, init: dict, sites: tuple, floor: float = 1.0,
                 model_kwargs=None) -> np.ndarray:
    """A starting inverse mass matrix for NUTS over ``sites`` (in that order): the inverse
    Hessian of the model's potential energy at ``init`` in numpyro's unconstrained
    coordinates, so warm-up does not begin from the identity when the parameters' scales
    differ by orders of magnitude. Curvature is floored at ``floor`` per direction, so a
    direction the data do not pin starts with unit scale."""
    from jax.flatten_util import ravel_pytree
    from numpyro.infer.util import potential_energy, unconstrain_fn

    kwargs = model_kwargs or {}
    u = unconstrain_fn(model, model_args, kwargs, init)
    flat, unravel = ravel_pytree([u[s] for s in sites])
    energy = lambda x: potential_energy(model, model_args, kwargs, dict(zip(sites, unravel(x))))
    H = np.asarray(jax.jit(jax.hessian(energy))(flat))  # one program, not one per primitive
    lam, vec = np.linalg.eigh(0.5 * (H + H.T))
    return (vec / np.maximum(lam, floor)) @ vec.T
