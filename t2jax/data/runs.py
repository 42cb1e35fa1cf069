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

from t2jax.errors import T2JaxError, first_rows, warn


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


#: File formats :func:`read_table` reads, by extension (anything else is refused by name).
FORMATS = {".csv": ",", ".txt": ",", ".tsv": "\t", ".tab": "\t", ".parquet": None, ".pq": None}


def read_table(source) -> pd.DataFrame:
    """A DataFrame from a DataFrame, or a ``.csv``/``.tsv``/``.parquet`` path (a file
    without an extension is read as CSV)."""
    if isinstance(source, pd.DataFrame):
        return source
    path = os.fspath(source)
    if not os.path.exists(path):
        raise T2JaxError(f"no such file: {path}")
    ext = os.path.splitext(path)[1].lower()
    if ext and ext not in FORMATS:
        raise T2JaxError(f"{path}: t2jax reads CSV (.csv), tab-separated (.tsv) and Parquet (.parquet) tables, not "
                         f"'{ext}' files; export it as CSV or Parquet")
    sep = FORMATS.get(ext, ",")
    try:
        if sep is None:
            return pd.read_parquet(path)
        _check_header(path, sep)
        return pd.read_csv(path, sep=sep)
    except UnicodeDecodeError:
        raise T2JaxError(f"cannot read {path}: not UTF-8 text; is it a {ext or 'CSV'} file?") from None
    except T2JaxError:
        raise
    except (ValueError, OSError, ImportError) as exc:  # parser or engine failure
        raise T2JaxError(f"cannot read {path}: {exc}") from exc


def _check_header(path: str, sep: str) -> None:
    """Refuse a header with a repeated column (pandas would rename it 'loss.1') or one
    that is plainly another delimiter's (a tab-separated file named .csv)."""
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh, delimiter=sep), [])
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise T2JaxError(f"{path}: column {', '.join(map(repr, repeated))} appears more than once in the header")
    others = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "pipe"}
    if len(header) == 1:
        for mark, name in others.items():
            if mark != sep and mark in header[0]:
                ext = ".tsv" if mark == "\t" else ".csv with commas"
                raise T2JaxError(f"{path}: the header is one column holding {name}s ({header[0][:60]!r}); this file "
                                 f"is {name}-separated, but '{os.path.splitext(path)[1] or 'no extension'}' is read "
                                 f"{others[sep]}-separated: save it as {ext}")


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
    kind = frame[col].dtype.kind
    if kind in "mMb":  # datetimes, durations and booleans convert to numbers, silently wrong
        what = {"m": "durations", "M": "dates/times", "b": "true/false values"}[kind]
        raise T2JaxError(f"column '{col}' holds {what}, not numbers")
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
        rows = f"the {values.size} rows" if values.size > 1 else "the only row"
        raise T2JaxError(f"column '{col}' is constant ({values[0]:g}) over {rows}; its exponent cannot be fitted")


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
    counts = [c for c in ("n_samples", "n_correct") if c in frame.columns]
    if n_col not in frame.columns and counts:
        raise T2JaxError(f"column '{n_col}' is missing, and the table has {', '.join(counts)}: it looks like "
                         f"repeated-sampling counts, which a pass@k law fits (e.g. --law t2-beta or t2-loss)")
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
    used = [c for c in (n_col, d_col, flops_col, loss_col, budget_col, group_col) if c is not None]
    warn_repeats(frame[used].duplicated().to_numpy(), "run")
    warn_isolated(6.0 * N * D)
    return Runs(N=N, D=D, loss=loss, budget=budget, group=group)


def warn_repeats(repeated: np.ndarray, unit: str) -> None:
    """Exact repeats of an earlier row are kept (a fit weighs them twice) and said."""
    if repeated.any():
        warn(f"{int(repeated.sum())} {unit} row(s) repeat an earlier row exactly, at {first_rows(repeated)}; they are "
             f"kept and weigh twice in the fit: drop them first if they are copies")


def warn_isolated(flops: np.ndarray, decades: float = 3.0) -> None:
    """A run whose compute is more than ``decades`` orders of magnitude from every other
    run's (e.g. C = 1 FLOP among runs at 1e18) is usually a unit error; it is kept and can
    move E and the exponents on its own, so it is named."""
    logc = np.log10(flops)
    if logc.size < 3:
        return
    order = np.argsort(logc)
    gaps = np.diff(logc[order])
    nearest = np.minimum(np.r_[np.inf, gaps], np.r_[gaps, np.inf])
    far = np.zeros(logc.size, bool)
    far[order] = nearest > decades
    if far.any():
        rest = logc[~far]
        warn(f"training compute 6ND at {first_rows(far)} lies more than {decades:g} orders of magnitude from every "
             f"other run's (they span {10 ** rest.min():.3g} to {10 ** rest.max():.3g} FLOPs): check its units; it "
             f"is kept and can move the fit on its own")


def snap_budgets(flops: np.ndarray, budgets, rel_tol: float = 0.1) -> np.ndarray:
    """Assign each run the nominal budget within ``rel_tol`` of its compute, else NaN."""
    budgets = np.asarray(budgets, np.float64)
    ratio = np.abs(np.log(flops[:, None] / budgets[None, :]))
    nearest = ratio.argmin(axis=1)
    ok = ratio[np.arange(flops.size), nearest] <= np.log1p(rel_tol)
    return np.where(ok, budgets[nearest], np.nan)
