"""Interregional optimisation: duals, complementary slackness, MIP portfolio, infeasibility."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
import xarray as xr
from pyomo.repn import generate_standard_repn

from cge import plan
from cge.errors import InputError
from cge.examples import data_root, toy_sam


@pytest.fixture(scope="module")
def toy():
    return plan.from_sam(toy_sam(), headroom=0.05)


@pytest.fixture(scope="module")
def toy_result(toy):
    return plan.solve_plan(toy)


def test_benchmark_is_feasible_with_one_set(toy):
    # Without headroom the benchmark is a plan with z = 1 and nothing better fits the
    # capacities exactly, except what trade reallocation gains: z >= 1.
    result = plan.solve_plan(replace(toy, capacity=toy.capacity / 1.05, min_sets=1.0))
    assert result.sets >= 1.0 - 1e-9


def test_complementary_slackness(toy_result):
    """Every row: dual x slack = 0; every column: reduced cost x distance to a bound = 0,
    computed from the LP's coefficients (not from the solver) and the reported duals."""
    m = toy_result.model
    duals = toy_result.solve.duals
    scale = toy_result.output["plan"].abs().max()
    rc = {}
    for con in m.component_data_objects(pyo.Constraint, active=True):
        y = duals[con.name]
        body = pyo.value(con.body)
        slack = min(abs(body - pyo.value(con.lower)) if con.has_lb() else np.inf,
                    abs(pyo.value(con.upper) - body) if con.has_ub() else np.inf)
        assert abs(y) * slack <= 1e-7 * scale, con.name
        repn = generate_standard_repn(con.body)
        for v, a in zip(repn.linear_vars, repn.linear_coefs, strict=True):
            rc[v.name] = rc.get(v.name, 0.0) - a * y
    obj = generate_standard_repn(m.objective.expr)
    for v, c in zip(obj.linear_vars, obj.linear_coefs, strict=True):
        rc[v.name] = rc.get(v.name, 0.0) + c
    for v in m.component_data_objects(pyo.Var):
        r = rc.get(v.name, 0.0)
        lb = v.lb if v.lb is not None else -np.inf
        ub = v.ub if v.ub is not None else np.inf
        gap = min(v.value - lb, ub - v.value)
        assert abs(r) * gap <= 1e-7 * scale, v.name
        # dual feasibility for a maximisation: no variable off its bounds could still gain
        if v.value - lb > 1e-9 * scale and ub - v.value > 1e-9 * scale:
            assert abs(r) <= 1e-7, v.name


def test_shadow_price_is_the_marginal_value(toy, toy_result):
    # One more unit of NORTH ser available (one less fixed demand) raises the objective, the
    # value of consumption z * sum(c), by the shadow price (finite difference, LP is piecewise
    # linear so a small step is exact).
    k = ("NORTH", "ser")
    eps = 0.01
    other = toy.other_demand.copy()
    other[k] -= eps
    more = plan.solve_plan(replace(toy, other_demand=other))
    gain = (more.sets - toy_result.sets) * toy.consumption.sum() / eps
    assert gain == pytest.approx(toy_result.shadow_prices[k], rel=1e-6)
    # prices value one set at its benchmark value (dual constraint of z)
    assert (toy_result.shadow_prices * toy.consumption).sum() == pytest.approx(
        toy.consumption.sum(), rel=1e-9)


def _two_goods(capacity_a: float, capacity_b: float) -> plan.PlanData:
    """One region, goods a and b, no intermediate inputs, no trade, labour not binding; a set
    is one unit of each good, so z = min(capacity_a, capacity_b)."""
    idx = pd.MultiIndex.from_tuples([("R", "a"), ("R", "b")], names=["region", "sector"])
    zero = pd.Series(0.0, index=idx)
    margin = pd.Series(0.0, index=pd.MultiIndex.from_tuples(
        [("R", "R", "a"), ("R", "R", "b")], names=["origin", "destination", "sector"]))
    return plan.PlanData(
        regions=["R"], sectors=["a", "b"], A=pd.DataFrame(0.0, index=idx, columns=idx),
        consumption=pd.Series(1.0, index=idx), other_demand=zero,
        capacity=pd.Series([capacity_a, capacity_b], index=idx), labour_coef=zero,
        labour=pd.Series({"R": 1.0}), imports_max=zero, exports_max=zero,
        foreign_deficit=0.0, margin=margin)


def test_mip_picks_the_best_portfolio():
    """Capacities a = 10, b = 5, budget 10. By hand, z = min(a, b) for each affordable
    portfolio: {b+4 (cost 10)} -> 9; {b+3, b+3 (cost 5 + 5)} -> min(10, 11) = 10;
    {b+3, a+10 (cost 5 + 1)} -> 8; {a+10} -> 5. The best is the two small b projects."""
    projects = [
        plan.Project("big_b", "R", "b", capacity=4.0, cost=10.0),
        plan.Project("small_b_1", "R", "b", capacity=3.0, cost=5.0),
        plan.Project("small_b_2", "R", "b", capacity=3.0, cost=5.0),
        plan.Project("cheap_a", "R", "a", capacity=10.0, cost=1.0),
    ]
    data = replace(_two_goods(10.0, 5.0), projects=projects, investment_budget=10.0)
    assert plan.solve_plan(replace(data, projects=[])).sets == pytest.approx(5.0)
    result = plan.solve_plan(data)
    built = set(result.projects.loc[result.projects["built"], "name"])
    assert built == {"small_b_1", "small_b_2"}
    assert result.sets == pytest.approx(10.0)
    # with the portfolio built, a binds: its shadow price carries the whole set value (2 per
    # set of two goods: sum p c = sum c), b's capacity is slack and b is free
    assert result.shadow_prices[("R", "a")] == pytest.approx(2.0)
    assert result.shadow_prices[("R", "b")] == pytest.approx(0.0, abs=1e-9)


