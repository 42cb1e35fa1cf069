"""Recovery and calibration of t2-irt on simulated studies with a known truth, three
truths whose problems keep their difficulty (``truths.py``): a Beta with shared
per-problem quantiles, a logit-normal, and two bumps with a fifth of the problems
unsolvable under a probit link. Each study (42 checkpoints x 130 problems, 1,000 samples
each, sizes 5e6 to 1e9, 1e9 to 2e12 tokens, around the truths' optima) is fitted and bootstrapped over problems; at two budget pairs the 90% percentile
intervals of N* and of the optimum's miss rate 1 - pass@k are checked against the truth's
optimum, and the point allocation is scored by its true accuracy. The first ``--beside``
studies of each truth are also fitted and bootstrapped as t2-joint, scored the same way.

Per truth and budget: the median N*/N*_true, how many 90% intervals of N* and of the miss
rate cover the truth, the median |predicted - true| accuracy at the chosen allocation, and
the median true regret (true miss rate at the choice over the true optimum's).

    python benchmarks/bench_irt_calibration.py [--studies 100] [--resamples 100] [--beside 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from common import device_line
from truths import TRUTHS

import t2jax
from t2jax.allocation import allocation_draws

BUDGETS = ((1e20, 1e9), (1e20, 1e10))
#: 6 sizes x 7 token counts around the truths' optima (they favour small models sampled often)
SIZES, TOKENS = np.geomspace(5e6, 1e9, 6), np.geomspace(1e9, 2e12, 7)
LEVEL = 0.90


def score(truth, boot, law):
    """Per budget pair: N* ratio, interval coverage of N* and the miss rate, accuracy error."""
    rows = []
    for ct, ci in BUDGETS:
        N_true, lm_true = truth.optimum(ct, ci)
        point = t2jax.allocate(boot.point, ct, ci)
        draws = allocation_draws(boot.usable_draws, law, ct, ci)
        q = ((1 - LEVEL) / 2, (1 + LEVEL) / 2)
        (n_lo, n_hi), (m_lo, m_hi) = np.nanquantile(draws["N"], q), np.nanquantile(draws["miss_rate"], q)
        lm_choice = float(truth.log_miss(point.N, point.D, point.k))
        rows.append({"law": law, "C_train": ct, "C_inf": ci, "N_ratio": point.N / N_true,
                     "covers_N": bool(n_lo <= N_true <= n_hi), "covers_miss": bool(m_lo <= np.exp(lm_true) <= m_hi),
                     "N_width": n_hi / n_lo, "accuracy_error": abs((1 - point.miss_rate) - (1 - np.exp(lm_choice))),
                     "regret": float(np.exp(lm_choice - lm_true)), "failed": boot.n_failed})
    return rows


def study(truth, s, law, resamples):
    rng = np.random.default_rng(1000 + s)
    samples = truth.samples(rng, sizes=SIZES, tokens=TOKENS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = t2jax.fit(samples, law)
        boot = t2jax.bootstrap(samples, law=law, n_resamples=resamples, seed=s, point=fit)
    return [r | {"truth": truth.name, "study": s} for r in score(truth, boot, law)]


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    g = frame.groupby(["truth", "law", "C_train", "C_inf"], sort=False)
    return pd.DataFrame({
        "studies": g.size(),
        "median N*/N*_true": g["N_ratio"].median(),
        "covers N*": g["covers_N"].sum(),
        "covers miss": g["covers_miss"].sum(),
        "median N* width": g["N_width"].median(),
        "median |acc error|": g["accuracy_error"].median(),
        "median regret": g["regret"].median(),
    })


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100)
    ap.add_argument("--resamples", type=int, default=100)
    ap.add_argument("--beside", type=int, default=5, help="studies per truth also run as t2-joint")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(device_line())
    rows, start = [], time.perf_counter()
    for truth in TRUTHS:
        print(f"== {truth.name}: optima " + ", ".join(f"N* {truth.optimum(ct, ci)[0]:.3g} at ({ct:g}, {ci:g})"
                                                   for ct, ci in BUDGETS), flush=True)
        for s in range(args.studies):
            laws = ("t2-irt", "t2-joint") if s < args.beside else ("t2-irt",)
            for law in laws:
                rows += study(truth, s, law, args.resamples)
            print(f"  study {s}: {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    table = summary(frame)
    print(table.to_string(float_format=lambda v: f"{v:.3g}"))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"studies": frame.to_dict(orient="records"), "resamples": args.resamples}, fh, indent=1)


if __name__ == "__main__":
    main()
