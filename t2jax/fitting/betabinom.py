r"""Beta-binomial maximum likelihood for per-problem success probabilities.

With :math:`p_j \sim \mathrm{Beta}(a, b)` and :math:`c_j \mid p_j \sim \mathrm{Bin}(n_j, p_j)`,

.. math:: \log \mathcal{L}(a, b) = \sum_j \big[\ln B(c_j + a,\, n_j - c_j + b) - \ln B(a, b)\big] + \text{const}.

It is maximised over :math:`(\log a, \log b)` by damped Newton; standard errors come
from the inverse observed information (delta method back to :math:`a, b`). The fitted
Beta gives pass@k at any real k, :math:`1 - B(a, b+k)/B(a, b)`, and the large-k
power-law exponent :math:`a` (Schaeffer et al. 2025).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.errors import T2JaxError
from t2jax.fitting.newton import minimize
from t2jax.laws.beta import beta_binomial_loglik, beta_pass_at_k, beta_power_law
from t2jax.precision import x64
from t2jax.programs import program


@dataclasses.dataclass(frozen=True)
class BetaBinomialFit:
    """Fitted ``Beta(a, b)`` of per-problem success probabilities."""

    a: float
    b: float
    se_a: float
    se_b: float
    log_likelihood: float
    n_problems: int
    converged: bool

    @x64
    def pass_at_k(self, k):
        return beta_pass_at_k(self.a, self.b, np.asarray(k, float))

    @property
    def power_law(self) -> tuple[float, float]:
        """``(prefactor, exponent)`` of ``-log pass@k ~ prefactor k^-exponent``."""
        pre, exp_ = x64(beta_power_law)(self.a, self.b)
        return float(pre), float(exp_)


def negative_log_likelihood(log_ab, n, c, w):
    """Mean negative Beta-binomial log-likelihood (without the binomial constant)."""
    a, b = jnp.exp(log_ab[..., 0]), jnp.exp(log_ab[..., 1])
    ll = beta_binomial_loglik(a[..., None], b[..., None], n, c)
    return -jnp.sum(w * ll, axis=-1) / jnp.sum(w, axis=-1)


def _start(n, c, w):
    """Method-of-moments start, floored to keep it inside the domain."""
    p = c / jnp.maximum(n, 1.0)
    wsum = jnp.sum(w)
    mean = jnp.clip(jnp.sum(w * p) / wsum, 1e-4, 1 - 1e-4)
    var = jnp.sum(w * (p - mean) ** 2) / wsum
    conc = jnp.clip(mean * (1 - mean) / jnp.maximum(var, 1e-12) - 1.0, 0.05, 1e4)
    return jnp.log(jnp.stack([mean * conc, (1 - mean) * conc]))


@program
def fit_beta_binomial_arrays(n, c, w):
    """Batched-friendly core: ``(log a, log b)``, NLL, converged, Hessian of the total NLL."""
    res = minimize(negative_log_likelihood, _start(n, c, w), n, c, w)
    H = jax.hessian(negative_log_likelihood)(res.x, n, c, w) * jnp.sum(w)
    return res.x, res.value * jnp.sum(w), res.converged, H


@x64
def fit_beta_binomial(n, c) -> BetaBinomialFit:
    """Maximum-likelihood ``Beta(a, b)`` from per-problem samples ``n`` and correct ``c``.

    Problems with ``n = 0`` (not evaluated) are ignored.
    """
    n, c = np.asarray(n, np.float64).ravel(), np.asarray(c, np.float64).ravel()
    if n.shape != c.shape:
        raise T2JaxError(f"n and c differ in length ({n.size} vs {c.size})")
    if (c > n).any() or (c < 0).any():
        raise T2JaxError("need 0 <= c <= n for every problem")
    w = (n > 0).astype(np.float64)
    if w.sum() < 2:
        raise T2JaxError("a Beta-binomial fit needs at least 2 evaluated problems")
    if not (c[w > 0] > 0).any():
        raise T2JaxError("no problem was ever solved: the Beta-binomial mean is not identified")
    x, nll, converged, H = fit_beta_binomial_arrays(jnp.asarray(n), jnp.asarray(c), jnp.asarray(w))
    a, b = np.exp(np.asarray(x))
    cov_log = np.linalg.inv(np.asarray(H))
    se = np.sqrt(np.diag(cov_log)) * np.array([a, b])
    return BetaBinomialFit(float(a), float(b), float(se[0]), float(se[1]), -float(nll), int(w.sum()), bool(converged))
