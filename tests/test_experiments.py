"""Experiment files and the runner: shocks, zero shocks, EV, failures, malformed files.

Runs the toy 2-region experiment (sam/toy2r, a few seconds); expected values are properties of
the model (a zero shock reproduces the benchmark, EV is zero at the benchmark), not numbers
copied from a run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from cge.errors import InputError
from cge.experiments import load_experiment, run_experiment
from cge.experiments.runner import calibrate_experiment, resolve_shock
from cge.model import build_model

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "experiments" / "toy_interregional.toml"

#: Header of a toy experiment written into tmp_path (absolute data paths).
TOY_HEAD = f"""
name = "toy_test"
[model]
sam = "{ROOT / 'sam' / 'toy2r'}"
elasticities = "{ROOT / 'calibration' / 'toy_elasticities.csv'}"
trade_margins = "{ROOT / 'calibration' / 'toy_margins.csv'}"
[model.closure]
numeraire = "exchange_rate"
factor_mobility = {{ cap = "specific" }}
"""

#: Newton's residual tolerance is 1e-10 (cge.solvers); levels are O(1-300), so a solution
#: reproduced from the benchmark start agrees to well within 1e-8 relative.
STATE_RTOL = 1e-8


def write(tmp_path: Path, body: str, head: str = TOY_HEAD) -> Path:
    p = tmp_path / "exp.toml"
    p.write_text(head + body, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def toy():
    return run_experiment(TOY)


def test_shock_selects_only_targeted_entries():
    exp = load_experiment(TOY)
    _, cal = calibrate_experiment(exp)
    m = build_model(cal)
    shock = exp.scenarios[1].shocks[0]  # tmg[NORTH, SOUTH, man] set 0
    pairs = resolve_shock(m, shock, "north_to_south_man", str(TOY))
    assert [(d.index(), new) for d, new in pairs] == [(("NORTH", "SOUTH", "man"), 0.0)]


def test_run_changes_only_the_shocked_parameter_entries(toy):
    tmg = toy.results["tmg"]
    diff = tmg.sel(scenario="north_to_south_man") != tmg.sel(scenario="benchmark")
    changed = diff.to_series()
    assert list(changed[changed].index) == [("NORTH", "SOUTH", "man")]
    assert float(tmg.sel(scenario="north_to_south_man", origin="NORTH", destination="SOUTH",
                         commodity="man")) == 0.0
    # the toy's benchmark margin is 10 % (calibration/toy_margins.csv)
    assert float(tmg.sel(scenario="benchmark", origin="NORTH", destination="SOUTH",
                         commodity="man")) == pytest.approx(0.10, abs=1e-15)


def test_layout_units_and_traceability(toy):
    ds = toy.results
    assert list(ds["scenario"].values[:2]) == ["benchmark", "margins_half"]
    for name in ("Z", "F", "DS", "E", "M", "EV", "EV_pct", "GRP_real", "trade_value",
                 "trade_volume", "employment", "pct_Z", "pct_GRP_real", "pct_trade_volume"):
        assert name in ds, name
        assert ds[name].attrs.get("units") and ds[name].attrs.get("description"), name
    assert ds["pct_Z"].attrs["kind"] == "percent_change"
    for key in ("cge_version", "sam_sha256", "experiment_sha256", "elasticities_sha256",
                "closure", "solver_options"):
        assert ds.attrs[key], key
    assert list(ds["status"].values) == ["benchmark"] + ["ok"] * 4
    # pct_ is the percent change of the level: recompute one entry
    z = ds["Z"].sel(region="NORTH", sector="man")
    expected = 100 * (z.sel(scenario="tariff_cut") / z.sel(scenario="benchmark") - 1)
    assert float(ds["pct_Z"].sel(region="NORTH", sector="man", scenario="tariff_cut")
                 ) == pytest.approx(float(expected), rel=1e-12)


def test_zero_shock_reproduces_benchmark_and_ev_is_zero(tmp_path):
    path = write(tmp_path, """
[[scenario]]
name = "zero"
shocks = [{ parameter = "tmg", multiply = 1.0 }, { parameter = "taum", add = 0.0 },
          { parameter = "XvP", add = 0.0 }]
""")
    ds = run_experiment(path).results
    assert float(abs(ds["EV"].sel(scenario="benchmark")).max()) == 0.0
    for name in ("Z", "DS", "pq", "pd", "F", "E", "M", "UU", "GRP_real"):
        xr.testing.assert_allclose(ds[name].sel(scenario="zero", drop=True),
                                   ds[name].sel(scenario="benchmark", drop=True),
                                   rtol=STATE_RTOL, atol=1e-9)
    # EV = (U1 - U0) x unit expenditure: zero up to the state tolerance
    assert float(abs(ds["EV"].sel(scenario="zero")).max()) < 1e-8


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_failed_scenario_is_recorded_and_others_kept(tmp_path, toy):
    # A negative capital stock has no equilibrium: the homotopy stalls where the sector's
    # specific capital approaches zero (CES demand needs positive inputs).
    path = write(tmp_path, """
