"""The result of a batch of simulated studies: what was run, every study's scores, the
coverage table, the ranks and their uniformity, counts of failed or flagged fits, and
wall time per stage."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd

from t2jax.calibration.score import QUANTITIES, coverage_table, uniformity
from t2jax.data.design import Design
from t2jax.fitting.result import jsonable


@dataclasses.dataclass(frozen=True)
class StudyResult:
    """Attributes:
      law, design, truths (a row per study), n_resamples, levels, seed: what was run.
      per_study: per study, whether its fit converged or sits at a bound (``fit_flagged``)
        and how many of its refits failed (their draws are left out of its intervals; a
        study with none left has no interval and is counted as unscored, see ``failures``).
      records: per (study, budget, quantity, interval method, level): interval, truth,
        point, covered, width, point error (methods: percentile and bias-corrected).
      ranks: per study, the normalised rank of each truth among its draws (parameters and
        ``N*[b]``, ``accuracy*[b]`` at budget b).
      seconds: wall time per stage (simulate, fit, refit, allocate_and_score, total).
      processes, devices: how the studies were spread (processes x devices per process).
    """

    law: str
    design: Design
    truths: pd.DataFrame
    n_resamples: int
    levels: tuple
    seed: int
    per_study: pd.DataFrame
    records: pd.DataFrame
    ranks: pd.DataFrame
    seconds: dict
    processes: int = 1
    devices: int = 1

    @property
    def n_studies(self) -> int:
        return len(self.per_study)

    @property
    def coverage(self) -> pd.DataFrame:
        """Empirical coverage per (budget, quantity, interval method, level) with its binomial band."""
        return coverage_table(self.records)

    @property
    def uniformity(self) -> pd.DataFrame:
        """Rank uniformity per quantity (ECDF gap, Monte Carlo p-value, band)."""
        return uniformity(self.ranks.drop(columns="study"), self.seed)

    @property
    def failures(self) -> dict:
        """Counted, never dropped: fits that did not converge or sit at a bound, failed refits."""
        p = self.per_study
        return {"studies": self.n_studies, "fits_not_converged": int((~p["fit_converged"]).sum()),
                "fits_flagged_at_bound": int(p["fit_flagged"].sum()),
                "refits": self.n_studies * self.n_resamples, "refits_failed": int(p["failed_refits"].sum()),
                "studies_without_draws": int((p["failed_refits"] >= self.n_resamples).sum()),
                "cells_unscored": int(self.coverage["unscored"].sum())}

    def to_dict(self) -> dict:
        frame = lambda df: json.loads(df.to_json(orient="records", double_precision=15))
        return jsonable({"law": self.law, "design": self.design.to_dict(), "n_studies": self.n_studies,
                         "n_resamples": self.n_resamples, "levels": list(self.levels), "seed": self.seed,
                         "processes": self.processes, "devices": self.devices, "seconds": self.seconds,
                         "failures": self.failures, "coverage": frame(self.coverage),
                         "uniformity": frame(self.uniformity), "per_study": frame(self.per_study),
                         "truths": frame(self.truths), "ranks": frame(self.ranks), "records": frame(self.records)})

    def to_json(self, path=None) -> str:
        """Strict JSON (no NaN or infinity: those become null)."""
        text = json.dumps(self.to_dict(), allow_nan=False, indent=1)
        if path is not None:
            with open(path, "w") as fh:
                fh.write(text)
        return text

    def summary(self, level: float = 0.9) -> str:
        """A few lines: coverage at ``level`` per budget and quantity, failures, time."""
        cov = self.coverage
        lines = [f"{self.law}: {self.n_studies} studies x {self.n_resamples} problem resamples "
                 f"({self.processes} process(es) x {self.devices} device(s)), {self.seconds['total']:.1f} s"]
        for b, (ct, ci) in enumerate(self.design.budgets):
            for method in cov["method"].unique():
                rows = cov[(cov.budget == b) & (cov.method == method) & np.isclose(cov.level, level)]
                cells = [f"{q} {r.covered}/{r.studies}" + ("" if r.within_band else " (outside band)")
                         for q, r in rows.set_index("quantity").reindex(QUANTITIES).dropna(subset=["studies"]).iterrows()]
                lines.append(f"  C_train {ct:.3g}, C_inf {ci:.3g}: {int(level * 100)}% {method} intervals cover "
                             + ", ".join(cells))
        f = self.failures
        lines.append(f"  fits not converged {f['fits_not_converged']}, at a bound {f['fits_flagged_at_bound']}; "
                     f"refits failed {f['refits_failed']} of {f['refits']}"
                     + (f"; {f['studies_without_draws']} studies without a usable draw, "
                        f"{f['cells_unscored']} (study, budget, quantity, level) cells unscored"
                        if f["cells_unscored"] else ""))
        return "\n".join(lines)
