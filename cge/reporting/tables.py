"""Headline tables of an experiment's results (the Dataset of ``run_experiment``).

Each function returns a :class:`pandas.DataFrame` with readable labels (see
:mod:`cge.reporting.labels`; scenarios by their descriptions), a ``title`` and the ``units`` of
each column in ``df.attrs``; exports write the same frames to
Excel, LaTeX and CSV. Scenarios are rows in the scenario tables and columns in the sector tables
(22 sectors read better down a page). Failed scenarios appear with NaN.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from cge.reporting.labels import Labels


def _scenarios(ds: xr.Dataset, include_benchmark: bool = False) -> list[str]:
    names = [str(s) for s in ds["scenario"].values]
    return names if include_benchmark else [s for s in names if s != "benchmark"]


def scenario_label(ds: xr.Dataset, labels: Labels, name: str) -> str:
    """A scenario as readers see it: its label in the label file, else (in English) its
    description in the experiment, else its name."""
    text = labels.of("scenario", name)
    if text != name or labels.lang != "en" or "description" not in ds:
        return text
    description = str(ds["description"].sel(scenario=name).item()).strip()
    return description or name


def _labelled(df: pd.DataFrame, ds: xr.Dataset, labels: Labels, axis: str) -> pd.DataFrame:
    """Scenario names on ``axis`` ("index" or "columns") replaced by their labels."""
    return df.rename(**{axis: lambda s: scenario_label(ds, labels, s)})


def welfare(ds: xr.Dataset, labels: Labels) -> pd.DataFrame:
    """EV per region and household (model value units) and EV in % of consumption."""
    scen = _scenarios(ds)
    cols, units = {}, {}
    for r in ds["region"].values:
        for h in ds["household"].values:
            # households a region does not have are NaN at the benchmark; a household whose
            # scenarios all failed keeps its column (of NaN)
            if "EV" in ds and not ds["EV"].sel(region=r, household=h,
                                               scenario="benchmark").isnull():
                who = labels.of("region", r)
                if ds.sizes["household"] > 1:
                    who += ", " + labels.of("household", h)
                cols[f"{labels.text('EV')} {who}"] = (
                    ds["EV"].sel(region=r, household=h, scenario=scen).values)
                units[f"{labels.text('EV')} {who}"] = ds["EV"].attrs.get(
                    "units", ds.attrs.get("units", ""))
                if "EV_pct" in ds:
                    cols[f"{labels.text('EV_pct')} {who}"] = (
                        ds["EV_pct"].sel(region=r, household=h, scenario=scen).values)
                    units[f"{labels.text('EV_pct')} {who}"] = "%"
    df = pd.DataFrame(cols, index=pd.Index(scen, name=labels.text("scenario")))
    df = _labelled(df, ds, labels, "index")
    df.attrs["title"] = labels.text("welfare")
    df.attrs["units"] = units
    return df


def grp(ds: xr.Dataset, labels: Labels) -> pd.DataFrame:
    """Real GRP, percent change from the benchmark, scenarios by region."""
    scen = _scenarios(ds)
    da = ds["pct_GRP_real"].sel(scenario=scen)
    df = da.to_pandas()
    df = df.rename(columns=lambda r: labels.of("region", r))
    df.index.name, df.columns.name = labels.text("scenario"), None
    df = _labelled(df, ds, labels, "index")
    df.attrs["title"] = labels.text("grp")
    df.attrs["units"] = dict.fromkeys(df.columns, "%")
    return df


def by_sector(ds: xr.Dataset, labels: Labels, region: str, variable: str = "pct_Z",
              title: str = "output") -> pd.DataFrame:
    """Percent change of a (region, sector) variable in one region: sectors by scenarios."""
    scen = _scenarios(ds)
    df = ds[variable].sel(region=region, scenario=scen).to_pandas().T
    df = df.loc[labels.order("sector", list(df.index))]
    notes = []
    level = variable.removeprefix("pct_")
    if level != variable and level in ds:  # sectors absent at the benchmark: no % change
        base = ds[level].sel(region=region, scenario="benchmark").to_series()
        absent = [s for s in df.index if not base.get(s, 0.0) > 0]
        if absent:
            df = df.drop(index=absent)
            notes.append("not produced at the benchmark: "
                         + ", ".join(labels.of("sector", s) for s in absent))
    df = df.rename(index=lambda s: labels.of("sector", s))
    df.index.name, df.columns.name = labels.text("sector"), None
    df = _labelled(df, ds, labels, "columns")
    df.attrs["title"] = f"{labels.text(title)}: {labels.of('region', region)}"
    df.attrs["units"] = dict.fromkeys(df.columns, "%")
    df.attrs["notes"] = notes
    return df


def _volume(ds: xr.Dataset, qty: str, price: str, dims: list[str]) -> xr.DataArray:
    """Sum of quantities at benchmark prices over ``dims``."""
    p0 = ds[price].sel(scenario="benchmark")
    return (ds[qty] * p0).sum(dims, skipna=False)


def trade(ds: xr.Dataset, labels: Labels) -> pd.DataFrame:
    """Volumes (at benchmark prices) of interregional shipments and foreign trade, % change.

    Every pair of regions with shipments at the benchmark has a column; pairs without any
    (no percent change is defined) are listed in ``df.attrs["notes"]``, never dropped silently.
    A failed scenario's row is NaN (sums keep NaN, so a failure never shows as -100 %).
    """
    scen = _scenarios(ds, include_benchmark=True)
    cols: dict[str, xr.DataArray] = {}
    notes = []
    if "trade_volume" in ds:
        vol = ds["trade_volume"].sum("commodity", skipna=False)
        for o in ds["origin"].values:
            for d in ds["destination"].values:
                if o == d:
                    continue
                name = (f"{labels.text('interregional')} {labels.of('region', o)} \u2192 "
                        f"{labels.of('region', d)}")
                if float(vol.sel(origin=o, destination=d, scenario="benchmark")) == 0:
                    notes.append(f"{name}: no shipments at the benchmark")
                else:  # NaN at the benchmark would be a bug: shown, not hidden
                    cols[name] = vol.sel(origin=o, destination=d)
    if "E" in ds:
        ex = _volume(ds, "E", "pe", ["sector"])
        for r in ex["region"].values:
            cols[f"{labels.text('exports')} {labels.of('region', r)}"] = ex.sel(region=r)
    if "M" in ds:
        im = _volume(ds, "M", "pm", ["commodity"])
        for r in im["region"].values:
            cols[f"{labels.text('imports')} {labels.of('region', r)}"] = im.sel(region=r)
    out = {k: 100.0 * (v.sel(scenario=scen) / v.sel(scenario="benchmark") - 1.0)
           for k, v in cols.items()}
    df = pd.DataFrame({k: v.values for k, v in out.items()},
                      index=pd.Index(scen, name=labels.text("scenario")))
    df = _labelled(df.drop(index="benchmark"), ds, labels, "index")
    df.attrs["title"] = labels.text("trade")
    df.attrs["notes"] = notes
    df.attrs["units"] = dict.fromkeys(df.columns, "%")
    return df


def headline_tables(ds: xr.Dataset, labels: Labels, regions: list[str] | None = None
                    ) -> dict[str, pd.DataFrame]:
    """All headline tables by a short name (sheet and file names): welfare, its decomposition
    by region where the results have it, grp, trade,
    output and employment by sector for each region in ``regions`` (default: every region
    with production), the trade matrix and macro and prices (:mod:`cge.reporting.tables_macro`)."""
    regions = regions or [str(r) for r in ds["Z"]["region"].values]
    from cge.reporting.tables_macro import macro_tables

    tables = {"welfare": welfare(ds, labels)}
    if "welfare_terms" in ds:  # runs that computed it (cge.reporting.welfare)
        from cge.reporting.welfare import decomposition_table

        for r in ds["welfare_terms"]["region"].values:
            tables[f"welfare_decomposition_{r}"] = decomposition_table(ds, labels, str(r))
    tables |= {"grp": grp(ds, labels), "trade": trade(ds, labels)}
    for r in regions:
        tables[f"output_{r}"] = by_sector(ds, labels, r, "pct_Z", "output")
        if "pct_employment" in ds:
            tables[f"employment_{r}"] = by_sector(ds, labels, r, "pct_employment",
                                                  "employment")
    return tables | macro_tables(ds, labels)


def headline_indicators(ds: xr.Dataset) -> pd.Series:
    """One run's headline numbers as a flat Series (index: indicator, region, scenario) for
    side-by-side comparison of runs."""
    parts = []
    ev = ds["EV"].sum("household", skipna=False).to_series()
    parts.append(pd.concat({"EV": ev}, names=["indicator"]))
    # EV in % is comparable across regions only per household; with several households
    # the sum of EV above is the headline.
    if "EV_pct" in ds and ds.sizes["household"] == 1:
        evp = ds["EV_pct"].isel(household=0, drop=True).to_series()
        parts.append(pd.concat({"EV_pct": evp}, names=["indicator"]))
    parts.append(pd.concat({"GRP_real_pct": ds["pct_GRP_real"].to_series()},
                           names=["indicator"]))
    s = pd.concat(parts)
    s = s.reorder_levels(["indicator", "region", "scenario"])
    return s[s.index.get_level_values("scenario") != "benchmark"]
