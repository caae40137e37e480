"""The toy two-region economy (``sam/toy2r``) as an experiment file for closure tests: the
tests of migration, investment allocation and the wage floor differ only in their closure
lines and scenarios."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("NORTH", "SOUTH")
#: The toy model's data files and numeraire, the ``[model]`` part of every toy experiment file.
TOY_MODEL = f"""[model]
sam = "{ROOT / 'sam/toy2r'}"
elasticities = "{ROOT / 'calibration/toy_elasticities.csv'}"
trade_margins = "{ROOT / 'calibration/toy_margins.csv'}"
[model.closure]
numeraire = "exchange_rate"
"""
#: A productivity shock in one region, the common scenario of the closure tests.
NORTH_PRODUCTIVITY = """
[[scenario]]
name = "north_productivity"
description = "total factor productivity in NORTH manufacturing up 10 %"
shocks = [{ parameter = "b", where = { region = ["NORTH"], sector = ["man"] }, multiply = 1.1 }]
"""


def toy_experiment(folder: Path, name: str, closure: str, scenarios: str) -> Path:
    """Write the toy experiment with extra ``[model.closure]`` lines; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "exp.toml"
    path.write_text(f"""
name = "{name}"
description = "toy two regions: {name}"
{TOY_MODEL}{closure}
{scenarios}""")
    return path


def at(ds: xr.Dataset, name: str, scenario: str, **where) -> float:
    return float(ds[name].sel(scenario=scenario, **where).squeeze())


def real_wage(ds: xr.Dataset, r: str, scenario: str, factor: str = "lab") -> float:
    """The factor's price over the regional CPI (benchmark household consumption weights)."""
    xp0 = ds["Xp"].sel(scenario="benchmark", region=r).sum("household")
    weights = xp0 / xp0.sum()
    cpi = float((weights * ds["pq"].sel(scenario=scenario, region=r)).sum())
    return at(ds, "pfr", scenario, region=r, factor=factor) / cpi
