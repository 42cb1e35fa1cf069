"""Float64 where the maths needs it, without touching the user's global JAX settings.

Scaling-law fits are badly conditioned (features span 10+ orders of magnitude and
the interesting optimum sits in a long, flat valley), so every public fitting entry
point runs inside :func:`jax.enable_x64` as a *context*: the user's global
``jax_enable_x64`` flag is unchanged on return, and results come back as NumPy
float64 arrays.
"""

from __future__ import annotations

import functools

import jax
import numpy as np


def x64(fn):
    """Decorator: run ``fn`` with 64-bit JAX types enabled, return NumPy outputs."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with jax.enable_x64(True):
            out = fn(*args, **kwargs)
            return jax.tree_util.tree_map(_to_numpy, out)

    return wrapper


def _to_numpy(leaf):
    if isinstance(leaf, jax.Array):
        return np.asarray(leaf)
    return leaf
