"""NUTS posterior of the joint T² model on real counts: Pythia checkpoints on GSM8K
(Schaeffer et al.'s repeated sampling; shared data), with its diagnostics, runtime, and
the allocation carried through every draw.

    python benchmarks/bench_joint_posterior.py [--chains 4] [--warmup 1000] [--samples 1000] [--benchmark GSM8K]
"""

from __future__ import annotations

import argparse
import time
import warnings

from common import device_line, shared_file

import t2jax

BUDGETS = (2.56e19, 2e9)


def main():
    print(device_line())
    ap = argparse.ArgumentParser()
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--benchmark", default="GSM8K")
    ap.add_argument("--progress", action="store_true", help="numpyro's progress bar")
    args = ap.parse_args()
    counts = t2jax.load_samples(shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv"),
                                query=f"benchmark == '{args.benchmark}'")
    print(f"{args.benchmark}: {counts.N.size} checkpoints x {counts.n.shape[1]} problems, "
          f"{int(counts.observed.sum())} observed counts")
    start = time.perf_counter()
    fit = t2jax.fit(counts, "t2-joint")
    print(f"maximum likelihood: {time.perf_counter() - start:.1f} s (cold), converged {fit.converged}, "
          f"at bound {list(fit.at_bound)}")
    print("  " + ", ".join(f"{k} {v:.5g}" for k, v in fit.params.items()))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        post = t2jax.posterior(counts, law="t2-joint", num_chains=args.chains, num_warmup=args.warmup,
                               num_samples=args.samples, seed=0, progress_bar=args.progress)
    total = time.perf_counter() - start
    print(f"NUTS: {args.chains} chains x ({args.warmup} warm-up + {args.samples} draws): sampling {post.seconds:.1f} s, "
          f"{total:.1f} s with the point fit and compilation")
    print(f"  divergences {post.divergences}; max R-hat {post.diagnostics['r_hat'].max():.4f}; "
          f"min ESS {post.diagnostics['ess'].min():.0f}")
    print(post.diagnostics.to_string(float_format=lambda v: f"{v:.4g}"))
    for w in caught:
        print(f"  warning: {w.message}")
    print(post.interval(0.9).to_string(float_format=lambda v: f"{v:.5g}"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best = t2jax.allocate(fit, *BUDGETS)
        draws = post.draws[list(fit.params)]
        start = time.perf_counter()
        table = t2jax.allocation_intervals(draws, "t2-joint", *BUDGETS, level=0.9)
        seconds = time.perf_counter() - start
        p = t2jax.p_beats_baseline(draws, "t2-joint", best)
    print(f"allocation at C_train {BUDGETS[0]:.3g}, C_inf {BUDGETS[1]:.3g}: N* {best.N:.4g}, D* {best.D:.4g}, "
          f"k* {best.k:.4g}, accuracy {best.accuracy:.4f}; over {len(draws)} draws in {seconds:.2f} s:")
    print(table.to_string(float_format=lambda v: f"{v:.5g}"))
    print(f"P(T²-optimal beats Chinchilla-optimal | posterior) = {p:.3f}")


if __name__ == "__main__":
    main()
