"""One unit of parallel work: calibrate with given elasticities, solve a few runs, return results.

A :class:`Task` holds only plain data (the experiment file's path, elasticity overrides and the
runs with their shocks), so it pickles to any Dask worker; each worker reads the experiment,
calibrates and builds its own model. :func:`run_task` is the one function every path calls:
the serial path calls it in-process, Dask calls it on workers, so results do not depend on
where a task ran.

Each run starts from the benchmark of the task's calibration (an exact solution, since
calibration reproduces the SAM whatever the elasticities): parameters and variables are
restored, the shocks applied and the model solved warm-started from there, with a homotopy
fallback as in :func:`cge.experiments.runner.run_scenario`. A run that cannot be solved is
recorded (``status = "failed"``, NaN results) instead of aborting the task.

Runs and tasks on one pooled model (a sweep's scenarios, the shock sizes of one set of
elasticities) solve the model's one translation, whose parameters are the shocked Params
(:func:`cge.solvers.symbolic_params`). So do tasks with other elasticities of production
nests, output transformation and sourcing (:func:`~cge.calibration.calibrate.share_elasticities`,
e.g. the flagship SSA's four): the elasticities are Params of the model (``sigma_n``,
``psi_cet``, ``sigma_dom``, ``sigma_arm``) in the exponents of its CES equations, and a task
sets them and the shares and scales calibrated on them (recomputed from the benchmark flows
by :func:`~cge.calibration.calibrate.share_tables`, the numbers full calibration gives,
without building arrays or a model), checks that the benchmark still solves the model to
:data:`BENCHMARK_TOL`, and solves. The form of a CES equation is chosen when the model is
built (fixed proportions at an elasticity of zero, Cobb-Douglas at one, the CES between), so a
point that moves an elasticity onto or off zero or one, or another elasticity, is built,
calibrated and translated afresh as before (:func:`point_values` says which).

A run may apply a fraction of each shock's change (``weights``): a parameter moved by shock
``i`` from ``p0`` to ``p1`` is set to ``p0 + w_i (p1 - p0)``; shock-subset and path
decompositions are built from such runs.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import xarray as xr
from pyomo.common.collections import ComponentMap

from cge import __version__
from cge.calibration import Calibration, Elasticities, from_records
from cge.calibration.calibrate import (
    Benchmark,
    calibrate_benchmark,
    read_benchmark,
    share_elasticities,
    share_tables,
)
from cge.calibration.elasticities import PARAMETERS, range_problem
from cge.calibration.margins import MarginStructure
from cge.errors import InputError, Location, Problem
from cge.experiments.runner import (
    SCENARIO_FAILURES,
    _parameters,
    _snapshot,
    apply_and_solve,
    derived,
    experiment_inputs,
    labour_factors,
    margin_structure,
    percent_change,
    resolve_shock,
)
from cge.experiments.spec import Experiment, Shock, load_experiment
from cge.model import build_model
from cge.model.results import indicators, solution
from cge.model.walras import walras_residual
from cge.outputs import sha256_inputs
from cge.sam import SAM
from cge.solvers import max_residual, symbolic_params
from cge.solvers.api import equation_residuals

#: Layout of run_task's results; part of every task id, so that result files written by an
#: older layout are recomputed instead of resumed. Bump it when run_task's output changes.
TASK_FORMAT = 3
#: Largest equation residual accepted at a recalibrated benchmark (the runner's gate tolerance).
BENCHMARK_TOL = 1e-8
#: Calibrations whose built models a worker process keeps: sweeps and decompositions reuse one
#: calibration for many tasks; SSA samples each need their own, so a small pool suffices.
MODEL_KEYS_PER_PROCESS = 2


@dataclass(frozen=True)
class ElasticityOverride:
    """Set (or, with ``scale``, multiply) an elasticity for matching regions and sectors.

    ``region``/``sector`` are labels or ``*`` for all; the override applies to every cell of the
    fully expanded ``region x sector`` table, so ``sector = "*"`` really means every sector,
    whatever sector-specific rows the elasticity file has.
    """

    parameter: str
    value: float
    region: str = "*"
    sector: str = "*"
    scale: bool = False

    def describe(self) -> str:
        op = "*" if self.scale else "="
        return f"{self.parameter}[{self.region},{self.sector}] {op} {self.value:.12g}"


@dataclass(frozen=True)
class Run:
    """One solve: shocks, and the fraction of each shock's change applied (default all 1)."""

    name: str
    shocks: tuple[Shock, ...]
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.weights and len(self.weights) != len(self.shocks):
            raise ValueError(f"run {self.name!r}: {len(self.weights)} weights for "
                             f"{len(self.shocks)} shocks")


