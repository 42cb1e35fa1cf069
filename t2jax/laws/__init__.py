"""Laws: each one pure, jit-able function of its parameters and covariates."""

from t2jax.laws.chinchilla import CHINCHILLA, chinchilla_loss, compute_optimal, optimal_exponents
from t2jax.laws.power_sum import PowerSumLaw

__all__ = ["CHINCHILLA", "PowerSumLaw", "chinchilla_loss", "compute_optimal", "optimal_exponents"]
