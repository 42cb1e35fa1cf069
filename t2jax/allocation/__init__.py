"""Allocation: the best (N, D, k) for a fitted T² law under compute budgets, for a point
fit or for every bootstrap/posterior draw.

data -> laws -> fitting -> uncertainty -> **allocation** -> report
"""

from t2jax.allocation.draws import (
    allocation_draws,
    allocation_intervals,
    draw_tables,
    fit_allocation_intervals,
    frontier_band,
    p_beats_baseline,
)
from t2jax.allocation.compare import Comparison, compare_allocations
from t2jax.allocation.compare_target import TargetComparison, compare_targets
from t2jax.allocation.search import grid_zoom_max
from t2jax.allocation.frontier import frontier
from t2jax.allocation.t2 import Allocation, allocate
from t2jax.allocation.target import TargetAllocation, target_accuracy_allocation, target_loss_allocation
from t2jax.allocation.weights import backtest_weights

__all__ = [
    "Allocation", "Comparison", "allocate", "backtest_weights", "compare_allocations", "compare_targets",
    "TargetComparison", "allocation_draws", "allocation_intervals", "fit_allocation_intervals", "frontier",
    "draw_tables", "frontier_band", "grid_zoom_max", "p_beats_baseline", "TargetAllocation", "target_accuracy_allocation", "target_loss_allocation",
]  # fmt: skip
