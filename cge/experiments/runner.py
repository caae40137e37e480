"""Run an experiment: calibrate, pass the gates, solve every scenario, collect results.

Each scenario starts from the benchmark (parameters and variables restored), applies its
shocks and is solved warm-started from the benchmark; when a direct solve fails, the shock is
applied in steps (homotopy). Results of all scenarios form one Dataset with a ``scenario``
dimension (``benchmark`` first), plus the metadata needed to trace it back: package version,
SHA-256 of the SAM, elasticity and experiment files, closure and solver options.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.collections import ComponentMap

from cge import __version__
from cge.calibration import Calibration, calibrate, read_elasticities
from cge.errors import InputError, Location, Problem
from cge.experiments.spec import Experiment, Scenario, Shock, load_experiment
from cge.model import build_model
from cge.model.gates import GateReport, check_benchmark
from cge.model.results import indicators, solution
from cge.sam import read_sam
from cge.solvers import SolveError, solve


@dataclass
class ExperimentResult:
    experiment: Experiment
    gates: GateReport
    results: xr.Dataset
    timings: dict[str, float]


def read_trade_margins(path: Path, cal_regions: list[str], sectors: list[str]
                       ) -> dict[tuple[str, str, str], float]:
    """``origin,destination,commodity,value,source`` rows; ``*`` expands to all labels."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    out: dict[tuple[str, str, str], float] = {}
    for n, row in df.iterrows():
        where = Location(file=str(path), line=int(n) + 2)
        try:
            value = float(row["value"])
        except (KeyError, ValueError) as exc:
            raise InputError(Problem("bad-value", f"margin {row.get('value')!r} is not a number",
                                     where)) from exc
        if not row.get("source", "").strip():
            raise InputError(Problem("no-source", "every margin needs a source", where))
        labels = []
        for col, known in (("origin", cal_regions), ("destination", cal_regions),
                           ("commodity", sectors)):
            lab = row[col].strip()
            if lab != "*" and lab not in known:
                raise InputError(Problem("unknown-label", f"{col} {lab!r} is not in the SAM "
                                         f"(known: {known})", where))
            labels.append(known if lab == "*" else [lab])
        for o in labels[0]:
            for d in labels[1]:
                for c in labels[2]:
                    out[(o, d, c)] = value
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def resolve_shock(m: pyo.ConcreteModel, shock: Shock, scenario: str, file: str
                  ) -> list[tuple[object, float]]:
    """(component data, new value) pairs of a shock, validated against the model."""
    where = Location(file=file)

    def bad(msg: str) -> InputError:
        return InputError(Problem("bad-shock", f"scenario {scenario!r}: {msg}", where))

    sym = m.symbols.get(shock.parameter)
    if sym is None or sym.kind == "equation":
        shockable = sorted(n for n, s in m.symbols.items() if s.kind == "parameter")
        raise bad(f"unknown parameter {shock.parameter!r}; parameters of the model: "
                  f"{', '.join(shockable)}")
    comp = getattr(m, shock.parameter)
    for dim, labels in shock.where.items():
        if dim not in sym.dims:
            raise bad(f"{shock.parameter} has dimensions {list(sym.dims)}, not {dim!r}")
        pos = sym.dims.index(dim)
        known = sorted({(k if len(sym.dims) == 1 else k[pos]) for k in comp.keys()})
        for lab in labels:
            if lab not in known:
                raise bad(f"unknown {dim} {lab!r} in the shock on {shock.parameter}; known: "
                          f"{known}")
    out = []
    for k, data in comp.items():
        idx = (k,) if len(sym.dims) == 1 else (k if isinstance(k, tuple) else ())
        if any(idx[sym.dims.index(d)] not in labels for d, labels in shock.where.items()):
            continue
        if sym.kind == "variable" and not data.fixed:
            raise bad(f"{data.name} is endogenous under this closure; shocks apply to "
                      "parameters or to variables the closure fixes")
        old = pyo.value(data)
        new = {"set": shock.value, "multiply": old * shock.value, "add": old + shock.value}[
            shock.operation]
        out.append((data, new))
    if not out:
        raise bad(f"the shock {shock.describe()} selects no entries")
    return out


def _snapshot(m: pyo.ConcreteModel) -> ComponentMap:
    snap = ComponentMap()
    for v in m.component_data_objects(pyo.Var):
        snap[v] = v.value
    for p in m.component_data_objects(pyo.Param):
        snap[p] = pyo.value(p)
    return snap


def _restore(snap: ComponentMap) -> None:
    for c, val in snap.items():
        if c.is_variable_type():
            c.set_value(val, skip_validation=True)
        else:
            c.set_value(val)


