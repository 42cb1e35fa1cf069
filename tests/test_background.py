"""The background jobs helper (tests/background.py): order, one run per job, errors handed on."""

import threading

import pytest

import background


class Item:
    def __init__(self, *jobs):
        self.jobs = jobs

    def iter_markers(self, name):
        assert name == "background"
        return [pytest.mark.background(*self.jobs).mark] if self.jobs else []


def test_jobs_start_cold_first_longest_first_and_run_once():
    order, lock = [], threading.Lock()

    def make(name):
        def function(folder):
            assert folder.is_dir()
            with lock:
                order.append(name)
            return name
        function.__name__ = name
        return function

    warm_long = background.job(cost=90, warm=True)(make("warm_long"))
    cold_short = background.job(cost=10)(make("cold_short"))
    cold_long = background.job(cost=60)(make("cold_long"))
    warm_short = background.job(cost=5, warm=True)(make("warm_short"))
    thread = background.start([Item(warm_short, cold_short), Item(warm_long), Item(cold_long, cold_short), Item()])
    thread.join(timeout=60)
    assert order == ["cold_long", "cold_short", "warm_long", "warm_short"]
    assert cold_short.result() == "cold_short" and order.count("cold_short") == 1  # not run again
    assert background.start([Item()]) is None


def test_a_job_not_started_runs_when_asked_and_its_errors_reach_the_test():
    def broken(folder):
        raise ValueError("no such file")

    def skipped(folder):
        pytest.skip("shared data not available")

    with pytest.raises(ValueError, match="no such file"):
        background.job(cost=1)(broken).result()
    with pytest.raises(pytest.skip.Exception):
        background.job(cost=1)(skipped).result()


def test_processes_report_failures_time_out_and_end_with_the_run():
    import subprocess
    import sys

    done = background.run([sys.executable, "-c", "import sys; print('out'); sys.exit('bad row 3')"])
    assert done.returncode == 1 and done.stdout == "out\n" and "bad row 3" in done.stderr
    with pytest.raises(subprocess.TimeoutExpired):
        background.run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    assert not any("sleep(60)" in p.args[-1] for p in background.RUNNING)  # killed and awaited
    proc = background.spawn([sys.executable, "-c", "import time; time.sleep(61)"])
    assert proc in background.RUNNING
    background.cleanup([proc], [])  # what the end of the run does to every job's processes
    assert proc.wait(timeout=10) != 0 and proc not in background.RUNNING
