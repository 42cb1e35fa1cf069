import os

# Keep JAX's persistent compilation cache (on by default in the CLI) out of the test
# process; tests/test_cache.py exercises it in fresh processes with their own folders.
os.environ["T2JAX_CACHE_DIR"] = "off"
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("T2JAX_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def shared_file(relative: str) -> Path:
    """A file of the shared real-data folder; skip when absent, except under CI=true."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"shared data file missing under CI: {path}")
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture(scope="session")
def epoch_runs():
    import pandas as pd

    from t2jax import load_runs

    frame = pd.read_csv(shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv"))
    frame = frame.sort_values("loss").iloc[:-5]  # the notebook drops the 5 highest losses
    return load_runs(frame, n_col="Model Size", flops_col="Training FLOP", loss_col="loss")


@pytest.fixture(scope="session")
def scalefit_path():
    return shared_file("open-athena-scaling-law-analysis/extract/ml_scalefit/isoflops.csv")


@pytest.fixture(scope="session")
def scalefit_runs(scalefit_path):
    from t2jax import load_runs

    return load_runs(scalefit_path, n_col="params", d_col="tokens", loss_col="loss", budget_col="budget")


@pytest.fixture(scope="session")
def epoch_approach3_bootstrap(epoch_runs):
    """4,000 point-bootstrap Approach-3 refits of the Epoch data (as Epoch AI ran)."""
    from t2jax.uncertainty import bootstrap

    return bootstrap(epoch_runs, "approach3", 4000, seed=0)


def write_counts(samples, path):
    """Repeated-sampling counts as the CSV layout the CLI reads (one row per checkpoint x problem)."""
    import pandas as pd

    rows = [{"model": m, "problem_idx": int(p), "N_params": samples.N[i], "D_tokens": samples.D[i],
             "n_samples": samples.n[i, j], "n_correct": samples.c[i, j]}
            for i, m in enumerate(samples.checkpoints) for j, p in enumerate(samples.problems)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path
