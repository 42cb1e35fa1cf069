"""Traced programs kept between runs, so a second run skips tracing as well as compiling.

JAX's persistent compilation cache (:mod:`t2jax.cache`) skips XLA's compilation, but
every new process still traces and lowers each program again. For the fitting
programs (exact NNLS over every support, Newton with exact Hessians, vmapped over
starts) that is most of a cold start. :func:`program` is :func:`jax.jit` plus a store
of exported programs (:mod:`jax.export`): the first process that runs a program on
given shapes serialises it, later processes deserialise it instead of tracing it.

A stored program is keyed by the function, its static arguments, the shapes and
dtypes of its array arguments, the JAX version, the backend and a digest of t2jax's
own source, so editing t2jax or upgrading JAX never runs a stale program. The store
lives in the compilation-cache folder and is used only while that cache is on (the
command line by default; library users through
:func:`~t2jax.cache.enable_compilation_cache`), and only for calls with concrete
arrays: inside another trace a program is an ordinary jitted function. A program
that cannot be exported or read back runs as an ordinary jitted function, and is
listed in :data:`UNSTORED` with the reason.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
from pathlib import Path
from typing import Callable, Optional

import jax
import jax.numpy as jnp
from jax import export

SUFFIX = ".jaxprog"
_store: dict = {"folder": None}
#: ``{qualified name: reason}`` for programs that ran without the store.
UNSTORED: dict = {}


def set_store(folder) -> Optional[Path]:
    """Keep exported programs under ``folder`` (None: stop storing); returns the folder."""
    folder = None if folder is None else Path(folder)
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = None
    _store["folder"] = folder
    return folder


def store_folder() -> Optional[Path]:
    return _store["folder"]


@functools.cache
def source_digest() -> str:
    """A digest of every t2jax source file: a stored program is valid only for this code."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _static_key(value) -> Optional[str]:
    """A stable text for a static argument, or None when it has none (e.g. a function)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, tuple):
        parts = [_static_key(v) for v in value]
        return None if None in parts else "(" + ",".join(parts) + ")"
    return None


def _key(fn, static: dict, treedef, leaves) -> Optional[str]:
    statics = [(k, _static_key(v)) for k, v in sorted(static.items())]
    if any(v is None for _, v in statics):
        return None
    avals = [(tuple(x.shape), str(x.dtype), bool(getattr(x, "weak_type", False))) for x in leaves]
    parts = (fn.__module__, fn.__qualname__, repr(statics), str(treedef), repr(avals), jax.__version__,
             jax.default_backend(), str(jax.config.jax_enable_x64), source_digest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _read(path: Path):
    try:
        return export.deserialize(bytearray(path.read_bytes()))
    except Exception:  # a truncated or foreign file: export afresh
        return None


def _write(path: Path, exported) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(exported.serialize())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def program(fn: Optional[Callable] = None, *, static_argnames=(), storable: Optional[Callable] = None):
    """``jax.jit(fn, static_argnames=...)`` whose traced program is stored between runs.

    ``storable(**static_args)`` may return False to keep a call out of the store (for
    example a law registered outside t2jax, whose code the source digest does not cover).
    """
    if fn is None:
        return functools.partial(program, static_argnames=static_argnames, storable=storable)
    static_argnames = tuple(static_argnames)
    jitted = jax.jit(fn, static_argnames=static_argnames)
    signature = inspect.signature(fn)
    loaded: dict = {}
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        folder = _store["folder"]
        if folder is None:
            return jitted(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        static = {k: v for k, v in bound.arguments.items() if k in static_argnames}
        names = [k for k in bound.arguments if k not in static_argnames]
        leaves, treedef = jax.tree_util.tree_flatten(tuple(bound.arguments[k] for k in names))
        if any(isinstance(x, jax.core.Tracer) for x in leaves) or (storable is not None and not storable(**static)):
            return jitted(*args, **kwargs)
        leaves = [jnp.asarray(x) for x in leaves]
        key = _key(fn, static, treedef, leaves)
        if key is None:
            UNSTORED[name] = "a static argument has no stable key"
            return jitted(*args, **kwargs)
        call = loaded.get(key)
        if call is None:
            path = folder / f"{fn.__qualname__}-{key}{SUFFIX}"
            exported = _read(path) if path.exists() else None
            if exported is None:
                def dynamic(*values):
                    return fn(**dict(zip(names, values)), **static)

                try:
                    exported = export.export(jax.jit(dynamic))(*jax.tree_util.tree_unflatten(treedef, leaves))
                    _write(path, exported)
                except Exception as err:  # export refused an operation or an output type
                    UNSTORED[name] = f"{type(err).__name__}: {err}"[:300]
                    return jitted(*args, **kwargs)
            call = loaded[key] = jax.jit(exported.call)
        return call(*jax.tree_util.tree_unflatten(treedef, leaves))

    return wrapper


def bucket(size: int, minimum: int = 16) -> int:
    """``size`` rounded up to a sixteenth of its power of two, and to at least ``minimum``:
    arrays padded to it give inputs of similar size one compiled program between them
    (at most ~6% padding past ``minimum``)."""
    size = max(int(size), int(minimum), 1)
    step = 2 ** max(size.bit_length() - 5, 0)
    return -(-size // step) * step
