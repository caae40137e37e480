"""Sensitivity points solved in batches, keeping only the results a spec asks for.

A :class:`Batch` is one Dask task and one result file for a run of design points (each a
:class:`~cge.sensitivity.tasks.Task`), and :func:`run_batch` returns the batch's key results on
``sample x scenario`` with every run's bookkeeping (``status``, ``message``,
``solve_method``, ``solve_iterations``, ``max_residual``, ``walras_residual``). A point of a
1,000-point SSA of the flagship is about 0.05 s of solving; scheduling it as a task of its
own, writing its levels and indicators (about 80 arrays) to a file and collecting them
through Pyomo and xarray took 30 times that.

Points whose elasticities are Params of the pooled model (:func:`~cge.sensitivity.tasks.
point_values`) are solved on the model's one translation without writing anything into Pyomo
(:class:`_Points`): the point's Params and the run's shocked values go into the parameter
vector, the Newton method the experiment's solver starts with solves from the benchmark (the
start and the steps of the runner's direct solve), the equations Walras' law leaves out are
evaluated from compiled functions of the solution, and the key results are read from the
solution vector (model variables) or compiled functions of it (``GRP_real``,
``GRP_nominal``), ``EV`` as :func:`cge.model.results.indicators` computes it; ``EV_pct`` and
the ``pct_`` changes come from :func:`~cge.sensitivity.tasks.complete` once per batch. A run
whose Newton solve fails or whose solution breaks Walras' law is solved again by the runner's
route (direct solve, homotopy, Walras check in Pyomo: :func:`~cge.sensitivity.tasks.
_run_ready`), which records it as ``failed`` with the runner's reason or as solved. Points that
need a model of their own, and key results this module cannot read from the solution vector
(``employment``, trade flows, parameters, ``CV``), take the full route of
:func:`~cge.sensitivity.tasks.run_task` and keep the same key results.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import casadi as ca
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.expr.numeric_expr import UnaryFunctionExpression
from pyomo.core.expr.visitor import StreamBasedExpressionVisitor

from cge.errors import InputError, Location, Problem
from cge.model import grp, households
from cge.model.walras import walras_tolerance
from cge.sensitivity.tasks import (
    _LOCK,
    BENCHMARK_TOL,
    TASK_FORMAT,
    Task,
    _Ready,
    _ready,
    _run_ready,
    base,
    benchmark_frame,
    complete,
    point_values,
    run_task,
    shock_targets,
)
from cge.solvers import reduce as reduce_space
from cge.solvers import symbolic_params
from cge.solvers.api import quick_check_square
from cge.solvers.mcp import has_complementarity
from cge.solvers.newton import NewtonOptions, evaluator, newton_solve
from cge.solvers.result import SolverError, SolveStatus
from cge.solvers.translate import CasadiSystem, translation

#: Design points per batch: 40 batches for 1,000 points (20 per worker of two), each a few
#: seconds of work; independent of the number of workers, so that a run resumed with
#: another ``--workers`` finds its batch files.
BATCH_POINTS = 25
#: Indicators read from the solution vector (besides model variables); see :class:`_Points`.
INDICATORS = ("EV", "GRP_real", "GRP_nominal")
#: The bookkeeping of every run, as :func:`~cge.sensitivity.tasks.run_task` writes it.
RUN_VARIABLES = ("status", "message", "solve_method", "solve_iterations", "max_residual",
                 "walras_residual")


@dataclass(frozen=True)
class Batch:
    """Design points solved together; ``id`` names the result file."""

    id: str
    experiment: str
    points: tuple[Task, ...]
    key_results: tuple[str, ...]
    first: int = 0  # the number of the first point in the design

    @property
    def samples(self) -> pd.Index:
        return pd.Index(range(self.first, self.first + len(self.points)), name="sample")


def make_batch(prefix: str, points: tuple[Task, ...], key_results: tuple[str, ...],
               first: int = 0) -> Batch:
    """A batch whose id is ``<prefix>-<digest>``; the digest covers the points' ids (which
    cover the experiment, its data, the runs, the elasticities and the code's version) and the
    key results."""
    digest = hashlib.sha256(repr((tuple(p.id for p in points), key_results,
                                  TASK_FORMAT)).encode()).hexdigest()[:12]
    return Batch(f"{prefix}-{digest}", points[0].experiment, points, key_results, first)


def batches(prefix: str, points: list[Task], key_results: tuple[str, ...]) -> list[Batch]:
    """:data:`BATCH_POINTS` points per batch, named by their first point's number."""
    return [make_batch(f"{prefix}-{k:04d}", tuple(points[k:k + BATCH_POINTS]), key_results, k)
            for k in range(0, len(points), BATCH_POINTS)]


