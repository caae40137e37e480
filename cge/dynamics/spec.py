"""Dynamic experiment files: a static experiment's ``[model]``/``[solver]`` plus ``[dynamics]``.

Format (TOML; paths relative to the file)::

    name = "vologda_2035"
    description = "..."

    [model]                      # exactly as in a static experiment file
    sam = "../sam/vologda_2021"
    elasticities = "../calibration/vologda_elasticities.csv"
    [model.closure]
    factor_mobility = { lab = "sectors", cap = "specific" }   # capital must be specific

    [solver]                     # optional, as in a static experiment file
    name = "auto"

    [dynamics]
    start = 2021                 # the SAM year (solved first, reproduces the SAM)
    end = 2035
    growth = 0.02                # steady-state growth rate g (see below)
    depreciation = 0.05          # delta, or a table by region { VOL = 0.06, RUS = 0.05 }
    investment_elasticity = 2.0  # theta in the allocation of investment to sectors
    discount_rate = 0.05         # for discounted welfare
    capital = "cap"              # the capital factor (sector-specific within a year)

    [dynamics.targets]           # optional: forecast closure (baseline only)
    GRP_real = { VOL = 0.015, RUS = 0.02 }   # annual real GRP growth by region
    # or year by year: growth from the year before to the year named, 'default' for the rest
    # GRP_real = { VOL = { 2022 = -0.048, 2023 = 0.025, default = 0.015 }, RUS = 0.02 }

    [[dynamics.trend]]           # optional: compound annual growth of a parameter's entries
    parameter = "FF"
    where = { region = ["VOL"], factor = ["lab"] }
    rate = -0.008

    [[project]]                  # see cge.dynamics.projects
    ...

    [[scenario]]                 # policy runs against the baseline
    name = "margins_-25"
    projects = ["steel"]         # projects switched on (none by default)
    shocks = [ { parameter = "tmg", where = { origin = ["VOL"] }, multiply = 0.75,
                 from = 2024, full = 2026 } ]

    [[scenario]]                 # a path: the year's value times an index given by year
    name = "metal_prices"
    shocks = [ { parameter = "pWe", where = { sector = ["ferr"] }, path = { 2024 = 0.8 } } ]

``growth`` is the rate at which every exogenous quantity grows unless a trend says otherwise:
mobile factor endowments ``FF``, re-exports ``Xre``, transfers ``TRW``/``GRW``, foreign savings
``Sf`` and, when the closure fixes them, government demand ``Xg``; it also calibrates the
benchmark capital stock as a steady state (``K0 = I0 / (g + delta)``), so a run with no trends,
targets, projects or shocks is balanced growth at rate ``g``.

A timed shock is a static shock (``cge.experiments.spec``) that applies from year ``from`` and
reaches full strength in year ``full`` (default ``from``), linearly in between: ``multiply = v``
applies ``1 + w (v - 1)``, ``add = v`` applies ``w v`` with ``w = (year - from + 1) /
(full - from + 1)``; ``set`` cannot be phased in. It acts on the year's trend value.

A path shock (``path = { YEAR = index, ... }``, e.g. world prices ``pWe``/``pWm`` by
commodity) multiplies the year's value by the index of the latest year listed at or before it:
1 before the first year listed, each index held until the next (so ``{ 2024 = 0.8 }`` is a
permanent 20 % fall from 2024). Indices are relative to the year's value without the shock
(the benchmark times the steady growth or trend), not to the year before.

Real GRP targets (``[dynamics.targets]``) give each region's growth from the year before
either as one rate for every year or as a table of years with a ``default`` for the years not
listed (no default: every year from ``start + 1`` to ``end`` must be listed). The target in
year ``t`` is the benchmark's real GRP times the product of ``1 + rate`` over the years
``start + 1, ..., t``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from cge.errors import InputError, Location, Problem
from cge.experiments.spec import OPERATIONS, Experiment, Shock, model_section
from cge.tomlfile import read_toml


@dataclass(frozen=True)
class Trend:
    """Entries of ``parameter`` selected by ``where`` grow at ``rate`` a year (compound)."""

    parameter: str
    rate: float
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TimedShock:
    """A shock applied from ``start``, phased in linearly to full strength in ``full``."""

    shock: Shock
    start: int
    full: int
    path: dict[int, float] | None = None  # index by year (module docstring); start = first

    def at(self, year: int) -> Shock | None:
        """The shock as it applies in ``year`` (None before ``start``)."""
        if year < self.start:
            return None
        if self.path is not None:
            latest = max(y for y in self.path if y <= year)
            return replace(self.shock, value=self.path[latest])
        w = min(1.0, (year - self.start + 1) / (self.full - self.start + 1))
        s = self.shock
        if s.operation == "multiply":
            return replace(s, value=1.0 + w * (s.value - 1.0))
        if s.operation == "add":
            return replace(s, value=w * s.value)
        return s


@dataclass(frozen=True)
class DynamicSpec:
    """How the years are linked (see the module docstring)."""

    start: int
    end: int
    growth: float = 0.0
    depreciation: float | dict[str, float] = 0.05
    investment_elasticity: float = 1.0
    discount_rate: float = 0.05
    capital: str = "cap"
    grp_targets: dict[str, dict[int, float]] | None = None  # region -> year -> growth rate
    trends: tuple[Trend, ...] = ()

    @property
    def years(self) -> list[int]:
        return list(range(self.start, self.end + 1))

    def describe_targets(self) -> str:
        """The GRP targets in one line: a region's rate, or its rates year by year."""
        if self.grp_targets is None:
            return "none (exogenous productivity)"
        parts = []
        for r, rates in self.grp_targets.items():
            runs: list[list] = []  # [first year, last year, rate] of equal consecutive rates
            for t, g in rates.items():
                if runs and runs[-1][2] == g:
                    runs[-1][1] = t
                else:
                    runs.append([t, t, g])
            parts.append(f"{r} " + ", ".join(
                f"{a}{'' if a == b else f'-{b}'}: {100 * g:.4g} %" for a, b, g in runs))
        return "; ".join(parts)

    def grp_target_index(self, region: str, year: int) -> float:
        """Target real GRP of ``year`` relative to the benchmark's (module docstring)."""
        index = 1.0
        for t in range(self.start + 1, year + 1):
            index *= 1.0 + self.grp_targets[region][t]
        return index

    def delta(self, region: str) -> float:
        d = self.depreciation
        return d[region] if isinstance(d, dict) else float(d)


