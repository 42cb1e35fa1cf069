"""Laws, the core of every family: the :class:`Law` record, the :class:`Family`
protocol, the registry (the one dispatch table), and the formulas families share
(the Chinchilla surface, Beta pass@k). Each is a pure, jit-able ``jax.numpy`` function
for use inside traced code. The laws themselves live in their families'
folders (:mod:`t2jax.families`), which register them.

data -> **laws** -> fitting -> uncertainty -> families -> allocation -> report
"""

from t2jax.laws.beta import beta_binomial_loglik, beta_log_miss, beta_pass_at_k, betaln
from t2jax.laws.chinchilla import SURFACE, chinchilla_loss, compute_optimal, optimal_exponents
from t2jax.laws.family import Family
from t2jax.laws.law import Law, PowerSum, miss_rate_law, power_sum_law
from t2jax.laws.registry import (
    FAMILIES,
    LAWS,
    family_of,
    get_law,
    law_names,
    method_names,
    register,
    register_family,
)

__all__ = [
    "FAMILIES", "Family", "LAWS", "Law", "PowerSum", "SURFACE", "beta_binomial_loglik", "beta_log_miss",
    "beta_pass_at_k", "betaln", "chinchilla_loss", "compute_optimal", "family_of", "get_law", "law_names",
    "method_names", "miss_rate_law", "optimal_exponents", "power_sum_law", "register", "register_family",
]  # fmt: skip
