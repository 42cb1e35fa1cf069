r"""pass@k: the unbiased estimator, its aggregate, and the T² task loss.

For a problem sampled :math:`n` times with :math:`c` correct, the unbiased estimator of
the probability that at least one of :math:`k \le n` samples is correct is
(Chen et al. 2021)

.. math:: \widehat{\mathrm{pass}@k} = 1 - \binom{n-c}{k} \Big/ \binom{n}{k}
          = 1 - \exp\big(\ln\Gamma(n-c+1) + \ln\Gamma(n-k+1) - \ln\Gamma(n-c-k+1) - \ln\Gamma(n+1)\big),

which is exactly 1 when :math:`n - c < k` and exactly 0 when :math:`c = 0`. The
ratio is symmetric in :math:`c` and :math:`k`: with :math:`m = \min(c, k)` and
:math:`M = \max(c, k)`,

.. math:: \binom{n-c}{k} \Big/ \binom{n}{k} = \prod_{j=0}^{m-1} \Big(1 - \frac{M}{n-j}\Big),

summed in log space with ``log1p`` when :math:`m \le 512` (exact to rounding even
when pass@k is tiny), and from ``gammaln`` differences otherwise, where pass@k
:math:`\ge 1 - e^{-512^2/n}` is far from 0 and the cancellation harmless.

**Unsolved problems.** The per-question T² loss :math:`-\log(1 - (1-p_i)^k)` is
infinite for a problem never solved (:math:`c_i = 0`). t2jax's task loss is therefore
the *aggregate* :math:`-\log \overline{\mathrm{pass}@k}` (mean over problems first),
finite as soon as any problem is solved once; :func:`task_loss` returns ``inf`` only
when none is, and :func:`per_question_loss` keeps ``inf`` for unsolved problems
rather than dropping or clipping them.

These are estimators of data: each computes in float64 whatever the caller's JAX setting
(one compiled program per array shape) and returns NumPy arrays.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from t2jax.errors import T2JaxError
from t2jax.precision import x64
from t2jax.programs import bucket

PRODUCT_TERMS = 512


def pass_at_k(n, c, k):
    """Unbiased pass@k per problem; broadcasts over ``n``, ``c``, ``k``. Requires whole
    counts ``0 <= c <= n`` and ``1 <= k <= n`` (a :class:`T2JaxError` says where not)."""
    n, c, k = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (n, c, k)))
    for name, values, low, high, rule in (("n", n, 1, None, "n >= 1"), ("c", c, 0, n, "0 <= c <= n"),
                                          ("k", k, 1, n, "1 <= k <= n")):
        bad = ~np.isfinite(values) | (values < low) | (values > (np.inf if high is None else high))
        if name != "k":
            bad |= values != np.round(values)
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            raise T2JaxError(f"pass_at_k needs whole counts with {rule}; got n={n.ravel()[i]:g}, "
                             f"c={c.ravel()[i]:g}, k={k.ravel()[i]:g} at flat index {i}")
    return pass_at_k_unchecked(n, c, k)


@x64
def pass_at_k_unchecked(n, c, k):
    """:func:`pass_at_k` without the argument checks (callers that masked invalid cells).
    Cells are flattened and padded to a :func:`~t2jax.programs.bucket` size (with n = k = 1,
    c = 0), so tables of any shape share a few compiled programs."""
    n, c, k = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (n, c, k)))
    size = n.size
    pad = lambda a, fill: np.concatenate([a.ravel(), np.full(bucket(size) - size, fill)])
    return np.asarray(_pass_at_k(pad(n, 1.0), pad(c, 0.0), pad(k, 1.0)))[:size].reshape(n.shape)


@jax.jit
def _pass_at_k(n, c, k):
    certain = n - c < k
    m, M = jnp.minimum(c, k), jnp.maximum(c, k)
    n_safe = jnp.where(certain, n + M + PRODUCT_TERMS, n)  # keeps every masked log argument valid

    def term(j, acc):
        return acc + jnp.where(j < m, jnp.log1p(-M / (n_safe - j)), 0.0)

    product = jax.lax.fori_loop(0, PRODUCT_TERMS, term, jnp.zeros_like(n))
    gamma = gammaln(n_safe - c + 1) + gammaln(n_safe - k + 1) - gammaln(n_safe - c - k + 1) - gammaln(n_safe + 1)
    log_ratio = jnp.where(m <= PRODUCT_TERMS, product, gamma)
    return jnp.where(certain, 1.0, -jnp.expm1(log_ratio))


def aggregate_pass_at_k(n, c, k, axis=-1):
    """Mean pass@k over problems (the last axis by default)."""
    return pass_at_k(n, c, k).mean(axis=axis)


def task_loss(n, c, k, axis=-1):
    """T² task loss ``-log(mean_i pass_i@k)``; ``inf`` only if no problem was ever solved."""
    with np.errstate(divide="ignore"):
        return -np.log(aggregate_pass_at_k(n, c, k, axis=axis))


@x64
def per_question_loss(p, k):
    """T²'s per-question loss ``-log(1 - (1 - p)^k)`` (``inf`` where ``p = 0``)."""
    p = jnp.asarray(p)
    return -jnp.log(-jnp.expm1(k * jnp.log1p(-p)))
