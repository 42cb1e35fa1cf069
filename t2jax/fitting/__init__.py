"""Fitting: one entry point (:func:`fit`) over law-agnostic engines, one result type.

data -> laws -> **fitting** -> uncertainty -> allocation -> report
"""

from t2jax.fitting.api import choose_method, fit, fit_t2
from t2jax.fitting.approach3 import approach3
from t2jax.fitting.backtest import Backtest, backtest, select_law
from t2jax.fitting.extrapolation import ExtrapolationWarning
from t2jax.fitting.metrics import summarise
from t2jax.fitting.beta_links import fit_beta_link
from t2jax.fitting.betabinom import BetaBinomialFit, fit_beta_binomial
from t2jax.fitting.isoflop import isoflop
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.fitting.t2beta import fit_t2_beta
from t2jax.fitting.varpro import varpro

__all__ = [
    "Backtest", "BetaBinomialFit", "ExtrapolationWarning", "FitResult", "FitWarning", "approach3", "backtest", "choose_method", "fit", "fit_beta_binomial",
    "fit_beta_link", "fit_t2", "fit_t2_beta", "isoflop", "select_law", "summarise", "varpro",
]  # fmt: skip