def raw_results(m: pyo.ConcreteModel, key_results: tuple[str, ...]) -> list[str] | None:
    """The quantities the key results are computed from, if :class:`_Points` can read them
    from a solution vector (model variables and :data:`INDICATORS`), else None."""
    raw: list[str] = []
    for key in key_results:
        of = key.removeprefix("pct_")
        # EV_pct divides EV by benchmark consumption spending (runner.derived)
        for name in ("EV", "pq", "Xp") if key == "EV_pct" else (of,):
            sym = m.symbols.get(name)
            if name not in INDICATORS and (sym is None or sym.kind != "variable"):
                return None
            if name not in raw:
                raw.append(name)
    return raw


def newton_options(exp, m: pyo.ConcreteModel, system: CasadiSystem) -> NewtonOptions | None:
    """The options of the full-space Newton solve the experiment's solver starts with
    (:mod:`cge.solvers.api`: ``newton``, or ``auto`` on a square equality system without
    complementarity pairs), None if it starts otherwise or with options this module does not
    read (points then take the runner's route, which reports them)."""
    square = (system.is_equality_system and system.objective_is_constant
              and system.n_constraints == system.n_variables)
    if exp.solver not in ("auto", "newton") or not square or has_complementarity(m):
        return None
    opts = {k: v for k, v in exp.solver_options.items() if k not in ("check", "allow_unused")}
    if exp.solver == "auto":
        if set(opts) - {"tol", "newton", "ipopt"}:
            return None
        opts = {**{k: opts[k] for k in ("tol",) if k in opts}, **opts.get("newton", {})}
    if opts.pop("reduced", reduce_space.BY_DEFAULT):
        return None
    try:
        return NewtonOptions(**opts)
    except TypeError:  # an unknown option: the runner's route raises the solver's error
        return None


class _ToCasadi(StreamBasedExpressionVisitor):
    """A Pyomo expression as a CasADi SX expression; leaves through ``leaf``."""

    def __init__(self, leaf):
        super().__init__()
        self._leaf = leaf

    def initializeWalker(self, expr):
        if type(expr) in native_numeric_types or not expr.is_expression_type():
            return False, self._value(expr)
        return True, None

    def beforeChild(self, node, child, child_idx):
        if type(child) in native_numeric_types or not child.is_expression_type():
            return False, self._value(child)
        return True, None

    def exitNode(self, node, data):
        if node.is_named_expression_type():
            return data[0]
        if isinstance(node, UnaryFunctionExpression):  # log, exp, ...: CasADi's own
            return getattr(ca, node.getname())(data[0])
        return node._apply_operation(data)

    def _value(self, leaf):
        return leaf if type(leaf) in native_numeric_types else self._leaf(leaf)