@dataclass(frozen=True)
class Task:
    """Plain, picklable description of a unit of work; ``id`` names its result file."""

    id: str
    experiment: str
    runs: tuple[Run, ...]
    elasticities: tuple[ElasticityOverride, ...] = ()


@functools.lru_cache(maxsize=8)
def _data_digest(experiment: str) -> str:
    """Digest of the data an experiment file names (read once per process: a sweep makes
    hundreds of tasks from one file)."""
    return sha256_inputs(load_experiment(experiment).data_files)


def make_task(prefix: str, experiment: str | Path, runs: tuple[Run, ...],
              elasticities: tuple[ElasticityOverride, ...] = ()) -> Task:
    """A task whose id is ``<prefix>-<digest>``; the digest covers the experiment file's bytes,
    the data it names (SAM, elasticities, margins, nests), the runs and overrides, the package
    version and :data:`TASK_FORMAT`, so a resumed sweep never reuses a result computed for
    other inputs or by other code."""
    path = Path(experiment).resolve()
    h = hashlib.sha256(path.read_bytes())
    h.update(_data_digest(str(path)).encode())
    h.update(repr((runs, elasticities, __version__, TASK_FORMAT)).encode())
    return Task(f"{prefix}-{h.hexdigest()[:12]}", str(path), runs, elasticities)


def elasticity_grid(el: Elasticities, regions: list[str], sectors: list[str]
                    ) -> dict[tuple[str, str, str], float]:
    """``{(parameter, region, sector): value}`` for every cell calibration may ask for (the
    parameters the file gives: the LES ones and ``eta_exp`` are optional, and ``eta_exp`` may
    cover some cells only)."""
    given = set(el.table["parameter"])
    cells = {(p, r, s): el.find(p, r, s) for p in PARAMETERS if p in given
             for r in regions for s in sectors}
    return {k: v for k, v in cells.items() if v is not None}


def expand_elasticities(grid: dict[tuple[str, str, str], float],
                        overrides: tuple[ElasticityOverride, ...], file: str = "<memory>"
                        ) -> Elasticities:
    """The explicit table of :func:`elasticity_grid` with overrides applied in order.

    Expanding first makes a wildcard override unambiguous: the file's most-specific-row-wins
    rule would otherwise let a sector row beat a ``region, *`` override.
    """
    values = expanded_grid(grid, overrides, file)
    return from_records([(r, s, p, v, f"expanded from {file} for sensitivity analysis")
                         for (p, r, s), v in values.items()])


def expanded_grid(grid: dict[tuple[str, str, str], float],
                  overrides: tuple[ElasticityOverride, ...], file: str = "<memory>"
                  ) -> dict[tuple[str, str, str], float]:
    """:func:`elasticity_grid` with overrides applied in order (see
    :func:`expand_elasticities`); an override that matches no cell is an input error."""
    values = dict(grid)
    for o in overrides:
        hit = [k for k in values if k[0] == o.parameter and o.region in ("*", k[1])
               and o.sector in ("*", k[2])]
        if not hit:
            regions = sorted({k[1] for k in values})
            sectors = sorted({k[2] for k in values})
            raise InputError(Problem("bad-override", f"{o.describe()} matches no elasticity "
                                     f"(regions {regions}, sectors {sectors})",
                                     Location(file=file)))
        for k in hit:
            values[k] = values[k] * o.value if o.scale else o.value
    return values


@dataclass(frozen=True)
class GridElasticities:
    """The elasticities of an expanded grid, read as calibration reads an
    :class:`~cge.calibration.Elasticities` (``get``, ``find``), without building and validating
    a table row by row (0.5 s a point): the file's values were validated when it was read,
    and the cells overrides changed are checked here."""

    values: dict[tuple[str, str, str], float]
    file: str = "<memory>"

    @classmethod
    def of(cls, grid: dict[tuple[str, str, str], float],
           overrides: tuple[ElasticityOverride, ...], file: str = "<memory>"
           ) -> GridElasticities:
        values = expanded_grid(grid, overrides, file)
        problems = [Problem("bad-value", f"{p}[{r},{s}] = {v:.12g} {why}", Location(file=file))
                    for (p, r, s), v in values.items() if v != grid[(p, r, s)]
                    for why in [range_problem(p, v)] if why]
        if problems:
            raise InputError(problems)
        return cls(values, file)

    def find(self, parameter: str, region: str, sector: str) -> float | None:
        return self.values.get((parameter, region, sector))

    def get(self, parameter: str, region: str, sector: str) -> float:
        hit = self.find(parameter, region, sector)
        if hit is None:
            raise InputError(Problem("missing-elasticity", f"no value of {parameter} for "
                                     f"region {region!r}, sector {sector!r}",
                                     Location(file=self.file)))
        return hit


