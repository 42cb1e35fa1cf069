"""Console text of the command line's results (from their JSON-ready dicts), and strict JSON."""

from __future__ import annotations

import json

from t2jax.errors import T2JaxError
from t2jax.laws.registry import LAWS

#: One example block per command, shown by ``t2jax COMMAND --help``.
CLI_EXAMPLES = {
    "fit": """examples:
  t2jax fit runs.csv --n-col params --flops-col C --method approach3 --bootstrap 1000 --json > fit.json
  t2jax fit counts.csv --law t2-beta --query "benchmark == 'GSM8K'" --ks 1,4,16,64 --json > t2.json""",
    "report": """examples:
  t2jax report runs.csv --n-col params --flops-col C --bootstrap 1000 --out report/
  t2jax report counts.csv --law t2-beta --query "benchmark == 'GSM8K'" --bootstrap 200 --resample groups \\
      --train-flops 2.56e19 --inference-flops 2e9 --out report/""",
    "allocate": """examples:
  t2jax allocate --fit t2.json --train-flops 2.56e19 --inference-flops 2e9 --integer-k
  t2jax allocate --fit t2.json --train-flops 1e21 --tokens-per-sample 256 --queries 1e8
  t2jax allocate --fit fit.json --target-loss 1.947 --inference-tokens 2e12
  t2jax allocate --fit t2.json --target-accuracy 0.99 --tokens-per-sample 1000 --queries 1e9""",
    "backtest": """examples:
  t2jax backtest counts.csv --query "benchmark == 'MATH'" --holdout "D > 6e10"
  t2jax backtest counts.csv --query "benchmark == 'GSM8K'" --select --metric log_ratio --json""",
    "calibrate": """examples:
  t2jax calibrate --law t2-joint --studies 100 --resamples 100 --out cal/
  t2jax calibrate --studies 1000 --coordinator host0:1234 --num-processes 2 --process-id 0   # on host0
  t2jax calibrate --studies 1000 --coordinator host0:1234 --num-processes 2 --process-id 1   # on host1""",
    "demo": """examples:
  t2jax demo --out t2jax-demo""",
}


def emit_json(out) -> None:
    """Print strict JSON: NaN or Infinity never reach an output."""
    try:
        text = json.dumps(out, indent=2, allow_nan=False)
    except ValueError as exc:
        raise T2JaxError(f"internal error: a result holds a non-finite number ({exc}); please report it") from None
    print(text)


def _draws_note(name, block) -> str:
    if name == "bootstrap":
        extreme = f", {block['extreme']} extreme" if block.get("extreme") else ""
        return f" over {block['resamples']} {block['resample']} resamples ({block['failed']} failed{extreme})"
    diag = block["diagnostics"].values()
    return (f" (NUTS, likelihood {block.get('likelihood', 'Gaussian on log loss')}, chains started at the "
            f"{block['point_method']} fit; "
            f"divergences {block['divergences']}, max R-hat {max(d['r_hat'] for d in diag):.3f}, "
            f"min ESS {min(d['ess'] for d in diag):.0f})")


def _intervals(table: dict, indent: str, fmt: str = ".6g") -> list:
    return [f"{indent}{q:>16}: {row['lower']:{fmt}} .. {row['upper']:{fmt}}  (median {row['median']:{fmt}})"
            for q, row in table.items()]


def fit_text(out: dict) -> str:
    """A fit (``FitResult.to_dict()`` plus any bootstrap/posterior blocks)."""
    lines = [f"{out['method']} fit of {out['n_points']} points (law {out['law']}); converged: {out['converged']}"
             + (f"; at a bound: {', '.join(out['at_bound'])}" if out.get("at_bound") else "")]
    lines += [f"  {k:>7} = {v:.6g}" for k, v in out["params"].items()]
    if out["law"] in LAWS:
        lines.append(f"  law {out['law']}: {LAWS[out['law']].description}")
    lines.append(f"  objective = {out['objective']:.6g}")
    if "parametric" in out:
        e = out["parametric"]["exponents"]
        lines.append(f"  parametric (varpro) implies N* ~ C^{e['N']:.4f}, D* ~ C^{e['D']:.4f}")
    for name in ("bootstrap", "posterior"):
        if name in out:
            block = out[name]
            lines.append(f"  {name} {100 * block['level']:.0f}% intervals{_draws_note(name, block)}:")
            lines += _intervals(block["intervals"], "  ")
    return "\n".join(lines)


#: What the rows of a target allocation are, in words.
TARGET_ROWS = {
    "optimal": "least lifetime compute (training 6ND plus inference) reaching the target",
    "k1": "the best one-sample (k = 1) model at the same lifetime inference tokens",
    "chinchilla_style": "the model reaching the target with least training compute 6ND alone, inference not "
                        "counted (the Chinchilla view; its inference is then costed)",
}


