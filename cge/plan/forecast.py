r"""Forecast of regional output under investment projects: IO balance vs optimisation model.

For each forecast year the projects whose first year of operation has come are online.

* **IO balance** (fixed coefficients, Miller and Blair 2009, sect. 13.1): the projects' sectors
  K produce their new capacity, :math:`\Delta x_K = \kappa`, and the other sectors respond
  through their input purchases, :math:`\Delta x_N = (I - A_{NN})^{-1} A_{NK}\,\Delta x_K`.
  What K produces beyond the inputs the economy now buys from it,
  :math:`\Delta x_K - (A\,\Delta x)_K`, goes to final demand, split among destinations (regions
  and exports) like the sector's benchmark final deliveries.
* **Optimisation model**: the plan LP is solved with the online projects built (their cost is
  sunk, so it is added to the investment budget) and without any project; the differences are
  the projects' effect on the optimal plan.

:func:`compare_with_cge` puts CGE results alongside: it takes an :class:`xarray.Dataset` with a
``scenario`` dimension and a variable ``Z[scenario, region, sector]`` (gross output, any
units: only percentage changes against a reference scenario are used), as written by
``cge run`` (``results.nc``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from cge.errors import InputError
from cge.io.analysis import (
    exogenous_output_impact,
    interregional_supplies,
    technical_coefficients,
)
from cge.io.table import IOTable
from cge.plan.data import PlanData, Project
from cge.plan.model import solve_plan


@dataclass
class Forecast:
    """``output``: (year, region, sector) x [benchmark, io_delta, io_pct, plan_delta,
    plan_pct]; ``supplies``: (year, origin, destination, sector) x [benchmark, io_delta,
    plan_delta] for deliveries between the table's regions."""

    output: pd.DataFrame
    supplies: pd.DataFrame


def _pct(delta: pd.Series, base: pd.Series) -> pd.Series:
    b = base.to_numpy(dtype=float)
    return pd.Series(np.divide(100 * delta.to_numpy(dtype=float), b,
                               out=np.full(len(b), np.nan), where=b != 0), index=delta.index)


def io_projection(table: IOTable, projects: list[Project]) -> tuple[pd.Series, pd.DataFrame]:
    """Output change and change in deliveries between regions (origin, sector) x destination
    when ``projects`` come online, by the IO balance (module docstring)."""
    A = technical_coefficients(table.Z, table.x)
    cap = pd.Series(0.0, index=table.index)
    for p in projects:
        cap[(p.region, p.sector)] += p.capacity
    fixed = cap[cap != 0]
    if fixed.empty:
        return pd.Series(0.0, index=table.index), interregional_supplies(
            A, table.x, table.Y) * 0.0
    dx = exogenous_output_impact(A, fixed)
    absorbed = pd.Series(A.to_numpy() @ dx.to_numpy(), index=A.index)
    final = (dx - absorbed).where(A.index.isin(fixed.index), 0.0)
    shares = table.Y.div(table.Y.sum(axis=1).replace(0.0, np.nan), axis=0).fillna(0.0)
    dY = shares.mul(final, axis=0)
    before = interregional_supplies(A, table.x, table.Y)
    after = interregional_supplies(A, table.x + dx, table.Y + dY)
    return dx, after - before


def forecast(data: PlanData, table: IOTable, projects: list[Project], years: list[int],
             options: dict | None = None) -> Forecast:
    """Output and interregional supplies by year, by the IO balance and by the plan LP."""
    unknown = [p.name for p in projects if p.year is None]
    if unknown:
        raise InputError(f"projects without a year cannot be placed in a forecast: {unknown}")
    base_data = replace(data, projects=[])
    base = solve_plan(base_data, options)
    benchmark = table.x
    A = technical_coefficients(table.Z, table.x)
    bench_supplies = interregional_supplies(A, table.x, table.Y)
    out_rows, sup_rows = [], []
    for year in years:
        online = [replace(p, status="committed") for p in projects if p.year <= year]
        dx, dsup = io_projection(table, online)
        with_projects = replace(data, projects=online, investment_budget=data.investment_budget
                                + sum(p.cost for p in online))
        plan = solve_plan(with_projects, options) if online else base
        plan_dx = (plan.output["plan"] - base.output["plan"]).reindex(table.index)
        out = pd.DataFrame({"benchmark": benchmark, "io_delta": dx,
                            "io_pct": _pct(dx, benchmark), "plan_delta": plan_dx,
                            "plan_pct": _pct(plan_dx, base.output["plan"].reindex(table.index))})
        out_rows.append(pd.concat({year: out}, names=["year"]))
        # deliveries between the table's regions, origin != destination
        d_plan = plan.shipments - base.shipments
        rows = []
        for (o, j) in table.index:
            for dest in table.regions:
                if dest == o:
                    continue
                rows.append((o, dest, j, bench_supplies.at[(o, j), dest],
                             dsup.at[(o, j), dest], d_plan.get((o, dest, j), np.nan)))
        sup = pd.DataFrame(rows, columns=["origin", "destination", "sector", "benchmark",
                                          "io_delta", "plan_delta"]).set_index(
            ["origin", "destination", "sector"])
        sup_rows.append(pd.concat({year: sup}, names=["year"]))
    return Forecast(pd.concat(out_rows), pd.concat(sup_rows))


def compare_with_cge(output: pd.DataFrame, results: xr.Dataset, *, year: int | None = None,
                     reference: str = "benchmark", variable: str = "Z") -> pd.DataFrame:
    """IO and plan output changes (%) for one forecast ``year`` next to the CGE's.

    ``results`` must have a ``scenario`` dimension and ``results[variable]`` dims
    ``(scenario, region, sector)``; each scenario other than ``reference`` gives a column
    ``cge_pct:<scenario>`` = 100 (Z[scenario] / Z[reference] - 1). Rows are (region, sector);
    CGE regions or sectors missing from the forecast are left out, and vice versa NaN.
    """
    if variable not in results or "scenario" not in results[variable].dims:
        raise InputError(f"CGE results need a variable {variable!r} with a 'scenario' dimension")
    Z = results[variable].transpose("scenario", "region", "sector")
    scenarios = [str(s) for s in Z["scenario"].values]
    if reference not in scenarios:
        raise InputError(f"reference scenario {reference!r} not in the CGE results "
                         f"{scenarios}")
    years = output.index.get_level_values("year")
    year = int(years.max()) if year is None else year
    table = output.xs(year, level="year")[["io_pct", "plan_pct"]].copy()
    ref = Z.sel(scenario=reference).to_pandas().stack()
    for s in scenarios:
        if s == reference:
            continue
        z = Z.sel(scenario=s).to_pandas().stack()
        pct = _pct(z - ref, ref)
        pct.index = pct.index.set_names(["region", "sector"])
        table[f"cge_pct:{s}"] = pct.reindex(table.index)
    return table
