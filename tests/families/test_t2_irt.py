"""The shared-difficulty family (t2-irt): its pass@k formula, its fit on a study whose
problems keep their difficulty (logit-normal, outside every Beta law's family), and its
per-problem predictive."""

import numpy as np
import pytest
from scipy import special

import t2jax
from t2jax.families.t2_irt import K, problem_predictive
from t2jax.precision import x64

TRUTH = {"A": 400.0, "B": 300.0, "alpha": 0.3, "beta": 0.28}


def latent(N, D):
    return TRUTH["A"] * N ** -TRUTH["alpha"] + TRUTH["B"] * D ** -TRUTH["beta"]


@pytest.fixture(scope="module")
def study():
    """5 sizes x 4 budgets (D/N 5 to 200), 150 problems with logit-normal difficulties
    shared by every checkpoint, a tenth unsolvable, 256 samples each."""
    rng = np.random.default_rng(7)
    sizes, ratios = np.array([3e7, 1e8, 3e8, 1e9, 3e9]), np.array([5.0, 20.0, 60.0, 200.0])
    N, D = np.repeat(sizes, ratios.size), np.outer(sizes, ratios).ravel()
    d = rng.normal(-4.0, 1.5, 150)
    d[:15] = np.inf
    p = special.expit(-latent(N, D)[:, None] - d[None, :])
    n = np.full(p.shape, 256)
    samples = t2jax.Samples(N, D, n, rng.binomial(n, p), np.array([f"m{i}" for i in range(N.size)]), np.arange(150))
    return samples, d


@pytest.fixture(scope="module")
def fit(study):
    return t2jax.fit(study[0], "t2-irt")


def true_pass(d, N, D, k):
    p = special.expit(-latent(N, D) - d)
    return float(np.mean(1.0 - (1.0 - p) ** k))


@pytest.mark.parametrize("nu, k", [(40.0, 16.0), (3e5, 1e4)])  # over-dispersed; near the binomial, large k
def test_log_miss_is_the_mixture_of_beta_binomial_misses_over_a_histogram(nu, k):
    rng = np.random.default_rng(0)
    w = rng.dirichlet(np.ones(K + 1))
    params = {"E": 0.0, "A": 50.0, "B": 80.0, "alpha": 0.3, "beta": 0.25, "nu": nu, "g_lo": -9.0, "g_hi": 6.0,
              "w_unsolvable": w[0]} | {f"w{k:02d}": w[k + 1] for k in range(K)}
    N, D = 2e8, 4e9
    L = 50.0 * N ** -0.3 + 80.0 * D ** -0.25
    width = 15.0 / (K - 1)  # K bins centred from -9 to 6, each a uniform density over its width
    fine = 400  # midpoints a bin: the integral over each bin, far finer than the law's quadrature
    sub = np.linspace(-9.0, 6.0, K)[:, None] + width * ((np.arange(fine) + 0.5) / fine - 0.5)[None, :]
    mu = special.expit(-L - sub)
    a, b = mu * nu, (1 - mu) * nu
    miss = w[0] + np.sum(w[1:] * np.mean(np.exp(special.betaln(a, b + k) - special.betaln(a, b)), axis=1))
    got = x64(t2jax.get_law("t2-irt").log_miss_rate)(params, N, D, k)
    assert float(got) == pytest.approx(np.log(miss), rel=1e-6)


@pytest.mark.slow
def test_fit_recovers_pass_at_k_of_shared_difficulty(study, fit):
    samples, d = study
    assert fit.method == "mle" and fit.converged and fit.status is t2jax.FitStatus.CONVERGED
    weights = np.array([fit.params[f"w{k:02d}"] for k in range(K)])
    assert weights.sum() + fit.params["w_unsolvable"] == pytest.approx(1.0, abs=1e-9)
    # the unsolvable tenth: the atom, or nodes so hard that no fitted checkpoint would solve them
    assert float(fit.accuracy(3e9, 6e11, 1e4)) == pytest.approx(0.9, abs=0.03)
    for N, D in ((3e7, 1.5e8), (3e9, 6e11), (1e9, 2e10)):
        for k in (1, 16, 256):
            assert float(fit.accuracy(N, D, k)) == pytest.approx(true_pass(d, N, D, k), abs=0.02), (N, D, k)
    # beyond the data (3x N, 10x D): still close to the truth
    assert float(fit.accuracy(1e10, 2e12, 64)) == pytest.approx(true_pass(d, 1e10, 2e12, 64), abs=0.04)


