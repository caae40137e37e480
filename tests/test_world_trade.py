"""Trade with the rest of the world by activities (cge.model.world_trade), activities that shut
down (on_off_activities) and an import quota binding at the benchmark: Markusen's small open
economy with an auction quota, M44, reproduced from data through experiments/markusen_m44.toml.

Expected values: the PATH 5.0.03 solutions printed in julia-mpsge/MPSGE.jl
examples/Markusen_Examples/Chapter_04/M44.ipynb (commit ff9113f6; the model is M44.gms in the
same folder; sam/markusen_m44/SOURCES.md): the benchmark, printed after a solve with no
iteration (every level and price exactly 1, CONS 200, Q 0.2: checked to 1e-9), and free trade
("fix(Q, 0)", the quota removed), printed to six significant digits (checked to half a unit in
the last digit), with the price of welfare PW = 1. Names: activity levels are relative to the
benchmark (X1 = output of good 1 / 150, E2 = exports of good 2 / 60, M2 = imports of good 2 /
their benchmark 50 at world prices, W = utility / its benchmark); prices are divided by the
price of utility relative to its benchmark (PW); Q is the quota rent rate; "margin" is MPSGE's
loss of an idle activity at its benchmark scale (X2: 40 units of good 2 at unit cost less
price). Independently of the publication: the two MCP routes agree to 1e-8.
"""

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.calibration import calibrate
from cge.errors import InputError
from cge.experiments import run_experiment
from cge.experiments.runner import experiment_inputs
from cge.experiments.spec import load_experiment
from cge.model import build_model
from cge.solvers import solve
from cge.solvers.mcp import regimes

ROOT = Path(__file__).resolve().parents[1]
M44 = ROOT / "experiments" / "markusen_m44.toml"
LEVELS = ("X1", "X2", "W", "M2", "PL", "P1", "PK", "P2", "CONS", "M1", "E2", "E1", "PFX")

# M44.ipynb: the benchmark table (value column; margins of the idle activities M1, E2)
BENCHMARK = {**dict.fromkeys(LEVELS, 1.0), "CONS": 200.0, "M1": 0.0, "E2": 0.0, "Q": 0.2}
BENCHMARK_MARGINS = {"M1": 0.5, "E2": 10.5}
# M44.ipynb, counterfactual "fix(Q, 0)": value column, and margins of X2, M1, E2
FREE_TRADE = {"X1": 1.26327, "X2": 0.0, "W": 1.03788, "M2": 1.89491, "PL": 1.1532,
              "P1": 1.09545, "PK": 0.988461, "P2": 0.912871, "CONS": 207.577, "M1": 0.0,
              "E2": 0.0, "E1": 1.89491, "PFX": 1.09545, "Q": 0.0}
FREE_TRADE_MARGINS = {"X2": 6.19155, "M1": 0.547723, "E2": 0.547723}


def _half_unit(value: float) -> float:
    """Half a unit in the last of the 6 significant digits printed (at least 1e-9)."""
    if value == 0:
        return 1e-9
    return 0.5 * 10.0 ** (np.floor(np.log10(abs(value))) - 5)


def _m44(level, base_uu: float, base_pu: float) -> dict[str, float]:
    """M44's names from a solution (``level(name, *index)`` reads a value), prices divided by
    the price of welfare PW (the price of utility relative to its benchmark)."""
    pw = level("pU", "SOE", "CONS") / base_pu
    return {
        "X1": level("Z", "SOE", "1") / 150, "X2": level("Z", "SOE", "2") / 40,
        "E1": level("E", "SOE", "1") / 50, "E2": level("E", "SOE", "2") / 60,
        "M1": level("M", "SOE", "1") / 50, "M2": level("M", "SOE", "2") / 50,
        "W": level("UU", "SOE", "CONS") / base_uu,
        "P1": level("pq", "SOE", "1") / pw, "P2": level("pq", "SOE", "2") / pw,
        "PL": level("pf", "SOE", "LAB", "1") / pw, "PK": level("pf", "SOE", "CAP", "1") / pw,
        "PFX": level("epsilon", "home") / pw, "CONS": level("YH", "SOE", "CONS") / pw,
        "Q": level("rq", "SOE", "2"),
    }


