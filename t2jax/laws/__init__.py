"""Laws: each one pure, jit-able function of its parameters and covariates, described by
one :class:`Law` record and registered by name.

data -> **laws** -> fitting -> uncertainty -> allocation -> report
"""

from t2jax.laws.beta import beta_binomial_loglik, beta_pass_at_k
from t2jax.laws.beta_links import BETA_LOSS, BETA_ND
from t2jax.laws.chinchilla import (
    CHINCHILLA,
    chinchilla_loss,
    compute_optimal,
    optimal_exponents,
)
from t2jax.laws.law import Law, PowerSum, power_sum_law
from t2jax.laws.registry import LAWS, get_law, law_names, method_names, register
from t2jax.laws.simulate import (
    T2_TRUTH,
    T2Testbed,
    synthetic_isoflop_runs,
    synthetic_t2,
)
from t2jax.laws.t2 import T2_BETA, T2_LOSS, t2_beta_accuracy, t2_loss

__all__ = [
    "BETA_LOSS", "BETA_ND", "CHINCHILLA", "LAWS", "Law", "PowerSum", "T2Testbed", "T2_BETA", "T2_LOSS", "T2_TRUTH",
    "beta_binomial_loglik", "beta_pass_at_k", "chinchilla_loss", "compute_optimal", "get_law", "law_names",
    "method_names", "optimal_exponents", "power_sum_law", "register", "synthetic_isoflop_runs", "synthetic_t2",
    "t2_beta_accuracy", "t2_loss",
]  # fmt: skip
