"""Every prediction and allocation says how far it extrapolates, and warns past the
documented factors."""

import json
import warnings

import numpy as np
import pytest

import t2jax
from t2jax.fitting.extrapolation import WARN_FACTORS, ExtrapolationWarning, extrapolation


def test_factors_inside_and_outside_the_fitted_range():
    ranges = {"N": [1e8, 1e9], "D": [1e10, 1e11], "tokens_per_param": [10.0, 100.0]}
    inside = extrapolation(ranges, 5e8, 2e10)
    assert inside["factors"] == {"N": 1.0, "D": 1.0, "tokens_per_param": 1.0} and inside["flagged"] == []
    far = extrapolation(ranges, 1e7, 3e10)  # 10x below the smallest N, 30x beyond the largest D/N
    assert far["factors"]["N"] == pytest.approx(10.0) and far["factors"]["tokens_per_param"] == pytest.approx(30.0)
    assert far["flagged"] == ["tokens_per_param"]  # N at exactly 10x is not past the factor


def test_prediction_at_30x_the_fitted_tokens_per_param_is_flagged_and_warned():
    fit = t2jax.fit(t2jax.load_chinchilla())
    top = fit.extras["fitted_range"]["tokens_per_param"][1]
    N = 1e9
    D = 30 * top * N
    report = fit.extrapolation(N, D)
    assert report["factors"]["tokens_per_param"] == pytest.approx(30.0)
    assert "tokens_per_param" in report["flagged"] and WARN_FACTORS["tokens_per_param"] < 30
    with pytest.warns(ExtrapolationWarning, match=r"tokens_per_param 30x"):
        fit.predict(N, D)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtrapolationWarning)
        fit.predict(N, 20 * N)  # inside the fitted range: no warning


def test_fitted_range_survives_json_and_reaches_allocations():
    bed = t2jax.synthetic_t2(n_samples=256, n_questions=64, seed=0)
    fit = t2jax.fit(bed.samples, "t2-loss")
    again = t2jax.FitResult.from_dict(json.loads(json.dumps(fit.to_dict(), allow_nan=False)))
    assert again.extras["fitted_range"] == fit.extras["fitted_range"]
    assert set(fit.extras["fitted_range"]) == {"N", "D", "tokens_per_param", "k"}
    with pytest.warns(ExtrapolationWarning):
        best = t2jax.allocate(again, 1e24, 1e14)
    assert best.extrapolation["flagged"] and best.to_dict()["extrapolation"] == best.extrapolation
    assert np.isfinite(list(best.extrapolation["factors"].values())).all()


def test_library_warnings_point_at_the_users_call():
    fit = t2jax.fit(t2jax.load_chinchilla())
    with pytest.warns(ExtrapolationWarning) as record:
        fit.predict(1e9, 1e14)
    assert record[0].filename == __file__
    with pytest.warns(t2jax.FitWarning) as record:
        t2jax.FitResult("m", "chinchilla", fit.params, 0.0, 1, False)
    assert record[0].filename == __file__ and "did not converge — " in str(record[0].message)
