"""The one result type every fitter returns."""

from __future__ import annotations

import dataclasses
import enum
import warnings
from typing import Any

import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError, warn
from t2jax.fitting.extrapolation import extrapolation, warn_extrapolation
from t2jax.laws.chinchilla import compute_optimal
from t2jax.laws.registry import get_law
from t2jax.precision import x64
from t2jax.validate import positive_array


class FitWarning(UserWarning):
    """A fit did not converge, or a parameter sits on a bound."""


class FitStatus(enum.Enum):
    """How a fit ended (``FitResult.status``); the parameters at a bound are in ``at_bound``."""

    CONVERGED = "converged"  #: the refinement met its tolerance, every parameter inside its range
    AT_BOUND = "at_bound"  #: converged, with parameters on a bound the data do not pin down
    NOT_CONVERGED = "not_converged"  #: the refinement hit its iteration limit before its tolerance


@dataclasses.dataclass(frozen=True)
class FitResult:
    """A fitted law, parameters in raw units (N in parameters, D in tokens, C in FLOPs).

    Attributes:
      method: one of the law's methods (``"approach3"``, ``"varpro"``, ``"isoflop"``, ``"mle"``;
        for two-stage laws stage 1's fitter), so ``fit(data, law, method)`` refits alike.
      law: the law's name (``"chinchilla"``; ``"isoflop-power"`` for Approach 2, whose
        parameters are the power laws ``N* = N0 C^a``, ``D* = D0 C^b``).
      params: parameter name -> value.
      objective: the minimised objective at ``params``; what it is depends on the family
        (``t2jax.family_of(law).objective`` says: a Huber sum, a sum of squares, a negative
        log-likelihood).
      n_points: runs used.
      converged: the refinement met its tolerance.
      at_bound: parameters at a bound (a coefficient at 0, an exponent at the grid edge).
      extras: method-specific details (e.g. per-budget minima for ``isoflop``).
    """

    method: str
    law: str
    params: dict
    objective: float
    n_points: int
    converged: bool
    at_bound: tuple = ()
    extras: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        which = f"{self.method} fit of law {self.law}"
        if not self.converged:
            warn(f"{which}: did not converge — try another method or more data, and treat its "
                          "parameters with care", FitWarning)
        if self.at_bound:
            warn(f"{which}: {', '.join(self.at_bound)} at a bound — the data do not pin "
                          f"{'it' if len(self.at_bound) == 1 else 'them'} down; add data that vary it, or use a "
                          "simpler law, before trusting forecasts", FitWarning)

    @property
    def status(self) -> FitStatus:
        if not self.converged:
            return FitStatus.NOT_CONVERGED
        return FitStatus.AT_BOUND if self.at_bound else FitStatus.CONVERGED

    def _law_call(self, which: str, N, D, k):
        if self.law == "isoflop-power":
            raise T2JaxError(f"a {self.method} fit has no loss surface to predict from; use approach3 or varpro")
        law = get_law(self.law)
        if law.has_k and k is None:
            raise T2JaxError(f"law '{self.law}' needs k (samples per question)")
        args = [positive_array(c, {"N": N, "D": D, "k": k}[c]) for c in law.covariates]
        fn = getattr(law, which)
        if fn is None:
            raise T2JaxError(f"law '{self.law}' does not model task accuracy")
        if D is not None:
            warn_extrapolation(self.extrapolation(N, D, k), f"{self.law} prediction")
        return x64(fn)(self.params, *args)

    def extrapolation(self, N, D, k=None) -> dict:
        """Extrapolation factors of ``(N, D, k)`` against the fitted data
        (:func:`t2jax.fitting.extrapolation.extrapolation`); empty if the fit has no ranges."""
        return extrapolation(self.extras.get("fitted_range", {}), N, D, k)

    def predict(self, N, D=None, k=None):
        """The fitted quantity (a loss) at the law's covariates: ``(N, D)``, and ``k`` for T² laws."""
        return self._law_call("loss", N, D, k)

    def accuracy(self, N, D, k):
        """Predicted pass@k at ``(N, D, k)`` (T² laws)."""
        return self._law_call("accuracy", N, D, k)

    def optimal(self, C):
        """Compute-optimal ``(N*(C), D*(C))`` for training budgets ``C = 6 N D``."""
        C = positive_array("C", C)
        if self.law == "isoflop-power":
            p = self.params
            N, D = p["N0"] * C ** p["a"], p["D0"] * C ** p["b"]
        else:
            N, D = x64(compute_optimal)(self.params, C)
        tiny = (np.asarray(N) < 1.0) | (np.asarray(D) < 1.0)
        if tiny.any():
            i = np.flatnonzero(np.ravel(tiny))[0]
            at = lambda a: float(np.broadcast_to(np.asarray(a), tiny.shape).ravel()[i])
            raise T2JaxError(f"budget C = {at(C):g} FLOPs gives N* = {at(N):.3g} parameters and D* = {at(D):.3g} "
                             f"tokens: less than one of either is no model; the budget is far below the fitted runs")
        return N, D

    @classmethod
    def from_dict(cls, data: dict) -> "FitResult":
        """Rebuild a result from :meth:`to_dict` output (e.g. ``t2jax fit --json``),
        checking the law's parameter names, that each is a finite number, and its constraints."""
        if not isinstance(data, dict):
            raise T2JaxError(f"not a t2jax fit: expected a JSON object, got {type(data).__name__}")
        try:
            core = {k: data[k] for k in ("method", "law", "params", "objective", "n_points", "converged")}
        except KeyError as exc:
            raise T2JaxError(f"not a t2jax fit: key {exc.args[0]!r} is missing") from None
        core["params"] = checked_params(core["law"], core["params"])
        extras = {k: v for k, v in data.items() if k not in core and k not in ("at_bound", "status")}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            return cls(**core, at_bound=tuple(data.get("at_bound", ())), extras=extras)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        out = {
            "method": self.method,
            "law": self.law,
            "n_points": int(self.n_points),
            "params": {k: float(v) for k, v in self.params.items()},
            "objective": float(self.objective),
            "converged": bool(self.converged),
            "at_bound": list(self.at_bound),
            "status": self.status.value,
        }
        out.update(jsonable(self.extras))
        return out


