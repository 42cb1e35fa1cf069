"""Target-quality allocation: Sardana et al.'s published example, brute force on a known
T² law (targets up to 0.999999), infeasible targets, and draws."""

import jax
import numpy as np
import pandas as pd
import pytest

from t2jax import T2JaxError, target_accuracy_allocation, target_loss_allocation
from t2jax.fitting.result import FitResult
from t2jax.laws.registry import get_law
from t2jax.families.t2_beta.simulate import T2_TRUTH

HOFFMANN = {"A": 406.4, "B": 410.7, "E": 1.69, "alpha": 0.336, "beta": 0.283}
TOKENS, QUERIES = 1000.0, 1e9


def test_sardana_example_to_four_significant_figures():
    # Sardana et al. 2024: target loss 1.947, 2e12 lifetime inference tokens.
    r = target_loss_allocation(HOFFMANN, 1.947, 2e12)
    assert f"{r.answer['N']:.4g}" == "2.418e+10"
    assert f"{r.answer['D']:.4g}" == "2.657e+12"
    ratios = r.ratios["chinchilla_style"]
    assert f"{100 * ratios['N']:.2f}" == "70.96"
    assert f"{100 * ratios['D']:.2f}" == "146.77"
    assert f"{100 * ratios['total_flops']:.2f}" == "95.22"
    law = get_law("chinchilla")
    with jax.enable_x64(True):
        for row in (r.answer, r.comparisons["chinchilla_style"]):
            assert float(law.loss(HOFFMANN, row["N"], row["D"])) == pytest.approx(1.947, abs=1e-12)
    assert r.answer["total_flops"] == pytest.approx(6 * r.answer["N"] * r.answer["D"] + 2 * r.answer["N"] * 2e12)


def test_without_inference_the_answer_is_the_chinchilla_style_model():
    r = target_loss_allocation(HOFFMANN, 2.1, 0)
    assert r.ratios["chinchilla_style"]["total_flops"] == pytest.approx(1.0, abs=1e-9)


def brute_force(params, target, integer_k, TQ=TOKENS * QUERIES):
    """Least 6ND + 2NkTQ on a dense (N, k) grid; the least D reaching the target found by
    bisection on the loss L (log miss rate decreases as L falls), then D from L in closed form."""
    law = get_law("t2-beta")
    N = np.geomspace(1e7, 1e10, 500)[:, None]
    k = np.arange(1.0, 150.0)[None, :] if integer_k else np.geomspace(1, 150, 500)[None, :]
    p = dict(params)
    E, A, B, al, be = (p[n] for n in ("E", "A", "B", "alpha", "beta"))
    floor = E + A * N**-al  # the loss as D -> infinity
    lo, hi = np.broadcast_to(floor, (N.size, k.size)).copy(), np.full((N.size, k.size), 20.0)
    with jax.enable_x64(True):
        def log_miss_at_loss(L):  # the law at the D giving loss L
            D = (B / np.maximum(L - floor, 1e-300)) ** (1 / be)
            return np.asarray(law.log_miss_rate(p, N, D, k))

        for _ in range(60):
            mid = 0.5 * (lo + hi)
            ok = log_miss_at_loss(mid) <= np.log1p(-target)
            lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    reached = lo > floor
    D = (B / np.where(reached, lo - floor, 1.0)) ** (1 / be)
    cost = np.where(reached, 6 * N * D + 2 * N * k * TQ, np.inf)
    i = np.unravel_index(np.argmin(cost), cost.shape)
    return cost[i], N[i[0], 0], k[0, i[1]]


