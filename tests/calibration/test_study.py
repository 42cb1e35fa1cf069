"""Batched simulated studies (t2jax.study): the batch equals the one-study-at-a-time path,
is reproducible, scores coverage correctly, refuses bad input, and gives the same result
split over two processes (jax.distributed on localhost) as in one."""

import json
import os
import socket
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

import t2jax
from background import job, needs, run, spawn, succeeded
from t2jax.calibration.score import binomial_band, coverage_table, normalised_rank, uniformity
from t2jax.families.t2_beta.simulate import t2_grid

SMALL = dict(problems=40, samples=256, budgets=((2.56e19, 2e9),))


def small_design():
    N, D = t2_grid(sizes=np.geomspace(2e7, 9e8, 4), budgets=np.geomspace(1e17, 2.56e19, 6), max_tokens_per_param=3000)
    return t2jax.Design(N, D, **SMALL)


@pytest.fixture(scope="module")
def small_study():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t2jax.study("t2-joint", design=small_design(), n_studies=3, n_resamples=6, seed=4, progress=False)


@pytest.mark.slow
def test_batched_fits_and_refits_equal_the_one_study_path(small_study):
    """Study 1's batched fit equals fit() of its counts, and its batched refits equal a
    t2-joint bootstrap of those counts with the same problem weights."""
    from t2jax.calibration.run import study_seed
    from t2jax.families.t2_joint.study import JointStudies

    design = small_design()
    kernel = JointStudies(design)
    rng = study_seed(4, 1, 0)
    counts = kernel.simulate(kernel.truth, rng)
    samples = t2jax.Samples(design.N, design.D, np.full_like(counts, design.samples), counts,
                            np.array([f"c{j}" for j in range(design.N.size)]), np.arange(design.problems))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        point = t2jax.fit(samples, law="t2-joint")
        boot = t2jax.bootstrap(samples, law="t2-joint", n_resamples=6, point=point,
                               seed=int(study_seed(4, 1, 1).integers(2**31)))
    truth_alloc = t2jax.allocate(t2jax.FitResult("truth", "t2-joint", kernel.truth, 0.0, 1, True), *design.budgets[0])
    rec = small_study.records
    row = rec[(rec.study == 1) & (rec.quantity == "N") & (rec.method == "percentile") & np.isclose(rec.level, 0.9)].iloc[0]
    # draws are allocated on a 512-point grid plus zoom, a fit on 4,096 points: ~1e-8 apart;
    # the fits and refits agree to Newton's tolerance on a flat valley (the public fit orders
    # its checkpoints its own way, so rounding differs)
    np.testing.assert_allclose(row["truth"], truth_alloc.N, rtol=1e-7)
    np.testing.assert_allclose(row["point"], t2jax.allocate(point, *design.budgets[0]).N, rtol=1e-5)
    draws = t2jax.allocation_draws(boot.usable_draws, "t2-joint", *design.budgets[0])["N"].to_numpy()
    np.testing.assert_allclose([row["lower"], row["upper"]], np.quantile(draws, [0.05, 0.95]), rtol=1e-5)
    assert small_study.per_study["failed_refits"].iloc[1] == boot.n_failed


