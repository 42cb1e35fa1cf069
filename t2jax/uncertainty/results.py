"""The results of the uncertainty stage: bootstrap refits and posterior draws, in the
law's parameters (raw units), with their interval summaries."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from t2jax.data.runs import Runs
from t2jax.errors import T2JaxError
from t2jax.fitting.result import FitResult, FitWarning
from t2jax.laws.registry import family_of, get_law
from t2jax.uncertainty.intervals import DrawsSummary, bca_interval


@dataclasses.dataclass(frozen=True)
class BootstrapResult(DrawsSummary):
    """Bootstrap refits: one row of ``draws`` per resample, raw units.

    Attributes:
      point: the fit of the original data.
      draws: DataFrame of parameters per resample (plus ``objective``, ``converged``).
      weights: the ``(R, n)`` multiplicity matrix used.
      seed, resample: how the weights were drawn.
      seconds: wall time of the refits.
    """

    point: FitResult
    draws: pd.DataFrame
    weights: np.ndarray
    seed: int
    resample: str
    seconds: float

    @property
    def n_failed(self) -> int:
        return int((~self.draws["converged"]).sum())

    @property
    def usable_draws(self) -> pd.DataFrame:
        """Converged resamples only."""
        return self.draws[self.draws["converged"]]

    @property
    def extreme(self) -> pd.Series:
        """Converged draws with a parameter over a million times the point fit's size (or
        over a million where that is below 1), e.g. ``A = 1e95`` from a resample that
        leaves an exponent unidentified. They are kept (percentile intervals move by at most
        their count in ranks) and counted: they say the law is weakly identified."""
        names = list(self.point.params)
        values = self.usable_draws[names].abs()
        scale = np.maximum(np.abs(np.array([self.point.params[n] for n in names], np.float64)), 1.0)
        return (values > 1e6 * scale).any(axis=1)

    def bca(self, runs: Runs, level: float = 0.95, law=None) -> pd.DataFrame:
        """BCa intervals; the acceleration comes from jackknife refits of ``runs``
        (leave one run out, or one group out for group resampling), batched like the
        bootstrap itself."""
        law = get_law(law or self.point.law)
        if law.linear is None or not isinstance(runs, Runs):
            raise T2JaxError("BCa intervals cover additive power-law fits of runs; use interval() (percentile) here")
        n = len(runs)
        if self.resample == "groups" and runs.group is not None:
            labels = np.unique(runs.group)
            jack = (runs.group[None, :] != labels[:, None]).astype(np.float64)
        else:
            jack = 1.0 - np.eye(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            jk = family_of(law).bootstrap(runs, law, jack.shape[0], method=self.point.method, weights=jack,
                                          point=self.point, seed=0)
        names = list(self.point.params)
        return bca_interval(self.usable_draws[names], self.point.params, jk.usable_draws[names], level)

    def fits(self):
        """Each resample as a :class:`FitResult` (for allocation and other derived quantities)."""
        names = list(self.point.params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            for _, row in self.draws.iterrows():
                yield FitResult(self.point.method, self.point.law, {k: float(row[k]) for k in names},
                                float(row["objective"]), self.point.n_points, bool(row["converged"]))

    def to_dict(self, level: float = 0.95) -> dict:
        """JSON-ready summary: settings, intervals at ``level`` and the converged draws."""
        return {
            "resamples": int(self.weights.shape[0]), "resample": self.resample, "seed": self.seed,
            "failed": self.n_failed, "extreme": int(self.extreme.sum()), "seconds": round(self.seconds, 3),
            "level": level,
            "intervals": self.interval(level).to_dict(orient="index"),
            "draws": self.usable_draws[list(self.point.params)].to_dict(orient="list"),
        }



@dataclasses.dataclass(frozen=True)
class PosteriorResult(DrawsSummary):
    """Posterior draws (raw units) with diagnostics.

    Attributes:
      point: the point fit used to initialise the chains.
      draws: DataFrame, one row per draw (all chains), columns = law parameters + sigma + chain.
      diagnostics: per-parameter R-hat and effective sample size.
      divergences: number of divergent transitions after warm-up.
      seconds: sampling wall time.
      likelihood: what the likelihood is, in words.
    """

    point: FitResult
    draws: pd.DataFrame
    diagnostics: pd.DataFrame
    divergences: int
    seconds: float
    likelihood: str = "Gaussian on log loss"

    @property
    def num_chains(self) -> int:
        return int(self.draws["chain"].nunique())

    def to_dict(self, level: float = 0.95, seed=None) -> dict:
        """JSON-ready summary: sampler settings, diagnostics, intervals at ``level``, draws."""
        return {
            "method": "nuts", "likelihood": self.likelihood, "point_method": self.point.method,
            "chains": self.num_chains,
            "draws_per_chain": int(len(self.draws) // self.num_chains), "seed": seed,
            "divergences": self.divergences, "seconds": round(self.seconds, 3), "level": level,
            "diagnostics": self.diagnostics.to_dict(orient="index"),
            "intervals": self.interval(level).to_dict(orient="index"),
            "draws": self.draws[list(self.point.params)].to_dict(orient="list"),
        }

    def to_inference_data(self):
        """ArviZ InferenceData (requires ``arviz``)."""
        import arviz as az

        chains = self.draws["chain"].to_numpy()
        n_chain = int(chains.max()) + 1
        posterior = {c: self.draws[c].to_numpy().reshape(n_chain, -1) for c in self.draws.columns if c != "chain"}
        return az.from_dict(posterior=posterior)
