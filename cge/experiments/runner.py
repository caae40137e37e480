"""Run an experiment: calibrate, pass the gates, solve every scenario, collect results.

Each scenario starts from the benchmark (parameters and variables restored), applies its
shocks and is solved warm-started from the benchmark; when a direct solve fails, the shock is
applied in steps (homotopy). The gates and every scenario share the model's one translation
(the shocked Params are its parameters, :func:`cge.solvers.symbolic_params`): a scenario sets
values and solves. A scenario that still fails is recorded as failed (status and
message, NaN levels) and the run goes on with the next one: one bad scenario never loses the
results of the others.

Layout of :attr:`ExperimentResult.results` (one Dataset, dimension ``scenario`` with
``benchmark`` first); every data variable carries ``units``, ``description`` and ``kind``:

* ``kind = "level"``: every model variable under its own name (``Z``, ``F``, ``DS``, ``E``,
  ``M``, prices, ...), on the dims its declaration names;
* ``kind = "parameter"``: the parameters some scenario shocks, and ``tmg`` (needed to value
  shipments), under their own names, so the shocks themselves are in the file;
* ``kind = "indicator"``: ``EV``, ``CV`` (per region and household, model value units),
  ``EV_pct`` (EV in % of benchmark consumption expenditure), ``GRP_nominal``, ``GRP_real``,
  ``terms_of_trade``;
* ``kind = "derived"``: ``trade_value`` and ``trade_volume`` (shipments by origin, destination
  and commodity at current and at benchmark delivered prices), ``exports_value`` and
  ``imports_value`` (foreign trade at current domestic prices), ``employment`` (labour input by
  region and sector);
* ``kind = "percent_change"``: ``pct_<name>`` for every level, parameter, derived variable and
  the GRP and terms-of-trade indicators: ``100 (x - x_benchmark) / |x_benchmark|``, NaN where
  the benchmark is zero;
* per scenario: ``status`` (``benchmark``, ``ok`` or ``failed``), ``message``, ``description``,
  ``solve_method``, ``solve_iterations``, ``max_residual``, ``seconds``, ``switched`` (the
  complementarity pairs whose regime differs from the benchmark's; empty without pairs).

Attributes hold what is needed to trace the numbers back: package version, SHA-256 of the SAM,
elasticity, margin and experiment files, closure, solver and options, gates and shocks.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.collections import ComponentMap

from cge import __version__
from cge.calibration import Calibration, Elasticities, calibrate, read_elasticities
from cge.calibration.margins import MarginStructure, read_margin_structure
from cge.errors import InputError, Location, Problem
from cge.experiments.spec import Experiment, Scenario, Shock, load_experiment
from cge.model import build_model
from cge.model.gates import GateReport, check_benchmark
from cge.model.results import indicators, solution
from cge.model.walras import check_walras
from cge.sam import SAM, read_sam
from cge.solvers import SolveError, SolveResult, solve, symbolic_params
from cge.solvers.mcp import has_complementarity, regimes
from cge.solvers.result import SolverError

#: Errors that mean "this scenario has no solution we can find", not "the program is wrong":
#: solver failures, and evaluation errors of the model functions at a shocked point (e.g. a
#: negative endowment raised to a fractional power).
SCENARIO_FAILURES = (SolverError, ArithmeticError, ValueError)

#: Indicators that are already differences from the benchmark: no percent change of them.
_NO_PCT = ("EV", "CV", "EV_pct")


@dataclass(frozen=True)
class ScenarioOutcome:
    """How one scenario's solve went."""

    name: str
    status: str  # "ok" or "failed"
    method: str  # "direct", "homotopy" or "" when failed
    iterations: int
    max_residual: float
    seconds: float
    walras_residual: float = float("nan")  # the dropped market's residual (NaN: no solution)
    message: str = ""  # the full error, e.g. the solver's summary with the largest residuals
    reason: str = ""  # one line for progress output and listings
    # complementarity pairs whose regime differs from the benchmark's ("row ⟂ variable")
    switched: tuple[str, ...] = ()


