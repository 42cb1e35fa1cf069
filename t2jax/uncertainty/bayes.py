r"""Bayesian fits with numpyro: the model is separate from inference.

:func:`power_law_model` is a numpyro model for any additive power law (Chinchilla,
T² Approach 1) on covariates scaled by their geometric means:

.. math::
   \log c_j \sim \mathcal N(0, 5), \quad \theta_j \sim \mathrm{Uniform}(0.01, 2), \quad
   \sigma \sim \mathrm{HalfNormal}(0.1), \quad
   \log L_i \sim \mathcal N\big(\mathrm{LSE}(\log c_0, \log c_j - \theta_j \log x_{ij}),\ \sigma\big).

The priors are weakly informative on the scaled problem: coefficients within
:math:`e^{\pm 10}` of unit scale, exponents over the same range the grid fitters
search, and a log-loss noise scale of up to ~10%. :func:`posterior` runs NUTS (several
chains, initialised at the point fit), reports R-hat, effective sample size and
divergences, and warns when they are poor; draws come back in raw units.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError, warn
from t2jax.fitting.api import choose_method, fit, power_sum_runs
from t2jax.fitting.problem import make_problem, raw_params
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.laws.power_sum import log_predict
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.validate import check_seed
from t2jax.uncertainty.intervals import DrawsSummary
from t2jax.uncertainty.nuts import chain_diagnostics, diagnostic_problems, run_nuts


def power_law_model(log_X, log_y=None, m: int = 3):
    """numpyro model: additive power law, Gaussian likelihood on log loss."""
    import numpyro
    import numpyro.distributions as dist

    J = log_X.shape[1]
    log_coef = numpyro.sample("log_coef", dist.Normal(jnp.zeros(m), 5.0).to_event(1))
    theta = numpyro.sample("theta", dist.Uniform(jnp.full(J, 0.01), jnp.full(J, 2.0)).to_event(1))
    sigma = numpyro.sample("sigma", dist.HalfNormal(0.1))
    mean = log_predict(log_coef, theta, log_X)
    numpyro.sample("log_loss", dist.Normal(mean, sigma), obs=log_y)


@dataclasses.dataclass(frozen=True)
class PosteriorResult(DrawsSummary):
    """Posterior draws (raw units) with diagnostics.

    Attributes:
      point: the point fit used to initialise the chains.
      draws: DataFrame, one row per draw (all chains), columns = law parameters + sigma + chain.
      diagnostics: per-parameter R-hat and effective sample size.
      divergences: number of divergent transitions after warm-up.
      seconds: sampling wall time.
      likelihood: what the likelihood is, in words.
    """

    point: FitResult
    draws: pd.DataFrame
    diagnostics: pd.DataFrame
    divergences: int
    seconds: float
    likelihood: str = "Gaussian on log loss"

    @property
    def num_chains(self) -> int:
        return int(self.draws["chain"].nunique())

    def to_dict(self, level: float = 0.95, seed=None) -> dict:
        """JSON-ready summary: sampler settings, diagnostics, intervals at ``level``, draws."""
        return {
            "method": "nuts", "likelihood": self.likelihood, "point_method": self.point.method,
            "chains": self.num_chains,
            "draws_per_chain": int(len(self.draws) // self.num_chains), "seed": seed,
            "divergences": self.divergences, "seconds": round(self.seconds, 3), "level": level,
            "diagnostics": self.diagnostics.to_dict(orient="index"),
            "intervals": self.interval(level).to_dict(orient="index"),
            "draws": self.draws[list(self.point.params)].to_dict(orient="list"),
        }

    def to_inference_data(self):
        """ArviZ InferenceData (requires ``arviz``)."""
        import arviz as az

        chains = self.draws["chain"].to_numpy()
        n_chain = int(chains.max()) + 1
        posterior = {c: self.draws[c].to_numpy().reshape(n_chain, -1) for c in self.draws.columns if c != "chain"}
        return az.from_dict(posterior=posterior)


def posterior(data, *, law="chinchilla", method=None, ks=None, **options) -> PosteriorResult:
    """NUTS posterior of an additive power law fitted to runs, or to the task-loss runs of
    repeated-sampling counts (``law="t2-loss"``); ``options`` as :func:`power_law_posterior`.
    ``method`` (the point fit beside it) must be a parametric fitter; the chains start at
    the Approach-3 fit, whose objective (Huber on log loss) is closest to the likelihood."""
    law = get_law(law)
    if law.family == "t2-joint":
        from t2jax.uncertainty.joint import joint_posterior

        return joint_posterior(data, ks=ks, **options)
    if law.family != "power-sum":
        raise T2JaxError(f"posteriors cover additive power laws (a Gaussian likelihood on log loss); "
                         f"law '{law.name}' is not one")
    if choose_method(law, method) not in ("approach3", "varpro"):
        raise T2JaxError(f"a posterior needs a parametric law fit (approach3 or varpro), not method {method!r}")
    return power_law_posterior(power_sum_runs(data, law, ks), law=law, **options)


@x64
def power_law_posterior(
    runs,
    *,
    law,
    num_chains: int = 4,
    num_warmup: int = 1000,
    num_samples: int = 1000,
    seed: int = 0,
    rhat_max: float = 1.01,
    progress_bar: bool = False,
) -> PosteriorResult:
    """NUTS posterior of an additive power law (several chains, vectorised on one device,
    parallel across devices when there are enough). Warns on R-hat > ``rhat_max``,
    effective sample size below 100 per chain, or divergences."""
    check_seed(seed)
    point = fit(runs, law, "approach3")
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
