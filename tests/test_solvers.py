"""Tests of the solver layer on small models with known solutions."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest
from pyomo.common.collections import ComponentMap

from cge.experiments import load_experiment
from cge.solvers import (
    SolveError,
    SolverNotAvailable,
    SolveStatus,
    StructureError,
    check_square,
    homotopy,
    max_residual,
    residuals,
    solve,
    symbolic_params,
)

HOUSEHOLDS = ("h1", "h2")
GOODS = ("g1", "g2")
ENDOWMENT = {("h1", "g1"): 10.0, ("h1", "g2"): 2.0, ("h2", "g1"): 3.0, ("h2", "g2"): 8.0}
SHARE = {("h1", "g1"): 0.3, ("h1", "g2"): 0.7, ("h2", "g1"): 0.6, ("h2", "g2"): 0.4}


def exchange_economy() -> pyo.ConcreteModel:
    """Two-household, two-good Cobb-Douglas exchange economy, good 1 the numeraire.

    Household h spends share a[h,g] of income I[h] = sum_g p[g] e[h,g] on
    good g: x[h,g] = a[h,g] I[h] / p[g].  With p[g1] = 1 fixed and the g1
    market dropped (Walras' law), clearing the g2 market gives

        p[g2] = sum_h a[h,g2] e[h,g1] / sum_h a[h,g1] e[h,g2]

    (substitute demands into sum_h x[h,g2] = sum_h e[h,g2] and use
    a[h,g1] = 1 - a[h,g2]).  The start point is deliberately away from it.
    """
    m = pyo.ConcreteModel()
    m.H = pyo.Set(initialize=HOUSEHOLDS)
    m.G = pyo.Set(initialize=GOODS)
    m.e = pyo.Param(m.H, m.G, initialize=ENDOWMENT, mutable=True)
    m.a = pyo.Param(m.H, m.G, initialize=SHARE)
    m.p = pyo.Var(m.G, initialize=1.0, bounds=(1e-8, None))
    m.p["g1"].fix(1.0)
    m.income = pyo.Var(m.H, initialize=10.0, bounds=(1e-8, None))
    m.x = pyo.Var(m.H, m.G, initialize=5.0, bounds=(1e-8, None))
    m.eq_income = pyo.Constraint(
        m.H, rule=lambda m, h: m.income[h] == sum(m.p[g] * m.e[h, g] for g in m.G)
    )
    m.eq_demand = pyo.Constraint(
        m.H, m.G, rule=lambda m, h, g: m.x[h, g] * m.p[g] == m.a[h, g] * m.income[h]
    )
    m.eq_market = pyo.Constraint(
        expr=sum(m.x[h, "g2"] for h in m.H) == sum(m.e[h, "g2"] for h in m.H)
    )
    m.obj = pyo.Objective(expr=0.0)
    return m


def analytic_exchange() -> dict[str, float]:
    p2 = sum(SHARE[h, "g2"] * ENDOWMENT[h, "g1"] for h in HOUSEHOLDS) / sum(
        SHARE[h, "g1"] * ENDOWMENT[h, "g2"] for h in HOUSEHOLDS
    )
    income = {h: ENDOWMENT[h, "g1"] + p2 * ENDOWMENT[h, "g2"] for h in HOUSEHOLDS}
    price = {"g1": 1.0, "g2": p2}
    out = {"p2": p2}
    out.update(
        {f"x[{h},{g}]": SHARE[h, g] * income[h] / price[g] for h in HOUSEHOLDS for g in GOODS}
    )
    return out


def values(m: pyo.ConcreteModel) -> dict[str, float]:
    return {v.name: v.value for v in m.component_data_objects(pyo.Var)}


@pytest.mark.parametrize("solver", ["newton", "ipopt", "auto"])
def test_square_model_matches_analytic_solution(solver):
    m = exchange_economy()
    result = solve(m, solver)
    expected = analytic_exchange()
    assert result.ok and result.status is SolveStatus.OK
    assert m.p["g2"].value == pytest.approx(expected["p2"], abs=1e-9)
    for h in HOUSEHOLDS:
        for g in GOODS:
            assert m.x[h, g].value == pytest.approx(expected[f"x[{h},{g}]"], abs=1e-9)
    assert result.n_equations == result.n_variables == 7
    assert max_residual(m) < 1e-9
    assert result.max_residual < 1e-9
    assert {"translate", "solve"} <= set(result.timings)
    assert list(result.worst.columns) == ["equation", "index", "residual"]
    assert "ok" in result.summary()


@pytest.mark.parametrize("linear_solver", ["umfpack", "superlu", "mumps"])
def test_every_linear_solver_matches_analytic_solution(linear_solver):
    """Each factorisation gives the analytic equilibrium (analytic_exchange) to 1e-9; MUMPS,
    which cannot reuse a factor, factorises at every iteration."""
    m = exchange_economy()
    result = solve(m, "newton", {"linear_solver": linear_solver})
    expected = analytic_exchange()
    assert result.details["linear_solver"] == linear_solver
    assert m.p["g2"].value == pytest.approx(expected["p2"], abs=1e-9)
    assert m.x["h1", "g2"].value == pytest.approx(expected["x[h1,g2]"], abs=1e-9)
    if linear_solver == "mumps":
        assert result.details["factorisations"] == result.iterations


def test_auto_linear_solver_is_mumps_from_large_system(monkeypatch):
    """'auto' factorises with UMFPACK below newton.LARGE_SYSTEM equations, MUMPS from there
    (here lowered to the 7 equations of the exchange economy)."""
    import cge.solvers.newton as newton

    assert solve(exchange_economy(), "newton").details["linear_solver"] == "umfpack"
    monkeypatch.setattr(newton, "LARGE_SYSTEM", 7)
    assert solve(exchange_economy(), "newton").details["linear_solver"] == "mumps"


def test_auto_records_newton_attempt():
    result = solve(exchange_economy(), "auto")
    assert result.solver == "auto/newton"
    assert [a.solver for a in result.attempts] == ["newton"]


def test_warm_start_from_solution_takes_no_iterations():
    m = exchange_economy()
    solve(m, "newton")
    assert solve(m, "newton").iterations == 0


def test_residuals_series():
    m = exchange_economy()
    res = residuals(m)
    assert isinstance(res, pd.Series)
    assert len(res) == 7 and "eq_demand[h1,g2]" in res.index
    # income[h1] = 10 at the start, 1*10 + 1*2 = 12 on the right-hand side
    assert res["eq_income[h1]"] == pytest.approx(-2.0)


def lp_model() -> pyo.ConcreteModel:
    """max 3x + 2y s.t. x + y <= 4, x + 3y <= 6, x, y >= 0 (as a minimisation).

    Vertices (0,0), (4,0), (3,1), (0,2) give 0, 12, 11, 4: the optimum is
    x = 4, y = 0, objective -12.  The dual (min 4u + 6v, u + v >= 3,
    u + 3v >= 2, u, v >= 0) is solved by u = 3, v = 0; in Pyomo's sign
    convention for a minimisation the duals of the <= rows are -3 and 0.
    """
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, None))
    m.y = pyo.Var(bounds=(0, None))
    m.cap1 = pyo.Constraint(expr=m.x + m.y <= 4)
    m.cap2 = pyo.Constraint(expr=m.x + 3 * m.y <= 6)
    m.obj = pyo.Objective(expr=-(3 * m.x + 2 * m.y))
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return m


@pytest.mark.parametrize("options", [None, {"solver": "ipm"}, {"solver": "simplex"}])
def test_highs_lp_optimum_and_duals(options):
    m = lp_model()
    result = solve(m, "highs", options)
    assert result.objective == pytest.approx(-12.0, abs=1e-7)
    assert m.x.value == pytest.approx(4.0, abs=1e-7)
    assert m.y.value == pytest.approx(0.0, abs=1e-7)
    assert result.duals["cap1"] == pytest.approx(-3.0, abs=1e-7)
    assert result.duals["cap2"] == pytest.approx(0.0, abs=1e-7)
    assert m.dual[m.cap1] == pytest.approx(-3.0, abs=1e-7)


def test_auto_sends_lp_to_highs():
    assert solve(lp_model()).solver == "highs"


def test_highs_convex_qp():
    """min (x-1)^2 + (y-2)^2 s.t. x + y <= 1: project (1, 2) on the half-plane.

    The projection is (1, 2) - (3 - 1)/2 (1, 1) = (0, 1), objective 1 + 1 = 2.
    KKT: 2(x - 1) + lambda = 0 gives lambda = 2, i.e. a dual of -2 for the
    <= row in Pyomo's minimisation convention.
    """
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.y = pyo.Var()
    m.half = pyo.Constraint(expr=m.x + m.y <= 1)
    m.obj = pyo.Objective(expr=(m.x - 1) ** 2 + (m.y - 2) ** 2)
    result = solve(m, "highs")
    assert result.objective == pytest.approx(2.0, abs=1e-6)
    assert (m.x.value, m.y.value) == pytest.approx((0.0, 1.0), abs=1e-6)
    assert result.duals["half"] == pytest.approx(-2.0, abs=1e-5)


def test_highs_infeasible_lp_raises():
    m = lp_model()
    m.floor = pyo.Constraint(expr=m.x >= 5)
    with pytest.raises(SolveError) as err:
        solve(m, "highs")
    assert err.value.result.status is SolveStatus.INFEASIBLE


def infeasible_square() -> pyo.ConcreteModel:
    """x^2 + y^2 = -1 has no real solution; x = 2y completes a 2x2 system."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=1.0)
    m.y = pyo.Var(initialize=0.5)
    m.circle = pyo.Constraint(expr=m.x**2 + m.y**2 == -1)
    m.ray = pyo.Constraint(expr=m.x == 2 * m.y)
    return m


@pytest.mark.parametrize("solver", ["newton", "ipopt", "auto"])
def test_infeasible_square_system_raises_and_restores(solver):
    m = infeasible_square()
    before = values(m)
    with pytest.raises(SolveError) as err:
        solve(m, solver)
    assert values(m) == before
    message = str(err.value)
    assert "circle" in message and "largest residuals" in message
    assert not err.value.result.ok
    assert err.value.result.worst.iloc[0]["equation"] == "circle"
    if solver == "auto":
        assert [a.solver for a in err.value.result.attempts] == ["newton", "ipopt"]


def test_failed_solve_keeps_start_values_of_cge_model():
    m = exchange_economy()
    m.e["h1", "g2"] = -50.0  # negative endowment: no positive-price equilibrium
    before = values(m)
    with pytest.raises(SolveError):
        solve(m, "auto")
    assert values(m) == before


def test_extra_free_variable_fails_check_square():
    m = exchange_economy()
    m.transfer = pyo.Var(initialize=0.0)
    m.eq_income["h1"].set_value(
        m.income["h1"] == sum(m.p[g] * m.e["h1", g] for g in m.G) + m.transfer
    )
    with pytest.raises(StructureError) as err:
        check_square(m)
    message = str(err.value)
    assert "7 equations and 8 free variables (1 degree of freedom)" in message
    assert "transfer" in message
    with pytest.raises(StructureError):
        solve(m, "newton")


def test_unfixed_numeraire_is_named():
    m = exchange_economy()
    m.p["g1"].unfix()
    with pytest.raises(StructureError) as err:
        solve(m, "auto")
    assert "1 degree of freedom" in str(err.value) and "p[g1]" in str(err.value)


def test_unused_free_variable_is_reported():
    m = exchange_economy()
    m.forgotten = pyo.Var()
    with pytest.raises(StructureError) as err:
        check_square(m)
    assert "unfixed variables in no active constraint" in str(err.value)
    assert "forgotten" in str(err.value)
    assert check_square(m, allow_unused=True).degrees_of_freedom == 0


def test_structurally_singular_system_is_reported():
    """3 equations, 3 unknowns, but c1 and c2 involve only x1 and c3 must fix x2 and x3."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([1, 2, 3], initialize=1.0)
    m.c1 = pyo.Constraint(expr=m.x[1] == 1)
    m.c2 = pyo.Constraint(expr=m.x[1] ** 2 == 1)
    m.c3 = pyo.Constraint(expr=m.x[1] + m.x[2] + m.x[3] == 0)
    with pytest.raises(StructureError) as err:
        check_square(m)
    message = str(err.value)
    assert "structurally singular" in message
    assert "over-constrained block: equations" in message and "c1" in message and "c2" in message
    assert "x[2]" in message and "x[3]" in message


def test_ipopt_nl_without_executable():
    m = exchange_economy()
    try:
        result = solve(m, "ipopt-nl")
    except SolverNotAvailable as exc:
        assert "casadi" in str(exc) and "ipopt" in str(exc)
    else:
        assert result.ok and m.p["g2"].value == pytest.approx(analytic_exchange()["p2"])


def test_ipopt_respects_bounds_and_objective():
    """min (x - 3)^2 with x <= 2 and x*y = 4: the bound binds, x = 2, y = 2."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0.1, 2.0), initialize=1.0)
    m.y = pyo.Var(initialize=1.0)
    m.c = pyo.Constraint(expr=m.x * m.y == 4)
    m.obj = pyo.Objective(expr=(m.x - 3) ** 2)
    result = solve(m, "ipopt")
    assert result.solver == "ipopt"
    assert m.x.value == pytest.approx(2.0, abs=1e-7)
    assert m.y.value == pytest.approx(2.0, abs=1e-7)
    assert result.objective == pytest.approx(1.0, abs=1e-6)


def test_newton_truncates_steps_at_bounds():
    """log(x) = log(2) from x = 10: the full Newton step x - x (log x - log 2) lands at
    -6.1, outside the domain and below the bound 1e-8; the truncated, damped step
    stays positive and converges to 2."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(1e-8, None), initialize=10.0)
    m.c = pyo.Constraint(expr=pyo.log(m.x) == math.log(2.0))
    assert 10.0 - 10.0 * math.log(10.0 / 2.0) < 0
    solve(m, "newton")
    assert m.x.value == pytest.approx(2.0, abs=1e-9)


def steep_share(scale: float) -> pyo.ConcreteModel:
    """exp(x)/P = s, s = 1: a share equation whose solution is x = ln P.

    From x = 0 with P = 1e12 the Jacobian entry is 1e-12, so the Newton step
    is ~1e12 long while exp overflows beyond x ~ 709 and the residual only
    falls for steps shorter than ~ln(2P): the line search would need a step
    fraction ~3e-11, below Newton's minimum step, and the direct solve fails.
    """
    m = pyo.ConcreteModel()
    m.P = pyo.Param(mutable=True, initialize=scale)
    m.x = pyo.Var(initialize=0.0)
    m.s = pyo.Var(initialize=1.0, bounds=(1e-8, None))
    m.share = pyo.Constraint(expr=pyo.exp(m.x) / m.P == m.s)
    m.unit = pyo.Constraint(expr=m.s == 1)
    return m


def test_homotopy_reaches_target_where_direct_newton_fails():
    target = 1e12
    direct = steep_share(1.0)
    direct.P = target
    with pytest.raises(SolveError):
        solve(direct, "newton")
    assert direct.x.value == 0.0

    m = steep_share(1.0)
    result = homotopy(m, ComponentMap([(m.P, target)]), solver="newton", steps=2)
    assert result.ok
    assert m.x.value == pytest.approx(math.log(target), abs=1e-9)
    assert result.details["path"][-1] == 1.0
    # t = 1/2 (P = 5e11) is as hopeless as the direct solve: it was halved.
    assert len(result.attempts) > len(result.details["path"])


def test_homotopy_with_shock_function_matches_direct_solve():
    m = exchange_economy()
    solve(m, "newton")

    def shock(t: float) -> None:
        m.e["h2", "g2"] = ENDOWMENT["h2", "g2"] * (1 + 2 * t)

    result = solve(m, "newton", homotopy=shock)
    via_path = values(m)
    direct = exchange_economy()
    direct.e["h2", "g2"] = 3 * ENDOWMENT["h2", "g2"]
    solve(direct, "newton")
    assert result.details["path"] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    for name, value in values(direct).items():
        assert via_path[name] == pytest.approx(value, abs=1e-9)


def test_failed_homotopy_restores_params_and_values():
    m = infeasible_square()
    m.k = pyo.Param(mutable=True, initialize=-1.0)
    m.circle.set_value(m.x**2 + m.y**2 == m.k)
    before = values(m)
    with pytest.raises(SolveError):
        homotopy(m, {"k": -2.0}, solver="newton", steps=2, max_halvings=1)
    assert values(m) == before and pyo.value(m.k) == -1.0


def test_unknown_solver_and_option():
    with pytest.raises(ValueError, match="unknown solver"):
        solve(exchange_economy(), "cplex")
    with pytest.raises(ValueError, match="unknown newton options"):
        solve(exchange_economy(), "newton", {"bogus": 1})


def _counting_translations(monkeypatch) -> list:
    import cge.solvers.translate as translate

    calls = []
    original = translate.to_casadi

    def counted(model, **kw):
        calls.append(kw)
        return original(model, **kw)

    monkeypatch.setattr(translate, "to_casadi", counted)
    return calls


def test_translation_reused_across_fixed_vars_and_params(monkeypatch):
    """Fixed Vars, declared Params and a Param alone on a right-hand side are parameters of one
    translation; a numeric Param that changes (here one that was zero, so its term was not
    written) becomes a parameter of a second translation, reused for its later changes; a new
    fix makes another. Each answer is the exact one."""
    calls = _counting_translations(monkeypatch)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=1.0, bounds=(1e-6, None))
    m.y = pyo.Var(initialize=1.0)
    m.z = pyo.Var(initialize=2.0)
    m.z.fix()
    m.a = pyo.Param(initialize=1.0, mutable=True)
    m.b = pyo.Param(initialize=5.0, mutable=True)
    m.c = pyo.Param(initialize=0.0, mutable=True)
    m.c1 = pyo.Constraint(expr=m.a * m.x**2 + m.c * m.a * m.y + m.y == m.b)
    m.c2 = pyo.Constraint(expr=m.x - m.z * m.y == 0)

    def check(a, b, z, c=0.0):  # x = z y and a x^2 + (c a + 1) x / z = b
        k = (c * a + 1) / z
        x = (-k + math.sqrt(k**2 + 4 * a * b)) / (2 * a)
        assert m.x.value == pytest.approx(x, rel=1e-9)
        assert m.y.value == pytest.approx(x / z, rel=1e-9)

    symbolic_params(m, [m.a])
    solve(m, "newton")
    check(1.0, 5.0, 2.0)
    m.z.fix(3.0)  # a fixed Var
    solve(m, "newton")
    check(1.0, 5.0, 3.0)
    m.b = 7.0  # a Param alone on the right-hand side
    solve(m, "newton")
    check(1.0, 7.0, 3.0)
    m.a = 2.0  # a declared Param inside an expression
    solve(m, "newton")
    check(2.0, 7.0, 3.0)
    assert len(calls) == 1
    m.c = 0.5  # a numeric Param: translated again with c a parameter
    solve(m, "newton")
    check(2.0, 7.0, 3.0, c=0.5)
    m.c = 0.25
    solve(m, "newton")
    check(2.0, 7.0, 3.0, c=0.25)
    assert len(calls) == 2
    m.z.unfix()  # the structure changes
    m.y.fix(1.0)
    solve(m, "newton")
    assert m.z.value == pytest.approx(m.x.value, rel=1e-9)
    assert 2.0 * m.x.value**2 + 0.25 * 2.0 + 1.0 == pytest.approx(7.0, rel=1e-9)
    assert len(calls) == 3


def test_params_in_ranged_bounds_translate_again():
    """The bounds of a ranged constraint stay numbers (Pyomo needs them constant): a change of
    a Param in them makes a new translation with the new bound, even when declared."""
    from cge.solvers.translate import translation

    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=1.0)
    m.lo = pyo.Param(initialize=-1.0, mutable=True)
    m.r = pyo.Constraint(expr=pyo.inequality(m.lo, m.x, 2.0))
    symbolic_params(m, [m.lo])
    first = translation(m)
    assert list(first.lbg) == [-1.0] and list(first.ubg) == [2.0]
    assert translation(m) is first
    m.lo = -3.0
    second = translation(m)
    assert second is not first and list(second.lbg) == [-3.0]


def test_gates_translate_once_and_name_the_worst_equation(monkeypatch):
    from cge import examples
    from cge.calibration import calibrate, read_elasticities
    from cge.model import build_model
    from cge.model.gates import check_benchmark

    el = read_elasticities(examples.data_root() / "calibration" / "toy_elasticities.csv")
    m = build_model(calibrate(examples.toy_sam(), el))
    calls = _counting_translations(monkeypatch)
    report = check_benchmark(m)
    assert report.passed and len(calls) == 1
    first = next(iter(m.Z))
    m.Z[first].value *= 1.1
    report = check_benchmark(m, raise_on_failure=False)
    name, measured, _, ok, detail = report.rows[1]
    assert name == "benchmark residual" and not ok and measured > 1e-3
    assert detail.startswith("largest at eq_")


def test_scenarios_and_homotopy_steps_reuse_one_translation(monkeypatch):
    """The toy experiment's gates and its four scenarios translate once (the runner declares
    the shocked Params); homotopy steps on an undeclared Param translate once more, at the
    first step; the solution solves the system with every Param written as a number (the
    translation before Params were parameters) to Newton's tolerance, 1e-10."""
    from cge.experiments import run_experiment
    from cge.experiments.runner import calibrate_experiment
    from cge.model import build_model
    from cge.model.gates import check_benchmark
    from cge.solvers.api import _equality_residual
    from cge.solvers.translate import to_casadi

    toy = Path(__file__).resolve().parents[1] / "experiments" / "toy_interregional.toml"
    calls = _counting_translations(monkeypatch)
    result = run_experiment(toy)
    assert len(result.outcomes) == 4 and not result.failed and len(calls) == 1

    _, cal = calibrate_experiment(load_experiment(toy))
    m = build_model(cal)
    check_benchmark(m)
    b = next(iter(m.b.values()))
    start = b.value
    out = solve(m, "newton", homotopy=ComponentMap([(b, 1.5 * start)]))
    # the toy run's one; this model's gates, and its first step, which made b a parameter
    assert len(out.details["path"]) >= 2 and len(calls) == 3
    folded = to_casadi(m)  # Params and fixed Vars as numbers
    assert float(abs(_equality_residual(folded, folded.values())).max()) <= 1e-10


