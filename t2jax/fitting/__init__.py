"""Fitting: law-agnostic fitters sharing one result type.

data -> laws -> **fitting** -> uncertainty -> allocation -> report
"""

from t2jax.fitting.approach3 import approach3
from t2jax.fitting.isoflop import isoflop
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.fitting.varpro import varpro

METHODS = {"approach3": approach3, "varpro": varpro, "isoflop": isoflop}


def fit(runs, method: str = "approach3", **options) -> FitResult:
    """Fit ``runs`` with a named method (``approach3``, ``varpro`` or ``isoflop``)."""
    from t2jax.errors import T2JaxError

    if method not in METHODS:
        raise T2JaxError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    return METHODS[method](runs, **options)


__all__ = ["FitResult", "FitWarning", "METHODS", "approach3", "fit", "isoflop", "varpro"]
