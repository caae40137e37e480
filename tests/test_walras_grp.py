"""Wrong answers that used to be reported as "ok" (issue 15, items 1 and 2).

1. Walras' law is evaluated on every solution (scenario, dynamic year, sweep/sensitivity run);
   a solution at which the dropped market does not clear fails with the reason, and a tax rate
   whose revenue has no recipient cannot be shocked at all.
2. Real GRP is the SNA volume (benchmark prices and tax rates, current quantities), by
   production and by expenditure, the two equal; nominal GRP includes the duties ``tb``.

Expected values are computed here by hand from the solution's levels (formulas in the test,
independent of :mod:`cge.model.grp`) or are accounting identities; tolerances are 1e-9
relative (the solver converges to 1e-10 absolute on values of order 1-100).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.dynamics import run_dynamic
from cge.dynamics.driver import DynamicSolveError
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.experiments.runner import calibrate_experiment
from cge.experiments.spec import load_experiment
from cge.model import build_model, government
from cge.model.walras import WalrasViolation, check_walras, walras_residual
from cge.sensitivity.execute import SERIAL
from cge.sensitivity.sweep import run_sweep
from cge.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
SPLCGE_SAM, STDCGE_SAM = ROOT / "sam/splcge", ROOT / "sam/stdcge"
STD_EL = ROOT / "calibration/stdcge_elasticities.csv"
TOY = ROOT / "experiments/toy_interregional.toml"


def _write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


SPL_TAX = f"""
name = "spl_tax"
description = "an output tax in a SAM without a government"
[model]
sam = "{SPLCGE_SAM}"
elasticities = "{STD_EL}"
[model.closure]
numeraire = "factor:ECO:LAB"
[[scenario]]
name = "tax"
description = "output tax of 20 %"
shocks = [{{ parameter = "tauz", set = 0.2 }}]
"""

# the toy's governments spend their revenue on goods (mu) and transfers (omega); shocking both
# to zero leaves part of every rouble of revenue with no use, which no tax-rate guard can see
TOY_NO_SPENDING = """
[[scenario]]
name = "no_spending"
description = "NORTH's government stops spending (its revenue goes nowhere)"
shocks = [{ parameter = "mu", where = { region = ["NORTH"] }, set = 0.0 },
          { parameter = "omega", where = { region = ["NORTH"] }, set = 0.0 }]
"""


def _toy_with(tmp_path: Path, scenarios: str) -> Path:
    """The toy experiment with absolute paths, its own scenarios replaced by ``scenarios``."""
    text = TOY.read_text()
    head = text[:text.index("[[scenario]]")]
    for rel in ("../sam/toy2r", "../calibration/toy_elasticities.csv",
                "../calibration/toy_margins.csv"):
        head = head.replace(f'"{rel}"', f'"{(TOY.parent / rel).resolve()}"')
    return _write(tmp_path, head + scenarios, "toy.toml")


# --- item 1: Walras' law on every solution ---------------------------------------------------

def test_a_tax_without_a_recipient_is_refused_before_solving(tmp_path):
    """SPLCGE has no government: an output tax there used to solve "ok" with its revenue lost
    (EV -7.7, real GRP +1.5 %)."""
    with pytest.raises(InputError, match=r"tauz\[ECO,BRD\] would have no recipient"):
        run_experiment(_write(tmp_path, SPL_TAX))


def test_the_walras_residual_is_the_lost_revenue():
    """With the guard bypassed (parameters set directly), the solver still converges, and the
    dropped labour market is out of balance by exactly the lost tax revenue (wage = 1)."""
    _, cal = calibrate_experiment(load_experiment(ROOT / "experiments/splcge.toml"))
    m = build_model(cal)
    for k in m.tauz:
        m.tauz[k] = 0.2
    solve(m)
    residual, equation = walras_residual(m)
    revenue = sum(pyo.value(m.Tz[k]) for k in m.RS)
    assert equation == "eq_factor_market[ECO,LAB]"
    assert residual == pytest.approx(revenue, rel=1e-9) and revenue > 7
    with pytest.raises(WalrasViolation, match="eq_factor_market.*out of balance by 7.14"):
        check_walras(m, "test")


def test_a_scenario_that_breaks_walras_law_fails_with_the_reason(tmp_path, monkeypatch):
    # the tax guard off, to show the check on the solution catches what it would have refused
    monkeypatch.setattr(government, "revenue_without_recipient", lambda m, cal: {})
    res = run_experiment(_write(tmp_path, SPL_TAX))
    ds = res.results
    assert ds["status"].values.tolist() == ["benchmark", "failed"]
    assert "Walras' law fails" in str(ds["message"].sel(scenario="tax").item())
    assert float(ds["walras_residual"].sel(scenario="tax")) == pytest.approx(50 / 7, rel=1e-9)
    assert np.isnan(float(ds["EV"].sel(scenario="tax").squeeze()))  # no result is reported


def test_every_scenario_carries_its_walras_residual(tmp_path):
    ds = run_experiment(_toy_with(tmp_path, TOY.read_text()[TOY.read_text().index(
        "[[scenario]]"):] + TOY_NO_SPENDING)).results
    status = dict(zip(ds["scenario"].values, ds["status"].values, strict=True))
    walras = ds["walras_residual"].to_series()
    assert status.pop("no_spending") == "failed" and walras["no_spending"] > 1e-3
    assert set(status.values()) == {"benchmark", "ok"}
    assert (walras.drop("no_spending") < 1e-8).all()
    assert ds["walras_residual"].attrs["units"] == ds.attrs["units"] != "value"


def test_a_dynamic_year_that_breaks_walras_law_fails_naming_the_year(tmp_path):
    text = _toy_with(tmp_path, "").read_text() + """
