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

from cge.errors import InputError
from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]

HEAD = f"""
name = "toy_wage_floor"
description = "toy two regions with a floor on the real wage"
[model]
sam = "{ROOT / 'sam/toy2r'}"
elasticities = "{ROOT / 'calibration/toy_elasticities.csv'}"
trade_margins = "{ROOT / 'calibration/toy_margins.csv'}"
[model.closure]
numeraire = "exchange_rate"
factor_mobility = {{ cap = "specific" }}
FLOOR
[[scenario]]
name = "productivity"
description = "productivity in NORTH manufacturing up 10 %: real wages rise"
shocks = [{{ parameter = "b", where = {{ region = ["NORTH"], sector = ["man"] }}, multiply = 1.1 }}]
[[scenario]]
name = "capital_loss"
description = "a third of NORTH's capital lost: labour demand and the real wage fall"
shocks = [{{ parameter = "FFS", where = {{ region = ["NORTH"] }}, multiply = 0.667 }}]
"""


def _run(folder: Path, floor: str) -> object:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "exp.toml"
    path.write_text(HEAD.replace("FLOOR", floor))
    return run_experiment(path).results


@pytest.fixture(scope="module")
def floored(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("floor"), "wage_floor = { lab = 0.99 }")


@pytest.fixture(scope="module")
def free(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("free"), "")


def _at(ds, name, scenario, **where):
    return float(ds[name].sel(scenario=scenario, **where).squeeze())


def _real_wage(ds, r, scenario):
    xp0 = ds["Xp"].sel(scenario="benchmark", region=r).sum("household")
    weights = xp0 / xp0.sum()
    return _at(ds, "pfr", scenario, region=r, factor="lab") / float(
        (weights * ds["pq"].sel(scenario=scenario, region=r)).sum())


def test_complementarity_holds_in_every_scenario(floored):
    for s in ("benchmark", "productivity", "capital_loss"):
        for r in ("NORTH", "SOUTH"):
            gap = _real_wage(floored, r, s) - 0.99 * _real_wage(floored, r, "benchmark")
            u = _at(floored, "U", s, region=r, factor="lab")
            assert gap >= -1e-9 and u >= -1e-9
            assert min(gap, u) == pytest.approx(0.0, abs=1e-9), (s, r, gap, u)
        assert float(floored["walras_residual"].sel(scenario=s)) < 1e-8


def test_the_floor_binds_only_when_labour_demand_falls(floored, free):
    assert _at(floored, "U", "productivity", region="NORTH", factor="lab") == pytest.approx(
        0.0, abs=1e-9)
    # slack: the same equilibrium as without a floor
    for name, where in (("pfr", dict(region="NORTH", factor="lab")),
                        ("EV", dict(region="SOUTH", household="hh"))):
        assert _at(floored, name, "productivity", **where) == pytest.approx(
            _at(free, name, "productivity", **where), rel=1e-8)
    # without the floor the real wage falls more than 1 %; with it, workers lose jobs instead
    assert _real_wage(free, "NORTH", "capital_loss") < 0.99 * _real_wage(free, "NORTH",
                                                                            "benchmark")
    assert _at(floored, "U", "capital_loss", region="NORTH", factor="lab") > 0.01
    assert _real_wage(floored, "NORTH", "capital_loss") == pytest.approx(
        0.99 * _real_wage(floored, "NORTH", "benchmark"), rel=1e-9)


def test_wage_floor_is_checked(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(HEAD.replace("FLOOR", "wage_floor = { lab = 1.5 }"))
    with pytest.raises(InputError, match=r"wage_floor\['lab'\] = 1.5"):
        run_experiment(path)