def _from_results(ds, scenario: str) -> dict[str, float]:
    d, base = ds.sel(scenario=scenario), ds.sel(scenario="benchmark")
    dims = {"Z": ("region", "sector"), "E": ("region", "sector"),
            "M": ("region", "commodity"), "pq": ("region", "commodity"),
            "rq": ("region", "commodity"), "UU": ("region", "household"),
            "pU": ("region", "household"), "YH": ("region", "household"),
            "pf": ("region", "factor", "sector"), "epsilon": ("country",)}

    def level(name, *index, d=d):
        return float(d[name].sel(dict(zip(dims[name], index, strict=True))))

    def at_base(name):
        return level(name, "SOE", "CONS", d=base)

    return _m44(level, at_base("UU"), at_base("pU"))


@pytest.mark.slow  # over 10 s here; runs in the CI stage for slow tests
def test_m44_reproduces_the_published_solutions():
    ds = run_experiment(M44).results
    assert list(ds["status"].values) == ["benchmark", "ok"]
    assert np.all(np.abs(ds["walras_residual"].values) <= 1e-8)
    # free trade: the quota stops binding and X2 shuts down
    assert list(ds["switched"].values) == [
        "", "eq_import_quota[SOE,'2'] ⟂ rq[SOE,'2']; eq_zero_profit[SOE,'2'] ⟂ Z[SOE,'2']"]
    ours = _from_results(ds, "benchmark")
    for name, value in BENCHMARK.items():
        assert ours[name] == pytest.approx(value, abs=1e-9), ("benchmark", name)
    ours = _from_results(ds, "free_trade")
    for name, value in FREE_TRADE.items():
        assert ours[name] == pytest.approx(value, abs=_half_unit(value)), ("free_trade", name)


def _model() -> pyo.ConcreteModel:
    exp = load_experiment(M44)
    sam, el, margins = experiment_inputs(exp)
    return build_model(calibrate(sam, el, config=exp.config, trade_margins=margins))


def _slack(row) -> float:
    body = pyo.value(row.body)
    return body - pyo.value(row.lower) if row.has_lb() else pyo.value(row.upper) - body


def _margins(m, pw: float) -> dict[str, float]:
    """MPSGE's margins (loss at the benchmark scale, in units of PW) of X2, M1, E2."""
    return {"X2": 40 * _slack(m.eq_zero_profit["SOE", "2"]) / pw,
            "M1": 50 * _slack(m.eq_import_activity["SOE", "1"]) / pw,
            "E2": 60 * _slack(m.eq_export_activity["SOE", "2"]) / pw}


def _values(m) -> dict[str, float]:
    return {v.name: v.value for v in m.component_data_objects(pyo.Var)}


def test_m44_benchmark_margins_and_both_routes_agree_under_free_trade():
    m = _model()
    base_uu, base_pu = m.UU["SOE", "CONS"].value, m.pU["SOE", "CONS"].value
    for name, value in _margins(m, 1.0).items():
        if name in BENCHMARK_MARGINS:
            assert value == pytest.approx(BENCHMARK_MARGINS[name], abs=1e-9), name
    idle = ["eq_export_activity[SOE,'2'] ⟂ E[SOE,'2']",
            "eq_import_activity[SOE,'1'] ⟂ M[SOE,'1']"]
    assert regimes(m) == idle  # the quota binds, both sectors produce
    solutions = {}
    for route in ("mcp", "mcp-ipopt"):
        m = _model()
        m.qm["SOE", "2"] = 1000.0  # free trade: the quota far above any import
        result = solve(m, route)
        assert result.max_residual <= 1e-9
        assert regimes(m) == ["eq_zero_profit[SOE,'2'] ⟂ Z[SOE,'2']", *idle,
                              "eq_import_quota[SOE,'2'] ⟂ rq[SOE,'2']"]

        def level(name, *index, m=m):
            return getattr(m, name)[index if len(index) > 1 else index[0]].value

        ours = _m44(level, base_uu, base_pu)
        for name, value in FREE_TRADE.items():
            assert ours[name] == pytest.approx(value, abs=_half_unit(value)), (route, name)
        pw = m.pU["SOE", "CONS"].value / base_pu
        for name, value in _margins(m, pw).items():
            assert value == pytest.approx(FREE_TRADE_MARGINS[name],
                                          abs=_half_unit(FREE_TRADE_MARGINS[name])), name
        solutions[route] = _values(m)
    for name, value in solutions["mcp"].items():
        assert value == pytest.approx(solutions["mcp-ipopt"][name], abs=1e-8), name


