"""Taxes a SAM does not record, introduced by experiments (issue 16, item 5): a tax on factor
use ``tf`` and a tax on household consumption ``tc``, on STDCGE (Hosoe et al. 2010).

Expected values are identities of the model recomputed from the solution's levels (revenue =
rate x base; GRP by production = by expenditure) and one exact neutrality: a uniform tax on all
factor use recycled lump-sum to the one household who owns every factor changes no real
quantity (every price and income scales by 1 + t, as the homogeneity gate checks for the
numeraire). Tolerances are 1e-9 relative (the solver converges to 1e-10 absolute on values of
order 1-100).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]

HEAD = f"""
name = "std_taxes"
description = "STDCGE with new tax instruments"
[model]
sam = "{ROOT / 'sam/stdcge'}"
elasticities = "{ROOT / 'calibration/stdcge_elasticities.csv'}"
tariff_accounts = ["TRF"]
RECIPIENTS
[model.closure]
numeraire = "factor:ECO:LAB"
[[scenario]]
name = "labour_tax_bread"
description = "10 % tax on labour used by bread"
shocks = [{{ parameter = "tf", where = {{ factor = ["LAB"], sector = ["BRD"] }}, set = 0.1 }}]
[[scenario]]
name = "consumption_tax_milk"
description = "20 % tax on household consumption of milk"
shocks = [{{ parameter = "tc", where = {{ commodity = ["MLK"] }}, set = 0.2 }}]
[[scenario]]
name = "uniform_factor_tax"
description = "10 % tax on every factor use"
shocks = [{{ parameter = "tf", set = 0.1 }}]
"""


def _run(tmp_path: Path, recipients: str = "") -> object:
    path = tmp_path / "exp.toml"
    path.write_text(HEAD.replace("RECIPIENTS", recipients))
    return run_experiment(path).results


@pytest.fixture(scope="module")
def government(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("gov"))


@pytest.fixture(scope="module")
def lump_sum(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("lump"),
                'tax_recipients = { tf = "households", tc = "households" }')


def _at(ds, name, scenario, **where):
    return float(ds[name].sel(scenario=scenario, **where).squeeze())


def test_revenues_are_rate_times_base(government):
    s = "labour_tax_bread"
    where = dict(region="ECO", factor="LAB", sector="BRD")
    assert _at(government, "Tf", s, region="ECO") == pytest.approx(
        0.1 * _at(government, "pf", s, **where) * _at(government, "F", s, **where), rel=1e-9)
    assert _at(government, "F", s, **where) < _at(government, "F", "benchmark", **where)
    s = "consumption_tax_milk"
    assert _at(government, "Tc", s, region="ECO") == pytest.approx(
        0.2 * _at(government, "pq", s, region="ECO", commodity="MLK")
        * _at(government, "Xp", s, region="ECO", commodity="MLK", household="HOH"), rel=1e-9)
    assert _at(government, "Tf", "benchmark", region="ECO") == 0.0
    assert _at(government, "Tc", "benchmark", region="ECO") == 0.0


def test_every_solution_keeps_walras_and_grp(government, lump_sum):
    for ds in (government, lump_sum):
        for s in ("labour_tax_bread", "consumption_tax_milk", "uniform_factor_tax"):
            assert float(ds["walras_residual"].sel(scenario=s)) < 1e-8
            for kind in ("nominal", "real"):
                assert _at(ds, f"GRP_{kind}", s, region="ECO") == pytest.approx(
                    _at(ds, f"GRP_{kind}_expenditure", s, region="ECO"), rel=1e-9)


def test_recycled_revenue_reaches_households(lump_sum):
    for s, tax in (("labour_tax_bread", "Tf"), ("consumption_tax_milk", "Tc")):
        assert _at(lump_sum, "TLS", s, region="ECO") == pytest.approx(
            _at(lump_sum, tax, s, region="ECO"), rel=1e-9)
    # a tax on milk consumption returned lump-sum: households buy less milk and more bread
    s = "consumption_tax_milk"
    xp = {i: _at(lump_sum, "Xp", s, region="ECO", commodity=i, household="HOH")
          / _at(lump_sum, "Xp", "benchmark", region="ECO", commodity=i, household="HOH")
          for i in ("BRD", "MLK")}
    assert xp["MLK"] < 1 < xp["BRD"]
    assert _at(lump_sum, "EV", s, region="ECO", household="HOH") < 0


def test_uniform_factor_tax_recycled_lump_sum_is_neutral(lump_sum):
    s = "uniform_factor_tax"
    for name in ("Z", "F", "X", "Xp", "UU", "E", "M"):
        moved = abs(lump_sum[name].sel(scenario=s) - lump_sum[name].sel(scenario="benchmark"))
        assert float(moved.max()) < 1e-9 * float(abs(lump_sum[name]).max()), name
    # prices scale by 1 + t with the wage (the numeraire) fixed: the gross cost of labour
    assert _at(lump_sum, "pq", s, region="ECO", commodity="BRD") == pytest.approx(
        1.1 * _at(lump_sum, "pq", "benchmark", region="ECO", commodity="BRD"), rel=1e-9)
    assert _at(lump_sum, "EV", s, region="ECO", household="HOH") == pytest.approx(0, abs=1e-9)
