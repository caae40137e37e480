"""Import quotas with rents (cge.model.quotas), a complementarity pair configured as data,
solved through experiment files; the regimes that switched are reported per scenario.

Expected values are not published numbers but properties a quota must have:

* a quota that binds rations imports to exactly its level and earns a positive rent; one that
  does not bind earns none (complementarity, to 1e-9);
* a binding quota whose rent goes to the government is its tariff equivalent: the square model
  without a quota, with the tariff (for a quota on shipments between regions: the
  destination's duty ``tb``) raised by the rent rate, has the same solution (1e-8);
* the two MCP routes (semismooth Newton, Ipopt on the complementarity gap) agree to 1e-8;
* Walras' law and GRP by production = by expenditure hold with the rent (1e-8).
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
import xarray as xr

from cge.calibration import calibrate
from cge.cli import main
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.experiments.runner import experiment_inputs
from cge.experiments.spec import load_experiment
from cge.model import build_model
from cge.model.grp import nominal
from cge.model.walras import walras_residual
from cge.solvers import solve
from cge.solvers.mcp import regimes

ROOT = Path(__file__).resolve().parents[1]
QUOTA_FILE = ROOT / "experiments" / "toy_import_quota.toml"
RAIL_FILE = ROOT / "experiments" / "vologda_rail_capacity.toml"
KEY = ("SOUTH", "man")
PAIR = "eq_import_quota[SOUTH,man] ⟂ rq[SOUTH,man]"
FLOW = ("NORTH", "SOUTH", "man")
FLOW_PAIR = "eq_shipment_quota[NORTH,SOUTH,man] ⟂ rs[NORTH,SOUTH,man]"


def _model(file=QUOTA_FILE, quotas=None):
    """The model of an experiment file, with its quotas replaced by ``quotas`` when given ({}:
    none)."""
    exp = load_experiment(file)
    sam, el, margins = experiment_inputs(exp)
    config = exp.config if quotas is None else replace(exp.config, import_quotas=quotas)
    return build_model(calibrate(sam, el, config=config, trade_margins=margins))


def _levels(m) -> dict:
    return {v.name: v.value for sym in m.symbols.values() if sym.kind == "variable"
            for v in getattr(m, sym.name).values()}


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_experiment_reports_the_pairs_that_switched():
    res = run_experiment(QUOTA_FILE)
    ds = res.results
    assert list(ds["status"].values) == ["benchmark", "ok", "ok", "ok"]
    rq = ds["rq"].sel(region="SOUTH", commodity="man")
    imports = ds["M"].sel(region="SOUTH", commodity="man")
    qm = ds["qm"].sel(region="SOUTH", commodity="man")
    # benchmark: slack quota (103 % of benchmark imports), no rent
    assert rq.sel(scenario="benchmark") == 0.0
    assert float(qm.sel(scenario="benchmark")) == pytest.approx(1.03 * 20.0, rel=1e-12)
    # tariffs halved: imports rise to the quota, which binds and earns a rent
    for scenario in ("tariff_cut", "quota_cut"):
        assert float(imports.sel(scenario=scenario)) == pytest.approx(
            float(qm.sel(scenario=scenario)), abs=1e-9)
        assert float(rq.sel(scenario=scenario)) > 1e-3
        assert str(ds["switched"].sel(scenario=scenario).item()) == PAIR
    assert float(imports.sel(scenario="quota_cut")) == pytest.approx(18.0, abs=1e-9)
    # tariffs raised: imports fall, the quota stays slack, nothing switched
    assert float(imports.sel(scenario="tariff_rise")) < float(qm.sel(scenario="tariff_rise"))
    assert float(rq.sel(scenario="tariff_rise")) == pytest.approx(0.0, abs=1e-9)
    assert str(ds["switched"].sel(scenario="tariff_rise").item()) == ""
    # the rent, paid to SOUTH's households, is the value of the licences; Walras' law holds
    rqv = ds["RQV"].sel(region="SOUTH", commodity="man", scenario="quota_cut")
    pm = ds["pm"].sel(region="SOUTH", commodity="man", scenario="quota_cut")
    assert float(rqv) == pytest.approx(float(rq.sel(scenario="quota_cut") * pm * 18.0), rel=1e-9)
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)
    assert "switched" in ds and ds["switched"].attrs["kind"] == "run"


@pytest.mark.parametrize("quotas, pair, bound, key, flow, rent, tax, revenue, value", [
    ({"SOUTH:man": {"level": 1.03, "recipient": "government"}}, PAIR, "qm", KEY, "M",
     "rq[SOUTH,man]", "taum", "Tm[SOUTH,man]", "RQV[SOUTH,man]"),
    # SOUTH's duty on NORTH's manufactures is the shipment quota's equivalent
    pytest.param({"NORTH>SOUTH:man": {"level": 1.0, "recipient": "government"}}, FLOW_PAIR,
                 "qs", FLOW, "DS", "rs[NORTH,SOUTH,man]", "tb", "Tb[SOUTH]",
                 "RSV[NORTH,SOUTH,man]",
                 marks=pytest.mark.slow),  # over 10 s here; runs in the CI stage for slow tests
])
def test_binding_quota_is_its_tariff_equivalent_and_routes_agree(
        quotas, pair, bound, key, flow, rent, tax, revenue, value):
    solutions = {}
    for route in ("mcp", "mcp-ipopt"):
        m = _model(quotas=quotas)
        assert regimes(m) == [pair]  # at the benchmark the rent is at its bound
        tight = 0.9 * pyo.value(getattr(m, flow)[key])  # 90 % of the benchmark flow
        getattr(m, bound)[key] = tight
        solve(m, route)
        assert regimes(m) == []  # the quota binds
        assert pyo.value(getattr(m, flow)[key]) == pytest.approx(tight, abs=1e-9)
        residual, _ = walras_residual(m)
        assert abs(residual) <= 1e-8
        for r, (by_production, by_expenditure) in nominal(m).items():
            assert pyo.value(by_production) == pytest.approx(pyo.value(by_expenditure),
                                                             rel=1e-10, abs=1e-8), r
        solutions[route] = _levels(m)
    for name, level in solutions["mcp"].items():
        assert level == pytest.approx(solutions["mcp-ipopt"][name], abs=1e-8), name
    quota = solutions["mcp"]
    assert quota[rent] > 0
    # the square model without a quota, the tariff (duty) raised by the rent rate
    sq = _model(quotas={})
    getattr(sq, tax)[key] = pyo.value(getattr(sq, tax)[key]) + quota[rent]
    assert solve(sq, "newton").solver == "newton"
    for name, level in _levels(sq).items():
        if name != revenue:
            assert level == pytest.approx(quota[name], rel=1e-8, abs=1e-8), name
    # the equivalent tariff raises what tariff and rent raise together
    assert pyo.value(sq.find_component(revenue)) == pytest.approx(
        quota[revenue] + quota[value], rel=1e-8)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_flagship_rail_capacity_binds_when_margins_fall(tmp_path, capsys):
    """experiments/vologda_rail_capacity.toml through `cge run`: the capacity on Vologda's
    steel shipments to the rest of Russia (2 % above 2021) is slack when margins fall by a
    quarter and binds when they halve; the rent is the duty that would ration the flow to the
    capacity in the square model (its tariff equivalent)."""
    out = tmp_path / "rail"
    assert main(["run", str(RAIL_FILE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    pair = "eq_shipment_quota[VOL,RUS,ferr] ⟂ rs[VOL,RUS,ferr]"
    report = printed[printed.index("regimes switched from the benchmark"):].splitlines()
    assert report[1:3] == [f"margins_-50: {pair}", f"margins_removed: {pair}"]
    ds = xr.open_dataset(out / "results.nc")
    flow = {"origin": "VOL", "destination": "RUS", "commodity": "ferr"}
    assert list(ds["switched"].values) == ["", "", pair, pair]
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)
    shipped, rent = ds["DS"].sel(**flow), ds["rs"].sel(**flow)
    capacity = 1.02 * float(shipped.sel(scenario="benchmark"))
    assert float(shipped.sel(scenario="margins_-25")) < capacity  # slack, no rent
    assert float(rent.sel(scenario="margins_-25")) == pytest.approx(0.0, abs=1e-9)
    for scenario in ("margins_-50", "margins_removed"):
        assert float(shipped.sel(scenario=scenario)) == pytest.approx(capacity, abs=1e-9)
    assert 0 < float(rent.sel(scenario="margins_-50")) < float(rent.sel(scenario="margins_removed"))
    # tariff equivalent: the square flagship without the capacity, margins halved and RUS's
    # duty on Vologda's steel raised by the rent, ships exactly the capacity at the same prices
    sq = _model(RAIL_FILE, quotas={})
    for o, d, i in sq.tmg:
        if o != d:
            sq.tmg[o, d, i] = 0.5 * pyo.value(sq.tmg[o, d, i])
    key = ("VOL", "RUS", "ferr")
    sq.tb[key] = pyo.value(sq.tb[key]) + float(rent.sel(scenario="margins_-50"))
    solve(sq, "newton")
    assert pyo.value(sq.DS[key]) == pytest.approx(capacity, rel=1e-8)
    # every level the square model shares with the quota model's solution, Tb[RUS] apart
    # (it collects the rent as a duty)
    with_rent = ds.sel(scenario="margins_-50")
    for sym in sq.symbols.values():
        if sym.kind != "variable" or sym.name not in with_rent:
            continue
        for k, v in getattr(sq, sym.name).items():
            keys = () if k is None else k if isinstance(k, tuple) else (k,)
            index = dict(zip(sym.dims, keys, strict=True))
            if (sym.name, index) != ("Tb", {"region": "RUS"}):
                assert pyo.value(v) == pytest.approx(float(with_rent[sym.name].sel(index)),
                                                     rel=1e-8, abs=1e-8), v.name
    assert pyo.value(sq.Tb["RUS"]) == pytest.approx(
        float(with_rent["Tb"].sel(region="RUS") + with_rent["RSV"].sel(**flow)), rel=1e-8)


def test_without_quotas_the_model_is_square():
    m = _model(quotas={})
    assert m.RQUOTA == [] and len(m.rq) == 0 and len(m.eq_import_quota) == 0
    assert m.ODQUOTA == [] and len(m.rs) == 0 and len(m.eq_shipment_quota) == 0
    # declared, documented, empty (on/off activities', trade activities' with other regions
    # and the rest of the world, the quotas', the wage floor's, local content's, capacity
    # limits', non-negative pool investment's)
    assert m.complements == {"eq_zero_profit": "Z", "eq_capacity": "kr",
                             "eq_trade_activity": "DS",
                             "eq_export_activity": "E", "eq_import_activity": "M",
                             "eq_import_quota": "rq", "eq_shipment_quota": "rs",
                             "eq_wage_floor": "U", "eq_local_content": "mulc",
                             "eq_pool_investment": "XSF"}
    assert solve(m).solver == "auto/newton"


@pytest.mark.parametrize("quotas, message", [
    ({"SOUTH:man": {"level": 0.9, "recipient": "households"}}, "give a number >= 1"),
    ({"SOUTH:man": {"level": 1.1, "recipient": "firms"}}, "choose one of"),
    ({"SOUTH-man": {"level": 1.1, "recipient": "government"}}, "REGION:COMMODITY"),
    ({"SOUTH:man": {"level": 1.1}}, "give level"),
    ({"NORTH>SOUTH>EAST:man": {"level": 1.1, "recipient": "government"}}, "ORIGIN>DESTINATION"),
])
def test_bad_quota_options_are_refused(quotas, message):
    from cge.config import config_from_dict
    with pytest.raises(InputError, match=message):
        config_from_dict({"import_quotas": quotas})


def test_a_quota_on_what_is_not_imported_is_refused():
    exp = load_experiment(QUOTA_FILE)
    sam, el, margins = experiment_inputs(exp)
    config = replace(exp.config, import_quotas={"SOUTH:steel": {"level": 1.1,
                                                                "recipient": "households"}})
    with pytest.raises(InputError, match="SOUTH:steel"):
        build_model(calibrate(sam, el, config=config, trade_margins=margins))
    # shipments: none from SOUTH to SOUTH counts (a flow within a region is no shipment)
    with pytest.raises(InputError, match=r"SOUTH>SOUTH:man.*ship nothing"):
        _model(quotas={"SOUTH>SOUTH:man": {"level": 1.1, "recipient": "households"}})
