"""Bootstrap of T² Approach 2: refits equal standalone fits of the same resample."""

import numpy as np
import pytest

from t2jax import allocation_intervals
from t2jax.data.samples import observed_pass_at_k, solved_checkpoints
from t2jax.families.t2_beta.fit import fit_t2_beta
from t2jax.families.t2_beta.simulate import synthetic_t2
from t2jax.families.t2_beta.bootstrap import bootstrap_t2_beta


@pytest.mark.slow
def test_t2_beta_bootstrap():
    bed = synthetic_t2(n_samples=1024, seed=0)
    keep = solved_checkpoints(bed.samples)
    s = bed.samples.subset(keep)
    ks = 2.0 ** np.arange(11)
    acc = observed_pass_at_k(s, ks)
    noisy_loss = bed.loss[keep] * np.exp(0.01 * np.random.default_rng(0).standard_normal(keep.sum()))
    boot = bootstrap_t2_beta(s.N, s.D, ks, acc, 16, stage1_loss=noisy_loss, seed=0)
    assert boot.n_failed == 0
    for r in (9,):
        fit = fit_t2_beta(s.N, s.D, ks, acc, stage1_loss=noisy_loss, weights=boot.weights[r])
        for name, value in fit.params.items():
            assert boot.draws.iloc[r][name] == pytest.approx(value, rel=1e-6), (r, name)
    table = allocation_intervals(boot.draws, "t2-beta", 2.56e19, 2e9)
    assert table.loc["N", "lower"] < table.loc["N", "upper"]
