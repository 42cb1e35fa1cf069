r"""The one batched refit driver every family's bootstrap runs through.

A batch of :math:`R` refits is a set of rows (weights of a resample, its start) and a
refit program that maps one row to its optimum. The driver maps it over rows in
fixed-size chunks (bounded memory; the same array program whatever :math:`R`), spreads
chunks across devices with ``shard_map``, shows progress on long batches, and re-runs
only the rows a cheap first pass left uncertified: :func:`staged_newton` for families
refined by Newton from given starts (T² Approach 2's stage 2, the joint model), and
:func:`staged_refits` for the power-sum refit kernels
(:class:`~t2jax.families.power_sum.kernels.RefitKernel`, which find their own starts).
Chunk sizes follow one policy per backend (:data:`CHUNKS`).
"""

from __future__ import annotations

import functools
import time

import jax
import jax.numpy as jnp
import numpy as np

from t2jax.progress import blocks as progress_blocks
from t2jax.progress import enabled

#: Rows per vectorised chunk, by backend and kind of pass:
#:
#: * ``retry``: re-running the rows a first pass left uncertified (and T² Approach 2's
#:   stage 2): small on CPU (a slow row holds up only its own chunk; results bitwise
#:   independent of blocking), large on accelerators (the stragglers of a 100,000-row
#:   bootstrap run as a few wide batches);
#: * ``heavy``: rows that each touch every count (the joint model): one on CPU (each refit
#:   already vectorises over the counts), wider on accelerators.
#:
#: The power-sum first pass takes the caller's ``chunk`` (default 128) on every backend.
CHUNKS = {"cpu": {"retry": 8, "heavy": 1}, "accelerator": {"retry": 2048, "heavy": 64}}


def chunk_for(kind: str, size: int) -> int:
    """Chunk for ``size`` rows of a ``kind`` pass (see :data:`CHUNKS`) on the default backend;
    on accelerators never wider than the rows."""
    backend = jax.default_backend()
    if backend in CHUNKS:
        return CHUNKS[backend][kind]
    return max(1, min(size, CHUNKS["accelerator"][kind]))


def retry_chunk(size: int) -> int:
    """Chunk for re-running ``size`` rows (:data:`CHUNKS` ``retry``)."""
    return chunk_for("retry", size)


def map_rows(fn, arrays, chunk: int, mesh=None):
    """``vmap(fn)`` over the rows of ``arrays``, ``chunk`` rows at a time.

    Rows are padded to whole chunks (repeating the last row), so every chunk is the
    same array program whatever the number of rows or devices: memory stays bounded
    by one chunk, and results do not depend on how chunks are spread. With a
    ``mesh`` (one axis, ``"batch"``), chunks are split across its devices with
    ``shard_map``; each device maps over its own chunks.
    """
    R = arrays[0].shape[0]
    per = chunk * (mesh.size if mesh is not None else 1)
    pad = (-R) % per
    padded = [jnp.concatenate([a, jnp.repeat(a[-1:], pad, axis=0)]) if pad else a for a in arrays]
    blocks = [a.reshape((-1, chunk) + a.shape[1:]) for a in padded]
    run = lambda *b: jax.lax.map(lambda xs: jax.vmap(fn)(*xs), b)
    if mesh is not None:
        from jax.sharding import PartitionSpec as P

        run = jax.shard_map(run, mesh=mesh, in_specs=P("batch"), out_specs=P("batch"), check_vma=False)
    out = run(*blocks)
    return jax.tree_util.tree_map(lambda a: a.reshape((-1,) + a.shape[2:])[:R], out)


def batch_mesh(devices=None):
    """A one-axis mesh over ``devices`` (default: this process's devices: under
    ``jax.distributed`` each process maps its own rows), or None for a single device."""
    devices = jax.local_devices() if devices is None else list(devices)
    if len(devices) < 2:
        return None
    return jax.sharding.Mesh(np.array(devices), ("batch",))


@functools.partial(jax.jit, static_argnames=("kernel", "n_starts", "chunk", "mesh"))
def starts_batch(kernel, data, W, n_starts: int, chunk: int, mesh=None):
    """The kernel's starts for every row of ``W``, ``chunk`` rows at a time."""
    return map_rows(lambda w: kernel.starts(data, w, n_starts), (W,), chunk, mesh)


@functools.partial(jax.jit, static_argnames=("kernel", "max_iter", "all_starts", "chunk", "mesh"))
def refine_batch(kernel, data, W, starts, valid, max_iter: int, all_starts: bool, chunk: int = 128, mesh=None):
    """Refine every row: from its best start only, or from all its valid starts."""
    if not all_starts:
        valid = valid & (jnp.arange(valid.shape[1]) == 0)
    one = kernel.refine_all if all_starts else kernel.refine_best
    return map_rows(lambda w, s, v: one(data, w, s, v, max_iter), (W, starts, valid), chunk, mesh)


