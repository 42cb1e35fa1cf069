"""The persistent compilation cache: on by default in the CLI (T2JAX_CACHE_DIR moves or disables it), opt-in
for library users; exercised in fresh processes only."""

import os
import sys

import jax
import pytest

from background import job, needs, run, succeeded

from t2jax.cache import cli_cache_enabled, default_cache_dir, enable_compilation_cache


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("T2JAX_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    for off in ("off", "0", "none", ""):
        monkeypatch.setenv("T2JAX_CACHE_DIR", off)
        assert default_cache_dir() is None and enable_compilation_cache() is None and not cli_cache_enabled()
    monkeypatch.delenv("T2JAX_CACHE_DIR")
    assert cli_cache_enabled()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "t2jax" / f"jax-{jax.__version__}"


def test_importing_t2jax_leaves_jax_config_alone(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import CACHE_ENV

    code = "import jax, t2jax; print(jax.config.jax_compilation_cache_dir)"
    env = {k: v for k, v in os.environ.items() if k not in CACHE_ENV}  # a user's plain environment
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    out = out.strip()
    assert out == "None"


RUNS = """
import sys, t2jax
frame = t2jax.synthetic_isoflop_runs({"E": 1.8, "A": 400.0, "B": 2000.0, "alpha": 0.34, "beta": 0.37}, noise=0.01)
open(sys.argv[1], "w").write("N,D,loss\\n" + "\\n".join(f"{n},{d},{l}" for n, d, l in zip(frame.N, frame.D, frame.loss)))
"""


@job(cost=10)
def cli_twice(folder):
    """The CLI run twice on one fresh cache folder: what each printed, and the folder."""
    path = folder / "runs.csv"
    made = run([sys.executable, "-c", RUNS, str(path)], timeout=300)  # no JAX in the test process's threads
    if made.returncode:
        return None, [made]
    env = dict(os.environ, T2JAX_CACHE_DIR=str(folder / "cache"))
    return folder / "cache", [run([sys.executable, "-m", "t2jax.cli", "fit", str(path), "--json"], env=env, timeout=300)
                              for _ in range(2)]


@pytest.mark.slow
@needs(cli_twice)
def test_cli_twice_with_a_fresh_cache():
    """The CLI writes its compiled programs to the cache and a second run reads them back."""
    cache, procs = cli_twice.result()
    for proc in procs:
        succeeded(proc)
    assert any(cache.iterdir())
    assert procs[0].stdout == procs[1].stdout
