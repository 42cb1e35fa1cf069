"""Sharded bootstrap refits equal single-device ones, number for number."""

import os
import subprocess
import sys
import textwrap

from conftest import shared_file

SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    import jax, numpy as np, pandas as pd
    from t2jax import load_runs
    from t2jax.uncertainty import bootstrap
    cpus = jax.devices("cpu")  # forced host devices, whatever the default backend
    assert len(cpus) == 4, cpus
    jax.config.update("jax_default_device", cpus[0])
    frame = pd.read_csv(sys.argv[1]).sort_values("loss").iloc[:-5]
    runs = load_runs(frame, n_col="Model Size", flops_col="Training FLOP", loss_col="loss")
    for method in ("varpro", "approach3"):
        one = bootstrap(runs, method, 200, seed=2, chunk=32, devices=cpus[:1])
        four = bootstrap(runs, method, 200, seed=2, chunk=32, devices=cpus)
        assert one.n_failed == 0 and four.n_failed == 0
        assert np.array_equal(one.draws.to_numpy(float), four.draws.to_numpy(float)), method
    print("identical")
    """
)


def test_sharded_equals_single_device():
    data = shared_file("epoch-analyzing-chinchilla/svg_extracted_data.csv")
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(data)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("identical")
