
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from t2jax.fitting.newton import minimize
from t2jax.fitting.nnls import nnls_normal


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def test_newton_reaches_exact_minimum():
    with jax.enable_x64(True):
        res = minimize(rosenbrock, jnp.array([-1.2, 1.0]))
        assert bool(res.converged)
        np.testing.assert_allclose(np.asarray(res.x), [1.0, 1.0], rtol=1e-8)


def test_newton_reports_non_convergence():
    with jax.enable_x64(True):
        res = minimize(rosenbrock, jnp.array([-1.2, 1.0]), max_iter=3)
        assert not bool(res.converged)


def test_unconverged_fit_warns():
    from t2jax.fitting.result import FitResult, FitWarning

    with pytest.warns(FitWarning, match="did not converge"):
        FitResult("varpro", "chinchilla", {}, 0.0, 10, converged=False)


@pytest.mark.parametrize("seed", range(5))
def test_nnls_enumeration_matches_projected_solution(seed):
    """Exact NNLS: KKT conditions hold at the enumerated optimum."""
    rng = np.random.default_rng(seed)
    with jax.enable_x64(True):
        F = jnp.asarray(rng.standard_normal((30, 4)))
        y = jnp.asarray(rng.standard_normal(30))
        G, b = F.T @ F, F.T @ y
        c, rss, mask = nnls_normal(G, b, y @ y)
        c = np.asarray(c)
        grad = np.asarray(G @ c - b)
        assert np.all(c >= 0)
        assert np.all(grad[c == 0] >= -1e-10)  # no descent direction into the feasible set
        np.testing.assert_allclose(grad[c > 0], 0, atol=1e-10)
        np.testing.assert_allclose(float(rss), float(np.sum((np.asarray(y) - np.asarray(F) @ c) ** 2)), rtol=1e-9)
