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
* ``posterior(data, law, *, point, ks, **options)``: a numpyro posterior.

A family that lacks a stage inherits the refusal here: one :class:`T2JaxError` line
naming the law and the stage, never a ``KeyError``. The keyword options a stage honours
are those its method declares; the stages refuse any other by name.
"""

from __future__ import annotations

from t2jax.errors import T2JaxError


class Family:
    """Base of every family: the stages it does not implement are refused clearly.

    Attributes:
      name: the key laws use in ``Law.family``.
      objective: what ``FitResult.objective`` holds for the family's fits (documented
        per family, as it differs: a sum of squares, a Huber sum, a negative log-likelihood).
    """

    name: str = ""
    objective: str = ""

    def fit_runs(self, runs, law, method, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) is not fitted to training runs")

    def fit_counts(self, data, table, law, method, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) is not fitted to repeated-sampling counts")

    def bootstrap(self, data, law, n_resamples, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) has no bootstrap")

    def posterior(self, data, law, **options):
        raise T2JaxError(f"law '{law.name}' (family {self.name}) has no posterior")

    def stages(self) -> tuple[str, ...]:
        """The stages this family implements (the others are refused)."""
        return tuple(s for s in ("fit_runs", "fit_counts", "bootstrap", "posterior")
                     if getattr(type(self), s) is not getattr(Family, s))
