"""Write a dynamic run: NetCDF of everything, CSV of the yearly paths, summary, PNG figures.

Figures are drawn on matplotlib's Agg canvas directly (``FigureCanvasAgg``), so no GUI backend
is touched and no global pyplot state is left behind.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cge.outputs import write_bytes, write_text

PATH_VARIABLES = ("GRP_real", "GRP_real_vs_baseline_pct", "GRP_nominal", "investment_real",
                  "productivity_index")


def summary(ds: xr.Dataset, checkpoints: tuple[int, ...] = ()) -> pd.DataFrame:
    """One row per scenario: real GRP deviations at checkpoints and the end, welfare."""
    end = int(ds["year"].max())
    years = [y for y in checkpoints if y < end] + [end]
    out = pd.DataFrame(index=pd.Index(ds["scenario"].values, name="scenario"))
    for r in ds["region"].values:
        out[f"GRP_real {r} {end}"] = ds["GRP_real"].sel(region=r, year=end).values
        for y in years:
            out[f"GRP {r} {y} vs base %"] = ds["GRP_real_vs_baseline_pct"].sel(
                region=r, year=y).values
    ev = ds["EV_discounted"].sum("household")
    for r in ds["region"].values:
        out[f"EV PV {r}"] = ev.sel(region=r).values
    out["EV PV total"] = ev.sum("region").values
    out["EV sum total"] = ds["EV_cumulative"].sum(["region", "household"]).values
    out["terminal value PV total"] = ds["terminal_value"].sum(["region", "sector"]).values
    out["EV PV + terminal total"] = ds["welfare_with_terminal"].sum("region").values
    return out


def paths_table(ds: xr.Dataset) -> pd.DataFrame:
    """Tidy yearly paths by scenario and region (one column per indicator)."""
    return xr.Dataset({n: ds[n] for n in PATH_VARIABLES}).to_dataframe().reset_index()


def welfare_table(ds: xr.Dataset) -> pd.DataFrame:
    return ds["EV"].to_dataframe().reset_index()


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=path.suffix[1:], dpi=120)
    return write_bytes(path, buf.getvalue())


def figures(ds: xr.Dataset, out: Path, units: str = "") -> list[Path]:
    """Yearly paths: baseline, real GRP against the baseline, welfare against the baseline."""
    regions = list(ds["region"].values)
    scenarios = [s for s in ds["scenario"].values if s != "baseline"]
    written = []

    fig = Figure(figsize=(10, 4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    base = ds.sel(scenario="baseline")
    for r in regions:
        grp = base["GRP_real"].sel(region=r)
        ax1.plot(ds["year"], 100 * grp / grp.isel(year=0), label=r)
        ax2.plot(ds["year"], base["productivity_index"].sel(region=r), label=r)
    ax1.set(title="baseline real GRP (base year = 100)", xlabel="year")
    ax2.set(title="baseline productivity index A", xlabel="year")
    ax1.legend()
    ax2.legend()
    written.append(_save(fig, out / "baseline.png"))

    fig = Figure(figsize=(5 * len(regions), 4), layout="constrained")
    for ax, r in zip(fig.subplots(1, len(regions), squeeze=False)[0], regions, strict=True):
        for s in scenarios:
            ax.plot(ds["year"], ds["GRP_real_vs_baseline_pct"].sel(scenario=s, region=r),
                    label=s)
        ax.axhline(0.0, color="grey", lw=0.5)
        ax.set(title=f"real GRP of {r}, % vs baseline", xlabel="year")
    if scenarios:  # a baseline-only run has no deviation lines to label
        ax.legend(fontsize="small")
    written.append(_save(fig, out / "grp_vs_baseline.png"))

    fig = Figure(figsize=(5 * len(regions), 4), layout="constrained")
    ev = ds["EV"].sum("household")
    for ax, r in zip(fig.subplots(1, len(regions), squeeze=False)[0], regions, strict=True):
        for s in scenarios:
            ax.plot(ds["year"], ev.sel(scenario=s, region=r), label=s)
        ax.axhline(0.0, color="grey", lw=0.5)
        ax.set(title=f"EV of {r} households vs baseline ({units or 'model units'})",
               xlabel="year")
    if scenarios:
        ax.legend(fontsize="small")
    written.append(_save(fig, out / "welfare.png"))
    return written


def write(ds: xr.Dataset, out: str | Path, units: str = "") -> list[Path]:
    """Everything to ``out``: results.nc, paths.csv, welfare.csv, summary.csv, figures."""
    out = Path(out)
    nc = ds.copy()
    nc["solve_homotopy"] = nc["solve_homotopy"].astype("int8")  # netCDF3 has no booleans
    # each file in memory, then written atomically: an interrupted write leaves no half file
    return [write_bytes(out / "results.nc", bytes(nc.to_netcdf(engine="scipy"))),
            write_text(out / "paths.csv", paths_table(ds).to_csv(index=False)),
            write_text(out / "welfare.csv", welfare_table(ds).to_csv(index=False)),
            write_text(out / "summary.csv", summary(ds).to_csv())] + figures(ds, out, units)
