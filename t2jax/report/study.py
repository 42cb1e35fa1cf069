"""``t2jax report``: fit the user's own study and write one self-contained HTML page,
each figure as PNG and SVG, and the JSON summary every number on the page comes from."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
import warnings

import numpy as np

from t2jax.allocation import allocate, allocation_intervals, frontier, frontier_band
from t2jax.data.passk_table import as_table
from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting import fit
from t2jax.fitting.result import jsonable
from t2jax.laws.registry import get_law
from t2jax.progress import Steps
from t2jax.report import plot
from t2jax.report.decision import check_laws, decision_section
from t2jax.report.html import render
from t2jax.uncertainty import bootstrap, compute_optimal_intervals, own_point, posterior

FILES = ("report.html", "summary.json")


def _provenance(path, seed, argv=None) -> dict:
    import jax

    import t2jax

    digest = None
    if path and os.path.isfile(path):
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
    device = jax.devices()[0]
    kind = device.platform if device.device_kind.lower() == device.platform else f"{device.platform} ({device.device_kind})"
    return {"t2jax": t2jax.__version__, "jax": jax.__version__, "device": kind, "seed": int(seed),
            "data_file": str(path), "data_sha256": digest, "command": shlex.join(["t2jax", *(sys.argv[1:] if argv is None else argv)])}


def check_request(law, out_dir: str, force: bool, train_flops=None, inference_flops=None, compare_laws=None) -> list:
    """Before any work: both budgets or neither for a pass@k law, laws to compare only with
    budgets, and ``out_dir`` can be written and holds no earlier report (unless ``force``).
    Returns the laws to compare."""
    if get_law(law).accuracy is not None and bool(train_flops) != bool(inference_flops):
        raise T2JaxError("the allocation section needs both --train-flops and --inference-flops")
    others = check_laws(law, compare_laws or [])
    if compare_laws and not train_flops:
        raise T2JaxError("--compare-laws compares allocations: give --train-flops and --inference-flops")
    existing = [f for f in FILES if os.path.exists(os.path.join(out_dir, f))]
    if existing and not force:
        raise T2JaxError(f"{out_dir} already holds {', '.join(existing)}; choose another --out or pass --force")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise T2JaxError(f"cannot create the report folder {out_dir}: {exc.strerror}") from None
    if not os.access(out_dir, os.W_OK):
        raise T2JaxError(f"cannot write to the report folder {out_dir}")
    return others


def _fit_sections(result, data):
    """Data-and-fit and residual sections for runs or repeated-sampling counts."""
    sections = []
    params = [(f"fit.params.{k}", k) for k in result.params]
    if isinstance(data, Runs):
        sections.append(("Data and fitted law", plot.loss_curves(result, data), params))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = result.predict(data.N, data.D, data.k)
        sections.append(("Residuals", plot.residuals(data.N, data.loss, pred),
                         [("fit.objective", "objective"), ("fit.n_points", "runs fitted")]))
        return sections
    table = as_table(data, result.extras.get("ks"))
    sections.append(("Data and fitted law", plot.passk_curves(result, table), params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = np.stack([result.accuracy(n, d, table.ks) for n, d in zip(table.N, table.D)])
    N = np.repeat(table.N, table.ks.size)
    sections.append(("Residuals", plot.residuals(N, table.accuracy.ravel(), pred.ravel(), "pass@k"),
                     [("fit.objective", "objective"), ("fit.n_points", "points fitted")]))
    return sections


def run_report(data, path, out_dir, *, law="chinchilla", method=None, ks=None, n_bootstrap=None, resample=None,
               bayes=False, seed=0, level=0.95, train_flops=None, inference_flops=None, force=False, argv=None,
               compare_laws=None) -> dict:
    """Fit ``data`` (loaded from ``path``), optionally with bootstrap or posterior draws
    and an allocation at the budgets, and write the report to ``out_dir``; returns the summary.
    ``argv``: the command's arguments, recorded in the provenance block (default ``sys.argv``).
    ``compare_laws``: other pass@k laws fitted to the same data for a decision section."""
    law = get_law(law)
    others = check_request(law, out_dir, force, train_flops, inference_flops, compare_laws)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = _study(data, path, out_dir, law, method, ks, n_bootstrap, resample, bayes, seed, level,
                         train_flops, inference_flops, caught, argv, others)
    for w in caught:  # the caller (the CLI) still sees every warning
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return summary


def _study(data, path, out_dir, law, method, ks, n_bootstrap, resample, bayes, seed, level, train_flops,
           inference_flops, caught, argv, others) -> dict:
    kw = {"ks": ks} if law.data == "samples" else {}
    allocating = law.accuracy is not None and train_flops and inference_flops
    steps = Steps(2 + bool(n_bootstrap or bayes) + bool(allocating) + bool(others), "t2jax report", even=False)
    steps.next(f"fitting {law.name}")
    result = fit(data, law, method, **kw)
    summary = {"fit": result.to_dict(), "level": level if (n_bootstrap or bayes) else None}
    sections = _fit_sections(result, data)
    draws, source = None, None
    if n_bootstrap:
        steps.next(f"{n_bootstrap} bootstrap refits")
        boot = bootstrap(data, method, n_bootstrap, seed=seed, resample=resample, law=law,
                         point=own_point(result, law), **kw)
        summary["bootstrap"], draws, source = boot.to_dict(level), boot.usable_draws, "bootstrap"
    elif bayes:
        steps.next("NUTS posterior")
        post = posterior(data, law=law, method=method, seed=seed, point=own_point(result, law), **kw)
        summary["posterior"], draws, source = post.to_dict(level, seed=seed), post.draws, "posterior"
    if draws is not None:
        rows = [(f"{source}.intervals.{p}.{q}", f"{p} {q}") for p in result.params for q in ("lower", "median", "upper")]
        sections.append((f"Parameters over the {source} draws", plot.parameter_draws(draws, result.params, source), rows))
        if law.accuracy is None and {"E", "A", "B", "alpha", "beta"} <= set(result.params):
            C = np.geomspace(1e18, 1e26, 17)
            band = compute_optimal_intervals(draws, C, level)
            summary["compute_optimal"] = band.to_dict(orient="list")
            rows = [(f"compute_optimal.{n}_{q}.{i}", f"{n}*({C[i]:.0e}) {q}") for i in (0, 8, 16)
                    for n in ("N", "D") for q in ("lower", "median", "upper")]
            sections.append(("Compute-optimal N*(C) and D*(C)", plot.compute_optimal_band(result, band, level), rows))
    if allocating:
        steps.next("allocation and its frontier")
        best = allocate(result, train_flops, inference_flops)
        summary["allocation"] = best.to_dict()
        C = np.geomspace(train_flops / 100, train_flops * 100, 13)
        table = frontier(result, C, inference_flops)
        band = frontier_band(draws, law, C, inference_flops, level) if draws is not None else None
        summary["frontier"] = table.to_dict(orient="list")
        rows = [(f"allocation.budgets.{k}", k.replace("_", " ")) for k in best.budgets]
        rows += [(f"allocation.{k}", k) for k in ("N", "D", "k", "tokens_per_param", "accuracy", "miss_rate")]
        if draws is not None:
            intervals = allocation_intervals(draws, law, train_flops, inference_flops, level)
            summary["allocation_intervals"] = intervals.to_dict(orient="index")
            rows += [(f"allocation_intervals.{q}.{b}", f"{q} {b}") for q in ("N", "D", "k", "accuracy")
                     for b in ("lower", "upper")]
        if best.baseline is not None:
            rows += [(f"allocation.chinchilla_baseline.{k}", f"Chinchilla {k}") for k in ("N", "D", "k", "accuracy")]
        source = (best.baseline or {}).get("source")
        figure = plot.frontier(table, band, level if band is not None else None, inference_flops,
                               f"Chinchilla-optimal (from {source})" if source else "Chinchilla-optimal")
        sections.append(("T² allocation frontier", figure, rows))  # id t2-allocation-frontier
        if others:
            steps.next(f"decision across {len(others) + 1} laws")
            summary["decision"], figure, rows = decision_section(result, data, others, ks, train_flops,
                                                                 inference_flops, draws, level)
            sections.append(("Decision across laws", figure, rows))
    elif law.accuracy is not None:
        summary["allocation_note"] = "no budgets given (--train-flops, --inference-flops): no allocation section"
    steps.next("figures and the page")
    summary["provenance"] = _provenance(path, seed, argv)
    summary["warnings"] = list(dict.fromkeys(str(w.message) for w in caught))
    with open(os.path.join(out_dir, "summary.json"), "w") as fh:
        json.dump(jsonable(summary), fh, indent=2, allow_nan=False)
    with open(os.path.join(out_dir, "report.html"), "w") as fh:
        fh.write(render(sections, json.loads(json.dumps(jsonable(summary), allow_nan=False)), out_dir))
    steps.close()
    return summary
