"""The enterprises block: capital income, profit tax, distributed profits, retained savings.

The test SAM is the toy SAM (sam/toy2r) with an enterprise in NORTH: it receives 60 of NORTH's
capital income of 90, pays 12 of profit tax through a tax account ``ytax`` to NORTH's
government, distributes 20 to NORTH's households, 8 to SOUTH's and 5 abroad, and saves 15.
The edits keep every account balanced: NORTH's households save 40 less (48 -> 8), SOUTH's 8
more, NORTH's government saves the tax, the rest of the world lends NORTH 5 more (4 -> 9) and
NORTH's capital transfer to SOUTH falls by 8 (15 -> 7).
"""

from pathlib import Path

import pandas as pd
import pytest
from pyomo.environ import value

from cge import examples
from cge.calibration import calibrate, read_elasticities
from cge.config import Closure, ModelConfig
from cge.errors import InputError
from cge.model import build_model
from cge.model.gates import check_benchmark
from cge.model.walras import check_walras
from cge.sam import SAM, Kind
from cge.sam.validate import check
from cge.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
EL = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")


def enterprise_toy(extra: dict[tuple[str, str], float] | None = None,
                   accounts: list[tuple[str, str, str]] = ()) -> SAM:
    toy = examples.toy_sam()
    new = [("NORTH", "ent", Kind.ENTERPRISE.value), ("NORTH", "ytax", Kind.TAX.value),
           *accounts]
    acc = pd.concat([toy.accounts, pd.DataFrame(
        [{"region": r, "account": a, "kind": k, "description": a} for r, a, k in new],
        index=[f"{r}:{a}" for r, a, _ in new])])
    keys = list(acc.index)
    v = pd.DataFrame(0.0, index=keys, columns=keys)
    v.loc[toy.keys, toy.keys] = toy.values
    moves = {("NORTH:hh", "NORTH:cap"): -60, ("NORTH:ent", "NORTH:cap"): 60,
             ("NORTH:ytax", "NORTH:ent"): 12, ("NORTH:gov", "NORTH:ytax"): 12,
             ("NORTH:inv", "NORTH:gov"): 12,
             ("NORTH:hh", "NORTH:ent"): 20, ("SOUTH:hh", "NORTH:ent"): 8,
             ("ROW:row", "NORTH:ent"): 5, ("NORTH:inv", "NORTH:ent"): 15,
             ("NORTH:inv", "NORTH:hh"): -40, ("SOUTH:inv", "SOUTH:hh"): 8,
             ("NORTH:inv", "ROW:row"): 5, ("SOUTH:inv", "NORTH:inv"): -8}
    for edits in (moves, extra or {}):
        for (row, col), amount in edits.items():
            v.loc[row, col] += amount
    return SAM(acc, v.to_numpy(), **toy.meta)


@pytest.fixture(scope="module")
def model():
    return build_model(calibrate(enterprise_toy(), EL))


def test_enterprise_sam_is_valid():
    sam = enterprise_toy()
    assert sam.is_balanced(rtol=0, atol=1e-12)
    assert check(sam) == []


def test_calibrated_shares(model):
    # the benchmark shares of the docstring: 60 of 90 of capital income, 12/60 tax, 20/48 etc.
    cal = model.cal
    assert cal.nonzero("she") == {("NORTH", "cap"): pytest.approx(60 / 90, rel=1e-12)}
    assert cal.nonzero("taup") == {"NORTH": pytest.approx(12 / 60, rel=1e-12)}
    assert cal.nonzero("dvh") == {("NORTH", "NORTH", "hh"): pytest.approx(20 / 48, rel=1e-12),
                                  ("NORTH", "SOUTH", "hh"): pytest.approx(8 / 48, rel=1e-12)}
    assert cal.nonzero("dvw") == {"NORTH": pytest.approx(5 / 48, rel=1e-12)}
    # households' income: NORTH 110 + 30 + 5 + 20, SOUTH 90 + 75 + 6 + 8
    assert cal.nonzero("YH0") == {("NORTH", "hh"): pytest.approx(165, rel=1e-12),
                                  ("SOUTH", "hh"): pytest.approx(179, rel=1e-12)}
    assert value(model.SE["NORTH"]) == pytest.approx(15, rel=1e-12)


@pytest.mark.parametrize("closure", [Closure(), Closure(investment="investment_driven"),
                                     Closure(government="fixed_consumption")])
def test_enterprise_model_passes_the_gates(closure):
    m = build_model(calibrate(enterprise_toy(), EL, ModelConfig(closure=closure)))
    report = check_benchmark(m)
    assert report.passed, report.summary()


def test_profit_tax_shock_keeps_walras_and_the_accounts(model):
    m = model.clone()
    m.cal = model.cal
    m.taup["NORTH"] = 0.3
    res = solve(m)
    assert res.ok, res.message
    assert check_walras(m, "taup shock") <= 1e-8
    ye, tp = value(m.YE["NORTH"]), value(m.TP["NORTH"])
    assert tp == pytest.approx(0.3 * ye, rel=1e-10)
    paid = sum(value(m.DIV[k]) for k in m.RNH) + value(m.epsilon["home"] * m.DIVW["NORTH"])
    assert paid + value(m.SE["NORTH"]) + tp == pytest.approx(ye, rel=1e-10)
    # the tax goes to NORTH's government (ptax, tariff, dtax and ytax, no federal share)
    revenue = (sum(value(m.Tz["NORTH", i]) for i in ("agr", "man", "ser"))
               + sum(value(m.Tm["NORTH", i]) for i in ("agr", "man", "ser") if ("NORTH", i) in m.RQ)
               + value(m.Td["NORTH", "hh"]) + tp)
    assert value(m.GREV["NORTH"]) == pytest.approx(revenue, rel=1e-10)
    # a heavier profit tax leaves less to distribute: SOUTH's households get less from NORTH
    assert value(m.DIV["NORTH", "SOUTH", "hh"]) < 8


def test_a_sam_without_enterprises_has_no_enterprise_flows():
    m = build_model(calibrate(examples.toy_sam(), EL))
    assert (m.RN, m.RNF, m.RNH, m.RN_W) == ([], [], [], [])
    assert not list(m.fsp.values()) or all(value(v) == 0 for v in m.fsp.values())


def test_two_enterprises_in_a_region_are_refused():
    sam = enterprise_toy({("NORTH:ent2", "NORTH:cap"): 1.0, ("NORTH:hh", "NORTH:cap"): -1.0,
                          ("NORTH:hh", "NORTH:ent2"): 1.0},
                         accounts=[("NORTH", "ent2", Kind.ENTERPRISE.value)])
    with pytest.raises(InputError, match="enterprise accounts"):
        calibrate(sam, EL)


def test_enterprise_without_factor_income_is_named():
    sam = enterprise_toy({("NORTH:ent", "NORTH:cap"): -60, ("NORTH:hh", "NORTH:cap"): 60,
                          ("NORTH:ent", "NORTH:hh"): 60})
    with pytest.raises(InputError, match="NORTH:ent receives no factor income"):
        calibrate(sam, EL)
