"""The command line's argument definitions: options shared by its commands, with help
text for each and an example block per command."""

from __future__ import annotations

import argparse

from t2jax.laws.registry import LAWS, method_names
from t2jax.report.text import CLI_EXAMPLES


def data_options(p, *, t2_defaults: bool):
    """Column options shared by every command that reads a table."""
    p.add_argument("--n-col", default=None if not t2_defaults else "N_params",
                   help="parameters column (default N for runs, N_params for counts)")
    p.add_argument("--checkpoint-col", default=None, help="counts: checkpoint label column (default model); "
                   "pass@k tables: optional (default one checkpoint per N, D)")
    p.add_argument("--problem-col", default="problem_idx", help="counts: problem label column (default problem_idx)")
    p.add_argument("--samples-col", default=None, help="counts: samples drawn per problem (default n_samples); "
                   "pass@k tables: optional, rows with k above it are refused")
    p.add_argument("--correct-col", default="n_correct", help="counts: correct samples per problem (default n_correct)")
    p.add_argument("--pass-col", default=None, help="read an aggregate pass@k table (one row per checkpoint and k) "
                   "whose pass@k (a fraction) is in this column; fits t2-loss and t2-beta")
    p.add_argument("--k-col", default="k", help="pass@k tables: the k column (default k)")
    p.add_argument("--problems-col", default=None, help="pass@k tables: problems behind each checkpoint's mean "
                   "(optional; used to flag checkpoints that get worse with D)")
    p.add_argument("--query", help="pandas row filter applied first, e.g. \"benchmark == 'GSM8K'\"")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def sub_command(sub, name, help):
    p = sub.add_parser(name, help=help, description=help, epilog=CLI_EXAMPLES[name],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quiet", action="store_true", help="no progress display (shown on a terminal by default, with "
                   "the time left; T2JAX_PROGRESS=on shows it in logs too)")
    return p


def fit_options(p):
    """Options of every command that fits a study (fit, report)."""
    p.add_argument("path", help="training runs (one row per run) or counts (one row per checkpoint and problem)")
    p.add_argument("--law", choices=list(LAWS), default="chinchilla",
                   help="; ".join(f"{name}: {law.description}" for name, law in LAWS.items()))
    p.add_argument("--method", choices=list(method_names()), default=None, help="fitter (default: the law's first)")
    data_options(p, t2_defaults=False)
    tokens = p.add_mutually_exclusive_group()
    tokens.add_argument("--d-col", help="tokens column (default D for runs, D_tokens for counts)")
    tokens.add_argument("--flops-col", help="runs: training-FLOPs column; tokens = C / 6N")
    p.add_argument("--loss-col", default="loss", help="runs: loss column (default loss)")
    p.add_argument("--budget-col", help="runs: IsoFLOP budget column (needed by --method isoflop)")
    p.add_argument("--group-col", help="runs: group label column for --resample groups")
    p.add_argument("--ks", help="counts: comma-separated k values (default powers of 2 up to min n)")
    p.add_argument("--delta", type=float, default=None, help="Huber threshold (approach3; varpro --loss huber)")
    p.add_argument("--loss", choices=["squared", "huber"], default=None, help="varpro objective")
    p.add_argument("--resolution", type=int, default=None, help="exponent grid points per axis")
    p.add_argument("--bootstrap", type=int, default=None, metavar="R",
                   help="R bootstrap refits (additive power laws: chinchilla, t2-loss; t2-beta; t2-joint)")
    p.add_argument("--resample", choices=["points", "groups", "problems"], default=None,
                   help="bootstrap unit: runs (default for loss laws), whole groups (--group-col; checkpoints for "
                        "counts), or problems (t2-joint, its default)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random step")
    p.add_argument("--bayes", action="store_true",
                   help="NUTS posterior, 4 chains x 1,000 draws (additive power laws: Gaussian on log loss; "
                        "t2-joint: Beta-binomial counts)")
    p.add_argument("--level", type=float, default=0.95, help="interval level (default 0.95)")


def load_data(args, law):
    """The table a command reads: training runs, counts, or an aggregate pass@k table (--pass-col)."""
    from t2jax.data import load_pass_at_k, load_runs, load_samples
    from t2jax.errors import T2JaxError

    if args.pass_col:
        if law.data == "runs":
            raise T2JaxError(f"--pass-col reads an aggregate pass@k table for a pass@k law, not '{law.name}'")
        return load_pass_at_k(args.path, n_col=args.n_col or "N", d_col=None if getattr(args, "flops_col", None)
                              else args.d_col or "D", flops_col=getattr(args, "flops_col", None), k_col=args.k_col,
                              pass_col=args.pass_col, checkpoint_col=args.checkpoint_col,
                              problems_col=args.problems_col, samples_col=args.samples_col, ks=parse_ks(getattr(args, "ks", None)),
                              query=args.query)
    if law.data == "runs":
        return load_runs(args.path, n_col=args.n_col or "N", d_col=args.d_col, flops_col=args.flops_col,
                         loss_col=args.loss_col, budget_col=args.budget_col, group_col=args.group_col,
                         query=args.query)
    if getattr(args, "flops_col", None):
        raise T2JaxError("repeated-sampling counts take a tokens column (--d-col), not --flops-col")
    return load_samples(args.path, checkpoint_col=args.checkpoint_col or "model", problem_col=args.problem_col,
                        n_param_col=args.n_col or "N_params", d_col=args.d_col or "D_tokens",
                        samples_col=args.samples_col or "n_samples", correct_col=args.correct_col, query=args.query)


def parse_ks(text):
    """--ks: comma-separated k values (None when not given)."""
    from t2jax.errors import T2JaxError

    if not text:
        return None
    try:
        return [float(k) for k in text.split(",")]
    except ValueError:
        raise T2JaxError(f"--ks must be comma-separated numbers, got {text!r}") from None
