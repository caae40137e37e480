r"""Recursive dynamics: a sequence of static equilibria linked by capital accumulation.

Year ``t = start, ..., end`` of a path sets the model's exogenous values as a pure function of
the benchmark, the year and the path's state, then solves warm-started from year ``t - 1``
(in steps, :func:`cge.solvers.homotopy`, if a direct solve fails):

* quantities that scale with the economy (``FF``, ``Xre``, ``TRW``, ``GRW`` and the fixed
  entries of ``Sf``, ``Xg``, ``Xv``) are ``x0 (1 + g)^(t - start)``; ``[[dynamics.trend]]``
  entries replace ``g`` by their own rate for the entries they select (labour force by region,
  world prices, productivity ``b``, ...);
* sector-specific capital ``FFS = rho K_t`` from the capital stock (:mod:`.capital`);
* projects switched on add construction demand (``XvP``, ``XvD``, ``XvR``, ``XvF`` by source
  of financing), capital and productivity
  (:mod:`.projects`); timed shocks act on the year's values (:mod:`.spec`);
* the productivity index ``A`` (:mod:`.closure`) is solved for in the baseline when real GRP
  targets are given (forecast closure) and fixed at the baseline's values in every policy run
  (policy closure), so a policy run with nothing switched on reproduces the baseline.

After the solve, real investment is allocated to sectors and the stock is carried forward:
``K_{t+1} = (1 - delta) K_t + s_t I_t + P_{t+1}``.

Welfare of a policy run in year ``t`` is the equivalent variation against the baseline of the
same year at the baseline's prices (:func:`cge.model.results.indicators`); over the horizon it
is summed with and without discounting at ``discount_rate``:
``EV_discounted = sum_t EV_t / (1 + r)^(t - start)``.

The horizon ends with a different capital stock than the baseline's: a project's capital
still earns after ``end``, and capital crowded out is still missing. Its terminal value
(reported separately, ``terminal_value``) is the present value of the returns of the extra
stock ``dK = K_{T+1} - K^{base}_{T+1}`` (the stock after the last year's accumulation), each
unit earning the services ``rho_r`` per year at the baseline's rental price of the last year
``pf_T``, depreciating at ``delta_r`` and discounted at ``r``, counted from year ``T + 1``:

.. math::

    TV_{ri} = \frac{dK_{ri}\, \rho_r\, pf_{riT}}{(1 + r)^{T + 1 - start}}
        \sum_{s \ge 0} \Big(\frac{1 - \delta_r}{1 + r}\Big)^s
      = \frac{dK_{ri}\, \rho_r\, pf_{riT}}{(r + \delta_r)\,(1 + r)^{T - start}}

(returns after ``T`` at the last year's prices: no further growth or price change is
assumed). With a gross return ``rho pf`` equal to ``r + delta`` a unit is worth its
replacement cost at base-year prices, one. ``welfare_with_terminal`` adds it to the
discounted EV of the region's households: gross capital income, whoever receives it (owners
here or abroad, profit tax to the budgets), is counted as the region's, as in a social
cost-benefit analysis of the project.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.collections import ComponentMap

from cge import __version__
from cge.dynamics.capital import CapitalCalibration, accumulate, allocate, steady_state
from cge.dynamics.closure import add_productivity_index, set_forecast
from cge.dynamics.projects import (
    Project,
    capacity_added,
    capital_added,
    check_projects,
    construction_demand,
    productivity_factor,
)
from cge.dynamics.results import (
    Levels,
    equivalent_variation,
    nominal_grp,
    table,
    welfare_reference,
)
from cge.dynamics.spec import DynamicExperiment, DynamicSpec, TimedShock, load_dynamic
from cge.errors import CGEError
from cge.experiments.runner import calibrate_experiment, model_units, resolve_shock, with_units
from cge.experiments.spec import Shock
from cge.model import build_model
from cge.model.gates import GateReport, check_benchmark
from cge.model.walras import WalrasViolation, check_walras
from cge.solvers import SolveError, solve

GROWING = ("FF", "Xre", "TRW", "GRW", "Sf", "Xg", "Xv")  # variables: only their fixed entries


class DynamicSolveError(CGEError):
    """A year of a dynamic path could not be solved."""


@dataclass
class DynamicModel:
    """A built model with the dynamic components, and what the years are computed from."""

    m: pyo.ConcreteModel
    spec: DynamicSpec
    solver: str
    options: dict
    base: ComponentMap  # benchmark values of every Param and fixed Var
    state0: ComponentMap  # benchmark values of every Var and Param (to restart a path)
    levels: Levels  # reads the variables each year in the layout of solution()
    reference0: tuple[dict, dict]  # benchmark utility and prices (welfare since the start)
    pq0: dict[tuple[str, str], float]
    capital: CapitalCalibration
    grp0: dict[str, float]
    source: str = "dynamic experiment"


@dataclass
class PathResult:
    """One path (the baseline or a policy run): yearly results and what policies reuse."""

    name: str
    results: xr.Dataset | None = None
    reference: list[tuple[dict, dict]] = field(default_factory=list)  # utility, prices by year
    A: dict[int, dict[str, float]] = field(default_factory=dict)
    stock_end: dict[tuple[str, str], float] = field(default_factory=dict)  # K_{T+1}


@dataclass
class DynamicResult:
    experiment: DynamicExperiment
    gates: GateReport
    results: xr.Dataset
    timings: dict[str, float]
    interrupted: tuple[str, ...] = ()  # scenarios not run because of Ctrl-C


def real_investment(m: pyo.ConcreteModel, pq0: dict) -> dict[str, float]:
    """Investment from the savings pool at base-year prices, ``sum_c pq0 Xv``, by region."""
    out = {r: 0.0 for r in m.R}
    for k in m.RV:
        out[k[0]] += pq0[k] * pyo.value(m.Xv[k])
    return out


def _all_values(m: pyo.ConcreteModel, fixed_only: bool) -> ComponentMap:
    snap = ComponentMap()
    for v in m.component_data_objects(pyo.Var):
        if v.fixed or not fixed_only:
            snap[v] = v.value
    for p in m.component_data_objects(pyo.Param):
        snap[p] = pyo.value(p)
    return snap


def prepare(m: pyo.ConcreteModel, spec: DynamicSpec, *, solver: str = "auto",
            options: dict | None = None) -> DynamicModel:
    """Add the dynamic components to a model at its benchmark and calibrate the capital stock."""
    cap = spec.capital
    pq0 = {k: pyo.value(v) for k, v in m.pq.items()}
    services = {(r, i): pyo.value(m.FFS[r, f, i]) for r, f, i in m.RFS_SPECIFIC if f == cap}
    if not services:
        raise CGEError(f"no sector-specific {cap!r} in the model: set factor_mobility = "
                       f"{{ {cap} = \"specific\" }}")
    capital = steady_state(services, real_investment(m, pq0), spec.growth, spec.delta)
    levels, reference0 = Levels(m), welfare_reference(m)
    add_productivity_index(m)
    grp0 = {r: pyo.value(m.dyn_grp_target[r]) for r in m.R}
    if spec.grp_targets is not None:
        unknown = set(spec.grp_targets) - set(m.R)
        if unknown:
            raise CGEError(f"GRP targets for unknown region(s) {sorted(unknown)}; regions: "
                           f"{list(m.R)}")
    return DynamicModel(m, spec, solver, dict(options or {}), _all_values(m, True),
                        _all_values(m, False), levels, reference0, pq0, capital, grp0)


def _operate(op: str, old: float, value: float) -> float:
    return {"set": value, "multiply": old * value, "add": old + value}[op]


def year_values(dm: DynamicModel, year: int, stock: dict, projects: list[Project],
                shocks: tuple[TimedShock, ...], A: dict[str, float] | None,
                grp_target: dict[str, float] | None) -> ComponentMap:
    """Every exogenous value of ``year`` (a pure function of benchmark, year and state)."""
    m, spec = dm.m, dm.spec
    n = year - spec.start
    vals = ComponentMap(dm.base.items())
    scale = (1.0 + spec.growth) ** n
    for name in GROWING:
        for d in getattr(m, name).values():
            if d in vals:
                vals[d] = dm.base[d] * scale
    for tr in spec.trends:
        shock = Shock(tr.parameter, "multiply", 1.0, tr.where)
        for d, _ in resolve_shock(m, shock, "trend", dm.source):
            vals[d] = dm.base[d] * (1.0 + tr.rate) ** n
    rho = dm.capital.services_per_unit
    for (r, i), k in stock.items():
        vals[m.FFS[r, spec.capital, i]] = rho[r] * k
    for name, demand in construction_demand(projects, year, dm.pq0).items():
        comp = getattr(m, name)
        for k, q in demand.items():
            vals[comp[k]] += q
    for k, f in productivity_factor(projects, year).items():
        vals[m.b[k]] *= f
    for k, c in capacity_added(projects, year).items():
        vals[m.zcap[k]] += c
    for ts in shocks:
        shock = ts.at(year)
        if shock is None:
            continue
        for d, _ in resolve_shock(m, shock, f"year {year}", dm.source):
            vals[d] = _operate(shock.operation, vals[d], shock.value)
    for r in m.R:
        if A is not None:
            vals[m.dyn_A[r]] = A[r]
        if grp_target is not None and r in grp_target:
            vals[m.dyn_grp_target[r]] = grp_target[r]
    return vals


def _solve_year(dm: DynamicModel, vals: ComponentMap, where: str) -> dict:
    """Move the model to ``vals`` and solve; in steps from the previous year if need be."""
    targets = ComponentMap()
    for d, v in vals.items():
        if (not d.is_variable_type() or d.fixed) and pyo.value(d) != v:
            targets[d] = v
    start = ComponentMap((d, pyo.value(d)) for d in targets)
    for d, v in targets.items():
        d.set_value(v)
    try:
        res = solve(dm.m, solver=dm.solver, options=dm.options)
        method = "direct"
    except SolveError:
        for d, v in start.items():
            d.set_value(v)
        try:
            res = solve(dm.m, solver=dm.solver, options=dm.options, homotopy=targets)
        except SolveError as exc:
            raise DynamicSolveError(f"{where}: no solution, directly or in steps: {exc}"
                                    ) from exc
        method = "homotopy"
    try:
        walras = check_walras(dm.m, where)
    except WalrasViolation as exc:
        raise DynamicSolveError(str(exc)) from exc
    return {"method": method, "iterations": res.iterations, "max_residual": res.max_residual,
            "walras_residual": walras}


def run_path(dm: DynamicModel, name: str, projects: list[Project] = (),
             shocks: tuple[TimedShock, ...] = (), *, baseline: PathResult | None = None,
             progress: Callable[[str], None] | None = None) -> PathResult:
    """Solve every year of one path; ``baseline=None`` makes it the baseline; ``progress``
    is called with one line per year solved.

    The baseline uses the forecast closure if the spec has GRP targets; a policy run fixes
    the productivity index at the baseline's and measures welfare against it.
    """
    m, spec, years = dm.m, dm.spec, dm.spec.years
    for c, v in dm.state0.items():
        if c.is_variable_type():
            c.set_value(v, skip_validation=True)
        else:
            c.set_value(v)
    forecast = baseline is None and spec.grp_targets is not None
    set_forecast(m, None)
    stock = dict(dm.capital.stock)
    projects = list(projects)
    path = PathResult(name)
    rows: dict[str, list[dict]] = {k: [] for k in (
        "capital_stock", "investment_by_sector", "project_capital", "investment_real",
        "productivity_index", "GRP_real", "GRP_nominal", "EV", "EV_since_start",
        "project_demand_foreign", "project_demand_domestic")}
    frames, info = [], []
    for n, year in enumerate(years):
        target = None
        if forecast:
            target = {r: dm.grp0[r] * spec.grp_target_index(r, year) for r in spec.grp_targets}
            set_forecast(m, target)
        A = baseline.A[year] if baseline is not None else None
        vals = year_values(dm, year, stock, projects, shocks, A, target)
        t_year = time.perf_counter()
        info.append(_solve_year(dm, vals, f"{name}, {year}"))
        if progress is not None:
            progress(f"{name} {year} [{n + 1}/{len(years)}]: {info[-1]['method']}, "
                     f"{info[-1]['iterations']} it., {time.perf_counter() - t_year:.1f} s")
        frames.append(dm.levels.read())
        path.reference.append(welfare_reference(m))
        ev = equivalent_variation(m, baseline.reference[n] if baseline is not None
                                  else path.reference[n])
        invest = real_investment(m, dm.pq0)
        rental = {k: pyo.value(m.pf[k[0], spec.capital, k[1]]) for k in stock}
        alloc = allocate(stock, rental, invest, spec.investment_elasticity)
        path.A[year] = {r: pyo.value(m.dyn_A[r]) for r in m.R}
        added = capital_added(projects, year)
        for key, row in (
                ("capital_stock", stock), ("investment_by_sector", alloc),
                ("project_capital", {k: added.get(k, 0.0) for k in stock}),
                ("investment_real", invest), ("productivity_index", path.A[year]),
                ("GRP_real", {r: pyo.value(m.dyn_grp_real[r]) for r in m.R}),
                ("GRP_nominal", nominal_grp(m)), ("EV", ev),
                ("EV_since_start", equivalent_variation(m, dm.reference0)),
                ("project_demand_foreign", {k: pyo.value(m.XvP[k]) for k in m.RQ}),
                ("project_demand_domestic", {k: pyo.value(m.XvD[k] + m.XvR[k] + m.XvF[k])
                                             for k in m.RQ})):
            rows[key].append(dict(row))
        stock = accumulate(stock, alloc, capital_added(projects, year + 1), spec.delta)
    set_forecast(m, None)
    path.stock_end = stock
    ds = dm.levels.stack(years, frames)
    rs, r_, rc, rh = ("region", "sector"), ("region",), ("region", "commodity"), \
        ("region", "household")
    for key, dims, unit, doc in (
            ("capital_stock", rs, "value", "capital stock at the start of the year "
             "(base-year investment goods)"),
            ("investment_by_sector", rs, "value", "real investment allocated to the sector "
             "(adds to next year's stock)"),
            ("project_capital", rs, "value", "capital added by projects starting operation "
             "this year"),
            ("investment_real", r_, "value", "investment from the savings pool at base-year "
             "prices"),
            ("productivity_index", r_, "1", "productivity index A (forecast closure)"),
            ("GRP_real", r_, "value", "gross regional product at base-year prices"),
            ("GRP_nominal", r_, "value", "gross regional product at market prices"),
            ("EV", rh, "value", "equivalent variation against the baseline of the same year, "
             "at the baseline's prices"),
            ("EV_since_start", rh, "value", "equivalent variation against the base year, at "
             "base-year prices"),
            ("project_demand_foreign", rc, "quantity", "project investment demand financed "
             "from abroad (XvP)"),
            ("project_demand_domestic", rc, "quantity", "project investment demand financed "
             "at home: from private savings (XvD) or by a budget (XvR, XvF)")):
        ds[key] = table(rows[key], dims, years, unit, doc)
    ds["solve_iterations"] = ("year", [float(i["iterations"]) for i in info])
    ds["solve_homotopy"] = ("year", [i["method"] == "homotopy" for i in info])
    ds["max_residual"] = ("year", [i["max_residual"] for i in info])
    ds["walras_residual"] = ("year", [i["walras_residual"] for i in info])
    ds["max_residual"].attrs.update(units="value", description="largest equation residual at "
                                    "the year's solution")
    ds["walras_residual"].attrs.update(units="value", description="residual of the market left "
                                       "out by Walras' law at the year's solution")
    ds["solve_iterations"].attrs.update(units="1", description="solver iterations of the year")
    ds["solve_homotopy"].attrs["description"] = "the year was solved by homotopy"
    path.results = ds
    return path


def terminal_value(ds: xr.Dataset, spec: DynamicSpec) -> xr.DataArray:
    """Present value at ``start`` of the returns of each path's extra capital stock at the end
    of the horizon over the baseline's (module docstring), by scenario, region and sector."""
    r, end = spec.discount_rate, spec.end
    dk = ds["capital_stock_end"] - ds["capital_stock_end"].sel(scenario="baseline")
    rental = ds["pf"].sel(scenario="baseline", year=end, factor=spec.capital, drop=True)
    delta = xr.DataArray([spec.delta(str(g)) for g in ds["region"].values],
                         coords={"region": ds["region"]})
    tv = dk * ds["capital_services_per_unit"] * rental / (
        (r + delta) * (1.0 + r) ** (end - spec.start))
    out = tv.fillna(0.0)
    # attributes of its own, not the rental price's it was computed from
    out.attrs = {"units": "value", "description": f"terminal value of the capital stock at the "
                 f"end of {end} over the baseline's: its returns at the last year's baseline "
                 f"rental price, depreciating, discounted to {spec.start} at {r:g} a year"}
    return out