@pytest.mark.slow
def test_same_seed_same_numbers_and_strict_json(small_study, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = t2jax.study("t2-joint", design=small_design(), n_studies=3, n_resamples=6, seed=4, progress=False)
    pd.testing.assert_frame_equal(again.records, small_study.records)
    text = small_study.to_json(tmp_path / "c.json")
    data = json.loads(text)  # strict JSON: json.dumps(allow_nan=False) would have refused NaN
    assert data["failures"]["studies"] == 3 and data["failures"]["refits"] == 18
    assert len(data["records"]) == 3 * 4 * 2 * len(t2jax.calibration.LEVELS)  # 2 interval methods
    cov = small_study.coverage
    assert set(cov["quantity"]) == {"N", "D", "k", "accuracy"} and (cov["studies"] == 3).all()
    fig = t2jax.plot.calibration(small_study)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 1 + 4 * 2  # diagonal + a line per quantity and method


def test_coverage_counts_and_bands():
    rows = [{"budget": 0, "C_train": 1.0, "C_inf": 1.0, "quantity": "N", "level": 0.9, "lower": 1.0, "upper": 2.0,
             "truth": t, "point": 1.5, "covered": 1.0 <= t <= 2.0, "width": 2.0, "point_error": 0.1}
            for t in (1.5, 1.2, 3.0, 0.5)]
    cov = coverage_table(pd.DataFrame(rows)).iloc[0]
    assert cov["covered"] == 2 and cov["studies"] == 4 and cov["coverage"] == 0.5 and cov["unscored"] == 0
    # a study with no usable draw (no interval) and one whose truth has no optimum are
    # counted as unscored, not as misses and not silently dropped
    rows += [rows[0] | {"lower": np.nan, "upper": np.nan, "covered": False},
             rows[0] | {"truth": np.nan, "covered": False}]
    cov = coverage_table(pd.DataFrame(rows)).iloc[0]
    assert cov["studies"] == 4 and cov["covered"] == 2 and cov["unscored"] == 2
    lo, hi = binomial_band(100, 0.9)
    assert 0.83 <= lo <= 0.85 and 0.95 <= hi <= 0.96  # Binomial(100, 0.9): 2.5% and 97.5% quantiles 84, 95
    assert normalised_rank(np.arange(10.0), 4.5) == 0.5 and normalised_rank(np.arange(10.0), 4.0) == 0.45


def test_bias_corrected_interval_moves_towards_the_point():
    """BC percentiles: a point at the draws' median gives the percentile interval; a point
    below most draws moves both ends down, by the normal-quantile rule."""
    from statistics import NormalDist

    from t2jax.calibration.score import interval

    draws = np.random.default_rng(1).normal(size=20001)
    np.testing.assert_allclose(interval(draws, 0.9, np.median(draws)), interval(draws, 0.9), atol=1e-3)
    lo, hi = interval(draws, 0.9, -0.5)  # the point's rank about 0.31: z0 about -0.5
    u = NormalDist()
    z0 = u.inv_cdf(np.mean(draws < -0.5))
    assert abs(z0 + 0.5) < 0.02
    want = np.quantile(draws, [u.cdf(2 * z0 - 1.6448536), u.cdf(2 * z0 + 1.6448536)])
    np.testing.assert_allclose([lo, hi], want, atol=1e-6)
    assert lo < interval(draws, 0.9)[0] and hi < interval(draws, 0.9)[1]
    assert np.isnan(interval(draws, 0.9, np.nan)[0]) and np.isnan(interval(np.zeros(0), 0.9, 1.0)[0])


def test_uniformity_accepts_uniform_ranks_and_flags_skewed_ones():
    rng = np.random.default_rng(0)
    u = uniformity(pd.DataFrame({"uniform": rng.uniform(size=200), "skewed": rng.uniform(size=200) ** 3}))
    assert u.set_index("quantity").loc["uniform", "p_value"] > 0.05
    assert u.set_index("quantity").loc["skewed", "p_value"] < 0.01


def test_bad_input_is_refused_clearly():
    with pytest.raises(t2jax.T2JaxError, match="no batched simulated studies"):
        t2jax.study("t2-beta", n_studies=2)
    with pytest.raises(t2jax.T2JaxError, match="truth lacks A, B, alpha"):
        t2jax.study("t2-joint", truth={"E": 1.0}, n_studies=2)
    with pytest.raises(t2jax.T2JaxError, match="levels"):
        t2jax.study("t2-joint", levels=(0.9, 1.5), n_studies=2)
    with pytest.raises(t2jax.T2JaxError, match=r"design D\[2\]"):
        t2jax.Design(np.ones(5), np.array([1.0, 2.0, -3.0, 4.0, 5.0]))
    with pytest.raises(t2jax.T2JaxError, match="n_resamples"):
        t2jax.study("t2-joint", n_studies=2, n_resamples=1)
    with pytest.raises(t2jax.T2JaxError, match="n_studies"):
        t2jax.study("t2-joint", n_studies=0)
    with pytest.raises(t2jax.T2JaxError, match="problems"):
        t2jax.Design(np.ones(5), np.ones(5), problems=1)
    with pytest.raises(t2jax.T2JaxError, match="at least 4 checkpoints"):
        t2jax.Design(np.ones(3), np.ones(3))
    for budgets in ((), ((1e20, -1.0),), ((1e20, np.inf),)):
        with pytest.raises(t2jax.T2JaxError, match="budgets must be positive"):
            t2jax.Design(np.ones(5), np.ones(5), budgets=budgets)


@pytest.mark.slow
def test_a_study_without_usable_draws_is_counted(small_study):
    """Failures count studies whose refits all failed and the cells they leave unscored."""
    import dataclasses

    per_study = small_study.per_study.assign(failed_refits=[0, small_study.n_resamples, 0])
    records = small_study.records.copy()
    records.loc[records.study == 1, ["lower", "upper"]] = np.nan
    broken = dataclasses.replace(small_study, per_study=per_study, records=records)
    f = broken.failures
    assert f["studies_without_draws"] == 1 and f["cells_unscored"] == 4 * 2 * len(small_study.levels)
    assert (broken.coverage["studies"] == 2).all() and "1 studies without a usable draw" in broken.summary()
    assert small_study.failures["cells_unscored"] == 0


WORKER = textwrap.dedent(
    """
    import sys, warnings
    import jax
    if len(sys.argv) > 3:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator_address=sys.argv[3], num_processes=2, process_id=int(sys.argv[2]))
    import numpy as np, t2jax
    from test_study import small_design
    warnings.simplefilter("ignore")
    result = t2jax.study("t2-joint", design=small_design(), n_studies=5, n_resamples=4, seed=9, progress=False)
    assert result.processes == jax.process_count()
    if jax.process_index() == 0:
        result.records.to_pickle(sys.argv[1])
    """
)


@job(cost=40, warm=True)
def two_processes(folder):
    """The worker in two processes joined over gloo, then in one (after: two cores)."""
    here = os.path.dirname(__file__)
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    path = [here, os.path.dirname(here), os.environ.get("PYTHONPATH", "")]  # test_study imports tests/background
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    env.pop("XLA_FLAGS", None)
    two = [spawn([sys.executable, "-c", WORKER, str(folder / "two.pkl"), str(i), f"localhost:{port}"], env=env)
           for i in range(2)]
    outs = [p.communicate(timeout=600) for p in two]
    one = run([sys.executable, "-c", WORKER, str(folder / "one.pkl")], env=env, timeout=600)
    return folder, one, [(p.returncode, err) for p, (_, err) in zip(two, outs)]


@pytest.mark.slow
@needs(two_processes)
def test_two_processes_equal_one():
    """Five studies split 3 + 2 over two processes (CPU collectives over gloo) give the
    same records, number for number, as one process."""
    folder, one, two = two_processes.result()
    succeeded(one)
    assert all(code == 0 for code, _ in two), [err[-2000:] for _, err in two]
    pd.testing.assert_frame_equal(pd.read_pickle(folder / "two.pkl"), pd.read_pickle(folder / "one.pkl"),
                                  check_exact=True)


def test_calibrate_command_refuses_a_half_given_process_group(capsys):
    from t2jax.cli import main

    assert main(["calibrate", "--coordinator", "localhost:1", "--num-processes", "2"]) == 2
    assert "--process-id in [0, N)" in capsys.readouterr().err
    assert main(["calibrate", "--process-id", "1"]) == 2
    assert "go with --coordinator" in capsys.readouterr().err


@pytest.mark.slow
def test_truths_drawn_per_study_are_scored_against_their_own_optimum():
    """A prior (a callable) gives each study its own truth, drawn from (seed, study): the
    truths table differs by study, and each study's true N* is its own truth's optimum."""
    from t2jax.families.t2_joint.study import JointStudies

    base = JointStudies.truth
    prior = lambda rng: base | {"alpha": base["alpha"] * np.exp(0.1 * rng.standard_normal())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = t2jax.study("t2-joint", prior, small_design(), n_studies=2, n_resamples=2, seed=1, progress=False)
    assert out.truths["alpha"].nunique() == 2
    rec = out.records[(out.records.quantity == "N") & np.isclose(out.records.level, 0.5)]
    for s in range(2):
        own = t2jax.allocate(t2jax.FitResult("truth", "t2-joint", out.truths.iloc[s].to_dict(), 0.0, 1, True),
                             *SMALL["budgets"][0])
        np.testing.assert_allclose(rec[rec.study == s]["truth"].iloc[0], own.N, rtol=1e-7)


class LogitNormalTruth:
    """Outside every Beta law's family: each problem keeps a logit-normal difficulty at
    every checkpoint; ability from a Chinchilla loss (the benchmarks' shared truths)."""

    name = "logit-normal"

    def __init__(self):
        from statistics import NormalDist

        self.nodes = 0.5 + 1.5 * np.array([NormalDist().inv_cdf((i + 0.5) / 400) for i in range(400)])

    def ability(self, N, D):
        return 2.0 * (3.5 - (1.8 + 400.0 * np.asarray(N) ** -0.34 + 1300.0 * np.asarray(D) ** -0.28))

    def simulate(self, design, rng):
        d = rng.normal(0.5, 1.5, design.problems)
        p = 1.0 / (1.0 + np.exp(d[None, :] - self.ability(design.N, design.D)[:, None]))
        return rng.binomial(design.samples, p)

    def allocation(self, ct, ci):
        N = np.geomspace(1e5, ci / 2.0, 4000)
        z = self.ability(N, ct / (6.0 * N))[:, None]
        per = (ci / (2.0 * N))[:, None] * -np.logaddexp(0.0, z - self.nodes[None, :])  # k log(1 - p)
        top = per.max(1, keepdims=True)
        log_miss = (top + np.log(np.mean(np.exp(per - top), 1, keepdims=True)))[:, 0]
        i = int(np.argmin(log_miss))
        return {"N": N[i], "D": ct / (6.0 * N[i]), "k": ci / (2.0 * N[i]), "accuracy": -np.expm1(log_miss[i])}


@pytest.mark.slow
def test_a_truth_outside_the_family_is_scored_against_its_own_optimum():
    truth = LogitNormalTruth()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = t2jax.study("t2-joint", truth=truth, design=small_design(), n_studies=2, n_resamples=4, seed=3,
                             progress=False)
    best = truth.allocation(*small_design().budgets[0])
    rec = result.records
    for q in ("N", "D", "k", "accuracy"):
        np.testing.assert_allclose(rec.loc[rec.quantity == q, "truth"], best[q], rtol=1e-12)
    assert list(result.truths["truth"]) == ["logit-normal"] * 2
    assert set(result.ranks.columns) == {"study", "N*[0]", "accuracy*[0]"}  # no law parameters to rank
    cov = result.coverage
    assert ((cov["studies"] + cov["unscored"]) == 2).all()


@pytest.mark.slow
def test_an_outside_truth_is_checked():
    class NoAllocation:
        def simulate(self, design, rng):
            return np.zeros((design.checkpoints, design.problems))

    with pytest.raises(t2jax.T2JaxError, match="'allocation' method"):
        t2jax.study("t2-joint", truth=NoAllocation(), design=small_design(), n_studies=1, n_resamples=2)

    class Wrong(LogitNormalTruth):
        def __init__(self, counts):
            super().__init__()
            self.counts = counts

        def simulate(self, design, rng):
            return self.counts(design)

    design = small_design()
    with pytest.raises(t2jax.T2JaxError, match=r"shape \(3, 40\)"):
        t2jax.study("t2-joint", truth=Wrong(lambda d: np.zeros((3, 40))), design=design, n_studies=1, n_resamples=2)
    class NoAccuracy(LogitNormalTruth):
        def allocation(self, ct, ci):
            return {k: v for k, v in super().allocation(ct, ci).items() if k != "accuracy"}

    with pytest.raises(t2jax.T2JaxError, match=r"allocation\(\) lacks accuracy"):
        t2jax.study("t2-joint", truth=NoAccuracy(), design=design, n_studies=1, n_resamples=2, progress=False)
    over = lambda d: np.where(np.arange(d.problems) == 7, d.samples + 1, 0) * np.ones((d.checkpoints, 1))
    with pytest.raises(t2jax.T2JaxError, match="checkpoint 0, problem 7"):
        t2jax.study("t2-joint", truth=Wrong(over), design=design, n_studies=1, n_resamples=2)