[dynamics]
start = 2021
end = 2023
growth = 0.02
depreciation = 0.05
investment_elasticity = 2.0

[[scenario]]
name = "no_spending"
shocks = [
  { parameter = "mu", where = { region = ["NORTH"] }, set = 0.0, from = 2022, full = 2022 },
  { parameter = "omega", where = { region = ["NORTH"] }, set = 0.0, from = 2022, full = 2022 },
]
"""
    path = _write(tmp_path, text, "dyn.toml")
    with pytest.raises(DynamicSolveError, match=r"no_spending, 2022: Walras' law fails"):
        run_dynamic(path)
    # without the scenario every year's residual is recorded and small
    ok = run_dynamic(path, scenarios=[]).results
    assert ok["walras_residual"].sizes["year"] == 3
    assert float(ok["walras_residual"].max()) < 1e-8


def test_sweep_runs_carry_the_walras_residual_and_fail_on_a_violation(tmp_path):
    exp = _toy_with(tmp_path, TOY_NO_SPENDING + """
[[scenario]]
name = "margins"
shocks = [{ parameter = "tmg", multiply = 0.5 }]
""")
    ds = run_sweep(exp, tmp_path / "sweep", SERIAL)
    status = ds["status"].to_series()
    assert status["no_spending"] == "failed" and status["margins"] == "ok"
    assert "Walras' law fails" in str(ds["message"].to_series()["no_spending"])
    assert float(ds["walras_residual"].to_series()["margins"]) < 1e-8


# --- item 2: real GRP ------------------------------------------------------------------------

STD_TAX = f"""
name = "std_tax"
description = "a large output tax"
[model]
sam = "{STDCGE_SAM}"
elasticities = "{STD_EL}"
tariff_accounts = ["TRF"]
[model.closure]
numeraire = "factor:ECO:LAB"
investment = "savings_driven"
foreign = "flexible_exchange_rate"
government = "savings_rate"
[[scenario]]
name = "tax"
description = "output tax rate 0.9 on both goods"
shocks = [{{ parameter = "tauz", set = 0.9 }}]
"""


def test_real_grp_under_a_large_tax_is_the_volume_computed_by_hand(tmp_path):
    """STDCGE (one region, two goods, no interregional trade): real GRP by expenditure is
    final demand valued at the benchmark value of the goods it is made of, plus exports less
    imports, all at benchmark prices. It used to value the new tax rate at benchmark prices
    (real GRP +163 % for this shock)."""
    ds = run_experiment(_write(tmp_path, STD_TAX)).results
    b, s = ds.sel(scenario="benchmark"), ds.sel(scenario="tax")
    taum0 = b["Tm"] / (b["pm"] * b["M"])
    tq0 = b["Tq"] / (b["pq"] * b["Q"] - b["Tq"])
    # benchmark value of the imported and domestic goods in each unit of composite
    goods = (1 + taum0) * b["pm"] * s["M"] + b["pd"].rename(sector="commodity") * s["D"].rename(
        sector="commodity")
    unit = (1 + tq0) * goods / s["Q"]
    final = s["Xp"].sum("household") + s["Xg"] + s["Xv"]
    by_hand = float((unit * final).sum() + (b["pe"] * s["E"]).sum() - (b["pm"] * s["M"]).sum())
    assert float(s["GRP_real"].squeeze()) == pytest.approx(by_hand, rel=1e-9)
    assert float(s["GRP_real_expenditure"].squeeze()) == pytest.approx(by_hand, rel=1e-9)
    # a distorting tax lowers output; nominal GRP (tax-inflated prices) rises
    assert -5.0 < float(s["pct_GRP_real"].squeeze()) < 0.0
    assert float(s["pct_GRP_nominal"].squeeze()) > 100.0
    # nominal by production: value added plus taxes, by hand
    va = float((s["pf"] * s["F"]).sum())
    taxes = float(s["Tz"].sum() + s["Tm"].sum() + s["Tq"].sum())
    assert float(s["GRP_nominal"].squeeze()) == pytest.approx(va + taxes, rel=1e-9)


@pytest.mark.parametrize("experiment", ["toy_interregional.toml", "toy_two_countries.toml"])
def test_grp_by_production_equals_grp_by_expenditure(experiment):
    """Nominal and real, every region and scenario, including the duty scenario of the two
    countries (Tb belongs to nominal GRP: without it the two sides differ by the duty)."""
    ds = run_experiment(ROOT / "experiments" / experiment).results
    for kind in ("nominal", "real"):
        prod, spend = ds[f"GRP_{kind}"], ds[f"GRP_{kind}_expenditure"]
        gap = float(np.max(np.abs(prod - spend) / np.abs(spend)))
        assert gap < 1e-9, f"GRP_{kind}: production and expenditure differ by {gap:.1e}"
    assert np.allclose(ds["GRP_real"].sel(scenario="benchmark"),
                       ds["GRP_nominal"].sel(scenario="benchmark"), rtol=1e-12)
    if "Tb" in ds and float(ds["Tb"].max()) > 0:
        duty = ds.where(ds["Tb"].max("region") > 0, drop=True)
        assert duty.sizes["scenario"] >= 1  # the duty scenario is covered


# --- item 3: reports never drop a column silently ---------------------------------------------

@pytest.fixture(scope="module")
def flagship():
    return run_experiment(ROOT / "experiments/vologda_trade.toml")


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_the_flagship_trade_table_keeps_interregional_shipments(flagship, tmp_path):
    """Construction and public administration are not shipped between VOL and RUS, so their
    margin entries are absent; that used to make the whole VOL<->RUS column NaN and drop it
    (shipments of 832 and 968 bln RUB)."""
    from cge.reporting import read_labels, write_report
    from cge.reporting.tables import trade

    ds = flagship.results
    table = trade(ds, read_labels(None, "en"))
    cols = [c for c in table.columns if "\u2192" in c]
    assert len(cols) == 2, table.columns.tolist()
    assert not table[cols].isna().any().any()
    # the benchmark volumes are the SAM's shipments (activity in o paid by commodity in d)
    assert ds.attrs["sam"] == "vologda_2021"
    _, cal = calibrate_experiment(load_experiment(ROOT / "experiments/vologda_trade.toml"))
    for o, d in (("VOL", "RUS"), ("RUS", "VOL")):
        sam_value = float(cal.data["V0"].sel(origin=o, destination=d).sum())
        vol = float(ds["trade_volume"].sel(origin=o, destination=d, scenario="benchmark")
                    .sum("commodity"))
        assert vol == pytest.approx(sam_value, rel=1e-9)
        assert vol > 800
    # the LaTeX table written for the report has them too
    write_report(ds, tmp_path, labels=read_labels(None, "en"), formats=("tex",))
    tex = (tmp_path / "tables" / "trade.tex").read_text()
    assert tex.count(r"$\to$") == 2


def test_a_table_says_what_it_leaves_out():
    """A pair of regions without shipments at the benchmark has no percent change: it is named
    in the table's notes (and under the LaTeX table), not silently dropped."""
    from cge.reporting.export import to_latex
    from cge.reporting.labels import Labels
    from cge.reporting.tables import trade

    ds = run_experiment(TOY).results
    ds["trade_volume"].loc[{"origin": "NORTH", "destination": "SOUTH"}] = 0.0
    table = trade(ds, Labels())
    assert not any("NORTH \u2192 SOUTH" in c for c in table.columns)
    assert table.attrs["notes"] == ["shipments NORTH \u2192 SOUTH: no shipments at the benchmark"]
    assert "no shipments at the benchmark" in to_latex(table, label="t")
