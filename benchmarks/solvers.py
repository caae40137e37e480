"""Benchmark of the solver paths of ``cge.solvers`` on CGE-like square systems.

The test system is a multi-region, multi-sector Armington trade model of
R regions x S sectors (all prices 1 in the benchmark, calibrated shares):

* production: CES value added of labour and capital (elasticity sva[s]);
  zero profit ``px[r,s] = (aL w[r]^(1-sva) + aK rk[r]^(1-sva))^(1/(1-sva))``
  and factor demands ``L = X aL (px/w)^sva``, ``K = X aK (px/rk)^sva``;
* Armington aggregation of all R origins with iceberg trade costs tau:
  ``pa[d,s] = (sum_o b[o,d,s] (tau[o,d,s] px[o,s])^(1-sa))^(1/(1-sa))`` and
  bilateral demands ``T[o,d,s] = A[d,s] b[o,d,s] (pa[d,s]/(tau px[o,s]))^sa``;
* final demand: CES over sectors (elasticity eta) with price index P[r],
  ``A[r,s] = (Y[r]/P[r]) g[r,s] (P[r]/pa[r,s])^eta``;
* income ``Y[r] = w Lbar + rk Kbar + B[r]`` with fixed transfers B (sum 0)
  that close the benchmark trade imbalances;
* market clearing for goods ``X[o,s] = sum_d tau T[o,d,s]`` and factors;
  w of the first region is the numeraire, so its labour market equation is
  dropped (Walras' law); its residual is reported as a check.

That is 6 R S + R R S + 4 R - 1 equations and as many unknowns (21,719 at
30 x 20, 193,714 at 85 x 25), dense in bilateral trade like GTAP-style
models.  Each run builds the calibrated benchmark, raises all
international trade costs by 20 % and capital in the first region by 10 %,
and solves the counterfactual warm-started from the benchmark.

Each (size, path) runs in a fresh subprocess, so that peak memory (maximum
resident set size) and a time limit apply to that run alone.  Usage::

    python benchmarks/solvers.py --sizes 3x5,30x20,85x25 \\
        --paths newton,ipopt-exact,ipopt-lbfgs,ipopt-nl --timeout 900
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
import pyomo.environ as pyo

PATHS = {
    "newton": ("newton", {}),
    "ipopt-exact": ("ipopt", {"hessian": "exact", "mumps_pivot_order": 6}),
    "ipopt-lbfgs": ("ipopt", {"hessian": "limited-memory"}),
    "ipopt-nl": ("ipopt-nl", {}),
    # The ordinary route outside this project: Pyomo's own interface to cyipopt (PyNumero's
    # NL writer and AMPL solver library for values and exact derivatives, Ipopt's defaults
    # but the same equality tolerance as the project's Ipopt path). Not a cge.solvers path.
    "pyomo-cyipopt": ("pyomo-cyipopt", {"constr_viol_tol": 1e-10}),
}
RESULTS = Path(__file__).parent / "results" / "solvers.json"


def build_model(n_regions: int, n_sectors: int, seed: int = 0) -> pyo.ConcreteModel:
    """Calibrated multi-region Armington model at its benchmark (see module docstring)."""
    rng = np.random.default_rng(seed)
    regions = [f"r{i}" for i in range(n_regions)]
    sectors = [f"s{j}" for j in range(n_sectors)]
    # Benchmark trade flows with home bias; all prices are 1, so quantities are values.
    flows = rng.uniform(0.05, 0.3, (n_regions, n_regions, n_sectors))
    flows[np.arange(n_regions), np.arange(n_regions), :] += rng.uniform(
        2.0, 6.0, (n_regions, n_sectors)
    )
    output = flows.sum(axis=1)  # X0[o,s]
    absorption = flows.sum(axis=0)  # A0[d,s]
    labour_share = rng.uniform(0.3, 0.7, (n_regions, n_sectors))
    labour = output * labour_share
    capital = output - labour
    transfers = absorption.sum(axis=1) - output.sum(axis=1)

    m = pyo.ConcreteModel(name=f"armington_{n_regions}x{n_sectors}")
    m.R = pyo.Set(initialize=regions, ordered=True)
    m.S = pyo.Set(initialize=sectors, ordered=True)
    ri = {r: i for i, r in enumerate(regions)}
    si = {s: j for j, s in enumerate(sectors)}

    sva = dict(zip(sectors, rng.uniform(0.5, 1.5, n_sectors), strict=True))
    sa = dict(zip(sectors, rng.uniform(2.0, 5.0, n_sectors), strict=True))
    for s in sectors:  # keep clear of the Cobb-Douglas limit sigma = 1
        if abs(sva[s] - 1.0) < 0.05:
            sva[s] = 0.8
    eta = 0.7

    m.tau = pyo.Param(m.R, m.R, m.S, initialize=1.0, mutable=True)
    m.lbar = pyo.Param(m.R, initialize={r: labour[ri[r]].sum() for r in regions}, mutable=True)
    m.kbar = pyo.Param(m.R, initialize={r: capital[ri[r]].sum() for r in regions}, mutable=True)

    def var(index, init, name):
        setattr(m, name, pyo.Var(*index, initialize=init, bounds=(1e-8, None)))
        return getattr(m, name)

    rs = lambda arr: {(r, s): float(arr[ri[r], si[s]]) for r in regions for s in sectors}  # noqa: E731
    px = var((m.R, m.S), 1.0, "px")
    x = var((m.R, m.S), rs(output), "X")
    lab = var((m.R, m.S), rs(labour), "L")
    cap = var((m.R, m.S), rs(capital), "K")
    pa = var((m.R, m.S), 1.0, "pa")
    a = var((m.R, m.S), rs(absorption), "A")
    trade_init = {
        (o, d, s): float(flows[ri[o], ri[d], si[s]])
        for o in regions
        for d in regions
        for s in sectors
    }
    t = var((m.R, m.R, m.S), trade_init, "T")
    w = var((m.R,), 1.0, "w")
    rk = var((m.R,), 1.0, "rk")
    y = var((m.R,), {r: float(absorption[ri[r]].sum()) for r in regions}, "Y")
    price = var((m.R,), 1.0, "P")
    w[regions[0]].fix(1.0)

    al = rs(labour_share)
    b = {k: v / absorption[ri[k[1]], si[k[2]]] for k, v in trade_init.items()}
    g = {
        (r, s): absorption[ri[r], si[s]] / absorption[ri[r]].sum() for r in regions for s in sectors
    }

    def zero_profit(m, r, s):
        e = 1 - sva[s]
        return px[r, s] == (al[r, s] * w[r] ** e + (1 - al[r, s]) * rk[r] ** e) ** (1 / e)

    m.eq_zero_profit = pyo.Constraint(m.R, m.S, rule=zero_profit)
    m.eq_labour = pyo.Constraint(
        m.R, m.S, rule=lambda m, r, s: lab[r, s] == x[r, s] * al[r, s] * (px[r, s] / w[r]) ** sva[s]
    )
    m.eq_capital = pyo.Constraint(
        m.R,
        m.S,
        rule=lambda m, r, s: cap[r, s] == x[r, s] * (1 - al[r, s]) * (px[r, s] / rk[r]) ** sva[s],
    )

    def armington_price(m, d, s):
        e = 1 - sa[s]
        return pa[d, s] == sum(b[o, d, s] * (m.tau[o, d, s] * px[o, s]) ** e for o in m.R) ** (
            1 / e
        )

    m.eq_armington_price = pyo.Constraint(m.R, m.S, rule=armington_price)
    m.eq_trade = pyo.Constraint(
        m.R,
        m.R,
        m.S,
        rule=lambda m, o, d, s: (
            t[o, d, s] == a[d, s] * b[o, d, s] * (pa[d, s] / (m.tau[o, d, s] * px[o, s])) ** sa[s]
        ),
    )
    m.eq_price_index = pyo.Constraint(
        m.R,
        rule=lambda m, r: (
            price[r] == sum(g[r, s] * pa[r, s] ** (1 - eta) for s in m.S) ** (1 / (1 - eta))
        ),
    )
    m.eq_demand = pyo.Constraint(
        m.R,
        m.S,
        rule=lambda m, r, s: a[r, s] == y[r] / price[r] * g[r, s] * (price[r] / pa[r, s]) ** eta,
    )
    m.eq_income = pyo.Constraint(
        m.R,
        rule=lambda m, r: y[r] == w[r] * m.lbar[r] + rk[r] * m.kbar[r] + float(transfers[ri[r]]),
    )
    m.eq_goods = pyo.Constraint(
        m.R, m.S, rule=lambda m, o, s: x[o, s] == sum(m.tau[o, d, s] * t[o, d, s] for d in m.R)
    )
    m.eq_labour_market = pyo.Constraint(
        m.R, rule=lambda m, r: sum(lab[r, s] for s in m.S) == m.lbar[r]
    )
    m.eq_capital_market = pyo.Constraint(
        m.R, rule=lambda m, r: sum(cap[r, s] for s in m.S) == m.kbar[r]
    )
    m.eq_labour_market[regions[0]].deactivate()  # Walras' law, w[r0] is the numeraire
    return m


def shock(m: pyo.ConcreteModel) -> None:
    """+20 % on all international trade costs, +10 % capital in the first region."""
    for o in m.R:
        for d in m.R:
            if o != d:
                for s in m.S:
                    m.tau[o, d, s] = 1.2
    first = m.R.first()
    m.kbar[first] = 1.1 * pyo.value(m.kbar[first])


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 / 1024**2 if sys.platform == "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def run_one(n_regions: int, n_sectors: int, path: str) -> dict:
    """Build, shock and solve once with ``path``; returns the measurements."""
    from cge.solvers import SolveError, SolverNotAvailable, residuals, solve

    solver, options = PATHS[path]
    record: dict = {"size": f"{n_regions}x{n_sectors}", "path": path}
    start = time.perf_counter()
    m = build_model(n_regions, n_sectors)
    record["build_s"] = time.perf_counter() - start
    start = time.perf_counter()
    record["benchmark_residual"] = float(residuals(m).abs().max())
    record["residuals_s"] = time.perf_counter() - start
    shock(m)
    if solver == "pyomo-cyipopt":
        return _pyomo_cyipopt(m, options, record)
    try:
        result = solve(m, solver, options)
    except SolverNotAvailable as exc:
        record.update(status="not_available", message=str(exc).splitlines()[0])
        return record
    except SolveError as exc:
        result = exc.result
    record.update(
        status=result.status.value,
        n_equations=result.n_equations,
        iterations=result.iterations,
        max_residual=result.max_residual,
        check_s=result.timings.get("check"),
        translate_s=result.timings.get("translate"),
        solve_s=result.timings.get("solve"),
        message=result.message,
    )
    return _solution_checks(m, record, result.ok)


def _solution_checks(m: pyo.ConcreteModel, record: dict, ok: bool) -> dict:
    """Walras' residual (the dropped labour market) and mean output price of a converged
    solve, and the run's peak memory."""
    if ok:
        first = m.R.first()
        walras = m.eq_labour_market[first]
        record["walras_residual"] = abs(pyo.value(walras.body) - pyo.value(walras.upper))
        record["mean_px"] = float(np.mean([v.value for v in m.px.values()]))
    record["peak_rss_mb"] = _peak_rss_mb()
    return record


