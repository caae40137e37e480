r"""Investment projects: construction demand, then capital and productivity in operation.

A project is data (``[[project]]`` tables of a dynamic experiment file)::

    [[project]]
    name = "steel"
    region = "VOL"                 # where the plant is
    sector = "ferr"                # the sector that receives the capital
    financing = "private"          # foreign | private | regional | federal
    start_operation = 2027         # first year the capital is used
    capital = 150.0                # capital stock added (default: total capex)
    productivity = 0.03            # b of the sector x 1.03 from start_operation (default 0)
    capacity = 12.0                # output capacity added from start_operation (default 0)
    source = "illustrative"
    capex = [                      # or capex = "steel_capex.csv" (year,commodity,origin,value)
      { year = 2023, commodity = "cons", origin = "VOL", value = 20.0 },
      { year = 2023, commodity = "mach", origin = "RUS", value = 25.0 },
    ]

Capex values are in model units at base-year prices; ``origin`` is the region whose market
supplies the good (the model has no origin split of investment demand: a purchase in the RUS
market is sourced like any RUS demand, from RUS producers, other regions and imports). Each
year a project adds the real quantity ``value / pq0`` of investment demand to the model's
parameter for its source of financing (:mod:`cge.model.projects`, where the equations are):

* ``foreign``: ``XvP``, paid for by a capital inflow in the balance of payments -- the
  investment is additional to national savings;
* ``private``: ``XvD``, financed from private savings: the savings pool invests that much less
  elsewhere (crowding out);
* ``regional``: ``XvR``, paid by the regional government out of its consumption and transfers
  (or, with ``project_financing = { regional = "borrowing" }``, borrowed from the pool). A
  regional budget buys in its own region's market, so the capex of a regionally financed
  project is placed in the project region's market whatever its ``origin`` (that market
  sources it from other regions and imports like any of its demand);
* ``federal``: ``XvF``, paid by the federal government out of its consumption and its transfers
  to every region (or borrowed, ``project_financing = { federal = "borrowing" }``): the other
  regions bear part of the cost through their budgets. Needs a federal government in the SAM.

From ``start_operation`` the sector's capital stock includes ``capital`` (which then
depreciates like any capital, :mod:`cge.dynamics.capital`) and its productivity ``b`` is
multiplied by ``1 + productivity``. A project may raise the output capacity of its sector
(``capacity``, in model quantities of output: the capacity limit ``zcap`` of
:mod:`cge.model.capacity`, which the activity must have, ``capacity_limits``): project capacity
limits are data, and the capacity rent shows when they bind. The project's own capex does not
also enter the capital accumulation of the pool, so capital is not counted twice. Projects
combine additively; a scenario switches on the ones it lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo

from cge.errors import InputError, Location, Problem

FINANCING = {"foreign": "XvP", "private": "XvD", "regional": "XvR", "federal": "XvF"}


@dataclass(frozen=True)
class Capex:
    year: int
    commodity: str
    origin: str
    value: float


@dataclass(frozen=True)
class Project:
    name: str
    region: str
    sector: str
    financing: str
    start_operation: int
    capex: tuple[Capex, ...]
    capital: float
    productivity: float = 0.0
    capacity: float = 0.0
    description: str = ""
    source: str = ""

    @property
    def parameter(self) -> str:
        """The model parameter its construction demand goes to (XvP, XvD, XvR or XvF)."""
        return FINANCING[self.financing]


def _bad(msg: str, path: Path) -> InputError:
    return InputError(Problem("bad-project", msg, Location(file=str(path))))


def _capex_rows(raw: object, path: Path, name: str) -> list[dict]:
    if isinstance(raw, str):
        csv = (path.parent / raw).resolve()
        if not csv.exists():
            raise _bad(f"project {name!r}: capex file {raw!r} not found (looked for {csv})",
                       path)
        return pd.read_csv(csv, comment="#").to_dict("records")
    if not isinstance(raw, list):
        raise _bad(f"project {name!r}: capex must be a list of tables or a CSV file name", path)
    return raw


def parse_projects(raw: list[dict], path: Path, spec) -> dict[str, Project]:
    """Projects from ``[[project]]`` tables; years are checked against ``spec``."""
    out: dict[str, Project] = {}
    known = {"name", "region", "sector", "financing", "start_operation", "capex", "capital",
             "productivity", "capacity", "description", "source"}
    for n, p in enumerate(raw):
        name = p.get("name")
        if not name or name in out:
            raise _bad(f"project number {n + 1}: missing or repeated name {name!r}", path)
        unknown = set(p) - known
        missing = {"region", "sector", "financing", "start_operation", "capex"} - set(p)
        if unknown or missing:
            raise _bad(f"project {name!r}: unknown key(s) {sorted(unknown)}, missing "
                       f"{sorted(missing)}", path)
        if p["financing"] not in FINANCING:
            raise _bad(f"project {name!r}: financing {p['financing']!r}; choose one of "
                       f"{list(FINANCING)}", path)
        capex = []
        for row in _capex_rows(p["capex"], path, name):
            if set(row) != {"year", "commodity", "origin", "value"}:
                raise _bad(f"project {name!r}: a capex row needs year, commodity, origin, "
                           f"value (got {sorted(row)})", path)
            year = int(row["year"])
            if not spec.start <= year <= spec.end:
                raise _bad(f"project {name!r}: capex in {year}, outside {spec.start}-"
                           f"{spec.end}", path)
            capex.append(Capex(year, str(row["commodity"]), str(row["origin"]),
                               float(row["value"])))
        start = int(p["start_operation"])
        if start <= spec.start:
            raise _bad(f"project {name!r}: start_operation {start} must come after the base "
                       f"year {spec.start}", path)
        out[name] = Project(
            name=name, region=str(p["region"]), sector=str(p["sector"]),
            financing=str(p["financing"]), start_operation=start, capex=tuple(capex),
            capital=float(p.get("capital", sum(c.value for c in capex))),
            productivity=float(p.get("productivity", 0.0)),
            capacity=float(p.get("capacity", 0.0)),
            description=str(p.get("description", "")), source=str(p.get("source", "")))
    return out


def check_projects(projects: dict[str, Project], m: pyo.ConcreteModel, capital: str,
                   path: Path) -> None:
    """Every label names something the model has: a sector with capital, a market."""
    for p in projects.values():
        if (p.region, capital, p.sector) not in set(m.RFS_SPECIFIC):
            raise _bad(f"project {p.name!r}: sector {p.sector!r} of region {p.region!r} has "
                       f"no {capital!r} in the SAM, so capital cannot be added to it", path)
        if p.capacity and (p.region, p.sector) not in m.capacity_set:
            raise _bad(f"project {p.name!r}: raises the capacity of {p.region}:{p.sector}, "
                       "which has no capacity limit (add it to capacity_limits in [model])",
                       path)
        for c in p.capex:
            origin = p.region if p.financing == "regional" else c.origin
            if (origin, c.commodity) not in set(m.RQ):
                raise _bad(f"project {p.name!r}: no market for {c.commodity!r} in region "
                           f"{origin!r}", path)
            refused = m.unshockable.get((p.parameter, (origin, c.commodity)))
            if refused:  # nobody could pay for it (cge.model.projects.unpaid)
                raise _bad(f"project {p.name!r}: financing {p.financing!r} is refused: "
                           f"{refused}", path)


def construction_demand(projects: list[Project], year: int, pq0: dict
                        ) -> dict[str, dict[tuple[str, str], float]]:
    """Quantities added to ``XvP``, ``XvD``, ``XvR``, ``XvF`` in ``year``: ``{"XvP": {(r, c):
    q}, ...}`` (a regional budget buys in its own region's market, see the module)."""
    out: dict[str, dict] = {name: {} for name in FINANCING.values()}
    for p in projects:
        target = out[p.parameter]
        for c in p.capex:
            if c.year == year:
                k = (p.region if p.financing == "regional" else c.origin, c.commodity)
                target[k] = target.get(k, 0.0) + c.value / pq0[k]
    return out


def capital_added(projects: list[Project], year: int) -> dict[tuple[str, str], float]:
    """Capital stock that starts operating in ``year``, by (region, sector)."""
    out: dict[tuple[str, str], float] = {}
    for p in projects:
        if p.start_operation == year:
            k = (p.region, p.sector)
            out[k] = out.get(k, 0.0) + p.capital
    return out


def productivity_factor(projects: list[Project], year: int) -> dict[tuple[str, str], float]:
    """Multiplier on ``b`` by (region, sector) from projects in operation in ``year``."""
    out: dict[tuple[str, str], float] = {}
    for p in projects:
        if year >= p.start_operation and p.productivity:
            k = (p.region, p.sector)
            out[k] = out.get(k, 1.0) * (1.0 + p.productivity)
    return out


def capacity_added(projects: list[Project], year: int) -> dict[tuple[str, str], float]:
    """Output capacity added to ``zcap`` by (region, sector) by projects in operation in
    ``year``."""
    out: dict[tuple[str, str], float] = {}
    for p in projects:
        if year >= p.start_operation and p.capacity:
            k = (p.region, p.sector)
            out[k] = out.get(k, 0.0) + p.capacity
    return out
