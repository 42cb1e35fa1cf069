"""Laws by name: what the fitters, allocation and backtests accept.

Each entry says which covariates the law takes, how it predicts the fitted quantity
(a loss), and how it predicts task accuracy (pass@k) where that is defined. A new
law is one :class:`LawSpec` added with :func:`register`.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional

import jax.numpy as jnp

from t2jax.errors import T2JaxError
from t2jax.laws.beta_links import beta_loss_accuracy, beta_nd_accuracy
from t2jax.laws.chinchilla import chinchilla_loss
from t2jax.laws.t2 import t2_beta_accuracy, t2_loss


class LawSpec(NamedTuple):
    name: str
    covariates: tuple[str, ...]
    loss: Callable  # (params, *covariates) -> loss
    accuracy: Optional[Callable] = None  # (params, N, D, k) -> pass@k


LAWS: dict[str, LawSpec] = {}


def register(spec: LawSpec) -> LawSpec:
    LAWS[spec.name] = spec
    return spec


def get_law(name: str) -> LawSpec:
    if name not in LAWS:
        raise T2JaxError(f"unknown law '{name}'; known laws: {', '.join(LAWS)}")
    return LAWS[name]


register(LawSpec("chinchilla", ("N", "D"), chinchilla_loss))
register(LawSpec("t2-loss", ("N", "D", "k"), t2_loss, lambda p, N, D, k: jnp.exp(-t2_loss(p, N, D, k))))
register(LawSpec("t2-beta", ("N", "D", "k"), lambda p, N, D, k: -jnp.log(t2_beta_accuracy(p, N, D, k)), t2_beta_accuracy))
for _name, _acc in (("beta-nd", beta_nd_accuracy), ("beta-loss", beta_loss_accuracy)):
    register(LawSpec(_name, ("N", "D", "k"), lambda p, N, D, k, _acc=_acc: -jnp.log(_acc(p, N, D, k)), _acc))
