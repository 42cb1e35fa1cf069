"""Laws by name: the one list every fitter, allocation, backtest, report and CLI choice
is derived from. A new law is one :class:`~t2jax.laws.law.Law` passed to :func:`register`."""

from __future__ import annotations

from typing import Optional, Union

from t2jax.errors import T2JaxError
from t2jax.laws.beta_links import BETA_LOSS, BETA_ND
from t2jax.laws.chinchilla import CHINCHILLA
from t2jax.laws.joint import T2_JOINT
from t2jax.laws.law import Law
from t2jax.laws.t2 import T2_BETA, T2_LOSS

LAWS: dict[str, Law] = {}


def register(law: Law) -> Law:
    """Add (or replace) ``law`` under its name; returns it."""
    if not isinstance(law, Law):
        raise T2JaxError(f"register takes a t2jax Law, not {type(law).__name__}")
    LAWS[law.name] = law
    return law


def get_law(law: Union[str, Law]) -> Law:
    """The registered law of that name (a :class:`Law` is returned as it is)."""
    if isinstance(law, Law):
        return law
    if law not in LAWS:
        raise T2JaxError(f"unknown law '{law}'; known laws: {', '.join(LAWS)}")
    return LAWS[law]


def law_names(*, data: Optional[str] = None, accuracy: Optional[bool] = None) -> tuple[str, ...]:
    """Registered law names, optionally only those fitted to ``data`` (``"runs"`` or
    ``"samples"``) or only those that model (or do not model) pass@k."""
    return tuple(
        name for name, law in LAWS.items()
        if (data is None or law.data == data) and (accuracy is None or (law.accuracy is not None) == accuracy)
    )


def builtin_law(law, **_) -> bool:
    """Whether ``law`` (a name) is one of t2jax's own laws, not one registered by a user
    (whose code a stored program's key does not cover: :mod:`t2jax.programs`)."""
    return isinstance(law, str) and LAWS.get(law) in BUILTIN


def method_names() -> tuple[str, ...]:
    """Every fitting method some registered law accepts, in first-seen order."""
    return tuple(dict.fromkeys(m for law in LAWS.values() for m in law.methods))


BUILTIN = (CHINCHILLA, T2_LOSS, T2_BETA, T2_JOINT, BETA_ND, BETA_LOSS)
for _law in BUILTIN:
    register(_law)