@dataclass
class ExperimentResult:
    experiment: Experiment
    gates: GateReport
    results: xr.Dataset
    timings: dict[str, float]
    outcomes: tuple[ScenarioOutcome, ...] = ()
    #: scenarios not run because of Ctrl-C (left out of ``results`` and ``outcomes``)
    interrupted: tuple[str, ...] = ()
    #: the calibrated model, back at its benchmark, with its translation (whose parameters
    #: are the shocked Params): what solves again from the benchmark, such as the welfare
    #: decomposition's path, reuses it instead of calibrating and translating again
    model: pyo.ConcreteModel | None = None

    @property
    def failed(self) -> list[ScenarioOutcome]:
        return [o for o in self.outcomes if o.status != "ok"]


def read_trade_margins(path: Path, cal_regions: list[str], sectors: list[str]
                       ) -> dict[tuple[str, str, str], float]:
    """``origin,destination,commodity,value,source`` rows; ``*`` expands to all labels.

    A margin is a share of the shipment's value used up in transport: a finite number >= 0.
    """
    from cge.csvfile import LINE, read_table  # imported here: this function's own reader

    df = read_table(path, ["origin", "destination", "commodity", "value", "source"],
                    "trade-margin file")
    out: dict[tuple[str, str, str], float] = {}
    problems = []
    for _, row in df.iterrows():
        where = Location(file=str(path), line=int(row[LINE]))
        value = pd.to_numeric(row["value"], errors="coerce")
        if not np.isfinite(value) or value < 0:
            problems.append(Problem("bad-value", f"margin {row['value']!r} is not a finite "
                                    "number >= 0 (a share of the shipment's value)", where))
        if not row["source"].strip():
            problems.append(Problem("no-source", "every margin needs a source", where))
        labels = []
        for col, known in (("origin", cal_regions), ("destination", cal_regions),
                           ("commodity", sectors)):
            lab = row[col].strip()
            if lab != "*" and lab not in known:
                problems.append(Problem("unknown-label", f"{col} {lab!r} is not in the SAM "
                                        f"(valid: {known} or '*')", where))
            labels.append(known if lab == "*" else [lab])
        for o in labels[0]:
            for d in labels[1]:
                for c in labels[2]:
                    out[(o, d, c)] = float(value)
    if problems:
        raise InputError(problems)
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
        refused = m.unshockable.get((shock.parameter, k))
        if refused and new != old:
            raise bad(f"the shock {shock.describe()} is refused: {refused}")
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


def apply_and_solve(m: pyo.ConcreteModel, targets: ComponentMap, exp: Experiment,
                    where: str) -> tuple[SolveResult, str, float]:
    """Set shocked parameters to their targets and solve, warm-started from the current point.

    If the direct solve fails, the shock is applied in steps from the starting values
    (homotopy). Returns the result, ``"direct"`` or ``"homotopy"``, and the Walras residual of
    the solution; raises what the solver raises when both fail, and
    :class:`~cge.model.walras.WalrasViolation` (naming ``where``) when the solution breaks
    Walras' law.
    """
    start = ComponentMap((d, pyo.value(d)) for d in targets)
    for data, new in targets.items():
        data.set_value(new)
    try:
        res, method = solve(m, solver=exp.solver, options=exp.solver_options), "direct"
    except SolveError:
        for data, old in start.items():
            data.set_value(old)
        res, method = (solve(m, solver=exp.solver, options=exp.solver_options,
                             homotopy=targets), "homotopy")
    return res, method, check_walras(m, where)