def _budget_line(out: dict) -> str:
    budgets = out["budgets"]
    if "inference_flops_per_query" in budgets:
        return (f"budgets: training 6ND <= {budgets['train_flops']:.4g} FLOPs; inference 2Nk <= "
                f"{budgets['inference_flops_per_query']:.4g} FLOPs per query (the T² paper's convention: one "
                f"forward token per sample; --tokens-per-sample and --queries give a budget in tokens)")
    return f"budget: 6ND + 2NkTQ <= {budgets['total_flops']:.4g} FLOPs over the deployment"


def allocation_text(out: dict, level: float) -> str:
    """A budget allocation (``Allocation.to_dict()`` plus ``intervals`` per draw source)."""
    b = out["chinchilla_baseline"]
    lines = [_budget_line(out), "T2-optimal: the (N, D, k) with the highest pass@k the law predicts within the budgets",
             f"{'':>12} {'N':>10} {'D':>10} {'k':>8} {'D/N':>8} {'pass@k':>10} {'miss rate':>10}"]
    for name, row in (("T2-optimal", out), ("Chinchilla", b)) if b else (("T2-optimal", out),):
        lines.append(f"{name:>12} {row['N']:10.3g} {row['D']:10.3g} {row['k']:8.3g} {row['tokens_per_param']:8.3g} "
                     f"{row['accuracy']:10.4g} {row['miss_rate']:10.4g}")
    if b:
        lines.append(f"Chinchilla: the compute-optimal N, D for the training budget from {b['source']} (its D/N "
                     f"{b['tokens_per_param']:.3g}; Hoffmann et al.'s fit gives about 20), with the k the inference "
                     f"budget then allows")
        if b.get("over_inference_budget"):
            lines.append("  over the inference budget: even k = 1 costs more than it allows; shown at k = 1")
    else:
        lines.append("No Chinchilla baseline: the law has no loss surface of its own (give a chinchilla fit as the "
                     "baseline)")
    if out.get("at_search_bound"):
        lines.append("N sits on the smallest model searched: the answer is the search's limit, not an optimum")
    for name, table in out.get("intervals", {}).items():
        lines.append(f"{100 * level:.0f}% intervals of the T²-optimal allocation over {name} draws:")
        lines += _intervals(table, "", ".4g")
        if name in out.get("p_beats_chinchilla", {}):
            lines.append(f"P(T²-optimal beats Chinchilla-optimal | {name} draws) = {out['p_beats_chinchilla'][name]:.3f}")
    return "\n".join(lines)


def target_text(out: dict) -> str:
    """A target-quality allocation (``TargetAllocation.to_dict()``)."""
    what = "loss" if out["kind"] == "loss" else "pass@k"
    lines = [f"least lifetime compute reaching {what} {out['target']:g}:",
             f"{'':>17} {'N':>10} {'D':>10} {'k':>8} {'D/N':>8} {'train':>10} {'inference':>10} {'total':>10}"]
    for name, row in ({"optimal": out["answer"]} | out["comparisons"]).items():
        if row.get("reachable") is False:
            lines.append(f"{name:>17}  cannot reach it (best pass@1 {row['best_pass_at_1']:.4g})")
            continue
        k = f"{row['k']:8.4g}" if "k" in row else f"{'-':>8}"
        lines.append(f"{name:>17} {row['N']:10.4g} {row['D']:10.4g} {k} {row['tokens_per_param']:8.4g} "
                     f"{row['train_flops']:10.4g} {row['inference_flops']:10.4g} {row['total_flops']:10.4g}")
    lines += [f"{name:>17}: {TARGET_ROWS[name]}" for name in ({"optimal": 0} | out["comparisons"]) if name in TARGET_ROWS]
    for name, r in out["ratios"].items():
        lines.append(f"optimal / {name}: N {100 * r['N']:.2f}%, D {100 * r['D']:.2f}%, "
                     f"total FLOPs {100 * r['total_flops']:.2f}%")
    for name, block in out["uncertainty"].items():
        lines.append(f"{100 * block['level']:.0f}% intervals over {block['n_draws']} {name} draws "
                     f"({block['n_unreachable']} cannot reach the target); "
                     f"P(optimal reaches it) = {block['p_reaches_target']:.3f}")
        lines += _intervals(block["intervals"], "", ".4g")
    return "\n".join(lines)


