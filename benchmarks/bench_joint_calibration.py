"""Calibration of t2-joint intervals on the T²-optimal allocation, against a known truth.

Simulated studies from the joint model itself (T² Approach 2's Beta per problem, mean
and concentration from a latent Chinchilla loss; ``synthetic_t2`` with independent
problem draws per checkpoint): 10 model sizes x 12 compute levels with 1 <= D/N <= 3,000,
200 problems, n = 2,048 samples each. Each study is fitted by maximum likelihood and
bootstrapped (problems resampled); every draw goes through the allocation at two budget
pairs, and the 90% percentile intervals of N* and of the optimum's miss rate 1 - pass@k
(equivalently its accuracy) are checked against the truth's optimum. The first
``--beside`` studies are also bootstrapped as ``t2-beta`` (checkpoints resampled, both
stages refitted) and ``t2-loss`` (task-loss runs, checkpoints resampled), scored against
the same truth.

With ``--posterior`` the t2-joint NUTS posterior (4 chains x 500 draws) is scored
instead of its bootstrap.

    python benchmarks/bench_joint_calibration.py [--studies 100] [--resamples 200] [--beside 20] [--posterior]
                                                 [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

from common import device_line

import t2jax
from t2jax.allocation import allocation_draws
from t2jax.families.t2_joint.laws import from_t2_beta
from t2jax.families.t2_beta.simulate import T2_TRUTH

TRUTH = from_t2_beta(T2_TRUTH)
BUDGETS = ((2.56e19, 2e9), (1e21, 1e11))  # the second: accuracy 1 - 3.6e-11 at the true optimum
LEVEL = 0.90


def study(seed):
    return t2jax.synthetic_t2(n_samples=2048, n_questions=200, seed=seed, shared_difficulty=False,
                              max_tokens_per_param=3000).samples


def truth_optima():
    truth = t2jax.FitResult("truth", "t2-joint", TRUTH, 0.0, 1, True)
    return [t2jax.allocate(truth, ct, ci) for ct, ci in BUDGETS]


def score(boot, law, truths):
    """Per budget pair: does the interval cover the true N* and miss rate; width; point error."""
    draws = boot.usable_draws
    out = []
    for (ct, ci), true in zip(BUDGETS, truths):
        alloc = allocation_draws(draws, law, ct, ci)
        point = t2jax.allocate(boot.point, ct, ci)
        row = {}
        for q, t, p in (("N", true.N, point.N), ("miss_rate", true.miss_rate, point.miss_rate)):
            lo, hi = np.quantile(alloc[q], [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
            row[q] = {"covered": bool(lo <= t <= hi), "width": float(hi / lo), "point_log_error": float(np.log(p / t))}
        out.append(row)
    return out


def run_law(law, samples, resamples, seed, truths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if law == "t2-joint posterior":  # NUTS, 4 chains x (500 + 500)
            post = t2jax.posterior(samples, law="t2-joint", num_chains=4, num_warmup=500, num_samples=500, seed=seed)
            return {"failed": post.divergences, "budgets": score(post, "t2-joint", truths)}
        kw = {"resample": "groups"} if law == "t2-loss" else {}
        boot = t2jax.bootstrap(samples, law=law, n_resamples=resamples, seed=seed, **kw)
        return {"failed": boot.n_failed, "budgets": score(boot, law, truths)}


def marks(scores, q):
    """``+``/``-`` per budget pair: covered or not."""
    return "".join("+" if b[q]["covered"] else "-" for b in scores["budgets"])


def summarise(results, law):
    lines = []
    for b, (ct, ci) in enumerate(BUDGETS):
        rows = [r[law]["budgets"][b] for r in results if law in r]
        if not rows:
            continue
        cells = []
        for q in ("N", "miss_rate"):
            hits = sum(r[q]["covered"] for r in rows)
            width = np.median([r[q]["width"] for r in rows])
            err = np.median([abs(r[q]["point_log_error"]) for r in rows])
            cells.append(f"{q}: covered {hits}/{len(rows)}, median width x{width:.3g}, median |log point error| {err:.3f}")
        lines.append(f"  {law:8s} C_train {ct:.3g}, C_inf {ci:.3g}: " + "; ".join(cells))
    return lines


def main():
    print(device_line())
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=100)
    ap.add_argument("--resamples", type=int, default=200)
    ap.add_argument("--beside", type=int, default=20, help="studies also scored with t2-beta and t2-loss")
    ap.add_argument("--posterior", action="store_true", help="score the t2-joint NUTS posterior instead of its bootstrap")
    ap.add_argument("--out", help="write every study's scores as JSON")
    args = ap.parse_args()
    truths = truth_optima()
    for (ct, ci), t in zip(BUDGETS, truths):
        print(f"truth at C_train {ct:.3g}, C_inf {ci:.3g}: N* {t.N:.4g}, D* {t.D:.4g}, k* {t.k:.4g}, "
              f"miss rate {t.miss_rate:.3g}")
    results, seconds = [], {"t2-joint": 0.0, "t2-joint posterior": 0.0, "t2-beta": 0.0, "t2-loss": 0.0}
    for seed in range(args.studies):
        samples = study(seed)
        joint = "t2-joint posterior" if args.posterior else "t2-joint"
        laws = (joint, "t2-beta", "t2-loss") if seed < args.beside else (joint,)
        row, start = {"seed": seed}, time.perf_counter()
        for law in laws:
            t = time.perf_counter()
            row[law] = run_law(law, samples, args.resamples, seed, truths)
            seconds[law] += time.perf_counter() - t
        results.append(row)
        print(f"study {seed}: " + ", ".join(f"{law} N {marks(row[law], 'N')} miss {marks(row[law], 'miss_rate')}"
                                            for law in laws)
              + f" ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"{args.studies} studies x {args.resamples} resamples, {int(LEVEL * 100)}% percentile intervals")
    for law in seconds:
        print("\n".join(summarise(results, law)))
        n = sum(law in r for r in results)
        if n:
            print(f"  {law}: {seconds[law] / n:.1f} s per study (fit + draws + allocation of every draw); "
                  f"failed refits (posterior: divergences) {sum(r[law]['failed'] for r in results if law in r)}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"budgets": BUDGETS, "level": LEVEL, "resamples": args.resamples, "studies": results}, fh,
                      allow_nan=False, indent=1)


if __name__ == "__main__":
    main()