@dataclass
class _Base:
    """What a worker reads once per experiment file."""

    exp: Experiment
    sam: SAM
    elasticities: Elasticities
    margins: dict | None
    calibration: Calibration
    grid: dict[tuple[str, str, str], float]
    structure: MarginStructure | None = None  # margins as services (cge.calibration.margins)
    benchmark: Benchmark | None = None  # the flows calibration reads, to recompute shares
    shares: dict[str, dict] | None = None  # share_tables of the file's elasticities


@dataclass
class _Ready:
    """A built model at its benchmark, its snapshot and benchmark levels."""

    model: pyo.ConcreteModel
    snapshot: ComponentMap
    levels: xr.Dataset
    # the benchmark's results by the parameters they list: the same for every task's
    # elasticities (calibration reproduces the SAM whatever they are)
    frames: dict[tuple[str, ...], xr.Dataset] = field(default_factory=dict)
    # the model's translation prepared for batches of points (cge.sensitivity.batch), by what
    # the points set and shock and the results they keep
    batch: dict[tuple, object] = field(default_factory=dict)


# Per process, handed out one user at a time: Dask runs tasks on worker threads that need not
# be the same from task to task (a per-thread cache missed on almost every task and rebuilt the
# model), and a Pyomo model must not be solved by two threads at once (processes=False).
_LOCK = threading.Lock()
_BASES: dict[str, _Base] = {}
_FREE: OrderedDict[tuple, list[_Ready]] = OrderedDict()


def base(experiment: str | Path) -> _Base:
    """Experiment, SAM, elasticities, margins and base calibration (cached per process)."""
    cache = _BASES
    key = str(Path(experiment).resolve())
    if key not in cache:
        # SAM and margins are kept: every SSA point recalibrates them with other elasticities
        exp = load_experiment(key)
        sam, el, margins = experiment_inputs(exp)
        structure = margin_structure(exp, sam)
        bench = read_benchmark(sam, exp.config, margins, structure)
        cal = calibrate_benchmark(bench, el)
        cache[key] = _Base(exp, sam, el, margins, cal,
                           elasticity_grid(el, cal.regions, cal.sectors), structure, bench,
                           share_tables(bench, el))
    return cache[key]


#: Exponents whose zero (Cobb-Douglas) or infinite (fixed proportions) entries fix the form of
#: a model's CES equations (:func:`cge.model.ces.exponent`).
_EXPONENTS = ("rho_n", "phi", "rho_o", "eta")


def _form(rho: float) -> str:
    return "fixed" if np.isinf(rho) else "cobb-douglas" if rho == 0.0 else "ces"


def point_values(b: _Base, overrides: tuple[ElasticityOverride, ...]
                 ) -> dict[str, dict] | None:
    """The values of the elasticity Params and of the shares and scales calibrated on them
    (``{Param name: {index: value}}``) that turn the model of the file's elasticities into
    that of ``overrides``; None if the overrides need a model of their own (an elasticity
    outside :func:`~cge.calibration.calibrate.share_elasticities`, or one whose new value
    changes the form of a CES equation)."""
    if not {o.parameter for o in overrides} <= share_elasticities(b.exp.config):
        return None
    tables = share_tables(b.benchmark, GridElasticities.of(b.grid, overrides,
                                                           b.elasticities.file))
    for name in _EXPONENTS:
        old, new = b.shares[name], tables[name]
        if old.keys() != new.keys() or any(_form(v) != _form(new[k]) for k, v in old.items()):
            return None
    return {name: t for name, t in tables.items() if name not in _EXPONENTS}


