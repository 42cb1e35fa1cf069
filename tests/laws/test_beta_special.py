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


def test_trigamma_matches_polygamma_over_the_fitted_range():
    from t2jax.laws.beta import trigamma

    with jax.enable_x64(True):
        x = jnp.geomspace(1e-6, 1e9, 4000)
        np.testing.assert_allclose(np.asarray(trigamma(x)), np.asarray(jax.scipy.special.polygamma(1, x)), rtol=1e-12)


def test_digamma_matches_jax_over_the_fitted_range():
    from t2jax.laws.beta import digamma_positive

    with jax.enable_x64(True):
        x = jnp.geomspace(1e-8, 1e9, 4000)
        ref = np.asarray(jax.scipy.special.digamma(x))
        # relative to max(1, |psi|): psi crosses zero at x = 1.4616...
        np.testing.assert_array_less(np.abs(np.asarray(digamma_positive(x)) - ref) / np.maximum(1.0, np.abs(ref)), 1e-13)


def test_beta_binomial_derivatives_of_several_betas_from_one_flat_list():
    """With each count's Beta index, per-Beta sums equal one call per Beta."""
    from t2jax.laws.beta import beta_binomial_derivatives

    rng = np.random.default_rng(3)
    beta = np.sort(rng.integers(0, 4, 200))
    n = rng.integers(1, 3000, 200).astype(float)
    c, w = np.floor(n * rng.uniform(size=200)), rng.uniform(size=200)
    log_a, log_b = rng.normal(size=4), rng.normal(size=4) + 1.0
    with jax.enable_x64(True):
        flat = beta_binomial_derivatives(jnp.asarray(log_a), jnp.asarray(log_b), n, c, w, jnp.asarray(beta))
        for j in range(4):
            one = beta_binomial_derivatives(log_a[j], log_b[j], n[beta == j], c[beta == j], w[beta == j])
            for got, want in zip(flat, one):
                np.testing.assert_allclose(np.asarray(got[j]), np.asarray(want), rtol=1e-12, atol=1e-10)


def test_beta_binomial_derivatives_equal_autodiff_of_the_logpmf():
    from t2jax.laws.beta import beta_binomial_derivatives, beta_binomial_logpmf

    rng = np.random.default_rng(2)
    n = rng.integers(1, 3000, 300).astype(float)
    c, w = np.floor(n * rng.uniform(size=300)), rng.uniform(size=300)
    with jax.enable_x64(True):
        f = lambda t: -jnp.sum(w * beta_binomial_logpmf(jnp.exp(t[0]), jnp.exp(t[1]), n, c))
        for t in ([-3.0, 2.0], [0.5, 0.3], [8.0, 12.0]):
            t = jnp.asarray(t)
            value, grad, hess = beta_binomial_derivatives(t[0], t[1], n, c, w)
            np.testing.assert_allclose(float(value), float(f(t)), rtol=1e-14)
            np.testing.assert_allclose(np.asarray(grad), np.asarray(jax.grad(f)(t)), rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(np.asarray(hess), np.asarray(jax.hessian(f)(t)), rtol=1e-8, atol=1e-8)
