"""Data of the interregional optimisation model: coefficients from a SAM, resources, projects.

Quantities are in SAM units at benchmark basic prices (mln RUB of 2021 for the Vologda SAM).
:func:`from_sam` reads everything off a balanced SAM so that the benchmark itself is a
feasible plan with one "set" of final consumption (``z = 1``):

* ``A[(d, j), (r, i)]``: commodity j bought on the market of region d per unit output of
  sector i in region r (the SAM's intermediate use net of taxes on products, divided by
  output);
* ``consumption[(d, j)]``: household consumption in region d of one set (the benchmark);
* ``other_demand[(d, j)]``: fixed final demand (government, investment, re-exports);
* ``capacity = x (1 + headroom)``, ``labour_coef = lab / x``, labour resource
  ``sum(lab) (1 + labour_growth)`` per region (labour moves between sectors, not regions);
* ``margin[(o, d, j)]``: iceberg cost as in the CGE model (``1 + margin`` units leave o for
  each unit delivered in d), so benchmark deliveries are the SAM's shipments / (1 + margin);
* imports and exports up to benchmark (1 + trade_headroom); the foreign deficit (imports -
  exports) at most its benchmark value;
* optionally (``shipments_headroom``) deliveries between two regions up to benchmark
  (1 + shipments_headroom): without it the LP may supply a region's water or construction
  from another region whenever the margin is zero, as linear plans specialise to extremes.

Net of taxes: a use of commodity j in region d, worth u in the SAM, is
``u (sum_o S_o / (1 + margin_o) + M) / T`` units of the good (``S_o`` shipments from o,
``M`` imports, ``T`` the commodity's total supply including taxes on products).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cge.errors import InputError, Location, Problem
from cge.io.table import default_labour
from cge.io.table import from_sam as io_from_sam
from cge.sam.accounts import Kind
from cge.sam.core import SAM


@dataclass(frozen=True)
class Project:
    """An investment project: adds ``capacity`` to (region, sector) at capital ``cost``.

    ``status`` is ``"candidate"`` (the MIP decides) or ``"committed"`` (always built).
    ``year`` is the first year of operation (forecasts).
    """

    name: str
    region: str
    sector: str
    capacity: float
    cost: float
    year: int | None = None
    status: str = "candidate"
    source: str = ""


@dataclass(frozen=True)
class PlanData:
    """Everything the optimisation model needs (see the module docstring)."""

    regions: list[str]
    sectors: list[str]
    A: pd.DataFrame
    consumption: pd.Series
    other_demand: pd.Series
    capacity: pd.Series
    labour_coef: pd.Series
    labour: pd.Series
    imports_max: pd.Series
    exports_max: pd.Series
    foreign_deficit: float
    margin: pd.Series
    shipments: pd.Series | None = None
    shipments_headroom: float | None = None
    investment_budget: float = 0.0
    capital_output: float | None = None
    min_sets: float = 0.0
    projects: list[Project] = field(default_factory=list)
    benchmark: pd.DataFrame | None = None
    units: str = ""

    def with_projects(self, projects: list[Project]) -> PlanData:
        return replace(self, projects=list(projects))


def read_margins(path, regions: list[str], sectors: list[str]) -> pd.Series:
    """Iceberg margins ``origin,destination,commodity,value`` (``*`` = every commodity; a named
    commodity overrides ``*``) as a Series on (origin, destination, sector)."""
    file = str(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem("unreadable", f"cannot read margins: {exc}",
                                 Location(file=file))) from exc
    need = ["origin", "destination", "commodity", "value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(Problem("columns", f"missing column(s) {missing}",
                                 Location(file=file, line=1)))
    idx = pd.MultiIndex.from_product([regions, regions, sectors],
                                     names=["origin", "destination", "sector"])
    out = pd.Series(0.0, index=idx, name="margin")
    problems = []
    # Wildcards first so that named commodities override them.
    order = sorted(range(len(df)), key=lambda i: df["commodity"].iat[i].strip() != "*")
    for i in order:
        where = Location(file=file, line=i + 2)
        o, d, c = (df[k].iat[i].strip() for k in need[:3])
        try:
            value = float(df["value"].iat[i])
        except ValueError:
            problems.append(Problem("bad-value", f"value {df['value'].iat[i]!r} is not a "
                                    "number", where))
            continue
        for label, v, known in (("region", o, regions), ("region", d, regions)):
            if v not in known:
                problems.append(Problem("unknown-region", f"unknown {label} {v!r}", where))
        if c != "*" and c not in sectors:
            problems.append(Problem("unknown-sector", f"unknown commodity {c!r}", where))
        if o in regions and d in regions and (c == "*" or c in sectors):
            for s in sectors if c == "*" else [c]:
                out[(o, d, s)] = value
    if problems:
        raise InputError(problems)
    return out


def from_sam(sam: SAM, *, margins: pd.Series | None = None, headroom: float = 0.05,
             labour_growth: float = 0.0, trade_headroom: float = 0.10,
             investment_budget: float = 0.0, capital_output: float | None = None,
             min_sets: float = 0.0, shipments_headroom: float | None = None,
             projects: list[Project] | None = None, labour: list[str] | None = None) -> PlanData:
    """Plan data from a balanced SAM (see the module docstring for every coefficient)."""
    table = io_from_sam(sam, labour=labour)
    regions, sectors, index = table.regions, table.sectors, table.index
    x = table.x
    if margins is None:
        margins = pd.Series(0.0, index=pd.MultiIndex.from_product(
            [regions, regions, sectors], names=["origin", "destination", "sector"]))
    # Shipments by origin into each market: rows of Z and Y regrouped by destination market.
    # Because from_sam split every use of market (d, j) by the same origin shares, the total
    # delivered by o to market d is S_{o->d,j}, and the import / tax share is the same for
    # every use: recover them from the commodity columns directly.
    acc = sam.accounts
    vals = sam.data.values
    pos = {k: i for i, k in enumerate(sam.keys)}
    act_of = {(acc.at[a, "region"], acc.at[a, "account"]): a
              for a in sam.accounts_of(Kind.ACTIVITY)}
    com_of = {(acc.at[c, "region"], acc.at[c, "account"]): c
              for c in sam.accounts_of(Kind.COMMODITY)}
    strip = all(name.startswith("c-") for _, name in com_of)
    label = {k: (k[0], k[1][2:] if strip else k[1]) for k in com_of}
    activity_label = {}
    for (r, name), a in act_of.items():
        # the commodity an activity sells, as from_sam mapped it: same sector label order
        sold = [label[k][1] for k, c in com_of.items() if vals[pos[a], pos[c]] != 0]
        guess = name[2:] if name.startswith("a-") else name
        activity_label[(r, sold[0] if sold else guess)] = a

    n = len(index)
    A = np.zeros((n, n))
    cons = pd.Series(0.0, index=index)
    other = pd.Series(0.0, index=index)
    imports = pd.Series(0.0, index=index)
    ships = pd.Series(0.0, index=pd.MultiIndex.from_product(
        [regions, regions, sectors], names=["origin", "destination", "sector"]))
    row_of = {k: i for i, k in enumerate(index)}
    act_cols = [pos[activity_label[k]] if k in activity_label else -1 for k in index]
    households = set(sam.accounts_of(Kind.HOUSEHOLD))
    fd = [k for k in sam.keys if acc.at[k, "kind"] not in (Kind.ACTIVITY, Kind.COMMODITY)]
    for key, c in com_of.items():
        d, j = label[key]
        col = vals[:, pos[c]]
        total = col.sum()
        if total == 0:
            continue
        delivered = 0.0
        for o in regions:
            a = activity_label.get((o, j))
            if a is not None and col[pos[a]] != 0:
                ships[(o, d, j)] = col[pos[a]] / (1 + margins[(o, d, j)])
                delivered += ships[(o, d, j)]
        imports[(d, j)] = sum(col[pos[k]] for k in sam.accounts_of(Kind.REST_OF_WORLD))
        net = (delivered + imports[(d, j)]) / total
        row = vals[pos[c]]
        i = row_of[(d, j)]
        for k, col_pos in enumerate(act_cols):
            if col_pos >= 0 and x.iat[k] != 0:
                A[i, k] = row[col_pos] * net / x.iat[k]
        cons[(d, j)] = net * sum(row[pos[h]] for h in fd if h in households)
        other[(d, j)] = net * sum(row[pos[h]] for h in fd if h not in households)
    exports = _exports(sam, act_cols, index, vals)
    labour_names = labour if labour is not None else default_labour(sam)
    lab = pd.Series(0.0, index=index)
    for f in sam.accounts_of(Kind.FACTOR):
        if acc.at[f, "account"] in labour_names:
            lab += [vals[pos[f], c] if c >= 0 else 0.0 for c in act_cols]
    labour_coef = pd.Series(np.divide(lab.to_numpy(), x.to_numpy(), out=np.zeros(n),
                                      where=x.to_numpy() != 0), index=index)
    labour_total = lab.groupby(level="region", sort=False).sum() * (1 + labour_growth)
    benchmark = pd.DataFrame({"output": x, "imports": imports, "exports": exports,
                              "consumption": cons, "other_demand": other})
    return PlanData(
        regions=regions, sectors=sectors,
        A=pd.DataFrame(A, index=index, columns=index),
        consumption=cons, other_demand=other,
        capacity=x * (1 + headroom),
        labour_coef=labour_coef, labour=labour_total,
        imports_max=imports * (1 + trade_headroom), exports_max=exports * (1 + trade_headroom),
        foreign_deficit=float(imports.sum() - exports.sum()),
        margin=margins.reindex(ships.index, fill_value=0.0),
        shipments=ships, shipments_headroom=shipments_headroom,
        investment_budget=investment_budget, capital_output=capital_output,
        min_sets=min_sets, projects=list(projects or []),
        benchmark=benchmark.assign(shipments_out=ships.groupby(level=["origin", "sector"],
                                                               sort=False).sum()
                                   .rename_axis(["region", "sector"])),
        units=sam.units,
    )


def _exports(sam: SAM, act_cols: list[int], index: pd.MultiIndex, vals: np.ndarray) -> pd.Series:
    """Exports to the rest of the world by (region, sector): activity rows, ROW columns."""
    pos = {k: i for i, k in enumerate(sam.keys)}
    row_cols = [pos[k] for k in sam.accounts_of(Kind.REST_OF_WORLD)]
    return pd.Series([vals[c, row_cols].sum() if c >= 0 else 0.0 for c in act_cols],
                     index=index)


