"""t2jax: Train-to-Test scaling laws in JAX.

The pipeline, one sub-package per stage; each stage imports only the stages before it::

    data -> laws -> fitting -> uncertainty -> families -> allocation -> calibration -> report

* ``data``: training runs, repeated-sampling counts, the pass@k estimator and table.
* ``laws``: the :class:`Law` type, the :class:`Family` protocol, the registry (the one
  dispatch table), shared formulas.
* ``fitting``: :func:`fit` and the engines families share (grid, NNLS, Newton); backtests.
* ``uncertainty``: the one batched refit driver, :func:`bootstrap`, :func:`posterior`, intervals.
* ``families``: one folder per law family (its laws, fit, refit kernel, numpyro model),
  registered on import: power sums, T² Approach 2, Beta links, the joint model.
* ``allocation``: the best (N, D, k) under budgets, for a fit or for every draw.
* ``calibration``: many simulated studies as one batch (:func:`study`): coverage, ranks.
* ``report``: figures and the demo; :mod:`t2jax.cli` is the command line.

Every public fitting function computes in float64 inside a local
``jax.enable_x64`` context; the caller's global JAX settings are left as they were.
"""

from t2jax.allocation import (
    Allocation,
    allocate,
    allocation_draws,
    allocation_intervals,
    backtest_weights,
    compare_allocations,
    compare_targets,
    Comparison,
    fit_allocation_intervals,
    frontier,
    frontier_band,
    draw_tables,
    p_beats_baseline,
    TargetAllocation,
    target_accuracy_allocation,
    target_loss_allocation,
)
from t2jax.cache import enable_compilation_cache
from t2jax.calibration import StudyResult, study
from t2jax.data.design import Design
from t2jax.data import (
    CHINCHILLA_BUDGETS,
    PassKTable,
    Runs,
    Samples,
    load_answer_nll,
    load_chinchilla,
    load_pass_at_k,
    load_runs,
    load_samples,
    observed_pass_at_k,
    pass_at_k,
    pass_k_table,
    task_loss,
    task_runs,
)
from t2jax.errors import T2JaxError
from t2jax.fitting import BetaBinomialFit, FitResult, FitStatus, FitWarning, backtest, fit, fit_beta_binomial, fit_t2
from t2jax.laws import (
    FAMILIES,
    LAWS,
    Family,
    Law,
    PowerSum,
    family_of,
    get_law,
    law_names,
    power_sum_law,
    register,
    register_family,
)
from t2jax import families, laws
from t2jax.families import (
    CHINCHILLA,
    T2_BETA,
    T2_JOINT,
    T2_LOSS,
    T2_TRUTH,
    approach3,
    fit_beta_link,
    fit_t2_beta,
    isoflop,
    synthetic_isoflop_runs,
    synthetic_t2,
    varpro,
)
from t2jax.precision import x64
from t2jax.families import bootstrap_t2_beta
from t2jax.uncertainty import BootstrapResult, PosteriorResult, bootstrap, compute_optimal_intervals, posterior

# Top-level numerical functions compute in float64 whatever the caller's JAX setting and
# return NumPy; the jit-able jnp versions (for use inside traced code) live in t2jax.laws (shared
# formulas) and t2jax.families (each family's laws).
beta_pass_at_k = x64(laws.beta_pass_at_k)
chinchilla_loss = x64(laws.chinchilla_loss)
compute_optimal = x64(laws.compute_optimal)
optimal_exponents = x64(laws.optimal_exponents)

__version__ = "0.1.0"


def __getattr__(name):
    """``t2jax.plot`` (figures) is imported on first use: matplotlib stays out of ``import t2jax``."""
    if name == "plot":
        import importlib

        return importlib.import_module("t2jax.report.plot")
    raise AttributeError(f"module 't2jax' has no attribute {name!r}")

__all__ = [
    "Allocation", "BetaBinomialFit", "Design", "StudyResult", "study", "BootstrapResult", "CHINCHILLA", "CHINCHILLA_BUDGETS", "FitResult", "FitWarning",
    "FAMILIES", "Family", "FitStatus", "LAWS", "Law", "T2_JOINT", "T2_TRUTH", "family_of", "register_family", "PassKTable", "PosteriorResult", "PowerSum", "Runs", "Samples", "T2JaxError", "T2_BETA", "T2_LOSS",
    "allocate", "allocation_draws", "allocation_intervals", "approach3", "backtest", "backtest_weights",
    "compare_allocations", "compare_targets", "Comparison", "beta_pass_at_k", "bootstrap",
    "bootstrap_t2_beta", "chinchilla_loss", "compute_optimal", "compute_optimal_intervals", "enable_compilation_cache", "fit",
    "fit_allocation_intervals", "fit_beta_binomial", "fit_beta_link", "fit_t2", "fit_t2_beta", "frontier",
    "frontier_band", "draw_tables", "p_beats_baseline", "get_law", "isoflop", "law_names", "load_answer_nll", "load_chinchilla", "load_pass_at_k", "load_runs",
    "load_samples", "observed_pass_at_k", "optimal_exponents", "plot", "pass_at_k", "pass_k_table", "posterior",
    "power_sum_law", "register", "synthetic_isoflop_runs", "synthetic_t2", "TargetAllocation", "target_accuracy_allocation", "target_loss_allocation",
    "task_loss", "task_runs", "varpro",
]  # fmt: skip