def _pyomo_cyipopt(m: pyo.ConcreteModel, options: dict, record: dict) -> dict:
    """Solve ``m`` with ``SolverFactory("cyipopt")`` (exact Hessian, from the same start).

    Needs the ``cyipopt`` module (``pip install cyipopt-wheels`` ships one with its own Ipopt)
    and PyNumero's compiled AMPL solver library interface (``pyomo build-extensions``);
    without either the run is recorded as ``not_available``. ``translate_s`` is the solver
    call's time outside Ipopt (NL file written and loaded by the ASL), ``solve_s`` Ipopt's
    own wall time.
    """
    from cge.solvers import max_residual

    solver = pyo.SolverFactory("cyipopt")
    missing = None
    try:
        from pyomo.contrib.pynumero.asl import AmplInterface

        if not solver.available(exception_flag=False):
            missing = "cyipopt is not installed (pip install cyipopt-wheels)"
        elif not AmplInterface.available():
            missing = "PyNumero's ASL interface is not built (pyomo build-extensions)"
    except ImportError as exc:
        missing = str(exc)
    if missing:
        record.update(status="not_available", message=missing)
        return record
    m.benchmark_objective = pyo.Objective(expr=0.0)  # the interface needs one active objective
    iterations = [0]

    def count(*args) -> bool:  # (nlp, alg_mod, iter_count, ...): Ipopt's iteration counter
        iterations[0] = max(iterations[0], int(args[2]))
        return True

    start = time.perf_counter()
    results = solver.solve(m, options=dict(options), intermediate_callback=count)
    total = time.perf_counter() - start
    ipopt_s = float(results.solver.wallclock_time)
    message = str(results.solver.message)
    ok = str(results.solver.termination_condition) == "optimal"
    record.update(
        status="ok" if ok else "error",
        n_equations=sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True)),
        iterations=iterations[0],
        max_residual=max_residual(m),
        check_s=None,
        translate_s=total - ipopt_s,
        solve_s=ipopt_s,
        message=f"cyipopt: {message}",
    )
    return _solution_checks(m, record, ok)


