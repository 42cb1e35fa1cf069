"""``t2jax`` command line: ``fit``, ``allocate``, ``backtest`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import sys
import warnings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="t2jax", description="Train-to-Test scaling-law fits in JAX")
    sub = p.add_subparsers(dest="command", required=True)

    f = sub.add_parser("fit", help="fit a law to training runs or repeated-sampling counts (CSV/Parquet)")
    f.add_argument("path")
    f.add_argument("--law", choices=["chinchilla", "t2-loss", "t2-beta"], default="chinchilla")
    f.add_argument("--method", choices=["approach3", "varpro", "isoflop"], default=None,
                   help="fitter (default approach3 for chinchilla, varpro for T² laws)")
    f.add_argument("--n-col", default=None, help="parameters column (default N; N_params for T² laws)")
    tokens = f.add_mutually_exclusive_group()
    tokens.add_argument("--d-col", help="tokens column (default D; D_tokens for T² laws)")
    tokens.add_argument("--flops-col", help="training-FLOPs column; tokens = C / 6N")
    f.add_argument("--loss-col", default="loss")
    f.add_argument("--budget-col", help="IsoFLOP budget column (needed by --method isoflop)")
    f.add_argument("--group-col")
    f.add_argument("--checkpoint-col", default="model", help="T² laws: checkpoint label column")
    f.add_argument("--problem-col", default="problem_idx", help="T² laws: problem label column")
    f.add_argument("--samples-col", default="n_samples", help="T² laws: samples drawn per problem")
    f.add_argument("--correct-col", default="n_correct", help="T² laws: correct samples per problem")
    f.add_argument("--query", help="T² laws: pandas row filter, e.g. \"benchmark == 'GSM8K'\"")
    f.add_argument("--ks", help="T² laws: comma-separated k values (default powers of 2 up to min n)")
    f.add_argument("--delta", type=float, default=None, help="Huber threshold (approach3; varpro --loss huber)")
    f.add_argument("--loss", choices=["squared", "huber"], default=None, help="varpro objective")
    f.add_argument("--resolution", type=int, default=None, help="exponent grid points per axis")
    f.add_argument("--bootstrap", type=int, default=0, metavar="N", help="N bootstrap refits (approach3/varpro; t2-loss)")
    f.add_argument("--resample", choices=["points", "groups"], default="points",
                   help="bootstrap unit: runs, or whole groups (--group-col; checkpoints for T² laws)")
    f.add_argument("--seed", type=int, default=0, help="seed of every random step")
    f.add_argument("--bayes", action="store_true", help="NUTS posterior (4 chains x 1,000 draws)")
    f.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")
    f.add_argument("--json", action="store_true", help="print the result as JSON")

    a = sub.add_parser("allocate", help="optimal (N, D, k) for a fitted T² law")
    a.add_argument("--fit", required=True, help="JSON written by 't2jax fit --law t2-... --json'")
    a.add_argument("--train-flops", type=float, required=True)
    a.add_argument("--inference-flops", type=float, help="per-query inference budget: 2 N k <= this")
    a.add_argument("--tokens-per-sample", type=float, help="deployment form: T tokens per sample")
    a.add_argument("--queries", type=float, help="deployment form: Q queries served")
    a.add_argument("--integer-k", action="store_true", help="restrict k to whole numbers")
    a.add_argument("--json", action="store_true")

    b = sub.add_parser("backtest", help="fit laws on some checkpoints, score pass@k of the held-out ones")
    b.add_argument("path", help="per-(checkpoint, problem) counts (CSV/Parquet)")
    b.add_argument("--holdout", default="D > 6e10", help="held-out checkpoints, an expression in N and D (default 'D > 6e10')")
    b.add_argument("--leave-one-out", choices=["N", "D"], help="instead of --holdout: hold out each N (or D) value in turn")
    b.add_argument("--laws", default="t2-loss,t2-beta,beta-nd,beta-loss", help="comma-separated laws")
    b.add_argument("--query", help="pandas row filter, e.g. \"benchmark == 'GSM8K'\"")
    b.add_argument("--n-col", default="N_params")
    b.add_argument("--d-col", default="D_tokens")
    b.add_argument("--checkpoint-col", default="model")
    b.add_argument("--problem-col", default="problem_idx")
    b.add_argument("--samples-col", default="n_samples")
    b.add_argument("--correct-col", default="n_correct")
    b.add_argument("--json", action="store_true")

    d = sub.add_parser("demo", help="fit the embedded Chinchilla runs and a synthetic T² study")
    d.add_argument("--out", default="t2jax-demo", help="output folder (default t2jax-demo)")
    return p


def _print_warnings(caught):
    for w in caught:
        print(f"t2jax: warning: {w.message}", file=sys.stderr)


from t2jax.laws.chinchilla import CHINCHILLA  # noqa: E402
from t2jax.laws.t2 import T2_LOSS  # noqa: E402


def _uncertainty(args, runs, law, method) -> dict:
    """Bootstrap and/or posterior summaries (intervals and draws) for the JSON and table."""
    from t2jax.errors import T2JaxError

    out = {}
    if (args.bootstrap or args.bayes) and method not in ("approach3", "varpro"):
        raise T2JaxError("--bootstrap and --bayes need --method approach3 or varpro and law chinchilla or t2-loss")
    if args.bootstrap:
        from t2jax.uncertainty import bootstrap

        boot = bootstrap(runs, method, args.bootstrap, seed=args.seed, resample=args.resample, law=law)
        out["bootstrap"] = _bootstrap_block(args, boot)
    if args.bayes:
        from t2jax.uncertainty import posterior

        post = posterior(runs, law=law, seed=args.seed)
        out["posterior"] = {
            "chains": 4, "draws_per_chain": 1000, "seed": args.seed, "divergences": post.divergences,
            "seconds": round(post.seconds, 3), "level": args.level,
            "diagnostics": post.diagnostics.to_dict(orient="index"),
            "intervals": post.interval(args.level).to_dict(orient="index"),
            "draws": post.draws[list(post.point.params)].to_dict(orient="list"),
        }
    return out


def _t2_beta_bootstrap(args, samples, ks) -> dict:
    """Checkpoint bootstrap of T² Approach 2 (both stages refitted per resample)."""
    import numpy as np

    from t2jax.data.samples import observed_pass_at_k
    from t2jax.uncertainty.t2beta import bootstrap_t2_beta

    if args.resample != "groups":
        print("t2jax: note: T² Approach 2 resamples whole checkpoints", file=sys.stderr)
    ks = np.asarray(ks, float)
    boot = bootstrap_t2_beta(samples.N, samples.D, ks, observed_pass_at_k(samples, ks), args.bootstrap, seed=args.seed)
    return {"bootstrap": _bootstrap_block(args, boot)}


def _bootstrap_block(args, boot) -> dict:
    """JSON summary of a bootstrap: settings, intervals, and the converged draws."""
    return {
        "resamples": int(boot.weights.shape[0]), "resample": boot.resample, "seed": boot.seed,
        "failed": boot.n_failed, "seconds": round(boot.seconds, 3), "level": args.level,
        "intervals": boot.interval(args.level).to_dict(orient="index"),
        "draws": boot.draws[boot.draws["converged"]][list(boot.point.params)].to_dict(orient="list"),
    }


def _print_intervals(name, block):
    print(f"  {name} {100 * block['level']:.0f}% intervals:")
    for param, row in block["intervals"].items():
        print(f"    {param:>7}: {row['lower']:.6g} .. {row['upper']:.6g}  (median {row['median']:.6g})")


def _fit(args) -> int:
    from t2jax.errors import T2JaxError
    from t2jax.fitting import fit
    from t2jax.fitting.result import with_extras

    options = {k: v for k, v in (("delta", args.delta), ("loss", args.loss), ("resolution", args.resolution)) if v is not None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.law == "chinchilla":
            from t2jax.data.runs import load_runs

            if args.resample == "groups" and not args.group_col:
                raise T2JaxError("--resample groups needs --group-col")
            runs = load_runs(args.path, n_col=args.n_col or "N", d_col=args.d_col, flops_col=args.flops_col,
                             loss_col=args.loss_col, budget_col=args.budget_col, group_col=args.group_col)
            method = args.method or "approach3"
            result = fit(runs, method, **options)
            law = CHINCHILLA
        else:
            from t2jax.data.samples import load_samples
            from t2jax.fitting.t2 import fit_t2

            if args.flops_col or (args.method == "isoflop"):
                raise T2JaxError("T² laws take a tokens column (--d-col) and --method varpro or approach3")
            samples = load_samples(args.path, checkpoint_col=args.checkpoint_col, problem_col=args.problem_col,
                                   n_param_col=args.n_col or "N_params", d_col=args.d_col or "D_tokens",
                                   samples_col=args.samples_col, correct_col=args.correct_col, query=args.query)
            ks = None
            if args.ks:
                try:
                    ks = [float(k) for k in args.ks.split(",")]
                except ValueError:
                    raise T2JaxError(f"--ks must be comma-separated numbers, got {args.ks!r}") from None
            method = args.method or "varpro"
            result = fit_t2(samples, args.law, ks, method, **options)
            runs, law = None, T2_LOSS
            if args.bootstrap or args.bayes:
                from t2jax.data.samples import solved_checkpoints, task_runs

                solved = samples.subset(solved_checkpoints(samples))
                if args.law == "t2-beta":
                    if args.bayes:
                        raise T2JaxError("--bayes supports --law chinchilla or t2-loss")
                    result = with_extras(result, **_t2_beta_bootstrap(args, solved, result.extras["ks"]))
                else:
                    runs = task_runs(solved, result.extras["ks"])
        if (args.bootstrap or args.bayes) and runs is not None:
            result = with_extras(result, **_uncertainty(args, runs, law, method))
    _print_warnings(caught)
    out = result.to_dict()
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{result.method} fit of {result.n_points} points (law {result.law}); converged: {result.converged}")
    for k, v in result.params.items():
        print(f"  {k:>7} = {v:.6g}")
    print(f"  objective = {result.objective:.6g}")
    if "parametric" in out:
        e = out["parametric"]["exponents"]
        print(f"  parametric (varpro) implies N* ~ C^{e['N']:.4f}, D* ~ C^{e['D']:.4f}")
    for name in ("bootstrap", "posterior"):
        if name in out:
            _print_intervals(name, out[name])
    return 0


def _allocate(args) -> int:
    from t2jax.allocation import allocate
    from t2jax.errors import T2JaxError
    from t2jax.fitting.result import FitResult

    try:
        with open(args.fit) as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise T2JaxError(f"{args.fit} is not JSON: {exc}") from None
    result = allocate(FitResult.from_dict(data), args.train_flops, args.inference_flops,
                      tokens_per_sample=args.tokens_per_sample, queries=args.queries, integer_k=args.integer_k)
    out = result.to_dict()
    for name in ("bootstrap", "posterior"):
        if name in data and "draws" in data[name]:
            import pandas as pd

            from t2jax.uncertainty.derived import allocation_intervals

            draws = pd.DataFrame(data[name]["draws"])
            table = allocation_intervals(draws, data["law"], args.train_flops, args.inference_flops, integer_k=args.integer_k)
            out.setdefault("intervals", {})[name] = table.to_dict(orient="index")
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    b = out["chinchilla_baseline"]
    print(f"{'':>12} {'N':>10} {'D':>10} {'k':>8} {'D/N':>8} {'pass@k':>8}")
    print(f"{'T2-optimal':>12} {out['N']:10.3g} {out['D']:10.3g} {out['k']:8.3g} {out['tokens_per_param']:8.3g} {out['accuracy']:8.4f}")
    print(f"{'Chinchilla':>12} {b['N']:10.3g} {b['D']:10.3g} {b['k']:8.3g} {b['tokens_per_param']:8.3g} {b['accuracy']:8.4f}")
    for name, table in out.get("intervals", {}).items():
        print(f"95% intervals of the T²-optimal allocation over {name} draws:")
        for q, row in table.items():
            print(f"  {q:>16}: {row['lower']:.4g} .. {row['upper']:.4g}  (median {row['median']:.4g})")
    return 0


def _backtest(args) -> int:
    import numpy as np
    import pandas as pd

    from t2jax.data.samples import load_samples
    from t2jax.fitting.backtest import backtest, summarise

    samples = load_samples(args.path, checkpoint_col=args.checkpoint_col, problem_col=args.problem_col,
                           n_param_col=args.n_col, d_col=args.d_col, samples_col=args.samples_col,
                           correct_col=args.correct_col, query=args.query)
    laws = [law.strip() for law in args.laws.split(",") if law.strip()]
    if args.leave_one_out:
        values = np.unique(getattr(samples, args.leave_one_out))
        splits = [f"{args.leave_one_out} == {v!r}" for v in values]
    else:
        splits = [args.holdout]
    tables = []
    for split in splits:
        table = backtest(samples, split, laws)
        tables.append(table.assign(holdout=split))
    table = pd.concat(tables, ignore_index=True)
    summary = summarise(table)
    if args.json:
        print(json.dumps({"holdout": splits, "summary": summary.to_dict(orient="records")}, indent=2))
    else:
        print(f"held out: {', '.join(splits)}; score: mean |L_hat - L| / L with L = -log pass@k")
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


def _demo(args) -> int:
    from t2jax.report.demo import run_demo

    summary = run_demo(args.out)
    for name, r in summary["fits"].items():
        shown = ", ".join(f"{k}={v:.4g}" for k, v in r["params"].items())
        print(f"{name:>9}: {shown}  ({r['seconds']} s)")
    if "t2" in summary:
        a = summary["t2"]["allocation"]
        b = a["chinchilla_baseline"]
        print(f"T² allocation at C_train {a['train_flops']:.3g}, C_inf {a['inference_flops']:.3g}: "
              f"N*={a['N']:.3g} (D/N={a['tokens_per_param']:.0f}, k={a['k']:.1f}, pass@k={a['accuracy']:.3f}) vs "
              f"Chinchilla N={b['N']:.3g} (D/N={b['tokens_per_param']:.0f}, k={b['k']:.1f}, pass@k={b['accuracy']:.3f})")
    print(f"wrote {args.out}/summary.json and {', '.join(summary['figures'])}")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from t2jax.errors import T2JaxError

    try:
        return {"fit": _fit, "allocate": _allocate, "backtest": _backtest, "demo": _demo}[args.command](args)
    except (T2JaxError, OSError) as exc:
        print(f"t2jax: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
