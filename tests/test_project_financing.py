"""Project financing by budget level (cge/model/projects.py): who pays changes who loses.

The toy federal SAM (tests/test_federal.py): FREV = 22 (40 % of both regions' direct taxes),
no federal savings (ssgf = 0), spent on transfers to NORTH's government (6), SOUTH's services
(10) and SOUTH's households (6). A project in SOUTH of 2 units of manufactures (benchmark
price 1) is paid by the federal government. Under the default closure the federal government
cuts its other spending in its benchmark proportions, so NORTH's transfer falls by
6/22 of the project's cost net of the change in federal revenue (eq_federal_transfers_regions):
about 6/22 x 2 = 0.545, as federal revenue moves only with incomes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyomo.environ import value
from test_federal import EL, federal_toy
from toy import toy_experiment

from cge.calibration import calibrate
from cge.config import Closure, ModelConfig, config_from_dict
from cge.dynamics import run_dynamic
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.model import build_model
from cge.model.walras import check_walras
from cge.sam.io import write_csv
from cge.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
COST = 2.0  # units of SOUTH manufactures, benchmark price 1


def _solved(financing: str, parameter: str):
    """The toy federal model before and after the project, under a financing closure."""
    cal = calibrate(federal_toy(), EL, ModelConfig(closure=Closure(
        project_financing={"federal": financing} | (
            {} if financing == "taxes" else {"regional": financing}))))
    m = build_model(cal)
    names = ("TRG", "GREV", "FREV", "Sgf", "Sg", "SAV", "Xg", "TR", "Td")
    before = {n: {k: value(v) for k, v in getattr(m, n).items()} for n in names}
    getattr(m, parameter)["SOUTH", "man"] = COST
    solve(m)
    check_walras(m, f"{parameter} under {financing}")
    change = {n: {k: value(v) - before[n][k] for k, v in getattr(m, n).items()}
              for n in names}
    return m, change


def test_a_federal_project_cuts_other_regions_budgets():
    m, d = _solved("spending", "XvF")
    cost = value(m.pq["SOUTH", "man"]) * COST
    # the closure's equation: NORTH's share 6/22 of federal spending net of the project
    assert d["TRG"]["NORTH"] == pytest.approx(-6 / 22 * (cost - d["FREV"][None]), rel=1e-8)
    # federal revenue moves by about 2 % of the project's cost (measured -0.044): within 5 %
    # of the partial-equilibrium 6/22 x 2
    assert d["TRG"]["NORTH"] == pytest.approx(-6 / 22 * COST, rel=0.05)
    # NORTH's own taxes barely move, so its budget falls with the transfer
    assert d["GREV"]["NORTH"] == pytest.approx(d["TRG"]["NORTH"], abs=0.05)
    assert d["GREV"]["NORTH"] < -0.5


def test_a_federal_project_borrowed_leaves_transfers_and_crowds_out_investment():
    m, d = _solved("borrowing", "XvF")
    cost = value(m.pq["SOUTH", "man"]) * COST
    # Sgf = ssgf FREV - PF with ssgf = 0: the federal deficit is the project's cost
    assert value(m.Sgf) == pytest.approx(-cost, rel=1e-8)
    # transfers move only with federal revenue (6/22 of its change, under 0.01)
    assert d["TRG"]["NORTH"] == pytest.approx(6 / 22 * d["FREV"][None], rel=1e-8)
    assert abs(d["TRG"]["NORTH"]) < 0.01
    # the pool loses the deficit (and little else): investment elsewhere falls by about 2
    assert d["SAV"]["home"] == pytest.approx(-COST, rel=0.01)


def test_a_regional_project_is_paid_by_its_own_region():
    m, d = _solved("spending", "XvR")
    cost = value(m.pq["SOUTH", "man"]) * COST
    # SOUTH spends its revenue net of savings and the project: consumption plus transfers fall
    # by the project's cost less the change in that net revenue
    spent = sum(value(m.pq["SOUTH", i]) * value(m.Xg["SOUTH", i]) for r, i in m.RG
                if r == "SOUTH") + sum(value(m.TR[k]) for k in m.RH_TR if k[0] == "SOUTH")
    assert spent == pytest.approx(value(m.GREV["SOUTH"] - m.Sg["SOUTH"]) - cost, rel=1e-8)
    # the federal transfer to NORTH moves only with federal revenue (under 0.02)
    assert abs(d["TRG"]["NORTH"]) < 0.02
    m, d = _solved("borrowing", "XvR")
    # borrowed: SOUTH's savings fall by the cost, its spending share of revenue is unchanged
    assert value(m.Sg["SOUTH"]) == pytest.approx(
        value(m.ssg["SOUTH"] * m.GREV["SOUTH"]) - value(m.pq["SOUTH", "man"]) * COST,
        rel=1e-8)


def test_federal_financing_in_a_static_run(tmp_path):
    """``cge run``: a project is a shock to the parameter of its source of financing."""
    sam = write_csv(federal_toy(), tmp_path / "sam")
    where = '{ region = ["SOUTH"], commodity = ["man"] }'
    path = tmp_path / "exp.toml"
    path.write_text(f"""