[[scenario]]
name = "good"
shocks = [{ parameter = "taum", multiply = 0.5 }]
[[scenario]]
name = "negative_capital"
shocks = [{ parameter = "FFS", where = { region = ["NORTH"], sector = ["man"] }, set = -10.0 }]
[[scenario]]
name = "good_after"
shocks = [{ parameter = "tmg", multiply = 0.5 }]
""")
    lines = []
    res = run_experiment(path, progress=lines.append)
    ds = res.results
    assert [o.name for o in res.failed] == ["negative_capital"]
    assert list(ds["status"].values) == ["benchmark", "ok", "failed", "ok"]
    assert "did not converge" in str(ds["message"].sel(scenario="negative_capital").values)
    assert np.isnan(ds["Z"].sel(scenario="negative_capital")).all()
    assert np.isnan(ds["EV"].sel(scenario="negative_capital")).all()
    assert not np.isnan(ds["Z"].sel(scenario=["good", "good_after"])).any()
    # the scenario after the failure starts from the benchmark, not from the failed point: it
    # equals the same shock (all margins halved) solved in the toy file's margins_half
    xr.testing.assert_allclose(toy.results["Z"].sel(scenario="margins_half", drop=True),
                               ds["Z"].sel(scenario="good_after", drop=True), rtol=STATE_RTOL)
    assert len(lines) == 3 and "[2/3] negative_capital: failed" in lines[1]


SCENARIO = """
[[scenario]]
name = "s"
shocks = [{ parameter = "taum", multiply = 0.5 }]
"""

MALFORMED = {
    "unknown parameter": (SCENARIO.replace("taum", "tauxx"), "unknown parameter 'tauxx'"),
    "unknown label": (SCENARIO.replace('parameter = "taum"',
                                       'parameter = "taum", where = { region = ["EAST"] }'),
                      "unknown region 'EAST'"),
    "bad number": (SCENARIO.replace("0.5", '"half"'), "'half' on 'taum' is not a number"),
    "missing field": (SCENARIO.replace('parameter = "taum", ', ""), "without 'parameter'"),
    "duplicate scenario": (SCENARIO + SCENARIO, "scenario name 's' is used twice"),
    "no operation": (SCENARIO.replace("multiply = 0.5", 'where = {}'), "needs exactly one of"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_experiment_files(tmp_path, case):
    body, message = MALFORMED[case]
    path = write(tmp_path, body)
    with pytest.raises(InputError) as err:
        run_experiment(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_bad_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, SCENARIO + "\n[[scenario]\nname = 'x'\n")
    with pytest.raises(InputError) as err:
        load_experiment(path)
    line = (TOY_HEAD + SCENARIO).count("\n") + 2  # the broken header line
    # Python 3.11's tomllib gives the line in its message (a lineno attribute only from 3.14)
    assert str(path) in str(err.value) and f"line {line}," in str(err.value)
    assert err.value.problems[0].code == "bad-toml"


def test_missing_model_field(tmp_path):
    path = write(tmp_path, SCENARIO, head=TOY_HEAD.replace("sam = ", "sam_file = "))
    with pytest.raises(InputError, match=r"\[model\] needs 'sam'|unknown"):
        load_experiment(path)


def test_unknown_scenario_name():
    with pytest.raises(InputError, match="no scenario"):
        run_experiment(TOY, scenarios=["nope"])


def test_rosstat_margin_rates_reproduce_the_shipped_file():
    """calibration/vologda_margins_rosstat.csv is what cge.sources.margins derives from the
    2021 tables; the ferrous-metals rate is 71,113 / 4,825,052 mln RUB (sheet М-трансп, columns
    TU minus P6 of products 19.1 and 24.1-24.3, over the same cells of sheet ТИоц)."""
    import pandas as pd

    from cge.sources.margins import margin_table, transport_margin_rates

    rates = transport_margin_rates(ROOT / "sam" / "sources" / "rosstat" / "baz_tzv-2021.xlsx",
                                   ROOT / "sam" / "vologda" / "okpd2_to_sectors.csv")
    assert len(rates) == 22
    assert rates.loc["ferr", "rate"] == pytest.approx(71113 / 4825052, rel=1e-12)
    assert (rates.loc[["cons", "trad", "tran", "fire", "serv", "pub"], "rate"] == 0).all()
    shipped = pd.read_csv(ROOT / "calibration" / "vologda_margins_rosstat.csv", comment="#")
    pd.testing.assert_frame_equal(margin_table(rates, [("VOL", "RUS"), ("RUS", "VOL")]),
                                  shipped)


def test_every_flagship_experiment_takes_the_distance_margins_by_default():
    """Assumption A33 (sam/vologda/ASSUMPTIONS.md): every experiment on the flagship SAM
    (sam/vologda_2021 and its A21 sensitivity builds) takes its interregional margins from
    calibration/vologda_margins_distance.csv; Rosstat's rates without distance and the uniform
    10 % are named sensitivities only."""
    import tomllib

    sensitivities = {"vologda_trade_rosstat.toml": "vologda_margins_rosstat.csv",
                     "vologda_trade_uniform10.toml": "vologda_margins_uniform10.csv"}
    seen = []
    for f in sorted((ROOT / "experiments").glob("*.toml")):
        raw = tomllib.loads(f.read_text(encoding="utf-8"))
        model = raw.get("model", raw)  # plan files (cge plan) keep sam and margins at the top
        if "vologda_2021" not in Path(str(model.get("sam", ""))).name:
            continue
        margins = model.get("trade_margins", model.get("margins"))
        expected = sensitivities.get(f.name, "vologda_margins_distance.csv")
        assert margins is not None and Path(margins).name == expected, (f.name, margins)
        seen.append(f.name)
    assert set(sensitivities) <= set(seen) and "vologda_trade.toml" in seen
