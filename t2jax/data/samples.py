"""Repeated-sampling results: per (checkpoint, problem) sample counts, or answer NLLs.

:func:`load_samples` reads one row per (checkpoint, problem) with model size N,
training tokens D, samples drawn n and samples correct c (the layout of
``pythia_ckpts_per_problem_counts.csv``). :func:`load_answer_nll` reads per-question
answer negative log-likelihoods (the T² setting, ``p_i = exp(-NLL)``). Both validate
as :func:`t2jax.data.load_runs` does and raise :class:`~t2jax.errors.T2JaxError`.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
import pandas as pd

from t2jax.data.passk import pass_at_k_unchecked
from t2jax.data.runs import Runs, filter_rows, numeric_column, read_table
from t2jax.errors import T2JaxError, first_rows
from t2jax.precision import x64


@dataclasses.dataclass(frozen=True)
class Samples:
    """Per-(checkpoint, problem) repeated-sampling results.

    ``n[i, j]``/``c[i, j]``: samples and correct answers of checkpoint ``i`` on
    problem ``j`` (a dense checkpoint x problem matrix; ``n = 0`` marks a problem the
    checkpoint was not evaluated on); ``N``, ``D``: per checkpoint;
    ``checkpoints``, ``problems``: labels.
    """

    N: np.ndarray
    D: np.ndarray
    n: np.ndarray
    c: np.ndarray
    checkpoints: np.ndarray
    problems: np.ndarray

    def subset(self, mask) -> "Samples":
        mask = np.asarray(mask, bool)
        return Samples(self.N[mask], self.D[mask], self.n[mask], self.c[mask], self.checkpoints[mask], self.problems)

    @property
    def observed(self) -> np.ndarray:
        """Which (checkpoint, problem) pairs were evaluated."""
        return self.n > 0


def _checkpoint_table(frame, checkpoint_col, n_param_col, d_col, problem_col):
    for col in (checkpoint_col, problem_col):
        if col not in frame.columns:
            raise T2JaxError(f"column '{col}' is missing (columns: {', '.join(map(str, frame.columns))})")
    N = numeric_column(frame, n_param_col)
    D = numeric_column(frame, d_col)
    per_ckpt = pd.DataFrame({"ckpt": frame[checkpoint_col].to_numpy(), "N": N, "D": D})
    varies = per_ckpt.groupby("ckpt", sort=False)[["N", "D"]].nunique().max(axis=1) > 1
    if varies.any():
        raise T2JaxError(f"checkpoint '{varies.index[varies][0]}' has more than one N or D value")
    dup = frame.duplicated([checkpoint_col, problem_col]).to_numpy()
    if dup.any():
        raise T2JaxError(f"duplicate ({checkpoint_col}, {problem_col}) pairs at {first_rows(dup)}")
    return per_ckpt.groupby("ckpt", sort=False).first()


def _wide(frame, values, checkpoint_col, problem_col, checkpoints) -> pd.DataFrame:
    """``values`` as a checkpoint x problem table (NaN where a pair is absent)."""
    return frame.assign(_v=values).pivot(index=checkpoint_col, columns=problem_col, values="_v").loc[checkpoints]


def load_samples(
    source,
    *,
    checkpoint_col: str = "model",
    problem_col: str = "problem_idx",
    n_param_col: str = "N_params",
    d_col: str = "D_tokens",
    samples_col: str = "n_samples",
    correct_col: str = "n_correct",
    query: Optional[str] = None,
) -> Samples:
    """Load per-(checkpoint, problem) counts; ``query`` filters rows first (pandas syntax,
    e.g. ``"benchmark == 'GSM8K'"``). Checkpoints may cover different problems: absent
    pairs get ``n = 0`` and are left out of every average."""
    frame = filter_rows(read_table(source), query)
    if len(frame) == 0:
        raise T2JaxError("no rows" + (f" match {query!r}" if query else ""))
    n = numeric_column(frame, samples_col, positive=False)
    c = numeric_column(frame, correct_col, positive=False)
    for values, col in ((n, samples_col), (c, correct_col)):
        frac = values != np.round(values)
        if frac.any():
            raise T2JaxError(f"column '{col}' must hold whole counts; bad values at {first_rows(frac)}")
    if (n <= 0).any():
        raise T2JaxError(f"column '{samples_col}' must be >= 1 (n = 0 has no estimate) at {first_rows(n <= 0)}")
    if (c < 0).any():
        raise T2JaxError(f"column '{correct_col}' is negative at {first_rows(c < 0)}")
    if (c > n).any():
        raise T2JaxError(f"column '{correct_col}' exceeds '{samples_col}' (c > n) at {first_rows(c > n)}")
    ckpts = _checkpoint_table(frame, checkpoint_col, n_param_col, d_col, problem_col)
    wide_n = _wide(frame, n, checkpoint_col, problem_col, ckpts.index)
    wide_c = _wide(frame, c, checkpoint_col, problem_col, ckpts.index)
    return Samples(
        N=ckpts["N"].to_numpy(float),
        D=ckpts["D"].to_numpy(float),
        n=wide_n.fillna(0.0).to_numpy(float),
        c=wide_c.fillna(0.0).to_numpy(float),
        checkpoints=ckpts.index.to_numpy(),
        problems=wide_n.columns.to_numpy(),
    )


def check_k(samples: Samples, ks) -> np.ndarray:
    """The requested k values, checked against the unbiased estimator's ``k <= n``."""
    try:
        ks = np.atleast_1d(np.asarray(ks, float))
    except (TypeError, ValueError):
        raise T2JaxError(f"ks must be numbers, got {ks!r}") from None
    if ks.size == 0 or ks.ndim != 1:
        raise T2JaxError(f"ks must be a non-empty list of k values, got {ks.tolist()!r}")
    if (ks < 1).any() or (ks != np.round(ks)).any():
        raise T2JaxError(f"k must be whole numbers >= 1; got {ks[(ks < 1) | (ks != np.round(ks))][:5].tolist()}")
    too_big = (ks.max() > samples.n) & samples.observed
    if too_big.any():
        i, j = np.argwhere(too_big)[0]
        raise T2JaxError(
            f"k = {ks.max():g} exceeds the {samples.n[i, j]:g} samples of checkpoint '{samples.checkpoints[i]}' "
            f"on problem '{samples.problems[j]}'; the unbiased estimator needs k <= n"
        )
    return ks


