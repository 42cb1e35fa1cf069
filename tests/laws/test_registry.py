"""The one law type and the registry every stage reads."""

import jax.numpy as jnp
import numpy as np
import pytest

import t2jax
from t2jax import T2JaxError


def test_every_registered_law_is_one_type():
    assert set(t2jax.LAWS) == {"chinchilla", "t2-loss", "t2-beta", "t2-joint", "beta-nd", "beta-loss", "t2-irt"}
    for name, law in t2jax.LAWS.items():
        assert isinstance(law, t2jax.Law) and law.name == name
        assert law.methods and law.data in ("runs", "samples")
        assert (law.accuracy is not None) == (law.data == "samples")


def test_power_sum_structure():
    assert t2jax.CHINCHILLA.coefficients == ("E", "A", "B")
    assert t2jax.CHINCHILLA.exponents == ("alpha", "beta")
    assert t2jax.T2_LOSS.params == ("E", "A", "B", "G", "alpha", "beta", "gamma")
    assert t2jax.CHINCHILLA.constraint("alpha") == "positive" and t2jax.CHINCHILLA.constraint("E") == "nonnegative"
    with pytest.raises(T2JaxError, match="not an additive power law"):
        t2jax.T2_BETA.exponents


def test_names_are_derived_from_the_registry():
    assert t2jax.law_names(data="samples") == ("t2-loss", "t2-beta", "t2-joint", "beta-nd", "beta-loss", "t2-irt")
    assert t2jax.law_names(accuracy=False) == ("chinchilla",)
    with pytest.raises(T2JaxError, match="known laws: chinchilla, t2-loss"):
        t2jax.get_law("kaplan")
    assert t2jax.get_law(t2jax.CHINCHILLA) is t2jax.CHINCHILLA


def test_bad_law_definitions_are_refused():
    with pytest.raises(T2JaxError, match="bad constraint"):
        t2jax.Law("x", ("N",), ("a",), lambda p, N: N, constraints=(("a", "huge"),))
    with pytest.raises(T2JaxError, match="one exponent per covariate"):
        t2jax.power_sum_law("x", ("N", "D"), ("E", "A"), ("alpha",), lambda p, N, D: N)
    with pytest.raises(T2JaxError, match="coefficients then its exponents"):
        t2jax.Law("x", ("N",), ("a", "b"), lambda p, N: N, linear=t2jax.PowerSum(("E",), ("b",)))
    with pytest.raises(T2JaxError, match="takes a t2jax Law"):
        t2jax.register("kaplan")


def test_a_new_power_law_is_one_registered_object():
    """A Kaplan-style law in N only: registered once, fitted, bootstrapped and predicted."""
    kaplan = t2jax.power_sum_law("kaplan-n", ("N",), ("E", "A"), ("alpha",),
                                 lambda p, N: p["E"] + p["A"] * jnp.asarray(N) ** (-p["alpha"]),
                                 methods=("varpro", "approach3"))
    try:
        t2jax.register(kaplan)
        assert "kaplan-n" in t2jax.law_names(data="runs")
        truth = {"E": 1.8, "A": 400.0, "alpha": 0.33}
        N = np.geomspace(1e7, 1e10, 12)
        runs = t2jax.Runs(N, np.full(12, 1e11), truth["E"] + truth["A"] * N ** -truth["alpha"])
        fit = t2jax.fit(runs, "kaplan-n")
        for k, v in truth.items():
            assert fit.params[k] == pytest.approx(v, rel=1e-6)
        np.testing.assert_allclose(fit.predict(N), runs.loss, rtol=1e-9)
        boot = t2jax.bootstrap(runs, None, 8, law="kaplan-n", seed=0)
        assert list(boot.draws.columns[:3]) == ["E", "A", "alpha"] and boot.n_failed == 0
    finally:
        t2jax.LAWS.pop("kaplan-n", None)