def _table(frame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def _left_out(result) -> list:
    dropped, fits = result.dropped, result.fits
    lines = []
    whole = dropped[dropped["cells"] == 0]
    for role in ("train", "test"):
        rows = whole[whole["role"] == role]
        if len(rows):
            names = sorted(set(rows["checkpoint"]))
            lines.append(f"left out ({role}): {len(names)} checkpoints that solved nothing "
                         f"({len(rows)} times over the splits): {', '.join(names)}")
    cells = int(dropped.loc[dropped["cells"] > 0, "cells"].sum())
    if cells:
        lines.append(f"left out (test): {cells} (checkpoint, k) cells with k beyond the checkpoint's smallest n")
    for _, f in fits.iterrows():
        if f["error"]:
            lines.append(f"not fitted: {f['law']} on '{f['holdout']}': {f['error']}")
        elif not f["converged"] or f["at_bound"]:
            lines.append(f"flagged fit: {f['law']} on '{f['holdout']}': converged {f['converged']}"
                         + (f", at a bound: {f['at_bound']}" if f["at_bound"] else ""))
    return lines


def backtest_text(splits, result) -> str:
    """A backtest: metrics per law, by k band and by observed pass@k band, and what was left out."""
    lines = [f"held out: {', '.join(splits)}",
             "metrics (means): abs_error |p - o|; log_ratio |log(p/o)|; miss_log_ratio |log((1-p)/(1-o))|; "
             "relative_error of -log pass@k; heldout_loglik: mean log predictive probability of each held-out "
             "count, nats per count (laws with per-problem predictions)", _table(result.summary()), "",
             "without held-out checkpoints whose pass@1 falls as D grows (beyond 3 standard errors):",
             _table(result.summary(falling=False)), "", "by k band:",
             _table(result.summary("k_band")), "", "by observed pass@k band:", _table(result.summary("pass_band"))]
    return "\n".join(lines + _left_out(result))


def selection_text(ranking, per_split, metric, result) -> str:
    """Law choice by backtest: the ranking, the per-split errors and the winner."""
    lines = [f"selected law: {ranking.loc[0, 'law']} (lowest mean {metric} over {len(per_split)} splits)",
             _table(ranking), "", f"per-split mean {metric}:",
             per_split.to_string(float_format=lambda v: f"{v:.4g}")]
    return "\n".join(lines + _left_out(result))


def comparison_text(out: dict) -> str:
    """Several laws' allocations (``Comparison.to_dict()``): the laws' optima, the regret
    matrix (rows: choices, columns: laws), the robust choices, and the one-line summary."""
    laws = list(out["optima"])
    width = max(10, *(len(n) for n in laws)) + 1
    lines = [out["summary"], _budget_line(out), "each law's optimum:",
             f"{'':>{width}} {'N':>10} {'D':>10} {'k':>8} {'D/N':>8} {'pass@k':>10}"]
    for name, row in out["optima"].items():
        lines.append(f"{name:>{width}} {row['N']:10.3g} {row['D']:10.3g} {row['k']:8.3g} {row['tokens_per_param']:8.3g} "
                     f"{row['accuracy']:10.4g}")
        for source, table in out["intervals"].get(name, {}).items():
            unusable = f" ({table['unusable']} of {table['draws']} draws have no optimum)" if table["unusable"] else ""
            lines.append(f"{'':>{width}} {100 * out['level']:.0f}% over {source} draws: " + (
                f"N {table['N']['lower']:.3g}..{table['N']['upper']:.3g}, k {table['k']['lower']:.3g}.."
                f"{table['k']['upper']:.3g}" if "N" in table else "no usable draws") + unusable)
    lines += ["regret: each choice's miss rate over the column law's own optimum (1 = no loss)",
              f"{'choice':>{width}} {'N':>10} {'k':>8} " + " ".join(f"{n:>{width}}" for n in laws) + f" {'worst':>8}"]
    for choice, row in out["regret"].items():
        c = out["choices"][choice]
        lines.append(f"{choice:>{width}} {c['N']:10.3g} {c['k']:8.3g} " + " ".join(f"{row[n]:>{width}.4g}" for n in laws)
                     + f" {out['worst_regret'][choice]:8.4g}")
    lines.append("minimax: the allocation on the budget frontier whose worst regret over the laws is least")
    lines += [f"  not answered to by minimax and weighted: {name} ({why})" for name, why in out.get("left_out", {}).items()]
    if out.get("weights"):
        w = out["weights"]
        lines.append("weighted: least expected log regret under weights " + ", ".join(
            f"{n} {v:.3f}" for n, v in w["weights"].items()) + f" (expected regret {w['expected_regret']:.4g}"
            + (f"; {w['basis']})" if w.get("basis") else ")"))
    for row in out.get("draw_regret", []):
        if row["choice"] in ("minimax", "weighted") and row["draws"]:
            lines.append(f"{row['choice']} under {row['law']}'s {row['draws']} {row['source']} draws: regret median "
                         f"{row['median']:.4g}, {100 * out['level']:.0f}% quantile {row['upper']:.4g}")
    return "\n".join(lines)


def target_comparison_text(out: dict) -> str:
    """Several laws asked one pass@k target (``TargetComparison.to_dict()``)."""
    laws = list(next(iter(out["accuracy"].values()), {})) if out["accuracy"] else []
    lines = [f"least lifetime compute reaching pass@k {out['target']:g}: each law's answer, and 'robust', which "
             f"reaches it under every law",
             f"{'choice':>14} {'N':>10} {'D':>10} {'k':>8} {'total FLOPs':>12} " + " ".join(f"{n:>10}" for n in laws)
             + "  reaches under"]
    for choice, c in out["choices"].items():
        acc = out["accuracy"][choice]
        lines.append(f"{choice:>14} {c['N']:10.3g} {c['D']:10.3g} {c['k']:8.3g} {c['total_flops']:12.4g} "
                     + " ".join(f"{acc[n]:10.4g}" for n in laws) + f"  {100 * out['share'][choice]:.0f}% of the laws")
    lines += [f"{name}: {why}" for name, why in out["unreachable"].items()]
    return "\n".join(lines)
