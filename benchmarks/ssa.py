"""Systematic sensitivity analysis of the flagship: before/after a point became "set Params,
solve" on one model (issue 21), and a 1,000-point run.

Runs ``cge sensitivity experiments/vologda_trade_ssa.toml --workers N`` as a user does (one
process, a local Dask cluster of N single-threaded worker processes, empty output folder):

* the file's 10-point quadrature with the code before (``--before``: a worktree, e.g.
  ``git worktree add /tmp/ssa_before 6449025``), where every point recalibrates, builds and
  translates its own model;
* the same with this tree's code, where a point sets the elasticities, shares and scales as
  Params of one model per worker (:mod:`cge.sensitivity.tasks`);
* ``--points`` points of a Monte Carlo design with this tree's code.

Wall time is what the user waits for (process start, imports, cluster start-up, solving,
writing task files, statistics, figure); CPU time is user + system of the process and all its
worker processes (``RUSAGE_CHILDREN``). The machine's load average is recorded before and
after each run: other processes on the cores lengthen wall time, not CPU time. The two
10-point runs must give the same EV for every sample (relative difference printed).

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
        ev = ds["EV"].sel(scenario="margins_-50").load()
        failed = int((ds["status"] == "failed").any("scenario").sum())
    return {"wall_seconds": wall, "cpu_seconds": cpu, "points": int(ev.sizes["sample"]),
            "failed_points": failed, "load_average_before": load_before,
            "load_average_after": os.getloadavg(), "ev": ev}


def report(runs: dict[str, dict], workers: int) -> None:
    """Print the table and write the JSON of the runs so far (a long run may be cut short)."""
    agree = None
    if "before, quadrature" in runs and "after, quadrature" in runs:
        a, b = runs["after, quadrature"]["ev"], runs["before, quadrature"]["ev"]
        agree = float(np.max(np.abs(a.values - b.values) / np.abs(b.values)))
    base = runs.get("before, quadrature", {}).get("wall_seconds")
    print(f"{SPEC} with {workers} workers on {os.cpu_count()} CPUs")
    print(f"{'run':<22}{'points':>7}{'failed':>7}{'wall s':>9}{'CPU s':>9}{'wall/pt':>9}"
          f"{'CPU/pt':>8}{'load':>12}{'wall ratio':>11}")
    for name, r in runs.items():
        n = r["points"]
        ratio = f"{base / r['wall_seconds']:.1f}x" if base and n == 10 else ""
        print(f"{name:<22}{n:>7}{r['failed_points']:>7}{r['wall_seconds']:>9.1f}"
              f"{r['cpu_seconds']:>9.1f}{r['wall_seconds'] / n:>9.2f}{r['cpu_seconds'] / n:>8.2f}"
              f"{r['load_average_before'][0]:>6.1f}-{r['load_average_after'][0]:<5.1f}"
              f"{ratio:>11}", flush=True)
    if agree is not None:
        print(f"EV of the 10 points, after vs before: largest relative difference {agree:.2e}")
    write_text(RESULTS, json.dumps({
        "benchmark": "ssa", "spec": str(SPEC), "workers": workers,
        "runs": {name: {k: (round(v, 2) if isinstance(v, float) else v)
                        for k, v in r.items() if k != "ev"} for name, r in runs.items()},
        "ev_relative_difference_after_vs_before": agree,
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
