"""Shared helpers for the benchmarks: locating the shared real data, timing."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

SHARED = Path(os.environ.get("T2JAX_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        sys.exit(f"shared data not available: {path}")
    return path


def epoch_frame():
    """Epoch's Chinchilla extraction, the 5 highest-loss runs dropped (240 runs)."""
    import pandas as pd

    frame = pd.read_csv(shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv"))
    return frame.sort_values("loss").iloc[:-5]


def device_line() -> str:
    """Which device the benchmark ran on (printed first by every benchmark)."""
    import os

    import jax

    d = jax.devices()[0]
    return f"device: {d.platform} {getattr(d, 'device_kind', '')} x{jax.device_count()}; {os.cpu_count()} CPU cores; jax {jax.__version__}"


def best_time(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    print(os.fspath(SHARED))
