"""Import quotas with rents (cge.model.quotas), a complementarity pair configured as data,
solved through experiment files; the regimes that switched are reported per scenario.

Expected values are not published numbers but properties an import quota must have:

* a quota that binds rations imports to exactly its level and earns a positive rent; one that
  does not bind earns none (complementarity, to 1e-9);
* a binding quota whose rent goes to the government is its tariff equivalent: the square model
  without a quota, with the tariff raised by the rent rate, has the same solution (1e-8);
* the two MCP routes (semismooth Newton, Ipopt on the complementarity gap) agree to 1e-8;
* Walras' law and GRP by production = by expenditure hold with the rent (1e-8).
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.calibration import calibrate
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
KEY = ("SOUTH", "man")
PAIR = "eq_import_quota[SOUTH,man] ⟂ rq[SOUTH,man]"


def _model(**quota):
    """The toy model of experiments/toy_import_quota.toml, with the quota configured as given
    (none when empty)."""
    exp = load_experiment(QUOTA_FILE)
    sam, el, margins = experiment_inputs(exp)
    config = replace(exp.config, import_quotas={"SOUTH:man": quota} if quota else {})
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


def test_binding_quota_is_its_tariff_equivalent_and_routes_agree():
    solutions = {}
    for route in ("mcp", "mcp-ipopt"):
        m = _model(level=1.03, recipient="government")
        assert regimes(m) == [PAIR]  # at the benchmark the rent is at its bound
        m.qm[KEY] = 18.0  # 90 % of benchmark imports
        solve(m, route)
        assert regimes(m) == []  # the quota binds
        assert pyo.value(m.M[KEY]) == pytest.approx(18.0, abs=1e-9)
        residual, _ = walras_residual(m)
        assert abs(residual) <= 1e-8
        for r, (by_production, by_expenditure) in nominal(m).items():
            assert pyo.value(by_production) == pytest.approx(pyo.value(by_expenditure),
                                                             rel=1e-10, abs=1e-8), r
        solutions[route] = _levels(m)
    for name, value in solutions["mcp"].items():
        assert value == pytest.approx(solutions["mcp-ipopt"][name], abs=1e-8), name
    rent = solutions["mcp"]["rq[SOUTH,man]"]
    assert rent > 0
    # the square model without a quota, the tariff raised by the rent rate
    sq = _model()
    sq.taum[KEY] = pyo.value(sq.taum[KEY]) + rent
    assert solve(sq, "newton").solver == "newton"
    quota = solutions["mcp"]
    for name, value in _levels(sq).items():
        if name != "Tm[SOUTH,man]":
            assert value == pytest.approx(quota[name], rel=1e-8, abs=1e-8), name
    # the equivalent tariff raises what tariff and rent raise together
    assert pyo.value(sq.Tm[KEY]) == pytest.approx(
        quota["Tm[SOUTH,man]"] + quota["RQV[SOUTH,man]"], rel=1e-8)


def test_without_quotas_the_model_is_square():
    m = _model()
    assert m.RQUOTA == [] and len(m.rq) == 0 and len(m.eq_import_quota) == 0
    # declared, documented, empty (the quota's pair and the wage floor's)
    assert m.complements == {"eq_import_quota": "rq", "eq_wage_floor": "U"}
    assert solve(m).solver == "auto/newton"


@pytest.mark.parametrize("quotas, message", [
    ({"SOUTH:man": {"level": 0.9, "recipient": "households"}}, "give a number >= 1"),
    ({"SOUTH:man": {"level": 1.1, "recipient": "firms"}}, "choose one of"),
    ({"SOUTH-man": {"level": 1.1, "recipient": "government"}}, "REGION:COMMODITY"),
    ({"SOUTH:man": {"level": 1.1}}, "give exactly level"),
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
