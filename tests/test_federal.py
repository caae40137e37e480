"""A federal government: a government account in a region of its own (FED).

The test SAM is the toy SAM with 40 % of each region's direct taxes passed to FED, which spends
them on transfers to NORTH's government (6), SOUTH's services (10, taken over from SOUTH's
government) and SOUTH's households (6, who save them); the edits keep every account balanced.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyomo.environ import value

from cge import examples
from cge.calibration import calibrate, read_elasticities
from cge.config import Closure, ModelConfig
from cge.model import build_model
from cge.model.gates import check_benchmark
from cge.sam import SAM, Kind
from cge.sam.validate import check
from cge.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
EL = read_elasticities(ROOT / "calibration" / "toy_elasticities.csv")


def federal_toy() -> SAM:
    toy = examples.toy_sam()
    acc = pd.concat([toy.accounts, pd.DataFrame(
        [{"region": "FED", "account": "gov", "kind": Kind.GOVERNMENT.value,
          "description": "federal government"}], index=["FED:gov"])])
    keys = list(acc.index)
    v = pd.DataFrame(0.0, index=keys, columns=keys)
    v.loc[toy.keys, toy.keys] = toy.values

    def move(row, col, amount):
        v.loc[row, col] += amount

    for r, d in (("NORTH", 30.0), ("SOUTH", 25.0)):
        move(f"{r}:gov", f"{r}:dtax", -0.4 * d)
        move("FED:gov", f"{r}:dtax", 0.4 * d)
    move("NORTH:gov", "FED:gov", 6.0)
    move("NORTH:inv", "NORTH:gov", -6.0)
    move("SOUTH:inv", "NORTH:inv", -6.0)
    move("SOUTH:c-ser", "SOUTH:gov", -10.0)
    move("SOUTH:c-ser", "FED:gov", 10.0)
    move("SOUTH:hh", "FED:gov", 6.0)
    move("SOUTH:inv", "SOUTH:hh", 6.0)
    return SAM(acc, v.to_numpy(), **toy.meta)


def test_federal_sam_is_valid():
    sam = federal_toy()
    assert sam.is_balanced(rtol=0, atol=1e-12)
    assert check(sam) == []


@pytest.mark.parametrize("government", ["savings_rate", "fixed_consumption"])
def test_federal_model_passes_the_gates(government):
    cal = calibrate(federal_toy(), EL, ModelConfig(closure=Closure(government=government)))
    d = cal.data
    # 40 % of direct taxes go to the federal level; revenue 0.4 x (30 + 25)
    np.testing.assert_allclose(d["fsd"].values, 0.4, rtol=1e-12)
    assert float(d["FREV0"]) == pytest.approx(22.0, rel=1e-12)
    m = build_model(cal)
    assert check_benchmark(m).passed
    assert value(m.TRG["NORTH"]) == pytest.approx(6.0, rel=1e-12)
    assert value(m.Xgf["SOUTH", "ser"]) == pytest.approx(10.0, rel=1e-12)


def test_federal_budget_holds_after_a_shock():
    m = build_model(calibrate(federal_toy(), EL))
    for k in m.taud:
        m.taud[k] = value(m.taud[k]) * 1.2
    solve(m)
    spending = (sum(value(m.pq[k] * m.Xgf[k]) for k in m.RGF) + sum(value(m.TRG[r])
                for r in m.R_TRG) + sum(value(m.TRF[k]) for k in m.RH_TRF))
    assert value(m.FREV - m.Sgf) == pytest.approx(spending, rel=1e-10)
    federal_taxes = 0.4 * sum(value(m.Td[k]) for k in m.RH)
    assert value(m.FREV) == pytest.approx(federal_taxes, rel=1e-10)
