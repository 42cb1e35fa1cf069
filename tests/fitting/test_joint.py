"""The joint T² likelihood model: its parameterisation, a maximum-likelihood fit on
counts drawn from it, and constraints no fit can leave."""

import jax
import numpy as np
import pytest

import t2jax
from t2jax.families.t2_joint.laws import T2_JOINT, from_t2_beta
from t2jax.families.t2_beta.simulate import T2_TRUTH
from t2jax.families.t2_beta.laws import T2_BETA

TRUTH = from_t2_beta(T2_TRUTH)


def test_joint_form_has_the_same_accuracy_as_t2_beta():
    N, D, k = np.geomspace(1e7, 1e10, 5), np.geomspace(1e9, 1e13, 5), np.array([1.0, 4.0, 32.0, 256.0, 4096.0])
    with jax.enable_x64(True):
        np.testing.assert_allclose(np.asarray(T2_JOINT.accuracy(TRUTH, N, D, k)),
                                   np.asarray(T2_BETA.accuracy(T2_TRUTH, N, D, k)), rtol=1e-12)
        log_miss = np.asarray(T2_JOINT.log_miss_rate(TRUTH, N, D, k))
    assert np.all(np.isfinite(log_miss)) and np.all(log_miss < 0)


@pytest.fixture(scope="module")
def joint_fit():
    # the calibration benchmark's design; this seed has a checkpoint whose own Beta fit
    # degenerates (mean ~1, concentration ~1e52), which once broke the structural start
    bed = t2jax.synthetic_t2(n_samples=2048, n_questions=200, seed=19, shared_difficulty=False,
                             max_tokens_per_param=3000)
    return t2jax.fit(bed.samples, "t2-joint")


@pytest.mark.slow
def test_joint_mle_recovers_the_law_and_its_optimum(joint_fit):
    # 200 problems per checkpoint: parameters to sampling precision, the optimum closely
    assert joint_fit.converged and joint_fit.at_bound == ()
    for name in ("alpha", "beta", "theta3"):
        assert joint_fit.params[name] == pytest.approx(TRUTH[name], rel=0.05), name
    for name in ("E", "A", "B", "theta2"):
        assert joint_fit.params[name] == pytest.approx(TRUTH[name], rel=0.25), name
    best = t2jax.allocate(joint_fit, 2.56e19, 2e9)
    true = t2jax.allocate(t2jax.FitResult("truth", "t2-joint", TRUTH, 0.0, 1, True), 2.56e19, 2e9)
    assert best.N == pytest.approx(true.N, rel=0.05)
    assert best.accuracy == pytest.approx(true.accuracy, abs=0.01)


def test_joint_fit_stays_inside_its_constraints(joint_fit):
    p = joint_fit.params
    assert 0 < p["theta2"] <= 1 and p["A"] > 0 and p["B"] > 0 and p["alpha"] > 0 and p["beta"] > 0
    with jax.enable_x64(True):
        from t2jax.families.t2_joint.laws import joint_beta

        a, b = joint_beta(p, np.geomspace(1e5, 1e13, 50), np.geomspace(1e5, 1e15, 50))
    assert np.all(np.asarray(a) > 0) and np.all(np.asarray(b) > 0)
    # a fit JSON that breaks them is refused
    with pytest.raises(t2jax.T2JaxError, match="theta2"):
        t2jax.FitResult.from_dict(joint_fit.to_dict() | {"params": p | {"theta2": 1.2}})


def test_chain_rule_derivatives_equal_autodiff():
    from t2jax.families.t2_joint.fit import counts_arrays, joint_derivatives, joint_nll, to_unconstrained

    bed = t2jax.synthetic_t2(sizes=np.geomspace(2e7, 9e8, 4), n_samples=128, n_questions=30, seed=1,
                             shared_difficulty=False)
    with jax.enable_x64(True):
        *args, scale = (jax.numpy.asarray(a) for a in counts_arrays(bed.samples))
        u = jax.numpy.asarray(to_unconstrained(TRUTH, np.asarray(scale))) + 0.03
        f, g, H = jax.jit(joint_derivatives)(u, *args)
        np.testing.assert_allclose(f, jax.jit(joint_nll)(u, *args), rtol=1e-13)
        np.testing.assert_allclose(g, jax.jit(jax.grad(joint_nll))(u, *args), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(H, jax.jit(jax.hessian(joint_nll))(u, *args), rtol=1e-10, atol=1e-13)


def test_distinct_counts_give_the_same_likelihood_and_derivatives():
    """The flat list of distinct (checkpoint, n, c) triples rebuilds the table, its
    multiplicities sum the weights, resample weights summed through its index give the
    resample's likelihood, and a batch of tables pads to one width with no weight."""
    from t2jax.families.t2_joint.fit import counts_arrays, distinct_counts, joint_derivatives, to_unconstrained

    bed = t2jax.synthetic_t2(sizes=np.geomspace(2e7, 9e8, 4), n_samples=64, n_questions=40, seed=2,
                             shared_difficulty=False)
    logN, logD, n, c, w, scale = counts_arrays(bed.samples)
    d = distinct_counts(n, c, w)
    assert d.width < c.size and np.all(np.diff(d.beta) >= 0) and d.multiplicity[-1] == 0  # padded
    rows = np.indices(c.shape)[0]
    assert np.array_equal(d.c[d.index], c) and np.array_equal(d.n[d.index], n) and np.array_equal(d.beta[d.index], rows)
    np.testing.assert_allclose(d.multiplicity.sum(), w.sum())
    cw = np.random.default_rng(0).poisson(1.0, c.shape[1]).astype(float)
    resample = w * cw[None, :]
    flat_w = np.bincount(d.index.ravel(), weights=resample.ravel(), minlength=d.width)
    with jax.enable_x64(True):
        u = jax.numpy.asarray(to_unconstrained(TRUTH, scale)) + 0.03
        table = jax.jit(joint_derivatives)(u, logN, logD, n, c, resample)
        flat = jax.jit(joint_derivatives)(u, logN, logD, d.n, d.c, flat_w, d.beta)
        for got, want in zip(flat, table):
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-11, atol=1e-13)
    batch = distinct_counts(n, np.stack([c, np.zeros_like(c)]), w)
    assert batch.width == d.width and np.array_equal(batch.c[0], d.c) and batch.multiplicity[1].sum() == w.sum()
    with pytest.raises(t2jax.T2JaxError, match="width"):
        distinct_counts(n, c, w, width=3)


