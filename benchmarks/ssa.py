"""Systematic sensitivity analysis of the flagship: before/after SSA points were solved in
batches on the pooled model's translation (issue 21), and a 1,000-point run.

Runs ``cge sensitivity experiments/vologda_trade_ssa.toml --workers N`` as a user does (one
process, a local Dask cluster of N single-threaded worker processes, empty output folder):

* the file's 10-point quadrature with the code before (``--before``: a worktree, e.g.
  ``git worktree add /tmp/ssa_before 6636a7e``), where every point is a Dask task that sets
  its Params in Pyomo, solves through the runner and writes every level and indicator;
* the same with this tree's code, where points are solved in batches on the model's
  translation and only the key results are kept (:mod:`cge.sensitivity.batch`);
* ``--points`` points of a Monte Carlo design with this tree's code, with the number of
  failed runs and of runs the homotopy solved (runs Newton does not solve from the benchmark
  take the runner's route: Ipopt, then the homotopy).

Wall time is what the user waits for (process start, imports, cluster start-up, solving,
writing task files, statistics, figure); CPU time is user + system of the process and all its
worker processes (``RUSAGE_CHILDREN``). The machine's load average is recorded before and
after each run: other processes on the cores lengthen wall time, not CPU time. The two
10-point runs must give the same key results for every sample (largest relative difference
printed).

    python benchmarks/ssa.py --before /tmp/ssa_before --workers 2 --points 1000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from cge.outputs import write_text

ROOT = Path(__file__).resolve().parents[1]
SPEC = Path("experiments") / "vologda_trade_ssa.toml"
RESULTS = Path(__file__).parent / "results" / "ssa.json"
KEY_RESULTS = ("EV", "EV_pct", "pct_GRP_real")  # the spec's


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(tree: Path, workers: int, extra: list[str], out: Path) -> dict:
    """One ``cge sensitivity`` process on ``tree``'s code; its wall and CPU seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-m", "cge", "sensitivity", str(SPEC), "--workers", str(workers),
           "--out", str(out), "--quiet", *extra]
    load_before = os.getloadavg()
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} in {tree} failed:\n{proc.stderr[-3000:]}")
    with xr.open_dataset(out / "samples.nc", engine="scipy") as ds:
        keys = ds[[k for k in KEY_RESULTS if k in ds]].sel(scenario="margins_-50").load()
        failed = int((ds["status"] == "failed").any("scenario").sum())
        homotopy = int((ds["solve_method"] == "homotopy").any("scenario").sum())
    return {"wall_seconds": wall, "cpu_seconds": cpu, "points": int(keys.sizes["sample"]),
            "failed_points": failed, "homotopy_points": homotopy,
            "load_average_before": load_before, "load_average_after": os.getloadavg(),
            "keys": keys}


def report(runs: dict[str, dict], workers: int) -> None:
    """Print the table and write the JSON of the runs so far (a long run may be cut short)."""
    agree = None
    if "before, quadrature" in runs and "after, quadrature" in runs:
        a, b = runs["after, quadrature"]["keys"], runs["before, quadrature"]["keys"]
        agree = max(float(np.nanmax(np.abs(a[k].values - b[k].values) / np.abs(b[k].values)))
                    for k in KEY_RESULTS)
    before = runs.get("before, quadrature")
    print(f"{SPEC} with {workers} workers on {os.cpu_count()} CPUs")
    print(f"{'run':<22}{'points':>7}{'failed':>7}{'homot.':>7}{'wall s':>9}{'CPU s':>9}"
          f"{'wall/pt':>9}{'CPU/pt':>8}{'load':>12}{'ratio wall':>11}{'CPU':>7}")
    for name, r in runs.items():
        n = r["points"]
        same = before is not None and n == before["points"]
        wall = f"{before['wall_seconds'] / r['wall_seconds']:.1f}x" if same else ""
        cpu = f"{before['cpu_seconds'] / r['cpu_seconds']:.1f}x" if same else ""
        print(f"{name:<22}{n:>7}{r['failed_points']:>7}{r['homotopy_points']:>7}"
              f"{r['wall_seconds']:>9.1f}{r['cpu_seconds']:>9.1f}{r['wall_seconds'] / n:>9.2f}"
              f"{r['cpu_seconds'] / n:>8.2f}{r['load_average_before'][0]:>6.1f}-"
              f"{r['load_average_after'][0]:<5.1f}{wall:>11}{cpu:>7}", flush=True)
    if agree is not None:
        print(f"{', '.join(KEY_RESULTS)} of the 10 points, after vs before: largest relative "
              f"difference {agree:.2e}")
    write_text(RESULTS, json.dumps({
        "benchmark": "ssa", "spec": str(SPEC), "workers": workers,
        "runs": {name: {k: (round(v, 2) if isinstance(v, float) else v)
                        for k, v in r.items() if k != "keys"} for name, r in runs.items()},
        "key_results_relative_difference_after_vs_before": agree,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count()},
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="worktree of the code before (10 points)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--points", type=int, default=1000, help="Monte Carlo points (0: none)")
    args = ap.parse_args()
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="cge_ssa_bench_") as tmp:
        if args.before is not None:
            runs["before, quadrature"] = run(args.before.resolve(), args.workers, [],
                                             Path(tmp) / "before")
            report(runs, args.workers)
        runs["after, quadrature"] = run(ROOT, args.workers, [], Path(tmp) / "after")
        report(runs, args.workers)
        if args.points:
            runs["after, montecarlo"] = run(ROOT, args.workers,
                                            ["--method", "montecarlo", "--samples",
                                             str(args.points)], Path(tmp) / "mc")
            report(runs, args.workers)


if __name__ == "__main__":
    main()
