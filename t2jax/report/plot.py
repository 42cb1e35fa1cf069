"""Figures of a study, each a function returning a matplotlib ``Figure`` (``t2jax.plot``).

Conventions of scaling-law papers: log axes for N, D, C and k, labelled units, colour
by model size or budget, legends outside the data where they would hide it. Curves
drawn beyond the fitted data extrapolate on purpose, so extrapolation warnings are
silenced inside these functions (the report states the fitted ranges).
"""

from __future__ import annotations

import functools
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from t2jax.fitting.extrapolation import ExtrapolationWarning  # noqa: E402
from t2jax.fitting.result import FitResult  # noqa: E402


def quiet(fn):
    """Draw without extrapolation warnings (curves beyond the data are deliberate)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExtrapolationWarning)
            return fn(*args, **kwargs)

    return wrapper


def _colours(n, cmap="viridis"):
    return getattr(plt.cm, cmap)(np.linspace(0.0, 0.9, max(n, 1)))


@quiet
def loss_curves(fit: FitResult, runs) -> plt.Figure:
    """Loss against N, coloured by training budget on a colour bar (the runs' budgets, or
    their 6ND when they have none), with the fitted law along each budget's runs."""
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    groups = runs.budget if runs.budget is not None and np.isfinite(runs.budget).all() else runs.flops
    levels = np.unique(np.round(np.log10(groups), 1))
    norm = matplotlib.colors.Normalize(levels.min(), max(levels.max(), levels.min() + 1e-9))
    cmap = plt.cm.viridis
    for level in levels:
        pick = np.round(np.log10(groups), 1) == level
        ax.scatter(runs.N[pick], runs.loss[pick], s=12, color=cmap(norm(level)))
        if pick.sum() > 1:
            N = np.geomspace(runs.N[pick].min(), runs.N[pick].max(), 60)
            ax.plot(N, fit.predict(N, 10**level / (6 * N)), color=cmap(norm(level)), lw=1)
    ax.set(xscale="log", xlabel="parameters N", ylabel="loss", title=f"{fit.law} ({fit.method}): runs and fitted law")
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax)
    bar.set_label("training budget log10 C (FLOPs)")
    fig.tight_layout()
    return fig


@quiet
def passk_curves(fit: FitResult, table, n_show: int = 6) -> plt.Figure:
    """Observed pass@k against k for ``n_show`` checkpoints spanning the compute range,
    with binomial standard errors over problems (where the number of problems is known)
    and the fitted law's curves."""
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    order = np.argsort(table.N * table.D)
    pick = np.unique(order[np.linspace(0, order.size - 1, min(n_show, order.size)).astype(int)])
    problems = table.samples.observed.sum(1) if table.has_counts else table.problems
    k_fit = np.geomspace(1, table.ks.max(), 80)
    k_beyond = np.geomspace(table.ks.max(), table.ks.max() * 4, 30)
    for i, colour in zip(pick, _colours(len(pick), "plasma")):
        acc = table.accuracy[i]
        err = np.sqrt(acc * (1 - acc) / problems[i]) if problems is not None else np.zeros_like(acc)
        lower = np.minimum(err, 0.9 * acc)  # a log axis cannot show a bar reaching 0
        ax.errorbar(table.ks, acc, yerr=[lower, err], fmt="o", ms=3, color=colour,
                    label=f"N={table.N[i]:.2g}, D={table.D[i]:.2g}")
        ax.plot(k_fit, fit.accuracy(table.N[i], table.D[i], k_fit), color=colour, lw=1)
        ax.plot(k_beyond, fit.accuracy(table.N[i], table.D[i], k_beyond), color=colour, lw=1, ls="--")
    ax.set(xscale="log", yscale="log", xlabel="samples per problem k", ylabel="pass@k",
           )
    ax.set_title(f"{fit.law}: observed pass@k" + (" (±1 s.e.)" if problems is not None else "") + " and fit\n"
                 f"{len(pick)} of {table.N.size} checkpoints, spanning 6ND; dashed: beyond the fitted k", fontsize=9)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="checkpoint", title_fontsize=7)
    fig.tight_layout()
    return fig


