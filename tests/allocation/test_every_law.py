"""`t2jax allocate` on a fit of every registered pass@k law answers, or exits 2 with one
line; never a traceback (a beta-nd fit has no loss surface, so no Chinchilla baseline)."""

import json

import pytest

import t2jax
from t2jax.cli import main


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory):
    """The path of a saved fit of each law to one study (each law fitted once for both tests)."""
    study, paths = t2jax.synthetic_t2(n_questions=64, n_samples=256, seed=1).samples, {}

    def path_of(law):
        if law not in paths:
            paths[law] = tmp_path_factory.mktemp("fits") / "fit.json"
            paths[law].write_text(json.dumps(t2jax.fit(study, law).to_dict()))
        return paths[law]

    return path_of


@pytest.mark.slow
@pytest.mark.parametrize("law", t2jax.law_names(accuracy=True))
def test_allocate_answers_for_every_pass_at_k_law(law, fit_file, capsys):
    code = main(["allocate", "--fit", str(fit_file(law)), "--train-flops", "2.56e19", "--inference-flops", "2e9", "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        assert len([line for line in err.splitlines() if line.startswith("t2jax: error")]) == 1, err
    else:
        answer = json.loads(out)
        assert answer["N"] > 0 and 0 <= answer["accuracy"] <= 1
        has_surface = set(t2jax.laws.SURFACE) <= set(t2jax.get_law(law).params)
        assert (answer["chinchilla_baseline"] is not None) == has_surface


@pytest.mark.slow
@pytest.mark.parametrize("law", t2jax.law_names(accuracy=True))
def test_target_allocation_answers_for_every_pass_at_k_law(law, fit_file, capsys):
    code = main(["allocate", "--fit", str(fit_file(law)), "--target-accuracy", "0.5", "--tokens-per-sample", "1000",
                 "--queries", "1e9", "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        assert len([line for line in err.splitlines() if line.startswith("t2jax: error")]) == 1, err
    else:
        assert json.loads(out)["answer"]["N"] > 0
