"""Speed of the shared-difficulty law (t2-irt) on real counts: Pythia checkpoints on
GSM8K or MATH (shared data). Times the cold fit (a fresh process: tracing and compiling
included), the warm fit, a problem bootstrap and the NUTS posterior with its
diagnostics, and carries both through the allocation at the issue's budgets.

    python benchmarks/bench_irt_speed.py [--benchmark GSM8K] [--resamples 1000] [--chains 4] [--warmup 1000] [--samples 1000]
"""

from __future__ import annotations

import argparse
import time
import warnings

from common import device_line, shared_file

import t2jax

BUDGETS = ((2.56e19, 2e9), (1e22, 1e11))


def main():
    print(device_line())
    ap = argparse.ArgumentParser()
    ap.add_argument("--benchmark", default="GSM8K")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=1000)
    args = ap.parse_args()
    counts = t2jax.load_samples(shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv"),
                                query=f"benchmark == '{args.benchmark}'")
    print(f"{args.benchmark}: {counts.N.size} checkpoints x {counts.problems.size} problems")
    start = time.perf_counter()
    fit = t2jax.fit(counts, "t2-irt")
    cold = time.perf_counter() - start
    start = time.perf_counter()
    t2jax.fit(counts, "t2-irt")
    print(f"fit: cold {cold:.1f} s, warm {time.perf_counter() - start:.2f} s; status {fit.status.name}, "
          f"EM iterations {fit.extras['em_iterations']}, at bound {fit.at_bound or 'none'}")
    start = time.perf_counter()
    boot = t2jax.bootstrap(counts, n_resamples=args.resamples, law="t2-irt", seed=0, point=fit)
    print(f"bootstrap: {args.resamples} problem resamples in {time.perf_counter() - start:.1f} s "
          f"({boot.n_failed} not converged)")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        post = t2jax.posterior(counts, law="t2-irt", point=fit, num_chains=args.chains, num_warmup=args.warmup,
                               num_samples=args.samples, seed=0, progress_bar=False)
    print(f"posterior: {args.chains} x ({args.warmup} + {args.samples}) in {time.perf_counter() - start:.1f} s "
          f"(sampling {post.seconds:.1f} s), {post.divergences} divergences, R-hat <= "
          f"{post.diagnostics['r_hat'].max():.4f}, ESS >= {post.diagnostics['ess'].min():.0f}")
    for w in caught:
        print("  warning:", str(w.message).splitlines()[0])
    for C_train, C_inf in BUDGETS:
        point = t2jax.allocate(fit, C_train, C_inf)
        print(f"allocation at ({C_train:g}, {C_inf:g}): N {point.N:.3g}, D {point.D:.3g}, k {point.k:.3g}, "
              f"accuracy {point.accuracy:.3f}")
        for name, draws in (("bootstrap", boot.usable_draws), ("posterior", post.draws)):
            band = t2jax.allocation_intervals(draws, "t2-irt", C_train, C_inf, 0.9)
            print(f"  {name} 90%: " + ", ".join(f"{q} [{band.loc[q, 'lower']:.3g}, {band.loc[q, 'upper']:.3g}]"
                                                for q in ("N", "D", "k", "accuracy") if q in band.index))


if __name__ == "__main__":
    main()
