"""The one protocol every law family implements, and its refusals.

A *family* is the machinery behind a set of laws that share one way of being fitted:
the additive power laws (VarPro / Approach 3), T² Approach 2 (a Beta driven by a
fitted loss), the per-problem Beta links, the joint Beta-binomial model. Each lives in
one folder of :mod:`t2jax.families` (its laws, link, fit, refit kernel and numpyro
model) and registers one :class:`Family` object; every stage reaches a family only
through :func:`t2jax.laws.registry.family_of`, so a new family is one folder and one
:func:`~t2jax.laws.registry.register_family` call.

The stages call, for a law ``law`` of the family:

* ``fit_runs(runs, law, method, **options)``: a fit to training runs (loss laws);
* ``fit_counts(data, table, law, method, **options)``: a fit to repeated-sampling counts
  (``data`` as given, ``table`` its pass@k table, :mod:`t2jax.data.passk_table`);
* ``bootstrap(data, law, n_resamples, *, point, seed, method, ks, **options)``: refits of
  resamples through the batched driver, starting from the point fit ``point``;
* ``posterior(data, law, *, point, ks, **options)``: a numpyro posterior;
* ``studies(law)``: the kernel that simulates, fits and refits a batch of simulated
  studies at once (:mod:`t2jax.calibration`);
* ``count_loglik(fit, law, train, test)``: the log predictive probability of every
  held-out count (what backtests score as ``heldout_loglik``). By default a law with a
  per-problem Beta (``Law.problem_beta``) predicts each count by its checkpoint's
  Beta-binomial; other laws predict no per-problem distribution (None).

A family that lacks a stage inherits the refusal here: one :class:`T2JaxError` line
naming the law and the stage, never a ``KeyError``. The keyword options a stage honours
are those its method declares; the stages refuse any other by name.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.errors import T2JaxError
from t2jax.laws.beta import beta_binomial_logpmf
from t2jax.precision import x64


class Family:
    """Base of every family: the stages it does not implement are refused clearly.

    Attributes:
      name: the key laws use in ``Law.family``.
      objective: what ``FitResult.objective`` holds for the family's fits (documented
        per family, as it differs: a sum of squares, a Huber sum, a negative log-likelihood).
      from_curves: True when aggregate pass@k curves identify the family's laws; the
        others need per-problem counts and refuse an aggregate table.
    """

    name: str = ""
    objective: str = ""
    #: Whether the family's laws are identified by aggregate pass@k curves alone (a
    #: :class:`~t2jax.data.PassKTable` without per-problem counts).
    from_curves: bool = False

    def fit_runs(self, runs, law, method, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) is not fitted to training runs")

    def fit_counts(self, data, table, law, method, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) is not fitted to repeated-sampling counts")

    def bootstrap(self, data, law, n_resamples, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) has no bootstrap")

    def posterior(self, data, law, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) has no posterior")

    def studies(self, law):
        """The family's kernel for batched simulated studies (:mod:`t2jax.calibration`): a
        class built from a :class:`~t2jax.data.design.Design`, with ``simulate`` (one
        study's counts), ``width`` and ``prepare`` (a batch of counts in the form ``fit``
        and ``refit`` take, padded to a width every process of a run shares), ``fit``,
        ``refit``, ``table``, ``default_design`` and a default ``truth``."""
        raise T2JaxError(f"law '{law.name}' (family {self.name}) has no batched simulated studies yet "
                         f"(t2jax.study runs t2-joint and t2-irt)")

    def count_loglik(self, fit, law, train, test):
        """Log predictive probability of each count of ``test`` (checkpoints x problems, NaN
        where a problem was not asked) under ``fit`` (fitted to ``train``), in nats; None when
        the law predicts no per-problem distribution."""
        if law.problem_beta is None:
            return None
        ll = _beta_binomial_counts(law.problem_beta, fit.params, test.N, test.D, test.n, test.c)
        return np.where(test.observed, ll, np.nan)

    def stages(self) -> tuple[str, ...]:
        """The stages this family implements (the others are refused)."""
        return tuple(s for s in ("fit_runs", "fit_counts", "bootstrap", "posterior", "studies")
                     if getattr(type(self), s) is not getattr(Family, s))


@x64
def _beta_binomial_counts(problem_beta, params, N, D, n, c):
    return _beta_binomial_program(problem_beta, params, *(np.asarray(v, np.float64) for v in (N, D, n, c)))


@functools.partial(jax.jit, static_argnums=0)
def _beta_binomial_program(problem_beta, params, N, D, n, c):
    a, b = problem_beta(params, jnp.asarray(N), jnp.asarray(D))
    return beta_binomial_logpmf(a[:, None], b[:, None], jnp.asarray(n), jnp.asarray(c))
