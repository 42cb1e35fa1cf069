r"""One entry point for bootstrap refits of any law: :func:`bootstrap`.

It checks what every bootstrap shares (seed, number of resamples, the method), fits the
point estimate once when not given one, and hands the rest to the law's family
(:func:`~t2jax.laws.registry.family_of`), whose refit kernels run through the one batched
driver (:mod:`~t2jax.uncertainty.batched`). A family honours the options its
``bootstrap`` declares; any other option is refused by name, never dropped.
"""

from __future__ import annotations

import inspect

from t2jax.errors import T2JaxError, warn
from t2jax.fitting.api import check_curves, choose_method
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import family_of, get_law
from t2jax.uncertainty.results import BootstrapResult
from t2jax.validate import check_count, check_seed


def stage_options(stage, law, options: dict, what: str) -> dict:
    """``options`` less those left at None, refusing any that ``stage`` does not take."""
    options = {k: v for k, v in options.items() if v is not None}
    params = inspect.signature(stage).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return options
    unknown = sorted(k for k in options if k not in params)
    if unknown:
        raise T2JaxError(f"the {what} of law '{law.name}' does not take {', '.join(unknown)}")
    return options


def check_point(point, law) -> FitResult:
    """A point fit handed to a bootstrap or posterior must be a fit of that law."""
    if point is not None and (not isinstance(point, FitResult) or point.law != law.name):
        raise T2JaxError(f"point must be a FitResult of law '{law.name}', got "
                         f"{getattr(point, 'law', type(point).__name__)!r}")
    return point


def own_point(result: FitResult, law):
    """``result`` when it is a fit of ``law`` (a bootstrap or posterior can start from it),
    else None (an IsoFLOP power-law fit, say: the stage then fits, or refuses, itself)."""
    return result if result.law == get_law(law).name else None


def bootstrap(data, method=None, n_resamples: int = 1000, *, seed: int = 0, law="chinchilla", point=None,
              **options) -> BootstrapResult:
    """Refit on ``n_resamples`` bootstrap resamples (seeded).

    Args:
      data: training runs, or repeated-sampling counts for a pass@k law.
      method: the law's fitting method (default: its first; for two-stage laws stage 1's).
      n_resamples: number of resamples R.
      seed: PRNG seed; the same seed gives the same numbers.
      law: a registered law or its name.
      point: the fit of ``data`` the bootstrap is about (a :class:`FitResult` of ``law``);
        computed once when not given.
      options: the family's (refused by name when it does not take them):

        * ``resample``: ``"points"`` (loss laws' default) or ``"groups"`` (whole groups,
          from ``runs.group`` or ``groups``; for counts the group is the checkpoint);
          ``t2-joint`` also ``"problems"``, its default;
        * ``ks``: pass@k laws: the k values (default as in :func:`t2jax.fit`);
        * ``resolution`` (exponent-grid points per axis; default 24 for two exponents, 16
          for three), ``delta``, ``groups``, ``weights`` (a ready ``(R, n)`` weight matrix),
          ``timings`` (a dict receiving seconds per refit pass): power-sum laws;
        * ``chunk`` (resamples per vectorised block; memory grows linearly with it),
          ``devices`` (shard over these; default all visible, results identical to one
          device), ``progress`` (a progress bar; default for 2,000+ resamples on a terminal).
    """
    law = get_law(law)
    seed, n_resamples = check_seed(seed), check_count("n_resamples", n_resamples)
    if options.get("resolution") is not None:
        check_count("resolution", options["resolution"], 2)
    check_curves(law, data)
    family = family_of(law)
    options = stage_options(family.bootstrap, law, options, "bootstrap")
    out = family.bootstrap(data, law, n_resamples, method=choose_method(law, method), seed=seed,
                           point=check_point(point, law), **options)
    extreme = out.extreme
    if extreme.any():
        row = out.usable_draws[extreme].iloc[0]
        name = max(out.point.params, key=lambda n: abs(row[n]) / max(abs(out.point.params[n]), 1.0))
        warn(f"{int(extreme.sum())} of {len(out.draws)} bootstrap draws of law '{law.name}' have a parameter over a "
             f"million times the point fit's (e.g. {name} = {row[name]:.3g} against {out.point.params[name]:.3g}): "
             f"kept and counted ('extreme'); the law is weakly identified on some resamples")
    return out