def run_scenario(m: pyo.ConcreteModel, scenario: Scenario, exp: Experiment) -> dict:
    """Apply a scenario's shocks and solve (homotopy if a direct solve fails)."""
    targets = ComponentMap()
    for shock in scenario.shocks:
        for data, new in resolve_shock(m, shock, scenario.name, str(exp.file)):
            targets[data] = new
    start = ComponentMap((d, pyo.value(d)) for d in targets)
    for data, new in targets.items():
        data.set_value(new)
    try:
        res = solve(m, solver=exp.solver, options=exp.solver_options)
        method = "direct"
    except SolveError:
        for data, old in start.items():
            data.set_value(old)
        res = solve(m, solver=exp.solver, options=exp.solver_options, homotopy=targets)
        method = "homotopy"
    return {"solver": res.solver, "iterations": res.iterations, "method": method,
            "max_residual": res.max_residual}


def calibrate_experiment(exp: Experiment) -> Calibration:
    sam = read_sam(exp.sam)
    el = read_elasticities(exp.elasticities)
    margins = None
    if exp.trade_margins is not None:
        regions = [r for r in sam.regions if sam.accounts_of("activity", r)]
        sectors = [a[len(exp.config.activity_prefix):] for a in sam.names_of("activity")]
        margins = read_trade_margins(exp.trade_margins, regions, sectors)
    return calibrate(sam, el, exp.config, trade_margins=margins)


def run_experiment(path: str | Path, *, scenarios: list[str] | None = None) -> ExperimentResult:
    """Run an experiment file end to end; raises on bad input, failed gates or failed solves."""
    t0 = time.perf_counter()
    exp = load_experiment(path)
    if scenarios:
        unknown = set(scenarios) - {s.name for s in exp.scenarios}
        if unknown:
            raise InputError(Problem("unknown-scenario", f"no scenario(s) {sorted(unknown)} in "
                                     f"the file; known: {[s.name for s in exp.scenarios]}",
                                     Location(file=str(exp.file))))
    chosen = [s for s in exp.scenarios if not scenarios or s.name in scenarios]
    cal = calibrate_experiment(exp)
    t1 = time.perf_counter()
    m = build_model(cal)
    t2 = time.perf_counter()
    # Validate every shock before solving anything.
    for sc in chosen:
        for shock in sc.shocks:
            resolve_shock(m, shock, sc.name, str(exp.file))
    gates = check_benchmark(m, solver=exp.solver)
    t3 = time.perf_counter()
    bench = solution(m)
    snap = _snapshot(m)
    frames, infos = [bench], [{"solver": "", "iterations": 0, "method": "benchmark",
                               "max_residual": 0.0}]
    inds = [indicators(m, bench)]
    for sc in chosen:
        _restore(snap)
        infos.append(run_scenario(m, sc, exp))
        frames.append(solution(m))
        inds.append(indicators(m, bench))
    _restore(snap)
    t4 = time.perf_counter()
    names = ["benchmark"] + [s.name for s in chosen]
    levels = xr.concat(frames, dim=pd.Index(names, name="scenario"), combine_attrs="override")
    ind = xr.concat(inds, dim=pd.Index(names, name="scenario"), combine_attrs="override")
    ds = xr.merge([levels, ind], combine_attrs="override")
    ds["solve_method"] = ("scenario", [i["method"] for i in infos])
    ds["solve_iterations"] = ("scenario", [i["iterations"] for i in infos])
    ds["description"] = ("scenario", ["benchmark"] + [s.description for s in chosen])
    timings = {"calibrate": t1 - t0, "build": t2 - t1, "gates": t3 - t2, "scenarios": t4 - t3}
    ds.attrs = {
        "experiment": exp.name,
        "experiment_description": exp.description,
        "cge_version": __version__,
        "experiment_file": str(exp.file.name),
        "experiment_sha256": _sha256(exp.file),
        "sam": exp.sam.name,
        "sam_sha256": _sha256(exp.sam),
        "elasticities_sha256": _sha256(exp.elasticities),
        "trade_margins_sha256": _sha256(exp.trade_margins) if exp.trade_margins else "",
        "closure": repr(exp.config.closure),
        "solver": exp.solver,
        "solver_options": repr(exp.solver_options),
        "gates": gates.summary(),
        "shocks": "; ".join(f"{s.name}: " + ", ".join(x.describe() for x in s.shocks)
                            for s in chosen),
    }
    return ExperimentResult(exp, gates, ds, timings)


def percent_change(ds: xr.Dataset, variables: list[str] | None = None) -> xr.Dataset:
    """Percent change of levels from the ``benchmark`` scenario."""
    names = variables or [n for n in ds.data_vars if ds[n].dtype.kind == "f"
                          and "scenario" in ds[n].dims]
    base = ds.sel(scenario="benchmark")
    out = {}
    for n in names:
        b = base[n]
        out[n] = (100.0 * (ds[n] - b) / abs(b)).where(b != 0).assign_attrs(
            units="%", description=f"percent change of {ds[n].attrs.get('description', n)}")
    return xr.Dataset(out)
