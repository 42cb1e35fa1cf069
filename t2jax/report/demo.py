"""The demo job: fit the embedded Chinchilla runs with every method, write JSON and a figure."""

from __future__ import annotations

import json
import os
import time

from t2jax.data.embedded import load_chinchilla
from t2jax.fitting import METHODS
from t2jax.report.figures import isoflop_figure


def run_demo(out_dir: str = "t2jax-demo") -> dict:
    """Fit the embedded data with approach3, varpro and isoflop; returns the summary."""
    os.makedirs(out_dir, exist_ok=True)
    runs = load_chinchilla()
    fits, summary = [], {"data": "embedded Chinchilla subset (234 runs, Apache-2.0)", "fits": {}}
    for name, fitter in METHODS.items():
        start = time.perf_counter()
        result = fitter(runs)
        fits.append(result)
        summary["fits"][name] = result.to_dict() | {"seconds": round(time.perf_counter() - start, 3)}
    summary["compute_optimal_at_1e24"] = {
        f.method: dict(zip(("N", "D"), map(float, f.optimal(1e24)))) for f in fits
    }
    figure = os.path.join(out_dir, "isoflop.png")
    isoflop_figure(runs, fits, figure)
    summary["figures"] = [figure]
    with open(os.path.join(out_dir, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=2)
    return summary