def _assemble(paths: list[PathResult], spec: DynamicSpec,
              rho: dict[str, float]) -> xr.Dataset:
    ds = xr.concat([p.results for p in paths],
                   dim=pd.Index([p.name for p in paths], name="scenario"),
                   combine_attrs="override", join="outer", fill_value=0.0)
    discount = (1.0 + spec.discount_rate) ** -(ds["year"] - spec.start)
    ds["EV_discounted"] = (ds["EV"] * discount).sum("year").assign_attrs(
        units="value", description=f"EV against the baseline summed over {spec.start}-"
        f"{spec.end}, discounted to {spec.start} at {spec.discount_rate:g} a year")
    ends = xr.concat([pd.Series(p.stock_end).rename_axis(["region", "sector"]).to_xarray()
                      for p in paths], dim=pd.Index([p.name for p in paths], name="scenario"))
    ds["capital_stock_end"] = ends.reindex(region=ds["region"], sector=ds["sector"],
                                           fill_value=0.0).fillna(0.0).assign_attrs(
        units="value", description="capital stock after the last year's accumulation (start "
        f"of {spec.end + 1})")
    ds["capital_services_per_unit"] = xr.DataArray(
        [rho[str(g)] for g in ds["region"].values], coords={"region": ds["region"]},
        attrs={"units": "1", "description": "capital services per unit of stock, rho (gross "
               "return at base-year prices)"})
    ds["terminal_value"] = terminal_value(ds, spec)
    ds["welfare_with_terminal"] = (ds["EV_discounted"].sum("household")
                                   + ds["terminal_value"].sum("sector")).assign_attrs(
        units="value", description="EV_discounted of the region's households plus the "
        "terminal value of its capital stock")
    ds["EV_cumulative"] = ds["EV"].sum("year").assign_attrs(
        units="value", description="EV against the baseline summed over the years, undiscounted")
    base = ds["GRP_real"].sel(scenario="baseline")
    ds["GRP_real_vs_baseline_pct"] = (100.0 * (ds["GRP_real"] / base - 1.0)).assign_attrs(
        units="%", description="real GRP, percent deviation from the baseline")
    return ds


