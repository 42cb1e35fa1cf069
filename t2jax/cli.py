"""``t2jax`` command line: argument parsing and dispatch only.

Commands: ``fit``, ``report``, ``allocate``, ``backtest``, ``calibrate``, ``demo``. Every :class:`T2JaxError`
(and unreadable files) prints one line, ``t2jax: error: ...``, and exits 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from t2jax.laws.registry import LAWS, law_names
from t2jax.progress import Steps, showing
from t2jax.report.arguments import data_options, fit_options, load_data, parse_ks, sub_command
from t2jax.report.allocate import run_allocate
from t2jax.report.calibrate import run_calibrate
from t2jax.report.text import backtest_text, emit_json, fit_text, selection_text


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="t2jax", description="Train-to-Test scaling-law fits in JAX")
    sub = p.add_subparsers(dest="command", required=True)

    f = sub_command(sub, "fit", "fit a law to training runs or repeated-sampling counts (CSV/Parquet)")
    fit_options(f)
    f.add_argument("--answer-nll", metavar="FILE", help="t2-joint: per-question answer NLLs of some checkpoints "
                   "(CSV/Parquet) anchoring the latent loss; the fit is then T² Approach 2 in one stage (law t2-beta)")
    f.add_argument("--nll-checkpoint-col", default="model", help="--answer-nll: checkpoint column (default model)")
    f.add_argument("--nll-col", default="nll", help="--answer-nll: NLL column (default nll)")

    r = sub_command(sub, "report", "fit a study and write an HTML report with figures (PNG, SVG) and its JSON summary")
    fit_options(r)
    r.add_argument("--out", required=True, help="output folder for report.html, the figures and summary.json")
    r.add_argument("--train-flops", type=float, help="T² laws: training budget of the allocation section")
    r.add_argument("--inference-flops", type=float, help="T² laws: per-query inference budget of the allocation section")
    r.add_argument("--force", action="store_true", help="overwrite an earlier report in --out")
    r.add_argument("--compare-laws", metavar="LAWS", help="comma-separated pass@k laws also fitted to the data: "
                   "a decision section with every law's optimum, the regret matrix and the minimax choice")

    a = sub_command(sub, "allocate", "optimal (N, D, k) for a fitted law: best quality for a budget, or least "
                              "lifetime compute for a quality target")
    a.add_argument("--fit", required=True, action="append", help="JSON written by 't2jax fit ... --json'; give "
                   "it once per law (--fit a.json --fit b.json) to compare the laws' choices and their regrets")
    a.add_argument("--weights", metavar="BACKTEST_JSON", help="with several --fit: weigh the laws by this "
                   "'t2jax backtest ... --json' output (stacking of held-out log scores, else inverse mean --metric)")
    a.add_argument("--metric", default="log_ratio", help="--weights without log scores: the backtest metric "
                   "(default log_ratio)")
    a.add_argument("--train-flops", type=float, help="training budget: 6 N D <= this")
    a.add_argument("--inference-flops", type=float, help="per-query inference budget: 2 N k <= this")
    a.add_argument("--tokens-per-sample", type=float,
                   help="deployment form / pass@k target: T tokens per sample")
    a.add_argument("--queries", type=float, help="deployment form / pass@k target: Q queries served")
    a.add_argument("--target-loss", type=float, help="least 6ND + 2NT reaching this loss (loss laws; needs --inference-tokens)")
    a.add_argument("--inference-tokens", type=float, help="loss target: T lifetime inference tokens")
    a.add_argument("--target-accuracy", type=float,
                   help="least 6ND + 2NkTQ reaching this pass@k (T² laws; needs --tokens-per-sample, --queries)")
    a.add_argument("--max-k", type=float, default=1e6, help="pass@k target: largest k searched (default 1e6)")
    a.add_argument("--integer-k", action="store_true", help="restrict k to whole numbers")
    a.add_argument("--baseline-fit", help="JSON of a pretraining-loss fit (t2jax fit runs.csv --json) whose "
                                          "compute-optimal N, D give the Chinchilla baseline (default: the law's "
                                          "own loss surface)")
    a.add_argument("--level", type=float, default=0.95, help="interval level for fits with draws (default 0.95)")
    a.add_argument("--json", action="store_true", help="print the result as JSON")

    b = sub_command(sub, "backtest", "fit laws on some checkpoints, score pass@k of the held-out ones")
    b.add_argument("path", help="per-(checkpoint, problem) counts, or a pass@k table with --pass-col (CSV/Parquet)")
    b.add_argument("--holdout", default="D > 6e10", help="held-out checkpoints, an expression in N and D (default 'D > 6e10')")
    b.add_argument("--leave-one-out", choices=["N", "D"], help="instead of --holdout: hold out each N (or D) value in turn")
    b.add_argument("--laws", default=None, help="comma-separated laws (default every pass@k law; for a pass@k "
                                                "table, those its curves identify)")
    b.add_argument("--select", action="store_true",
                   help="rank the laws over extrapolation splits (largest D, largest N, each N) and name the best")
    b.add_argument("--metric", default="log_ratio", help="--select's score: log_ratio (default), miss_log_ratio, "
                                                         "abs_error or relative_error")
    data_options(b, t2_defaults=True)
    b.add_argument("--d-col", default="D_tokens", help="tokens column (default D_tokens)")

    c = sub_command(sub, "calibrate", "simulate studies from a known truth, bootstrap each, allocate every draw "
                                      "and score the intervals' coverage (one batch; several processes with --coordinator)")
    c.add_argument("--law", default="t2-joint", help="a law with a study kernel (default t2-joint)")
    c.add_argument("--studies", type=int, default=100, help="simulated studies (default 100)")
    c.add_argument("--resamples", type=int, default=100, help="problem resamples per study (default 100)")
    c.add_argument("--seed", type=int, default=0, help="seed (study s draws from (seed, s))")
    c.add_argument("--levels", default="0.5,0.8,0.9,0.95", help="nominal levels scored (default 0.5,0.8,0.9,0.95)")
    c.add_argument("--level", type=float, default=0.9, help="level shown in the summary (default 0.9)")
    c.add_argument("--out", default="t2jax-calibration", help="output folder (default t2jax-calibration)")
    c.add_argument("--coordinator", metavar="HOST:PORT", help="run as one of several processes (jax.distributed)")
    c.add_argument("--num-processes", type=int, help="with --coordinator: how many processes")
    c.add_argument("--process-id", type=int, help="with --coordinator: this process's index")

    d = sub_command(sub, "demo", "fit the embedded Chinchilla runs and a synthetic T² study")
    d.add_argument("--out", default="t2jax-demo", help="output folder (default t2jax-demo)")
    d.add_argument("--force", action="store_true", help="overwrite the demo's files in an existing --out folder")
    return p


def _answer_nll(args, law):
    import inspect

    from t2jax.data import read_table
    from t2jax.errors import T2JaxError
    from t2jax.laws.registry import family_of

    if "answer_nll" not in inspect.signature(family_of(law).fit_counts).parameters:
        raise T2JaxError(f"--answer-nll anchors the t2-joint model's loss; law '{law.name}' does not take it")
    if args.bootstrap or args.bayes:
        raise T2JaxError("--answer-nll fits have no bootstrap or posterior yet; drop --bootstrap/--bayes")
    frame = read_table(args.answer_nll)
    missing = [c for c in (args.nll_checkpoint_col, args.nll_col) if c not in frame.columns]
    if missing:
        raise T2JaxError(f"--answer-nll {args.answer_nll}: column(s) {', '.join(missing)} missing "
                         f"(columns: {', '.join(map(str, frame.columns))}); see --nll-checkpoint-col, --nll-col")
    return frame.rename(columns={args.nll_checkpoint_col: "checkpoint", args.nll_col: "nll"})[["checkpoint", "nll"]]


def _checkfit_options(args, law) -> None:
    from t2jax.errors import T2JaxError
    from t2jax.validate import check_count, check_level, check_seed

    if law.data == "runs" and args.ks:
        raise T2JaxError(f"--ks picks the k values of counts or pass@k tables; law '{law.name}' fits training runs")
    if args.command == "fit" and args.budget_col and (args.method or law.methods[0]) != "isoflop":
        raise T2JaxError(f"--budget-col is read by --method isoflop only; this {args.method or law.methods[0]} fit "
                         f"would ignore it")
    check_seed(args.seed)
    check_level(args.level)
    if args.bootstrap is not None:
        check_count("--bootstrap", args.bootstrap, 2)  # an interval needs at least two draws


def _fit(args) -> int:
    import t2jax

    law = t2jax.get_law(args.law)
    _checkfit_options(args, law)
    options = {k: v for k, v in (("delta", args.delta), ("loss", args.loss), ("resolution", args.resolution)) if v is not None}
    data, ks = load_data(args, law), parse_ks(args.ks)
    kw = {"ks": ks} if law.data == "samples" else {}
    if args.answer_nll:
        options["answer_nll"] = _answer_nll(args, law)
    steps = Steps(1 + bool(args.bootstrap) + bool(args.bayes), "t2jax fit", even=False)
    steps.next(f"fitting {law.name}")
    result = t2jax.fit(data, law, args.method, **kw, **options)
    extra = {}
    if args.bootstrap:
        steps.next(f"{args.bootstrap} bootstrap refits")
        boot = t2jax.bootstrap(data, args.method, args.bootstrap, seed=args.seed, resample=args.resample, law=law,
                               point=t2jax.uncertainty.own_point(result, law), **kw)
        extra["bootstrap"] = boot.to_dict(args.level)
    if args.bayes:
        steps.next("NUTS posterior")
        post = t2jax.posterior(data, law=law, method=args.method, seed=args.seed,
                               point=t2jax.uncertainty.own_point(result, law), **kw)
        extra["posterior"] = post.to_dict(args.level, seed=args.seed)
    steps.close()
    out = result.to_dict() | extra
    if args.json:
        emit_json(out)
        return 0
    print(fit_text(out))
    return 0


def _report(args) -> int:
    from t2jax.report.study import check_request, run_report

    law = LAWS[args.law]
    _checkfit_options(args, law)
    compare = args.compare_laws.split(",") if args.compare_laws else None
    check_request(law, args.out, args.force, args.train_flops, args.inference_flops, compare)  # before any work
    summary = run_report(load_data(args, law), args.path, args.out, law=law, method=args.method, ks=parse_ks(args.ks),
                         n_bootstrap=args.bootstrap, resample=args.resample, bayes=args.bayes, seed=args.seed,
                         level=args.level, train_flops=args.train_flops, inference_flops=args.inference_flops,
                         force=args.force, argv=args.argv, compare_laws=compare)
    if args.json:
        emit_json(summary)
    else:
        print(f"wrote {args.out}/report.html, {args.out}/summary.json and the figures (PNG, SVG)")
    return 0


def _backtest(args) -> int:
    from t2jax.errors import T2JaxError
    from t2jax.fitting.backtest import backtest, backtest_splits, leave_one_out_splits, select_law

    samples = load_data(args, LAWS["t2-loss"])
    laws = None if args.laws is None else [law.strip() for law in args.laws.split(",") if law.strip()]
    if laws == []:
        raise T2JaxError(f"--laws names no law; choose from {', '.join(law_names(data='samples'))}")
    if args.select:
        ranking, per_split, result = select_law(samples, laws, args.metric)
        if args.json:
            emit_json({"metric": args.metric, "winner": ranking.loc[0, "law"],
                       "ranking": ranking.replace({float("nan"): None}).to_dict(orient="records"),
                       "per_split": per_split.astype(object).where(per_split.notna(), None).to_dict(orient="index")}
                      | result.to_dict())
        else:
            print(selection_text(ranking, per_split, args.metric, result))
        return 0
    if args.leave_one_out:  # a split that leaves too few checkpoints is recorded, not fatal
        splits = leave_one_out_splits(samples, args.leave_one_out)
        result = backtest_splits(samples, splits, laws)
    else:
        splits, result = [args.holdout], backtest(samples, args.holdout, laws)
    if args.json:
        emit_json({"holdout": splits} | result.to_dict())
    else:
        print(backtest_text(splits, result))
    return 0


def _demo(args) -> int:
    from t2jax.report.demo import print_summary, run_demo

    print_summary(run_demo(args.out, force=args.force), args.out)
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    from t2jax.cache import cli_cache_enabled, enable_compilation_cache
    from t2jax.errors import T2JaxError

    if cli_cache_enabled():  # on unless T2JAX_CACHE_DIR=off; the folder is per user and JAX version
        enable_compilation_cache()

    try:
        with warnings.catch_warnings(record=True) as caught, showing(False if args.quiet else None):
            warnings.simplefilter("always")
            code = {"fit": _fit, "report": _report, "allocate": run_allocate, "backtest": _backtest,
                    "demo": _demo, "calibrate": run_calibrate}[args.command](args)
    except (T2JaxError, OSError) as exc:
        print(f"t2jax: error: {exc}", file=sys.stderr)
        return 2
    counts = {}
    for w in caught:  # each distinct warning once, with how often it came
        counts[str(w.message)] = counts.get(str(w.message), 0) + 1
    for message, n in counts.items():
        print(f"t2jax: warning: {message}" + (f" ({n} times)" if n > 1 else ""), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