@dataclass
class _Points:
    """The pooled model's translation prepared for points: Params and shocked values as one
    vector ``q`` (the components points and shocks set, at their pooled values otherwise),
    the parameter vector ``p`` of the translation filled from it, and compiled functions of
    ``(x, q)`` for the Walras equations and the GRP indicators."""

    system: CasadiSystem
    opts: NewtonOptions
    tables: frozenset[str]  # the Params a point sets
    index: dict[int, int]  # id of a Param or fixed Var data -> position in q
    keys: dict[str, tuple[list, np.ndarray]]  # Param -> its indices and positions in q
    q_pool: np.ndarray
    p_pool: np.ndarray
    p_at: np.ndarray  # positions in p of the q entries that are parameters of the translation
    q_at: np.ndarray  # their positions in q
    x_pool: np.ndarray
    walras: ca.Function  # (x, q) -> body - rhs of each equation left out by Walras' law
    grp: ca.Function | None  # (x, q) -> [GRP_real (regions), GRP_nominal (regions)]
    regions: list[str]
    constants: np.ndarray  # variables' values not in x or q (fixed, or in no equation)
    variables: dict[str, tuple[np.ndarray, tuple]]  # raw variable -> sources, cells
    templates: dict[str, xr.DataArray]  # raw quantities at the benchmark (layout and attrs)
    uu: np.ndarray  # positions of UU in [x, q, constants], in m.RH order
    ev_cells: tuple  # cells of EV's array, in m.RH order
    uu0: np.ndarray  # UU at the benchmark, in m.RH order
    cost0: dict  # households' unit cost at benchmark prices (pooled Params)
    p0: dict  # benchmark purchaser prices (for unit costs)


    def point(self, values: dict[str, dict]) -> np.ndarray:
        """``q`` of a point: its Params' values (absent entries zero, as when a model is built
        from a calibration), the pooled values elsewhere."""
        q = self.q_pool.copy()
        for name, (keys, at) in self.keys.items():
            table = values[name]
            q[at] = [table.get(k, 0.0) for k in keys]
        return q

    def parameters(self, q: np.ndarray) -> np.ndarray:
        """The translation's parameter vector at ``q``."""
        p = self.p_pool.copy()
        p[self.p_at] = q[self.q_at]
        return p

    def walras_residual(self, x: np.ndarray, q: np.ndarray) -> float:
        """As :func:`cge.model.walras.walras_residual`: the largest absolute residual, NaN
        if one is."""
        r = np.abs(np.asarray(self.walras(x, q), dtype=float).ravel())
        return float(np.nan if np.isnan(r).any() else r.max(initial=0.0))

    def benchmark_residual(self, q: np.ndarray) -> float:
        ev = evaluator(self.system)
        ev.set_parameters(self.parameters(q))
        return float(np.max(np.abs(ev.residual(self.x_pool)), initial=0.0))

    def solve(self, m: pyo.ConcreteModel, run, q: np.ndarray, file: str, tol: float
              ) -> tuple[dict, dict[str, np.ndarray]] | None:
        """Run info and raw results of a run solved from the benchmark; None if the Newton
        solve fails or its solution breaks Walras' law (the runner's route decides)."""
        targets = shock_targets(m, run, file)
        q = q.copy()
        for data, new in targets.items():
            q[self.index[id(data)]] = new
        out = newton_solve(self.system, self.x_pool, self.opts, self.parameters(q))
        if out.status is not SolveStatus.OK:
            return None
        walras = self.walras_residual(out.x, q)
        if not walras <= tol:
            return None
        info = {"status": "ok", "method": "direct", "iterations": out.iterations,
                "max_residual": float(np.max(np.abs(out.residual), initial=0.0)),
                "walras_residual": walras, "message": ""}
        return info, self._raw(m, out.x, q, targets)

    def _raw(self, m: pyo.ConcreteModel, x: np.ndarray, q: np.ndarray, targets) -> dict:
        v = np.concatenate([x, q, self.constants])
        out = {}
        for name, (sources, cells) in self.variables.items():
            arr = np.zeros(self.templates[name].shape)  # absent entries zero, as solution()
            arr[cells] = v[sources]
            out[name] = arr
        if "EV" in self.templates:
            cost = self.cost0
            if any(m.symbols[d.parent_component().local_name].block == "households"
                   for d in targets):
                # a shock to household demand moves the unit cost: computed as indicators()
                # does, with the shock in the model
                cost = _unit_cost_under(m, targets, self.p0)
            arr = np.full(self.templates["EV"].shape, np.nan)
            arr[self.ev_cells] = (v[self.uu] - self.uu0) * np.array([cost[k] for k in m.RH])
            out["EV"] = arr
        if self.grp is not None:
            g = np.asarray(self.grp(x, q), dtype=float).ravel()
            n = len(self.regions)
            for name, part in (("GRP_real", g[:n]), ("GRP_nominal", g[n:])):
                if name in self.templates:
                    t = self.templates[name]
                    arr = np.full(t.shape, np.nan)
                    arr[[t.indexes["region"].get_loc(r) for r in self.regions]] = part
                    out[name] = arr
        return out


