"""The cooperation experiments on the partner-region SAM (issue 19; docs/channels.md): one
file per form of cooperation and labour closure, ``experiments/vologda_coop_<form>.toml``
(labour fixed in each region) and ``..._migration.toml`` (workers move between regions).

Expected values: the pairs differ in the labour closure only (read from the files); the
transport corridor's cost reaches households as the direct tax that pays it: households save a
share of gross income (``Sp = ss YH``), so the tax comes out of their consumption in full,
less what comes back to them as the regional government spends the revenue in the region
(wages in public services): a paying region's EV falls by 80-100 % of its share of the cost
(measured 86-92 %); migration keeps the country's labour force (``sum LS = sum FF``, to
1e-9); the corridor needs 30 % fewer transport services per unit on flows that rise by a few
per cent at most (margins are under 1 % of the goods' value; measured +1.3 %), so Vologda's
margin services fall, by less than 30 % as the corridor is only part of its trade (measured
-1.4 %).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cge import examples
from cge.experiments import run_experiment
from cge.experiments.spec import load_experiment

EXPERIMENTS = examples.data_root() / "experiments"
FORMS = ("agreement", "association", "transport", "energy")
#: annual cost of the corridor paid by each region's households (C3, C5 in the files)
CORRIDOR_COST = {"VLG": 1.125, "LEN": 1.125}


@pytest.mark.parametrize("form", FORMS)
def test_each_form_has_both_labour_closures_and_nothing_else_differs(form):
    fixed = load_experiment(EXPERIMENTS / f"vologda_coop_{form}.toml")
    moving = load_experiment(EXPERIMENTS / f"vologda_coop_{form}_migration.toml")
    assert fixed.config.closure.mobility("lab") == "sectors"
    assert moving.config.closure.mobility("lab") == "migration"
    assert moving.config.closure.migration["lab"] > 0
    assert fixed.scenarios == moving.scenarios
    assert fixed.data_files == moving.data_files and fixed.margin_structure is not None
    same = replace(moving.config, closure=fixed.config.closure)
    assert same == fixed.config


@pytest.fixture(scope="module")
def corridor():
    return {name: run_experiment(EXPERIMENTS / f"vologda_coop_transport{name}.toml").results
            for name in ("", "_migration")}


def _ev(ds, scenario, region):
    return float(ds["EV"].sel(scenario=scenario, region=region).sum())


@pytest.mark.slow  # over 10 s here (two runs of the partner SAM); runs in the CI stage for slow tests
def test_transport_corridor_under_both_labour_closures(corridor):
    for ds in corridor.values():
        assert list(ds["status"].values) == ["benchmark", "ok", "ok"]
        assert float(abs(ds["walras_residual"]).max()) < 1e-8
        for region, cost in CORRIDOR_COST.items():
            paid = _ev(ds, "corridor_benefit", region) - _ev(ds, "corridor_net_of_cost", region)
            assert 0.8 * cost < paid < cost
        xmg = ds["XMG"].sel(region="VLG", commodity="tran")
        change = float(xmg.sel(scenario="corridor_benefit") / xmg.sel(scenario="benchmark")) - 1
        assert -0.30 < change < 0.0
        flows = ds["DS"].sel(origin="VLG", destination=["SPE", "LEN"]).sum(["destination",
                                                                             "commodity"])
        assert 1.0 < float(flows.sel(scenario="corridor_benefit") / flows.sel(
            scenario="benchmark")) < 1.05
    moving = corridor["_migration"]
    ls = moving["LS"].sel(factor="lab")
    assert float(ls.sel(scenario="corridor_net_of_cost").sum()) == pytest.approx(
        float(ls.sel(scenario="benchmark").sum()), rel=1e-9)