def run_scenario(m: pyo.ConcreteModel, scenario: Scenario, exp: Experiment,
                 benchmark_regimes: frozenset[str] = frozenset()) -> ScenarioOutcome:
    """Apply a scenario's shocks and solve (homotopy if a direct solve fails).

    Failures listed in :data:`SCENARIO_FAILURES` are returned as a ``failed`` outcome with the
    solver's message; the caller restores the benchmark before the next scenario. In a model
    with complementarity pairs, ``switched`` names the pairs whose regime (variable at its
    bound, or inequality binding) differs from ``benchmark_regimes``, the pairs at their bound
    in the benchmark (:func:`cge.solvers.mcp.regimes`).
    """
    t0 = time.perf_counter()
    targets = ComponentMap()
    for shock in scenario.shocks:
        for data, new in resolve_shock(m, shock, scenario.name, str(exp.file)):
            targets[data] = new
    try:
        res, method, walras = apply_and_solve(m, targets, exp, f"scenario {scenario.name!r}")
    except SCENARIO_FAILURES as exc:
        reason = (f"{exc.result.solver}: {exc.result.status.value} ({exc.result.message})"
                  if isinstance(exc, SolveError) else f"{type(exc).__name__}: {exc}")
        return ScenarioOutcome(scenario.name, "failed", "", 0, float("nan"),
                               time.perf_counter() - t0,
                               getattr(exc, "residual", float("nan")),
                               f"{type(exc).__name__}: {exc}", reason.splitlines()[0])
    switched = ()
    if has_complementarity(m):
        switched = tuple(sorted(set(regimes(m)) ^ benchmark_regimes))
    return ScenarioOutcome(scenario.name, "ok", method, res.iterations, res.max_residual,
                           time.perf_counter() - t0, walras, switched=switched)


def experiment_inputs(exp: Experiment) -> tuple[SAM, Elasticities, dict | None]:
    """The SAM, elasticities and (optional) trade margins an experiment file names."""
    sam = read_sam(exp.sam)
    el = read_elasticities(exp.elasticities)
    margins = None
    if exp.trade_margins is not None:
        regions = [r for r in sam.regions if sam.accounts_of("activity", r)]
        sectors = [a[len(exp.config.activity_prefix):] for a in sam.names_of("activity")]
        margins = read_trade_margins(exp.trade_margins, regions, sectors)
    return sam, el, margins


def margin_structure(exp: Experiment, sam: SAM) -> MarginStructure | None:
    """The margin structure an experiment file names (margins as services), or None."""
    if exp.margin_structure is None:
        return None
    regions = [r for r in sam.regions if sam.accounts_of("activity", r)]
    sectors = [a[len(exp.config.activity_prefix):] for a in sam.names_of("activity")]
    return read_margin_structure(exp.margin_structure, regions, sectors)


def calibrate_experiment(exp: Experiment) -> tuple[SAM, Calibration]:
    sam, el, margins = experiment_inputs(exp)
    return sam, calibrate(sam, el, exp.config, trade_margins=margins,
                          margin_structure=margin_structure(exp, sam))


def labour_factors(sam: SAM) -> list[str]:
    """Factor accounts whose SAM description starts with "labour" (or "labor")."""
    acc = sam.accounts
    rows = acc[(acc["kind"] == "factor")
               & acc["description"].str.lower().str.startswith(("labour", "labor"))]
    return sorted(set(rows["account"]))


def _parameters(m: pyo.ConcreteModel, names: list[str]) -> xr.Dataset:
    """Current values of the named parameters, with the same attrs as levels."""
    data = {}
    for name in names:
        sym = m.symbols[name]
        comp = getattr(m, name)
        if sym.dims and len(comp) == 0:
            continue
        values = {k: pyo.value(v) for k, v in comp.items()}
        if not sym.dims:
            da = xr.DataArray(float(values[None]))
        elif len(sym.dims) == 1:
            da = pd.Series(values).rename_axis(sym.dims[0]).to_xarray()
        else:
            idx = pd.MultiIndex.from_tuples(list(values), names=list(sym.dims))
            # entries outside a sparse index are zero, as in solution(): a NaN there (a route
            # that carries nothing) would turn every sum over it into NaN
            da = pd.Series(values, index=idx).to_xarray().fillna(0.0)
        data[name] = da.assign_attrs(units=sym.unit, description=sym.description,
                                     latex=sym.latex, block=sym.block, kind="parameter")
    return xr.Dataset(data)


