"""Plan files (TOML): the SAM and margins to calibrate from, parameters, projects, forecast.

::

    name = "vologda_plan"
    sam = "../sam/vologda_2021"                  # paths relative to the plan file
    margins = "../calibration/vologda_margins.csv"   # optional: iceberg margins
    [parameters]                                 # keyword arguments of cge.plan.from_sam
    headroom = 0.05
    investment_budget = 150000.0
    [[project]]
    name = "..."; region = "VOL"; sector = "chem"; capacity = 20000.0; cost = 60000.0
    year = 2025; status = "candidate"; source = "..."
    [forecast]
    years = [2025, 2030]
    cge_experiment = "vologda_plan_projects.toml"   # optional: the same projects in the CGE

Errors name the file and, for a project, the line of its ``name``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from cge.errors import InputError, Location, Problem
from cge.io.table import IOTable
from cge.io.table import from_sam as io_from_sam
from cge.plan.data import PlanData, Project, from_sam, read_margins
from cge.sam.io import read_sam
from cge.tomlfile import read_toml

PARAMETERS = ("headroom", "labour_growth", "trade_headroom", "investment_budget",
              "capital_output", "min_sets", "shipments_headroom")
STATUSES = ("candidate", "committed")


@dataclass
class PlanFile:
    """A read plan file: its data, the IO table of the same SAM and the forecast years."""

    name: str
    description: str
    path: Path
    data: PlanData
    table: IOTable
    years: list[int]
    cge_experiment: Path | None = None


def _line_of(text: str, needle: str) -> int | None:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    return None


def read_plan(path: str | Path) -> PlanFile:
    """Read and check a plan file; build the plan data from its SAM."""
    path = Path(path)
    file = str(path)
    spec = read_toml(path, "plan file")
    text = path.read_text(encoding="utf-8")
    problems = []
    if "sam" not in spec:
        problems.append(Problem("missing-key", "no 'sam' path", Location(file=file)))
    params = spec.get("parameters", {})
    for key in params:
        if key not in PARAMETERS:
            problems.append(Problem("unknown-parameter", f"unknown parameter {key!r}; known: "
                                    f"{', '.join(PARAMETERS)}",
                                    Location(file=file, line=_line_of(text, key))))
    if problems:
        raise InputError(problems)
    sam = read_sam(path.parent / spec["sam"])
    table = io_from_sam(sam)
    margins = (read_margins(path.parent / spec["margins"], table.regions, table.sectors)
               if "margins" in spec else None)
    projects = _projects(spec.get("project", []), table, file, text)
    data = from_sam(sam, margins=margins, projects=projects, **params)
    fc = spec.get("forecast", {})
    years = [int(y) for y in fc.get("years", [])]
    cge_experiment = None
    if "cge_experiment" in fc:
        cge_experiment = (path.parent / fc["cge_experiment"]).resolve()
        if not cge_experiment.is_file():
            raise InputError(Problem("missing-file", f"[forecast] cge_experiment "
                                     f"{fc['cge_experiment']!r} not found (looked for "
                                     f"{cge_experiment})",
                                     Location(file=file, line=_line_of(text, "cge_experiment"))))
    return PlanFile(spec.get("name", path.stem), spec.get("description", ""), path, data,
                    table, years, cge_experiment)


def _projects(items: list[dict], table: IOTable, file: str, text: str) -> list[Project]:
    known = {f.name for f in fields(Project)}
    problems, out, names = [], [], set()
    for k, item in enumerate(items, start=1):
        name = str(item.get("name", f"project {k}"))
        where = Location(file=file, line=_line_of(text, f'"{name}"'))
        bad = [key for key in item if key not in known]
        missing = [key for key in ("name", "region", "sector", "capacity", "cost")
                   if key not in item]
        if bad:
            problems.append(Problem("unknown-key", f"project {name!r}: unknown key(s) {bad}",
                                    where))
        if missing:
            problems.append(Problem("missing-key", f"project {name!r}: missing {missing}",
                                    where))
            continue
        if name in names:
            problems.append(Problem("duplicate", f"project {name!r} given twice", where))
        names.add(name)
        if item["region"] not in table.regions:
            problems.append(Problem("unknown-region", f"project {name!r}: unknown region "
                                    f"{item['region']!r}; known: {table.regions}", where))
        if item["sector"] not in table.sectors:
            problems.append(Problem("unknown-sector", f"project {name!r}: unknown sector "
                                    f"{item['sector']!r}", where))
        if item.get("status", "candidate") not in STATUSES:
            problems.append(Problem("bad-status", f"project {name!r}: status must be one of "
                                    f"{STATUSES}", where))
        for key in ("capacity", "cost"):
            if not isinstance(item[key], int | float) or item[key] < 0:
                problems.append(Problem("bad-value", f"project {name!r}: {key} must be a "
                                        "nonnegative number", where))
        if not bad:
            out.append(Project(**item))
    if problems:
        raise InputError(problems)
    return out