@pytest.mark.parametrize("target", [0.6, 0.99, 0.999999])
@pytest.mark.parametrize("integer_k", [False, True])
def test_pass_at_k_target_matches_brute_force(target, integer_k):
    r = target_accuracy_allocation(T2_TRUTH, target, TOKENS, QUERIES, law="t2-beta", integer_k=integer_k)
    cost, N, k = brute_force(T2_TRUTH, target, integer_k)
    a = r.answer
    assert a["total_flops"] <= cost * (1 + 1e-6)
    assert a["total_flops"] == pytest.approx(cost, rel=1e-4)
    assert a["N"] == pytest.approx(N, rel=0.03)
    if integer_k:
        assert a["k"] == np.round(a["k"]) and abs(a["k"] - k) <= 1
    else:
        assert a["k"] == pytest.approx(k, rel=0.03)
    law = get_law("t2-beta")
    with jax.enable_x64(True):
        log_miss = float(law.log_miss_rate(T2_TRUTH, a["N"], a["D"], a["k"]))
    assert log_miss <= np.log1p(-target) + 1e-12  # the answer reaches the target
    assert log_miss == pytest.approx(np.log1p(-target), abs=1e-8)  # with the least D


def test_repeated_sampling_beats_k1_and_k1_can_be_out_of_reach():
    easy = target_accuracy_allocation(T2_TRUTH, 0.6, TOKENS, QUERIES, law="t2-beta")
    assert easy.ratios["k1"]["total_flops"] < 1 and easy.answer["k"] > 1
    hard = target_accuracy_allocation(T2_TRUTH, 0.9, TOKENS, QUERIES, law="t2-beta")
    assert hard.comparisons["k1"]["reachable"] is False
    assert hard.comparisons["k1"]["best_pass_at_1"] < 0.8  # theta2 = 0.8 caps the mean


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: target_loss_allocation(HOFFMANN, 1.6, 1e12), r"out of reach .* floor E = 1\.69"),
        (lambda: target_loss_allocation(HOFFMANN, -1.0, 1e12), "target loss must lie in"),
        (lambda: target_accuracy_allocation(T2_TRUTH, 0.99, TOKENS, QUERIES, law="t2-beta", max_k=2),
         r"out of reach .* highest pass@k .* k <= 2 is 0\.9"),
        (lambda: target_accuracy_allocation(T2_TRUTH, 1.0, TOKENS, QUERIES, law="t2-beta"), "must lie in"),
        (lambda: target_accuracy_allocation(HOFFMANN, 0.5, TOKENS, QUERIES), "has no pass@k"),
        (lambda: target_loss_allocation(T2_TRUTH, 2.0, 1e12, law="t2-beta"), "models pass@k"),
        (lambda: target_loss_allocation({"E": 1.7}, 2.0, 1e12), "needs parameters A, B, alpha, beta"),
        (lambda: target_loss_allocation(HOFFMANN | {"E": float("nan")}, 2.0, 1e12), "E are not finite"),
        (lambda: target_loss_allocation(HOFFMANN, 2.0, 1e12, draws=pd.DataFrame({"E": [1.7]})),
         "lack parameters"),
    ],
)
def test_infeasible_and_bad_targets(call, message):
    with pytest.raises(T2JaxError, match=message):
        call()


def test_t2_loss_reachable_limit_is_exp_minus_E():
    params = {"E": 0.2, "A": 80.0, "B": 300.0, "G": 2.0, "alpha": 0.3, "beta": 0.25, "gamma": 0.5}
    with pytest.raises(T2JaxError, match=r"highest pass@k .* is 0\.81[0-8]"):
        target_accuracy_allocation(params, 0.85, TOKENS, QUERIES, law="t2-loss")
    r = target_accuracy_allocation(params, 0.5, TOKENS, QUERIES, law="t2-loss")
    assert r.answer["total_flops"] > 0