def derived(ds: xr.Dataset, labour: list[str]) -> xr.Dataset:
    """Headline quantities computed from levels (all scenarios at once).

    ``ds`` needs ``pd``, ``DS`` and ``tmg`` for trade flows, ``pe``/``E`` and ``pm``/``M`` for
    foreign trade, ``F`` for employment, ``pq``/``Xp`` for ``EV_pct``; missing inputs skip the
    output (a one-region model has no shipments).
    """
    out = {}
    base = ds.sel(scenario="benchmark")
    if all(n in ds for n in ("DS", "pd", "tmg")):
        pd_o = ds["pd"].rename(region="origin", sector="commodity")
        pd0_o = base["pd"].rename(region="origin", sector="commodity")
        if "pdo" in ds:  # origins selling under a CET between destinations
            pd_o, pd0_o = ds["pdo"].fillna(pd_o), base["pdo"].fillna(pd0_o)
        out["trade_value"] = ((1 + ds["tmg"]) * pd_o * ds["DS"]).assign_attrs(
            units="value", kind="derived", description="shipments from origin to destination "
            "at current delivered prices (origin price plus trade margin, in the origin's "
            "currency, before any duty tb of the destination)")
        out["trade_volume"] = ((1 + base["tmg"]) * pd0_o * ds["DS"]).assign_attrs(
            units="value", kind="derived", description="shipments from origin to destination "
            "at benchmark delivered prices (volume)")
    if "E" in ds and "pe" in ds:
        out["exports_value"] = (ds["pe"] * ds["E"]).assign_attrs(
            units="value", kind="derived", description="exports abroad at current domestic "
            "prices")
    if "M" in ds and "pm" in ds:
        out["imports_value"] = (ds["pm"] * ds["M"]).assign_attrs(
            units="value", kind="derived", description="imports from abroad at current "
            "domestic prices (before tariffs)")
    if "F" in ds and labour:
        present = [f for f in labour if f in ds["F"].coords["factor"].values]
        if present:
            out["employment"] = ds["F"].sel(factor=present).sum("factor", skipna=False
                                                                 ).assign_attrs(
                units="quantity", kind="derived",
                description=f"labour input ({', '.join(present)}) by region and sector")
    if "EV" in ds and "pq" in ds and "Xp" in ds:
        spend0 = (base["pq"] * base["Xp"]).sum("commodity")
        out["EV_pct"] = (100.0 * ds["EV"] / spend0).assign_attrs(
            units="%", kind="indicator", description="equivalent variation in percent of "
            "benchmark consumption expenditure (= percent change of utility)")
    return xr.Dataset(out)


def _failed_frame(like: xr.Dataset) -> xr.Dataset:
    """A scenario without a solution: the benchmark's layout, every number NaN."""
    return xr.Dataset({n: xr.full_like(v, np.nan, dtype=float) for n, v in like.data_vars.items()},
                      attrs=like.attrs)