@pytest.mark.slow
def test_predictive_is_a_distribution_and_beats_a_beta_law_held_out(study):
    samples, _ = study
    test = samples.D >= 2e11
    train_set, test_set = samples.subset(~test), samples.subset(test)
    fit = t2jax.fit(train_set, "t2-irt")
    # one held-out checkpoint asked again with every possible count of every problem: rows c = 0..256
    every = t2jax.Samples(np.repeat(test_set.N[:1], 257), np.repeat(test_set.D[:1], 257), np.full((257, 150), 256),
                          np.repeat(np.arange(257)[:, None], 150, 1), np.array([f"c{c}" for c in range(257)]),
                          test_set.problems)
    assert np.allclose(np.exp(problem_predictive(fit.params, train_set, every)).sum(0), 1.0, atol=1e-8)
    irt = np.nanmean(problem_predictive(fit.params, train_set, test_set))
    beta_fit = t2jax.fit(train_set, "beta-nd")
    beta = np.nanmean(t2jax.family_of("beta-nd").count_loglik(beta_fit, t2jax.get_law("beta-nd"), train_set, test_set))
    assert irt > beta + 0.5  # knowing which problems are hard is worth more than half a nat per count here


def scattered_study(seed, sd):
    """The study's design with each checkpoint's latent loss shifted by N(0, sd^2) (a
    training run that is not smooth in D), its held-out twin at D/N 400 shifted alike."""
    rng = np.random.default_rng(seed)
    sizes = np.array([3e7, 1e8, 3e8, 1e9, 3e9])
    N, D = np.repeat(sizes, 5), np.outer(sizes, [5.0, 20.0, 60.0, 200.0, 400.0]).ravel()
    d = rng.normal(-4.0, 1.5, 150)
    p = special.expit(-(latent(N, D) + rng.normal(0.0, sd, N.size))[:, None] - d[None, :])
    n = np.full(p.shape, 256)
    samples = t2jax.Samples(N, D, n, rng.binomial(n, p), np.array([f"m{i}" for i in range(N.size)]), np.arange(150))
    test = D / N > 300
    return samples.subset(~test), samples.subset(test)


@pytest.mark.slow
def test_checkpoint_scatter_is_chosen_by_cross_validation_and_scored_held_out(fit, study):
    from t2jax.families.t2_irt import choose_tau

    assert choose_tau(fit.params, study[0]) <= 0.125  # a smooth study: (almost) no scatter chosen
    train, test = scattered_study(11, 0.7)
    rough = t2jax.fit(train, "t2-irt")
    # the fit's concentration takes up part of the scatter (nu ~ 20 here, the binomial limit
    # without it), so cross-validation picks a smaller shift than 0.7, but not none
    tau = choose_tau(rough.params, train)
    assert 0.125 <= tau <= 1.0
    chosen, none = (np.nanmean(problem_predictive(rough.params, train, test, t)) for t in (tau, 0.0))
    assert chosen > none + 0.02  # nats per count: the held-out checkpoints' own shifts are integrated out


@pytest.mark.slow
def test_bootstrap_resamples_problems_and_reaches_allocation_intervals(study, fit):
    samples, d = study
    boot = t2jax.bootstrap(samples, n_resamples=8, law="t2-irt", seed=3, point=fit)
    again = t2jax.bootstrap(samples, n_resamples=8, law="t2-irt", seed=3, point=fit)
    assert boot.resample == "problems" and boot.n_failed == 0 and boot.point is fit
    assert np.array_equal(boot.draws.to_numpy(float), again.draws.to_numpy(float))  # seeded
    assert np.allclose(boot.weights.sum(1), samples.problems.size)  # problem multiplicities
    band = t2jax.allocation_intervals(boot.usable_draws, "t2-irt", 1e20, 1e11, 0.9)
    assert band.loc["N", "lower"] <= band.loc["N", "median"] <= band.loc["N", "upper"]
    with pytest.raises(t2jax.T2JaxError, match="resamples problems"):
        t2jax.bootstrap(samples, n_resamples=4, law="t2-irt", resample="groups", point=fit)