@pytest.fixture(scope="module")
def exact_study():
    """No sampling noise: every possible count of every checkpoint, weighted by its true
    probability. The likelihood's maximum is then the truth itself."""
    import numpyro.distributions as dist

    bed = t2jax.synthetic_t2(n_questions=1, max_tokens_per_param=3000)
    n = 64
    with jax.enable_x64(True):
        from t2jax.families.t2_joint.laws import joint_beta

        a, b = joint_beta(TRUTH, bed.N, bed.D)
        counts = np.arange(n + 1.0)
        pmf = np.exp(np.asarray(dist.BetaBinomial(a[:, None], b[:, None], n).log_prob(counts[None, :])))
    exact = t2jax.Samples(N=bed.N, D=bed.D, n=np.full(pmf.shape, float(n)), c=np.tile(counts, (bed.N.size, 1)),
                          checkpoints=np.array([f"c{i}" for i in range(bed.N.size)]), problems=np.arange(n + 1))
    return exact, pmf, bed


@pytest.mark.slow
def test_exact_study_recovers_the_truth(exact_study):
    exact, pmf, _ = exact_study
    fit = t2jax.fit(exact, "t2-joint", weights=pmf)
    assert fit.converged and fit.at_bound == ()
    for name, value in TRUTH.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-3), name
    truth = t2jax.FitResult("truth", "t2-joint", TRUTH, 0.0, 1, True)
    for budgets in ((2.56e19, 2e9), (1e21, 1e11)):
        best, true = t2jax.allocate(fit, *budgets), t2jax.allocate(truth, *budgets)
        assert best.N == pytest.approx(true.N, rel=0.01)
        assert best.miss_rate == pytest.approx(true.miss_rate, rel=0.05)
    with pytest.raises(t2jax.T2JaxError, match="weights must be"):
        t2jax.fit(exact, "t2-joint", weights=-pmf)


@pytest.mark.slow
def test_answer_nlls_anchor_the_loss_and_give_t2_approach_2(exact_study):
    """With the true mean answer NLL of a third of the checkpoints, the one-stage fit is
    T² Approach 2 itself: its loss in NLL units and theta0, theta1 are identified."""
    exact, pmf, bed = exact_study
    anchored = {f"c{i}": [bed.loss[i] - 1e-3, bed.loss[i] + 1e-3] for i in range(0, bed.N.size, 3)}
    fit = t2jax.fit(exact, "t2-joint", weights=pmf, answer_nll=anchored)
    assert fit.law == "t2-beta" and fit.method == "joint-mle" and fit.converged and fit.at_bound == ()
    for name, value in T2_TRUTH.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-3), name
    assert len(fit.extras["anchored_checkpoints"]) == len(anchored)
    with pytest.raises(t2jax.T2JaxError, match="not among the counts"):
        t2jax.fit(exact, "t2-joint", answer_nll={"no-such-checkpoint": [1.0, 2.0]})
    with pytest.raises(t2jax.T2JaxError, match="at least 2 checkpoints"):
        t2jax.fit(exact, "t2-joint", answer_nll={"c0": [1.0, 2.0]})


def test_answer_nll_inputs_are_checked():
    import pandas as pd

    from t2jax.families.t2_joint.anchored import answer_nll_means

    labels = np.array(["a", "b", "c"])
    with pytest.raises(t2jax.T2JaxError, match="needs columns 'checkpoint' and 'nll'; missing nll"):
        answer_nll_means(pd.DataFrame({"checkpoint": ["a"], "loss": [1.0]}), labels)
    with pytest.raises(t2jax.T2JaxError, match="checkpoint 'a' must be at least 2 finite values >= 0"):
        answer_nll_means({"a": [1.0, np.nan], "b": [1.0, 2.0]}, labels)
    with pytest.raises(t2jax.T2JaxError, match="checkpoint 'b' must be at least 2 finite values >= 0"):
        answer_nll_means({"a": [1.0, 2.0], "b": [-1.0, 2.0]}, labels)
    m, se, has = answer_nll_means(pd.DataFrame({"checkpoint": ["a", "a", "c", "c"], "nll": [1.0, 3.0, 2.0, 2.0]}), labels)
    assert has.tolist() == [True, False, True] and m[0] == 2.0 and m[2] == 2.0 and se[0] == pytest.approx(1.0)
