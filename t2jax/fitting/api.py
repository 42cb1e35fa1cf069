"""One entry point for every law: ``fit(data, law, method)``.

Training runs (:class:`~t2jax.data.Runs`) and repeated-sampling counts
(:class:`~t2jax.data.Samples`, or a ready :class:`~t2jax.data.PassKTable`, which counts go
through first) are handed to the law's family (:func:`~t2jax.laws.registry.family_of`):
``fit_runs`` or ``fit_counts``. The named fitters (``approach3``, ``varpro``, ``isoflop``,
:func:`fit_t2`) are aliases over the same families.
"""

from __future__ import annotations

from t2jax.data.passk_table import PassKTable, as_table, data_fingerprint
from t2jax.data.runs import Runs
from t2jax.data.samples import Samples
from t2jax.errors import T2JaxError
from t2jax.fitting.extrapolation import fitted_range
from t2jax.fitting.result import FitResult, with_extras
from t2jax.laws.law import Law
from t2jax.laws.registry import family_of, get_law, law_names


def choose_method(law: Law, method=None) -> str:
    """``method``, checked against the law's methods (default: the law's first)."""
    method = method or law.methods[0]
    if method not in law.methods:
        raise T2JaxError(f"unknown method {method!r} for law '{law.name}'; choose one of {', '.join(law.methods)}")
    return method


def check_curves(law: Law, data) -> None:
    """Refuse, in one line, a law that needs per-problem counts when ``data`` is an
    aggregate pass@k table (no counts behind it)."""
    if isinstance(data, PassKTable) and not data.has_counts and not family_of(law).from_curves:
        curves = [n for n in law_names(data="samples") if family_of(get_law(n)).from_curves]
        raise T2JaxError(f"law '{law.name}' needs per-problem counts (t2jax.load_samples); an aggregate pass@k "
                         f"table fits {', '.join(curves)}")


def fit(data, law="chinchilla", method=None, *, ks=None, **options) -> FitResult:
    """Fit a registered law.

    Args:
      data: :class:`Runs` for loss laws (``chinchilla``; ``t2-loss`` on runs with a ``k``
        column), :class:`Samples` or :class:`PassKTable` for pass@k laws (an aggregate
        table from :func:`~t2jax.data.aggregate.load_pass_at_k` fits the laws whose family
        is ``from_curves``: ``t2-loss``, ``t2-beta``).
      law: a law name (see ``t2jax.LAWS``) or a :class:`Law`.
      method: the fitter (default: the law's first method; ``approach3``, ``varpro`` or
        ``isoflop`` for Chinchilla; for two-stage laws the stage-1 fitter).
      ks: pass@k laws: the k values fitted (default powers of two up to the smallest n).
      options: passed to the family's fitter (``delta``, ``resolution``, ``weights``, ...). For
        ``t2-joint``, ``answer_nll`` (per-question answer NLLs of some checkpoints) anchors
        the latent loss to them and returns T² Approach 2 fitted in one stage, a ``t2-beta``
        parameter set (:mod:`t2jax.families.t2_joint.anchored`).

    Pass@k fits list the checkpoints left out (solved nothing) in
    ``extras["dropped_checkpoints"]``, the (checkpoint, k) cells left out of task-loss
    fits (pass@k exactly 1, or exactly 0 in a rounded aggregate table) in ``extras["dropped_cells"]`` and the k values in
    ``extras["ks"]``. Every fit records the ranges it saw in ``extras["fitted_range"]``
    (:mod:`t2jax.fitting.extrapolation`).
    """
    law = get_law(law)
    method = choose_method(law, method)
    family = family_of(law)
    if isinstance(data, Runs):
        if law.data != "runs" and law.linear is None or any(getattr(data, c, None) is None for c in law.covariates):
            raise T2JaxError(f"law '{law.name}' cannot be fitted to training runs without "
                             f"{', '.join(law.covariates)}; runs fit {', '.join(law_names(data='runs'))}")
        return family.fit_runs(data, law, method, **options)
    if isinstance(data, (Samples, PassKTable)):
        if law.data != "samples":
            raise T2JaxError(f"repeated-sampling counts need a pass@k law ({', '.join(law_names(data='samples'))}), "
                             f"not '{law.name}'")
        check_curves(law, data)
        table = as_table(data, ks)
        options = {k: v for k, v in options.items() if v is not None}
        result = family.fit_counts(data, table, law, method, **options)
        return with_extras(result, ks=table.ks.tolist(),
                           dropped_checkpoints=result.extras.get("dropped_checkpoints", list(table.dropped)),
                           dropped_cells={"pass_at_k_exactly_1": table.n_certain_cells,
                                          "pass_at_k_exactly_0": table.n_zero_cells},
                           fitted_range=fitted_range(table.N, table.D, table.ks), data_id=data_fingerprint(data))
    hint = (" (load a DataFrame first: t2jax.load_runs(frame, n_col=..., d_col=..., loss_col=...), "
            "load_samples or load_pass_at_k)") if hasattr(data, "columns") else ""
    raise T2JaxError(f"fit takes Runs, Samples or a PassKTable, not {type(data).__name__}{hint}")


def fit_t2(samples: Samples, law="t2-loss", ks=None, method=None, **options) -> FitResult:
    """Alias: ``fit(samples, law, method, ks=ks)`` for a pass@k law."""
    return fit(samples, law, method, ks=ks, **options)