@pytest.mark.slow
def test_posterior_integrates_difficulties_out_and_predicts_the_studied_range(study, fit):
    """Mechanics and in-range predictions only: on this small design (20 checkpoints, 256
    samples) the surface's extrapolation is weakly pinned and short chains do not mix
    (the diagnostics say so), so no interval of a parameter is asserted here."""
    samples, d = study
    post = t2jax.posterior(samples, law="t2-irt", point=fit, num_chains=2, num_warmup=60, num_samples=60, seed=1,
                           rhat_max=10.0, progress_bar=False)
    assert post.point is fit and isinstance(post.divergences, int) and len(post.draws) == 120
    assert set(post.diagnostics.index) == {"A", "B", "alpha", "beta", "w_unsolvable", "mean_difficulty"}
    assert np.isfinite(post.diagnostics.to_numpy()).all()
    weights = post.draws[[f"w{k:02d}" for k in range(K)] + ["w_unsolvable"]].to_numpy()
    assert np.allclose(weights.sum(1), 1.0, atol=1e-9) and (weights >= 0).all()
    law = t2jax.get_law("t2-irt")
    for N, D, k in ((1e9, 2e10, 16), (3e7, 1.5e8, 1)):
        acc = np.array([float(x64(law.accuracy)(row, N, D, k)) for row in post.draws.iloc[::6].to_dict("records")])
        assert np.median(acc) == pytest.approx(true_pass(d, N, D, k), abs=0.03), (N, D, k)
    band = t2jax.allocation_intervals(post.draws.iloc[::6], "t2-irt", 1e20, 1e11, 0.9)
    assert 0 < band.loc["N", "lower"] <= band.loc["N", "median"] <= band.loc["N", "upper"]


