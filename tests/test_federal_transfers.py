"""Federal transfers to regional budgets as instruments (cge/model/federal.py): equalisation
and general transfers ``TRG`` in shares ``omegag`` of federal spending, normalised so a shock
re-divides the budget; targeted transfers ``TRT``, amounts paid before the shares.

The toy federal SAM (tests/test_federal.py): the federal budget D = 22 (40 % of the regions'
direct taxes, no savings) goes 6 to NORTH's government (omegag = 6/22), 10 to SOUTH's services,
6 to SOUTH's households. Federal revenue moves only with incomes, by under 2 % in these
shocks, hence the 2-5 % tolerances on the partial-equilibrium values below.
"""

from __future__ import annotations

import pytest
from pyomo.environ import value
from test_federal import EL, federal_toy
from toy import toy_experiment

from cge.calibration import calibrate
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.model import build_model
from cge.model.walras import check_walras
from cge.solvers import solve


def _model():
    return build_model(calibrate(federal_toy(), EL))


def _spending(m) -> float:
    return (sum(value(m.pq[k] * m.Xgf[k]) for k in m.RGF) + sum(value(m.TRG[r]) for r in m.R_TRG)
            + sum(value(m.TRF[k]) for k in m.RH_TRF) + sum(value(m.TRT[r]) for r in m.R))


def test_a_targeted_transfer_is_paid_by_cutting_the_rest_of_the_federal_budget():
    m = _model()
    grev0, trg0 = value(m.GREV["NORTH"]), value(m.TRG["NORTH"])
    m.TRT["NORTH"] = 1.0
    solve(m)
    check_walras(m, "targeted transfer")
    # the federal budget still balances, with the transfer in it
    assert _spending(m) == pytest.approx(value(m.FREV - m.Sgf), rel=1e-10)
    # NORTH's share 6/22 of the rest falls with it: NORTH nets about 1 - 6/22 = 0.727
    assert value(m.TRG["NORTH"]) - trg0 == pytest.approx(-6 / 22, rel=0.05)
    assert value(m.GREV["NORTH"]) - grev0 == pytest.approx(1 - 6 / 22, rel=0.05)
    # SOUTH pays the rest: federal services 10/22 and transfers to households 6/22 of it
    assert value(m.TRF["SOUTH", "hh"]) == pytest.approx(6 - 6 / 22, rel=0.02)


def test_a_larger_equalisation_share_re_divides_the_same_budget():
    m = _model()
    m.omegag["NORTH"] = 12 / 22  # doubled: the shares now sum to 28/22
    solve(m)
    check_walras(m, "equalisation share")
    assert _spending(m) == pytest.approx(value(m.FREV - m.Sgf), rel=1e-10)
    assert value(m.TRG["NORTH"]) / value(m.TRF["SOUTH", "hh"]) == pytest.approx(2.0, rel=1e-9)
    assert value(m.TRG["NORTH"]) == pytest.approx(22 * 12 / 28, rel=0.02)  # 9.43, was 6
    assert value(m.pq["SOUTH", "ser"] * m.Xgf["SOUTH", "ser"]) == pytest.approx(
        22 * 10 / 28, rel=0.02)


def test_a_targeted_transfer_without_a_federal_government_is_refused(tmp_path):
    path = toy_experiment(tmp_path, "no_federal", "", """
[[scenario]]
name = "transfer"
description = "nobody to pay"
shocks = [{ parameter = "TRT", where = { region = ["NORTH"] }, set = 1.0 }]
""")
    with pytest.raises(InputError, match="no federal government to pay for it"):
        run_experiment(path)