name = "federal_project"
description = "a project in SOUTH paid by the federal budget"
[model]
sam = "{sam}"
elasticities = "{ROOT / 'calibration/toy_elasticities.csv'}"
[[scenario]]
name = "federal"
description = "2 units of SOUTH manufactures paid by the federal budget"
shocks = [{{ parameter = "XvF", where = {where}, set = {COST} }}]
""")
    ds = run_experiment(path).results
    trg = ds["TRG"].sel(region="NORTH")
    assert float(trg.sel(scenario="federal") - trg.sel(scenario="benchmark")) == pytest.approx(
        -6 / 22 * COST, rel=0.05)  # as in the first test
    assert float(ds["XvF"].sel(scenario="federal", region="SOUTH", commodity="man")) == COST


def test_federal_financing_without_a_federal_government_is_refused(tmp_path):
    path = toy_experiment(tmp_path, "no_federal", "", """
[[scenario]]
name = "federal"
description = "nobody to pay"
shocks = [{ parameter = "XvF", where = { region = ["NORTH"], commodity = ["man"] }, set = 1.0 }]
""")
    with pytest.raises(InputError, match="no federal government"):
        run_experiment(path)


def test_a_bad_financing_option_is_named():
    with pytest.raises(InputError, match="project_financing.*'taxes'"):
        config_from_dict({"closure": {"project_financing": {"regional": "taxes"}}})


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_a_federal_project_in_vologda_cuts_the_rest_of_russias_budget():
    """experiments/vologda_budget_projects.toml, scenario federal: 15 bln RUB of construction
    in Vologda paid by the federal budget, which cuts its consumption and transfers. The rest
    of Russia's regional budgets receive the federal share omega^g_RUS = TRG0_RUS / (FREV0 -
    Sgf0) of every rouble cut (eq_federal_transfers_regions)."""
    ds = run_experiment(ROOT / "experiments/vologda_budget_projects.toml",
                        scenarios=["federal"]).results
    names = ["pq", "TRG", "FREV", "Sgf", "GREV"]
    b, f = ds[names].sel(scenario="benchmark"), ds[names].sel(scenario="federal")
    cost = float(f["pq"].sel(region="VOL", commodity="cons")) * 15.0
    share = float(b["TRG"].sel(region="RUS") / (b["FREV"] - b["Sgf"]))
    d = f - b
    assert float(d["TRG"].sel(region="RUS")) == pytest.approx(
        -share * (cost - float(d["FREV"] - d["Sgf"])), rel=1e-6)
    # the federal revenue change is small beside the project (measured -0.47 of 15.5 bln), so
    # the rest of Russia's budget loses about its share of the cost
    assert float(d["TRG"].sel(region="RUS")) == pytest.approx(-share * cost, rel=0.05)
    assert float(d["GREV"].sel(region="RUS")) < -0.5 * cost * share


def test_a_dynamic_project_nobody_could_pay_for_is_refused(tmp_path):
    path = toy_experiment(tmp_path, "no_federal", 'factor_mobility = { cap = "specific" }', """
[dynamics]
start = 2021
end = 2023
[[project]]
name = "road"
region = "NORTH"
sector = "ser"
financing = "federal"
start_operation = 2023
capex = [ { year = 2022, commodity = "ser", origin = "NORTH", value = 1.0 } ]
[[scenario]]
name = "road"
projects = ["road"]
""")
    with pytest.raises(InputError, match="'road': financing 'federal' is refused: the SAM has "
                       "no federal government"):
        run_dynamic(path)


def test_a_federal_project_paid_by_raising_taxes_everywhere():
    """project_financing = { federal = "taxes" }: a surcharge on every household's direct tax
    rate pays for the project, so the federal budget's other spending (NORTH's transfer)
    does not change beyond its usual share of the change in federal revenue."""
    m, d = _solved("taxes", "XvF")
    cost = value(m.pq["SOUTH", "man"]) * COST
    income = sum(value(m.YH[k]) for k in m.RH)
    assert value(m.tdf) * income == pytest.approx(cost, rel=1e-8)
    # 2 out of household income of 382 in the toy: a surcharge of about half a point
    assert value(m.tdf) == pytest.approx(COST / income, rel=0.01)
    assert d["TRG"]["NORTH"] == pytest.approx(6 / 22 * d["FREV"][None], rel=1e-8)
    assert abs(d["TRG"]["NORTH"]) < 0.02
    # households in both regions pay: their direct taxes rise by the surcharge on their
    # income, give or take the change of the regular tax with incomes (under 10 %)
    for k in m.RH:
        assert d["Td"][k] == pytest.approx(value(m.tdf * m.YH[k]), rel=0.1)
