"""Capacity limits on production with capacity rents (cge.model.capacity), a complementarity
pair configured as data, on the toy economy of experiments/toy_capacity.toml.

Expected values are not published numbers but properties a capacity limit must have:

* a limit that does not bind leaves the square model's solution (no limit) unchanged (1e-8)
  and earns no rent;
* a limit that binds holds output at exactly the capacity (1e-9) with a positive rent, the
  wedge between the output price and unit cost (pz = (1 + kr) c);
* the two MCP routes (semismooth Newton, Ipopt on the complementarity gap) agree to 1e-8;
* Walras' law and GRP by production = by expenditure hold with the rent (1e-8);
* in the dynamics, output grows to the capacity and stays at it, and a project that raises the
  capacity (``capacity`` of a ``[[project]]``) leaves it slack.
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from test_dynamics import STEADY

from cge.calibration import calibrate
from cge.config import config_from_dict
from cge.dynamics import run_dynamic
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


def dynamic_toy(model_line: str, name: str, project: str) -> str:
    """The toy dynamics of tests/test_dynamics.py (2 % growth a year, 2021-2026) with a line
    added to ``[model]`` and one project (its keys after ``name``), run in a scenario named
    like it."""
    return STEADY.replace("[model.closure]", f"{model_line}\n[model.closure]", 1) + f"""
[[project]]
name = "{name}"
{project}

[[scenario]]
name = "{name}"
projects = ["{name}"]
"""


#: A capacity on NORTH's manufacturing at 105 % of its 2021 output (160: 168) and a project that
#: raises it by 10 from 2024.
DYNAMIC = dynamic_toy(
    'capacity_limits = { "NORTH:man" = { level = 1.05, recipient = "households" } }', "plant",
    """region = "NORTH"
sector = "man"
financing = "foreign"
start_operation = 2024
capital = 4.0
capacity = 10.0
capex = [ { year = 2023, commodity = "man", origin = "NORTH", value = 4.0 } ]""")
FILE = ROOT / "experiments" / "toy_capacity.toml"
KEY = ("SOUTH", "man")
PAIR = "eq_capacity[SOUTH,man] ⟂ kr[SOUTH,man]"


def _model(limits=None):
    """The model of the experiment file, its capacity limits replaced by ``limits`` when given
    ({}: none)."""
    exp = load_experiment(FILE)
    sam, el, margins = experiment_inputs(exp)
    config = exp.config if limits is None else replace(exp.config, capacity_limits=limits)
    return build_model(calibrate(sam, el, config=config, trade_margins=margins))


def _levels(m) -> dict:
    return {v.name: v.value for sym in m.symbols.values() if sym.kind == "variable"
            for v in getattr(m, sym.name).values()}


def _check_accounts(m) -> None:
    residual, _ = walras_residual(m)
    assert abs(residual) <= 1e-8
    for r, (by_production, by_expenditure) in nominal(m).items():
        assert pyo.value(by_production) == pytest.approx(pyo.value(by_expenditure),
                                                         rel=1e-10, abs=1e-8), r


def test_slack_limit_is_the_square_model():
    """A project buying 1 unit of SOUTH's manufactures: output rises by 0.1 %, below the
    capacity (102 % of the benchmark), and the solution is the model's without the limit."""
    m, sq = _model(), _model(limits={})
    assert regimes(m) == [PAIR]  # at the benchmark the rent is at its bound
    for model in (m, sq):
        model.XvP[KEY] = 1.0
    solve(m, "mcp")
    assert solve(sq, "newton").solver == "newton"
    assert regimes(m) == [PAIR]
    assert pyo.value(m.Z[KEY]) < pyo.value(m.zcap[KEY])
    assert pyo.value(m.kr[KEY]) == pytest.approx(0.0, abs=1e-12)
    _check_accounts(m)
    limited = _levels(m)
    for name, level in _levels(sq).items():
        assert level == pytest.approx(limited[name], rel=1e-8, abs=1e-8), name


