"""Refit kernels: how one weighted refit of a method finds its starts and refines them.

The batched driver (:mod:`t2jax.uncertainty.batched`) is method-agnostic; a kernel
binds it to one method of the power-law engine (:mod:`t2jax.fitting.engine`), much
as a numpyro MCMC driver takes a NUTS or HMC kernel. Each function takes the shared
``data`` (:class:`RefitData`) and one row ``w`` of the weight matrix.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import jax.numpy as jnp
import numpy as np

from t2jax.errors import T2JaxError
from t2jax.fitting.engine import (
    grid_starts,
    huber_starts,
    quick_refine_sse,
    refine_huber,
    refine_sse,
)


class RefitData(NamedTuple):
    """Arrays every refit shares: scaled covariates, loss, exponent grids, Huber delta."""

    X: object
    y: object
    grids: tuple
    delta: object


class RefitKernel(NamedTuple):
    """One method's refit: ``starts(data, w, n)``, ``refine_best``/``refine_all(data, w,
    starts, valid, max_iter)`` returning outputs whose last entry is ``converged``, and
    ``unpack(out, m)`` -> ``(coef, theta, objective, converged)`` in scaled units."""

    name: str
    quick_iterations: int
    starts: Callable
    refine_best: Callable
    refine_all: Callable
    unpack: Callable


def _huber(d, w, p, v, it):
    return refine_huber(d.X, d.y, w, p, v, d.delta, True, it)


def _unpack_log(out, m):
    p, value, converged = (np.asarray(a) for a in out)
    return np.exp(p[:, :m]), p[:, m:], value, converged


VARPRO = RefitKernel(
    "varpro", 6,
    starts=lambda d, w, n: grid_starts(d.X, d.y, w, d.grids, n),
    refine_best=lambda d, w, t, v, it: quick_refine_sse(d.X, d.y, w, t[0], it),
    refine_all=lambda d, w, t, v, it: refine_sse(d.X, d.y, w, t, v, it),
    unpack=lambda out, m: tuple(np.asarray(a) for a in out),
)

APPROACH3 = RefitKernel(
    "approach3", 40,
    starts=lambda d, w, n: huber_starts(d.X, d.y, w, d.grids, d.delta, n, True),
    refine_best=_huber,
    refine_all=_huber,
    unpack=_unpack_log,
)

KERNELS = {k.name: k for k in (VARPRO, APPROACH3)}


def get_kernel(method: str) -> RefitKernel:
    if method not in KERNELS:
        raise T2JaxError(f"bootstrap supports method {' or '.join(map(repr, KERNELS))}, not {method!r}: "
                         "refits need --method approach3 or varpro (a parametric law fit)")
    return KERNELS[method]


def refit_data(X, y, grids, delta) -> RefitData:
    return RefitData(jnp.asarray(X), jnp.asarray(y), tuple(grids), jnp.asarray(delta, jnp.asarray(y).dtype))