def test_infeasible_plan_names_the_balance(toy):
    # Government wants 1000 of SOUTH agr: far beyond capacity (87 x 1.05), imports (0) and
    # what NORTH can ship; the phase-1 LP finds the balance that cannot be met.
    other = toy.other_demand.copy()
    other[("SOUTH", "agr")] += 1000.0
    with pytest.raises(plan.PlanInfeasible) as err:
        plan.solve_plan(replace(toy, other_demand=other))
    v = err.value.violations
    assert v.iloc[0]["constraint"] == "balance[SOUTH,agr]"
    assert "balance[SOUTH,agr]: supply short of use" in str(err.value)
    assert (v["slack"] > 0).all()


def test_infeasible_min_sets(toy):
    with pytest.raises(plan.PlanInfeasible, match="min_sets"):
        plan.solve_plan(replace(toy, min_sets=2.0, labour=toy.labour * 100))


def test_margins_file(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("origin,destination,commodity,value\nNORTH,SOUTH,*,0.1\nNORTH,SOUTH,man,0.3\n"
                 "SOUTH,EAST,agr,0.1\n")
    with pytest.raises(InputError, match=r"m.csv:4.*'EAST'"):
        plan.read_margins(f, ["NORTH", "SOUTH"], ["agr", "man"])
    f.write_text("origin,destination,commodity,value\nNORTH,SOUTH,*,0.1\nNORTH,SOUTH,man,0.3\n")
    m = plan.read_margins(f, ["NORTH", "SOUTH"], ["agr", "man"])
    assert m[("NORTH", "SOUTH", "agr")] == 0.1 and m[("NORTH", "SOUTH", "man")] == 0.3
    assert m[("SOUTH", "NORTH", "agr")] == 0.0


@pytest.fixture(scope="module")
def vologda():
    return plan.read_plan(data_root() / "experiments" / "vologda_plan.toml")


def test_vologda_plan_runs(vologda):
    result = plan.solve_plan(vologda.data)
    # the 2021 benchmark is feasible with one set; the plan does at least as well
    assert result.sets >= 1.0
    assert result.projects["built"].any()
    chosen = result.projects[result.projects["built"]]
    assert chosen["cost"].sum() <= vologda.data.investment_budget
    assert result.shadow_prices.notna().all()


def test_vologda_forecast_and_cge_comparison(vologda):
    projects = vologda.data.projects
    fc = plan.forecast(vologda.data, vologda.table, projects, [2024, 2030])
    out = fc.output
    # IO balance: each project sector grows by the projects' capacity online
    for p in projects:
        assert out.loc[(2030, p.region, p.sector), "io_delta"] >= p.capacity - 1e-6
    assert out.loc[(2024, "VOL", "chem"), "io_delta"] < 22400.0  # ammonia not yet online
    assert {"io_delta", "plan_delta"} <= set(fc.supplies.columns)
    # A CGE results Dataset as `cge run` writes it: scenario x region x sector.
    regions, sectors = vologda.table.regions, vologda.table.sectors
    z = np.ones((2, len(regions), len(sectors)))
    z[1] *= 1.02
    ds = xr.Dataset({"Z": (("scenario", "region", "sector"), z)},
                    coords={"scenario": ["benchmark", "projects"], "region": regions,
                            "sector": sectors})
    table = plan.compare_with_cge(out, ds)
    assert list(table.columns) == ["io_pct", "plan_pct", "cge_pct:projects"]
    np.testing.assert_allclose(table["cge_pct:projects"], 2.0)
    with pytest.raises(InputError, match="reference scenario"):
        plan.compare_with_cge(out, ds, reference="base")


def test_plan_file_errors(tmp_path):
    root = data_root()
    f = tmp_path / "bad.toml"
    f.write_text(f'sam = "{(root / "sam" / "toy2r").as_posix()}"\n[parameters]\nheadrom = 0.1\n')
    with pytest.raises(InputError, match=r"bad.toml:3.*unknown parameter 'headrom'"):
        plan.read_plan(f)
    f.write_text(f'sam = "{(root / "sam" / "toy2r").as_posix()}"\n\n[[project]]\n'
                 'name = "p1"\nregion = "EAST"\nsector = "man"\ncapacity = 1.0\ncost = 2.0\n')
    with pytest.raises(InputError, match=r"bad.toml:4.*'p1': unknown region 'EAST'"):
        plan.read_plan(f)


def test_shipments_headroom_bounds_deliveries(toy):
    data = replace(toy, shipments_headroom=0.0)
    result = plan.solve_plan(data)
    ships = result.shipments
    cross = ships[ships.index.get_level_values(0) != ships.index.get_level_values(1)]
    assert (cross <= toy.shipments.reindex(cross.index) + 1e-9).all()


def test_read_plan_relative_paths_resolve_from_file(vologda):
    assert Path(vologda.path).name == "vologda_plan.toml"
    assert isinstance(vologda.data.margin, pd.Series) and vologda.data.margin.max() > 0
