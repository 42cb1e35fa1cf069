"""JAX's persistent compilation cache, so a second run skips compilation.

The command line uses it by default, in :func:`default_cache_dir` (one folder per user
and JAX version; ``T2JAX_CACHE_DIR`` moves it, ``T2JAX_CACHE_DIR=off`` — or ``0``,
``none`` — disables it). Library users opt in with :func:`enable_compilation_cache`:
it sets JAX's global configuration, so importing t2jax never does it behind their back.
The same folder keeps t2jax's traced programs (:mod:`t2jax.programs`), so a second
run skips tracing as well as compilation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from t2jax.programs import set_store

ENV = "T2JAX_CACHE_DIR"
OFF = ("", "0", "off", "none", "false")


def default_cache_dir() -> Optional[Path]:
    """``$T2JAX_CACHE_DIR``, else ``$XDG_CACHE_HOME/t2jax/jax-VERSION`` (``~/.cache/...``); None when disabled."""
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in OFF else Path(value).expanduser()
    import jax

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "t2jax" / f"jax-{jax.__version__}"  # one folder per JAX version


def cli_cache_enabled() -> bool:
    """Whether the command line caches compiled programs: yes unless ``T2JAX_CACHE_DIR`` disables it."""
    value = os.environ.get(ENV)
    return value is None or value.strip().lower() not in OFF


def enable_compilation_cache(path=None) -> Optional[Path]:
    """Cache every compiled program (of any size and compile time) under ``path``
    (default :func:`default_cache_dir`); returns the folder, or None when disabled or
    the folder cannot be created."""
    import jax

    folder = Path(path).expanduser() if path is not None else default_cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", os.fspath(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    set_store(folder / "programs")  # traced programs too: a second run skips tracing
    return folder
