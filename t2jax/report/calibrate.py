"""``t2jax calibrate``: a batch of simulated studies (:func:`t2jax.calibration.study`), its
strict JSON, its figure (coverage against nominal level with binomial bands; rank ECDFs
with a simultaneous band) and a summary on the terminal. With ``--coordinator`` the
same command runs as one process of several (``jax.distributed``): each process fits
its share of the studies and every process writes the same gathered result (process 0
writes the files)."""

from __future__ import annotations

import os

from t2jax.errors import T2JaxError

FILES = ("calibration.json", "calibration.png")


def start_processes(coordinator, num_processes, process_id) -> None:
    """Join a multi-process run (CPU collectives over gloo) before any JAX computation."""
    if coordinator is None:
        if num_processes is not None or process_id is not None:
            raise T2JaxError("--num-processes and --process-id go with --coordinator HOST:PORT")
        return
    if num_processes is None or process_id is None or not 0 <= process_id < num_processes:
        raise T2JaxError(f"--coordinator needs --num-processes N and --process-id in [0, N); got "
                         f"{num_processes} and {process_id}")
    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes, process_id=process_id)


def run_calibrate(args) -> int:
    start_processes(args.coordinator, args.num_processes, args.process_id)
    import jax

    from t2jax.calibration import study

    result = study(args.law, n_studies=args.studies, n_resamples=args.resamples, seed=args.seed,
                   levels=tuple(float(v) for v in args.levels.split(",")), progress=False if args.quiet else None)
    if jax.process_index() == 0:
        os.makedirs(args.out, exist_ok=True)
        result.to_json(os.path.join(args.out, FILES[0]))
        from t2jax.report import plot

        plot.calibration(result).savefig(os.path.join(args.out, FILES[1]), dpi=120)
        print(result.summary(args.level))
        print(f"wrote {', '.join(os.path.join(args.out, f) for f in FILES)}")
    return 0
