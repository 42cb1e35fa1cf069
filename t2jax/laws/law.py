r"""The one law type: what a law predicts, from which covariates, with which parameters.

A :class:`Law` is a small frozen record of pure functions and names. Every stage of
the pipeline takes one (or its registered name): fitters read its parameter names,
constraints and linear structure; allocation reads ``accuracy``; bootstrap,
posterior, backtest and report read the same object. A law whose prediction is an
*additive power law*

.. math::  L(x) = E + \sum_{j=1}^{J} C_j \, x_j^{-\theta_j}, \qquad E, C_j \ge 0,

declares it with :class:`PowerSum` (its coefficients, ``E`` first, and exponents):
for fixed exponents it is linear in its coefficients, which the Variable Projection
engine exploits. Laws without that structure name a ``family`` that a fitting engine
is registered for.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, NamedTuple, Optional

import jax
import jax.numpy as jnp

from t2jax.errors import T2JaxError
from t2jax.laws.beta import beta_log_miss
from t2jax.laws.chinchilla import chinchilla_loss

#: Parameter constraints a law may declare (name -> one of these).
CONSTRAINTS = ("real", "nonnegative", "positive", "unit")  # unit: (0, 1]
#: The law's callables, stored compiled.
COMPILED_FIELDS = ("loss", "accuracy", "log_miss", "problem_beta", "loss_log_miss")


class PowerSum(NamedTuple):
    """The linear structure of an additive power law: coefficients (``E`` first) and exponents."""

    coefficients: tuple[str, ...]
    exponents: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Law:
    r"""A scaling law.

    Attributes:
      name: registry key (``"chinchilla"``, ``"t2-loss"``, ...).
      covariates: covariate names in call order, e.g. ``("N", "D")`` or ``("N", "D", "k")``.
      params: parameter names, in the order fitters report them.
      loss: ``loss(params, *covariates)``, the fitted quantity (a loss; for pass@k laws
        the task loss ``-log pass@k``).
      accuracy: ``accuracy(params, N, D, k)``, pass@k, where the law models it.
      log_miss: ``log_miss(params, N, D, k)``, :math:`\log(1 - \mathrm{pass}@k)` computed
        stably (resolved where pass@k rounds to 1); derived from ``accuracy`` when absent.
      constraints: ``(name, constraint)`` pairs (see :data:`CONSTRAINTS`); others are real.
      linear: the :class:`PowerSum` structure when the law is an additive power law.
      family: which fitting engine fits it (``"power-sum"`` when ``linear`` is given).
      methods: fitting methods, the default first.
      data: ``"runs"`` (losses of training runs) or ``"samples"`` (repeated-sampling counts)
        -- what a user fits it to.
      loss_log_miss: ``loss_log_miss(params, L, k)``, for laws whose pass@k depends on
        ``(N, D)`` only through the Chinchilla surface ``L = E + A/N^alpha + B/D^beta`` of
        their own parameters: ``log_miss(params, N, D, k)`` is this at that ``L``,
        increasing in ``L`` (target allocation then solves one root per ``k``).
      problem_beta: ``problem_beta(params, N, D) -> (a, b)``, for laws whose per-problem
        success rate at a checkpoint is ``Beta(a, b)`` (:func:`beta_law`): a count's
        predictive is then its checkpoint's Beta-binomial.
      description: one line for help texts.

    The callables are stored compiled (``jax.jit``): evaluated from host code (predictions,
    backtests, reports) each costs one compiled program per argument shape, not one per
    primitive; inside other compiled programs they inline as before.
    """

    name: str
    covariates: tuple[str, ...]
    params: tuple[str, ...]
    loss: Callable
    accuracy: Optional[Callable] = None
    log_miss: Optional[Callable] = None
    problem_beta: Optional[Callable] = None
    loss_log_miss: Optional[Callable] = None
    constraints: tuple[tuple[str, str], ...] = ()
    linear: Optional[PowerSum] = None
    family: str = "power-sum"
    methods: tuple[str, ...] = ("approach3", "varpro")
    data: str = "runs"
    description: str = ""

    def __post_init__(self):
        for field in COMPILED_FIELDS:
            fn = getattr(self, field)
            if fn is not None and not hasattr(fn, "lower"):  # not yet compiled
                object.__setattr__(self, field, jax.jit(fn))
        for name, kind in self.constraints:
            if name not in self.params or kind not in CONSTRAINTS:
                raise T2JaxError(f"law '{self.name}': bad constraint ({name!r}, {kind!r})")
        if self.linear is not None:
            if tuple(self.linear.coefficients + self.linear.exponents) != tuple(self.params):
                raise T2JaxError(f"law '{self.name}': params must be its coefficients then its exponents")
            if not len(self.linear.exponents) == len(self.covariates) == len(self.linear.coefficients) - 1:
                raise T2JaxError(f"law '{self.name}': an additive power law has one coefficient and one exponent "
                                 "per covariate, plus E")

    # The additive power-law view (fitters of the power-sum family use these).
    @property
    def coefficients(self) -> tuple[str, ...]:
        return self._linear().coefficients

    @property
    def exponents(self) -> tuple[str, ...]:
        return self._linear().exponents

    @property
    def n_params(self) -> int:
        return len(self.params)

    @property
    def has_k(self) -> bool:
        return "k" in self.covariates

    def log_miss_rate(self, params, N, D, k):
        r""":math:`\log(1 - \mathrm{pass}@k)`, the stable objective of allocation."""
        if self.log_miss is not None:
            return self.log_miss(params, N, D, k)
        if self.accuracy is None:
            raise T2JaxError(f"law '{self.name}' does not model pass@k")
        return jnp.log1p(-self.accuracy(params, N, D, k))

    def constraint(self, name: str) -> str:
        return dict(self.constraints).get(name, "real")

    def _linear(self) -> PowerSum:
        if self.linear is None:
            raise T2JaxError(f"law '{self.name}' is not an additive power law")
        return self.linear


def power_sum_law(name, covariates, coefficients, exponents, loss, accuracy=None, **fields) -> Law:
    """An additive power law: coefficients non-negative, exponents positive."""
    constraints = tuple((c, "nonnegative") for c in coefficients) + tuple((e, "positive") for e in exponents)
    return Law(name, tuple(covariates), tuple(coefficients) + tuple(exponents), loss, accuracy,
               constraints=constraints, linear=PowerSum(tuple(coefficients), tuple(exponents)), **fields)


def beta_law(name, covariates, params, problem_beta, **fields) -> Law:
    r"""A law whose per-problem success rate at a checkpoint is :math:`\mathrm{Beta}(a, b)`
    with ``(a, b) = problem_beta(params, N, D)``: :math:`\mathrm{pass}@k = 1 - B(a, b + k)/B(a, b)`."""
    log_miss = lambda p, N, D, k: beta_log_miss(*problem_beta(p, N, D), k)
    return miss_rate_law(name, covariates, params, log_miss, problem_beta=problem_beta, **fields)


def miss_rate_law(name, covariates, params, log_miss, **fields) -> Law:
    r"""A pass@k law given by its stable :math:`\log(1 - \mathrm{pass}@k)`: accuracy is
    ``-expm1(log_miss)`` and the task loss ``-log1p(-exp(log_miss))``."""
    accuracy = lambda p, N, D, k: -jnp.expm1(log_miss(p, N, D, k))
    loss = lambda p, N, D, k: -jnp.log1p(-jnp.exp(log_miss(p, N, D, k)))
    return Law(name, tuple(covariates), tuple(params), loss, accuracy, log_miss, **fields)


def loss_beta_law(name, covariates, params, beta_at_loss, **fields) -> Law:
    """A :func:`beta_law` whose ``(a, b) = beta_at_loss(params, L)`` depend on ``(N, D)``
    only through the Chinchilla surface ``L`` of its parameters (``loss_log_miss``)."""
    return beta_law(name, covariates, params, lambda p, N, D: beta_at_loss(p, chinchilla_loss(p, N, D)),
                    loss_log_miss=lambda p, L, k: beta_log_miss(*beta_at_loss(p, L), k), **fields)
