r"""Bayesian fits with numpyro: the model is separate from inference.

:func:`power_law_model` is a numpyro model for any additive power law (Chinchilla,
T² Approach 1) on covariates scaled by their geometric means:

.. math::
   \log c_j \sim \mathcal N(0, 5), \quad \theta_j \sim \mathrm{Uniform}(0.01, 2), \quad
   \sigma \sim \mathrm{HalfNormal}(0.1), \quad
   \log L_i \sim \mathcal N\big(\mathrm{LSE}(\log c_0, \log c_j - \theta_j \log x_{ij}),\ \sigma\big).

The priors are weakly informative on the scaled problem: coefficients within
:math:`e^{\pm 10}` of unit scale, exponents over the same range the grid fitters
search, and a log-loss noise scale of up to ~10%. :func:`power_law_posterior` runs NUTS (several
chains, initialised at the point fit), reports R-hat, effective sample size and
divergences, and warns when they are poor; draws come back in raw units.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.errors import warn
from t2jax.fitting.engine import fit_power_law
from t2jax.fitting.problem import make_problem, raw_params
from t2jax.fitting.result import FitWarning
from t2jax.laws.power_sum import log_predict
from t2jax.precision import x64
from t2jax.uncertainty.nuts import EXPONENT_PRIOR, LOG_COEF_SCALE, chain_diagnostics, diagnostic_problems, run_nuts
from t2jax.uncertainty.results import PosteriorResult
from t2jax.validate import check_seed


def power_law_model(log_X, log_y=None, m: int = 3):
    """numpyro model: additive power law, Gaussian likelihood on log loss."""
    import numpyro
    import numpyro.distributions as dist

    J = log_X.shape[1]
    log_coef = numpyro.sample("log_coef", dist.Normal(jnp.zeros(m), LOG_COEF_SCALE).to_event(1))
    theta = numpyro.sample("theta", dist.Uniform(jnp.full(J, EXPONENT_PRIOR[0]), jnp.full(J, EXPONENT_PRIOR[1])).to_event(1))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.1))
    mean = log_predict(log_coef, theta, log_X)
    numpyro.sample("log_loss", dist.Normal(mean, sigma), obs=log_y)


@x64
def power_law_posterior(
    runs,
    *,
    law,
    point=None,
    num_chains: int = 4,
    num_warmup: int = 1000,
    num_samples: int = 1000,
    seed: int = 0,
    rhat_max: float = 1.01,
    progress_bar=None,
) -> PosteriorResult:
    """NUTS posterior of an additive power law (several chains, vectorised on one device,
    parallel across devices when there are enough), started at the Approach-3 fit ``point``
    (computed when not given or fitted otherwise). Warns on R-hat > ``rhat_max``,
    effective sample size below 100 per chain, or divergences."""
    check_seed(seed)
    point = point if point is not None and point.method == "approach3" else fit_power_law(runs, law, "approach3")
    prob = make_problem(runs, law, "posterior")
    m = len(law.coefficients)
    coef = np.array([point.params[c] for c in law.coefficients])
    theta = np.array([point.params[e] for e in law.exponents])
    scaled = np.concatenate([coef[:1], coef[1:] * prob.scale ** (-theta)])
    init = {"log_coef": jnp.log(jnp.maximum(jnp.asarray(scaled), 1e-12)), "theta": jnp.clip(jnp.asarray(theta), 0.02, 1.99), "sigma": 0.02}
    samples, divergences, seconds = run_nuts(
        power_law_model, init, (jnp.log(jnp.asarray(prob.X)), jnp.log(jnp.asarray(prob.y)), m), num_chains=num_chains,
        num_warmup=num_warmup, num_samples=num_samples, seed=seed, progress_bar=progress_bar)
    names = {"log_coef": law.coefficients, "theta": law.exponents, "sigma": ("sigma",)}
    by_chain = {lab: np.asarray(samples[site]).reshape(num_chains, num_samples, -1)[..., i]
                for site, labels in names.items() for i, lab in enumerate(labels)}
    diagnostics = chain_diagnostics(by_chain)
    log_coef = np.asarray(samples["log_coef"]).reshape(-1, m)
    thetas = np.asarray(samples["theta"]).reshape(-1, len(law.exponents))
    draws = pd.DataFrame([raw_params(law, np.exp(c), t, prob.scale) for c, t in zip(log_coef, thetas)])
    draws["sigma"] = np.asarray(samples["sigma"]).reshape(-1)
    draws["chain"] = np.repeat(np.arange(num_chains), num_samples)
    result = PosteriorResult(point, draws, diagnostics, divergences, seconds)
    problems = diagnostic_problems(diagnostics, divergences, num_chains, rhat_max)
    if problems:
        warn("NUTS diagnostics: " + "; ".join(problems), FitWarning)
    return result
