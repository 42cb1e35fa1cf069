"""Calibration of t2-joint intervals on the T²-optimal allocation, against a known truth,
as one batch (:func:`t2jax.study`), with the one-study-at-a-time path as the baseline.

Simulated studies from the joint model itself (T² Approach 2's Beta per problem, mean
and concentration from a latent Chinchilla loss, fresh problem draws per checkpoint) at
the paper-like grid with 1 <= D/N <= 3,000 (76 checkpoints), 200 problems, n = 2,048
samples each. Every study is fitted by maximum likelihood and bootstrapped (problems
resampled); every draw is allocated at two budget pairs, and the percentile intervals of
N*, D*, k* and the optimum's accuracy are scored against the truth's optimum.

Baseline (``--sequential K``, same process): the first K studies one at a time through
the public API (``fit``, ``bootstrap``, ``allocation_draws``), the path a user without
``t2jax.study`` would write; its intervals must equal the batch's for those studies.
``--posterior K``: the NUTS posterior (4 chains x (500 + 500)) of the first K studies,
one at a time, with the ranks of the truth among the posterior draws and their
uniformity (the posterior has no batched path yet).

    python benchmarks/bench_joint_calibration.py [--studies 100] [--resamples 100] [--sequential 3]
                                                 [--posterior 0] [--truth model|logit-normal|shared-beta|two-bumps]
                                                 [--out FILE] [--figure FILE]

``--truth``: studies drawn from a model outside the joint law's family, whose problems
keep their difficulty at every checkpoint (``benchmarks/truths.py``); intervals are
scored against that model's own optimum.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from common import device_line

import t2jax
from t2jax.calibration.run import study_seed
from t2jax.calibration.score import normalised_rank, uniformity
from t2jax.families.t2_joint.study import JointStudies
from truths import LogitNormal, SharedBeta, TwoBumps

TRUTHS = {"logit-normal": LogitNormal, "shared-beta": SharedBeta, "two-bumps": TwoBumps}

LEVEL = 0.9


def one_study(kernel, s, seed, resamples, truth=None):
    """Study ``s`` through the public API, one study at a time: its 90% N* intervals per budget."""
    design = kernel.design
    rng = study_seed(seed, s, 0)
    counts = truth.simulate(design, rng) if truth is not None else kernel.simulate(kernel.truth, rng)
    samples = t2jax.Samples(design.N, design.D, np.full_like(counts, design.samples), counts,
                            np.array([f"c{j}" for j in range(design.N.size)]), np.arange(design.problems))
    point = t2jax.fit(samples, law="t2-joint")
    boot = t2jax.bootstrap(samples, law="t2-joint", n_resamples=resamples, point=point,
                           seed=int(study_seed(seed, s, 1).integers(2**31)))
    out = []
    for ct, ci in design.budgets:
        N = t2jax.allocation_draws(boot.usable_draws, "t2-joint", ct, ci)["N"].to_numpy()
        out.append(np.quantile(N, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]))
    return samples, point, out


def posterior_ranks(kernel, K, seed):
    """Ranks of the truth among the NUTS draws of the first K studies (parameters, N*)."""
    rows = []
    for s in range(K):
        samples, point, _ = one_study(kernel, s, seed, 2)
        post = t2jax.posterior(samples, law="t2-joint", point=point, num_chains=4, num_warmup=500, num_samples=500,
                               seed=s)
        rank = {p: normalised_rank(post.draws[p].to_numpy(), kernel.truth[p]) for p in kernel.params}
        truth = t2jax.FitResult("truth", "t2-joint", kernel.truth, 0.0, 1, True)
        for b, (ct, ci) in enumerate(kernel.design.budgets):
            N = t2jax.allocation_draws(post.draws, "t2-joint", ct, ci)["N"].to_numpy()
            rank[f"N*[{b}]"] = normalised_rank(N, t2jax.allocate(truth, ct, ci).N)
        rows.append(rank | {"divergences": post.divergences})
        print(f"posterior study {s}: divergences {post.divergences}, rank N*[0] {rank['N*[0]']:.2f}", flush=True)
    return pd.DataFrame(rows)


def main():
    print(device_line())
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100)
    ap.add_argument("--resamples", type=int, default=100)
    ap.add_argument("--sequential", type=int, default=3, help="studies also run one at a time (the baseline)")
    ap.add_argument("--posterior", type=int, default=0, help="studies whose NUTS posterior is ranked")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--truth", choices=["model"] + sorted(TRUTHS), default="model",
                    help="simulate from the joint model itself, or from a truth whose problems keep their "
                         "difficulty (benchmarks/truths.py; outside the joint model's family)")
    ap.add_argument("--out", help="write the study as strict JSON")
    ap.add_argument("--figure", help="write the coverage and rank figure (PNG)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    kernel = JointStudies(JointStudies.default_design())
    truth = TRUTHS[args.truth]() if args.truth != "model" else None
    if truth is not None and args.posterior:
        ap.error("--posterior ranks the joint model's own parameters: use it with --truth model")
    start = time.perf_counter()
    result = t2jax.study("t2-joint", truth=truth, n_studies=args.studies, n_resamples=args.resamples,
                         seed=args.seed)
    batch = time.perf_counter() - start
    print(result.summary(LEVEL))
    print("seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
    cov = result.coverage
    print(cov[np.isclose(cov.level, LEVEL)][["budget", "quantity", "method", "covered", "studies", "band_lower", "band_upper",
                                             "median_width", "median_abs_point_error"]].to_string(index=False))
    print(result.uniformity.to_string(index=False))
    if args.sequential:
        one_study(kernel, 0, args.seed, args.resamples, truth)  # compile outside the timing, as the batch's first call did not
        start, gaps = time.perf_counter(), []
        for s in range(args.sequential):
            _, _, intervals = one_study(kernel, s, args.seed, args.resamples, truth)
            rec = result.records
            for b, iv in enumerate(intervals):
                row = rec[(rec.study == s) & (rec.budget == b) & (rec.quantity == "N") & (rec.method == "percentile")
                          & np.isclose(rec.level, LEVEL)]
                gaps.append(np.max(np.abs(np.log(iv / row[["lower", "upper"]].to_numpy()[0]))))
        per = (time.perf_counter() - start) / args.sequential
        print(f"baseline, one study at a time (warm): {per:.1f} s a study, so {per * args.studies:.0f} s for "
              f"{args.studies}; batch {batch:.0f} s (cold, compile included): {per * args.studies / batch:.1f}x; "
              f"largest |log| gap between the two paths' N* interval ends: {max(gaps):.2e}")
    if args.posterior:
        ranks = posterior_ranks(kernel, args.posterior, args.seed)
        print(uniformity(ranks.drop(columns="divergences")).to_string(index=False))
        print(f"divergences: {int(ranks['divergences'].sum())} over {args.posterior} studies")
    if args.out:
        result.to_json(args.out)
    if args.figure:
        from t2jax.report import plot

        plot.calibration(result).savefig(args.figure, dpi=120)


if __name__ == "__main__":
    main()
