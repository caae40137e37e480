"""Non-negative investment (``nonnegative_investment``, cge.model.investment): a project
financed from private savings that costs more than the savings pool holds would make the pool's
investment negative; with the option the pool invests nothing and the shortfall ``XSF`` is
borrowed abroad (``SAV - PD + XSF >= 0 ⟂ XSF >= 0``).

Expected values are properties, not published numbers: pool investment is zero (1e-9) exactly
when there is a shortfall, the shortfall is what the pool lacks (``XSF = PD - SAV``, 1e-9
relative), Walras' law holds (1e-8), and a project the pool can pay for leaves the option idle
(``XSF = 0``). The toy's savings pool is 90 at the benchmark (sam/toy2r).
"""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest
from test_capacity import dynamic_toy

from cge.calibration import calibrate
from cge.dynamics import run_dynamic
from cge.experiments.runner import experiment_inputs
from cge.experiments.spec import load_experiment
from cge.model import build_model
from cge.model.projects import private_cost
from cge.model.walras import walras_residual
from cge.solvers import solve
from cge.solvers.mcp import regimes

ROOT = Path(__file__).resolve().parents[1]
PAIR = "eq_pool_investment[home] ⟂ XSF[home]"


def _model():
    exp = load_experiment(ROOT / "experiments" / "toy_capacity.toml")
    sam, el, margins = experiment_inputs(exp)
    config = replace(exp.config, capacity_limits={}, nonnegative_investment=True)
    return build_model(calibrate(sam, el, config=config, trade_margins=margins))


@pytest.mark.parametrize("cost, short, route", [(40.0, False, "mcp"), (120.0, True, "mcp"),
                                                (120.0, True, "mcp-ipopt")])
def test_pool_investment_stops_at_zero_and_the_shortfall_is_borrowed(cost, short, route):
    m = _model()
    assert regimes(m) == [PAIR]  # at the benchmark there is no shortfall
    m.XvD["SOUTH", "ser"] = cost
    solve(m, route)
    residual, _ = walras_residual(m)
    assert abs(residual) <= 1e-8
    invested = sum(pyo.value(m.pq[k] * m.Xv[k]) for k in m.RV)
    lacking = pyo.value(private_cost(m, "home") - m.SAV["home"])
    if short:
        assert regimes(m) == []
        assert invested == pytest.approx(0.0, abs=1e-9)
        assert lacking > 1.0
        assert pyo.value(m.XSF["home"]) == pytest.approx(lacking, rel=1e-9)
    else:
        assert regimes(m) == [PAIR]
        assert invested > 1.0
        assert pyo.value(m.XSF["home"]) == pytest.approx(0.0, abs=1e-12)


def test_dynamic_sector_investment_stays_non_negative(tmp_path):
    """A private project spending 120 in 2023 (the pool holds 90 at the benchmark, growing 2 %
    a year): the pool's investment, and so every sector's, is zero that year instead of
    negative, and positive in the years around it."""
    path = tmp_path / "nni.toml"
    path.write_text(dynamic_toy("nonnegative_investment = true", "huge", """region = "SOUTH"
sector = "ser"
financing = "private"
start_operation = 2024
capex = [ { year = 2023, commodity = "ser", origin = "SOUTH", value = 120.0 } ]"""))
    ds = run_dynamic(path).results.sel(scenario="huge")
    by_sector = ds["investment_by_sector"]
    assert float(ds["XSF"].sel(year=2023).squeeze()) > 1.0
    assert np.all(np.abs(by_sector.sel(year=2023).values) <= 1e-9)
    assert np.all(by_sector.sel(year=[2022, 2024]).fillna(1.0).values > 0)
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)
