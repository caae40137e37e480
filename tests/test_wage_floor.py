"""A floor on the real wage with unemployment only where it binds (issue 18 item 3b): the pair
``pfr >= wfloor CPI`` ⟂ ``U >= 0`` (``closure.wage_floor``), on the toy two-region economy
(``sam/toy2r``), solved by the MCP solver (:mod:`cge.solvers.mcp`).

Expected values: the complementarity conditions themselves recomputed from the solution's
levels (either the real wage is above its floor and nobody is unemployed, or it sits on the
floor and unemployment is positive; 1e-9), the regime each shock must produce (a productivity
gain raises the real wage: the floor stays slack; a fall in labour demand pushes the wage
down: the floor binds), and agreement with the square model where the regime is known (the
slack case equals the model without a floor; 1e-8).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from toy import at, real_wage, toy_experiment

from cge.errors import InputError
from cge.experiments import run_experiment

SCENARIOS = """
[[scenario]]
name = "productivity"
description = "productivity in NORTH manufacturing up 10 %: real wages rise"
shocks = [{ parameter = "b", where = { region = ["NORTH"], sector = ["man"] }, multiply = 1.1 }]
[[scenario]]
name = "capital_loss"
description = "a third of NORTH's capital lost: labour demand and the real wage fall"
shocks = [{ parameter = "FFS", where = { region = ["NORTH"] }, multiply = 0.667 }]
"""


def _run(folder: Path, floor: str) -> object:
    closure = 'factor_mobility = { cap = "specific" }\n' + floor
    return run_experiment(toy_experiment(folder, "wage_floor", closure, SCENARIOS)).results


@pytest.fixture(scope="module")
def floored(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("floor"), "wage_floor = { lab = 0.99 }")


@pytest.fixture(scope="module")
def free(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("free"), "")


def test_complementarity_holds_in_every_scenario(floored):
    for s in ("benchmark", "productivity", "capital_loss"):
        for r in ("NORTH", "SOUTH"):
            gap = real_wage(floored, r, s) - 0.99 * real_wage(floored, r, "benchmark")
            u = at(floored, "U", s, region=r, factor="lab")
            assert gap >= -1e-9 and u >= -1e-9
            assert min(gap, u) == pytest.approx(0.0, abs=1e-9), (s, r, gap, u)
        assert float(floored["walras_residual"].sel(scenario=s)) < 1e-8


def test_the_floor_binds_only_when_labour_demand_falls(floored, free):
    assert at(floored, "U", "productivity", region="NORTH", factor="lab") == pytest.approx(
        0.0, abs=1e-9)
    # slack: the same equilibrium as without a floor
    for name, where in (("pfr", dict(region="NORTH", factor="lab")),
                        ("EV", dict(region="SOUTH", household="hh"))):
        assert at(floored, name, "productivity", **where) == pytest.approx(
            at(free, name, "productivity", **where), rel=1e-8)
    # without the floor the real wage falls more than 1 %; with it, workers lose jobs instead
    assert real_wage(free, "NORTH", "capital_loss") < 0.99 * real_wage(free, "NORTH",
                                                                            "benchmark")
    assert at(floored, "U", "capital_loss", region="NORTH", factor="lab") > 0.01
    assert real_wage(floored, "NORTH", "capital_loss") == pytest.approx(
        0.99 * real_wage(floored, "NORTH", "benchmark"), rel=1e-9)


def test_wage_floor_is_checked(tmp_path):
    path = toy_experiment(tmp_path, "wage_floor", "wage_floor = { lab = 1.5 }", SCENARIOS)
    with pytest.raises(InputError, match=r"wage_floor\['lab'\] = 1.5"):
        run_experiment(path)
