"""Bootstrap: every refit reaches its resample's own optimum; published intervals reproduce."""

import sys

import numpy as np
import pytest

from background import job, needs, run, succeeded
from conftest import shared_file

from t2jax import (
    T2JaxError,
    allocation_intervals,
    approach3,
    compute_optimal_intervals,
    varpro,
)
from t2jax.uncertainty import bootstrap, resample_weights


@pytest.fixture(scope="module")
def varpro_boot(epoch_runs):
    return bootstrap(epoch_runs, "varpro", 256, seed=3)


@pytest.mark.slow
def test_varpro_refits_equal_standalone_fits(epoch_runs, varpro_boot):
    assert varpro_boot.n_failed == 0
    for r in (0, 17, 101, 255):
        fit = varpro(epoch_runs, weights=varpro_boot.weights[r])
        for name, value in fit.params.items():
            assert varpro_boot.draws.iloc[r][name] == pytest.approx(value, rel=1e-6), (r, name)


def test_approach3_refits_equal_standalone_fits(epoch_runs):
    boot = bootstrap(epoch_runs, "approach3", 64, seed=5)
    assert boot.n_failed == 0
    for r in (0, 31, 63):
        fit = approach3(epoch_runs, weights=boot.weights[r])
        for name, value in fit.params.items():
            assert boot.draws.iloc[r][name] == pytest.approx(value, rel=1e-6), (r, name)


def test_epoch_published_intervals(epoch_approach3_bootstrap):
    """Epoch AI's 95% point-bootstrap intervals of the Approach-3 fit, within 0.01."""
    boot = epoch_approach3_bootstrap
    assert boot.n_failed == 0
    table = boot.interval(0.95)
    for name, (lo, hi) in {"E": (1.769, 1.871), "alpha": (0.317, 0.373), "beta": (0.331, 0.415)}.items():
        assert table.loc[name, "lower"] == pytest.approx(lo, abs=0.01), name
        assert table.loc[name, "upper"] == pytest.approx(hi, abs=0.01), name
    # an early-stopping refit loop reports A 477.7-477.9; every refit here reaches its own optimum
    assert table.loc["A", "upper"] - table.loc["A", "lower"] > 300


def test_unconverged_refits_are_caught(epoch_runs):
    """A refinement cut short is flagged, never passed off as an optimum."""
    import jax
    import jax.numpy as jnp

    from t2jax.fitting.engine import fit_inputs
    from t2jax.families.power_sum.laws import CHINCHILLA
    from t2jax.uncertainty.batched import refine_batch, starts_batch
    from t2jax.families.power_sum.kernels import APPROACH3, refit_data

    W = jnp.asarray(resample_weights(0, len(epoch_runs), 64))
    with jax.enable_x64(True):
        _, X, y, _, grids = fit_inputs(epoch_runs, CHINCHILLA, "approach3", None, 24, (0.02, 2.0))
        data = refit_data(X, y, grids, 1e-3)
        starts, valid = starts_batch(APPROACH3, data, W, 2, 64)
        short = refine_batch(APPROACH3, data, W, starts, valid, max_iter=2, all_starts=False)
        full = refine_batch(APPROACH3, data, W, starts, valid, max_iter=500, all_starts=False)
    short_ok, full_ok = np.asarray(short[-1]), np.asarray(full[-1])
    assert full_ok.all()
    assert (~short_ok).sum() > 32
    # where the short run claims convergence it really is at the optimum
    np.testing.assert_allclose(np.asarray(short[0])[short_ok], np.asarray(full[0])[short_ok], rtol=1e-6, atol=1e-9)


def test_same_seed_same_numbers(epoch_runs):
    a = bootstrap(epoch_runs, "varpro", 32, seed=11)
    b = bootstrap(epoch_runs, "varpro", 32, seed=11)
    c = bootstrap(epoch_runs, "varpro", 32, seed=12)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.draws.to_numpy(float), b.draws.to_numpy(float))
    assert not np.array_equal(a.weights, c.weights)


def test_resample_weights():
    W = resample_weights(0, 50, 400)
    assert W.shape == (400, 50) and np.all(W.sum(1) == 50)
    assert abs(W.mean() - 1.0) < 1e-12
    groups = np.repeat(np.arange(5), 10)
    G = resample_weights(0, 50, 100, groups=groups)
    assert np.all(G.sum(1) == 50)
    for g in range(5):  # a group's runs share one multiplicity
        assert np.all(G[:, groups == g] == G[:, [10 * g]])
    with pytest.raises(T2JaxError, match="2 groups"):
        resample_weights(0, 5, 10, groups=np.zeros(5))


def test_group_bootstrap_needs_labels(epoch_runs):
    with pytest.raises(T2JaxError, match="needs group labels"):
        bootstrap(epoch_runs, "varpro", 8, resample="groups")


def test_derived_intervals(varpro_boot):
    table = compute_optimal_intervals(varpro_boot.draws, [1e21, 1e24])
    assert np.all(table["N_lower"] < table["N_median"]) and np.all(table["N_median"] < table["N_upper"])
    point_N, _ = varpro_boot.point.optimal(1e24)
    assert table["N_lower"].iloc[1] < point_N < table["N_upper"].iloc[1]