@pytest.mark.slow
def test_report_of_a_t2_irt_study(study, tmp_path, capsys):
    import json

    from conftest import write_counts
    from t2jax.cli import main

    path = write_counts(study[0], tmp_path / "counts.csv")
    code = main(["report", str(path), "--law", "t2-irt", "--train-flops", "1e20", "--inference-flops", "1e11",
                 "--out", str(tmp_path / "report"), "--json"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["fit"]["law"] == "t2-irt" and summary["allocation"]["N"] > 0
    assert (tmp_path / "report" / "report.html").stat().st_size > 10_000


def test_beta_binomial_node_likelihood_matches_the_direct_sum(study):
    """The fit's Beta-binomial marginal splits ln B(c + a, n - c + b) - ln B(a, b) into
    per-cell, per-node and per-count terms; it must equal the plain per-count sum, a count
    not asked (n = 0) included."""
    from t2jax.families.t2_irt.likelihood import bb_node_loglik
    from t2jax.laws.beta import beta_binomial_logpmf

    samples, _ = study
    n, c = samples.n[:, :20].astype(float), samples.c[:, :20].astype(float)
    n[3, 5] = c[3, 5] = 0.0
    L, g, nu = np.linspace(0.5, 4.0, n.shape[0]), np.linspace(-10.0, 12.0, 7), 37.0
    mu = special.expit(-L[:, None] - g[None, :])
    direct = np.sum(np.asarray(x64(beta_binomial_logpmf)(mu[:, None, :] * nu, (1 - mu[:, None, :]) * nu,
                                                        n[..., None], c[..., None])), axis=0)
    got = np.asarray(x64(bb_node_loglik)(L, g, nu, n, c))
    np.testing.assert_allclose(got, direct, rtol=1e-8, atol=1e-6)  # sums of terms near 1e5 nats, regrouped


@pytest.mark.parametrize("peak", [np.log(50.0), np.log(2e3), np.log(1.0), np.log(1e7)])
def test_concentration_choice_is_the_parabola_vertex_inside_the_grid_and_the_end_outside(peak):
    from t2jax.families.t2_irt.concentration import NU_GRID, choose_nu

    x = np.log(NU_GRID)
    log_nu, best = x64(choose_nu)(-((x - peak) ** 2))
    if x[0] < peak < x[-1]:  # a parabola through three grid points is itself
        assert float(log_nu) == pytest.approx(peak, abs=1e-9)
    else:  # beyond the grid: its end, the index saying which
        assert int(best) in (0, x.size - 1) and float(log_nu) == x[int(best)]


def test_concentration_over_the_occupied_bins_equals_it_over_every_bin(study):
    """The concentration's marginal skips bins EM emptied: the same grid scores, choice and
    marginal as over all 64 bins."""
    import jax.numpy as jnp

    from t2jax.families.t2_irt.bootstrap import point_state
    from t2jax.families.t2_irt.concentration import concentration, occupied_bins
    from t2jax.families.t2_irt.likelihood import counts_arrays

    samples, _ = study
    logN, logD, n, c, scale = counts_arrays(samples)
    w = np.zeros(K)
    w[22:47] = np.random.default_rng(1).dirichlet(np.ones(25)) * 0.9
    params = {"A": TRUTH["A"], "B": TRUTH["B"], "alpha": TRUTH["alpha"], "beta": TRUTH["beta"], "nu": 100.0,
              "g_lo": -14.0, "g_hi": 10.0, "w_unsolvable": 0.1} | {f"w{k:02d}": w[k] for k in range(K)}
    X = point_state(params, scale)[None]
    shared = tuple(jnp.asarray(a) for a in (logN, logD, n, c[None]))
    bins, real = occupied_bins(X[:, 5 : K + 5])
    assert bins.shape == (1, 32) and real.sum() == 25 and set(bins[0][real[0]]) == set(range(22, 47))
    some = [np.asarray(a) for a in x64(concentration)(X, bins, real, *shared)]
    every = [np.asarray(a) for a in x64(concentration)(X, np.arange(K)[None], np.ones((1, K), bool), *shared)]
    assert some[1] == every[1]
    np.testing.assert_allclose(some[3], every[3], rtol=1e-12)
    np.testing.assert_allclose([some[0], some[2]], [every[0], every[2]], rtol=1e-12)


def test_posterior_weights_hold_the_bins_below_and_split_the_group_above_as_the_point_fit():
    """The posterior's weights: bins below held at their masses, the atom and the bins
    above every checkpoint's reach one site split in the point fit's proportions, the
    sampled bins sharing the rest; every draw sums to one."""
    from t2jax.families.t2_irt.bayes import log_weights_of

    rng = np.random.default_rng(2)
    held_low = np.log([0.01, 0.02])
    split = np.log([0.5, 0.3, 0.2])  # the atom, then two bins above
    eta = {"eta_first": rng.normal(size=(3, 4)), "eta_steps": rng.normal(size=(3, 4, 5)),
           "eta_atom": rng.normal(size=(3, 4))}
    w = np.exp(np.asarray(x64(log_weights_of)(eta, held_low, split)))  # atom, 2 below, 6 sampled, 2 above
    assert w.shape == (3, 4, 11) and np.allclose(w.sum(-1), 1.0, atol=1e-12)
    assert np.allclose(w[..., 1:3], [0.01, 0.02])
    group = w[..., 0] + w[..., 9:].sum(-1)
    assert np.allclose(w[..., 0] / group, 0.5) and np.allclose(w[..., 10] / group, 0.2)
    assert np.ptp(group) > 0.05  # the group's total is the site, free across draws
    held = np.exp(np.asarray(x64(log_weights_of)({k: eta[k] for k in ("eta_first", "eta_steps")}, held_low, split,
                                                 np.log(0.1))))
    assert np.allclose(held.sum(-1), 1.0) and np.allclose(held[..., 0] + held[..., 9:].sum(-1), 0.1)


def test_reach_counts_each_checkpoints_own_samples():
    """A difficulty is informed by the samples a problem there has: a weak checkpoint with
    a million samples and a strong one with a hundred reach no further than their
    expected successes together (the table's largest count at the best loss would reach
    further)."""
    from t2jax.families.t2_irt.fit import reach

    L, n = np.array([0.5, 5.0]), np.array([[100.0, 100.0], [1e6, 1e6]])  # checkpoints x problems
    g = np.array([0.0, 5.0, 8.0, 11.0, 30.0])
    solvable, failable = reach(g, L, n, 1.0)
    expected = 100 / (1 + np.exp(g + 0.5)) + 1e6 / (1 + np.exp(g + 5.0))
    assert list(solvable) == list(expected > 1.0) == [True, True, True, False, False]
    assert 1e6 / (1 + np.exp(11.0 + 0.5)) > 1.0  # the looser rule would call g = 11 informed
    assert failable.all()
    one = reach(g, L, np.array([[100.0, 0.0], [0.0, 1e6]]), 1.0)[0]  # each problem seen by one checkpoint
    assert list(one) == list(np.maximum(100 / (1 + np.exp(g + 0.5)), 1e6 / (1 + np.exp(g + 5.0))) > 1.0)
