"""One self-contained HTML page from report sections: figures embedded as base64 PNG
(no network needed to view it), each also saved as PNG and SVG, and tables whose every
number is read from the JSON summary (``data-json`` names the path): shown to four
significant figures (whole numbers as whole numbers), with the full-precision value in
``data-value`` so a reader can check it against ``summary.json``."""

from __future__ import annotations

import base64
import html
import io
import os
import re

import matplotlib.pyplot as plt

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
img{max-width:100%}table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}td.num{font-family:monospace}"""


def lookup(summary: dict, path: str):
    """The value at a dotted ``path`` of the summary (list indices as numbers)."""
    value = summary
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("²", "2")).strip("-")


def _figure(fig, out_dir: str, name: str) -> str:
    fig.savefig(os.path.join(out_dir, f"{name}.png"), dpi=120)
    fig.savefig(os.path.join(out_dir, f"{name}.svg"))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def shown(value) -> str:
    """How a summary value is shown: whole numbers whole, other numbers to 4 significant figures."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return str(value) if isinstance(value, int) else f"{value:.4g}"


def _table(rows, summary) -> str:
    cells = []
    for path, label in rows:
        value = lookup(summary, path)
        full = f' data-value="{value!r}"' if isinstance(value, float) else ""
        cells.append(f'<tr><th>{html.escape(label)}</th><td class="num" data-json="{html.escape(path)}"{full}>'
                     f"{html.escape(shown(value))}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


def _notes(summary: dict) -> str:
    """What a reader must know before the figures: dropped data, the warnings, the level."""
    fit, items = summary["fit"], []
    if summary.get("level"):
        items.append(f"Intervals are {summary['level']:.0%} percentile intervals over the draws.")
    dropped = fit.get("dropped_checkpoints") or []
    if dropped:
        items.append(f"{len(dropped)} checkpoint(s) left out (solved nothing): {', '.join(map(str, dropped))}.")
    cells = {k: v for k, v in (fit.get("dropped_cells") or {}).items() if v}
    if cells:
        items.append("Cells left out of the fit: " + ", ".join(f"{v} with {k.replace('_', ' ')}" for k, v in cells.items())
                     + ".")
    items += [f"Warning: {w}" for w in summary.get("warnings", [])]
    items += [summary[k] for k in ("allocation_note",) if k in summary]
    return "<ul>" + "".join(f"<li>{html.escape(str(i))}</li>" for i in items) + "</ul>" if items else ""


def render(sections, summary: dict, out_dir: str) -> str:
    """The page: a header with the fit's status, one section per ``(title, figure,
    rows)`` and the provenance block."""
    fit = summary["fit"]
    status = f"converged: {fit['converged']}" + (f"; at a bound: {', '.join(fit['at_bound'])}" if fit["at_bound"] else "")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>t2jax report: {html.escape(fit['law'])}"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>t2jax report: {html.escape(fit['law'])} fitted by {html.escape(fit['method'])}</h1>",
             f"<p>{int(fit['n_points'])} points; {html.escape(status)}.</p>", _notes(summary)]
    for title, fig, rows in sections:
        name = _slug(title)
        png = _figure(fig, out_dir, name)
        parts.append(f'<section id="{name}"><h2>{html.escape(title)}</h2>'
                     f'<img alt="{html.escape(title)}" src="data:image/png;base64,{png}">{_table(rows, summary)}</section>')
    prov = summary["provenance"]
    parts.append('<section id="provenance"><h2>Provenance</h2>'
                 + _table([(f"provenance.{k}", k) for k in prov], summary) + "</section></body></html>")
    return "\n".join(parts)