@pytest.mark.slow
def test_t2_allocation_intervals():
    from t2jax.allocation import allocate
    from t2jax.data.samples import solved_checkpoints, task_runs
    from t2jax.fitting.result import FitResult
    from t2jax.families.t2_beta.simulate import synthetic_t2
    from t2jax.families.power_sum.laws import T2_LOSS

    bed = synthetic_t2(n_samples=1024, seed=0)
    runs = task_runs(bed.samples.subset(solved_checkpoints(bed.samples)), 2.0 ** np.arange(11))
    boot = bootstrap(runs, "varpro", 64, law=T2_LOSS, resample="groups", seed=1)
    assert boot.n_failed == 0
    table = allocation_intervals(boot.draws, "t2-loss", 2.56e19, 2e9)
    point = allocate(boot.point, 2.56e19, 2e9)
    assert table.loc["N", "lower"] < point.N < table.loc["N", "upper"]
    truth = allocate(FitResult("truth", "t2-beta", bed.truth, 0.0, 1, True), 2.56e19, 2e9)
    assert table.loc["N", "upper"] < 2 * truth.N and table.loc["N", "lower"] > truth.N / 2


PROGRESS_SCRIPT = """
import sys, numpy as np, pandas as pd, jax
from t2jax import load_runs
from t2jax.uncertainty import bootstrap
frame = pd.read_csv(sys.argv[1]).sort_values("loss").iloc[:-5]
runs = load_runs(frame, n_col="Model Size", flops_col="Training FLOP", loss_col="loss")
plain = bootstrap(runs, "varpro", 96, seed=8, chunk=16, progress=False)
shown = bootstrap(runs, "varpro", 96, seed=8, chunk=16, progress=True)
a, b = plain.draws.to_numpy(float), shown.draws.to_numpy(float)
same = np.array_equal(a, b) if jax.default_backend() == "cpu" else np.allclose(a, b, rtol=1e-6, atol=1e-12)
print("identical" if same else "different")
"""


@job(cost=20, warm=True)
def progress_blocks(folder):
    """In a fresh process: late in a long suite, XLA's CPU compiler was seen to crash
    (SIGSEGV) compiling this check's retry program, though never in a fresh process."""
    data = shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv")
    return run([sys.executable, "-c", PROGRESS_SCRIPT, str(data)], cwd=folder, timeout=600)


@pytest.mark.slow
@needs(progress_blocks)
def test_progress_blocks_do_not_change_numbers():
    proc = progress_blocks.result()
    assert succeeded(proc).endswith("identical")


def test_frontier_band(varpro_boot):
    import pandas as pd

    from t2jax import frontier_band
    from t2jax.families.t2_beta.simulate import T2_TRUTH

    rng = np.random.default_rng(0)
    draws = pd.DataFrame({k: v * np.exp(0.01 * rng.standard_normal(50)) for k, v in T2_TRUTH.items()})
    band = frontier_band(draws, "t2-beta", [1e18, 1e19, 1e20], 2e9, level=0.9)
    assert len(band) == 3
    assert np.all(band["N_lower"] <= band["N_median"]) and np.all(band["N_median"] <= band["N_upper"])
    assert np.all(np.diff(band["accuracy_median"]) > 0)


def test_bca_reduces_to_percentile_without_bias_or_skew():
    import pandas as pd

    from t2jax.uncertainty.intervals import bca_interval, percentile_interval

    rng = np.random.default_rng(0)
    draws = pd.DataFrame({"x": rng.standard_normal(4001)})
    jack = pd.DataFrame({"x": np.linspace(-1, 1, 41)})  # symmetric: no acceleration
    est = {"x": float(np.median(draws["x"]))}  # half the draws below: no bias correction
    bca = bca_interval(draws, est, jack, 0.9)
    pct = percentile_interval(draws, 0.9)
    assert bca.loc["x", "acceleration"] == pytest.approx(0.0, abs=1e-12)
    assert bca.loc["x", "lower"] == pytest.approx(pct.loc["x", "lower"], abs=5e-3)
    assert bca.loc["x", "upper"] == pytest.approx(pct.loc["x", "upper"], abs=5e-3)
    shifted = bca_interval(draws, {"x": 0.5}, jack, 0.9)  # estimate above most draws: interval moves up
    assert shifted.loc["x", "lower"] > bca.loc["x", "lower"] + 0.2 and shifted.loc["x", "upper"] > bca.loc["x", "upper"] + 0.2


def test_bca_on_epoch(epoch_runs, varpro_boot):
    table = varpro_boot.bca(epoch_runs, 0.95)
    for name in ("E", "alpha", "beta"):
        assert table.loc[name, "lower"] < table.loc[name, "estimate"] < table.loc[name, "upper"]
    assert np.isfinite(table[["z0", "acceleration"]].to_numpy()).all()


def test_extreme_draws_are_counted_and_kept():
    import pandas as pd

    from t2jax.fitting.result import FitResult
    from t2jax.report.text import fit_text
    from t2jax.uncertainty.results import BootstrapResult

    params = {"E": 1.8, "A": 400.0, "B": 1300.0, "alpha": 0.34, "beta": 0.34}
    point = FitResult("varpro", "chinchilla", params, 0.0, 10, True)
    rows = [params, params | {"A": 1e95, "alpha": 3.0}, params | {"E": 2.0}]
    draws = pd.DataFrame(rows).assign(objective=0.0, converged=True)
    boot = BootstrapResult(point, draws, np.ones((3, 10)), 0, "points", 0.1)
    assert boot.extreme.tolist() == [False, True, False] and len(boot.usable_draws) == 3
    out = point.to_dict() | {"bootstrap": boot.to_dict(0.9)}
    assert out["bootstrap"]["extreme"] == 1 and "(0 failed, 1 extreme)" in fit_text(out)
