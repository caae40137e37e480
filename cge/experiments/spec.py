"""Experiment files (TOML): data, closure, solver, and named scenarios of shocks.

Example::

    name = "stdcge_tariff"
    description = "Hosoe et al. (2010) ch. 6: abolition of import tariffs"

    [model]
    sam = "../sam/stdcge"                              # paths relative to this file
    elasticities = "../calibration/stdcge_elasticities.csv"
    trade_margins = "../calibration/margins.csv"   # optional: origin,destination,commodity,value
    margin_structure = "../calibration/ms.csv"     # optional: the margins as services
                                                   # (cge.calibration.margins), else iceberg
    production_nests = "../calibration/nests.toml" # optional: nesting trees (cge.calibration.nests)
    household_nests = "../calibration/demand.toml" # optional: demand trees (households)
    tariff_accounts = ["TRF"]

    [model.closure]
    numeraire = "factor:ECO:LAB"

    [solver]
    name = "auto"                                      # auto | newton | ipopt
    options = {}

    [[scenario]]
    name = "abolition"
    description = "all tariffs to zero"
    shocks = [ { parameter = "taum", set = 0.0 } ]

A shock names a model parameter (or a variable the closure fixes, e.g. ``Xg`` under fixed
government consumption), an optional ``where`` table restricting labels per dimension
(``where = { region = ["VOL"], commodity = ["steel"] }``; ``origin``/``destination`` for
shipments) and exactly one operation: ``set``, ``multiply`` or ``add``. Targets are checked
against the model's symbols and sets before anything is solved, with errors naming the file,
the scenario and the unknown label.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from cge.calibration.nests import HOUSEHOLD, read_nests
from cge.config import ModelConfig, config_from_dict
from cge.errors import InputError, Location, Problem
from cge.solvers.api import SOLVERS
from cge.tomlfile import key_line, read_toml

OPERATIONS = ("set", "multiply", "add")


@dataclass(frozen=True)
class Shock:
    parameter: str
    operation: str
    value: float
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        sel = ", ".join(f"{k} in {list(v)}" for k, v in self.where.items()) or "all"
        return f"{self.parameter}[{sel}] {self.operation} {self.value:g}"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    shocks: tuple[Shock, ...]


@dataclass(frozen=True)
class Experiment:
    """A parsed experiment file; paths are absolute."""

    name: str
    description: str
    file: Path
    sam: Path
    elasticities: Path
    trade_margins: Path | None
    production_nests: Path | None
    household_nests: Path | None
    config: ModelConfig
    solver: str
    solver_options: dict
    scenarios: tuple[Scenario, ...]
    margin_structure: Path | None = None

    @property
    def data_files(self) -> tuple[Path, ...]:
        """The data the file names (SAM folder, elasticities, margins, nests): with the file
        itself, what a run's results depend on."""
        return tuple(p for p in (self.sam, self.elasticities, self.trade_margins,
                                 self.margin_structure, self.production_nests,
                                 self.household_nests) if p is not None)


def _shock(raw: dict, where: Location, scen: str) -> Shock:
    def bad(msg: str) -> InputError:
        return InputError(Problem("bad-shock", f"scenario {scen!r}: {msg}", where))

    if not isinstance(raw, dict):
        raise bad(f"a shock must be a table, got {raw!r}")
    unknown = set(raw) - {"parameter", "where", *OPERATIONS}
    if unknown:
        raise bad(f"unknown shock key(s) {sorted(unknown)}; use parameter, where and one of "
                  f"{list(OPERATIONS)}")
    if "parameter" not in raw:
        raise bad("shock without 'parameter'")
    ops = [op for op in OPERATIONS if op in raw]
    if len(ops) != 1:
        raise bad(f"shock on {raw['parameter']!r} needs exactly one of {list(OPERATIONS)}, "
                  f"got {ops or 'none'}")
    value = raw[ops[0]]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise bad(f"shock value {value!r} on {raw['parameter']!r} is not a number")
    sel = raw.get("where", {})
    if not isinstance(sel, dict):
        raise bad(f"'where' must be a table of dimension = [labels], got {sel!r}")
    where_ = {}
    for dim, labels in sel.items():
        labels = [labels] if isinstance(labels, str) else labels
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise bad(f"where.{dim} must be a label or a list of labels, got {labels!r}")
        where_[dim] = tuple(labels)
    return Shock(str(raw["parameter"]), ops[0], float(value), where_)


def _at(path: Path, key: str, table: str | None = None) -> Location:
    """The file and, if found, the line assigning ``key`` (in ``[table]``)."""
    return Location(file=str(path), line=key_line(path, key, table))


