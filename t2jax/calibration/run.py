r"""One entry point for simulated-study calibration: :func:`study`.

Given a law, a truth (or a prior to draw one truth per study from), a design and a
number of studies, it simulates every study, fits it, quantifies its uncertainty and
allocates every draw at the design's budgets, then scores the intervals against the
truth's own optimum (:mod:`t2jax.calibration.score`).

The work is one batch, not a loop over studies: the family's study kernel
(``Family.studies``) fits all studies in one mapped program and refits all (study,
resample) rows through the one batched driver, sharded over the visible devices; every
draw of every study is allocated in one mapped program per budget. Each study's random
numbers come from ``(seed, study)`` alone, so a study's result does not depend on how
studies are split. Under JAX's multi-process runtime (``jax.distributed``), each process
takes a contiguous share of the studies, and the per-study results are gathered once
(:func:`~jax.experimental.multihost_utils.process_allgather`); every process returns the
same result, equal to a one-process run with the same seed.
"""

from __future__ import annotations

import time
from typing import Callable, Optional, Union

import jax
import numpy as np
import pandas as pd

from t2jax.allocation import allocation_draws
from t2jax.calibration.gather import gather_rows, global_max, my_share
from t2jax.calibration.truth import as_truth
from t2jax.calibration.result import StudyResult
from t2jax.calibration.score import QUANTITIES, normalised_rank, study_rows
from t2jax.data.design import Design
from t2jax.errors import T2JaxError
from t2jax.laws.registry import family_of, get_law
from t2jax.precision import x64
from t2jax.progress import Steps, showing
from t2jax.uncertainty.batched import batch_mesh
from t2jax.uncertainty.resample import point_weights
from t2jax.validate import check_count, check_seed

LEVELS = (0.5, 0.8, 0.9, 0.95)  #: nominal levels scored by default


def study_seed(seed: int, s: int, stream: int) -> np.random.Generator:
    """Study ``s``'s generator for ``stream`` (0: truth and counts, 1: resamples)."""
    return np.random.default_rng([seed, s, stream])


def study(law="t2-joint", truth: Union[dict, Callable, object, None] = None, design: Optional[Design] = None,
          n_studies: int = 100, *, n_resamples: int = 100, levels=LEVELS, seed: int = 0, devices=None,
          progress=None) -> StudyResult:
    """Simulate ``n_studies`` studies from ``truth``, bootstrap each (problems resampled,
    ``n_resamples`` refits from the study's own fit), allocate every draw and score.

    Args:
      law: a registered law whose family has a study kernel (``t2-joint``).
      truth: the true parameters (a dict), or a callable ``rng -> dict`` drawing one truth
        per study (simulation-based calibration); default: the family kernel's ``truth``.
        Or a model outside the law's family: an object with ``simulate(design, rng)`` and
        ``allocation(C_train, C_inf)`` (:mod:`t2jax.calibration.truth`); its optimum is
        the scored truth, and only N* and accuracy* are ranked.
      design: checkpoints, problems, samples per problem and budget pairs; default: the
        kernel's ``default_design()``.
      levels: nominal levels of the percentile intervals scored.
      seed: every random number of study ``s`` comes from ``(seed, s)``.
      devices: shard the refits over these (default: all local devices).
      progress: a progress bar with time left (default: on a terminal, for long batches).
    Returns:
      a :class:`~t2jax.calibration.result.StudyResult`; failed refits and flagged fits
      are counted, never dropped silently.
    """
    law = get_law(law)
    kernel_cls = family_of(law).studies(law)
    seed, S, R = check_seed(seed), check_count("n_studies", n_studies), check_count("n_resamples", n_resamples, 2)
    levels = tuple(float(v) for v in levels)
    if not levels or not all(0 < v < 1 for v in levels):
        raise T2JaxError(f"levels must be numbers in (0, 1); got {levels!r}")
    kernel = kernel_cls(design or kernel_cls.default_design())
    truth = as_truth(truth, law, kernel)
    return _study(law, kernel, truth, S, R, levels, seed, batch_mesh(devices), progress)


