"""numpyro posteriors: converged chains, consistent with the bootstrap, pushed through allocation."""

import numpy as np
import pytest

from t2jax.uncertainty.bayes import posterior


@pytest.mark.slow
def test_chinchilla_posterior(epoch_runs, epoch_approach3_bootstrap):
    post = posterior(epoch_runs, num_chains=4, num_warmup=1000, num_samples=1000, seed=0)
    assert len(post.draws) == 4000
    assert (post.diagnostics["r_hat"] < 1.01).all()
    assert post.divergences == 0
    boot = epoch_approach3_bootstrap.interval(0.95)
    medians = post.draws.median()
    for name in ("E", "A", "B", "alpha", "beta"):
        assert boot.loc[name, "lower"] < medians[name] < boot.loc[name, "upper"], name


@pytest.mark.slow
def test_posterior_is_seeded_and_exports_to_arviz(epoch_runs):
    import arviz as az

    a = posterior(epoch_runs, num_chains=2, num_warmup=200, num_samples=100, seed=4)
    b = posterior(epoch_runs, num_chains=2, num_warmup=200, num_samples=100, seed=4)
    np.testing.assert_array_equal(a.draws.to_numpy(float), b.draws.to_numpy(float))
    data = a.to_inference_data()
    assert dict(data.posterior.sizes)["chain"] == 2 and dict(data.posterior.sizes)["draw"] == 100
    np.testing.assert_array_equal(data.posterior["alpha"].values.ravel(), a.draws["alpha"].to_numpy())
    table = az.summary(data, var_names=["alpha", "beta"])
    assert set(table.index) == {"alpha", "beta"} and np.isfinite(table["r_hat"]).all()


@pytest.mark.slow
def test_t2_posterior_through_allocation():
    from t2jax import allocation_intervals
    from t2jax.data.samples import solved_checkpoints, task_runs
    from t2jax.families.t2_beta.simulate import synthetic_t2
    from t2jax.families.power_sum.laws import T2_LOSS

    bed = synthetic_t2(n_samples=1024, seed=0)
    runs = task_runs(bed.samples.subset(solved_checkpoints(bed.samples)), 2.0 ** np.arange(11))
    post = posterior(runs, law=T2_LOSS, num_chains=2, num_warmup=400, num_samples=300, seed=1)
    assert set(T2_LOSS.params) <= set(post.draws.columns)
    table = allocation_intervals(post.draws, "t2-loss", 2.56e19, 2e9)
    assert table.loc["N", "lower"] <= table.loc["N", "median"] <= table.loc["N", "upper"]
    assert table.loc["k", "lower"] >= 1.0
