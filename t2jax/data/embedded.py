"""The embedded demo dataset: a 234-run Chinchilla subset (Apache-2.0).

Source: ``examples/llm/df.csv`` of kyo-takano/chinchilla (Apache License 2.0), itself
the runs of Hoffmann et al. (2022) Fig. 4 as extracted by Epoch AI, filtered to
``C > 1e18`` and ``N < D``. Columns ``C, N, D, loss``.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from t2jax.data.runs import Runs, load_runs, snap_budgets

#: The nine IsoFLOP budgets of Hoffmann et al. (2022), in FLOPs.
CHINCHILLA_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)


def chinchilla_frame() -> pd.DataFrame:
    """The embedded table as a DataFrame, with a ``budget`` column snapped to the nine
    Chinchilla budgets (within 10%; NaN for runs off every IsoFLOP curve)."""
    with resources.files("t2jax.data").joinpath("chinchilla_subset.csv").open("r") as fh:
        frame = pd.read_csv(fh)
    frame["budget"] = snap_budgets(frame["C"].to_numpy(float), CHINCHILLA_BUDGETS)
    return frame


def load_chinchilla() -> Runs:
    """The embedded runs (``budget`` NaN where a run sits on no IsoFLOP curve)."""
    frame = chinchilla_frame()
    runs = load_runs(frame, n_col="N", d_col="D", loss_col="loss")
    return Runs(runs.N, runs.D, runs.loss, budget=frame["budget"].to_numpy(float))