@pytest.mark.parametrize("recipient", ["households", "government"])
def test_binding_limit_earns_a_rent_and_routes_agree(recipient):
    """A project buying 30 units: demand exceeds the capacity, output is held at it and the
    rent, paid to SOUTH's households or government, is what output earns above its cost."""
    solutions = {}
    for route in ("mcp", "mcp-ipopt"):
        m = _model(limits={"SOUTH:man": {"level": 1.02, "recipient": recipient}})
        m.XvP[KEY] = 30.0
        solve(m, route)
        assert regimes(m) == []  # the limit binds
        assert pyo.value(m.Z[KEY]) == pytest.approx(pyo.value(m.zcap[KEY]), abs=1e-9)
        assert pyo.value(m.zcap[KEY]) == pytest.approx(1.02 * 97.0, rel=1e-12)  # SAM output 97
        _check_accounts(m)
        solutions[route] = _levels(m)
    for name, level in solutions["mcp"].items():
        assert level == pytest.approx(solutions["mcp-ipopt"][name], abs=1e-8), name
    s = solutions["mcp"]
    kr, pz, z = s["kr[SOUTH,man]"], s["pz[SOUTH,man]"], s["Z[SOUTH,man]"]
    assert kr > 1e-3
    # the rent is the value of output less its cost at the unit cost pz / (1 + kr)
    assert s["KRV[SOUTH,man]"] == pytest.approx(pz * z - pz / (1 + kr) * z, rel=1e-10)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_experiment_reports_the_pair_that_switched():
    ds = run_experiment(FILE).results
    assert list(ds["status"].values) == ["benchmark", "ok", "ok"]
    assert list(ds["switched"].values) == ["", "", PAIR]
    z = ds["Z"].sel(region="SOUTH", sector="man")
    kr = ds["kr"].sel(region="SOUTH", sector="man")
    assert float(z.sel(scenario="small_project")) < 1.02 * 97.0
    assert float(kr.sel(scenario="small_project")) == pytest.approx(0.0, abs=1e-9)
    assert float(z.sel(scenario="large_project")) == pytest.approx(1.02 * 97.0, abs=1e-9)
    assert float(kr.sel(scenario="large_project")) > 1e-3
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)


@pytest.mark.parametrize("limits, message", [
    ({"SOUTH-man": {"level": 1.1, "recipient": "households"}}, "write 'REGION:SECTOR'"),
    ({"SOUTH:man": {"level": 0.9, "recipient": "households"}}, "give a number >= 1"),
    ({"SOUTH:man": {"level": 1.1}}, "give level"),
    ({"SOUTH:man": {"level": 1.1, "recipient": "owners"}}, "choose one of"),
])
def test_invalid_limits_are_refused_when_read(limits, message):
    with pytest.raises(InputError, match=message):
        config_from_dict({"capacity_limits": limits})


def test_nonnegative_investment_must_be_true_or_false():
    with pytest.raises(InputError, match="must be true or false"):
        config_from_dict({"nonnegative_investment": "yes"})


def test_limit_on_an_activity_the_sam_lacks_is_refused():
    with pytest.raises(InputError, match="produce nothing in the SAM"):
        _model(limits={"SOUTH:oil": {"level": 1.1, "recipient": "government"}})


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_growth_reaches_the_capacity_and_a_project_raises_it(tmp_path):
    """Output grows with the economy until it reaches the capacity (168), which then binds
    with a rising rent; the project's 10 units of capacity from 2024 leave it slack."""
    path = tmp_path / "capacity.toml"
    path.write_text(DYNAMIC)
    ds = run_dynamic(path).results
    z = ds["Z"].sel(region="NORTH", sector="man")
    kr = ds["kr"].sel(region="NORTH", sector="man")
    base, plant = z.sel(scenario="baseline"), z.sel(scenario="plant")
    assert float(base.sel(year=2022)) == pytest.approx(160.0 * 1.02, rel=1e-9)  # growth, slack
    assert float(kr.sel(scenario="baseline", year=2022)) == pytest.approx(0.0, abs=1e-9)
    for year in (2024, 2025, 2026):
        assert float(base.sel(year=year)) == pytest.approx(168.0, abs=1e-8)
        assert float(kr.sel(scenario="baseline", year=year)) > 1e-3
        assert 168.0 < float(plant.sel(year=year)) < 178.0
        assert float(kr.sel(scenario="plant", year=year)) == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(kr.sel(scenario="baseline", year=[2024, 2025, 2026]).values) > 0)
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)
