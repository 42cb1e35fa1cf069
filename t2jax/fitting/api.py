"""One entry point for every law: ``fit(data, law, method)``.

Training runs (:class:`~t2jax.data.Runs`) are fitted by the power-law engine
(``approach3``, ``varpro``) or by IsoFLOP parabolas (``isoflop``); repeated-sampling
counts (:class:`~t2jax.data.Samples`, or a ready :class:`~t2jax.data.PassKTable`) go
through their pass@k table first, then the engine of the law's family. The named
fitters (:func:`~t2jax.fitting.approach3.approach3`, :func:`~t2jax.fitting.varpro.varpro`,
:func:`~t2jax.fitting.isoflop.isoflop`, :func:`fit_t2`) are aliases over the same engines.
"""

from __future__ import annotations

from t2jax.data.passk_table import PassKTable, as_table
from t2jax.data.runs import Runs
from t2jax.data.samples import Samples
from t2jax.errors import T2JaxError
from t2jax.fitting.anchored import fit_anchored
from t2jax.fitting.approach3 import approach3
from t2jax.fitting.beta_links import fit_beta_link
from t2jax.fitting.extrapolation import fitted_range
from t2jax.fitting.isoflop import isoflop
from t2jax.fitting.joint import fit_joint, joint_counts
from t2jax.fitting.result import FitResult, with_extras
from t2jax.fitting.t2beta import fit_t2_beta
from t2jax.fitting.varpro import varpro
from t2jax.laws.law import Law
from t2jax.laws.registry import get_law, law_names


def _power_sum(data, law: Law, method: str, **options) -> FitResult:
    if method != "varpro" and "loss" in options:
        raise T2JaxError(f"the loss option chooses varpro's objective; {method} has its own "
                         "(approach3: Huber on log loss)")
    if method == "isoflop":
        return isoflop(data, **options)
    return (varpro if method == "varpro" else approach3)(data, law=law, **options)


def _from_table(table: PassKTable, law: Law, method: str, **options) -> FitResult:
    if law.family == "power-sum":
        return _power_sum(table.task_runs(), law, method, **options)
    if law.family == "t2-beta":
        return fit_t2_beta(table.N, table.D, table.ks, table.accuracy, stage1_method=method, **options)
    if law.family == "beta-link":
        return fit_beta_link(table, law, **({"stage1_method": method} if method != "mle" else {}), **options)
    raise T2JaxError(f"law '{law.name}' belongs to family '{law.family}', which no fitter handles")


def choose_method(law: Law, method=None) -> str:
    """``method``, checked against the law's methods (default: the law's first)."""
    method = method or law.methods[0]
    if method not in law.methods:
        raise T2JaxError(f"unknown method {method!r} for law '{law.name}'; choose one of {', '.join(law.methods)}")
    return method


def fit(data, law="chinchilla", method=None, *, ks=None, **options) -> FitResult:
    """Fit a registered law.

    Args:
      data: :class:`Runs` for loss laws (``chinchilla``; ``t2-loss`` on runs with a ``k``
        column), :class:`Samples` or :class:`PassKTable` for pass@k laws.
      law: a law name (see ``t2jax.LAWS``) or a :class:`Law`.
      method: the fitter (default: the law's first method; ``approach3``, ``varpro`` or
        ``isoflop`` for Chinchilla; for two-stage laws the stage-1 fitter).
      ks: pass@k laws: the k values fitted (default powers of two up to the smallest n).
      options: passed to the fitter (``delta``, ``resolution``, ``weights``, ...). For
        ``t2-joint``, ``answer_nll`` (per-question answer NLLs of some checkpoints) anchors
        the latent loss to them and returns T² Approach 2 fitted in one stage, a ``t2-beta``
        parameter set (:mod:`t2jax.fitting.anchored`).

    Pass@k fits list the checkpoints left out (solved nothing) in
    ``extras["dropped_checkpoints"]``, the (checkpoint, k) cells left out of task-loss
    fits (pass@k exactly 1) in ``extras["dropped_cells"]`` and the k values in
    ``extras["ks"]``. Every fit records the ranges it saw in ``extras["fitted_range"]``
    (:mod:`t2jax.fitting.extrapolation`).
    """
    law = get_law(law)
    method = choose_method(law, method)
    if isinstance(data, Runs):
        if law.family != "power-sum" or any(getattr(data, c, None) is None for c in law.covariates):
            raise T2JaxError(f"law '{law.name}' cannot be fitted to training runs without "
                             f"{', '.join(law.covariates)}; runs fit {', '.join(law_names(data='runs'))}")
        return _power_sum(data, law, method, **options)
    if isinstance(data, (Samples, PassKTable)):
        if law.data != "samples":
            raise T2JaxError(f"repeated-sampling counts need a pass@k law ({', '.join(law_names(data='samples'))}), "
                             f"not '{law.name}'")
        table = as_table(data, ks)
        if law.family == "t2-joint":  # the likelihood takes every count: checkpoints that solved nothing too
            counts = joint_counts(data, table)
            fitter = fit_anchored if options.get("answer_nll") is not None else fit_joint
            options = {k: v for k, v in options.items() if k != "answer_nll" or v is not None}
            result, dropped = fitter(counts, **options), list(table.dropped) if counts is table.samples else []
        else:
            result, dropped = _from_table(table, law, method, **options), list(table.dropped)
        return with_extras(result, ks=table.ks.tolist(), dropped_checkpoints=dropped,
                           dropped_cells={"pass_at_k_exactly_1": table.n_certain_cells},
                           fitted_range=fitted_range(table.N, table.D, table.ks))
    raise T2JaxError(f"fit takes Runs, Samples or a PassKTable, not {type(data).__name__}")


def fit_t2(samples: Samples, law="t2-loss", ks=None, method=None, **options) -> FitResult:
    """Alias: ``fit(samples, law, method, ks=ks)`` for a pass@k law."""
    return fit(samples, law, method, ks=ks, **options)


def power_sum_runs(data, law, ks=None) -> Runs:
    """What an additive power law is fitted to: runs as given; repeated-sampling counts
    as the task-loss runs of their pass@k table."""
    law = get_law(law)
    if law.family != "power-sum":
        raise T2JaxError(f"law '{law.name}' is not an additive power law")
    if isinstance(data, Runs):
        return data
    if law.data != "samples":
        raise T2JaxError(f"law '{law.name}' is fitted to training runs, not {type(data).__name__}")
    return as_table(data, ks).task_runs()
