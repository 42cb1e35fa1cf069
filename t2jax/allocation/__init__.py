"""Allocation: the best (N, D, k) for a fitted T² law under compute budgets."""

from t2jax.allocation.search import grid_zoom_max
from t2jax.allocation.t2 import Allocation, allocate, frontier

__all__ = ["Allocation", "allocate", "frontier", "grid_zoom_max"]