def test_world_trade_refuses_a_benchmark_that_is_not_an_equilibrium():
    from dataclasses import replace

    exp = load_experiment(M44)
    sam, el, margins = experiment_inputs(exp)

    def build(**changes):
        return build_model(calibrate(sam, el, config=replace(exp.config, **changes),
                                     trade_margins=margins))

    with pytest.raises(InputError, match="would be profitable at the benchmark"):
        build(world_prices={"SOE:2": {"export": 1.05}, "SOE:1": {"import": 1.01}})
    with pytest.raises(InputError, match="imports would be re-exported"):
        build(world_prices={"SOE:2": {"export": 0.825}, "SOE:1": {"import": 0.99}})
    with pytest.raises(InputError, match="which no region produces"):
        build(world_trade_activities=("1", "2", "3"))
    with pytest.raises(InputError, match="on_off_activities names"):
        build(on_off_activities=("3",))
    quota = {"SOE:2": {"level": 1.0, "recipient": "government", "rent_account": "QRENT"}}
    with pytest.raises(InputError, match="for recipient 'households' only"):
        build(import_quotas=quota)


def test_productivity_index_keeps_the_pairs_of_activities_that_shut_down():
    """The dynamics rewrite the production equations with b -> b A (cge.dynamics.closure):
    the zero-profit pair of an activity that may shut down moves to the rewritten equation,
    and free trade still shuts X2 down with the published levels."""
    from cge.dynamics.closure import add_productivity_index

    m = _model()
    base_uu, base_pu = m.UU["SOE", "CONS"].value, m.pU["SOE", "CONS"].value
    add_productivity_index(m)
    assert m.complements["eq_dyn_zero_profit"] == "Z" and "eq_zero_profit" not in m.complements
    m.qm["SOE", "2"] = 1000.0
    result = solve(m, "mcp")
    assert "eq_dyn_zero_profit[SOE,'2'] ⟂ Z[SOE,'2']" in result.details["switched"]

    def level(name, *index):
        return getattr(m, name)[index if len(index) > 1 else index[0]].value

    ours = _m44(level, base_uu, base_pu)
    for name in ("X1", "X2", "W", "M2", "P2"):
        assert ours[name] == pytest.approx(FREE_TRADE[name], abs=_half_unit(FREE_TRADE[name]))


@pytest.mark.parametrize("options, message", [
    ({"world_prices": {"SOE:2": {"export": -1.0}}}, "world_prices = .* must be a table of route"),
    ({"world_prices": {"SOE:2": {"exports": 0.8}}}, "world_prices = .* must be a table of route"),
    ({"on_off_activities": "1"}, "on_off_activities = '1' must be a list of strings"),
    ({"import_quotas": {"SOE:2": {"level": 1.2, "recipient": "households",
                                  "rent_account": "QRENT"}}}, "and 1 with a rent_account"),
    ({"import_quotas": {"SOE:2": {"level": 1, "recipient": "households", "rent": "Q"}}},
     "give level"),
])
def test_world_trade_options_are_checked(options, message):
    from cge.config import config_from_dict

    with pytest.raises(InputError, match=message):
        config_from_dict(options)
