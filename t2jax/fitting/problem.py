"""Runs -> a well-scaled fitting problem, and fitted coefficients -> raw units.

Covariates are divided by their geometric mean before fitting, so features
``x^-theta`` stay O(1) whatever the exponent. A coefficient fitted on the scaled
covariate maps back as ``C_raw = C_scaled * s^theta``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError, first_rows
from t2jax.laws.law import Law


class Problem(NamedTuple):
    X: np.ndarray  # scaled covariates, (n, J)
    y: np.ndarray  # loss, (n,)
    scale: np.ndarray  # (J,)


def covariates(runs: Runs, law: Law) -> np.ndarray:
    columns = []
    for name in law.covariates:
        values = getattr(runs, name, None)
        if values is None:
            raise T2JaxError(f"law '{law.name}' needs covariate '{name}', which the data lack")
        columns.append(np.asarray(values, np.float64))
    return np.stack(columns, axis=1)


def make_problem(runs: Runs, law: Law, method: str) -> Problem:
    X = covariates(runs, law)
    bad = ~np.isfinite(X).all(axis=1) | (X <= 0).any(axis=1) | ~np.isfinite(runs.loss) | (runs.loss <= 0)
    if bad.any():
        raise T2JaxError(f"{method}: covariates and loss must be finite and > 0; bad values at {first_rows(bad)}")
    identifiable(law, X)
    n = len(runs)
    if n < law.n_params:
        raise T2JaxError(f"{method} needs at least {law.n_params} runs to fit {law.n_params} parameters; got {n}")
    scale = np.exp(np.mean(np.log(X), axis=0))
    return Problem(X / scale, np.asarray(runs.loss, np.float64), scale)


def identifiable(law: Law, X: np.ndarray) -> None:
    """Refuse data that cannot pin down an exponent: each power term ``C x^-theta`` needs
    at least 3 distinct values of its covariate, or it is indistinguishable from ``E``
    (one value) or fitted exactly by any exponent (two)."""
    for j, name in enumerate(law.covariates):
        distinct = np.unique(X[:, j]).size
        if distinct < 3:
            values = ", ".join(f"{v:.3g}" for v in np.unique(X[:, j]))
            raise T2JaxError(f"law '{law.name}' cannot be fitted: covariate {name} takes {distinct} distinct "
                             f"value{'s' if distinct > 1 else ''} ({values}) over {len(X)} rows; its exponent needs "
                             f"at least 3")


def raw_params(law: Law, coef, theta, scale) -> dict:
    coef, theta = np.asarray(coef, np.float64), np.asarray(theta, np.float64)
    raw = np.concatenate([coef[:1], coef[1:] * scale**theta])
    return dict(zip(law.params, [float(v) for v in np.concatenate([raw, theta])]))
