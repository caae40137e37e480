"""Speed-up of a Dask sweep over the serial one (``cge.sensitivity.run_sweep``).

The sweep solves the flagship model (experiments/vologda_trade.toml) for ``--solves`` depths of
the interregional trade-cost cut: both directions' margins multiplied by ``f`` for ``f`` evenly
spaced from 0.98 down to 0 (margins removed). Every solve is a task; the serial run calls the
task function in this process, the Dask run uses a LocalCluster of ``--workers`` single-threaded
worker processes. Both start from empty task folders (nothing resumed) and wall-clock times
include everything a user waits for: reading and calibrating the model (once per process),
cluster start-up, solving, writing the task files and collecting the results. The results of
both runs are compared (they must be identical). The Dask time is reported with and without
the cluster's start-up (process spawn and imports), which a long sweep amortises.

    python benchmarks/sweep.py --solves 50 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from cge.experiments.spec import Scenario, Shock, load_experiment
from cge.sensitivity import Executor, run_sweep

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "sweep.json"


def scenarios(n: int) -> list[Scenario]:
    out = []
    for f in np.linspace(0.98, 0.0, n):
        shocks = tuple(Shock("tmg", "multiply", float(f), {"origin": (o,), "destination": (d,)})
                       for o, d in (("VOL", "RUS"), ("RUS", "VOL")))
        out.append(Scenario(f"margins_x{f:.3f}", f"margins times {f:.3f}", shocks))
    return out


def timed(experiment: Path, scens: list[Scenario], executor: Executor) -> tuple[float, xr.Dataset]:
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        ds = run_sweep(experiment, folder, executor, names=[], scenarios=scens)
        return time.perf_counter() - t0, ds


def timed_dask(experiment: Path, scens: list[Scenario], workers: int
               ) -> tuple[float, float, xr.Dataset]:
    """Start-up of a LocalCluster like the one ``Executor(workers=N)`` starts (timed on its own),
    and the sweep with ``Executor(workers=N)``, which starts its own cluster (workers cold: each
    reads and calibrates the model on its first task, and writes its own result files)."""
    from distributed import LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None):
        startup = time.perf_counter() - t0
    t_total, ds = timed(experiment, scens, Executor(workers=workers))
    return startup, t_total - startup, ds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", default=str(ROOT / "experiments" / "vologda_trade.toml"))
    ap.add_argument("--solves", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    experiment = Path(args.experiment)
    scens = scenarios(args.solves)
    load_before = os.getloadavg()
    cpu0 = time.process_time()
    t_serial, serial = timed(experiment, scens, Executor())
    # share of a core the serial run got: below one when other processes compete for the CPUs
    core_share = (time.process_time() - cpu0) / t_serial
    startup, t_sweep, parallel = timed_dask(experiment, scens, args.workers)
    load_after = os.getloadavg()
    names = [n for n, v in serial.data_vars.items() if v.dtype.kind == "f"]
    diff = max(float(np.nanmax(np.abs((serial[n] - parallel[n]).values), initial=0.0))
               for n in names)
    identical = serial.identical(parallel)
    failed = int((serial["status"] == "failed").sum())
    t_dask = startup + t_sweep
    rows = [("serial", 0, t_serial, 1.0),
            ("dask, incl. cluster start-up", args.workers, t_dask, t_serial / t_dask),
            ("dask, running cluster", args.workers, t_sweep, t_serial / t_sweep)]
    print(f"{load_experiment(experiment).name}: {args.solves} solves "
          f"({failed} failed), {os.cpu_count()} CPUs, load average {load_before[0]:.1f} before "
          f"and {load_after[0]:.1f} after; the serial run got {core_share:.0%} of a core; "
          f"cluster start-up {startup:.1f} s")
    print(f"{'run':<30}{'workers':>8}{'wall s':>10}{'s/solve':>10}{'speed-up':>10}")
    for run, workers, t, speedup in rows:
        print(f"{run:<30}{workers:>8}{t:>10.1f}{t / args.solves:>10.2f}{speedup:>10.2f}")
    print(f"results identical: {identical} (largest difference {diff:.3g})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "sweep", "experiment": str(experiment.relative_to(ROOT)),
        "solves": args.solves, "failed": failed,
        "runs": [{"run": r, "workers": w, "seconds": round(t, 2), "speedup": round(s, 3)}
                 for r, w, t, s in rows],
        "cluster_startup_seconds": round(startup, 2),
        "serial_core_share": round(core_share, 3),
        "identical": identical, "largest_difference": diff,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": load_after},
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
