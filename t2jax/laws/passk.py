r"""pass@k: the unbiased estimator, its aggregate, and the T² task loss.

For a problem sampled :math:`n` times with :math:`c` correct, the unbiased estimator of
the probability that at least one of :math:`k \le n` samples is correct is
(Chen et al. 2021)

.. math:: \widehat{\mathrm{pass}@k} = 1 - \binom{n-c}{k} \Big/ \binom{n}{k}
          = 1 - \exp\big(\ln\Gamma(n-c+1) + \ln\Gamma(n-k+1) - \ln\Gamma(n-c-k+1) - \ln\Gamma(n+1)\big),

computed with ``gammaln`` and ``expm1`` so it stays exact to float64 rounding for
:math:`n` in the millions; it is exactly 1 when :math:`n - c < k`.

**Unsolved problems.** The per-question T² loss :math:`-\log(1 - (1-p_i)^k)` is
infinite for a problem never solved (:math:`c_i = 0`). t2jax's task loss is therefore
the *aggregate* :math:`-\log \overline{\mathrm{pass}@k}` (mean over problems first),
finite as soon as any problem is solved once; :func:`task_loss` returns ``inf`` only
when none is, and :func:`per_question_loss` keeps ``inf`` for unsolved problems
rather than dropping or clipping them.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.special import gammaln


def pass_at_k(n, c, k):
    """Unbiased pass@k per problem; broadcasts over ``n``, ``c``, ``k`` (requires k <= n)."""
    n, c, k = (jnp.asarray(v, jnp.result_type(float)) for v in (n, c, k))
    fail = n - c
    certain = fail < k
    safe_fail = jnp.where(certain, k, fail)  # keep gammaln's argument >= 1 on the masked branch
    log_ratio = gammaln(safe_fail + 1) + gammaln(n - k + 1) - gammaln(safe_fail - k + 1) - gammaln(n + 1)
    return jnp.where(certain, 1.0, -jnp.expm1(log_ratio))


def aggregate_pass_at_k(n, c, k, axis=-1):
    """Mean pass@k over problems (the last axis by default)."""
    return jnp.mean(pass_at_k(n, c, k), axis=axis)


def task_loss(n, c, k, axis=-1):
    """T² task loss ``-log(mean_i pass_i@k)``; ``inf`` only if no problem was ever solved."""
    return -jnp.log(aggregate_pass_at_k(n, c, k, axis=axis))


def per_question_loss(p, k):
    """T²'s per-question loss ``-log(1 - (1 - p)^k)`` (``inf`` where ``p = 0``)."""
    p = jnp.asarray(p)
    return -jnp.log(-jnp.expm1(k * jnp.log1p(-p)))
