"""A result's method is one of its law's methods, so feeding it back to fit() refits
alike; its status says how the fit ended."""

import pytest

import t2jax


@pytest.fixture(scope="module")
def study():
    return t2jax.synthetic_t2(n_questions=64, n_samples=256, seed=1).samples


@pytest.mark.parametrize("law", ["t2-loss", "t2-beta", "beta-nd", "beta-loss"])
def test_method_round_trips(law, study):
    first = t2jax.fit(study, law)
    assert first.method in t2jax.get_law(law).methods
    again = t2jax.fit(study, first.law, first.method)
    assert again.params == pytest.approx(first.params, rel=1e-12)
    assert t2jax.FitResult.from_dict(first.to_dict()).status is first.status


def test_status_names_how_the_fit_ended():
    fit = t2jax.fit(t2jax.load_chinchilla(), "chinchilla", "approach3")
    assert fit.status is t2jax.FitStatus.CONVERGED and fit.to_dict()["status"] == "converged"
    with pytest.warns(t2jax.FitWarning):
        stuck = t2jax.FitResult("varpro", "chinchilla", fit.params, 0.0, 1, False, ("E",))
    assert stuck.status is t2jax.FitStatus.NOT_CONVERGED
    with pytest.warns(t2jax.FitWarning):
        edge = t2jax.FitResult("varpro", "chinchilla", fit.params, 0.0, 1, True, ("E",))
    assert edge.status is t2jax.FitStatus.AT_BOUND and edge.at_bound == ("E",)
    assert t2jax.family_of("chinchilla").objective