def run_dynamic(source: str | Path | DynamicExperiment, *, scenarios: list[str] | None = None,
                progress: Callable[[str], None] | None = None) -> DynamicResult:
    """Calibrate, pass the gates, solve the baseline and every (chosen) scenario;
    ``progress`` is called with one line per path and year solved.

    Ctrl-C during the scenarios returns the paths that finished, with the others listed in
    ``interrupted`` (and the results' ``interrupted`` attribute).
    """
    t0 = time.perf_counter()
    dexp = source if isinstance(source, DynamicExperiment) else load_dynamic(source)
    chosen = [s for s in dexp.scenarios if scenarios is None or s.name in scenarios]
    if scenarios is not None and len(chosen) != len(scenarios):
        known = [s.name for s in dexp.scenarios]
        raise CGEError(f"unknown scenario(s) {sorted(set(scenarios) - set(known))}; "
                       f"known: {known}")
    sam, cal = calibrate_experiment(dexp.static)
    m = build_model(cal)
    check_projects(dexp.projects, m, dexp.spec.capital, dexp.file)
    gates = check_benchmark(m, solver=dexp.static.solver)
    t1 = time.perf_counter()
    dm = prepare(m, dexp.spec, solver=dexp.static.solver, options=dexp.static.solver_options)
    dm.source = str(dexp.file)
    # every trend and shock is checked against the model before anything is solved
    year_values(dm, dexp.spec.end, dm.capital.stock, [], tuple(
        s for sc in chosen for s in sc.shocks), None, None)
    baseline = run_path(dm, "baseline", progress=progress)
    t2 = time.perf_counter()
    paths = [baseline]
    try:
        for sc in chosen:
            paths.append(run_path(dm, sc.name, [dexp.projects[p] for p in sc.projects],
                                  sc.shocks, baseline=baseline, progress=progress))
    except KeyboardInterrupt:
        # Ctrl-C: keep the paths that finished (a policy path means nothing without the
        # baseline, so an interrupted baseline loses everything and propagates)
        interrupted = tuple(sc.name for sc in chosen[len(paths) - 1:])
        chosen = chosen[:len(paths) - 1]
    else:
        interrupted = ()
    t3 = time.perf_counter()
    ds = _assemble(paths, dexp.spec, dm.capital.services_per_unit)
    ds["description"] = ("scenario", ["baseline"] + [s.description for s in chosen])
    ds["description"].attrs["description"] = "scenario description from the experiment file"
    spec = dexp.spec
    ds.attrs = {
        "experiment": dexp.name, "experiment_description": dexp.description,
        "cge_version": __version__, "experiment_file": dexp.file.name,
        "closure": repr(dexp.static.config.closure),
        "units": model_units(dexp.static.config, sam.units),
        "growth": spec.growth, "depreciation": repr(spec.depreciation),
        "investment_elasticity": spec.investment_elasticity,
        "discount_rate": spec.discount_rate,
        "grp_targets": spec.describe_targets(), "gates": gates.summary(),
        "projects": "; ".join(f"{s.name}: {', '.join(s.projects) or '-'}" for s in chosen),
    }
    timings = {"calibrate+gates": t1 - t0, "baseline": t2 - t1, "scenarios": t3 - t2}
    if interrupted:
        ds.attrs["interrupted"] = ", ".join(interrupted)
    with_units(ds, ds.attrs["units"])
    return DynamicResult(dexp, gates, ds, timings, interrupted)
