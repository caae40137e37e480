"""Recursive dynamics on the toy two-region SAM (sam/toy2r): steady state, forecast closure,
projects, capital accumulation, world-price paths; and the flagship baseline against the data it
is calibrated to. Tolerances: 1e-9 relative for identities and reproductions
(the solver converges to 1e-10 absolute on values of order 1-100), 1e-8 relative for targets.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from toy import TOY_MODEL

from cge.dynamics import load_dynamic, prepare, run_dynamic, run_path
from cge.experiments.runner import calibrate_experiment
from cge.model import build_model
from cge.model.results import indicators, solution

ROOT = Path(__file__).resolve().parents[1]

HEAD = f"""
name = "toy_dynamic"
{TOY_MODEL}factor_mobility = {{ cap = "specific" }}
"""

STEADY = HEAD + """
[dynamics]
start = 2021
end = 2026
growth = 0.02
depreciation = 0.05
investment_elasticity = 2.0
"""

FORECAST = STEADY + """
[dynamics.targets]
GRP_real = { NORTH = 0.03, SOUTH = 0.01 }

[[dynamics.trend]]
parameter = "FF"
where = { region = ["SOUTH"] }
rate = -0.01

[[project]]
name = "plant"
region = "NORTH"
sector = "man"
financing = "private"
start_operation = 2024
capital = 6.0
productivity = 0.02
capex = [ { year = 2022, commodity = "man", origin = "NORTH", value = 4.0 },
          { year = 2023, commodity = "ser", origin = "SOUTH", value = 3.0 } ]

[[project]]
name = "road"
region = "SOUTH"
sector = "ser"
financing = "foreign"
start_operation = 2025
capex = [ { year = 2023, commodity = "ser", origin = "SOUTH", value = 5.0 } ]

[[scenario]]
name = "nothing"
description = "no project, no shock: must reproduce the baseline"

[[scenario]]
name = "plant"
projects = ["plant"]

