"""``t2jax allocate``: a budget allocation, a quality target, or several laws compared
(one ``--fit`` per law), from fits written by ``t2jax fit --json``."""

from __future__ import annotations

import json

from t2jax.report.text import allocation_text, comparison_text, emit_json, target_comparison_text, target_text


def _read_fit(path):
    import t2jax
    from t2jax.errors import T2JaxError

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh, parse_constant=lambda c: float(c))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise T2JaxError(f"{path} is not JSON text: {exc}") from None
    return t2jax.FitResult.from_dict(data)


def _target(args, fit) -> int:
    import t2jax
    from t2jax.errors import T2JaxError

    if args.train_flops is not None or args.inference_flops is not None:
        raise T2JaxError("a quality target replaces the budgets: drop --train-flops/--inference-flops")
    if args.target_loss is not None:
        if args.target_accuracy is not None:
            raise T2JaxError("give one quality target: --target-loss (loss laws) or --target-accuracy (T² laws)")
        if args.inference_tokens is None:
            raise T2JaxError("--target-loss needs --inference-tokens (the lifetime inference tokens T, costed 2NT)")
        result = t2jax.target_loss_allocation(fit, args.target_loss, args.inference_tokens, level=args.level)
    else:
        if args.tokens_per_sample is None or args.queries is None:
            raise T2JaxError("--target-accuracy takes --tokens-per-sample and --queries")
        result = t2jax.target_accuracy_allocation(fit, args.target_accuracy, args.tokens_per_sample, args.queries,
                                                  integer_k=args.integer_k, max_k=args.max_k, level=args.level)
    out = result.to_dict()
    if args.json:
        emit_json(out)
        return 0
    print(target_text(out))
    return 0


def run_allocate(args) -> int:
    import t2jax
    from t2jax.errors import T2JaxError
    from t2jax.validate import check_level

    check_level(args.level)
    if len(args.fit) > 1:
        return _compare(args)
    if args.weights:
        raise T2JaxError("--weights weighs several laws: give one --fit per law")
    fit = _read_fit(args.fit[0])
    if args.target_loss is not None or args.target_accuracy is not None:
        return _target(args, fit)
    if args.train_flops is None:
        given = [o for o, v in (("--tokens-per-sample", args.tokens_per_sample), ("--queries", args.queries),
                                ("--inference-flops", args.inference_flops), ("--inference-tokens",
                                                                             args.inference_tokens)) if v is not None]
        raise T2JaxError((f"{' and '.join(given)} describe{'s' if len(given) == 1 else ''} inference; " if given else "")
                         + "give --train-flops (a budget) or --target-loss / --target-accuracy (a quality target)")
    baseline = _read_fit(args.baseline_fit) if args.baseline_fit else None
    result = t2jax.allocate(fit, args.train_flops, args.inference_flops, tokens_per_sample=args.tokens_per_sample,
                            queries=args.queries, integer_k=args.integer_k, baseline_fit=baseline)
    out = result.to_dict()
    tables = t2jax.fit_allocation_intervals(fit, args.train_flops, args.inference_flops, args.level,
                                            tokens_per_sample=args.tokens_per_sample, queries=args.queries,
                                            integer_k=args.integer_k)
    if tables:
        out["intervals"] = {name: table.to_dict(orient="index") for name, table in tables.items()}
        if result.baseline is not None:
            out["p_beats_chinchilla"] = {name: t2jax.p_beats_baseline(draws, fit.law, result)
                                         for name, draws in t2jax.draw_tables(fit).items()}
    if args.json:
        emit_json(out)
        return 0
    print(allocation_text(out, args.level))
    return 0


def _compare(args) -> int:
    import t2jax
    from t2jax.errors import T2JaxError

    fits = [_read_fit(path) for path in args.fit]
    if args.target_accuracy is not None and args.train_flops is None and not args.weights:
        if args.tokens_per_sample is None or args.queries is None:
            raise T2JaxError("--target-accuracy takes --tokens-per-sample and --queries")
        out = t2jax.compare_targets(fits, args.target_accuracy, args.tokens_per_sample, args.queries,
                                    integer_k=args.integer_k, max_k=args.max_k).to_dict()
        emit_json(out) if args.json else print(target_comparison_text(out))
        return 0
    if args.train_flops is None or args.target_loss is not None or args.target_accuracy is not None:
        raise T2JaxError("comparing laws takes budgets (--train-flops with --inference-flops, or with "
                         "--tokens-per-sample and --queries) or a pass@k target (--target-accuracy, without --weights)")
    weights = None
    if args.weights:
        with open(args.weights, encoding="utf-8") as fh:
            weights = t2jax.backtest_weights(json.load(fh), t2jax.allocation.compare.labels(fits), args.metric)
    result = t2jax.compare_allocations(fits, args.train_flops, args.inference_flops,
                                       tokens_per_sample=args.tokens_per_sample, queries=args.queries,
                                       integer_k=args.integer_k, weights=weights, level=args.level)
    if args.json:
        emit_json(result.to_dict())
        return 0
    print(comparison_text(result.to_dict()))
    return 0


