import os
import shutil
import tempfile

# The CLI's own cache switch stays off in the test process (CLI calls made here leave JAX's
# settings alone; tests/test_cache.py exercises it in fresh processes with their own folders).
# The whole run shares one persistent compilation cache in a fresh temporary folder, set
# before anything compiles, so programs released between modules load back from it. It is
# set through JAX's own environment variables, so the processes tests start (the CLI,
# notebook kernels, multi-device scripts) read and add to the same cache instead of
# compiling every program cold.
# (Test modules import helpers from this file, which runs it a second time under another
# module name: the folder is made once per run and found again through the environment.)
os.environ["T2JAX_CACHE_DIR"] = "off"
RUN_CACHE = os.environ.get("T2JAX_TEST_RUN_CACHE") or tempfile.mkdtemp(prefix="t2jax-test-cache-")
os.environ["T2JAX_TEST_RUN_CACHE"] = RUN_CACHE
CACHE_ENV = {"JAX_COMPILATION_CACHE_DIR": RUN_CACHE, "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
             "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}
os.environ.update(CACHE_ENV)
# XLA's CPU compiler without LLVM's most expensive passes: compiling is most of the suite's
# time (547 s of 955 s on 2 cores). Measured: 14% off three compile-heavy modules, and the
# demo's summary.json identical number for number with and without it (timings aside).
# Appended to the caller's flags; processes the tests start inherit it.
if "xla_llvm_disable_expensive_passes" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_llvm_disable_expensive_passes=true").strip()
from pathlib import Path

import jax
import pytest

assert jax.config.jax_compilation_cache_dir == RUN_CACHE, "set JAX's cache before jax is imported"


@pytest.fixture(autouse=True, scope="module")
def release_compiled_programs():
    """Release every compiled program after each test module. Each loaded XLA CPU
    executable holds a few memory mappings; the whole suite in one process kept ~50,000 and,
    past the kernel's per-process limit (vm.max_map_count, 65,530), compilation crashes
    ("LLVM compilation error: Cannot allocate memory", then a segfault in
    backend_compile_and_load). Programs a later module needs load back from the run's
    compilation cache. (Releasing only past a budget of 30,000 mappings was measured no
    faster: 25.9 against 23.4 minutes for the suite on 2 cores.)"""
    yield
    jax.clear_caches()


# T2JAX_TEST_COMPILE_TIMES=1: add up JAX's tracing, lowering and XLA compilation time per
# test module (jax.monitoring events) and print the largest at the end of the run.
COMPILE_TIMES: dict = {}
if os.environ.get("T2JAX_TEST_COMPILE_TIMES"):
    from collections import defaultdict

    import jax.monitoring

    CURRENT = ["(collection)"]
    COMPILE_TIMES = defaultdict(lambda: defaultdict(float))

    def _record(event, seconds, **_):
        if event.startswith("/jax/core/compile/") or event.startswith("/jax/compilation_cache/"):
            COMPILE_TIMES[CURRENT[0]][event.rsplit("/", 1)[-1]] += seconds

    jax.monitoring.register_event_duration_secs_listener(_record)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        CURRENT[0] = item.nodeid.split("::")[0]
        yield


def pytest_collection_modifyitems(items):
    """Tests that wait on a background job run last, by when their jobs should be done."""
    items.sort(key=lambda item: item.get_closest_marker("background") is not None)


def pytest_collection_finish(session):
    """Start the processes the selected tests need (tests/background.py) beside this one."""
    import background

    background.start(session.items)


def pytest_sessionfinish(session, exitstatus):
    import background

    background.cleanup()
    shutil.rmtree(RUN_CACHE, ignore_errors=True)
    if COMPILE_TIMES:
        rows = sorted(COMPILE_TIMES.items(), key=lambda kv: -sum(kv[1].values()))
        total = {}
        for _, events in rows:
            for k, v in events.items():
                total[k] = total.get(k, 0.0) + v
        print("\ncompile time by module (s): " + ", ".join(f"{k} {v:.0f}" for k, v in total.items()))
        for name, events in rows[:25]:
            print(f"{sum(events.values()):7.1f}  {name}  " + ", ".join(f"{k} {v:.1f}" for k, v in events.items()))

SHARED = Path(os.environ.get("T2JAX_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def shared_file(relative: str) -> Path:
    """A file of the shared real-data folder; skip when absent, except under CI=true."""
    path = SHARED / relative
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"shared data file missing under CI: {path}")
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture(scope="session")
def epoch_runs():
    import pandas as pd

    from t2jax import load_runs

    frame = pd.read_csv(shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv"))
    frame = frame.sort_values("loss").iloc[:-5]  # the notebook drops the 5 highest losses
    return load_runs(frame, n_col="Model Size", flops_col="Training FLOP", loss_col="loss")


@pytest.fixture(scope="session")
def scalefit_path():
    return shared_file("open-athena-scaling-law-analysis/extract/ml_scalefit/isoflops.csv")


@pytest.fixture(scope="session")
def scalefit_runs(scalefit_path):
    from t2jax import load_runs

    return load_runs(scalefit_path, n_col="params", d_col="tokens", loss_col="loss", budget_col="budget")


@pytest.fixture(scope="session")
def epoch_approach3_bootstrap(epoch_runs):
    """4,000 point-bootstrap Approach-3 refits of the Epoch data (as Epoch AI ran)."""
    from t2jax.uncertainty import bootstrap

    return bootstrap(epoch_runs, "approach3", 4000, seed=0)


def write_counts(samples, path):
    """Repeated-sampling counts as the CSV layout the CLI reads (one row per checkpoint x problem)."""
    import pandas as pd

    rows = [{"model": m, "problem_idx": int(p), "N_params": samples.N[i], "D_tokens": samples.D[i],
             "n_samples": samples.n[i, j], "n_correct": samples.c[i, j]}
            for i, m in enumerate(samples.checkpoints) for j, p in enumerate(samples.problems)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path
