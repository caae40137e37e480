"""The tables GEMPACK/RunGTAP and GAMS users expect: the trade matrix and macro and prices.

* :func:`trade_matrix`: every flow of goods by origin, destination and commodity (shipments
  between and within regions at current delivered prices, before the destination's duty;
  exports abroad and imports from abroad at current domestic prices), benchmark and each
  scenario, value and % change;
* :func:`macro`: per region, GRP by expenditure and its components, the consumer price index,
  factor prices (wages and rents), the government budget, and per country the exchange rate.

Both are :class:`pandas.DataFrame` for the table machinery (:mod:`cge.reporting.export`):
``attrs["title"]``, ``attrs["units"]`` per column and ``attrs["notes"]``; rows whose unit
differs from the columns' carry it in their label. Nothing is left out silently: routes
without any flow in any scenario are counted in the notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from cge.reporting.labels import Labels
from cge.reporting.tables import _scenarios, scenario_label

#: The rest of the world as an origin or destination in the trade matrix.
ABROAD = "abroad"


def _columns(ds: xr.Dataset, labels: Labels, rows: dict[str, xr.DataArray], unit: str
             ) -> pd.DataFrame:
    """Benchmark, then each scenario's value and % change, from ``{row label: values by
    scenario}``; a failed scenario's values are NaN."""
    scen = _scenarios(ds)
    names = {s: scenario_label(ds, labels, s) for s in scen}
    data: dict[str, list] = {labels.text("benchmark"): []}
    units = {labels.text("benchmark"): unit}
    for s in scen:
        name = names[s]
        data[name], data[f"{name}, %"] = [], []
        units[name], units[f"{name}, %"] = unit, "%"
    for values in rows.values():
        at = _by_scenario(values)
        base = at("benchmark")
        data[labels.text("benchmark")].append(base)
        for s in scen:
            name = names[s]
            v = at(s)
            data[name].append(v)
            data[f"{name}, %"].append(100.0 * (v / base - 1.0) if base else np.nan)
    df = pd.DataFrame(data, index=pd.Index(list(rows), name=""))
    df.attrs["units"] = units
    return df


def _by_scenario(values: xr.DataArray):
    """``float(values.sel(scenario=s))`` as a function of ``s``, from one array."""
    if "scenario" not in values.dims:
        return lambda s: float(values.sel(scenario=s))
    pos = {str(s): k for k, s in enumerate(values["scenario"].values)}
    flat = values.transpose("scenario", ...).values.reshape(len(pos), -1)
    return lambda s: float(flat[pos[s]].item())


def trade_matrix(ds: xr.Dataset, labels: Labels) -> pd.DataFrame:
    """Flows of goods by origin, destination and commodity, benchmark and scenarios (value
    and % change); model money units."""
    money = ds.attrs.get("units", "")
    rows: dict[str, xr.DataArray] = {}
    empty = 0

    def row(o: str, d: str, i: str, values: xr.DataArray) -> None:
        nonlocal empty
        if not np.nan_to_num(values.values).any():
            empty += 1
            return
        rows[f"{o} \u2192 {d}: {labels.of('sector', i)}"] = values

    region = labels.text("region")
    if "trade_value" in ds:
        tv = ds["trade_value"]
        for o in tv["origin"].values:
            for d in tv["destination"].values:
                for i in labels.order("sector", [str(c) for c in tv["commodity"].values]):
                    row(labels.of("region", o), labels.of("region", d), i,
                        tv.sel(origin=o, destination=d, commodity=i))
    abroad = labels.text(ABROAD)
    if "exports_value" in ds:
        ex = ds["exports_value"]
        if "te" in ds:  # exports at their fob value, the export tax included
            ex = (1 + ds["te"]) * ex
        for r in ex["region"].values:
            for i in labels.order("sector", [str(c) for c in ex["sector"].values]):
                row(labels.of("region", r), abroad, i, ex.sel(region=r, sector=i))
    if "imports_value" in ds:
        im = ds["imports_value"]
        for r in im["region"].values:
            for i in labels.order("sector", [str(c) for c in im["commodity"].values]):
                row(abroad, labels.of("region", r), i, im.sel(region=r, commodity=i))
    df = _columns(ds, labels, rows, money)
    df.index.name = f"{region}: origin \u2192 destination, commodity"
    df.attrs["title"] = labels.text("Trade matrix: flows of goods by origin, destination and "
                                    "commodity")
    df.attrs["notes"] = [
        "shipments at current delivered prices (origin price plus trade margin, before the "
        "destination's duties); exports fob and imports cif at current domestic prices"]
    if empty:
        df.attrs["notes"].append(f"{empty} routes without flows in any scenario are not shown")
    return df


def _sum(ds: xr.Dataset, expr: xr.DataArray | None, dims: list[str]) -> xr.DataArray | None:
    """Sum over ``dims`` (entries a model does not have are NaN or zero; a failed scenario is
    masked by the caller)."""
    if expr is None:
        return None
    return expr.sum([d for d in dims if d in expr.dims])