def _prepare(ready: _Ready, exp, shocked: set[str], tables: frozenset[str],
             raw: list[str]) -> _Points | None:
    """The prepared translation for points that set ``tables`` and runs that shock
    ``shocked``; None if the experiment's solver does not start with a full-space Newton
    solve, or the structure check fails (the runner's route then reports it)."""
    m = ready.model
    symbolic_params(m, [getattr(m, n) for n in shocked | tables])
    system = translation(m)
    opts = newton_options(exp, m, system)
    if opts is None:
        return None
    if exp.solver_options.get("check", True):
        try:
            quick_check_square(m)
        except SolverError:
            return None
    varying = [d for n in sorted(shocked | tables) for d in getattr(m, n).values()]
    index = {id(d): k for k, d in enumerate(varying)}
    keys = {n: (list(getattr(m, n).keys()),
                np.array([index[id(d)] for d in getattr(m, n).values()], dtype=np.int64))
            for n in tables}
    q_pool = np.array([pyo.value(d) for d in varying], dtype=float)
    p_index = {id(d): k for k, d in enumerate(system.parameters)}
    pairs = [(p_index[id(d)], k) for k, d in enumerate(varying) if id(d) in p_index]
    p_at, q_at = (np.array(c, dtype=np.int64).reshape(-1) for c in zip(*pairs, strict=True)
                  ) if pairs else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    x_index = {id(v): j for j, v in enumerate(system.variables)}
    x_sym, q_sym = ca.SX.sym("x", system.n_variables), ca.SX.sym("q", len(varying))

    def leaf(data):
        if id(data) in index:
            return q_sym[index[id(data)]]
        if data.is_variable_type() and id(data) in x_index:
            return x_sym[x_index[id(data)]]
        return pyo.value(data)  # the same at every point: written as a number

    to_sx = _ToCasadi(leaf)
    equations = [m.find_component(n) for n in m.walras_names]
    walras = ca.Function("walras", [x_sym, q_sym],
                         [ca.vertcat(*[to_sx.walk_expression(e.body)
                                       - to_sx.walk_expression(e.upper) for e in equations])])
    frame = benchmark_frame(ready, [])
    regions = list(m.R)
    grp_fun = None
    if {"GRP_real", "GRP_nominal"} & set(raw):
        real = grp.real(m, grp.BasePrices.from_solution(m, ready.levels))
        nominal = grp.nominal(m)
        grp_fun = ca.Function("grp", [x_sym, q_sym], [ca.vertcat(
            *[to_sx.walk_expression(real[r][0]) for r in regions],
            *[to_sx.walk_expression(nominal[r][0]) for r in regions])])
    # every raw variable's entries as positions in [x, q, constants] and cells of its array
    constants: list[float] = []
    n_x, n_q = system.n_variables, len(varying)

    def source(data) -> int:
        if id(data) in index:
            return n_x + index[id(data)]
        if id(data) in x_index:
            return x_index[id(data)]
        constants.append(float(data.value))  # fixed, or in no equation: never moves
        return n_x + n_q + len(constants) - 1

    def cells(template: xr.DataArray, keys) -> tuple:
        pos = [tuple(template.indexes[d].get_loc(k) for d, k in
                     zip(template.dims, key if isinstance(key, tuple) else (key,), strict=True))
               for key in keys]
        return tuple(np.array(c, dtype=np.int64) for c in zip(*pos, strict=True))

    variables = {n: (np.array([source(d) for d in getattr(m, n).values()], dtype=np.int64),
                     cells(frame[n], getattr(m, n).keys()))
                 for n in raw if n not in INDICATORS}
    uu = np.array([source(m.UU[k]) for k in m.RH], dtype=np.int64)
    uu0 = dict(grp._at(ready.levels["UU"], m.RH))
    p0 = {k: float(v) for k, v in grp._at(ready.levels["pq"], m.pq)}
    return _Points(
        system=system, opts=opts, tables=tables, index=index, keys=keys, q_pool=q_pool,
        p_pool=system.parameter_values(), p_at=p_at, q_at=q_at, x_pool=system.start_point(),
        walras=walras, grp=grp_fun, regions=regions,
        constants=np.array(constants), variables=variables,
        templates={n: frame[n] for n in raw}, uu=uu, ev_cells=cells(frame["EV"], m.RH),
        uu0=np.array([float(uu0[k]) for k in m.RH]),
        cost0=households.unit_cost(m, p0), p0=p0)