def load_answer_nll(
    source,
    *,
    checkpoint_col: str = "model",
    problem_col: str = "problem_idx",
    n_param_col: str = "N_params",
    d_col: str = "D_tokens",
    nll_col: str = "nll",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-question answer NLLs -> ``(N, D, p, checkpoints)`` with ``p[i, j] = exp(-NLL)``."""
    frame = read_table(source)
    nll = numeric_column(frame, nll_col, positive=False)
    if (nll < 0).any():
        raise T2JaxError(f"column '{nll_col}' has negative NLL values at {first_rows(nll < 0)}")
    ckpts = _checkpoint_table(frame, checkpoint_col, n_param_col, d_col, problem_col)
    wide = _wide(frame, nll, checkpoint_col, problem_col, ckpts.index)
    if wide.isna().to_numpy().any():
        raise T2JaxError("every checkpoint needs an NLL for every problem")
    return ckpts["N"].to_numpy(float), ckpts["D"].to_numpy(float), np.exp(-wide.to_numpy(float)), ckpts.index.to_numpy()


@x64
def observed_pass_at_k(samples: Samples, ks) -> np.ndarray:
    """Aggregate unbiased pass@k, shape ``(checkpoints, len(ks))``, over the problems
    each checkpoint was evaluated on."""
    ks = check_k(samples, ks)
    obs = samples.observed
    per_problem = np.asarray(pass_at_k_unchecked(np.where(obs, samples.n, 1.0)[:, None, :], samples.c[:, None, :], ks[None, :, None]))
    return (per_problem * obs[:, None, :]).sum(-1) / obs.sum(-1)[:, None]


def solved_checkpoints(samples: Samples) -> np.ndarray:
    """Checkpoints that solved at least one problem (finite task loss)."""
    return (samples.c > 0).any(axis=1)


def runs_from_pass_at_k(N, D, ks, acc, checkpoints):
    """Task-loss runs ``-log pass@k`` per (checkpoint, k), with ``group`` the checkpoint;
    cells with pass@k = 1 (task loss exactly 0) carry no information for a power law in k,
    and cells with pass@k = 0 (a rounded aggregate curve: task loss infinite) none either;
    both are left out. Returns ``(runs, cells left out)``."""
    ks, acc = np.asarray(ks, float), np.asarray(acc, float)
    with np.errstate(divide="ignore"):
        loss = -np.log(acc).ravel()
    runs = Runs(
        N=np.repeat(N, ks.size),
        D=np.repeat(D, ks.size),
        loss=np.where(np.isfinite(loss), loss, 1.0),  # placeholder in cells left out below
        group=np.repeat(checkpoints, ks.size),
        k=np.tile(ks, len(N)),
    )
    keep = (acc.ravel() < 1.0) & (acc.ravel() > 0.0)
    if not keep.any():
        raise T2JaxError(f"every (checkpoint, k) cell has pass@k exactly 1 ({int((acc == 1).sum())} cells) or 0 "
                         f"({int((acc == 0).sum())}): the task loss -log pass@k carries nothing to fit")
    return runs.subset(keep), int((~keep).sum())


def task_runs(samples: Samples, ks) -> Runs:
    """Aggregate pass@k per (checkpoint, k) as :class:`~t2jax.data.Runs` for T² fits.

    ``loss`` is the T² task loss ``-log(mean_j pass_j@k)`` over the problems each
    checkpoint was evaluated on; ``group`` is the checkpoint label. A checkpoint that
    solved no problem at all has infinite task loss and is refused with its name
    (:func:`t2jax.data.passk_table.pass_k_table` drops and lists such checkpoints).
    Cells with pass@k = 1 (every problem certain, task loss exactly 0) carry no
    information for a power law in k and are left out.
    """
    ks = check_k(samples, ks)
    unsolved = ~solved_checkpoints(samples)
    if unsolved.any():
        names = ", ".join(map(str, samples.checkpoints[unsolved][:5]))
        raise T2JaxError(f"checkpoints with no problem solved (task loss infinite): {names}; drop them first")
    return runs_from_pass_at_k(samples.N, samples.D, ks, observed_pass_at_k(samples, ks), samples.checkpoints)[0]