def _run_isolated(n_regions: int, n_sectors: int, path: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", f"{n_regions}x{n_sectors}", path]
    start = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {
            "size": f"{n_regions}x{n_sectors}",
            "path": path,
            "status": "timeout",
            "message": f"killed after {timeout:.0f} s (build + translate + solve)",
        }
    wall = time.perf_counter() - start
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {
            "size": f"{n_regions}x{n_sectors}",
            "path": path,
            "status": "crashed",
            "message": (proc.stderr.strip().splitlines() or ["no output"])[-1],
        }
    record = json.loads(lines[-1])
    record["process_wall_s"] = wall
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker's user + system CPU
    record["process_cpu_s"] = (done.ru_utime - cpu.ru_utime) + (done.ru_stime - cpu.ru_stime)
    return record


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(records: list[dict]) -> None:
    header = (
        f"{'size':>7} {'path':<14} {'eqs':>7} {'build':>7} {'check':>6} {'transl':>7} "
        f"{'solve':>8} {'iter':>5} {'max|F|':>9} {'peakMB':>7}  status"
    )
    print(header)
    print("-" * len(header))
    for r in records:
        print(
            f"{r['size']:>7} {r['path']:<14} {_fmt(r.get('n_equations'), 'd'):>7} "
            f"{_fmt(r.get('build_s'), '.2f'):>7} {_fmt(r.get('check_s'), '.2f'):>6} "
            f"{_fmt(r.get('translate_s'), '.2f'):>7} {_fmt(r.get('solve_s'), '.2f'):>8} "
            f"{_fmt(r.get('iterations'), 'd'):>5} {_fmt(r.get('max_residual'), '.1e'):>9} "
            f"{_fmt(r.get('peak_rss_mb'), '.0f'):>7}  {r['status']}"
        )


def ratios(records: list[dict]) -> dict:
    """Median seconds of each (size, path) that converged: the solver's part (check,
    translation and solve: what differs between paths on the same model) and end to end (with
    the build), and each as a multiple of the newton path's on the same size."""
    out: dict = {}
    for r in records:
        if r.get("status") == "ok":
            parts = [r.get(k) or 0.0 for k in ("check_s", "translate_s", "solve_s")]
            out.setdefault((r["size"], r["path"]), []).append(
                (sum(parts), sum(parts) + r["build_s"], r["process_cpu_s"]))
    summary = {key: {"solver_s": float(np.median([a for a, _, _ in v])),
                     "end_to_end_s": float(np.median([b for _, b, _ in v])),
                     "process_cpu_s": float(np.median([c for _, _, c in v])), "runs": len(v)}
               for key, v in out.items()}
    for (size, _path), row in summary.items():
        base = summary.get((size, "newton"))
        if base:
            row["ratio_to_newton"] = row["solver_s"] / base["solver_s"]
            row["ratio_to_newton_end_to_end"] = row["end_to_end_s"] / base["end_to_end_s"]
            row["ratio_to_newton_cpu"] = row["process_cpu_s"] / base["process_cpu_s"]
    return summary


def _size(text: str) -> tuple[int, int]:
    regions, sectors = text.lower().split("x")
    return int(regions), int(sectors)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3x5,30x20", help="comma-separated RxS list")
    parser.add_argument(
        "--paths", default=",".join(PATHS), help=f"comma-separated subset of {list(PATHS)}"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each (size, path), the paths' order reversed every other "
                        "round so that a shared machine's load falls on all of them")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--worker", nargs=2, metavar=("SIZE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(run_one(*_size(args.worker[0]), args.worker[1])))
        return
    paths = args.paths.split(",")
    unknown = set(paths) - set(PATHS)
    if unknown:
        parser.error(f"unknown paths {sorted(unknown)}; choose from {list(PATHS)}")
    load_at_start = os.getloadavg()
    records: list[dict] = []
    summary: dict = {}

    def write() -> None:  # after every run, so that a stopped benchmark keeps what it measured
        args.output.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "processor": platform.processor(),
                "cpus": os.cpu_count(),
                # Other processes compete for the cores: read timings with this in mind.
                "load_average_at_start": load_at_start,
            },
            "timeout_s": args.timeout,
            "repeat": args.repeat,
            "summary": [{"size": size, "path": path, **row}
                        for (size, path), row in summary.items()],
            "runs": records,
        }
        args.output.write_text(json.dumps(payload, indent=2) + "\n")

    for size in args.sizes.split(","):
        for k in range(args.repeat):
            for path in paths if k % 2 == 0 else paths[::-1]:
                record = _run_isolated(*_size(size), path, args.timeout)
                record["load_average"] = os.getloadavg()[0]
                records.append(record)
                print_table([record])
                sys.stdout.flush()
                summary = ratios(records)
                write()
    print()
    print_table(records)
    if summary:
        print("\nmedians: seconds of check + translate + solve (with build; process CPU), "
              "and as a multiple of newton's")
        for (size, path), row in summary.items():
            print(f"{size:>7} {path:<14} {row['solver_s']:8.2f} ({row['end_to_end_s']:8.2f};"
                  f" cpu {row['process_cpu_s']:8.2f})"
                  f"  {row.get('ratio_to_newton', float('nan')):6.1f}x"
                  f" ({row.get('ratio_to_newton_end_to_end', float('nan')):5.1f}x;"
                  f" cpu {row.get('ratio_to_newton_cpu', float('nan')):5.1f}x)")
    print(f"\nwritten {args.output}")


if __name__ == "__main__":
    main()