def _collect(m: pyo.ConcreteModel, bench_levels: xr.Dataset, parameters: list[str],
             levels: xr.Dataset | None = None) -> xr.Dataset:
    """Levels (``solution``, unless given), the named parameters and indicators relative to
    ``bench_levels``, with the runner's ``kind`` attributes."""
    levels = solution(m) if levels is None else levels.copy()
    for v in levels.data_vars.values():
        v.attrs["kind"] = "level"
    ind = indicators(m, bench_levels)
    for v in ind.data_vars.values():
        v.attrs["kind"] = "indicator"
    # parameters cover fewer labels than levels on a shared dim: absent entries are zero, as
    # in the runner
    return xr.merge([levels, _parameters(m, parameters), ind], join="outer", fill_value=0.0,
                    compat="no_conflicts", combine_attrs="override")


@contextmanager
def _ready(experiment: str, overrides: tuple[ElasticityOverride, ...]) -> Iterator[_Ready]:
    """A built model at its benchmark for the experiment and elasticities, for one user at a
    time; returned to the pool afterwards (the least recently used keys are dropped)."""
    key = (experiment, overrides)
    with _LOCK:
        free = _FREE.get(key)
        ready = free.pop() if free else None
        base(experiment)  # calibrated once per process, under the lock
    if ready is None:
        ready = _build_ready(experiment, overrides)
    try:
        yield ready
    finally:
        with _LOCK:
            _FREE.setdefault(key, []).append(ready)
            _FREE.move_to_end(key)
            while len(_FREE) > MODEL_KEYS_PER_PROCESS:
                _FREE.popitem(last=False)


def _build_ready(experiment: str, overrides: tuple[ElasticityOverride, ...]) -> _Ready:
    b = base(experiment)
    if overrides:
        el = expand_elasticities(b.grid, overrides, b.elasticities.file)
        cal = calibrate_benchmark(b.benchmark, el)
    else:
        cal = b.calibration
    m = build_model(cal)
    res = max_residual(m)
    if not res <= BENCHMARK_TOL:
        # calibration must reproduce the SAM for any elasticities; if not, it is a bug
        raise RuntimeError(f"benchmark residual {res:.3e} > {BENCHMARK_TOL} after "
                           f"recalibrating with {[o.describe() for o in overrides]}")
    return _Ready(m, _snapshot(m), solution(m))


def complete(ds: xr.Dataset, experiment: str | Path) -> xr.Dataset:
    """Add the runner's derived quantities (trade flows, employment, ``EV_pct``, ...) and
    ``pct_<name>`` changes from the ``benchmark`` scenario (other dims broadcast), computed
    once for all tasks rather than in each."""
    ds = ds.merge(derived(ds, labour_factors(base(experiment).sam)), join="outer",
                  compat="no_conflicts")
    # new names on the same coordinates: nothing to reconcile, so say so (exact, override)
    return ds.merge(percent_change(ds), compat="override", join="exact")


def shock_targets(m: pyo.ConcreteModel, run: Run, file: str) -> ComponentMap:
    """New values of every parameter the run's shocks move; on overlap the later shock wins,
    as in the runner, unless the run applies fractions of shocks (then overlap is an error)."""
    targets = ComponentMap()
    weights = run.weights or (1.0,) * len(run.shocks)
    for shock, w in zip(run.shocks, weights, strict=True):
        for data, new in resolve_shock(m, shock, run.name, file):
            if run.weights and data in targets:
                # a fraction of two overlapping shocks has no meaning of its own
                raise InputError(Problem("overlapping-shocks", f"run {run.name!r}: "
                                         f"{data.name} is moved by more than one shock",
                                         Location(file=file)))
            old = pyo.value(data)
            # a full shock is set exactly as the runner sets it (old + 1 * (new - old) may
            # differ from new in the last bit)
            targets[data] = new if w == 1.0 else old + w * (new - old)
    return targets


def solve_run(m: pyo.ConcreteModel, run: Run, exp: Experiment) -> dict:
    """Apply a run's shocks and solve; homotopy if the direct solve fails; never raises on a
    solve failure (``status = "failed"``)."""
    targets = shock_targets(m, run, str(exp.file))
    try:
        res, method, walras = apply_and_solve(m, targets, exp, f"run {run.name!r}")
    except SCENARIO_FAILURES as exc:
        return {"status": "failed", "method": "", "iterations": 0,
                "max_residual": float("nan"),
                "walras_residual": getattr(exc, "residual", float("nan")),
                "message": f"{type(exc).__name__}: {exc}"}
    return {"status": "ok", "method": method, "iterations": res.iterations,
            "max_residual": res.max_residual, "walras_residual": walras, "message": ""}


