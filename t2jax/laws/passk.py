"""Deprecated location: the pass@k estimator lives in :mod:`t2jax.data.passk`."""

from t2jax.data.passk import (  # noqa: F401
    aggregate_pass_at_k,
    pass_at_k,
    per_question_loss,
    task_loss,
)
