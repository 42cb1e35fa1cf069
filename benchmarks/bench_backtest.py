"""Real-data backtest of the T² laws on Pythia repeated-sampling counts.

Each law is fitted on the checkpoints with D <= 60B tokens and predicts pass@k of the
200B and 300B checkpoints (GSM8K and MATH, 128 problems each), scored by every metric
of :mod:`t2jax.fitting.metrics` (overall, by k band, by observed pass@k band), with
what was left out: checkpoints that solved nothing (training and held out), cells with
k beyond a held-out checkpoint's smallest sample count (the unbiased estimator is
undefined there; the published tables store 1.0), and fits that did not converge or
sit on a bound.

    python benchmarks/bench_backtest.py
"""

from __future__ import annotations

import time

from common import device_line, shared_file

from t2jax.data.samples import load_samples
from t2jax.fitting.backtest import backtest
from t2jax.report.text import backtest_text


def main():
    print(device_line())
    path = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    for bench in ("GSM8K", "MATH"):
        samples = load_samples(path, query=f"benchmark == '{bench}'")
        start = time.perf_counter()
        result = backtest(samples, "D > 6e10")
        seconds = time.perf_counter() - start
        table = result.table
        print(f"\n== {bench}: fit on D <= 60B, score the {table['checkpoint'].nunique()} scorable checkpoints with "
              f"D > 60B (k = {int(table['k'].min())}..{int(table['k'].max())}); {seconds:.1f} s")
        print(backtest_text(["D > 6e10"], result))


if __name__ == "__main__":
    main()
