"""The Beta special functions the fitters differentiate and the simulator inverts."""

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import betainc

from t2jax.laws.beta import beta_log_miss, betaln
from t2jax.families.t2_beta.simulate import _beta_quantile


def test_betaln_derivatives_match_exact_digamma_sums():
    """For whole k, d/da and d/db of ln B(a, b+k) - ln B(a, b) are finite sums with no
    cancellation: -sum_j 1/(a+b+j) and sum_j a/((b+j)(a+b+j)), j < k."""
    rng = np.random.default_rng(0)
    with jax.enable_x64(True):
        for a, b in np.exp(rng.uniform(-4, 6, (50, 2))):
            for k in (1, 7, 64):
                j = np.arange(k)
                exact = [-np.sum(1 / (a + b + j)), np.sum(a / ((b + j) * (a + b + j)))]
                got = jax.grad(lambda ab: beta_log_miss(ab[0], ab[1], float(k)))(jnp.array([a, b]))
                np.testing.assert_allclose(np.asarray(got), exact, rtol=1e-8, atol=1e-14)
        assert float(betaln(2.0, 3.0)) == float(jax.scipy.special.betaln(2.0, 3.0))


def test_beta_quantile_inverts_betainc():
    rng = np.random.default_rng(1)
    with jax.enable_x64(True):
        a = jnp.asarray(np.exp(rng.uniform(-2, 3, (40, 1))))
        b = jnp.asarray(np.exp(rng.uniform(-1, 5, (40, 1))))
        u = jnp.asarray(rng.uniform(0.01, 0.99, (1, 64)))
        x = _beta_quantile(a, b, u)
        assert bool(jnp.all((x > 0) & (x < 1)))
        np.testing.assert_allclose(np.asarray(betainc(a, b, x)), np.broadcast_to(np.asarray(u), x.shape), atol=1e-12)