@dataclass(frozen=True)
class DynamicScenario:
    name: str
    description: str = ""
    projects: tuple[str, ...] = ()
    shocks: tuple[TimedShock, ...] = ()


@dataclass(frozen=True)
class DynamicExperiment:
    """A parsed dynamic experiment file; ``static`` carries the model and solver choice."""

    name: str
    description: str
    file: Path
    static: Experiment
    spec: DynamicSpec
    projects: dict  # name -> cge.dynamics.projects.Project
    scenarios: tuple[DynamicScenario, ...]


def _bad(msg: str, loc: Location) -> InputError:
    return InputError(Problem("bad-dynamic-experiment", msg, loc))


def _where(raw: object, loc: Location, what: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise _bad(f"{what}: 'where' must be a table of dimension = [labels]", loc)
    out = {}
    for dim, labels in raw.items():
        labels = [labels] if isinstance(labels, str) else labels
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise _bad(f"{what}: where.{dim} must be a label or a list of labels", loc)
        out[dim] = tuple(labels)
    return out


def _number(raw: dict, key: str, loc: Location, what: str, default: float | None = None
            ) -> float:
    if key not in raw:
        if default is None:
            raise _bad(f"{what} needs '{key}'", loc)
        return default
    v = raw[key]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _bad(f"{what}: '{key}' = {v!r} is not a number", loc)
    return float(v)


def _timed_shock(raw: dict, loc: Location, scen: str, start: int) -> TimedShock:
    what = f"scenario {scen!r}"
    if not isinstance(raw, dict):
        raise _bad(f"{what}: a shock must be a table", loc)
    unknown = set(raw) - {"parameter", "where", "from", "full", "path", *OPERATIONS}
    if unknown:
        raise _bad(f"{what}: unknown shock key(s) {sorted(unknown)}", loc)
    if "path" in raw:
        if "parameter" not in raw or set(raw) & {"from", "full", *OPERATIONS}:
            raise _bad(f"{what}: a path shock takes parameter, where and path only", loc)
        path = _year_table(raw["path"], loc, f"{what}: path of {raw['parameter']!r}")
        if not path:
            raise _bad(f"{what}: the path of {raw['parameter']!r} lists no year", loc)
        first = min(path)
        shock = Shock(str(raw["parameter"]), "multiply", path[first],
                      _where(raw.get("where", {}), loc, what))
        return TimedShock(shock, first, first, path)
    ops = [op for op in OPERATIONS if op in raw]
    if "parameter" not in raw or len(ops) != 1:
        raise _bad(f"{what}: a shock needs 'parameter' and exactly one of {list(OPERATIONS)}",
                   loc)
    value = _number(raw, ops[0], loc, what)
    first = int(raw.get("from", start))
    full = int(raw.get("full", first))
    if full < first:
        raise _bad(f"{what}: shock on {raw['parameter']!r} reaches full strength ({full}) "
                   f"before it starts ({first})", loc)
    if ops[0] == "set" and full != first:
        raise _bad(f"{what}: a 'set' shock cannot be phased in; use multiply or add", loc)
    shock = Shock(str(raw["parameter"]), ops[0], value, _where(raw.get("where", {}), loc, what))
    return TimedShock(shock, first, full)


def _year_table(raw: object, loc: Location, what: str) -> dict[int, float]:
    """A TOML table of YEAR = number (TOML keys are strings)."""
    if not isinstance(raw, dict):
        raise _bad(f"{what} must be a table of YEAR = number", loc)
    out = {}
    for k in raw:
        if not str(k).isdigit():
            raise _bad(f"{what}: key {k!r} is not a year", loc)
        out[int(k)] = _number(raw, k, loc, what)
    return out


def _grp_targets(raw: object, start: int, end: int, loc: Location
                 ) -> dict[str, dict[int, float]]:
    """``GRP_real = { REGION = rate | { YEAR = rate, ..., default = rate } }``, expanded to
    every year from ``start + 1`` to ``end``."""
    if not isinstance(raw, dict):
        raise _bad("[dynamics.targets] GRP_real must be a table of REGION = rate or "
                   "REGION = { YEAR = rate, ..., default = rate }", loc)
    years = range(start + 1, end + 1)
    out = {}
    for region, given in raw.items():
        what = f"[dynamics.targets] GRP_real.{region}"
        if not isinstance(given, dict):
            rate = _number(raw, region, loc, "[dynamics.targets] GRP_real")
            out[str(region)] = {t: rate for t in years}
            continue
        default = _number(given, "default", loc, what) if "default" in given else None
        by_year = _year_table({k: v for k, v in given.items() if k != "default"}, loc, what)
        outside = sorted(t for t in by_year if t not in years)
        if outside:
            raise _bad(f"{what}: year(s) {outside} outside {start + 1}-{end} (growth into the "
                       f"start year {start}, the SAM's, cannot be targeted)", loc)
        missing = [t for t in years if t not in by_year]
        if missing and default is None:
            raise _bad(f"{what}: no rate for {missing}; list them or give a default", loc)
        out[str(region)] = {t: by_year.get(t, default) for t in years}
    return out


def _spec(raw: dict, loc: Location) -> DynamicSpec:
    known = {"start", "end", "growth", "depreciation", "investment_elasticity", "discount_rate",
             "capital", "targets", "trend"}
    unknown = set(raw) - known
    if unknown:
        raise _bad(f"unknown [dynamics] key(s) {sorted(unknown)}; known: {sorted(known)}", loc)
    if "start" not in raw or "end" not in raw:
        raise _bad("[dynamics] needs 'start' (the SAM year) and 'end'", loc)
    start, end = int(raw["start"]), int(raw["end"])
    if end <= start:
        raise _bad(f"[dynamics] end ({end}) must come after start ({start})", loc)
    dep = raw.get("depreciation", 0.05)
    if isinstance(dep, dict):
        dep = {str(k): float(v) for k, v in dep.items()}
    else:
        dep = _number(raw, "depreciation", loc, "[dynamics]", 0.05)
    targets = None
    if "targets" in raw:
        t = dict(raw["targets"])
        if set(t) != {"GRP_real"}:
            raise _bad("[dynamics.targets] takes one table, GRP_real = { REGION = rate, ... }",
                       loc)
        targets = _grp_targets(t["GRP_real"], start, end, loc)
    trends = []
    for i, tr in enumerate(raw.get("trend", [])):
        what = f"[[dynamics.trend]] number {i + 1}"
        unknown = set(tr) - {"parameter", "where", "rate"}
        if unknown or "parameter" not in tr:
            raise _bad(f"{what}: give parameter, rate and optionally where (got {sorted(tr)})",
                       loc)
        trends.append(Trend(str(tr["parameter"]), _number(tr, "rate", loc, what),
                            _where(tr.get("where", {}), loc, what)))
    return DynamicSpec(
        start=start, end=end, growth=_number(raw, "growth", loc, "[dynamics]", 0.0),
        depreciation=dep,
        investment_elasticity=_number(raw, "investment_elasticity", loc, "[dynamics]", 1.0),
        discount_rate=_number(raw, "discount_rate", loc, "[dynamics]", 0.05),
        capital=str(raw.get("capital", "cap")), grp_targets=targets, trends=tuple(trends))


def load_dynamic(path: str | Path) -> DynamicExperiment:
    """Parse and validate a dynamic experiment file (labels are checked against the model
    when it is built, see :func:`cge.dynamics.driver.run_dynamic`)."""
    from cge.dynamics.projects import parse_projects

    path = Path(path).resolve()
    loc = Location(file=str(path))
    data = read_toml(path, "dynamic experiment file")
    unknown = set(data) - {"name", "description", "model", "solver", "dynamics", "project",
                           "scenario"}
    if unknown:
        raise _bad(f"unknown top-level key(s) {sorted(unknown)}", loc)
    if "dynamics" not in data:
        raise _bad("no [dynamics] section", loc)
    static = model_section(data, path)
    spec = _spec(dict(data["dynamics"]), loc)
    if static.config.closure.mobility(spec.capital) != "specific":
        raise _bad(f"capital {spec.capital!r} must be sector-specific within a year: set "
                   f"factor_mobility = {{ {spec.capital} = \"specific\" }} in [model.closure]",
                   loc)
    projects = parse_projects(data.get("project", []), path, spec)
    scenarios, names = [], {"baseline"}
    for i, sc in enumerate(data.get("scenario", [])):
        name = sc.get("name")
        if not name or name in names:
            raise _bad(f"scenario number {i + 1}: missing or repeated name {name!r} "
                       "('baseline' is reserved)", loc)
        names.add(name)
        unknown = set(sc) - {"name", "description", "projects", "shocks"}
        if unknown:
            raise _bad(f"scenario {name!r}: unknown key(s) {sorted(unknown)}", loc)
        missing = [p for p in sc.get("projects", []) if p not in projects]
        if missing:
            raise _bad(f"scenario {name!r} switches on unknown project(s) {missing}; "
                       f"defined: {sorted(projects)}", loc)
        scenarios.append(DynamicScenario(
            name, sc.get("description", ""), tuple(sc.get("projects", [])),
            tuple(_timed_shock(s, loc, name, spec.start) for s in sc.get("shocks", []))))
    return DynamicExperiment(static.name, static.description, path, static, spec, projects,
                             tuple(scenarios))
