"""Law weights from held-out evidence, for a weighted decision across laws.

Where at least two compared laws scored the held-out counts (a backtest's
per-checkpoint log predictive densities, ``heldout_loglik``), the weights **stack**
them: the mixture weights that maximise the held-out log score of the mixture, over
every (split, held-out checkpoint) unit (Yao et al. 2018; fitted by EM, which is
monotone on this concave problem). A law with no per-problem predictive (``t2-loss``)
cannot be scored on that footing and gets weight 0, said in ``basis``: probabilities of
the held-out counts and aggregate errors are not comparable. Without two log scores
(e.g. a backtest of aggregate curves), every law is weighted by the inverse of its mean
held-out error on the backtest's ``metric``, which is cruder, and said so.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from t2jax.errors import T2JaxError


def _frames(backtest):
    """``(summary, loglik)`` from a :class:`~t2jax.fitting.backtest.Backtest` or its JSON."""
    if hasattr(backtest, "summary") and callable(backtest.summary):
        return backtest.summary(), backtest.loglik
    if not isinstance(backtest, dict) or not isinstance(backtest.get("summary"), list):
        raise T2JaxError("weights need a backtest: its result or the JSON of 't2jax backtest ... --json' "
                         "(with or without --select)")
    return pd.DataFrame(backtest["summary"]), pd.DataFrame(backtest.get("loglik") or [])


def stacking_weights(loglik: np.ndarray, iterations: int = 5000, tol: float = 1e-12) -> np.ndarray:
    """Mixture weights maximising ``sum_u log sum_j w_j exp(loglik[u, j])`` (EM)."""
    z = loglik - loglik.max(axis=1, keepdims=True)
    dens = np.exp(z)
    w = np.full(loglik.shape[1], 1.0 / loglik.shape[1])
    for _ in range(iterations):
        resp = dens * w
        resp /= resp.sum(axis=1, keepdims=True)
        new = resp.mean(axis=0)
        if np.abs(new - w).max() < tol:
            return new
        w = new
    return w


def backtest_weights(backtest, laws: Sequence[str], metric: str = "log_ratio") -> dict:
    """``{"weights": law -> weight, "basis": how, "units": units scored}`` for ``laws``.

    Stacking on held-out log predictive densities when every law has them, else inverse
    mean ``metric`` (:data:`t2jax.fitting.metrics.METRICS`). A law the backtest did not
    fit is refused by name; one that failed on every split gets weight 0, said in ``basis``.
    """
    summary, loglik = _frames(backtest)
    laws = list(laws)
    missing = [law for law in laws if law not in set(summary.get("law", []))]
    if missing:
        raise T2JaxError(f"the backtest has no result for {', '.join(missing)}; run it with --laws "
                         f"{','.join(laws)}")
    scored = [law for law in laws if not loglik.empty and law in set(loglik["law"])]
    if len(scored) >= 2:
        wide = loglik[loglik["law"].isin(scored)].pivot_table(index=["holdout", "checkpoint"], columns="law",
                                                             values="loglik", aggfunc="sum")[scored]
        complete = wide.dropna()
        if len(complete):
            w = dict(zip(scored, stacking_weights(complete.to_numpy(np.float64)).tolist()))
            unscored = [law for law in laws if law not in scored]
            return {"weights": {law: w.get(law, 0.0) for law in laws}, "units": int(len(complete)),
                    "basis": f"stacking of held-out log predictive densities over {len(complete)} (split, checkpoint) "
                             f"units ({len(wide) - len(complete)} left out: a law not fitted there)"
                             + (f"; weight 0 for {', '.join(unscored)}: no per-problem predictive to score"
                                if unscored else "")}
    if metric not in summary.columns:
        raise T2JaxError(f"the backtest summary has no metric {metric!r}")
    score = summary.set_index("law").loc[laws, metric].astype(float)
    inverse = np.where(np.isfinite(score.to_numpy()) & (score.to_numpy() > 0), 1.0 / score.to_numpy(), 0.0)
    if inverse.sum() <= 0:
        raise T2JaxError(f"no law has a finite mean held-out {metric}; no weights")
    failed = [law for law, v in zip(laws, inverse) if v == 0.0]
    return {"weights": dict(zip(laws, (inverse / inverse.sum()).tolist())), "units": None,
            "basis": f"inverse mean held-out {metric} (not every law has a per-problem log score to stack)"
                     + (f"; weight 0 for {', '.join(failed)} (no score)" if failed else "")}
