r"""Chinchilla Approach 3 (Hoffmann et al. 2022; Besiroglu et al. 2024), globally.

.. math:: \min_{a, b, e, \alpha, \beta} \sum_i \mathrm{Huber}_\delta\Big(
          \mathrm{LSE}\big(a - \alpha \log N_i,\; b - \beta \log D_i,\; e\big) - \log L_i\Big)

with :math:`A = e^a, B = e^b, E = e^e` and :math:`\delta = 10^{-3}`. The published
recipe runs L-BFGS-B from 4,500 grid starts. Here the structure does the search: an
exhaustive VarPro grid over :math:`(\alpha, \beta)` with Huber-IRLS on relative
residuals (:math:`\log \hat L - \log L \approx (\hat L - L)/L`) locates every basin,
and the best few are refined with damped Newton on the exact objective
(:mod:`t2jax.fitting.engine`).
"""

from __future__ import annotations

from t2jax.data.runs import Runs
from t2jax.fitting.engine import DEFAULT_BOUNDS, fit_power_law
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import get_law
from t2jax.precision import x64


@x64
def approach3(runs: Runs, *, law="chinchilla", delta: float = 1e-3, resolution=None, bounds=DEFAULT_BOUNDS,
              n_starts: int = 6, weights=None) -> FitResult:
    """Fit the law by Approach 3 (Huber on log loss, log-sum-exp form), to its global optimum.

    The reported ``objective`` is the summed Huber loss, as in the published recipe.
    """
    return fit_power_law(runs, get_law(law), "approach3", delta=delta, resolution=resolution, bounds=bounds,
                         n_starts=n_starts, weights=weights)
