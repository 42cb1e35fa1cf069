r"""Chinchilla Approach 2: IsoFLOP parabolas, for comparison with parametric fits.

For every compute budget :math:`C_g` a parabola :math:`L \approx p_0 + p_1 x + p_2 x^2`
in :math:`x = \log N` gives :math:`N^*_g = \exp(-p_1 / 2p_2)` and
:math:`D^*_g = C_g / 6N^*_g`; regressing :math:`\log N^*` and :math:`\log D^*` on
:math:`\log C` gives :math:`N^* \propto C^a` and :math:`D^* \propto C^b`. All budgets
are fitted at once: group masks turn the per-budget normal equations into one
batched matrix product. Beside the exponents the result reports what a parametric
(VarPro) fit of the same runs implies, :math:`a = \beta/(\alpha+\beta)`, so the
Approach-2 bias (arXiv 2603.22339) is visible.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult
from t2jax.laws.chinchilla import optimal_exponents
from t2jax.precision import x64
from t2jax.programs import program


@program
def _parabola_minima(x, loss, masks):
    """Per-group weighted quadratic fits; returns (x at minimum, loss there, curvature)."""
    V = jnp.stack([jnp.ones_like(x), x, x * x], axis=1)  # (n, 3)
    G = jnp.einsum("gi,ij,ik->gjk", masks, V, V)
    b = jnp.einsum("gi,ij,i->gj", masks, V, loss)
    p = jnp.linalg.solve(G, b[..., None])[..., 0]
    x_min = -p[:, 1] / (2.0 * p[:, 2])
    return x_min, p[:, 0] + p[:, 1] * x_min + p[:, 2] * x_min**2, p[:, 2]


def _power_law(logC, logY):
    slope, intercept = np.polyfit(logC, logY, 1)
    return float(slope), float(np.exp(intercept))


@x64
def isoflop(runs: Runs, *, min_points: int = 3, compare: bool = True) -> FitResult:
    """Approach 2 on runs with a ``budget`` column.

    Budgets with fewer than ``min_points`` distinct model sizes or no upward curvature
    are left out and listed in ``extras["dropped_budgets"]``; budgets whose minimum lies
    outside the sizes they sampled are kept, as in the published recipe, and listed in
    ``extras["extrapolated_budgets"]``. ``objective`` is the residual sum of squares of the
    ``log N*`` regression.
    """
    if runs.budget is None:
        raise T2JaxError("isoflop needs a budget column (--budget-col) grouping runs into IsoFLOP curves")
    has = np.isfinite(runs.budget)
    budgets = np.unique(runs.budget[has])
    masks = (runs.budget[None, :] == budgets[:, None]).astype(np.float64)
    counts = np.array([np.unique(runs.N[m > 0]).size for m in masks])
    x = np.log(runs.N)
    centre = x[has].mean()
    x_min, loss_min, curv = (np.asarray(v) for v in _parabola_minima(jnp.asarray(x - centre), jnp.asarray(runs.loss), jnp.asarray(masks)))
    x_min = x_min + centre
    lo = np.array([x[m > 0].min() for m in masks])
    hi = np.array([x[m > 0].max() for m in masks])
    ok = (counts >= min_points) & (curv > 0)
    inside = (x_min >= lo) & (x_min <= hi)
    if ok.sum() < 2:
        raise T2JaxError(
            f"isoflop needs at least 2 budgets with >= {min_points} model sizes and upward curvature; "
            f"got {int(ok.sum())} of {budgets.size}"
        )
    logC = np.log(budgets[ok])
    N_opt = np.exp(x_min[ok])
    D_opt = budgets[ok] / (6.0 * N_opt)
    a, N0 = _power_law(logC, np.log(N_opt))
    b, D0 = _power_law(logC, np.log(D_opt))
    resid = np.log(N_opt) - (a * logC + np.log(N0))
    extras = {
        "exponents": {"N": a, "D": b},
        "budgets": [
            {"budget": float(c), "N_opt": float(n), "D_opt": float(d), "loss_opt": float(l)}
            for c, n, d, l in zip(budgets[ok], N_opt, D_opt, loss_min[ok])
        ],
        "dropped_budgets": [float(c) for c in budgets[~ok]],
        "extrapolated_budgets": [float(c) for c in budgets[ok & ~inside]],
    }
    if compare:
        from t2jax.families.power_sum.varpro import varpro

        ref = varpro(runs.subset(has))
        a_ref, b_ref = optimal_exponents(ref.params)
        extras["parametric"] = {"method": "varpro", "params": ref.params, "exponents": {"N": float(a_ref), "D": float(b_ref)}}
    return FitResult(
        method="isoflop",
        law="isoflop-power",
        params={"a": a, "b": b, "N0": N0, "D0": D0},
        objective=float(np.sum(resid**2)),
        n_points=int(has.sum()),
        converged=True,
        extras=extras,
    )
