"""Data: training runs, repeated-sampling counts, the pass@k estimator and table,
aggregate pass@k tables (published curves), validation, and the embedded demo dataset.

**data** -> laws -> fitting -> uncertainty -> allocation -> report
"""

from t2jax.data.aggregate import load_pass_at_k
from t2jax.data.embedded import CHINCHILLA_BUDGETS, chinchilla_frame, load_chinchilla
from t2jax.data.passk import (
    aggregate_pass_at_k,
    pass_at_k,
    per_question_loss,
    task_loss,
)
from t2jax.data.passk_table import PassKTable, counts_of, default_ks, pass_k_table
from t2jax.data.runs import Runs, load_runs, read_table, snap_budgets
from t2jax.data.samples import (
    Samples,
    load_answer_nll,
    load_samples,
    observed_pass_at_k,
    solved_checkpoints,
    task_runs,
)

__all__ = [
    "CHINCHILLA_BUDGETS", "PassKTable", "Runs", "Samples", "aggregate_pass_at_k", "chinchilla_frame", "default_ks",
    "counts_of", "load_answer_nll", "load_chinchilla", "load_pass_at_k", "load_runs", "load_samples", "observed_pass_at_k", "pass_at_k",
    "pass_k_table", "per_question_loss", "read_table", "snap_budgets", "solved_checkpoints", "task_loss", "task_runs",
]  # fmt: skip
