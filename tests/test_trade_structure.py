"""Trade structure as data (issue 16, item 4): duties between regions recorded in the benchmark
SAM, and a CET between the destinations of an origin's sales.

The world is the toy two-country SAM (``sam/toy2c``, ``experiments/toy_two_countries.toml``);
SOUTH's duty of 3 on manufactures from NORTH (10 % of their landed value of 30) is added to it
in the tests, paid by SOUTH's commodity account to a ``duty`` tax account and spent by SOUTH's
government on manufactures, so the SAM stays balanced. Expected values are identities of the
model recomputed from the solution's levels (duty = rate x base; revenue exhaustion of the
CET; the CET's supply elasticity between two destinations), limits (a very large elasticity is
one price for every destination) and the SAM's own numbers; tolerances are 1e-9 relative for
identities (the solver converges to 1e-10 on values of order 1-100) and 1e-5 for the limit
(elasticity 1e6).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from cge.calibration import calibrate, read_elasticities
from cge.config import config_from_dict
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.sam import read_sam

ROOT = Path(__file__).resolve().parents[1]
DUTY = 3.0  # SOUTH's duty on manufactures from NORTH: 10 % of their landed value, 30

HEAD = f"""
name = "toy2c_structure"
description = "two countries with a benchmark duty and CET between destinations"
[model]
sam = "SAM"
elasticities = "ELASTICITIES"
trade_margins = "{ROOT}/calibration/toy_margins.csv"
countries = {{ N = ["NORTH"], S = ["SOUTH"] }}
duty_accounts = ["duty"]
[model.closure]
numeraire = "cpi"
[[scenario]]
name = "duty_off"
description = "SOUTH removes its duty on manufactures from NORTH"
[[scenario.shocks]]
parameter = "tb"
where = {{ origin = ["NORTH"], destination = ["SOUTH"], commodity = ["man"] }}
set = 0.0
[[scenario]]
name = "margins_half"
description = "trade margins between the two countries halved in both directions"
[[scenario.shocks]]
parameter = "tmg"
where = {{ origin = ["NORTH"], destination = ["SOUTH"] }}
multiply = 0.5
[[scenario.shocks]]
parameter = "tmg"
where = {{ origin = ["SOUTH"], destination = ["NORTH"] }}
multiply = 0.5
"""


def _sam_with_duty(folder: Path, duty: float = DUTY) -> Path:
    shutil.copytree(ROOT / "sam/toy2c", folder)
    with open(folder / "accounts.csv", "a") as f:
        f.write("SOUTH,duty,tax,duties on shipments from other countries\n")
    cells = (folder / "cells.csv").read_text().replace(
        "SOUTH,c-man,SOUTH,gov,2.0", f"SOUTH,c-man,SOUTH,gov,{2.0 + duty}")
    cells += f"SOUTH,duty,SOUTH,c-man,{duty}\nSOUTH,gov,SOUTH,duty,{duty}\n"
    (folder / "cells.csv").write_text(cells)
    return folder


def _experiment(folder: Path, psi_dest: float | None = None, duty: float = DUTY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sam = _sam_with_duty(folder / "sam", duty)
    el = (ROOT / "calibration/toy_elasticities.csv").read_text()
    if psi_dest is not None:
        el += f'*,*,psi_dest,{psi_dest},"test: CET between destinations"\n'
    (folder / "el.csv").write_text(el)
    path = folder / "exp.toml"
    path.write_text(HEAD.replace("SAM", str(sam)).replace("ELASTICITIES", str(folder / "el.csv")))
    return path


def _at(ds, name, scenario, **where):
    return float(ds[name].sel(scenario=scenario, **where).squeeze())


@pytest.fixture(scope="module")
def duty(tmp_path_factory):
    return run_experiment(_experiment(tmp_path_factory.mktemp("duty"))).results


@pytest.fixture(scope="module")
def cet(tmp_path_factory):
    return run_experiment(_experiment(tmp_path_factory.mktemp("cet"), psi_dest=2.0)).results


def test_benchmark_duty_is_read_into_tb(duty):
    # the SAM's duty over the landed value of NORTH's manufactures in SOUTH (sam/toy2c: 30)
    where = dict(origin="NORTH", destination="SOUTH", commodity="man")
    assert _at(duty, "tb", "benchmark", **where) == pytest.approx(DUTY / 30.0, rel=1e-12)
    assert _at(duty, "Tb", "benchmark", region="SOUTH") == pytest.approx(DUTY, rel=1e-9)
    assert _at(duty, "Tb", "benchmark", region="NORTH") == 0.0
    # the other direction and the home market carry none
    assert _at(duty, "tb", "benchmark", origin="SOUTH", destination="NORTH",
               commodity="man") == 0.0
    assert _at(duty, "tb", "benchmark", origin="SOUTH", destination="SOUTH",
               commodity="man") == 0.0


def test_removing_the_duty(duty):
    s = "duty_off"
    assert _at(duty, "Tb", s, region="SOUTH") == 0.0
    where = dict(origin="NORTH", destination="SOUTH", commodity="man")
    assert _at(duty, "DS", s, **where) > _at(duty, "DS", "benchmark", **where)
    # SOUTH's government loses the duty's revenue (its other taxes move a little)
    loss = _at(duty, "GREV", "benchmark", region="SOUTH") - _at(duty, "GREV", s, region="SOUTH")
    assert 0.5 * DUTY < loss < 1.5 * DUTY
    for scenario in ("benchmark", s, "margins_half"):
        assert float(duty["walras_residual"].sel(scenario=scenario)) < 1e-8
        for r in ("NORTH", "SOUTH"):
            assert _at(duty, "GRP_real", scenario, region=r) == pytest.approx(
                _at(duty, "GRP_real_expenditure", scenario, region=r), rel=1e-9)


def test_duty_revenue_is_rate_times_landed_value(duty):
    s = "margins_half"
    where = dict(origin="NORTH", destination="SOUTH", commodity="man")
    landed = ((1 + _at(duty, "tmg", s, **where)) * _at(duty, "pd", s, region="NORTH",
                                                        sector="man")
              * _at(duty, "DS", s, **where)
              * _at(duty, "epsilon", s, country="S") / _at(duty, "epsilon", s, country="N"))
    assert _at(duty, "Tb", s, region="SOUTH") == pytest.approx(
        _at(duty, "tb", s, **where) * landed, rel=1e-9)


def test_cet_between_destinations_exhausts_revenue(cet):
    for s in ("benchmark", "duty_off", "margins_half"):
        for o, i in (("NORTH", "man"), ("SOUTH", "agr")):
            revenue = sum(_at(cet, "pdo", s, origin=o, destination=d, commodity=i)
                          * (1 + _at(cet, "tmg", s, origin=o, destination=d, commodity=i))
                          * _at(cet, "DS", s, origin=o, destination=d, commodity=i)
                          for d in ("NORTH", "SOUTH"))
            assert revenue == pytest.approx(
                _at(cet, "pd", s, region=o, sector=i) * _at(cet, "D", s, region=o, sector=i),
                rel=1e-9)
        assert float(cet["walras_residual"].sel(scenario=s)) < 1e-8


def test_cet_supply_elasticity_between_destinations(cet):
    # log(Y_home / Y_abroad) moves psi_dest = 2 times log(pdo_home / pdo_abroad)
    def logs(s):
        y = {d: (1 + _at(cet, "tmg", s, origin="NORTH", destination=d, commodity="man"))
             * _at(cet, "DS", s, origin="NORTH", destination=d, commodity="man")
             for d in ("NORTH", "SOUTH")}
        p = {d: _at(cet, "pdo", s, origin="NORTH", destination=d, commodity="man")
             for d in ("NORTH", "SOUTH")}
        return math.log(y["NORTH"] / y["SOUTH"]), math.log(p["NORTH"] / p["SOUTH"])

    y0, p0 = logs("benchmark")
    y1, p1 = logs("duty_off")
    assert abs(p1 - p0) > 1e-3  # the shock moves the relative price
    assert (y1 - y0) / (p1 - p0) == pytest.approx(2.0, rel=1e-8)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_very_elastic_cet_is_one_price(tmp_path, duty):
    one = run_experiment(_experiment(tmp_path, psi_dest=1e6)).results
    for s in ("duty_off", "margins_half"):
        for name, where in (("DS", dict(origin="NORTH", destination="SOUTH", commodity="man")),
                            ("pd", dict(region="SOUTH", sector="agr")),
                            ("EV", dict(region="SOUTH", household="hh"))):
            assert _at(one, name, s, **where) == pytest.approx(_at(duty, name, s, **where),
                                                                rel=1e-5, abs=1e-7)


def test_duty_on_a_good_nobody_ships_in_is_refused():
    # STDCGE has one region: read as duties between regions, its tariffs have no base
    config = config_from_dict({"duty_accounts": ["TRF"], "tariff_accounts": [],
                               "closure": {"numeraire": "factor:ECO:LAB"}})
    with pytest.raises(InputError, match="which no other region ships there"):
        calibrate(read_sam(ROOT / "sam/stdcge"),
                  read_elasticities(ROOT / "calibration/stdcge_elasticities.csv"), config)