def on_subset(fn, todo, out, *batched):
    """Re-run ``fn`` on the rows where ``todo`` holds (padded to a power of two to bound
    recompilation) and write its outputs into ``out``."""
    idx = np.flatnonzero(todo)
    if idx.size == 0:
        return out
    size = 1 << int(np.ceil(np.log2(idx.size)))
    pad = np.concatenate([idx, np.full(size - idx.size, idx[0])])
    again = fn(*(a[pad] for a in batched))
    return tuple(_scatter(a, b, idx) for a, b in zip(out, again))


def _scatter(full, part, idx):
    full = np.array(full)
    full[idx] = np.asarray(part)[: idx.size]
    return full


def staged_refits(kernel, data, W, chunk: int, mesh=None, timings=None):
    """Every row's global optimum, in three passes of decreasing size.

    1. Starts for all rows; the kernel's cheap refinement from the best start, a few
       iterations (most resamples converge in about 5).
    2. The unconverged few: the same, with the full iteration budget.
    3. Any still uncertified, or whose starts show a second basin: refinement from
       every start, keeping the best.

    Passes 2 and 3 run on the rows that need them only, gathered on the host once per
    pass. ``timings`` (a dict) receives the seconds and row count of each pass.
    """
    clock = _Clock(timings)
    starts, valid = clock("grid", W.shape[0], starts_batch(kernel, data, W, 2, chunk, mesh))
    out = clock("quick", W.shape[0], refine_batch(kernel, data, W, starts, valid, kernel.quick_iterations, False,
                                                  chunk, mesh))

    def retry(it, every):  # the stragglers: fixed-size chunks on one device (results do not depend on placement)
        return lambda w, s, v: refine_batch(kernel, data, w, s, v, it, every, retry_chunk(w.shape[0]))

    todo = ~np.asarray(out[-1])
    out = clock("retry", int(todo.sum()), on_subset(retry(200, False), todo, out, W, starts, valid))
    todo = ~np.asarray(out[-1]) | np.asarray(valid)[:, 1:].any(axis=1)
    return clock("all_starts", int(todo.sum()), on_subset(retry(500, True), todo, out, W, starts, valid))


def staged_newton(refit, rows: tuple, starts, *, quick: int, full: int, kind: str = "retry", mesh=None,
                  progress=None, timings=None, label: str = "bootstrap refits"):
    """Every row refined from its start: a quick pass of ``quick`` iterations over all rows
    (a vmapped chunk waits for its slowest row, so the pass is capped), then the rows it
    left unconverged continue from where they stopped with ``full`` iterations.

    ``refit(rows, starts, max_iter, chunk, mesh)`` maps one row to its refinement and
    returns a tuple whose first entry is the solution and whose last is the converged
    flag. Chunks follow :data:`CHUNKS` (``kind``); the first pass is spread over ``mesh``,
    the stragglers run in fixed chunks on one device (results do not depend on placement).
    Where chunks are single rows (``heavy`` on CPU) no row waits for another, so the first
    pass runs every row to convergence (``full``): one program, no second pass (measured:
    1,000 t2-irt GSM8K resamples 203 s against 222 s capped).
    """
    clock = _Clock(timings)
    R = starts.shape[0]
    chunk = chunk_for(kind, R)
    if chunk == 1:  # rows one at a time wait for no other row: one pass, no stragglers' program
        quick = full
    blocks = row_blocks(R, chunk * (mesh.size if mesh is not None else 1), progress, label)
    # each block waits for its results, so a progress bar counts work done, not work dispatched
    parts = [jax.block_until_ready(refit(tuple(r[b] for r in rows), starts[b], quick, chunk, mesh)) for b in blocks]
    out = clock("quick", R, tuple(np.concatenate([np.asarray(p[i]) for p in parts]) for i in range(len(parts[0]))))
    todo = ~np.asarray(out[-1])
    rest = lambda *a: refit(a[:-1], a[-1], full, chunk_for(kind, a[-1].shape[0]), None)
    return clock("retry", int(todo.sum()), on_subset(rest, todo, out, *(np.asarray(r) for r in rows), out[0]))


class _Clock:
    """Per-pass wall time (blocking on each pass's outputs only when timings are asked for)."""

    def __init__(self, timings):
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, name, rows, out):
        if self.timings is not None:
            jax.block_until_ready(out)
            now = time.perf_counter()
            self.timings[name] = {"seconds": now - self.last, "rows": rows}
            self.last = now
        return out


def row_blocks(R: int, unit: int, progress, label: str = "bootstrap refits"):
    """Row blocks of whole chunks; wrapped in a progress bar (with time left) when asked, or
    when progress is shown (:func:`t2jax.progress.enabled`) and there are 4 blocks or more."""
    if progress is None:
        progress = enabled() and R >= 4 * unit
    if not progress:
        return [slice(0, R)]
    size = max(unit, -(-R // 20) // unit * unit)
    blocks = [slice(i, min(i + size, R)) for i in range(0, R, size)]
    return progress_blocks(blocks, label)