def test_draws_give_intervals_and_the_chance_of_reaching_the_target():
    rng = np.random.default_rng(0)
    draws = pd.DataFrame({k: v * (1 + 0.02 * rng.standard_normal(40)) for k, v in HOFFMANN.items()})
    draws.loc[0, "E"] = 1.96  # a draw whose floor is above the target
    r = target_loss_allocation(HOFFMANN, 1.947, 2e12, draws=draws, level=0.9)
    block = r.uncertainty["draws"]
    assert block["n_draws"] == 40 and block["n_unreachable"] >= 1
    assert 0.0 < block["p_reaches_target"] < 1.0
    N = block["intervals"]["N"]
    assert N["lower"] < r.answer["N"] < N["upper"]
    one = target_loss_allocation(draws.iloc[5].to_dict(), 1.947, 2e12)
    law = get_law("chinchilla")
    with jax.enable_x64(True):
        reach = np.array([float(law.loss(row, r.answer["N"], r.answer["D"])) <= 1.947 + 1e-12
                          for row in draws.to_dict("records")])
    assert block["p_reaches_target"] == pytest.approx(reach.mean())
    # The same draw solved alone: the per-draw solve is the point solve.
    alone = target_loss_allocation(HOFFMANN, 1.947, 2e12, draws=draws.iloc[[5]])
    assert alone.uncertainty["draws"]["intervals"]["N"]["median"] == pytest.approx(one.answer["N"], rel=1e-6)


def test_fit_draws_are_used_and_identical_draws_reach_the_target():
    draws = pd.DataFrame([T2_TRUTH] * 3)
    fit = FitResult("truth", "t2-beta", T2_TRUTH, 0.0, 1, True, extras={"bootstrap": {"draws": draws.to_dict("list")}})
    r = target_accuracy_allocation(fit, 0.99, TOKENS, QUERIES)
    block = r.uncertainty["bootstrap"]
    assert block["p_reaches_target"] == 1.0 and block["n_unreachable"] == 0
    assert block["intervals"]["N"]["median"] == pytest.approx(r.answer["N"], rel=0.01)


def _truths():
    from t2jax.families.t2_irt.study import IrtStudies
    from t2jax.families.t2_joint.laws import from_t2_beta

    loss_links = {"a0": -1.0, "a1": -0.5, "b0": -2.0, "b1": 1.5}
    return {"t2-beta": T2_TRUTH, "t2-joint": from_t2_beta(T2_TRUTH), "t2-irt": IrtStudies.truth,
            "beta-loss": {k: T2_TRUTH[k] for k in ("E", "A", "B", "alpha", "beta")} | loss_links}


@pytest.mark.parametrize("name", ["t2-beta", "t2-joint", "t2-irt", "beta-loss"])
def test_loss_log_miss_is_the_log_miss_rate_at_the_laws_loss(name):
    """A law whose pass@k acts through its loss surface: its log miss rate is
    ``loss_log_miss`` at that loss."""
    from t2jax.laws.chinchilla import chinchilla_loss

    law, params = get_law(name), _truths()[name]
    rng = np.random.default_rng(0)
    N, D, k = 10 ** rng.uniform(7, 11, 40), 10 ** rng.uniform(9, 13, 40), 10 ** rng.uniform(0, 4, 40)
    with jax.enable_x64(True):
        np.testing.assert_allclose(law.loss_log_miss(params, chinchilla_loss(params, N, D), k),
                                   law.log_miss_rate(params, N, D, k), rtol=1e-12)


def test_one_root_per_k_through_the_loss_equals_one_root_per_point():
    """Target allocation solving one root per k (then D in closed form) gives the
    allocation of the one-root-per-(N, k) search, with and without repeated sampling."""
    import dataclasses

    from t2jax.allocation.target import target_optimum

    law = get_law("t2-beta")
    generic = dataclasses.replace(law, name="t2-beta-generic", loss_log_miss=None)
    with jax.enable_x64(True):
        for target, with_k in ((0.5, True), (0.3, False)):
            a, b = (np.array(target_optimum(T2_TRUTH, spec, target, TOKENS * QUERIES, 1e4, with_k, False, 32))
                    for spec in (law, generic))
            assert np.isfinite(a).all()
            np.testing.assert_allclose(a, b, rtol=1e-6)
