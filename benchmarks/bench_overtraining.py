"""Held-out over-training on loss surfaces: fit on tokens per parameter <= 20, predict beyond.

Two studies:

* **Porian et al. (RefinedWeb IsoFLOP runs)**, each of the five training configurations
  in the shared data folder: Approach 3 fitted on the runs with D/N <= 20, then the
  loss of every run with D/N > 20 predicted; the relative error is reported per band
  of the extrapolation factor of tokens per parameter, with how many predictions
  carry t2jax's extrapolation warning (past 3x the fitted D/N).
* **A known law plus noise** (Hoffmann's coefficients, 1% log-normal noise, seeded):
  the same split out to D/N = 640, where the truth is known exactly.

    python benchmarks/bench_overtraining.py
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from common import device_line, shared_file

import t2jax
from t2jax.fitting.extrapolation import WARN_FACTORS, ExtrapolationWarning

BANDS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, np.inf)


def score(fit, N, D, loss):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ExtrapolationWarning)
        pred = np.array([fit.predict(n, d) for n, d in zip(N, D)])
    flagged = np.array([fit.extrapolation(n, d)["flagged"] != [] for n, d in zip(N, D)])
    factor = np.array([fit.extrapolation(n, d)["factors"]["tokens_per_param"] for n, d in zip(N, D)])
    table = pd.DataFrame({"factor": factor, "rel_error": np.abs(pred / loss - 1), "flagged": flagged})
    table["band"] = pd.cut(table["factor"], BANDS, right=False)
    out = table.groupby("band", sort=True, observed=True).agg(runs=("rel_error", "size"), mean_rel_error=("rel_error", "mean"),
                                                max_rel_error=("rel_error", "max"), flagged=("flagged", "mean"))
    return out, len(caught)


def study(name, N, D, loss):
    ratio = D / N
    train = ratio <= 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = t2jax.fit(t2jax.load_runs(pd.DataFrame({"N": N[train], "D": D[train], "loss": loss[train]})))
    table, warned = score(fit, N[~train], D[~train], loss[~train])
    print(f"\n== {name}: fit {train.sum()} runs with D/N <= 20 (fitted D/N up to "
          f"{fit.extras['fitted_range']['tokens_per_param'][1]:.3g}), predict {(~train).sum()} runs up to "
          f"D/N = {ratio.max():.0f}; {warned} extrapolation warnings")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))


def main():
    print(device_line())
    print(f"warning threshold: tokens per parameter beyond {WARN_FACTORS['tokens_per_param']:g}x the fitted range")
    frame = pd.read_csv(shared_file("porian-compute-optimal/porian_rw_isoflop_points.csv"))
    for config, rows in frame.groupby(["hparams", "warmup", "decay", "val"]):
        study("Porian " + "/".join(config), rows["N_params"].to_numpy(), rows["D_tokens"].to_numpy(),
              rows["loss"].to_numpy())
    rng = np.random.default_rng(0)
    N, ratio = (a.ravel() for a in np.meshgrid(np.geomspace(5e7, 2e9, 8), np.geomspace(2.5, 640, 9), indexing="ij"))
    D = N * ratio
    truth = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    loss = np.asarray(t2jax.chinchilla_loss(truth, N, D)) * np.exp(0.01 * rng.standard_normal(N.size))
    study("known law + 1% noise", N, D, loss)


if __name__ == "__main__":
    main()
