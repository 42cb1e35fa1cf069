"""T² laws fitted from aggregate pass@k curves (published tables, no per-problem counts).

The Pythia GSM8K and MATH pass@k tables of Schaeffer et al. (per problem, k = 1..10,000)
averaged over their 128 problems into one curve per checkpoint: the (N, D, k, pass@k)
table a paper's figure gives. Rows with k above a checkpoint's smallest sample count are
left out (the published table stores 1.0 there; the estimator is undefined), so k runs
1..128. For each benchmark:

* ``t2-loss`` and ``t2-beta`` fitted from the curves (status, seconds), and ``t2-loss``
  from the curves against the per-problem counts' ``t2-loss`` (largest relative
  difference of a parameter);
* backtests holding out the largest tokens-per-parameter checkpoint, the largest N, and
  D > 60B (the split of the count backtests), scored by the four metrics;
* allocations at (2.56e19, 2e9) and (1e22, 1e11) with 90% intervals over a bootstrap of
  checkpoints (``--resamples``, default 200).

    python benchmarks/bench_aggregate.py [--resamples 200]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from common import device_line, shared_file

import t2jax

KS = [1, 2, 4, 8, 10, 16, 32, 64, 100, 128]
BUDGETS = ((2.56e19, 2e9), (1e22, 1e11))
LAWS = ("t2-loss", "t2-beta")
METRICS = ["targets", "abs_error", "log_ratio", "miss_log_ratio", "relative_error", "flagged_fits", "failed_fits"]


def curves(bench: str) -> pd.DataFrame:
    raw = pd.read_parquet(shared_file(f"schaeffer-monkey-power/pythia_ckpts_{bench.lower()}_pass_at_k.parquet"))
    models = pd.read_csv(shared_file("schaeffer-monkey-power/models_pythia.csv"))
    raw = raw[raw["k"].isin(KS)]
    out = raw.groupby(["Model Nickname", "k"], as_index=False).agg(
        pass_at_k=("pass@k", "mean"), problems=("prompt_idx", "nunique"), samples=("Num. Samples", "min"))
    return out.merge(models[["Model Nickname", "Parameters", "Tokens"]], on="Model Nickname")


def status(fit) -> str:
    return fit.status.value if hasattr(fit.status, "value") else str(fit.status)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args()
    print(device_line())
    counts_path = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    for bench in ("GSM8K", "MATH"):
        table = t2jax.load_pass_at_k(curves(bench), n_col="Parameters", d_col="Tokens",
                                     checkpoint_col="Model Nickname", problems_col="problems", samples_col="samples")
        print(f"\n== {bench}: {table.N.size} checkpoints with curves at k = {', '.join(f'{k:g}' for k in table.ks)}; "
              f"left out (pass@k 0 at every k): {', '.join(table.dropped) or 'none'}; cells exactly 0: "
              f"{table.n_zero_cells}, exactly 1: {table.n_certain_cells}")
        fits = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for law in LAWS:
                start = time.perf_counter()
                fits[law] = t2jax.fit(table, law)
                print(f"{law:8s} from curves: {status(fits[law])}, at bound {list(fits[law].at_bound)}, "
                      f"{time.perf_counter() - start:.1f} s; params "
                      + ", ".join(f"{k}={v:.4g}" for k, v in fits[law].params.items()))
            counts = t2jax.load_samples(counts_path, query=f"benchmark == '{bench}'")
            by_counts = t2jax.fit(counts, "t2-loss", ks=KS)
        diff = max(abs(fits["t2-loss"].params[k] - v) / max(abs(v), 1e-300) for k, v in by_counts.params.items())
        print(f"t2-loss from curves against per-problem counts (same ks): largest relative parameter difference "
              f"{diff:.2e}")
        ratio = table.D / table.N
        splits = {"largest D/N": f"D / N >= {ratio.max() * (1 - 1e-9):.12g}",
                  "largest N": f"N >= {table.N.max():.12g}", "D > 60B": "D > 6e10"}
        for name, holdout in splits.items():
            start = time.perf_counter()
            result = t2jax.backtest(table, holdout, laws=LAWS)
            summary = result.summary().set_index("law")[METRICS]
            print(f"\n-- backtest, {name} held out ({holdout}; {result.table['checkpoint'].nunique()} checkpoints, "
                  f"falling flagged {int(result.summary()['falling_checkpoints'].iloc[0])}); "
                  f"{time.perf_counter() - start:.1f} s")
            print(summary.to_string(float_format=lambda v: f"{v:.3f}"))
        for law in LAWS:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                boot = t2jax.bootstrap(table, None, args.resamples, law=law, seed=0, resample="groups",
                                       point=fits[law])
                print(f"\n-- {law}: {args.resamples} checkpoint-bootstrap refits, {boot.n_failed} failed, "
                      f"{time.perf_counter() - start:.1f} s")
                for C_train, C_inf in BUDGETS:
                    best = t2jax.allocate(fits[law], C_train, C_inf)
                    band = t2jax.allocation_intervals(boot.draws, law, C_train, C_inf, level=0.9)
                    reach = best.to_dict().get("extrapolation", {}).get("factors", {})
                    line = ", ".join(f"{q} {getattr(best, q):.3g} [{band.loc[q, 'lower']:.3g}, {band.loc[q, 'upper']:.3g}]"
                                     for q in ("N", "D", "k", "accuracy"))
                    print(f"   ({C_train:.3g}, {C_inf:.3g}): {line}; extrapolation "
                          + ", ".join(f"{k} {v:.2g}x" for k, v in reach.items()))


if __name__ == "__main__":
    main()