def run_experiment(path: str | Path, *, scenarios: list[str] | None = None,
                   progress: Callable[[str], None] | None = None) -> ExperimentResult:
    """Run an experiment file end to end.

    Raises on bad input (:class:`~cge.errors.InputError`) and failed benchmark gates; a
    scenario that cannot be solved is recorded (``status``/``message``, NaN levels) and the
    others still run. ``progress`` receives one line per scenario. Ctrl-C while scenarios
    are solved stops them: the finished ones are returned, the others named in
    ``interrupted``.
    """
    t0 = time.perf_counter()
    exp = load_experiment(path)
    if scenarios:
        unknown = set(scenarios) - {s.name for s in exp.scenarios}
        if unknown:
            raise InputError(Problem("unknown-scenario", f"no scenario(s) {sorted(unknown)} in "
                                     f"the file; known: {[s.name for s in exp.scenarios]}",
                                     Location(file=str(exp.file))))
    chosen = [s for s in exp.scenarios if not scenarios or s.name in scenarios]
    sam, cal = calibrate_experiment(exp)
    t1 = time.perf_counter()
    m = build_model(cal)
    t2 = time.perf_counter()
    # Validate every shock before solving anything; the shocked Params are parameters of the
    # model's translation, which the gates and every scenario then share.
    symbolic_params(m, [data for sc in chosen for shock in sc.shocks
                        for data, _ in resolve_shock(m, shock, sc.name, str(exp.file))])
    gates = check_benchmark(m, solver=exp.solver)
    bench_regimes = frozenset(regimes(m))
    t3 = time.perf_counter()
    shocked = sorted({sh.parameter for sc in chosen for sh in sc.shocks
                      if m.symbols[sh.parameter].kind == "parameter"}
                     | ({"tmg"} if "tmg" in m.symbols else set()))

    def collect() -> xr.Dataset:
        levels = solution(m)
        for v in levels.data_vars.values():
            v.attrs["kind"] = "level"
        # Parameters cover fewer labels than levels on a shared dim (FFS only for specific
        # factors): absent entries are zero, as in solution().
        return xr.merge([levels, _parameters(m, shocked)], join="outer", fill_value=0.0,
                        combine_attrs="override")

    bench = collect()
    snap = _snapshot(m)
    frames, inds = [bench], [indicators(m, bench)]
    outcomes, interrupted = [], ()
    try:
        for n, sc in enumerate(chosen, 1):
            _restore(snap)
            out = run_scenario(m, sc, exp, bench_regimes)
            outcomes.append(out)
            if out.status == "ok":
                frames.append(collect())
                inds.append(indicators(m, bench))
            else:
                frames.append(_failed_frame(bench))
                inds.append(_failed_frame(inds[0]))
            if progress is not None:
                how = f"{out.method}, {out.iterations} it." if out.status == "ok" else out.reason
                progress(f"[{n}/{len(chosen)}] {sc.name}: {out.status} ({how}, "
                         f"{out.seconds:.1f} s)"
                         + (f"; switched: {', '.join(out.switched)}" if out.switched else ""))
    except KeyboardInterrupt:
        # Ctrl-C: the scenarios that finished are kept, the others left out and listed
        k = min(len(outcomes), len(frames) - 1, len(inds) - 1)
        outcomes, frames, inds = outcomes[:k], frames[:k + 1], inds[:k + 1]
        interrupted, chosen = tuple(s.name for s in chosen[k:]), chosen[:k]
    _restore(snap)
    t4 = time.perf_counter()
    # object dtype: a pandas string dtype would not write to NetCDF 3
    names = pd.Index(["benchmark"] + [s.name for s in chosen], name="scenario", dtype=object)
    levels = xr.concat(frames, dim=names, combine_attrs="override")
    ind = xr.concat(inds, dim=names, combine_attrs="override")
    for v in ind.data_vars.values():
        v.attrs["kind"] = "indicator"
    ds = xr.merge([levels, ind], join="outer", combine_attrs="override")
    ds = ds.merge(derived(ds, labour_factors(sam)), join="outer")
    ds = ds.merge(percent_change(ds), join="outer")
    ds["status"] = ("scenario", ["benchmark"] + [o.status for o in outcomes])
    ds["message"] = ("scenario", [""] + [o.message for o in outcomes])
    ds["description"] = ("scenario", ["benchmark"] + [s.description for s in chosen])
    ds["solve_method"] = ("scenario", ["benchmark"] + [o.method for o in outcomes])
    ds["solve_iterations"] = ("scenario", [0] + [o.iterations for o in outcomes])
    ds["max_residual"] = ("scenario", [0.0] + [o.max_residual for o in outcomes])
    ds["walras_residual"] = ("scenario", [gates.walras_residual]
                             + [o.walras_residual for o in outcomes])
    ds["seconds"] = ("scenario", [0.0] + [o.seconds for o in outcomes])
    ds["switched"] = ("scenario", [""] + ["; ".join(o.switched) for o in outcomes])
    for name in ("status", "message", "description", "solve_method", "solve_iterations",
                 "max_residual", "walras_residual", "seconds", "switched"):
        ds[name].attrs.update(kind="run", units="s" if name == "seconds" else "1")
    ds["status"].attrs["description"] = "benchmark, ok or failed"
    ds["message"].attrs["description"] = "why a scenario failed"
    ds["description"].attrs["description"] = "scenario description from the experiment file"
    ds["solve_method"].attrs["description"] = "direct solve or homotopy"
    ds["solve_iterations"].attrs["description"] = "solver iterations"
    ds["max_residual"].attrs["description"] = "largest equation residual at the solution"
    ds["walras_residual"].attrs.update(
        units="value", description="residual of the market left out by Walras' law, at the "
        "solution (a failed scenario: at the rejected point, if that is why it failed)")
    ds["seconds"].attrs["description"] = "wall-clock time of the scenario's solve"
    ds["switched"].attrs["description"] = (
        "complementarity pairs (equation ⟂ variable, '; '-separated) whose regime differs from "
        "the benchmark's: a variable that left its bound (a quota that binds, an activity that "
        "starts) or returned to it")
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
        "margin_structure_sha256": (_sha256(exp.margin_structure) if exp.margin_structure
                                    else ""),
        "production_nests_sha256": (_sha256(exp.production_nests) if exp.production_nests
                                    else ""),
        "household_nests_sha256": (_sha256(exp.household_nests) if exp.household_nests
                                   else ""),
        "units": model_units(exp.config, sam.units),
        "closure": repr(exp.config.closure),
        "solver": exp.solver,
        "solver_options": repr(exp.solver_options),
        "gates": gates.summary(),
        "shocks": "; ".join(f"{s.name}: " + ", ".join(x.describe() for x in s.shocks)
                            for s in chosen),
        "labour_factors": ", ".join(labour_factors(sam)),
        "layout": "levels under model names; pct_<name> = percent change from the benchmark; "
                  "see cge.experiments.runner",
    }
    with_units(ds, ds.attrs["units"])
    return ExperimentResult(exp, gates, ds, timings, tuple(outcomes), interrupted, m)


