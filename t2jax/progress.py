"""Progress on long work: which step runs, the time spent and an estimate of the time left.

Shown on standard error when it is a terminal; ``T2JAX_PROGRESS=on`` (or ``off``) forces
it either way, and the command line's ``--quiet`` turns it off (:func:`showing`). Steps
are whole units of work (a fit, a bootstrap, one law on one backtest split); the time left
is the mean time of the steps done so far times the steps still to come. On a terminal a
line is redrawn every second, so a long single step is seen to be alive. Bootstrap refits
show their own bar of row blocks and NUTS numpyro's (both follow :func:`enabled`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Optional

_forced: Optional[bool] = None  # set by showing(); None: the environment and the terminal decide


def enabled() -> bool:
    """Whether progress is shown: :func:`showing`'s setting, else ``T2JAX_PROGRESS``
    (``on``/``off``), else whether standard error is a terminal."""
    if _forced is not None:
        return _forced
    env = os.environ.get("T2JAX_PROGRESS", "").lower()
    if env in ("on", "off"):
        return env == "on"
    return sys.stderr.isatty()


@contextlib.contextmanager
def showing(flag: Optional[bool]):
    """Show progress (``True``), hide it (``False``) or let :func:`enabled` decide (``None``)
    inside the block."""
    global _forced
    before, _forced = _forced, flag
    try:
        yield
    finally:
        _forced = before


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``)."""
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Steps:
    """A count of steps with elapsed time and time left: ``steps.next("fit t2-beta")``
    starts a step (ending the one before), ``steps.close()`` ends the last. Work inside a
    step that knows its own size (bootstrap row blocks) reports it with :func:`part`, so
    the line shows the step's share done and its own time left."""

    def __init__(self, total: int, label: str = "t2jax", even: bool = True):
        """``even``: the steps take about the same time, so the mean of those done times
        the steps to come estimates the time left (otherwise only a step's own parts do)."""
        self.total, self.label, self.done, self.even = max(int(total), 1), label, 0, even
        self.name, self.on, self.start = "", enabled(), time.perf_counter()
        self.step_start, self.share = self.start, None
        self.tty = self.on and sys.stderr.isatty()
        self._stop = threading.Event()
        self._ticker = None

    def line(self) -> str:
        now = time.perf_counter()
        spent, in_step = now - self.start, now - self.step_start
        after = self.total - self.done - 1  # steps still to start
        mean = (self.step_start - self.start) / self.done if self.done and self.even else None
        if self.share:
            left = None if after and mean is None else in_step * (1.0 - self.share) / self.share + (mean or 0.0) * after
        else:
            left = max(mean * (after + 1) - in_step, 0.0) if mean is not None and self.share is None else None
        share = f" {100 * self.share:.0f}%" if self.share is not None else ""
        tail = f" · about {clock(left)} left" if left is not None else ""
        return (f"{self.label} [{min(self.done + 1, self.total)}/{self.total}] {self.name}{share} · "
                f"{clock(spent)} elapsed{tail}")

    def _show(self, end: str) -> None:
        print(("\r\033[K" if self.tty else "") + self.line(), end=end, file=sys.stderr, flush=True)

    def next(self, name: str) -> None:
        global _current
        if self.name:
            self.done += 1
        self.name, self.step_start, self.share = name, time.perf_counter(), None
        if not self.on:
            return
        _current = self
        self._show("" if self.tty else "\n")
        if self.tty and self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def part(self, done: int, total: int) -> None:
        """The current step has done ``done`` of its ``total`` units."""
        self.share = done / max(total, 1)
        if self.on and not self.tty and done:
            self._show("\n")

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self._show("")

    def close(self) -> None:
        global _current
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            print("\r\033[K", end="", file=sys.stderr, flush=True)
        if self.on and self.name:
            print(f"{self.label}: {self.total} step(s) in {clock(time.perf_counter() - self.start)}",
                  file=sys.stderr, flush=True)
        if _current is self:
            _current = None
        self.name = ""

    def __enter__(self) -> "Steps":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_current: Optional[Steps] = None  # the Steps now showing, which blocks of work report to


def blocks(items: list, label: str):
    """Iterate ``items`` (blocks of work), reporting each to the showing :class:`Steps`, or
    with a tqdm bar of its own when none shows."""
    steps = _current
    if steps is None:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # tqdm comes with numpyro; without it, no bar
            return items
        return tqdm(items, desc=label, unit="block", file=sys.stderr)

    def report():
        for i, item in enumerate(items):
            steps.part(i, len(items))
            yield item
        steps.part(len(items), len(items))

    return report()
