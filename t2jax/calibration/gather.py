"""Studies across processes (JAX's multi-process runtime, ``jax.distributed``): each
process takes a contiguous share of the studies, and the per-study tables are gathered
once at the end, so every process holds the whole result."""

from __future__ import annotations

import pickle

import jax
import numpy as np
import pandas as pd


def my_share(n_studies: int) -> np.ndarray:
    """The study indices this process simulates, fits and refits."""
    return np.array_split(np.arange(n_studies), jax.process_count())[jax.process_index()]


def global_max(value: int) -> int:
    """The largest of every process's ``value`` (one process: ``value``)."""
    if jax.process_count() == 1:
        return int(value)
    from jax.experimental import multihost_utils

    return int(np.max(np.asarray(multihost_utils.process_allgather(np.array([value], np.int64)))))


def gather_rows(*tables: pd.DataFrame) -> tuple:
    """Every process's rows of each table, in study order (one process: unchanged)."""
    if jax.process_count() == 1:
        return tables
    from jax.experimental import multihost_utils

    blob = np.frombuffer(_pack(tables), np.uint8)
    sizes = np.asarray(multihost_utils.process_allgather(np.array([blob.size], np.int64))).reshape(-1)
    padded = np.zeros(int(sizes.max()), np.uint8)
    padded[: blob.size] = blob
    every = np.asarray(multihost_utils.process_allgather(padded))
    parts = [_unpack(every[i, : sizes[i]].tobytes()) for i in range(sizes.size)]
    return tuple(pd.concat([p[t] for p in parts], ignore_index=True) for t in range(len(tables)))


def _pack(tables) -> bytes:
    """The tables as bytes, exactly (the processes are one run's own)."""
    return pickle.dumps([t.reset_index(drop=True) for t in tables])


def _unpack(raw: bytes) -> list:
    return pickle.loads(raw)
