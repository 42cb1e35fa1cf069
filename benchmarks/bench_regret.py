"""Decisions across laws: regret matrices on real data and on a truth outside every law.

**Pythia** (``--real``): the per-problem counts of GSM8K and MATH
(``schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv``). Every pass@k law is
fitted to all checkpoints and, where its family has one, bootstrapped (``--resamples``);
weights come from a backtest holding out D > 6e10 (``--select``: every split of
``backtest --select``, slower) by :func:`t2jax.backtest_weights`. ``--keep DIR`` writes the
fits and backtests there and reuses them, so comparisons rerun in seconds. At
(2.56e19, 2e9) and (1e22, 1e11): each law's optimum with its 90% interval, the regret
matrix, the minimax choice and its worst-case regret, and the weighted choice.

**Simulated** (``--studies S``): studies whose truth is outside every law's family: a
probit link of a latent Chinchilla loss minus a problem difficulty shared by every
checkpoint, difficulties from two bumps, a fifth of the problems unsolvable. Each law is
fitted and bootstrapped; the weights come from one backtest holding out the largest D.
Per study: the true regret (true miss rate over the true optimum's) of each law's choice,
of the minimax and of the weighted choice, and whether each law's 90% interval of N*
covered the true N*.

    python benchmarks/bench_regret.py [--real] [--select] [--studies 3] [--resamples 100] [--keep DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from common import device_line, shared_file
from truths import TwoBumps

import t2jax
import t2jax.report.text
from t2jax.allocation.compare import labels
from t2jax.fitting.backtest import backtest, select_law

BUDGETS = ((2.56e19, 2e9), (1e22, 1e11))
LEVEL = 0.9


def fit_all(samples, laws, resamples, seed=0):
    """Every law's fit, with its bootstrap draws where its family has one (``extras``)."""
    fits = []
    for law in laws:
        start = time.perf_counter()
        f = t2jax.fit(samples, law)
        note = ""
        try:
            boot = t2jax.bootstrap(samples, n_resamples=resamples, law=law, seed=seed, point=f)
            f = t2jax.FitResult(f.method, f.law, f.params, f.objective, f.n_points, f.converged, f.at_bound,
                                f.extras | {"bootstrap": boot.to_dict(LEVEL)})
            note = f", {boot.n_failed}/{resamples} refits failed"
        except t2jax.T2JaxError as exc:
            note = f", no bootstrap ({exc})"
        print(f"  {law}: {f.status.value}{' at ' + ','.join(f.at_bound) if f.at_bound else ''}{note} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        fits.append(f)
    return fits


def kept(keep, name, run):
    """``(fits, backtest JSON)``: read from ``keep/name`` when there, else ``run()`` (and
    written there when ``keep`` is a folder), so comparisons rerun without refitting."""
    saved = Path(keep or ".") / name
    if keep and saved.exists():
        stored = json.loads(saved.read_text())
        return [t2jax.FitResult.from_dict(f) for f in stored["fits"]], stored["backtest"]
    fits, bt = run()
    bt = t2jax.fitting.result.jsonable(bt.to_dict())
    if keep:
        saved.write_text(json.dumps({"fits": [f.to_dict() for f in fits], "backtest": bt}))
    return fits, bt


def real(resamples, out, keep, select):
    """``keep``: a folder where each benchmark's fits and backtest are written (JSON), or
    read from when already there, so the comparisons can be rerun without refitting."""
    counts = shared_file("schaeffer-monkey-power/pythia_ckpts_per_problem_counts.csv")
    laws = t2jax.law_names(data="samples")
    for bench in ("GSM8K", "MATH"):
        samples = t2jax.load_samples(counts, query=f"benchmark == '{bench}'")
        print(f"\n== Pythia {bench}: {samples.N.size} checkpoints x {samples.problems.size} problems", flush=True)

        def run():
            fits = fit_all(samples, laws, resamples)
            start = time.perf_counter()
            bt = select_law(samples, laws)[2] if select else backtest(samples, "D > 6e10", laws)
            print(f"  backtest ({'--select' if select else 'D > 6e10 held out'}): {time.perf_counter() - start:.0f} s",
                  flush=True)
            return fits, bt

        fits, backtest_json = kept(keep, f"{bench}.json", run)
        weights = t2jax.backtest_weights(backtest_json, labels(fits))
        print(f"  weights ({weights['basis']}): " + ", ".join(f"{k} {v:.3f}" for k, v in weights["weights"].items()),
              flush=True)
        for ct, ci in BUDGETS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = t2jax.compare_allocations(fits, ct, ci, weights=weights, level=LEVEL)
            print(f"\n-- {bench} at ({ct:g}, {ci:g})")
            print(t2jax.report.text.comparison_text(c.to_dict()))
            out.setdefault("real", {}).setdefault(bench, {})[f"{ct:g},{ci:g}"] = c.to_dict()


def simulated(studies, resamples, out, keep=None):
    laws = t2jax.law_names(data="samples")
    rows = []
    for s in range(studies):
        rng = np.random.default_rng(100 + s)
        truth = TwoBumps()
        samples = truth.samples(rng)
        print(f"\n== simulated study {s}", flush=True)
        fits, bt = kept(keep, f"study{s}.json", lambda: (
            fit_all(samples, laws, resamples, seed=s), backtest(samples, f"D >= {float(samples.D.max())!r}", laws)))
        weights = t2jax.backtest_weights(bt, labels(fits))
        for ct, ci in BUDGETS[:1]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c = t2jax.compare_allocations(fits, ct, ci, weights=weights, level=LEVEL)
            N_true, lm_true = truth.optimum(ct, ci)
            ch = c.choices
            true_regret = np.exp(truth.log_miss(ch["N"].to_numpy(), ch["D"].to_numpy(), ch["k"].to_numpy()) - lm_true)
            row = {"study": s, "N_true": N_true, "weights_basis": weights["basis"]}
            row |= {f"regret {name}": float(r) for name, r in zip(ch.index, true_regret)}
            for name in c.optima.index:
                table = c.intervals.get(name, {}).get("bootstrap")
                row[f"covers {name}"] = (None if table is None else
                                         bool(table["N"]["lower"] <= N_true <= table["N"]["upper"]))
            rows.append(row)
            print(pd.Series(row).to_string(), flush=True)
    frame = pd.DataFrame(rows)
    out["simulated"] = frame.to_dict(orient="records")
    regrets = frame[[c for c in frame if c.startswith("regret ")]]
    print("\n== true regret over the studies (median, max):")
    print(pd.DataFrame({"median": regrets.median(), "max": regrets.max()}).to_string(float_format=lambda v: f"{v:.4g}"))
    singles = [c for c in regrets if c not in ("regret minimax", "regret weighted")]
    worst = regrets[singles].max(axis=1)
    for robust in ("regret minimax", "regret weighted"):
        print(f"{robust} <= the worst single law's in {(regrets[robust] <= worst + 1e-12).sum()} of {len(frame)} studies")
    covers = frame[[c for c in frame if c.startswith("covers ")]]
    print("each law's 90% interval of N* covered the true N* in:")
    print(covers.apply(lambda col: f"{int(col.dropna().sum())} of {int(col.notna().sum())}").to_string())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--studies", type=int, default=0)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--out", default=None)
    parser.add_argument("--keep", default=None, help="folder for the real studies' fits (reused when there)")
    parser.add_argument("--select", action="store_true", help="weights from backtest --select (slow), not D > 6e10")
    args = parser.parse_args()
    print(device_line())
    warnings.simplefilter("ignore")
    out = {}
    if args.real:
        real(args.resamples, out, args.keep, args.select)
    if args.studies:
        simulated(args.studies, args.resamples, out, args.keep)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(t2jax.fitting.result.jsonable(out), fh, indent=1, allow_nan=False)


if __name__ == "__main__":
    main()
