"""Checks that run in processes of their own, started beside the test process.

Some checks need a fresh Python process: forced host devices, two processes joined by JAX's
distributed runtime, a second process reading the program store, a notebook kernel. Each
such check is a *job*: a function that starts its processes and returns what they printed
or wrote, without touching JAX itself. A test declares the job it needs with
``@needs(job)`` and takes ``job.result()``; the assertions stay in the test.

When collection ends, tests/conftest.py starts the jobs of the selected tests on one
background thread, one job at a time (see ``job`` for the order), so they run on the
second core while the test process goes through the other modules. A job that has not
started when its test asks for it runs there and then. A job's exceptions (a skip for
missing shared data included) are raised again in its test.
"""

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest


FOLDERS: list = []  # the jobs' working folders, removed when the run ends
RUNNING: set = set()  # the jobs' processes not yet awaited


class Job:
    def __init__(self, function, cost: float, warm: bool):
        self.function, self.cost, self.warm = function, cost, warm
        self.name = f"{function.__module__}.{function.__name__}"
        self._lock, self._done = threading.Lock(), threading.Event()
        self._claimed, self._value, self._error = False, None, None

    def run(self):
        """Run the job unless it has started elsewhere; wait for it and return its value."""
        with self._lock:
            mine, self._claimed = not self._claimed, True
        if mine:
            try:
                folder = Path(tempfile.mkdtemp(prefix="t2jax-job-"))
                FOLDERS.append(folder)
                self._value = self.function(folder)
            except BaseException as error:  # noqa: BLE001 - handed to the test that asks
                self._error = error
            finally:
                self._done.set()
        self._done.wait()
        return self._value

    def result(self):
        value = self.run()
        if self._error is not None:
            raise self._error
        return value


def job(cost: float, warm: bool = False):
    """Declare a job; ``cost`` is its expected seconds. ``warm``: its processes read the
    run's compilation cache and compile what the test process compiles too, so it waits
    until the jobs that cannot share (other device counts, caches of their own) have run,
    by when the test process has compiled much of what it needs. Within each group the
    longer jobs start first."""
    return lambda function: Job(function, cost, warm)


def needs(*jobs: Job):
    return pytest.mark.background(*jobs)


def start(items) -> threading.Thread | None:
    """Start the jobs the selected test items need on one daemon thread: those that share
    no programs with the test process first, longest first."""
    wanted = {j.name: j for item in items for mark in item.iter_markers("background") for j in mark.args}
    queue = sorted(wanted.values(), key=lambda j: (j.warm, -j.cost))
    if not queue:
        return None
    thread = threading.Thread(target=lambda: [j.run() for j in queue], name="test-jobs", daemon=True)
    thread.start()
    return thread


def spawn(argv, **kwargs) -> subprocess.Popen:
    """Start one process of a job, its output captured as text. A process still running
    when the run ends (stopped early, say) is ended with it."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    RUNNING.add(proc)
    return proc


def run(argv, *, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    """One process of a job, to its end: no exception on failure (the test reads the return
    code and the end of stderr); past ``timeout`` it is killed and TimeoutExpired raised."""
    proc = spawn(argv, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        RUNNING.discard(proc)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def succeeded(proc: subprocess.CompletedProcess) -> str:
    """What a job's process printed, stripped; a failure shows the end of its stderr."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


def cleanup(processes=None, folders=None):
    """End the jobs' processes still running and remove their folders (all by default)."""
    for proc in list(RUNNING if processes is None else processes):
        proc.kill()
        RUNNING.discard(proc)
    for folder in FOLDERS if folders is None else folders:
        shutil.rmtree(folder, ignore_errors=True)
