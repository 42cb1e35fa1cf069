r"""Variable Projection (VarPro) fits of additive power laws (arXiv 2603.22339).

For fixed exponents :math:`\theta` the law is linear in its coefficients, so

.. math:: f(\theta) = \min_{c \ge 0} \sum_i w_i \big(y_i - F_i(\theta)\, c\big)^2

is an exact, cheap profile. The fit evaluates :math:`f` on an exhaustive exponent
grid, refines the best few local minima with damped Newton on the profile itself
(exact gradient and Hessian by autodiff), and keeps the best
(:mod:`t2jax.fitting.engine`). With ``loss="huber"`` the grid is computed by IRLS and
the refinement minimises the Huber objective over all parameters.
"""

from __future__ import annotations

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting.engine import DEFAULT_BOUNDS, fit_power_law
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import get_law
from t2jax.precision import x64


@x64
def varpro(runs: Runs, *, law="chinchilla", loss: str = "squared", delta: float = 1e-3, resolution=None,
           bounds=DEFAULT_BOUNDS, n_starts: int = 4, weights=None) -> FitResult:
    """Fit an additive power law by Variable Projection.

    Args:
      runs: training runs (or task-loss runs with a ``k`` column for ``t2-loss``).
      law: a registered additive power law or its name (Chinchilla by default).
      loss: ``"squared"`` (default) or ``"huber"`` (IRLS grid, residuals on the loss).
      delta: Huber threshold for ``loss="huber"``.
      resolution: grid points per exponent (default 128 for two exponents, 64 for three).
      bounds: exponent grid range ``(lo, hi)``.
      n_starts: grid local minima refined exactly.
      weights: optional per-run weights (e.g. bootstrap multiplicities).
    """
    if loss not in ("squared", "huber"):
        raise T2JaxError(f"loss must be 'squared' or 'huber', not {loss!r}")
    return fit_power_law(runs, get_law(law), "varpro", loss=loss, delta=delta, resolution=resolution,
                         bounds=bounds, n_starts=n_starts, weights=weights)
