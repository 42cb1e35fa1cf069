"""Laws and families by name: the one dispatch table of t2jax. Every list of law names
(fitters, allocation, backtest, report, CLI choices) is derived from :data:`LAWS`, and
every stage reaches a law's machinery through :func:`family_of`.

A new law of an existing family is one :class:`~t2jax.laws.law.Law` passed to
:func:`register`; a new family is one :class:`~t2jax.laws.family.Family` passed to
:func:`register_family` (t2jax's own are in :mod:`t2jax.families`)."""

from __future__ import annotations

from typing import Optional, Union

from t2jax.errors import T2JaxError
from t2jax.laws.family import Family
from t2jax.laws.law import Law

LAWS: dict[str, Law] = {}
FAMILIES: dict[str, Family] = {}
#: t2jax's own laws (a stored program's key covers their code: :mod:`t2jax.programs`).
BUILTIN: dict[str, Law] = {}


def register_family(family: Family) -> Family:
    """Add a family under its name; returns it."""
    if not isinstance(family, Family) or not family.name:
        raise T2JaxError(f"register_family takes a named t2jax Family, not {family!r}")
    FAMILIES[family.name] = family
    return family


def register(law: Law, *, builtin: bool = False, replace: bool = False) -> Law:
    """Add ``law`` under its name; returns it. Its family must be registered. A built-in
    law is replaced only with ``replace=True`` (refused otherwise, so a name clash never
    silently changes what every stage fits)."""
    if not isinstance(law, Law):
        raise T2JaxError(f"register takes a t2jax Law, not {type(law).__name__}")
    if law.name in BUILTIN and BUILTIN[law.name] is not law and not replace:
        raise T2JaxError(f"law '{law.name}' is built in; give your law another name, or pass replace=True "
                         "to replace it everywhere")
    if law.family not in FAMILIES:
        raise T2JaxError(f"law '{law.name}': unknown family '{law.family}'; registered families: "
                         f"{', '.join(FAMILIES)} (register_family first)")
    LAWS[law.name] = law
    if builtin:
        BUILTIN[law.name] = law
    return law


def get_law(law: Union[str, Law]) -> Law:
    """The registered law of that name (a :class:`Law` is returned as it is)."""
    if isinstance(law, Law):
        return law
    if law not in LAWS:
        raise T2JaxError(f"unknown law '{law}'; known laws: {', '.join(LAWS)}")
    return LAWS[law]


def family_of(law: Union[str, Law]) -> Family:
    """The family that fits ``law``."""
    law = get_law(law)
    if law.family not in FAMILIES:
        raise T2JaxError(f"law '{law.name}' belongs to family '{law.family}', which is not registered")
    return FAMILIES[law.family]


def law_names(*, data: Optional[str] = None, accuracy: Optional[bool] = None) -> tuple[str, ...]:
    """Registered law names, optionally only those fitted to ``data`` (``"runs"`` or
    ``"samples"``) or only those that model (or do not model) pass@k."""
    return tuple(
        name for name, law in LAWS.items()
        if (data is None or law.data == data) and (accuracy is None or (law.accuracy is not None) == accuracy)
    )


def builtin_law(law, **_) -> bool:
    """Whether ``law`` (a name) is one of t2jax's own laws, not one registered by a user."""
    return isinstance(law, str) and law in BUILTIN and LAWS.get(law) is BUILTIN[law]


def method_names() -> tuple[str, ...]:
    """Every fitting method some registered law accepts, in first-seen order."""
    return tuple(dict.fromkeys(m for law in LAWS.values() for m in law.methods))
