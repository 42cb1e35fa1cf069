"""Data: training runs (N, D, loss), validation, and the embedded demo dataset."""

from t2jax.data.embedded import CHINCHILLA_BUDGETS, chinchilla_frame, load_chinchilla
from t2jax.data.runs import Runs, load_runs, read_table, snap_budgets

__all__ = ["Runs", "load_runs", "read_table", "snap_budgets", "load_chinchilla", "chinchilla_frame", "CHINCHILLA_BUDGETS"]