def _use(ds: xr.Dataset, name: str) -> xr.DataArray | None:
    """Current value of a final use of the composite good by region, None where the model has
    no such use."""
    if name not in ds:
        return None
    return _sum(ds, ds["pq"] * ds[name], ["commodity", "household"])


def macro(ds: xr.Dataset, labels: Labels) -> pd.DataFrame:
    """GRP by expenditure, prices and government budgets by region, exchange rates by
    country: benchmark and scenarios, level and % change."""
    money = ds.attrs.get("units", "")
    index = "index, benchmark = 1"
    rows: dict[str, xr.DataArray] = {}
    notes = []
    failed = ds["status"] == "failed"
    one_country = "epsilon" not in ds or ds["epsilon"].sizes.get("country", 1) == 1
    for r in [str(x) for x in ds["GRP_nominal"]["region"].values]:
        who = labels.of("region", r)
        sel = {"region": r}

        def put(item: str, values: xr.DataArray | None, unit: str = money,
                who: str = who) -> None:
            if values is not None:
                rows[f"{who}: {labels.text(item)} ({unit})"] = values.where(~failed)

        c = _use(ds, "Xp").sel(sel)
        # start from zeros like c: a SAM without governments has neither term
        g = sum((u.sel(sel) for u in (_use(ds, "Xg"), _use(ds, "Xgf")) if u is not None
                 and r in u["region"].values), 0.0 * c)
        inv = _use(ds, "Xv")
        inv = inv.sel(sel) if inv is not None and r in inv["region"].values else 0.0 * c
        for project in ("XvP", "XvD", "XvR", "XvF"):  # cge.model.projects
            if project in ds:
                inv = inv + (ds["pq"] * ds[project]).sum("commodity").sel(sel)
        ex = (ds["exports_value"] * (1 + ds["te"]) if "te" in ds else ds.get("exports_value"))
        ex = _sum(ds, ex, ["sector"])
        ex = ex.sel(sel) if ex is not None and r in ex["region"].values else 0.0 * c
        im = _sum(ds, ds.get("imports_value"), ["commodity"])
        im = im.sel(sel) if im is not None and r in im["region"].values else 0.0 * c
        total = ds["GRP_nominal_expenditure"].sel(sel)
        put("GRP by expenditure", total)
        put("household consumption", c)
        put("government consumption", g)
        put("investment", inv)
        put("exports abroad", ex)
        put("imports from abroad", -im)
        rest = total - c - g - inv - ex + im
        if one_country and "trade_value" in ds:
            tv = ds["trade_value"]
            net = (tv.sel(origin=r).sum(["destination", "commodity"])
                   - tv.sel(destination=r).sum(["origin", "commodity"]))
            put("net shipments to other regions", net)
            rest = rest - net
            put("other final demand (re-exports)", rest)
        else:
            put("net shipments to other regions and other final demand", rest)
        if "Xp" in ds:
            xp0 = ds["Xp"].sel(scenario="benchmark").sum("household").sel(sel)
            price = ds["pq"] * (1 + ds["tc"]) if "tc" in ds else ds["pq"]
            put("consumer price index", (price.sel(sel) * xp0).sum("commodity")
                / float((ds["pq"].sel(scenario="benchmark", **sel) * xp0).sum()), index)
        for f in [str(x) for x in ds["F"]["factor"].values]:
            used = ds["F"].sel(region=r, factor=f)
            if not float(used.sel(scenario="benchmark").sum()):
                continue
            pay = (ds["pf"].sel(region=r, factor=f) * used).sum("sector")
            put(f"price of {labels.of('factor', f)} (average)", pay / used.sum("sector"),
                index)
        if "GREV" in ds:
            put("government revenue", ds["GREV"].sel(sel))
            put("government spending", ds["GREV"].sel(sel) - ds["Sg"].sel(sel))
            put("government budget balance (savings)", ds["Sg"].sel(sel))
    if "FREV" in ds and float(ds["FREV"].sel(scenario="benchmark")):
        fed = labels.text("federal government")
        for item, values in (("revenue", ds["FREV"]), ("spending", ds["FREV"] - ds["Sgf"]),
                             ("budget balance (savings)", ds["Sgf"])):
            rows[f"{fed}: {labels.text(item)} ({money})"] = values.where(~failed)
    if "epsilon" in ds:
        for c in [str(x) for x in ds["epsilon"]["country"].values]:
            rows[f"{labels.text('exchange rate')} {c} (domestic per world currency)"] = (
                ds["epsilon"].sel(country=c).where(~failed))
    notes.append("GRP by expenditure is the sum of the rows below it; factor prices average "
                 "over sectors with benchmark = 1 by calibration; the consumer price index is "
                 "a Laspeyres index of purchaser prices with benchmark consumption weights")
    df = _columns(ds, labels, rows, "")
    df.index.name = labels.text("region") + ": item (unit)"
    df.attrs["title"] = labels.text("Macroeconomic aggregates and prices")
    df.attrs["notes"] = notes
    return df


def macro_tables(ds: xr.Dataset, labels: Labels) -> dict[str, pd.DataFrame]:
    """The trade matrix and the macro and prices table by their short names."""
    return {"trade_matrix": trade_matrix(ds, labels), "macro": macro(ds, labels)}
