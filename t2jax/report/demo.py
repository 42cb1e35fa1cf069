"""The demo job: the embedded Chinchilla runs with every method, then a synthetic T² study."""

from __future__ import annotations

import json
import os
import time

import numpy as np

from t2jax.allocation import allocate, frontier
from t2jax.data import load_chinchilla, pass_k_table, solved_checkpoints
from t2jax.errors import T2JaxError
from t2jax.fitting import FitResult, fit
from t2jax.families import CHINCHILLA, synthetic_t2
from t2jax.report.figures import frontier_figure, isoflop_figure, passk_figure

C_TRAIN, C_INF = 2.56e19, 2e9


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - start, 3)


def chinchilla_section(out_dir: str) -> tuple[dict, str]:
    runs = load_chinchilla()
    fits, summary = [], {}
    for method in CHINCHILLA.methods:
        result, seconds = _timed(fit, runs, CHINCHILLA, method)
        fits.append(result)
        summary[method] = result.to_dict() | {"seconds": seconds}
    figure = os.path.join(out_dir, "isoflop.png")
    isoflop_figure(runs, fits, figure)
    optimal = {f.method: dict(zip(("N", "D"), map(float, f.optimal(1e24)))) for f in fits}
    return {"fits": summary, "compute_optimal_at_1e24": optimal}, figure


def t2_section(out_dir: str, seed: int = 0) -> tuple[dict, list]:
    """Fit both T² approaches to a seeded synthetic study (256 questions, 1,024 samples
    each) and allocate at C_train 2.56e19, C_inf 2e9."""
    bed = synthetic_t2(n_samples=1024, seed=seed)
    table = pass_k_table(bed.samples, 2.0 ** np.arange(11))
    samples, ks, acc = table.samples, table.ks, table.accuracy
    approach1, t1 = _timed(fit, table, "t2-loss", "varpro")
    stage1_loss = bed.loss[solved_checkpoints(bed.samples)]  # the testbed's true task loss drives stage 1
    approach2, t2 = _timed(fit, table, "t2-beta", stage1_loss=stage1_loss)
    fits = {"Approach 1 (t2-loss)": approach1, "Approach 2 (t2-beta)": approach2}
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


OUTPUTS = ("summary.json", "isoflop.png", "passk.png", "frontier.png")
MARK = "t2jax demo"  # summary.json's "written_by": the demo may replace its own earlier output


def _check_out(out_dir: str, force: bool) -> None:
    """Refuse to overwrite files in ``out_dir`` that an earlier demo run did not write."""
    existing = [name for name in OUTPUTS if os.path.exists(os.path.join(out_dir, name))]
    if not existing or force:
        return
    try:
        with open(os.path.join(out_dir, "summary.json")) as fh:
            ours = json.load(fh).get("written_by") == MARK
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise T2JaxError(f"{out_dir} already holds {', '.join(existing)}, not written by the demo; "
                         "choose another --out or pass --force to overwrite")


def run_demo(out_dir: str = "t2jax-demo", *, force: bool = False) -> dict:
    """Write ``summary.json`` and the figures to ``out_dir``; returns the summary. Files
    there that an earlier demo run did not write are kept unless ``force``."""
    _check_out(out_dir, force)
    os.makedirs(out_dir, exist_ok=True)
    chin, figure = chinchilla_section(out_dir)
    t2, t2_figures = t2_section(out_dir)
    summary = {"written_by": MARK, "data": "embedded Chinchilla subset (234 runs, Apache-2.0)", **chin, "t2": t2,
               "figures": [figure, *t2_figures]}
    with open(os.path.join(out_dir, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2, allow_nan=False)
    return summary


def print_summary(summary: dict, out_dir: str) -> None:
    """The demo's console report: each Chinchilla fit, then the T² allocation."""
    for name, r in summary["fits"].items():
        shown = ", ".join(f"{k}={v:.4g}" for k, v in r["params"].items())
        print(f"{name:>9}: {shown}  ({r['seconds']} s)")
    if "t2" in summary:
        a = summary["t2"]["allocation"]
        b = a["chinchilla_baseline"]
        print(f"T² allocation at C_train {a['budgets']['train_flops']:.3g}, "
              f"C_inf {a['budgets']['inference_flops_per_query']:.3g}: "
              f"N*={a['N']:.3g} (D/N={a['tokens_per_param']:.0f}, k={a['k']:.1f}, pass@k={a['accuracy']:.3f}) vs "
              f"Chinchilla N={b['N']:.3g} (D/N={b['tokens_per_param']:.0f}, k={b['k']:.1f}, pass@k={b['accuracy']:.3f})")
    print(f"wrote {out_dir}/summary.json and {', '.join(summary['figures'])}")