def model_units(config, sam_units: str) -> str:
    """The unit of the model's money values: ``[model] units``, else the SAM's unit when
    ``scale`` is 1 (e.g. "mln RUB"), else the SAM's unit divided by ``scale``."""
    if config.units:
        return config.units
    if not sam_units:
        return "SAM units"
    return sam_units if config.scale == 1 else f"{sam_units} / {config.scale:g}"


def with_units(ds: xr.Dataset, money: str) -> xr.Dataset:
    """Give every variable its unit in ``units`` and a CF ``long_name``, in place.

    The model tags symbols with the kind of their unit; what it measures in money (kind
    ``value``: incomes, revenues, EV, CV, trade values, residuals of money equations) is in
    ``money``, the experiment's unit (e.g. "bln RUB" for a SAM in mln RUB with scale 1000);
    the kind stays in ``unit_kind``. ``long_name`` is the description.
    """
    for da in ds.data_vars.values():
        if da.attrs.get("units") == "value":
            da.attrs.update(units=money, unit_kind="value")
        if da.attrs.get("description") and "long_name" not in da.attrs:
            da.attrs["long_name"] = da.attrs["description"]
    return ds


def percent_change(ds: xr.Dataset, variables: list[str] | None = None) -> xr.Dataset:
    """``pct_<name>``: percent change of levels from the ``benchmark`` scenario.

    Default: every float variable on the ``scenario`` dim that is a level, parameter, derived
    quantity or indicator, except the indicators that are already differences (EV, CV) and
    existing ``pct_`` variables. NaN where the benchmark value is zero.
    """
    names = variables or [
        n for n in ds.data_vars
        if ds[n].dtype.kind == "f" and "scenario" in ds[n].dims and not str(n).startswith("pct_")
        and n not in _NO_PCT
        and ds[n].attrs.get("kind") in ("level", "parameter", "derived", "indicator", None)]
    at = ds.indexes["scenario"].get_loc("benchmark")
    out = {}
    for n in names:
        da = ds[n]
        # on the arrays: xarray's arithmetic per variable took seconds for the flagship
        x = da.values
        b = np.take(x, [at], axis=da.dims.index("scenario"))
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(b != 0, 100.0 * (x - b) / abs(b), np.nan)
        out[f"pct_{n}"] = xr.DataArray(
            pct, coords={d: ds.indexes[d] for d in da.dims if d in ds.indexes}, dims=da.dims,
            attrs={**da.attrs, "units": "%", "kind": "percent_change", "of": str(n),
                   "description": f"percent change from the benchmark of: "
                                  f"{da.attrs.get('description', n)}"})
    return xr.Dataset(out)
