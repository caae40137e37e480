"""Export taxes and a finite foreign demand elasticity (issue 16, items 4 and 5), on STDCGE.

Expected values are identities recomputed here from the solution's levels (tax revenue = rate x
base, the foreign demand curve, the GRP identity) or limits (an infinite elasticity is the
price-taker); tolerances are 1e-9 relative for identities (the solver converges to 1e-10
absolute on values of order 1-100) and 1e-5 for the limit (elasticity 1e6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cge.errors import InputError
from cge.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[1]

HEAD = f"""
name = "std_exports"
description = "STDCGE with an export tax"
[model]
sam = "{ROOT / 'sam/stdcge'}"
elasticities = "ELASTICITIES"
tariff_accounts = ["TRF"]
[model.closure]
numeraire = "factor:ECO:LAB"
investment = "savings_driven"
foreign = "flexible_exchange_rate"
government = "savings_rate"
[[scenario]]
name = "export_tax"
description = "10 % tax on exports of bread"
shocks = [{{ parameter = "te", where = {{ sector = ["BRD"] }}, set = 0.1 }}]
[[scenario]]
name = "world_price"
description = "world price of bread exports 10 % higher"
shocks = [{{ parameter = "pWe", where = {{ sector = ["BRD"] }}, multiply = 1.1 }}]
"""


def _experiment(tmp_path: Path, eta: float | None) -> Path:
    el = (ROOT / "calibration/stdcge_elasticities.csv").read_text()
    if eta is not None:
        el += f'*,BRD,eta_exp,{eta},"test: a large exporter of bread"\n'
    (tmp_path / "el.csv").write_text(el)
    path = tmp_path / "exp.toml"
    path.write_text(HEAD.replace("ELASTICITIES", str(tmp_path / "el.csv")))
    return path


@pytest.fixture(scope="module")
def taker(tmp_path_factory):
    return run_experiment(_experiment(tmp_path_factory.mktemp("taker"), None)).results


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    return run_experiment(_experiment(tmp_path_factory.mktemp("large"), 2.0)).results


def _at(ds, name, scenario, **where):
    return float(ds[name].sel(scenario=scenario, **where).squeeze())


def test_export_tax_revenue_reaches_the_government(taker):
    s = "export_tax"
    pe, e = _at(taker, "pe", s, sector="BRD"), _at(taker, "E", s, sector="BRD")
    assert _at(taker, "Te", s, sector="BRD") == pytest.approx(0.1 * pe * e, rel=1e-9)
    assert _at(taker, "Te", "benchmark", sector="BRD") == 0.0
    # a price taker bears the whole tax: it gets the world price less the tax, exports fall
    eps = _at(taker, "epsilon", s)
    assert 1.1 * pe == pytest.approx(eps * 1.0, rel=1e-9)
    assert e < _at(taker, "E", "benchmark", sector="BRD")
    assert taker["walras_residual"].sel(scenario=s) < 1e-8
    for kind in ("nominal", "real"):
        assert _at(taker, f"GRP_{kind}", s) == pytest.approx(
            _at(taker, f"GRP_{kind}_expenditure", s), rel=1e-9)


def test_a_large_exporter_moves_along_foreign_demand(large):
    s = "export_tax"
    e0 = _at(large, "E", "benchmark", sector="BRD")
    pe, e, eps = (_at(large, "pe", s, sector="BRD"), _at(large, "E", s, sector="BRD"),
                  _at(large, "epsilon", s))
    world = 1.1 * pe / eps  # the world price its exports fetch
    assert e == pytest.approx(e0 * world ** -2.0, rel=1e-9)
    # part of the tax falls on foreign buyers: the world price rises (terms of trade gain)
    assert world > 1.0
    assert _at(large, "Te", s, sector="BRD") == pytest.approx(0.1 * pe * e, rel=1e-9)
    assert large["walras_residual"].sel(scenario=s) < 1e-8


def test_an_infinite_elasticity_is_the_price_taker(tmp_path, taker):
    near = run_experiment(_experiment(tmp_path, 1e6)).results
    for name in ("E", "pe", "Z"):
        for s in ("export_tax", "world_price"):
            assert float(abs(near[name].sel(scenario=s) - taker[name].sel(scenario=s)).max()) \
                < 1e-5 * float(abs(taker[name].sel(scenario=s)).max())


@pytest.mark.parametrize("value", ["0", "-1", "inf"])
def test_a_bad_export_demand_elasticity_is_refused(tmp_path, value):
    path = _experiment(tmp_path, None)
    with open(tmp_path / "el.csv", "a") as f:
        f.write(f'*,BRD,eta_exp,{value},"test"\n')
    with pytest.raises(InputError, match=r"el.csv:\d+.*eta_exp"):
        run_experiment(path)
