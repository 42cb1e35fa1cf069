"""Argument checks shared by every user-facing entry point: each returns the value in
its canonical type or raises :class:`~t2jax.errors.T2JaxError` naming the argument."""

from __future__ import annotations

import math

from t2jax.errors import T2JaxError

MAX_SEED = 2**32 - 1


def _number(name, value) -> float:
    if isinstance(value, bool):
        raise T2JaxError(f"{name} must be a number, not {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise T2JaxError(f"{name} must be a number, not {value!r}") from None


def check_seed(seed) -> int:
    """A seed: a whole number in [0, 2**32 - 1]."""
    if isinstance(seed, bool) or not isinstance(seed, int) and not (hasattr(seed, "__index__")):
        raise T2JaxError(f"seed must be a whole number in [0, {MAX_SEED}]; got {seed!r}")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise T2JaxError(f"seed must be a whole number in [0, {MAX_SEED}]; got {seed}")
    return seed


def check_level(level) -> float:
    """An interval level in (0, 1)."""
    value = _number("level", level)
    if not 0.0 < value < 1.0:
        raise T2JaxError(f"level must lie in (0, 1), e.g. 0.9 for 90% intervals; got {level}")
    return value


def check_positive(name: str, value) -> float:
    """A finite number > 0."""
    number = _number(name, value)
    if not (math.isfinite(number) and number > 0):
        raise T2JaxError(f"{name} must be a finite number > 0; got {value}")
    return number


def check_count(name: str, value, least: int = 1) -> int:
    """A whole number >= ``least``."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise T2JaxError(f"{name} must be a whole number >= {least}; got {value!r}")
    if int(value) < least:
        raise T2JaxError(f"{name} must be a whole number >= {least}; got {int(value)}")
    return int(value)


def positive_array(name: str, value, what: str = "finite and > 0"):
    """``value`` as a float64 array of finite numbers > 0 (or a :class:`T2JaxError`
    naming ``name`` and the first bad value)."""
    import numpy as np

    try:
        arr = np.asarray(value, np.float64)
    except (TypeError, ValueError):
        raise T2JaxError(f"{name} must be {what}; got {value!r}") from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise T2JaxError(f"{name} must be {what}; got {arr.ravel()[np.argmax(bad.ravel())]:g}")
    return arr


def check_scalar_budget(name, value, unit: str = "FLOPs") -> float:
    """One budget (a single positive, finite number); arrays are refused with a pointer
    to the functions that take several budgets."""
    value = check_budget(name, value, unit)
    if not isinstance(value, float):
        raise T2JaxError(f"{name} must be one number here, got {getattr(value, 'size', 1)} values; "
                         "t2jax.frontier takes a list of training budgets")
    return value


def check_budget(name, value, unit: str = "FLOPs"):
    """A budget (a number or an array of them): positive and finite."""
    arr = positive_array(name, value, f"a positive number of {unit}")
    return float(arr) if arr.ndim == 0 else arr


#: Share of the machine's physical memory one request may plan to use.
MEMORY_SHARE = 0.75


def memory_limit() -> float:
    """Bytes a single request may use: ``T2JAX_MEMORY_LIMIT_GB`` if set, else 75% of physical memory."""
    import os

    if os.environ.get("T2JAX_MEMORY_LIMIT_GB"):
        return float(os.environ["T2JAX_MEMORY_LIMIT_GB"]) * 2.0**30
    try:
        return MEMORY_SHARE * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf: no limit
        return float("inf")


def check_memory(what: str, nbytes: float, hint: str) -> None:
    """Refuse, before any work, a request whose arrays would not fit in memory (one line
    with the estimate, the limit and what to change)."""
    limit = memory_limit()
    if nbytes > limit:
        raise T2JaxError(f"{what} needs about {nbytes / 2**30:,.1f} GiB, more than the {limit / 2**30:,.1f} GiB "
                         f"this machine allows (T2JAX_MEMORY_LIMIT_GB sets it); {hint}")