ISOFLOP_PARAMS = ("N0", "a", "D0", "b")  # Approach 2's power laws N* = N0 C^a, D* = D0 C^b


def checked_params(law_name, params) -> dict:
    """``params`` as floats, exactly the parameters of law ``law_name``, finite and within
    the law's constraints (or a :class:`T2JaxError` naming the parameter)."""
    if not isinstance(law_name, str):
        raise T2JaxError(f"not a t2jax fit: 'law' must be a law name, got {law_name!r}")
    names = ISOFLOP_PARAMS if law_name == "isoflop-power" else get_law(law_name).params
    if not isinstance(params, dict):
        raise T2JaxError(f"not a t2jax fit: 'params' must be an object of {', '.join(names)}")
    missing, extra = [n for n in names if n not in params], [n for n in params if n not in names]
    if missing or extra:
        raise T2JaxError(f"parameters do not match law '{law_name}' ({', '.join(names)}): "
                         + "; ".join(p for p in (missing and f"missing {', '.join(missing)}",
                                                 extra and f"unexpected {', '.join(extra)}") if p))
    out = {}
    for name in names:
        value = params[name]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise T2JaxError(f"parameter '{name}' must be a number, got {value!r}")
        if not np.isfinite(value):
            raise T2JaxError(f"parameter '{name}' is not finite ({value})")
        kind = "real" if law_name == "isoflop-power" else get_law(law_name).constraint(name)
        if (kind == "nonnegative" and value < 0) or (kind == "positive" and value <= 0) or (
                kind == "unit" and not 0 < value <= 1):
            raise T2JaxError(f"parameter '{name}' = {value} breaks its constraint ({kind}) in law '{law_name}'")
        out[name] = float(value)
    return out


def with_extras(result: FitResult, **extras) -> FitResult:
    """A copy of ``result`` with more ``extras`` (without repeating its warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return dataclasses.replace(result, extras=dict(result.extras) | extras)


def jsonable(obj):
    """``obj`` with NumPy and pandas values turned into plain Python (dict keys as strings)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (np.ndarray, pd.Series)):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return obj