def run_task(task: Task) -> xr.Dataset:
    """Solve every run of a task; results on a ``scenario`` dim with ``benchmark`` first.

    Variables: model levels (``kind = "level"``), indicators (``EV``, ``CV``, ``GRP_real``,
    ...), and per run ``status``, ``message``, ``solve_method``, ``solve_iterations``,
    ``max_residual``, ``walras_residual``. Derived quantities and percent changes are left to
    the caller, which computes them once for all tasks (:func:`complete`).
    """
    values = None
    if task.elasticities:
        with _LOCK:
            b = base(task.experiment)
        values = point_values(b, task.elasticities)
    if values is None:
        with _ready(task.experiment, task.elasticities) as ready:
            return _run_ready(task, ready)
    # the model of the file's elasticities, its Params set to the point's
    with _ready(task.experiment, ()) as ready:
        return _run_ready(task, ready, values)


def benchmark_frame(ready: _Ready, params: list[str]) -> xr.Dataset:
    """The pooled model's benchmark results with the named parameters (computed once: the
    same for every point's elasticities, since calibration reproduces the SAM)."""
    bench = ready.frames.get(tuple(params))
    if bench is None:
        bench = ready.frames[tuple(params)] = _collect(ready.model, ready.levels, params,
                                                       ready.levels)
    return bench


def _run_ready(task: Task, ready: _Ready, values: dict[str, dict] | None = None
               ) -> xr.Dataset:
    m, exp = ready.model, base(task.experiment).exp
    # the shocked parameters (and the margins, needed to value shipments) go into the results
    shocked = {sh.parameter for r in task.runs for sh in r.shocks
               if m.symbols[sh.parameter].kind == "parameter"}
    params = sorted(shocked | ({"tmg"} if "tmg" in m.symbols else set()))
    # parameters of the model's translation, which every run (and task) on this model shares
    symbolic_params(m, [getattr(m, name) for name in shocked | set(values or ())])

    # What runs change: the variables and the Params that shocks and the point set, restored
    # by component without a domain check per value (restoring every Param of the model one by
    # one took a third of a point's time). The pooled model is at its snapshot between tasks.
    variables = [(v, ready.snapshot[v]) for v in m.component_data_objects(pyo.Var)]
    pool = {name: {k: ready.snapshot[d] for k, d in getattr(m, name).items()}
            for name in shocked | set(values or ())}
    # the point's values (absent entries zero, as when a model is built from a calibration)
    start = pool | {name: {k: table.get(k, 0.0) for k in getattr(m, name)}
                    for name, table in (values or {}).items()}

    def put(params: dict[str, dict]) -> None:
        for v, val in variables:
            v.set_value(val, skip_validation=True)
        for name, vals in params.items():
            getattr(m, name).store_values(vals, check=False)

    put(start)
    if values is not None:
        res = float(np.max(np.abs(equation_residuals(m)[0]), initial=0.0))
        if not res <= BENCHMARK_TOL:
            put(pool)
            raise RuntimeError(f"benchmark residual {res:.3e} > {BENCHMARK_TOL} after setting "
                               f"{[o.describe() for o in task.elasticities]}")
    frames = [benchmark_frame(ready, params)]
    infos = [{"status": "benchmark", "method": "benchmark", "iterations": 0,
              "max_residual": 0.0, "walras_residual": walras_residual(m)[0], "message": ""}]
    try:
        for run in task.runs:
            put(start)
            info = solve_run(m, run, exp)
            infos.append(info)
            frames.append(_collect(m, ready.levels, params) if info["status"] == "ok" else
                          xr.full_like(frames[0], np.nan, dtype=float))
    finally:
        put(pool)
    # object dtype: a pandas string dtype would not write to NetCDF 3
    names = pd.Index(["benchmark"] + [r.name for r in task.runs], name="scenario", dtype=object)
    ds = xr.concat(frames, dim=names, combine_attrs="override")
    for key, var in (("status", "status"), ("message", "message"), ("method", "solve_method"),
                     ("iterations", "solve_iterations"), ("max_residual", "max_residual"),
                     ("walras_residual", "walras_residual")):
        values = [i[key] for i in infos]
        ds[var] = ("scenario", np.array(values, dtype=object if isinstance(values[0], str)
                                        else None))
        ds[var].attrs["kind"] = "run"
    ds.attrs = {"task": task.id, "experiment": Path(task.experiment).name,
                "elasticities": "; ".join(o.describe() for o in task.elasticities)}
    return ds
