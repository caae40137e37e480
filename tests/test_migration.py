"""Migration between regions (issue 19, item 2): a factor whose owners move between the regions
of their country as relative real wages change (``factor_mobility = { lab = "migration" }``,
``migration = { lab = elasticity }``), on the toy two-region economy (``sam/toy2r``).

Expected values: identities of the block recomputed from the solution's levels (the supply
equation, the fixed national labour force, the regional market), and the two limits the
elasticity spans, each against a run of the same scenario: a tiny elasticity is a fixed
regional supply (``sectors``), a huge one moves regional real wages together (both within
1e-3 relative at elasticities 1e-4 and 1e4; the gaps shrink in proportion to the elasticity or
its inverse). Identities hold to 1e-9 (the solver converges to 1e-10 on values of order
1-100).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from toy import NORTH_PRODUCTIVITY, REGIONS, at, real_wage, toy_experiment

from cge.errors import InputError
from cge.experiments import run_experiment

S = "north_productivity"


def _run(folder: Path, el: float | None) -> object:
    mobility = ('factor_mobility = { cap = "specific" }' if el is None else
                f'factor_mobility = {{ cap = "specific", lab = "migration" }}\n'
                f'migration = {{ lab = {el} }}')
    return run_experiment(toy_experiment(folder, "migration", mobility,
                                         NORTH_PRODUCTIVITY)).results


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("fixed"), None)


@pytest.fixture(scope="module")
def moving(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("moving"), 2.0)


def _at(ds, name, scenario=S, **where):
    return at(ds, name, scenario, **where)


def _real_wage(ds, r, scenario=S):
    return real_wage(ds, r, scenario)


def test_workers_move_to_the_region_whose_real_wage_rose(moving):
    ls = {r: _at(moving, "LS", region=r, factor="lab") for r in REGIONS}
    ff = {r: _at(moving, "LS", "benchmark", region=r, factor="lab") for r in REGIONS}
    assert sum(ls.values()) == pytest.approx(sum(ff.values()), rel=1e-9)
    rw = {r: _real_wage(moving, r) for r in REGIONS}
    rwn = _at(moving, "RWN", country="home", factor="lab")
    for r in REGIONS:
        assert ls[r] == pytest.approx(ff[r] * (rw[r] / rwn) ** 2.0, rel=1e-9)
        employed = float(moving["F"].sel(scenario="north_productivity", region=r,
                                         factor="lab").sum())
        assert employed == pytest.approx(ls[r], rel=1e-9)
    winner = max(REGIONS, key=lambda r: rw[r])
    assert ls[winner] > ff[winner]
    assert float(moving["walras_residual"].sel(scenario="north_productivity")) < 1e-8


def test_migration_narrows_the_real_wage_gap(fixed, moving):
    def gap(ds):
        return abs(_real_wage(ds, "NORTH") / _real_wage(ds, "SOUTH") - 1)

    assert gap(moving) < gap(fixed)


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_the_limits_of_the_elasticity(tmp_path, fixed):
    still = _run(tmp_path / "still", 1e-4)
    for name, where in (("pfr", dict(region="NORTH", factor="lab")),
                        ("Z", dict(region="SOUTH", sector="man")),
                        ("EV", dict(region="NORTH", household="hh"))):
        assert _at(still, name, **where) == pytest.approx(_at(fixed, name, **where), rel=1e-3)
    free = _run(tmp_path / "free", 1e4)
    assert _real_wage(free, "NORTH") / _real_wage(free, "SOUTH") == pytest.approx(
        _real_wage(free, "NORTH", "benchmark") / _real_wage(free, "SOUTH", "benchmark"),
        rel=1e-3)


def test_migration_needs_an_elasticity(tmp_path):
    path = toy_experiment(tmp_path, "migration", 'factor_mobility = { lab = "migration" }',
                          NORTH_PRODUCTIVITY)
    with pytest.raises(InputError, match=r"give closure.migration\['lab'\]"):
        run_experiment(path)
