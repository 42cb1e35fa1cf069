"""Training runs: (N parameters, D tokens, loss) with optional group and budget labels.

:func:`load_runs` accepts a CSV/Parquet path or a :class:`pandas.DataFrame` and a
column mapping. Exactly one of ``d_col`` (tokens) or ``flops_col`` (training FLOPs,
``D = C / 6N``) must be given. Every check raises :class:`~t2jax.errors.T2JaxError`
naming the column and the first offending rows.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional

import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError, first_rows


@dataclasses.dataclass(frozen=True)
class Runs:
    """Validated training runs, raw units, float64.

    Attributes:
      N: parameters per run.
      D: training tokens per run.
      loss: final loss per run.
      budget: nominal compute budget per run (NaN where none), for IsoFLOP fits.
      group: optional label per run (used for group resampling).
      k: optional samples per question (pass@k task losses, T² laws).
    """

    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    budget: Optional[np.ndarray] = None
    group: Optional[np.ndarray] = None
    k: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return int(self.N.shape[0])

    @property
    def flops(self) -> np.ndarray:
        """Training compute C = 6 N D."""
        return 6.0 * self.N * self.D

    def subset(self, mask) -> "Runs":
        """The runs where ``mask`` is true."""
        mask = np.asarray(mask, bool)
        pick = lambda a: None if a is None else a[mask]
        return Runs(self.N[mask], self.D[mask], self.loss[mask], pick(self.budget), pick(self.group), pick(self.k))


def read_table(source) -> pd.DataFrame:
    """A DataFrame from a DataFrame, or a ``.csv``/``.parquet`` path."""
    if isinstance(source, pd.DataFrame):
        return source
    path = os.fspath(source)
    if not os.path.exists(path):
        raise T2JaxError(f"no such file: {path}")
    try:
        if path.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        _unique_header(path)
        return pd.read_csv(path)
    except (ValueError, OSError, ImportError) as exc:  # parser or engine failure
        raise T2JaxError(f"cannot read {path}: {exc}") from exc


def _unique_header(path: str) -> None:
    """pandas renames a repeated CSV column ('loss', 'loss.1'); refuse it instead."""
    import csv

    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        header = next(csv.reader(fh), [])
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise T2JaxError(f"{path}: column {', '.join(map(repr, repeated))} appears more than once in the header")


def filter_rows(frame: pd.DataFrame, query: Optional[str]) -> pd.DataFrame:
    """Rows of ``frame`` matching the pandas expression ``query`` (all rows when empty)."""
    if not query:
        return frame
    try:
        out = frame.query(query)
    except Exception as exc:  # pandas raises many types for a bad expression
        raise T2JaxError(f"query {query!r} is not a valid row filter on columns "
                         f"{', '.join(map(str, frame.columns))}: {type(exc).__name__}: {exc}") from None
    if not isinstance(out, pd.DataFrame):
        raise T2JaxError(f"query {query!r} must be a row filter such as \"benchmark == 'GSM8K'\"")
    if len(out) == 0:
        raise T2JaxError(f"no rows match query {query!r}")
    return out.reset_index(drop=True)


def numeric_column(frame: pd.DataFrame, col: str, *, positive: bool = True) -> np.ndarray:
    """Column ``col`` as float64, checked to exist, be unique, finite and (optionally) > 0."""
    if col not in frame.columns:
        have = ", ".join(map(str, frame.columns))
        raise T2JaxError(f"column '{col}' is missing (columns: {have})")
    if int((frame.columns == col).sum()) > 1:
        raise T2JaxError(f"column '{col}' appears more than once")
    raw = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    bad_text = np.isnan(raw) & frame[col].notna().to_numpy()
    if bad_text.any():
        raise T2JaxError(f"column '{col}' has non-numeric values at {first_rows(bad_text)}")
    if not np.isfinite(raw).all():
        raise T2JaxError(f"column '{col}' has NaN or infinite values at {first_rows(~np.isfinite(raw))}")
    if positive and (raw <= 0).any():
        raise T2JaxError(f"column '{col}' must be > 0; bad values at {first_rows(raw <= 0)}")
    return raw


def require_varying(values: np.ndarray, col: str) -> None:
    """A fit cannot identify a law along a constant column."""
    if values.size and np.all(values == values[0]):
        raise T2JaxError(f"column '{col}' is constant ({values[0]:g}); its exponent cannot be fitted")


def load_runs(
    source,
    *,
    n_col: str = "N",
    d_col: Optional[str] = None,
    flops_col: Optional[str] = None,
    loss_col: str = "loss",
    budget_col: Optional[str] = None,
    group_col: Optional[str] = None,
    query: Optional[str] = None,
) -> Runs:
    """Load and validate training runs.

    Args:
      source: path to a CSV/Parquet file, or a DataFrame.
      n_col: parameters column.
      d_col: tokens column (give this or ``flops_col``; default ``"D"`` if neither).
      flops_col: training-FLOPs column; tokens are derived as ``C / (6 N)``.
      loss_col: loss column.
      budget_col: nominal compute budget per run (IsoFLOP groups).
      group_col: optional label column for grouped resampling.
      query: optional pandas row filter applied first, e.g. ``"loss < 4"``.
    """
    frame = filter_rows(read_table(source), query)
    if d_col is not None and flops_col is not None:
        raise T2JaxError("give either a tokens column (d_col) or a FLOPs column (flops_col), not both")
    if len(frame) == 0:
        raise T2JaxError("the table has no rows")
    N = numeric_column(frame, n_col)
    if flops_col is not None:
        D = numeric_column(frame, flops_col) / (6.0 * N)
    else:
        d_col = d_col or "D"
        D = numeric_column(frame, d_col)
    loss = numeric_column(frame, loss_col)
    for values, col in ((N, n_col), (D, d_col or flops_col), (loss, loss_col)):
        require_varying(values, col)
    budget = numeric_column(frame, budget_col) if budget_col else None
    group = None
    if group_col is not None:
        if group_col not in frame.columns:
            raise T2JaxError(f"column '{group_col}' is missing")
        group = frame[group_col].to_numpy()
        missing = pd.isna(group)
        if missing.any():
            raise T2JaxError(f"column '{group_col}' has missing labels at {first_rows(missing)}")
    return Runs(N=N, D=D, loss=loss, budget=budget, group=group)


def snap_budgets(flops: np.ndarray, budgets, rel_tol: float = 0.1) -> np.ndarray:
    """Assign each run the nominal budget within ``rel_tol`` of its compute, else NaN."""
    budgets = np.asarray(budgets, np.float64)
    ratio = np.abs(np.log(flops[:, None] / budgets[None, :]))
    nearest = ratio.argmin(axis=1)
    ok = ratio[np.arange(flops.size), nearest] <= np.log1p(rel_tol)
    return np.where(ok, budgets[nearest], np.nan)