[[scenario]]
name = "both_and_margins"
projects = ["plant", "road"]
shocks = [ { parameter = "tmg", multiply = 0.5, from = 2023, full = 2024 } ]
"""


def _write(tmp_path_factory, text: str, name: str) -> Path:
    path = tmp_path_factory.mktemp("dyn") / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    return run_dynamic(_write(tmp_path_factory, STEADY, "steady.toml")).results


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    path = _write(tmp_path_factory, FORECAST, "forecast.toml")
    return load_dynamic(path), run_dynamic(path).results


def test_zero_shock_run_is_balanced_growth(steady):
    """No trends, targets, projects or shocks: every real and nominal quantity grows at g,
    every price stays at its benchmark, to 1e-9 relative."""
    base = steady.sel(scenario="baseline")
    growth = 1.02 ** (base["year"] - 2021)
    checked = 0
    for name, da in base.data_vars.items():
        # money is in the experiment's unit; its kind says it grows like a quantity
        unit = da.attrs.get("unit_kind", da.attrs.get("units"))
        if "block" not in da.attrs:  # a derived result, not a model variable
            continue
        if unit in ("quantity", "value", "foreign currency", "utility"):
            expected = da.isel(year=0) * growth
        else:  # prices, the exchange rate, the savings adjuster
            expected = da.isel(year=0).broadcast_like(da)
        gap = float(np.max(np.abs(da - expected) / np.maximum(1.0, np.abs(expected))))
        assert gap < 1e-9, f"{name} off the balanced growth path by {gap:.2e}"
        checked += 1
    assert checked > 20
    k = base["capital_stock"].sum("sector")
    np.testing.assert_allclose(k / k.isel(year=0), np.outer(growth, [1, 1]), rtol=1e-12)


def test_forecast_closure_hits_real_grp_targets(forecast):
    _, ds = forecast
    base = ds.sel(scenario="baseline")
    n = base["year"] - 2021
    rates = {"NORTH": 0.03, "SOUTH": 0.01}
    for r, g in rates.items():
        grp = base["GRP_real"].sel(region=r)
        target = grp.isel(year=0) * (1 + g) ** n
        assert float(np.max(np.abs(grp / target - 1))) < 1e-8
    # productivity is what moves: SOUTH loses labour and still grows
    assert float(base["productivity_index"].sel(region="SOUTH", year=2026)) > 1.0


def test_policy_without_projects_reproduces_baseline(forecast):
    """A policy run (productivity fixed at the baseline's) with its projects switched off."""
    _, ds = forecast
    base, none = ds.sel(scenario="baseline"), ds.sel(scenario="nothing")
    for name in ("GRP_real", "Z", "pq", "capital_stock", "Xv", "UU", "epsilon"):
        gap = np.abs(none[name] - base[name]) / np.maximum(1.0, np.abs(base[name]))
        assert float(gap.max()) < 1e-9, name
    assert float(np.abs(none["EV"]).max()) < 1e-9
    # the projects do matter when switched on
    assert float(ds["GRP_real_vs_baseline_pct"].sel(scenario="plant", region="NORTH",
                                                     year=2026)) > 0.5


def test_capital_accumulation_identities(forecast):
    dexp, ds = forecast
    for scen in ds["scenario"].values:
        s = ds.sel(scenario=scen)
        k, inv, added = s["capital_stock"], s["investment_by_sector"], s["project_capital"]
        for t in range(len(s["year"]) - 1):
            expected = 0.95 * k.isel(year=t) + inv.isel(year=t) + added.isel(year=t + 1)
            np.testing.assert_allclose(k.isel(year=t + 1), expected, rtol=1e-12)
        np.testing.assert_allclose(inv.sum("sector"), s["investment_real"], rtol=1e-12)
        # capital services are proportional to the stock, with the benchmark's ratio
        services = s["F"].sel(factor="cap")
        ratio = (services / k).where(k > 0)
        np.testing.assert_allclose(ratio, ratio.isel(year=0).broadcast_like(ratio), rtol=1e-9)
    plant = ds.sel(scenario="plant")
    assert float(plant["project_capital"].sel(year=2024, region="NORTH", sector="man")) == 6.0
    assert float(plant["project_capital"].sum()) == 6.0


def test_project_capex_is_investment_demand_in_its_years(forecast):
    _, ds = forecast
    both = ds.sel(scenario="both_and_margins")
    dom, fgn = both["project_demand_domestic"], both["project_demand_foreign"]
    expected_dom = {(2022, "NORTH", "man"): 4.0, (2023, "SOUTH", "ser"): 3.0}  # pq0 = 1
    expected_fgn = {(2023, "SOUTH", "ser"): 5.0}
    for da, expected in ((dom, expected_dom), (fgn, expected_fgn)):
        for (y, r, c), v in expected.items():
            assert float(da.sel(year=y, region=r, commodity=c)) == pytest.approx(v, rel=1e-12)
        assert float(da.sum()) == pytest.approx(sum(expected.values()), rel=1e-12)
    # domestic financing draws on the savings pool: pool investment plus project = savings
    spend = (both["pq"] * both["Xv"]).sum(["region", "commodity"]) + (
        both["pq"] * dom).sum(["region", "commodity"])
    np.testing.assert_allclose(spend, both["SAV"].sel(country="home"), rtol=1e-9)
    # and crowds out investment from the pool in 2022 relative to the baseline
    base = ds.sel(scenario="baseline")
    assert float(both["investment_real"].sel(year=2022).sum()) < float(
        base["investment_real"].sel(year=2022).sum())


def test_yearly_results_match_the_static_results_module(tmp_path_factory):
    """Levels, GRP and EV of the dynamic collector equal solution() and indicators()."""
    dexp = load_dynamic(_write(tmp_path_factory, FORECAST, "forecast.toml"))
    _, cal = calibrate_experiment(dexp.static)
    m = build_model(cal)
    bench = solution(m)
    dm = prepare(m, dexp.spec)
    path = run_path(dm, "baseline", [dexp.projects["plant"]])
    last = path.results.isel(year=-1)
    now, ind = solution(m), indicators(m, bench)
    for name in now.data_vars:
        np.testing.assert_allclose(last[name], now[name], rtol=1e-14, err_msg=name)
    np.testing.assert_allclose(last["GRP_real"], ind["GRP_real"], rtol=1e-12)
    np.testing.assert_allclose(last["GRP_nominal"], ind["GRP_nominal"], rtol=1e-12)
    np.testing.assert_allclose(last["EV_since_start"], ind["EV"], rtol=1e-12)
    assert pyo.value(m.dyn_A["NORTH"]) == pytest.approx(float(
        last["productivity_index"].sel(region="NORTH")))


def test_timed_shock_phases_in_linearly():
    from cge.dynamics.spec import TimedShock
    from cge.experiments.spec import Shock

    ts = TimedShock(Shock("tmg", "multiply", 0.5), start=2023, full=2025)
    assert ts.at(2022) is None
    assert [ts.at(y).value for y in (2023, 2024, 2025, 2030)] == pytest.approx(
        [1 - 0.5 / 3, 1 - 1.0 / 3, 0.5, 0.5])


def test_cli_dynamic_writes_paths_and_figures(tmp_path, capsys):
    from cge.cli import main

    exp = tmp_path / "toy.toml"
    exp.write_text(FORECAST)
    out = tmp_path / "out"
    assert main(["dynamic", str(exp), "--out", str(out), "--scenario", "plant"]) == 0
    # progress on stderr as it runs: one line per path and year, in order
    progress = [x.split(" [")[0] for x in capsys.readouterr().err.splitlines()]
    assert progress == [f"{p} {y}" for p in ("baseline", "plant") for y in range(2021, 2027)]
    for name in ("results.nc", "paths.csv", "welfare.csv", "summary.csv", "baseline.png",
                 "grp_vs_baseline.png", "welfare.png"):
        assert (out / name).stat().st_size > 0, name
    assert main(["dynamic", str(exp), "--scenario", "nope"]) == 2


def test_cge_run_dispatches_a_dynamic_file(tmp_path):
    from cge.cli import main

    exp = tmp_path / "toy.toml"
    exp.write_text(STEADY.replace("end = 2026", "end = 2022"))
    out = tmp_path / "out"
    assert main(["run", str(exp), "--out", str(out)]) == 0
    assert (out / "paths.csv").stat().st_size > 0


YEARLY = STEADY + """
[dynamics.targets.GRP_real]
NORTH = { 2022 = -0.04, 2024 = 0.05, default = 0.01 }
SOUTH = 0.02
"""


def test_year_by_year_grp_targets_are_met(tmp_path_factory):
    """A region's targets given year by year (a default for the years not listed) are its real
    GRP growth from the year before, to 1e-8 relative."""
    ds = run_dynamic(_write(tmp_path_factory, YEARLY, "yearly.toml")).results
    grp = ds["GRP_real"].sel(scenario="baseline")
    growth = grp / grp.shift(year=1) - 1
    expected = {"NORTH": [-0.04, 0.01, 0.05, 0.01, 0.01], "SOUTH": [0.02] * 5}
    for r, rates in expected.items():
        np.testing.assert_allclose(growth.sel(region=r, year=slice(2022, 2026)), rates,
                                   rtol=0, atol=1e-8)


@pytest.mark.parametrize("table, message", [
    ("NORTH = { 2022 = 0.01 }", "no rate for [2023, 2024, 2025, 2026]"),
    ("NORTH = { 2021 = 0.01, default = 0.0 }", "outside 2022-2026"),
    ("NORTH = { soon = 0.01, default = 0.0 }", "is not a year"),
])
def test_year_by_year_targets_are_checked(tmp_path_factory, table, message):
    from cge.errors import InputError

    path = _write(tmp_path_factory, STEADY + "[dynamics.targets.GRP_real]\n" + table + "\n",
                  "bad.toml")
    with pytest.raises(InputError, match=re.escape(message)):
        load_dynamic(path)


def _volume_growth(path: Path, indicator: str, region: str | None = None) -> dict[int, float]:
    """Growth rates from a Rosstat volume index (percent of the year before) in a copy under
    sam/sources/."""
    df = pd.read_csv(path)
    df = df[df["indicator"] == indicator]
    if region is not None:
        df = df[df["region_en"] == region]
    return {int(y): v / 100.0 - 1.0 for y, v in zip(df["year"], df["value"], strict=True)}


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_flagship_baseline_grows_as_the_data_say():
    """vologda_2035's baseline reproduces the published real growth it is calibrated to, to
    1e-6: Vologda's GRP volume index 2022-2023 (Rosstat VRP_s1998.xlsx sheet 6) and Russia's
    GVA volume index 2022-2025 (Rosstat VDS_god_OKVED2.xlsx sheet 4) for the rest of Russia
    (assumption D1 of the experiment file), read from the copies in sam/sources/."""
    vol = _volume_growth(ROOT / "sam/sources/regions/vologda_grp_income_consumption_2016_2023.csv",
                         "GRP volume index", "Vologda Region")
    rus = _volume_growth(ROOT / "sam/sources/rosstat/russia_gva_volume_index_2022_2025.csv",
                         "gross value added at basic prices")
    assert sorted(rus) == [2022, 2023, 2024, 2025]
    ds = run_dynamic(ROOT / "experiments/vologda_2035.toml", scenarios=[]).results
    grp = ds["GRP_real"].sel(scenario="baseline")
    growth = grp / grp.shift(year=1) - 1
    for region, data, years in (("VOL", vol, (2022, 2023)), ("RUS", rus, sorted(rus))):
        for y in years:
            assert float(growth.sel(region=region, year=y)) == pytest.approx(data[y], abs=1e-6), \
                (region, y)
    assert vol[2022] == pytest.approx(-0.048, abs=1e-12)  # 95.2 % of 2021, as published


def test_path_shock_holds_each_index_until_the_next():
    from cge.dynamics.spec import TimedShock
    from cge.experiments.spec import Shock

    ts = TimedShock(Shock("pWe", "multiply", 0.8), start=2023, full=2023,
                    path={2023: 0.8, 2025: 0.9})
    assert ts.at(2022) is None
    assert [ts.at(y).value for y in (2023, 2024, 2025, 2030)] == [0.8, 0.8, 0.9, 0.9]


WORLD_PRICES = STEADY + """
[[scenario]]
name = "from_start"
[[scenario.shocks]]
parameter = "pWe"
where = { region = ["NORTH"], sector = ["man"] }
path = { 2021 = 0.8 }

[[scenario]]
name = "from_2023"
[[scenario.shocks]]
parameter = "pWe"
where = { region = ["NORTH"], sector = ["man"] }
path = { 2023 = 0.8, 2025 = 0.9 }
"""


def test_world_price_path_matches_a_static_run_and_moves_the_right_way(tmp_path_factory):
    """A 20 % fall of NORTH's world export price of manufactures from the start year gives in
    that year exactly the static solution of the same shock on the benchmark (1e-8), since the
    first year of a path is the SAM; from a later year the path equals the baseline before it,
    and NORTH exports less manufactures and loses welfare while the price is down."""
    from cge.solvers import solve

    path = _write(tmp_path_factory, WORLD_PRICES, "world_prices.toml")
    ds = run_dynamic(path).results
    dexp = load_dynamic(path)
    _, cal = calibrate_experiment(dexp.static)
    m = build_model(cal)
    bench = solution(m)
    m.pWe["NORTH", "man"] = 0.8 * pyo.value(m.pWe["NORTH", "man"])
    solve(m)
    static, ind = solution(m), indicators(m, bench)
    first = ds.sel(scenario="from_start", year=2021)
    for name in ("E", "Z", "pq", "pf", "epsilon"):
        np.testing.assert_allclose(first[name], static[name], rtol=1e-8, err_msg=name)
    np.testing.assert_allclose(first["EV"], ind["EV"], rtol=1e-8, atol=1e-10)
    assert float(ind["EV"].sel(region="NORTH").sum()) < 0

    base, late = ds.sel(scenario="baseline"), ds.sel(scenario="from_2023")
    before = slice(2021, 2022)
    np.testing.assert_allclose(late["E"].sel(year=before), base["E"].sel(year=before),
                               rtol=1e-9)
    assert float(np.abs(late["EV"].sel(year=before)).max()) < 1e-9
    exports = (late["E"] / base["E"]).sel(region="NORTH", sector="man")
    assert bool((exports.sel(year=slice(2023, 2026)) < 1).all())
    assert bool((late["EV"].sel(region="NORTH", year=slice(2023, 2026)).sum("household")
                 < 0).all())
    # the smaller fall from 2025 (index 0.9) hurts less than 0.8 did in 2024
    assert float(exports.sel(year=2025)) > float(exports.sel(year=2024))


def test_a_path_shock_takes_no_operation_or_timing(tmp_path_factory):
    from cge.errors import InputError

    bad = WORLD_PRICES.replace("path = { 2021 = 0.8 }", "path = { 2021 = 0.8 }\nfrom = 2022")
    with pytest.raises(InputError, match="a path shock takes parameter, where and path only"):
        load_dynamic(_write(tmp_path_factory, bad, "bad_path.toml"))


def test_every_result_carries_its_unit_and_long_name(forecast):
    """Issue 20 item 4: money results are in the experiment's unit (the toy SAM's own unit,
    "money units": no [model] units or scale), never the unit kind "value"; every number has a
    unit and every variable a long name."""
    _, ds = forecast
    assert ds.attrs["units"] == "money units"
    missing = [n for n, da in ds.data_vars.items() if not da.attrs.get("long_name") or (
        da.dtype.kind == "f" and da.attrs.get("units") in (None, "", "value"))]
    assert missing == [], missing
    assert ds["GRP_real"].attrs["units"] == "money units"
    assert ds["GRP_real"].attrs["unit_kind"] == "value"
