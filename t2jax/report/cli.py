"""``t2jax`` command line: ``t2jax fit PATH ...`` and ``t2jax demo``."""

from __future__ import annotations

import argparse
import json
import sys
import warnings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="t2jax", description="Train-to-Test scaling-law fits in JAX")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit a loss surface to training runs in a CSV/Parquet file")
    f.add_argument("path")
    f.add_argument("--method", choices=["approach3", "varpro", "isoflop"], default="approach3")
    f.add_argument("--n-col", default="N", help="parameters column (default N)")
    tokens = f.add_mutually_exclusive_group()
    tokens.add_argument("--d-col", help="tokens column (default D)")
    tokens.add_argument("--flops-col", help="training-FLOPs column; tokens = C / 6N")
    f.add_argument("--loss-col", default="loss")
    f.add_argument("--budget-col", help="IsoFLOP budget column (needed by --method isoflop)")
    f.add_argument("--group-col")
    f.add_argument("--delta", type=float, default=None, help="Huber threshold (approach3; varpro --loss huber)")
    f.add_argument("--loss", choices=["squared", "huber"], default=None, help="varpro objective")
    f.add_argument("--resolution", type=int, default=None, help="exponent grid points per axis")
    f.add_argument("--json", action="store_true", help="print the result as JSON")
    d = sub.add_parser("demo", help="fit the embedded Chinchilla runs with every method")
    d.add_argument("--out", default="t2jax-demo", help="output folder (default t2jax-demo)")
    return p


def _fit(args) -> int:
    from t2jax.data.runs import load_runs
    from t2jax.fitting import fit

    runs = load_runs(
        args.path,
        n_col=args.n_col,
        d_col=args.d_col,
        flops_col=args.flops_col,
        loss_col=args.loss_col,
        budget_col=args.budget_col,
        group_col=args.group_col,
    )
    options = {k: v for k, v in (("delta", args.delta), ("loss", args.loss), ("resolution", args.resolution)) if v is not None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit(runs, args.method, **options)
    for w in caught:
        print(f"t2jax: warning: {w.message}", file=sys.stderr)
    out = result.to_dict()
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{result.method} fit of {result.n_points} runs (law {result.law}); converged: {result.converged}")
    for k, v in result.params.items():
        print(f"  {k:>6} = {v:.6g}")
    print(f"  objective = {result.objective:.6g}")
    if "parametric" in out:
        e = out["parametric"]["exponents"]
        print(f"  parametric (varpro) implies N* ~ C^{e['N']:.4f}, D* ~ C^{e['D']:.4f}")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from t2jax.errors import T2JaxError

    try:
        if args.command == "fit":
            return _fit(args)
        from t2jax.report.demo import run_demo

        summary = run_demo(args.out)
        for name, r in summary["fits"].items():
            shown = ", ".join(f"{k}={v:.4g}" for k, v in r["params"].items())
            print(f"{name:>9}: {shown}  ({r['seconds']} s)")
        print(f"wrote {args.out}/summary.json and {', '.join(summary['figures'])}")
        return 0
    except (T2JaxError, OSError) as exc:
        print(f"t2jax: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
