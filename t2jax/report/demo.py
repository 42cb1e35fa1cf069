"""The demo job: the embedded Chinchilla runs with every method, then a synthetic T² study."""

from __future__ import annotations

import json
import os
import time

import numpy as np

from t2jax.data.embedded import load_chinchilla
from t2jax.fitting import METHODS
from t2jax.report.figures import frontier_figure, isoflop_figure, passk_figure

C_TRAIN, C_INF = 2.56e19, 2e9


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - start, 3)


def chinchilla_section(out_dir: str) -> tuple[dict, str]:
    runs = load_chinchilla()
    fits, summary = [], {}
    for name, fitter in METHODS.items():
        result, seconds = _timed(fitter, runs)
        fits.append(result)
        summary[name] = result.to_dict() | {"seconds": seconds}
    figure = os.path.join(out_dir, "isoflop.png")
    isoflop_figure(runs, fits, figure)
    optimal = {f.method: dict(zip(("N", "D"), map(float, f.optimal(1e24)))) for f in fits}
    return {"fits": summary, "compute_optimal_at_1e24": optimal}, figure


def t2_section(out_dir: str, seed: int = 0) -> tuple[dict, list]:
    """Fit both T² approaches to a seeded synthetic study (256 questions, 1,024 samples
    each) and allocate at C_train 2.56e19, C_inf 2e9."""
    from t2jax.allocation import allocate, frontier
    from t2jax.data.samples import observed_pass_at_k, solved_checkpoints, task_runs
    from t2jax.data.synthetic import synthetic_t2
    from t2jax.fitting import varpro
    from t2jax.fitting.t2beta import fit_t2_beta
    from t2jax.laws.t2 import T2_LOSS

    bed = synthetic_t2(n_samples=1024, seed=seed)
    samples = bed.samples.subset(solved_checkpoints(bed.samples))
    ks = 2.0 ** np.arange(11)
    acc = observed_pass_at_k(samples, ks)
    approach1, t1 = _timed(varpro, task_runs(samples, ks), law=T2_LOSS)
    solved = solved_checkpoints(bed.samples)
    approach2, t2 = _timed(fit_t2_beta, samples.N, samples.D, ks, acc, stage1_loss=bed.loss[solved])
    fits = {"Approach 1 (t2-loss)": approach1, "Approach 2 (t2-beta)": approach2}
    from t2jax.fitting.result import FitResult

    truth = FitResult("truth", "t2-beta", bed.truth, 0.0, 0, True)
    allocations = {name: allocate(f, C_TRAIN, C_INF).to_dict() for name, f in fits.items()}
    allocations["true model"] = allocate(truth, C_TRAIN, C_INF).to_dict()
    C_range = np.geomspace(1e17, 1e21, 25)
    tables = {name: frontier(f, C_range, C_INF) for name, f in list(fits.items()) + [("true model", truth)]}
    pick = np.argsort(samples.N * samples.D)[np.linspace(0, samples.N.size - 1, 5).astype(int)]
    labels = [f"N={samples.N[i]:.2g}, D={samples.D[i]:.2g}" for i in pick]
    figures = [os.path.join(out_dir, "passk.png"), os.path.join(out_dir, "frontier.png")]
    passk_figure(ks, acc[pick], fits, samples.N[pick], samples.D[pick], labels, figures[0])
    frontier_figure(tables, figures[1])
    summary = {
        "data": f"synthetic T² testbed (seed {seed}): {samples.N.size} checkpoints x 256 questions x 1,024 samples",
        "fits": {name: f.to_dict() | {"seconds": s} for (name, f), s in zip(fits.items(), (t1, t2))},
        "allocation": allocations["Approach 2 (t2-beta)"],
        "allocations": allocations,
    }
    return summary, figures


def run_demo(out_dir: str = "t2jax-demo") -> dict:
    """Write ``summary.json`` and the figures to ``out_dir``; returns the summary."""
    os.makedirs(out_dir, exist_ok=True)
    chin, figure = chinchilla_section(out_dir)
    t2, t2_figures = t2_section(out_dir)
    summary = {"data": "embedded Chinchilla subset (234 runs, Apache-2.0)", **chin, "t2": t2, "figures": [figure, *t2_figures]}
    with open(os.path.join(out_dir, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    return summary
