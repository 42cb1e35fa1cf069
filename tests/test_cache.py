"""The persistent compilation cache: opt-in for the library, on for the CLI, movable and switchable off."""

import jax

from t2jax.cache import default_cache_dir, enable_compilation_cache


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("T2JAX_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    for off in ("off", "0", "none", ""):
        monkeypatch.setenv("T2JAX_CACHE_DIR", off)
        assert default_cache_dir() is None and enable_compilation_cache() is None
    monkeypatch.delenv("T2JAX_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "t2jax" / "jax"


def test_importing_t2jax_leaves_jax_config_alone(tmp_path):
    import subprocess
    import sys

    code = "import jax, t2jax; print(jax.config.jax_compilation_cache_dir)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "None"


def test_enable_sets_the_folder(tmp_path):
    before = jax.config.jax_compilation_cache_dir
    try:
        assert enable_compilation_cache(tmp_path / "jax") == tmp_path / "jax"
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "jax")
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
