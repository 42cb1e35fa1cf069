"""Fitting: one entry point (:func:`fit`) that reaches each law's family through the
registry, the law-agnostic engines the families share (grid, NNLS, Newton, the
power-law engine, the Beta-binomial fit), one result type, and backtests.

data -> laws -> **fitting** -> uncertainty -> families -> allocation -> report
"""

from t2jax.fitting.api import choose_method, fit, fit_t2
from t2jax.fitting.backtest import Backtest, backtest, select_law
from t2jax.fitting.betabinom import BetaBinomialFit, fit_beta_binomial
from t2jax.fitting.extrapolation import ExtrapolationWarning
from t2jax.fitting.metrics import summarise
from t2jax.fitting.result import FitResult, FitStatus, FitWarning

__all__ = [
    "Backtest", "BetaBinomialFit", "ExtrapolationWarning", "FitResult", "FitStatus", "FitWarning", "backtest", "choose_method",
    "fit", "fit_beta_binomial", "fit_t2", "select_law", "summarise",
]  # fmt: skip