def residuals(N, observed, predicted, what: str = "loss") -> plt.Figure:
    """The ratio ``fitted / observed`` against N on a log axis (a ratio of 2 and of 1/2 are
    equally far from 1); points where the ratio is not a positive number are counted in the title."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(predicted, float) / np.asarray(observed, float)
    ok = np.isfinite(ratio) & (ratio > 0)
    ax.scatter(np.asarray(N)[ok], ratio[ok], s=10, color="C0")
    ax.axhline(1.0, color="k", lw=0.8)
    left = f"; {int((~ok).sum())} not shown (ratio not positive and finite)" if (~ok).any() else ""
    ax.set(xscale="log", yscale="log", xlabel="parameters N", ylabel=f"fitted / observed {what}",
           title=f"Residuals{left}")
    fig.tight_layout()
    return fig


def parameter_draws(draws: pd.DataFrame, point: dict, source: str = "bootstrap") -> plt.Figure:
    """Histogram of each parameter over the draws, the point estimate marked."""
    names = [n for n in point if n in draws.columns]
    cols = min(len(names), 4)
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        values = draws[name].to_numpy(float)
        values = values[np.isfinite(values)]
        lo, hi = np.quantile(values, [0.005, 0.995]) if values.size else (0.0, 1.0)
        inside = values[(values >= lo) & (values <= hi)]
        ax.hist(inside, bins=30, color="0.6")
        ax.axvline(point[name], color="C3", lw=1.2, label="point fit")
        ax.set(xlabel=name, ylabel="draws")
        if inside.size < values.size:  # robust limits: a degenerate draw does not stretch the axis
            ax.set_title(f"{values.size - inside.size} outside 0.5-99.5%", fontsize=7)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle(f"Parameters over {len(draws)} {source} draws")
    fig.tight_layout()
    return fig


@quiet
def compute_optimal_band(fit: FitResult, band: pd.DataFrame, level: float | None = None) -> plt.Figure:
    """Compute-optimal N*(C) and D*(C) of the point fit, with the draws' band (at ``level``)."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    C = band["C"].to_numpy()
    N, D = fit.optimal(C)
    for a, name, point in ((ax, "N", N), (ax2, "D", D)):
        a.fill_between(C, band[f"{name}_lower"], band[f"{name}_upper"], color="C0", alpha=0.25,
                       label=f"{level:.0%} band" if level else "band")
        a.plot(C, point, color="C0", label="point fit")
        a.set(xscale="log", yscale="log", xlabel="training FLOPs C", ylabel=f"compute-optimal {name}*",
              title=f"{name}*(C)")
        a.legend(fontsize=8)
    fig.tight_layout()
    return fig


def frontier(table: pd.DataFrame, band: pd.DataFrame | None = None, level: float | None = None,
             inference_flops: float | None = None, baseline: str = "Chinchilla-optimal") -> plt.Figure:
    """The T² allocation frontier against training compute: N*, tokens per parameter and
    k*, beside Chinchilla-optimal (``baseline`` says where its N, D come from), with the
    draws' band at ``level`` when given; ``inference_flops`` is stated in the title."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    C = table["train_flops"].to_numpy()
    chin_tpp = C / (6 * table["chinchilla_N"].to_numpy() ** 2)
    for ax, name, chin in zip(axes, ("N", "tokens_per_param", "k"),
                              (table["chinchilla_N"], chin_tpp, table["chinchilla_k"])):
        if band is not None:
            ax.fill_between(band["train_flops"], band[f"{name}_lower"], band[f"{name}_upper"], color="C1", alpha=0.25,
                            label=f"T² {level:.0%} band" if level else "T² band")
        ax.plot(C, table[name], color="C1", label="T²-optimal")
        ax.plot(C, chin, "k--", label=baseline)
        ax.set(xscale="log", yscale="log", xlabel="training FLOPs C", ylabel=name.replace("_", " "),
               title=f"{name.replace('_', ' ')} at the optimum")
        ax.legend(fontsize=7)
    if inference_flops:
        fig.suptitle(f"at an inference budget of {inference_flops:.3g} FLOPs per query (2Nk)", fontsize=9)
    fig.tight_layout()
    return fig


def calibration(result) -> plt.Figure:
    """A :class:`~t2jax.calibration.StudyResult`: empirical against nominal coverage of each
    allocation quantity at every budget (percentile intervals, o; bias-corrected, x, lighter),
    with the 95% binomial band of exact calibration
    (left); the ECDF of each truth's rank among its study's draws minus the diagonal, with
    the simultaneous 95% band of uniform ranks (right)."""
    from t2jax.calibration.score import QUANTITIES

    cov, uni = result.coverage, result.uniformity
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.6))
    levels = np.sort(cov["level"].unique())
    first = cov[cov.budget == 0]
    ax.fill_between(levels, first.groupby("level")["band_lower"].first(), first.groupby("level")["band_upper"].first(),
                    color="0.85", label="95% binomial band")
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    methods = list(cov["method"].unique())
    for (b, q, m), g in cov.groupby(["budget", "quantity", "method"], sort=False):
        first_method = m == methods[0]
        ax.plot(g["level"], g["coverage"], marker="o" if first_method else "x", ms=3, ls="-" if b == 0 else "--",
                lw=1.2 if first_method else 0.7, alpha=1.0 if first_method else 0.6,
                color=f"C{QUANTITIES.index(q)}", label=f"{q}* (budget {b}{'' if first_method else ', ' + m})")
    ax.set(xlabel="nominal level", ylabel="empirical coverage", xlim=(0, 1), ylim=(0, 1.02),
           title=f"{result.law}: {result.n_studies} studies x {result.n_resamples} resamples")
    ax.legend(fontsize=7, ncol=2)
    x = np.linspace(0, 1, 201)
    band = float(uni["band"].max()) if len(uni) else 0.0
    ax2.fill_between(x, -band, band, color="0.85", label="simultaneous 95% band")
    for i, name in enumerate(c for c in result.ranks.columns if c != "study"):
        r = np.sort(result.ranks[name].dropna().to_numpy())
        if r.size:
            ax2.plot(x, np.searchsorted(r, x, side="right") / r.size - x, lw=1, color=_colours(12, "tab20")[i % 12],
                     label=name)
    ax2.axhline(0, color="k", lw=0.6)
    ax2.set(xlabel="normalised rank of the truth", ylabel="ECDF - uniform", title="Ranks of the truth among the draws")
    ax2.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
