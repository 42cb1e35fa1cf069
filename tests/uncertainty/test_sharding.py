"""Sharded bootstrap refits equal single-device ones, number for number."""

import os
import sys
import textwrap

import pytest

from background import job, needs, run, succeeded
from conftest import shared_file

SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    import jax, numpy as np, pandas as pd
    from t2jax import load_runs
    from t2jax.uncertainty import bootstrap
    cpus = jax.devices("cpu")  # forced host devices, whatever the default backend
    assert len(cpus) == 4, cpus
    jax.config.update("jax_default_device", cpus[0])
    frame = pd.read_csv(sys.argv[1]).sort_values("loss").iloc[:-5]
    runs = load_runs(frame, n_col="Model Size", flops_col="Training FLOP", loss_col="loss")
    for method in ("varpro", "approach3"):
        one = bootstrap(runs, method, 200, seed=2, chunk=32, devices=cpus[:1])
        four = bootstrap(runs, method, 200, seed=2, chunk=32, devices=cpus)
        assert one.n_failed == 0 and four.n_failed == 0
        assert np.array_equal(one.draws.to_numpy(float), four.draws.to_numpy(float)), method
    print("identical")
    """
)


def _env():
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    return env


@job(cost=30)
def power_sum_sharding(folder):
    data = shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv")
    return run([sys.executable, "-c", SCRIPT, str(data)], env=_env(), cwd=folder, timeout=600)


@pytest.mark.slow
@needs(power_sum_sharding)
def test_sharded_equals_single_device():
    proc = power_sum_sharding.result()
    assert succeeded(proc).endswith("identical")


T2_SCRIPT = textwrap.dedent(
    """
    import os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    import jax, numpy as np, t2jax
    cpus = jax.devices("cpu")
    jax.config.update("jax_default_device", cpus[0])
    samples = t2jax.synthetic_t2(n_questions=24, n_samples=64, seed=4).samples
    for law in ("t2-beta", "t2-joint"):
        point = t2jax.fit(samples, law)
        one = t2jax.bootstrap(samples, n_resamples=8, law=law, seed=1, point=point, devices=cpus[:1])
        four = t2jax.bootstrap(samples, n_resamples=8, law=law, seed=1, point=point, devices=cpus)
        a, b = one.draws.to_numpy(float), four.draws.to_numpy(float)
        if law == "t2-beta":
            assert np.array_equal(a, b, equal_nan=True), law
        else:  # per-device programs compile apart: equal to the refits' own tolerance (3e-8 seen)
            assert np.array_equal(one.draws["converged"], four.draws["converged"])
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-9)
            np.testing.assert_allclose(four.draws["objective"], one.draws["objective"], rtol=1e-12)
    print("identical")
    """
)


@job(cost=60)
def t2_sharding(folder):
    return run([sys.executable, "-c", T2_SCRIPT], env=_env(), cwd=folder, timeout=900)


@pytest.mark.slow
@needs(t2_sharding)
def test_t2_bootstraps_shard_like_power_sums():
    """T² Approach 2 (stage 2) and the joint model go through the same driver: sharded
    over four host devices, T² Approach 2's draws equal the single-device ones number for
    number, and the joint model's to its refits' tolerance."""
    proc = t2_sharding.result()
    assert succeeded(proc).endswith("identical")
