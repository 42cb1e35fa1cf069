"""Real-data backtest of the T² laws on Pythia repeated-sampling counts.

Each law is fitted on the checkpoints with D <= 60B tokens and predicts pass@k of the
200B and 300B checkpoints (GSM8K and MATH, 128 problems each); the score is the mean
relative error of the task loss -log pass@k. Only k no larger than a held-out
checkpoint's smallest per-problem sample count are scored: beyond it the unbiased
estimator is undefined for problems never solved (the published pass@k tables store
1.0 there, which is not an estimate).

    python benchmarks/bench_backtest.py
"""

from __future__ import annotations

import time

from common import device_line, shared_file

from t2jax.data.samples import load_samples
from t2jax.fitting.backtest import backtest, summarise


def main():
    print(device_line())
    path = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    for bench in ("GSM8K", "MATH"):
        samples = load_samples(path, query=f"benchmark == '{bench}'")
        start = time.perf_counter()
        table = backtest(samples, "D > 6e10")
        seconds = time.perf_counter() - start
        print(f"== {bench}: fit on D <= 60B, score the {table['checkpoint'].nunique()} checkpoints with D > 60B "
              f"(k = {int(table['k'].min())}..{int(table['k'].max())}); {seconds:.1f} s")
        print(summarise(table).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        per_k = table.groupby(["k", "law"], sort=False)["relative_error"].mean().unstack()
        print(per_k.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
