"""The report's decision section: the study fitted by several pass@k laws, each law's
T²-optimal model size against training compute (the report's own law with its band),
the regret matrix as a heatmap, and the minimax-regret choice marked
(:func:`t2jax.allocation.compare.compare_allocations`)."""

from __future__ import annotations

import warnings

import numpy as np

from t2jax.allocation import compare_allocations, frontier
from t2jax.errors import T2JaxError
from t2jax.fitting import fit
from t2jax.laws.registry import get_law, law_names
from t2jax.report.plot import plt, quiet


def check_laws(law, names) -> list:
    """The laws to compare with ``law``: registered pass@k laws, other than it."""
    laws = [get_law(n.strip()) for n in names if n.strip()]
    if not laws:
        return []
    bad = [x.name for x in laws if x.accuracy is None or x.data != "samples"]
    if bad or get_law(law).accuracy is None:
        raise T2JaxError(f"--compare-laws compares pass@k laws ({', '.join(law_names(accuracy=True))}), not "
                         f"{', '.join(bad or [get_law(law).name])}")
    return [x for x in laws if x.name != get_law(law).name]


@quiet
def decision_figure(comparison, paths: dict, band, train_flops: float, level) -> plt.Figure:
    """Left: N* against training compute per law (band for the first), each law's optimum
    and the minimax choice at the budget. Right: the regret matrix."""
    fig, (ax, hm) = plt.subplots(1, 2, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1.1, 1]})
    for i, (name, table) in enumerate(paths.items()):
        colour = f"C{i}"
        if i == 0 and band is not None:
            ax.fill_between(band["train_flops"], band["N_lower"], band["N_upper"], color=colour, alpha=0.2,
                            label=f"{name} {level:.0%} band")
        ax.plot(table["train_flops"], table["N"], color=colour, label=name)
        ax.scatter([train_flops], [comparison.optima.loc[name, "N"]], color=colour, s=25, zorder=3)
    ax.scatter([train_flops], [comparison.choices.loc["minimax", "N"]], marker="*", s=220, color="k", zorder=4,
               label="minimax-regret choice")
    ax.set(xscale="log", yscale="log", xlabel="training FLOPs C", ylabel="T²-optimal N*",
           title="each law's optimal model size")
    ax.legend(fontsize=7)
    regret = comparison.regret
    image = hm.imshow(np.log10(regret.to_numpy()), cmap="magma_r", aspect="auto", vmin=0.0)
    for (r, c), v in np.ndenumerate(regret.to_numpy()):
        hm.text(c, r, f"{v:.3g}", ha="center", va="center", fontsize=8,
                color="w" if np.log10(v) > 0.6 * max(np.log10(regret.to_numpy().max()), 1e-9) else "k")
    hm.set_xticks(range(regret.shape[1]), regret.columns, rotation=30, ha="right", fontsize=8)
    hm.set_yticks(range(regret.shape[0]), regret.index, fontsize=8)
    hm.set(xlabel="law assumed true", ylabel="choice", title="regret: miss rate / that law's optimum")
    fig.colorbar(image, ax=hm, label="log10 regret")
    fig.tight_layout()
    return fig


def decision_section(result, data, laws, ks, train_flops, inference_flops, draws, level):
    """``(summary block, figure, rows)`` of the decision section."""
    kw = {"ks": ks} if ks is not None else {}
    fits = [result] + [fit(data, law, **kw) for law in laws]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each law's own warnings were raised by its fit
        comparison = compare_allocations(fits, train_flops, inference_flops, level=level,
                                         draws={result.law: draws} if draws is not None else False)
    C = np.geomspace(train_flops / 100, train_flops * 100, 13)
    paths = {name: frontier(f, C, inference_flops) for name, f in zip(comparison.optima.index, fits)}
    band = None
    if draws is not None:
        from t2jax.allocation import frontier_band

        band = frontier_band(draws, result.law, C, inference_flops, level)
    figure = decision_figure(comparison, paths, band, train_flops, level if band is not None else None)
    rows = [("decision.summary", "in one line")]
    rows += [(f"decision.choices.minimax.{q}", f"minimax {q}") for q in ("N", "D", "k")]
    rows += [("decision.worst_regret.minimax", "minimax worst regret")]
    rows += [(f"decision.worst_regret.{name}", f"{name}'s choice: worst regret") for name in comparison.optima.index]
    return comparison.to_dict(), figure, rows
