r"""Bootstrap resamples as multinomial weight matrices.

A resample of :math:`n` runs is a vector of multiplicities :math:`w \in \mathbb{N}^n`
with :math:`\sum_i w_i = n`; a batch of :math:`R` resamples is an :math:`R \times n`
matrix :math:`W`. Every weighted fit is then a function of :math:`W`, so a batch of
refits is one array program (and for laws linear in their coefficients, its normal
equations are matrix products :math:`W \cdot \text{features}`).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.errors import T2JaxError
from t2jax.validate import check_count, check_memory, check_seed


def point_weights(seed: int, n: int, n_resamples: int) -> np.ndarray:
    """``(R, n)`` multiplicities of ``n`` points drawn with replacement, per resample."""
    return np.asarray(_point_counts(jax.random.key(seed), n, n_resamples), np.float64)


@functools.partial(jax.jit, static_argnums=(1, 2))
def _point_counts(key, n: int, n_resamples: int):
    idx = jax.random.randint(key, (n_resamples, n), 0, n)
    return jax.vmap(lambda i: jnp.bincount(i, length=n))(idx)


def group_weights(seed: int, groups, n_resamples: int) -> np.ndarray:
    """``(R, n)`` multiplicities from resampling whole groups (a model size, a budget,
    a checkpoint) with replacement; every run inherits its group's count."""
    labels, index = np.unique(np.asarray(groups), return_inverse=True)
    if labels.size < 2:
        raise T2JaxError("group resampling needs at least 2 groups")
    counts = point_weights(seed, labels.size, n_resamples)
    return counts[:, index]


def resample_weights(seed: int, n: int, n_resamples: int, *, groups=None) -> np.ndarray:
    """Point resampling, or group resampling when ``groups`` (one label per run) is given."""
    seed, n_resamples = check_seed(seed), check_count("n_resamples", n_resamples)
    n_units = n if groups is None else len(np.unique(np.asarray(groups)))
    check_memory(f"{n_resamples:,} resamples of {n:,} rows", 8.0 * n_resamples * (n + 2 * n_units),
                 "use fewer resamples, or run several bootstraps with different seeds and pool their draws")
    if groups is None:
        return point_weights(seed, n, n_resamples)
    if len(groups) != n:
        raise T2JaxError(f"groups has {len(groups)} labels for {n} runs")
    return group_weights(seed, groups, n_resamples)
