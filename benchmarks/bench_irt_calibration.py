"""Recovery and calibration of t2-irt on simulated studies with a known truth, as one
batch per truth and law (:func:`t2jax.study`), t2-joint beside it on the same studies.

Three truths whose problems keep their difficulty (``truths.py``): a Beta with shared
per-problem quantiles, a logit-normal, and two bumps with a fifth of the problems
unsolvable under a probit link. Every study (t2-irt's default design: 6 sizes 5e6 to 1e9
x 7 token counts 1e9 to 2e12, 130 problems, 1,000 samples each) is fitted and
bootstrapped over problems; every draw is allocated at two budget pairs, (1e20, 1e9) and
(1e20, 1e10), and the 90% percentile intervals of N* and of the optimum's accuracy are
checked against the truth's own optimum. Both laws see the same counts (a study's counts
come from ``(seed, study)`` alone).

Per truth, law and budget: the median N*/N*_true, how many 90% intervals of N* and of the
optimum's accuracy cover the truth, the median |predicted - true| accuracy at the chosen
allocation (the truth's own accuracy at the point allocation), the median true regret
(true miss rate at the choice over the true optimum's), and fits flagged or failed.

    python benchmarks/bench_irt_calibration.py [--studies 100] [--resamples 100] [--laws t2-irt,t2-joint]
                                               [--truths shared-beta,logit-normal,two-bumps] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from common import device_line
from truths import LogitNormal, SharedBeta, TwoBumps

import t2jax
from t2jax.families.t2_irt.study import IrtStudies

TRUTHS = {"shared-beta": SharedBeta, "logit-normal": LogitNormal, "two-bumps": TwoBumps}
LEVEL = 0.90


def score(result, truth) -> list[dict]:
    """Per budget: recovery, coverage and the true accuracy at the point allocation."""
    rec = result.records
    rec = rec[(rec.method == "percentile") & np.isclose(rec.level, LEVEL)]
    rows = []
    for b, (ct, ci) in enumerate(result.design.budgets):
        at = {q: rec[(rec.budget == b) & (rec.quantity == q)].set_index("study") for q in ("N", "D", "k", "accuracy")}
        true_at_choice = -np.expm1(truth.log_miss(at["N"]["point"].to_numpy(), at["D"]["point"].to_numpy(),
                                                  at["k"]["point"].to_numpy()))
        acc = at["accuracy"]
        rows.append({"C_train": ct, "C_inf": ci, "studies": len(at["N"]),
                     "median N*/N*_true": float(np.median(at["N"]["point"] / at["N"]["truth"])),
                     "covers N*": int(at["N"]["covered"].sum()), "covers accuracy*": int(acc["covered"].sum()),
                     "median N* width": float(np.median(at["N"]["upper"] / at["N"]["lower"])),
                     "median |acc error|": float(np.median(np.abs(acc["point"].to_numpy() - true_at_choice))),
                     "median regret": float(np.median((1 - true_at_choice) / (1 - acc["truth"].to_numpy()))),
                     "flagged fits": int(result.per_study["fit_flagged"].sum()),
                     "failed refits": int(result.per_study["failed_refits"].sum())})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100)
    ap.add_argument("--resamples", type=int, default=100)
    ap.add_argument("--laws", default="t2-irt,t2-joint")
    ap.add_argument("--truths", default=",".join(TRUTHS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    print(device_line())
    warnings.simplefilter("ignore")
    design = IrtStudies.default_design()
    rows = []
    for name in args.truths.split(","):
        truth = TRUTHS[name]()
        print(f"== {truth.name}: optima " + ", ".join(f"N* {truth.optimum(ct, ci)[0]:.3g} at ({ct:g}, {ci:g})"
                                                   for ct, ci in design.budgets), flush=True)
        for law in args.laws.split(","):
            start = time.perf_counter()
            result = t2jax.study(law, truth=truth, design=design, n_studies=args.studies,
                                 n_resamples=args.resamples, seed=args.seed, progress=False)
            seconds = time.perf_counter() - start
            part = [r | {"truth": name, "law": law, "seconds": seconds} for r in score(result, truth)]
            rows += part
            print(pd.DataFrame(part).to_string(index=False, float_format=lambda v: f"{v:.3g}"), flush=True)
    table = pd.DataFrame(rows).set_index(["truth", "law", "C_train", "C_inf"])
    print(table.to_string(float_format=lambda v: f"{v:.3g}"))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"rows": rows, "studies": args.studies, "resamples": args.resamples, "seed": args.seed}, fh,
                      indent=1)


if __name__ == "__main__":
    main()