def _unit_cost_under(m: pyo.ConcreteModel, targets, p0: dict) -> dict:
    old = [(d, pyo.value(d)) for d in targets]
    try:
        for d, new in targets.items():
            d.set_value(new)
        return households.unit_cost(m, p0)
    finally:
        for d, value in old:
            d.set_value(value)


_INFO = (("status", "status"), ("message", "message"), ("method", "solve_method"),
         ("iterations", "solve_iterations"), ("max_residual", "max_residual"),
         ("walras_residual", "walras_residual"))


def _info_of(ds: xr.Dataset, scenario: str) -> dict:
    at = ds.sel(scenario=scenario)
    return {key: at[var].item() for key, var in _INFO}


def _row(ds: xr.Dataset, scenario: str, name: str, template: xr.DataArray) -> np.ndarray:
    """A full route's result for a scenario, in the layout of the batch's arrays."""
    return ds[name].sel(scenario=scenario).reindex_like(template).transpose(
        *template.dims).values


def run_batch(batch: Batch) -> xr.Dataset:
    """The key results and run bookkeeping of every point of the batch on ``sample`` (the
    points' numbers in the design) x ``scenario`` (``benchmark`` first)."""
    with _LOCK:
        b = base(batch.experiment)
    exp = b.exp
    runs = [r.name for r in batch.points[0].runs]
    if any([r.name for r in p.runs] != runs for p in batch.points):
        raise ValueError(f"batch {batch.id}: the points solve different runs")
    scenarios = ["benchmark"] + runs
    values = [point_values(b, p.elasticities) if p.elasticities else {} for p in batch.points]
    with _ready(batch.experiment, ()) as ready:
        m = ready.model
        raw = raw_results(m, batch.key_results)
        shocked = {sh.parameter for p in batch.points for r in p.runs for sh in r.shocks}
        tables = next((frozenset(v) for v in values if v is not None), frozenset())
        fast = None
        if raw is not None and not shocked & tables:
            key = (frozenset(shocked), tables, tuple(raw))
            if key not in ready.batch:
                ready.batch[key] = _prepare(ready, exp, shocked, tables, raw)
            fast = ready.batch[key]
        if fast is None:
            # every point by the full route; the key results picked from everything
            frames = [run_task(p) if v is None else _run_ready(p, ready, v or None)
                      for p, v in zip(batch.points, values, strict=True)]
            return _finish(batch, xr.concat(frames, dim=batch.samples,
                                            combine_attrs="drop_conflicts"))
        return _finish(batch, _solve_points(batch, ready, fast, values, scenarios))


