"""Matplotlib figures of fits (headless: the Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from t2jax.data.runs import Runs  # noqa: E402
from t2jax.fitting.result import FitResult  # noqa: E402
from t2jax.laws.registry import LAWS  # noqa: E402
from t2jax.report.plot import quiet  # noqa: E402


@quiet
def isoflop_figure(runs: Runs, fits: list[FitResult], path) -> None:
    """Loss against N per budget, the fitted surfaces along each IsoFLOP curve, and the
    compute-optimal N*(C) of every fit."""
    has = np.isfinite(runs.budget) if runs.budget is not None else np.zeros(len(runs), bool)
    budgets = np.unique(runs.budget[has]) if has.any() else np.array([])
    colours = plt.cm.viridis(np.linspace(0, 0.9, max(len(budgets), 1)))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    ax.scatter(runs.N[~has], runs.loss[~has], s=8, c="0.7", label="off-curve runs")
    surfaces = [f for f in fits if f.law in LAWS]  # fits with a loss surface (not IsoFLOP power laws)
    styles = ["-", "--", ":"]
    if budgets.size:  # every budget's curve in one evaluation per surface
        lo = np.array([runs.N[runs.budget == c].min() for c in budgets]) / 1.5
        hi = np.array([runs.N[runs.budget == c].max() for c in budgets]) * 1.5
        N_curve = np.geomspace(lo, hi, 100, axis=1)
        curves = [f.predict(N_curve, budgets[:, None] / (6 * N_curve)) for f in surfaces]
    for i, (c, colour) in enumerate(zip(budgets, colours)):
        pick = runs.budget == c
        ax.scatter(runs.N[pick], runs.loss[pick], s=12, color=colour)
        for curve, ls in zip(curves, styles):
            ax.plot(N_curve[i], curve[i], ls, color=colour, lw=1)
    ax.set(xscale="log", xlabel="parameters N", ylabel="loss", title="IsoFLOP curves: data and fitted surfaces")
    for f, ls in zip(surfaces, styles):
        ax.plot([], [], ls, color="k", label=f.method)
    ax.legend(fontsize=8)
    C = np.geomspace(runs.flops.min(), runs.flops.max() * 10, 50)
    for f in fits:
        ax2.plot(C, f.optimal(C)[0], label=f"{f.method}")
    if budgets.size:
        iso = [f for f in fits if f.method == "isoflop"]
        if iso:
            pts = iso[0].extras["budgets"]
            ax2.scatter([p["budget"] for p in pts], [p["N_opt"] for p in pts], c="k", s=15, label="parabola minima")
    ax2.set(xscale="log", yscale="log", xlabel="training FLOPs C", ylabel="compute-optimal N*", title="N*(C)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@quiet
def passk_figure(ks, observed, fits: dict, N, D, labels, path) -> None:
    """Observed pass@k against k for a few checkpoints, with each fitted law's curve."""
    k_dense = np.geomspace(1, ks.max() * 8, 200)
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    colours = plt.cm.plasma(np.linspace(0, 0.85, len(N)))
    styles = ["-", "--", ":"]
    N, D = np.asarray(N, float)[:, None], np.asarray(D, float)[:, None]
    curves = [f.accuracy(N, D, k_dense[None, :]) for f in fits.values()]  # one evaluation per law
    for i, colour in enumerate(colours):
        ax.scatter(ks, observed[i], color=colour, s=14, label=labels[i])
        for curve, ls in zip(curves, styles):
            ax.plot(k_dense, curve[i], ls, color=colour, lw=1)
    for (name, _), ls in zip(fits.items(), styles):
        ax.plot([], [], ls, color="k", label=name)
    ax.set(xscale="log", yscale="log", xlabel="samples per question k", ylabel="pass@k", title="pass@k: data and fitted T² laws")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@quiet
def frontier_figure(tables: dict, path) -> None:
    """T²-optimal N and tokens per parameter against training compute, vs Chinchilla."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, t in tables.items():
        ax.plot(t["train_flops"], t["N"], label=f"T²-optimal ({name})")
        ax2.plot(t["train_flops"], t["tokens_per_param"], label=f"T²-optimal ({name})")
    first = next(iter(tables.values()))
    ax.plot(first["train_flops"], first["chinchilla_N"], "k--", label="Chinchilla-optimal")
    ax2.plot(first["train_flops"], first["train_flops"] / (6 * first["chinchilla_N"] ** 2), "k--", label="Chinchilla-optimal")
    ax.set(xscale="log", yscale="log", xlabel="training FLOPs", ylabel="N*", title="Optimal model size")
    ax2.set(xscale="log", yscale="log", xlabel="training FLOPs", ylabel="tokens per parameter", title="Overtraining")
    ax.legend(fontsize=8)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
