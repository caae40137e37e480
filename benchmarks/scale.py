"""Scaling of the multi-region model with the number of regions (issue #11).

For N regions x 25 sectors (synthetic SAMs from :mod:`cge.sources.synthetic`, split from the
Rosstat 2021 national SAM), each run measures, end to end:

``gen``        national SAM from the Rosstat tables and its split into N regions;
``calib``      calibration (:func:`cge.calibration.calibrate`);
``build``      Pyomo model construction (:func:`cge.model.build_model`);
``gates``      :func:`cge.model.gates.check_benchmark` (structure, residual, two solves);
``cf``         the counterfactual: every interregional trade margin ``tmg`` halved, solved
               warm from the benchmark with the run's solver path; its parts ``transl``
               (Pyomo -> CasADi; ``tmg`` is declared a parameter of the gates' translation,
               as the runner declares what its scenarios shock, so this is its reuse) and
               ``solve`` (derivatives, factorisations, iterations).

Paths: ``newton`` (``solve(m, "newton")``: sparse Newton, MUMPS from 20,000 equations) runs
everything; ``ipopt`` (``solve(m, "ipopt", {"hessian": "limited-memory"})``, CasADi's bundled
Ipopt) solves the same counterfactual after the same generation, calibration and build, without
the gates (they do not depend on the path of the counterfactual). Each run is a fresh
subprocess, so ``peakMB`` (maximum resident set size) is that run's alone; the JSON has the
CPU seconds of each step (``cpu_<step>``, and ``cpu_gates_cf``, the gates and the
counterfactual) and the peak so far at the end of each (``peak_mb_<step>``). The script runs
code from before :func:`cge.solvers.symbolic_params` too (``before_after.py`` times both trees
with this script).

After the runs, time of each step is fitted as ``t = a n^b`` against the number of equations
and against the Jacobian's nonzeros (least squares in logs over the newton runs).

Usage::

    python benchmarks/scale.py --sizes 3,10,30,85 --paths newton,ipopt --skip ipopt:85
    python benchmarks/scale.py --sam sam/russia_2021 --paths newton   # the real 85 regions

With ``--sam DIR`` the SAM is read from ``DIR`` (a multi-region SAM written by ``cge sam-build
russia`` or ``partners``, with its ``margins.csv``) instead of being generated; ``gen`` is then the
time to read it, ``--sizes`` is ignored and the results go to ``results/scale_<DIR name>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "scale.json"
ROOT = Path(__file__).resolve().parents[1]
PATHS = {"newton": ("newton", {}), "ipopt": ("ipopt", {"hessian": "limited-memory"})}
STEPS = ("gen", "calib", "build", "gates", "transl", "solve", "cf", "total")
SKIP_REASON = ("CasADi's nlpsol differentiates the whole system at once for Ipopt (the "
               "colouring cost that cge.solvers.newton.sparse_jacobian avoids), which grows with "
               "the square of the model; see the 30-region run")


def run_one(n: int, path: str, seed: int, sam_dir: str | None = None, *,
            nonzeros: bool = True, values: str | None = None) -> dict:
    """One measured run in this process (called in a subprocess by :func:`main`).

    ``nonzeros=False`` skips the Jacobian's nonzeros (one more translation, after the
    measured steps); ``values`` names a ``.npz`` file for the counterfactual's solution (every
    variable's name and value), which ``before_after.py`` compares between two code trees.
    """
    import casadi as ca
    import pyomo.environ as pyo

    import cge.solvers
    from cge.calibration import calibrate, read_elasticities
    from cge.model import build_model
    from cge.model.gates import check_benchmark
    from cge.solvers import solve
    from cge.solvers.translate import to_casadi
    from cge.sources.synthetic import model_config, national_flows, synthetic_sam

    out: dict = {"regions": n, "sectors": 25, "path": path, "seed": seed}
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if sam_dir is None:
        nat, sectors = national_flows()
        gen = synthetic_sam(nat, sectors, n, seed=seed)
        sam, margins = gen.sam, gen.trade_margins
        out["sectors"] = len(sectors)
        out["interregional_flows"] = gen.n_flows
    else:
        import pandas as pd

        from cge.sam.io import read_csv

        sam = read_csv(sam_dir)
        tm = pd.read_csv(Path(sam_dir) / "margins.csv")
        margins = {(o, d, c): float(v) for o, d, c, v in
                   zip(tm["origin"], tm["destination"], tm["commodity"], tm["value"],
                       strict=True)}
        regions = [r for r in sam.regions if r != "ROW"]
        out.update(regions=len(regions), sam=str(sam_dir),
                   sectors=len(sam.names_of("activity", regions[0])))
        flows = sam.block("activity", "commodity")
        other = (flows["row_region"].values[:, None] != flows["col_region"].values[None, :])
        out["interregional_flows"] = int(((flows.values > 0) & other).sum())
    t1 = time.perf_counter()
    cpu = {"gen": time.process_time() - cpu0}
    _progress("gen", t1, t0, cpu0)
    el = read_elasticities(ROOT / "calibration" / "vologda_elasticities.csv")
    cal = calibrate(sam, el, model_config(), margins)
    t2 = time.perf_counter()
    cpu["calib"] = time.process_time() - cpu0 - sum(cpu.values())
    peaks = {"calib": _peak_mb()}
    _progress("calib", t2, t0, cpu0)
    m = build_model(cal)
    # as the runner does: the shocked margins are parameters of the one translation (code
    # from before symbolic_params translates at each solve, as its runner did)
    if hasattr(cge.solvers, "symbolic_params"):
        cge.solvers.symbolic_params(m, [m.tmg])
    t3 = time.perf_counter()
    cpu["build"] = time.process_time() - cpu0 - sum(cpu.values())
    peaks["build"] = _peak_mb()
    _progress("build", t3, t0, cpu0)
    if path == "newton":
        gate_parts = _time_gate_parts(out)
        report = check_benchmark(m, solver="newton")
        gate_parts()
        out["gates_passed"] = report.passed
        out["gate_values"] = {name: measured for name, measured, *_ in report.rows}
    t4 = time.perf_counter()
    cpu["gates"] = time.process_time() - cpu0 - sum(cpu.values())
    peaks["gates"] = _peak_mb()
    _progress("gates", t4, t0, cpu0)
    for k in m.tmg:  # all interregional margins (within a region there are none)
        m.tmg[k] = 0.5 * m.tmg[k].value
    solver, options = PATHS[path]
    res = solve(m, solver, options)
    t5 = time.perf_counter()
    cpu["cf"] = time.process_time() - cpu0 - sum(cpu.values())
    peaks["cf"] = _peak_mb()
    _progress("cf", t5, t0, cpu0)
    out.update(
        gen=t1 - t0, calib=t2 - t1, build=t3 - t2, gates=(t4 - t3) if path == "newton" else None,
        transl=res.timings.get("translate"), solve=res.timings.get("solve"), cf=t5 - t4,
        total=t5 - t0, iterations=res.iterations, max_residual=res.max_residual,
        equations=res.n_equations, status=str(res.status),
        peak_mb=_peak_mb(),
        # CPU seconds of the process (all threads) in all and in each step: less sensitive
        # than wall time to other jobs on a shared machine; gates + counterfactual is what
        # issue 21 times
        cpu=time.process_time() - cpu0, load_average=os.getloadavg()[0],
        **{f"cpu_{step}": seconds for step, seconds in cpu.items()},
        cpu_gates_cf=(cpu["gates"] + cpu["cf"]) if path == "newton" else None,
        # the largest resident memory so far at the end of each step
        **{f"peak_mb_{step}": mb for step, mb in peaks.items()},
        # where the counterfactual's time went, as the solver records it
        solve_timings=dict(res.timings),
        solve_details={k: v for k, v in res.details.items()
                       if isinstance(v, (int, float, str, bool, dict, list))},
    )
    if values:
        solution = sorted((v.name, v.value) for v in m.component_data_objects(pyo.Var))
        np.savez(values, names=np.array([k for k, _ in solution]),
                 values=np.array([np.nan if x is None else x for _, x in solution], dtype=float))
    if nonzeros:  # not timed: the Jacobian's nonzeros for the growth fit
        system = to_casadi(m)
        out["nonzeros"] = int(ca.jacobian_sparsity(system.g, system.x).nnz())
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _progress(stage: str, now: float, t0: float, cpu0: float) -> None:
    """A line on stderr as each step ends, so that a run stopped by its time limit still
    tells how far it got, in what time and memory."""
    print(f"{stage} done: wall {now - t0:.1f} s, cpu {time.process_time() - cpu0:.1f} s, "
          f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)


def _time_gate_parts(out: dict):
    """Time the gates' parts (structure, benchmark residual, each solve with the solver's
    own timings) into ``out["gate_parts"]``; returns the function that puts the gates back."""
    import cge.model.gates as gates

    parts: list[dict] = out.setdefault("gate_parts", [])
    saved = {name: getattr(gates, name)
             for name in ("quick_check_square", "equation_residuals", "solve")
             if hasattr(gates, name)}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            value = fn(*args, **kwargs)
            part = {"part": name, "seconds": time.perf_counter() - start}
            if hasattr(value, "timings"):
                part["timings"] = dict(value.timings)
                part["iterations"] = value.iterations
            parts.append(part)
            print(f"  gate part {name}: {part['seconds']:.1f} s {part.get('timings', '')}",
                  file=sys.stderr, flush=True)
            return value
        return wrapper

    for name, fn in saved.items():
        setattr(gates, name, timed(name, fn))
    return lambda: [setattr(gates, name, fn) for name, fn in saved.items()]


def fit(runs: list[dict]) -> dict:
    """Exponent b of ``t = a n^b`` for each step, against equations and against nonzeros."""
    rows = [r for r in runs if r.get("status") and r["path"] == "newton"]
    out: dict = {}
    for size in ("equations", "nonzeros"):
        out[size] = {}
        for step in STEPS:
            pts = [(r[size], r[step]) for r in rows if r.get(step)]
            if len({x for x, _ in pts}) < 2:
                continue
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            b, a = np.polyfit(x, y, 1)
            out[size][step] = {"exponent": float(b), "coefficient": float(np.exp(a))}
    return out


def table(runs: list[dict]) -> str:
    head = (f"{'N':>3} {'path':<7}{'eqs':>8}{'nnz':>9}{'flows':>7}"
            + "".join(f"{s:>8}" for s in STEPS) + f"{'iter':>5}{'max|F|':>10}{'peakMB':>8}")
    lines = [head]
    for r in runs:
        if "error" in r:
            lines.append(f"{r['regions']:>3} {r['path']:<7}  {r['error']}")
            continue
        cells = "".join(f"{r[s]:>8.1f}" if r.get(s) is not None else f"{'-':>8}" for s in STEPS)
        lines.append(f"{r['regions']:>3} {r['path']:<7}{r['equations']:>8}{r['nonzeros']:>9}"
                     f"{r['interregional_flows']:>7}{cells}{r['iterations']:>5}"
                     f"{r['max_residual']:>10.1e}{r['peak_mb']:>8.0f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="3,10,30,85")
    ap.add_argument("--paths", default="newton,ipopt")
    ap.add_argument("--skip", default="ipopt:85", help="path:N pairs not run (reason recorded)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (size, path)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1200.0)
    ap.add_argument("--sam", help="a multi-region SAM folder with margins.csv (e.g. "
                    "sam/russia_2021) instead of synthetic SAMs")
    ap.add_argument("--one", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--no-nonzeros", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--values", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed, args.sam,
                                 nonzeros=not args.no_nonzeros, values=args.values)))
        return
    skip = {tuple(s.split(":")) for s in args.skip.split(",") if s}
    runs = []
    results = RESULTS
    sizes = args.sizes
    extra: list[str] = []
    if args.sam:
        from cge.sam.io import read_csv

        n_real = len([r for r in read_csv(args.sam).regions if r != "ROW"])
        sizes, extra = str(n_real), ["--sam", args.sam]
        results = RESULTS.with_name(f"scale_{Path(args.sam).name}.json")
    for n in (int(s) for s in sizes.split(",")):
        for path in args.paths.split(","):
            if (path, str(n)) in skip:
                runs.append({"regions": n, "path": path, "error": f"skipped: {SKIP_REASON}"})
                continue
            for _ in range(args.repeat):
                cmd = [sys.executable, __file__, "--one", str(n), path, "--seed", str(args.seed),
                       *extra]
                try:
                    done = subprocess.run(cmd, capture_output=True, text=True,
                                          timeout=args.timeout, check=False)
                    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
                    runs.append(json.loads(lines[-1]) if lines else
                                {"regions": n, "path": path,
                                 "error": f"failed: {done.stderr.strip().splitlines()[-1:]}"})
                except subprocess.TimeoutExpired:
                    runs.append({"regions": n, "path": path,
                                 "error": f"timeout after {args.timeout:g} s"})
                print(table(runs[-1:]).splitlines()[-1], flush=True)
    growth = fit(runs)
    print()
    print(table(runs))
    print("\ngrowth exponents b of t = a n^b (newton runs):")
    for size, steps in growth.items():
        print(f"  vs {size:<10}" + "  ".join(f"{s} {v['exponent']:.2f}" for s, v in steps.items()))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "cpus": os.cpu_count()},
        "runs": runs, "growth": growth}, indent=2))
    print(f"\nwrote {results}")


if __name__ == "__main__":
    main()
