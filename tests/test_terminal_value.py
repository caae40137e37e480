"""Terminal value of capital in dynamic welfare (cge/dynamics/driver.py), in a textbook
setting: the toy two-region SAM (sam/toy2r) on a stationary path (growth 0, depreciation 5 %),
investment fixed in real terms so that a project financed from private savings is paid for by
households saving more (consumption given up, sadj), as in a textbook cost-benefit analysis.

The project: 4 units of NORTH manufactures bought in 2022 (price 1), operating from 2023 as 4
units of capital in NORTH's manufacturing. A unit of capital earns rho services a year
(rho_NORTH = FFS0 delta / I0 = 0.0957, reported) at rental price 1, so its net return is
rho - delta = 4.6 %. The textbook net present value in 2021 of paying C = 4 in 2022 for
capital K = C that earns rho a year from 2023 and depreciates at delta, discounted at r, is

    NPV = (-C + rho K / (r + delta)) / (1 + r),

positive when the net return exceeds the discount rate (r = 2 %: +1.44) and negative when it
does not (r = 5 %: -0.16). The model's welfare (discounted EV over 2021-2024 plus the terminal
value of the capital left in 2025) should come close: it differs by the general-equilibrium
price effects on the consumption given up and on the returns (measured 0.06 at both rates,
1.5 % of the cost), so the tolerance is 0.1 (2.5 % of the cost).
"""

from __future__ import annotations

import numpy as np
import pytest
from toy import toy_experiment

from cge.dynamics import run_dynamic

COST, R, DELTA, START, END = 4.0, 0.02, 0.05, 2021, 2024


def _npv(rho: float, r: float) -> float:
    return (-COST + rho * COST / (r + DELTA)) / (1 + r)


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    closure = 'investment = "investment_driven"\nfactor_mobility = { cap = "specific" }'
    path = toy_experiment(tmp_path_factory.mktemp("tv"), "toy_terminal_value", closure, f"""
[dynamics]
start = {START}
end = {END}
growth = 0.0
depreciation = {DELTA}
investment_elasticity = 0.0
discount_rate = {R}
[[project]]
name = "plant"
region = "NORTH"
sector = "man"
financing = "private"
start_operation = 2023
capex = [ {{ year = 2022, commodity = "man", origin = "NORTH", value = {COST} }} ]
[[scenario]]
name = "plant"
projects = ["plant"]
""")
    return run_dynamic(path).results


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_terminal_value_is_the_present_value_of_the_extra_capitals_returns(plant):
    ds = plant
    rho = ds["capital_services_per_unit"]
    assert float(rho.sel(region="NORTH")) == pytest.approx(0.0957, abs=5e-5)
    dk = ds["capital_stock_end"].sel(scenario="plant") - ds["capital_stock_end"].sel(
        scenario="baseline")
    rental = ds["pf"].sel(scenario="baseline", year=END, factor="cap")
    expected = dk * rho * rental / ((R + DELTA) * (1 + R) ** (END - START))
    np.testing.assert_allclose(ds["terminal_value"].sel(scenario="plant"), expected, rtol=1e-12)
    # the project's capital, depreciated twice, less the pool capital its savings replaced
    assert float(dk.sel(region="NORTH", sector="man")) == pytest.approx(3.80, abs=0.01)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_welfare_with_terminal_value_is_positive_when_the_return_beats_the_discount_rate(plant):
    p = plant.sel(scenario="plant")
    rho = float(plant["capital_services_per_unit"].sel(region="NORTH"))
    assert rho - DELTA > R  # 4.6 % against 2 %
    welfare = float(p["welfare_with_terminal"].sum())
    assert welfare > 0
    assert welfare == pytest.approx(_npv(rho, R), abs=0.1)
    # the horizon alone sees the consumption given up and two years of returns only
    assert float(p["EV_discounted"].sum()) < -3.0


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_welfare_with_terminal_value_is_negative_when_the_discount_rate_beats_the_return(plant):
    """The same path at r = 5 % > rho - delta: the yearly EV re-discounted, the terminal value
    rescaled by the ratio of its discount factors (r + delta)(1 + r)^(T - start)."""
    p = plant.sel(scenario="plant")
    rho = float(plant["capital_services_per_unit"].sel(region="NORTH"))
    r = 0.05
    ev = float((p["EV"].sum(["region", "household"])
                / (1 + r) ** (p["year"] - START)).sum())
    tv = float(p["terminal_value"].sum()) * ((R + DELTA) * (1 + R) ** (END - START)) / (
        (r + DELTA) * (1 + r) ** (END - START))
    assert rho - DELTA < r
    assert ev + tv < 0
    assert ev + tv == pytest.approx(_npv(rho, r), abs=0.1)