def _rosenbrock_system() -> pyo.ConcreteModel:
    """F(x) = (10 (x2 - x1^2), 1 - x1) = 0 from (-1.2, 1): the root is (1, 1). The full Newton
    step from the start lands at (1, -3.84), where ||F|| is ten times larger (48.4 against
    4.92), and the next full step is exact; a step that must reduce ||F|| follows the curved
    valley in short steps."""
    m = pyo.ConcreteModel()
    m.x1 = pyo.Var(initialize=-1.2)
    m.x2 = pyo.Var(initialize=1.0)
    m.valley = pyo.Constraint(expr=10.0 * (m.x2 - m.x1**2) == 0)
    m.line = pyo.Constraint(expr=1.0 - m.x1 == 0)
    return m


def test_watchdog_takes_full_steps_that_pay_off_later():
    # The relaxed first step raises ||F|| tenfold; the second is exact (see _rosenbrock_system)
    m = _rosenbrock_system()
    result = solve(m, "newton")
    assert result.iterations == 2
    assert pyo.value(m.x1) == pytest.approx(1.0, abs=1e-12)
    assert pyo.value(m.x2) == pytest.approx(1.0, abs=1e-12)
    # the monotone line search alone reaches the same root in more, shorter steps
    m = _rosenbrock_system()
    monotone = solve(m, "newton", {"watchdog": 0})
    assert monotone.iterations > 2
    assert pyo.value(m.x2) == pytest.approx(1.0, abs=1e-12)


def test_watchdog_returns_to_its_anchor_when_full_steps_do_not_pay_off():
    # F(x) = atan(x) from x0 = 3: full Newton steps diverge (|x| grows every step), so after the
    # watchdog's relaxed steps the method goes back to x0 and damps its steps to the root 0.
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=3.0)
    m.eq = pyo.Constraint(expr=pyo.atan(m.x) == 0)
    result = solve(m, "newton")
    assert result.ok
    assert pyo.value(m.x) == pytest.approx(0.0, abs=1e-10)
    assert result.iterations > 5  # five relaxed steps were taken and undone
