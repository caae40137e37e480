"""The MCP solver (``mcp``) against the square Newton (``newton``) on square systems, and the
iterations of both MCP routes on the switching cases.

Square cases: the multi-region Armington model of ``benchmarks/solvers.py`` (trade costs
+20 %, capital of the first region +10 %, solved warm from the benchmark) and the toy CGE
model of ``cge.examples`` (import tariffs halved). Without complementarity pairs
the semismooth Newton iteration is the square Newton's with another line search and SuperLU
factorisations, so the comparison measures its overhead (issue 18: at most 1.5x).

Switching cases (``cge.mcp_examples``): Markusen's M44 from its benchmark to free trade (good 2
stops being produced) and the MCPLIB problems josephy and kojshin from (1, 1, 1, 1); and
scenarios of experiment files solved from their benchmark: the toy import quota that binds when
tariffs are halved (``experiments/toy_import_quota.toml``, tariff_cut) and the flagship's
capacity on Vologda's steel shipments that binds when margins are halved
(``experiments/vologda_rail_capacity.toml``, margins_-50; skipped with ``--no-flagship``).

Each case is built afresh for each solver and timed once per repeat (the median is reported;
time includes translation). Usage::

    python benchmarks/mcp.py --sizes 3x5,10x10 --repeats 3

Prints a table and writes ``benchmarks/results/mcp.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyomo.environ as pyo

sys.path.insert(0, str(Path(__file__).parent))
from solvers import build_model, shock  # noqa: E402  (the sibling benchmark's model)

from cge import examples  # noqa: E402
from cge.mcp_examples import JOSEPHY, KOJIMA_SHINDO, markusen_m44, ncp4  # noqa: E402
from cge.solvers import solve  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "mcp.json"


def armington(n_regions: int, n_sectors: int) -> Callable[[], pyo.ConcreteModel]:
    def make():
        m = build_model(n_regions, n_sectors)
        shock(m)
        return m
    return make


def toy_tariffs_halved() -> pyo.ConcreteModel:
    from cge.calibration import calibrate, read_elasticities
    from cge.model import build_model as build_cge

    el = read_elasticities(examples.data_root() / "calibration" / "toy_elasticities.csv")
    m = build_cge(calibrate(examples.toy_sam(), el))
    for key in m.taum:
        m.taum[key] = 0.5 * pyo.value(m.taum[key])
    return m


def scenario(file: str, name: str) -> Callable[[], pyo.ConcreteModel]:
    """An experiment's model at its benchmark with the shocks of scenario ``name`` applied."""
    def make():
        from cge.experiments.runner import calibrate_experiment, resolve_shock
        from cge.experiments.spec import load_experiment
        from cge.model import build_model as build_cge

        exp = load_experiment(examples.data_root() / "experiments" / file)
        m = build_cge(calibrate_experiment(exp)[1])
        for shock in next(s for s in exp.scenarios if s.name == name).shocks:
            for data, value in resolve_shock(m, shock, name, file):
                data.set_value(value)
        return m
    return make


def m44_free_trade() -> pyo.ConcreteModel:
    m = markusen_m44()
    m.Q.fix(0.0)
    return m


def _run(make, solver: str, repeats: int) -> dict:
    seconds, result = [], None
    for _ in range(repeats):
        m = make()
        start = time.perf_counter()
        result = solve(m, solver)
        seconds.append(time.perf_counter() - start)
    return {"seconds": statistics.median(seconds), "iterations": result.iterations,
            "max_residual": result.max_residual, "n": result.n_equations,
            "switched": result.details.get("switched", [])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3x5,10x10",
                        help="Armington model sizes REGIONSxSECTORS, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-flagship", action="store_true",
                        help="leave out the flagship switching case (2,125 equations)")
    args = parser.parse_args(argv)

    square = {f"armington {s}": armington(*map(int, s.split("x")))
              for s in args.sizes.split(",")}
    square["toy CGE, tariffs halved"] = toy_tariffs_halved
    switching = {
        "M44 free trade": m44_free_trade,
        "josephy": lambda: ncp4(JOSEPHY, (1, 1, 1, 1)),
        "kojshin": lambda: ncp4(KOJIMA_SHINDO, (1, 1, 1, 1)),
        "toy quota, tariffs halved": scenario("toy_import_quota.toml", "tariff_cut"),
    }
    if not args.no_flagship:
        switching["flagship capacity, margins/2"] = scenario("vologda_rail_capacity.toml",
                                                            "margins_-50")
    records = []
    for name, make in square.items():
        row = {"case": name, "kind": "square"}
        for solver in ("newton", "mcp"):
            row[solver] = _run(make, solver, args.repeats)
        row["ratio"] = row["mcp"]["seconds"] / row["newton"]["seconds"]
        records.append(row)
    for name, make in switching.items():
        row = {"case": name, "kind": "switching"}
        for solver in ("mcp", "mcp-ipopt"):
            row[solver] = _run(make, solver, args.repeats)
        records.append(row)

    print(f"{'case':28} {'n':>6} {'newton s':>9} {'it':>3} {'mcp s':>8} {'it':>3} "
          f"{'ratio':>6} {'ipopt s':>8} {'it':>3}  switched")
    for r in records:
        first = r.get("newton") or r["mcp"]
        newton = r.get("newton")
        ipopt = r.get("mcp-ipopt")
        print(f"{r['case']:28} {first['n']:6d} "
              + (f"{newton['seconds']:9.3f} {newton['iterations']:3d} " if newton
                 else f"{'':9} {'':3} ")
              + f"{r['mcp']['seconds']:8.3f} {r['mcp']['iterations']:3d} "
              + (f"{r['ratio']:6.2f} " if "ratio" in r else f"{'':6} ")
              + (f"{ipopt['seconds']:8.3f} {ipopt['iterations']:3d}  " if ipopt
                 else f"{'':8} {'':3}  ")
              + ", ".join(r["mcp"]["switched"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"python": platform.python_version(),
                                   "machine": platform.machine(), "repeats": args.repeats,
                                   "records": records}, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
