"""Aggregate pass@k tables: published curves, one row per (checkpoint, k).

Most public repeated-sampling results are curves, not per-problem counts: pass@1 ...
pass@k per checkpoint, often with the number of problems and samples per problem.
:func:`load_pass_at_k` reads such a table (CSV, Parquet or DataFrame) into a
:class:`~t2jax.data.passk_table.PassKTable` without counts, which the laws that an
aggregate curve identifies fit (``t2-loss``: T² Approach 1 on ``-log pass@k``;
``t2-beta``: T² Approach 2, a Beta per checkpoint fitted to its curve); laws that need
per-problem counts refuse it. Every refusal is one line naming the rows.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from t2jax.data.passk_table import PassKTable
from t2jax.data.runs import filter_rows, numeric_column, read_table
from t2jax.errors import T2JaxError, first_rows

#: Largest fall of pass@k from one k to the next larger tolerated as rounding.
FALL_TOLERANCE = 1e-9


def _checkpoint_labels(frame, checkpoint_col, N, D):
    if checkpoint_col is None:  # one checkpoint per (N, D)
        return np.array([f"N={n:.4g},D={d:.4g}" for n, d in zip(N, D)], dtype=object)
    if checkpoint_col not in frame.columns:
        raise T2JaxError(f"column '{checkpoint_col}' is missing (columns: {', '.join(map(str, frame.columns))})")
    labels = frame[checkpoint_col].astype(str).to_numpy()
    per = pd.DataFrame({"c": labels, "N": N, "D": D}).groupby("c", sort=False)[["N", "D"]].nunique().max(axis=1)
    if (per > 1).any():
        bad = per.index[per > 1][0]
        raise T2JaxError(f"checkpoint '{bad}' has more than one N or D value at {first_rows(labels == bad)}")
    return labels


def _per_checkpoint(frame, col, labels, order, what):
    """A column constant within each checkpoint, one value per checkpoint (None if no column)."""
    if col is None:
        return None
    values = numeric_column(frame, col)
    if (values != np.round(values)).any():
        raise T2JaxError(f"column '{col}' ({what}) must hold whole numbers; bad values at "
                         f"{first_rows(values != np.round(values))}")
    per = pd.Series(values).groupby(labels, sort=False)
    varies = (per.nunique() > 1).reindex(order)
    if varies.any():
        bad = varies.index[varies][0]
        raise T2JaxError(f"column '{col}' ({what}) differs within checkpoint '{bad}' at {first_rows(labels == bad)}")
    return per.first().reindex(order).to_numpy(float)


def load_pass_at_k(source, *, n_col: str = "N", d_col: Optional[str] = None, flops_col: Optional[str] = None,
                   k_col: str = "k", pass_col: str = "pass_at_k", checkpoint_col: Optional[str] = None,
                   problems_col: Optional[str] = None, samples_col: Optional[str] = None, ks=None,
                   query: Optional[str] = None) -> PassKTable:
    """Read an aggregate pass@k table: one row per (checkpoint, k).

    Args:
      source: CSV/Parquet path or DataFrame.
      n_col: parameters column. d_col / flops_col: training tokens, or training FLOPs
        (``D = C / 6N``); exactly one (default ``d_col="D"``).
      k_col, pass_col: samples per problem k and the aggregate pass@k (a fraction in [0, 1]).
      checkpoint_col: checkpoint label (default: one checkpoint per distinct (N, D)).
      problems_col: problems behind each mean (constant per checkpoint); optional.
      samples_col: samples drawn per problem (constant per checkpoint); rows with k above
        it are refused.
      ks: the k values to keep (default: every k in the table; each checkpoint must have
        a row at each of them).
      query: a pandas row filter applied first.

    Checkpoints whose pass@k is 0 at every k (nothing solved) are left out and listed in
    ``dropped``; cells with pass@k exactly 0 or 1 stay in the table and are counted where
    fits leave them out.
    """
    if (d_col is None) == (flops_col is None):
        if d_col is None:
            d_col = "D"
        else:
            raise T2JaxError("give the tokens column (d_col) or the training-FLOPs column (flops_col), not both")
    frame = filter_rows(read_table(source), query)
    if len(frame) == 0:
        raise T2JaxError("the pass@k table has no rows")
    N = numeric_column(frame, n_col)
    D = numeric_column(frame, d_col) if d_col else numeric_column(frame, flops_col) / (6.0 * N)
    k = numeric_column(frame, k_col)
    if (k < 1).any() or (k != np.round(k)).any():
        raise T2JaxError(f"column '{k_col}' must hold whole numbers >= 1; bad values at "
                         f"{first_rows((k < 1) | (k != np.round(k)))}")
    acc = numeric_column(frame, pass_col, positive=False)
    if ((acc < 0) | (acc > 1)).any():
        raise T2JaxError(f"column '{pass_col}' must be a fraction in [0, 1] (not a percentage); bad values at "
                         f"{first_rows((acc < 0) | (acc > 1))}")
    labels = _checkpoint_labels(frame, checkpoint_col, N, D)
    if ks is not None:
        ks = np.unique(np.atleast_1d(np.asarray(ks, float)))
        if ks.size == 0:
            raise T2JaxError("ks is empty: give at least one k")
        keep = np.isin(k, ks)
        frame, N, D, k, acc, labels = frame[keep], N[keep], D[keep], k[keep], acc[keep], labels[keep]
        if len(frame) == 0:
            raise T2JaxError(f"no rows at k = {', '.join(f'{v:g}' for v in ks)}")
    dup = pd.DataFrame({"c": labels, "k": k}).duplicated().to_numpy()
    if dup.any():
        raise T2JaxError(f"duplicate (checkpoint, k) rows at {first_rows(dup)}")
    order = pd.unique(labels)
    problems = _per_checkpoint(frame, problems_col, labels, order, "problems per checkpoint")
    per_problem = _per_checkpoint(frame, samples_col, labels, order, "samples per problem")
    if per_problem is not None:
        limit = pd.Series(per_problem, index=order).reindex(labels).to_numpy()
        if (k > limit).any():
            raise T2JaxError(f"k exceeds the samples per problem ('{samples_col}') at {first_rows(k > limit)}; "
                             "pass@k is not estimable there")
    wide = pd.DataFrame({"c": labels, "k": k, "p": acc}).pivot(index="c", columns="k", values="p").reindex(order)
    if wide.isna().any().any():
        i, j = np.argwhere(wide.isna().to_numpy())[0]
        raise T2JaxError(f"checkpoint '{wide.index[i]}' has no row at k = {wide.columns[j]:g}; every checkpoint "
                         "needs every k (choose common k values with ks=... or --ks)")
    table = wide.to_numpy(float)
    falls = np.diff(table, axis=1) < -FALL_TOLERANCE
    if falls.any():
        i, j = np.argwhere(falls)[0]
        rows = (labels == wide.index[i]) & np.isin(k, wide.columns[j : j + 2])
        raise T2JaxError(f"pass@k of checkpoint '{wide.index[i]}' falls from k = {wide.columns[j]:g} to "
                         f"{wide.columns[j + 1]:g} ({table[i, j]:g} -> {table[i, j + 1]:g}) at {first_rows(rows)}; "
                         "pass@k cannot fall as k grows")
    first = pd.DataFrame({"c": labels, "N": N, "D": D}).groupby("c", sort=False).first().reindex(order)
    solved = table.max(axis=1) > 0
    out = PassKTable(first["N"].to_numpy(float), first["D"].to_numpy(float), wide.columns.to_numpy(float), table,
                     np.asarray(order, dtype=object), problems=problems, samples_per_problem=per_problem)
    if not solved.any():
        raise T2JaxError("pass@k is 0 at every k of every checkpoint: no law can be fitted")
    return PassKTable(**{**out.subset(solved).__dict__, "dropped": tuple(str(c) for c in order[~solved])})