def model_section(data: dict, path: Path) -> Experiment:
    """Name, description, ``[model]`` and ``[solver]`` of a parsed file, as an Experiment
    without scenarios (shared by every kind of experiment file).

    Paths are relative to the file and must exist; unknown keys are errors.
    """
    loc = Location(file=str(path))
    for table in ("model", "solver"):
        if not isinstance(data.get(table, {}), dict):
            raise InputError(Problem("bad-experiment", f"{table} must be a table ([{table}]), "
                                     f"got {data[table]!r}", _at(path, table)))
    model = dict(data.get("model", {}))
    for req in ("sam", "elasticities"):
        if req not in model:
            raise InputError(Problem("bad-experiment", f"[model] needs '{req}'", loc))

    def rel(p: str) -> Path:
        if not isinstance(p, str):
            raise InputError(Problem("bad-experiment", f"a path in [model] must be a string, "
                                     f"got {p!r}", loc))
        full = (path.parent / p).resolve()
        if not full.exists():
            raise InputError(Problem("missing-file", f"{p!r} (from [model]) does not exist: "
                                     f"looked for {full}", loc))
        return full

    sam, elast = rel(model.pop("sam")), rel(model.pop("elasticities"))
    margins = rel(model.pop("trade_margins")) if "trade_margins" in model else None
    structure = rel(model.pop("margin_structure")) if "margin_structure" in model else None
    if structure is not None and margins is None:
        raise InputError(Problem("bad-experiment", "[model] margin_structure needs "
                                 "trade_margins (the margin rates it splits)", loc))
    nests = rel(model.pop("production_nests")) if "production_nests" in model else None
    demand = rel(model.pop("household_nests")) if "household_nests" in model else None
    config = config_from_dict(model, where=loc)
    if nests is not None:
        config = replace(config, production_nests=read_nests(nests))
    if demand is not None:
        config = replace(config, household_nests=read_nests(demand, HOUSEHOLD))
    solver = dict(data.get("solver", {}))
    unknown = set(solver) - {"name", "options"}
    if unknown:
        raise InputError(Problem("bad-experiment", f"unknown [solver] key(s) {sorted(unknown)}",
                                 loc))
    name = solver.get("name", "auto")
    if name not in SOLVERS:
        raise InputError(Problem("bad-experiment", f"unknown solver {name!r}; known: "
                                 f"{', '.join(SOLVERS)}", _at(path, "name", "solver")))
    if not isinstance(solver.get("options", {}), dict):
        raise InputError(Problem("bad-experiment", "[solver] options must be a table, got "
                                 f"{solver['options']!r}", _at(path, "options", "solver")))
    return Experiment(
        name=data.get("name", path.stem), description=data.get("description", ""), file=path,
        sam=sam, elasticities=elast, trade_margins=margins, production_nests=nests,
        household_nests=demand, config=config,
        solver=name, solver_options=dict(solver.get("options", {})),
        scenarios=(), margin_structure=structure)


def load_experiment(path: str | Path) -> Experiment:
    """Parse and check the structure of an experiment file (labels are checked on the model)."""
    path = Path(path).resolve()
    loc = Location(file=str(path))
    data = read_toml(path, "experiment file")
    unknown = set(data) - {"name", "description", "model", "solver", "scenario"}
    if unknown:
        raise InputError(Problem("bad-experiment", f"unknown top-level key(s) {sorted(unknown)}",
                                 loc))
    base = model_section(data, path)
    scenarios = []
    names = set()
    raw = data.get("scenario", [])
    if not isinstance(raw, list) or not all(isinstance(sc, dict) for sc in raw):
        raise InputError(Problem("bad-scenario", "scenarios are tables: write each as "
                                 "[[scenario]] with name and shocks", _at(path, "scenario")))
    for i, sc in enumerate(raw):
        if "name" not in sc:
            raise InputError(Problem("bad-scenario", f"scenario number {i + 1} has no name", loc))
        if sc["name"] in names:
            raise InputError(Problem("bad-scenario", f"scenario name {sc['name']!r} is used "
                                     "twice", loc))
        names.add(sc["name"])
        unknown = set(sc) - {"name", "description", "shocks"}
        if unknown:
            raise InputError(Problem("bad-scenario", f"scenario {sc['name']!r}: unknown key(s) "
                                     f"{sorted(unknown)}", loc))
        if not isinstance(sc["name"], str) or not sc["name"].strip():
            raise InputError(Problem("bad-scenario", f"scenario number {i + 1}: name "
                                     f"{sc['name']!r} must be a nonempty string", loc))
        if not isinstance(sc.get("shocks", []), list):
            raise InputError(Problem("bad-scenario", f"scenario {sc['name']!r}: shocks must be "
                                     f"a list of tables, got {sc['shocks']!r}", loc))
        shocks = tuple(_shock(s, loc, sc["name"]) for s in sc.get("shocks", []))
        if not shocks:
            # it would only reproduce the benchmark, which the gates already check
            raise InputError(Problem("bad-scenario", f"scenario {sc['name']!r} has no shocks; "
                                     "give shocks = [{ parameter = ..., set/multiply/add = "
                                     "... }]", loc))
        scenarios.append(Scenario(sc["name"], sc.get("description", ""), shocks))
    if not scenarios:
        raise InputError(Problem("bad-experiment", "no [[scenario]] given", loc))
    return replace(base, scenarios=tuple(scenarios))