def _solve_points(batch: Batch, ready: _Ready, fast: _Points, values: list,
                  scenarios: list[str]) -> xr.Dataset:
    m, exp = ready.model, base(batch.experiment).exp
    tol = walras_tolerance(m)
    n, s = len(batch.points), len(scenarios)
    raw = {name: np.full((n, s) + t.shape, np.nan) for name, t in fast.templates.items()}
    info = {key: np.empty((n, s), dtype=object) for key, _ in _INFO}
    for i, (point, vals) in enumerate(zip(batch.points, values, strict=True)):
        if vals is None or set(vals) != fast.tables:
            # a model of its own (or other Params): the full route, its rows taken over
            ds = run_task(point) if vals is None else _run_ready(point, ready, vals or None)
            for j, sc in enumerate(scenarios):
                for name, t in fast.templates.items():
                    raw[name][i, j] = _row(ds, sc, name, t)
                for key, value in _info_of(ds, sc).items():
                    info[key][i, j] = value
            continue
        q = fast.point(vals)
        if vals:
            res = fast.benchmark_residual(q)
            if not res <= BENCHMARK_TOL:  # as the full route: calibration must reproduce the SAM
                raise RuntimeError(f"benchmark residual {res:.3e} > {BENCHMARK_TOL} after "
                                   f"setting {[o.describe() for o in point.elasticities]}")
        for name, t in fast.templates.items():
            raw[name][i, 0] = t.values
        for key, value in {"status": "benchmark", "method": "benchmark", "iterations": 0,
                           "max_residual": 0.0, "message": "",
                           "walras_residual": fast.walras_residual(fast.x_pool, q)}.items():
            info[key][i, 0] = value
        for j, run in enumerate(point.runs, start=1):
            solved = fast.solve(m, run, q, str(exp.file), tol)
            if solved is None:
                # the runner's route: direct solve, homotopy, Walras check; failed or solved
                ds = _run_ready(Task(point.id, point.experiment, (run,), point.elasticities),
                                ready, vals or None)
                rows = {name: _row(ds, run.name, name, t) for name, t in fast.templates.items()}
                solved = _info_of(ds, run.name), rows
            for key, value in solved[0].items():
                info[key][i, j] = value
            for name, arr in solved[1].items():
                raw[name][i, j] = arr
    coords = {"sample": batch.samples,
              "scenario": pd.Index(scenarios, name="scenario", dtype=object)}
    data = {}
    for name, t in fast.templates.items():
        data[name] = xr.Variable(("sample", "scenario") + t.dims, raw[name], attrs=t.attrs)
        coords.update({d: t.indexes[d] for d in t.dims})
    ds = xr.Dataset(data, coords=coords)
    for key, var in _INFO:
        column = info[key]
        ds[var] = (("sample", "scenario"), column.astype(
            object if isinstance(column[0, 0], str) else type(column[0, 0])))
    return ds


def _finish(batch: Batch, ds: xr.Dataset) -> xr.Dataset:
    """Derived results and percent changes (:func:`~cge.sensitivity.tasks.complete`), then
    the key results and the run bookkeeping only."""
    ds = complete(ds, batch.experiment)
    missing = [k for k in batch.key_results if k not in ds]
    if missing:
        known = sorted(str(n) for n, v in ds.data_vars.items()
                       if v.attrs.get("kind") not in ("run", None))
        raise InputError(Problem("unknown-result", f"key result(s) {missing} are no results "
                                 f"of {Path(batch.experiment).name}; results: {known}",
                                 Location(file=batch.experiment)))
    out = ds[list(batch.key_results) + list(RUN_VARIABLES)]
    for var in RUN_VARIABLES:
        out[var].attrs["kind"] = "run"
    out.attrs = {"task": batch.id, "experiment": Path(batch.experiment).name}
    return out
