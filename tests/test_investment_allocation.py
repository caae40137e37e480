"""Investment allocated by rates of return (issue 19, item 2): with
``closure.investment_allocation = { factor = "cap", elasticity = e }`` each region's share of
its country's savings pool follows its return on capital relative to the country's, on the toy
two-region economy (``sam/toy2r``, capital mobile between sectors).

Expected values: identities of the block recomputed from the solution's levels (the shares
keep their benchmark sum; each share is its benchmark share times the relative return to the
power e, the return being the rental over the price of investment goods), the direction (the
region whose return rose gets more), and the fixed-share limit (elasticity 1e-4 against
fixed shares, within 1e-3 relative). Identities hold to 1e-9 (the solver converges to 1e-10
on values of order 1-100).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from toy import NORTH_PRODUCTIVITY, REGIONS, at, toy_experiment

from cge.errors import InputError
from cge.experiments import run_experiment

S = "north_productivity"


def _run(folder: Path, el: float | None) -> object:
    alloc = "" if el is None else (
        f'investment_allocation = {{ factor = "cap", elasticity = {el} }}')
    return run_experiment(toy_experiment(folder, "investment", alloc,
                                         NORTH_PRODUCTIVITY)).results


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("fixed"), None)


@pytest.fixture(scope="module")
def following(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("following"), 2.0)


def _at(ds, name, scenario=S, **where):
    return at(ds, name, scenario, **where)


def _return(ds, r, scenario="north_productivity"):
    """Rental of capital over the price of investment goods (benchmark investment weights)."""
    xv0 = ds["Xv"].sel(scenario="benchmark", region=r)
    weights = xv0 / xv0.sum()
    price = float((weights * ds["pq"].sel(scenario=scenario, region=r)).sum())
    return _at(ds, "pfr", scenario, region=r, factor="cap") / price


def test_shares_follow_relative_returns(following):
    kv = {r: _at(following, "kv", region=r) for r in REGIONS}
    kappa = {r: _at(following, "kv", "benchmark", region=r) for r in REGIONS}
    assert sum(kv.values()) == pytest.approx(sum(kappa.values()), rel=1e-9)
    rorn = _at(following, "RORN", country="home")
    for r in REGIONS:
        assert kv[r] == pytest.approx(kappa[r] * (_return(following, r) / rorn) ** 2.0,
                                      rel=1e-9)
    better = max(REGIONS, key=lambda r: _return(following, r) / _return(following, r,
                                                                          "benchmark"))
    assert kv[better] > kappa[better]
    s = "north_productivity"
    assert float(following["walras_residual"].sel(scenario=s)) < 1e-8
    for r in REGIONS:
        assert _at(following, "GRP_real", s, region=r) == pytest.approx(
            _at(following, "GRP_real_expenditure", s, region=r), rel=1e-9)


def test_investment_moves_towards_returns(fixed, following):
    s = "north_productivity"
    better = max(REGIONS, key=lambda r: _return(following, r) / _return(following, r,
                                                                          "benchmark"))
    spent = {name: float(ds["Xv"].sel(scenario=s, region=better).sum())
             for name, ds in (("fixed", fixed), ("following", following))}
    assert spent["following"] > spent["fixed"]


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_tiny_elasticity_is_fixed_shares(tmp_path, fixed):
    still = _run(tmp_path / "still", 1e-4)
    for name, where in (("Xv", dict(region="NORTH", commodity="man")),
                        ("EV", dict(region="SOUTH", household="hh"))):
        assert _at(still, name, **where) == pytest.approx(_at(fixed, name, **where), rel=1e-3)


def test_allocation_is_checked(tmp_path):
    path = toy_experiment(tmp_path, "investment", 'investment_allocation = { factor = "gold", '
                          'elasticity = 2.0 }', NORTH_PRODUCTIVITY)
    with pytest.raises(InputError, match="names factor 'gold', which is not in the SAM"):
        run_experiment(path)