@x64
def _study(law, kernel, truth, S, R, levels, seed, mesh, progress):
    seconds, start = {}, time.perf_counter()
    mine = my_share(S)
    with showing(progress), Steps(4, f"{law.name} studies", even=False) as steps:
        steps.next("simulate")
        truths, counts = [], []
        for s in mine:
            rng = study_seed(seed, s, 0)
            truths.append(truth.draw(rng))
            counts.append(truth.simulate(truths[-1], rng))
        C = np.stack(counts) if counts else np.zeros((0, kernel.design.checkpoints, kernel.design.problems))
        C = kernel.prepare(C, global_max(kernel.width(C)))
        seconds["simulate"] = _lap(start)
        steps.next("fit")
        empty = (np.zeros((0, len(kernel.params))), np.zeros(0), np.zeros(0, bool), np.zeros(0, bool))
        U, value, converged, flagged = kernel.fit(C, mesh) if mine.size else empty  # more processes than studies
        seconds["fit"] = _lap(start, seconds)
        steps.next("refit")
        seeds = [int(study_seed(seed, s, 1).integers(2**31)) for s in mine]  # each study's bootstrap seed
        W = np.concatenate([point_weights(b, kernel.design.problems, R)
                            for b in seeds]) if mine.size else np.zeros((0, kernel.design.problems))
        rows = np.repeat(np.arange(mine.size), R)
        Ud, _, ok = (kernel.refit(C, U, rows, W, seeds=seeds, mesh=mesh, progress=progress) if mine.size
                     else (U, None, np.zeros(0, bool)))
        ok = np.asarray(ok) & np.all(np.isfinite(Ud), axis=1)
        seconds["refit"] = _lap(start, seconds)
        steps.next("allocate")
        records, ranks = _score(law, kernel, truth, pd.DataFrame(truths), U, Ud, ok, mine, R, levels)
        seconds["allocate_and_score"] = _lap(start, seconds)
    per_study = pd.DataFrame({"study": mine, "fit_converged": np.asarray(converged, bool),
                              "fit_flagged": np.asarray(flagged, bool), "failed_refits": R - ok.reshape(-1, R).sum(1)})
    records, ranks, per_study = gather_rows(records, ranks, per_study)
    seconds["total"] = time.perf_counter() - start
    return StudyResult(law.name, kernel.design, pd.DataFrame([truth.draw(study_seed(seed, s, 0)) for s in range(S)]),
                       R, levels, seed, per_study, records, ranks, seconds, jax.process_count(),
                       len(mesh.devices.flat) if mesh is not None else 1)


def _score(law, kernel, truth, truths, U, Ud, ok, mine, R, levels):
    """Allocate the point fits and every usable draw at each budget, take the truth's
    optimum, and score."""
    if mine.size == 0:
        return pd.DataFrame(), pd.DataFrame()
    tables = {"point": kernel.table(U), "draws": kernel.table(Ud[ok])}
    study_of = np.repeat(np.arange(mine.size), R)[ok]
    values, t_alloc, p_alloc = {}, {}, {}
    for b, (ct, ci) in enumerate(kernel.design.budgets):
        alloc = {k: allocation_draws(v, law, ct, ci) if len(v) else None for k, v in tables.items()}
        optima = truth.optima(truths, ct, ci)
        for q in QUANTITIES:
            t_alloc[(b, q)], p_alloc[(b, q)] = optima[q], alloc["point"][q].to_numpy()
            values[(b, q)] = alloc["draws"][q].to_numpy() if alloc["draws"] is not None else np.zeros(0)
    records, ranks = [], []
    for i, s in enumerate(mine):
        own = study_of == i
        rows = study_rows({k: v[own] for k, v in values.items()}, {k: v[i] for k, v in t_alloc.items()},
                          {k: v[i] for k, v in p_alloc.items()}, kernel.design.budgets, levels)
        records += [r | {"study": int(s)} for r in rows]
        rank = {p: normalised_rank(tables["draws"][p].to_numpy()[own], truths[p].iloc[i]) for p in truth.params}
        rank |= {f"{q}*[{b}]": normalised_rank(values[(b, q)][own], t_alloc[(b, q)][i])
                 for b in range(len(kernel.design.budgets)) for q in ("N", "accuracy")}
        ranks.append(rank | {"study": int(s)})
    return pd.DataFrame(records), pd.DataFrame(ranks)


def _lap(start, seconds=None) -> float:
    return time.perf_counter() - start - sum((seconds or {}).values())
