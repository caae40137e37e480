"""Mixed complementarity problems: declaration, the semismooth Newton solver (``mcp``) and the
Ipopt route (``mcp-ipopt``) on published problems, each solution checked against its source
and the two routes against each other.

Sources of the expected values:

* Kojima-Shindo and Josephy NCPs: MCPLIB (Dirkse and Ferris 1995, Optim. Methods Softw. 5,
  319-345), models kojshin and josephy; Kojima and Shindo (1986, J. Oper. Res. Soc. Japan 29,
  352-374) give the two solutions (sqrt(6)/2, 0, 0, 1/2), degenerate (x3 = F3 = 0), and
  (1, 0, 3, 0); Josephy's problem has the single solution (sqrt(6)/2, 0, 0, 1/2).
* Markusen's M44, a small open economy with an auction quota: the GAMS/MPSGE model
  examples/Markusen_Examples/Chapter_04/M44.gms and the PATH 5.0.03 solutions printed in
  examples/Markusen_Examples/Chapter_04/M44.ipynb (repository julia-mpsge/MPSGE.jl, commit
  ff9113f6b04c60f036f38bb79b7b01d17634c711): at the benchmark the quota binds with rent
  Q = 0.2 and the trade activities E2, M1 are inactive; under free trade (Q fixed at 0) good 2
  is no longer produced (X2 = 0, margin 6.19155), printed to six digits.
"""

import math

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.docs import determines_cell
from cge.mcp_examples import (
    JOSEPHY,
    KOJIMA_SHINDO,
    m44_free_trade_closed_form,
    markusen_m44,
    ncp4,
)
from cge.model.symbols import equation, var
from cge.solvers import SolveError, StructureError, solve

ROUTES = ("mcp", "mcp-ipopt")
AGREE = 1e-8  # the two routes' solutions, component by component
X_DEGENERATE = (math.sqrt(6) / 2, 0.0, 0.0, 0.5)


def _x(m) -> np.ndarray:
    return np.array([pyo.value(m.x[i]) for i in range(1, 5)])


@pytest.mark.parametrize("problem, start, expected", [
    (JOSEPHY, (1, 1, 1, 1), X_DEGENERATE),
    (JOSEPHY, (0, 0, 0, 0), X_DEGENERATE),
    (KOJIMA_SHINDO, (1, 0.5, 2, 0.5), (1.0, 0.0, 3.0, 0.0)),
    (KOJIMA_SHINDO, (0, 0, 0, 0), X_DEGENERATE),
], ids=["josephy-ones", "josephy-zeros", "kojshin-ones", "kojshin-zeros"])
def test_ncp_from_mcplib(problem, start, expected):
    solutions = {}
    for route in ROUTES:
        m = ncp4(problem, start)
        result = solve(m, route)
        assert result.max_residual <= 1e-9
        solutions[route] = _x(m)
        np.testing.assert_allclose(solutions[route], expected, atol=1e-9)
    np.testing.assert_allclose(solutions["mcp"], solutions["mcp-ipopt"], atol=AGREE)


def test_auto_chooses_the_mcp_solver_and_reports_regimes():
    m = ncp4(JOSEPHY, (1, 1, 1, 1))
    result = solve(m)  # "auto": the model declares pairs
    assert result.solver == "mcp"
    # at (sqrt(6)/2, 0, 0, 1/2) x2 and x3 are at their bound, F1 and F4 bind
    assert result.details["at_bound"] == ["F[2] ⟂ x[2]", "F[3] ⟂ x[3]"]
    assert result.details["switched"] == ["F[1] ⟂ x[1]", "F[4] ⟂ x[4]"]


def _m44_values(m) -> dict[str, float]:
    return {name: pyo.value(getattr(m, name)) for name in m44_free_trade_closed_form()}


def test_m44_benchmark_quota_binds_from_a_perturbed_start():
    # Printed benchmark: every level and price 1, CONS 200, Q 0.2, E2 = M1 = 0 (margins 10.5
    # and 0.5); the perturbed start has the quota slack and every trade activity running.
    for route in ROUTES:
        m = markusen_m44({"Q": 0.0, "M2": 0.5, "X2": 1.3, "E2": 0.2, "M1": 0.3, "PL": 1.2})
        solve(m, route)
        got = _m44_values(m)
        for name in ("X1", "X2", "E1", "M2", "W", "P1", "P2", "PFX", "PL", "PK"):
            assert got[name] == pytest.approx(1.0, abs=1e-9), (route, name)
        assert got["E2"] == pytest.approx(0.0, abs=1e-9) and got["M1"] == pytest.approx(0, abs=1e-9)
        assert pyo.value(m.Q) == pytest.approx(0.2, abs=1e-9)
        assert got["CONS"] == pytest.approx(200.0, abs=1e-7)
        assert abs(pyo.value(m.prf_E2.body)) == pytest.approx(10.5, abs=1e-7)
        assert abs(pyo.value(m.prf_M1.body)) == pytest.approx(0.5, abs=1e-7)


# M44.ipynb, counterfactual "fix(Q, 0)": value column (six significant digits)
M44_FREE_TRADE_PRINTED = {
    "X1": 1.26327, "X2": 0.0, "W": 1.03788, "M2": 1.89491, "PL": 1.1532, "P1": 1.09545,
    "PK": 0.988461, "P2": 0.912871, "CONS": 207.577, "M1": 0.0, "E2": 0.0, "E1": 1.89491,
    "PFX": 1.09545,
}


def test_m44_free_trade_shuts_down_the_import_competing_sector():
    solutions = {}
    for route in ROUTES:
        m = markusen_m44()
        m.Q.fix(0.0)  # the counterfactual: the quota's pair is dropped, as in GAMS
        result = solve(m, route)
        got = solutions[route] = _m44_values(m)
        for name, printed in M44_FREE_TRADE_PRINTED.items():
            assert got[name] == pytest.approx(printed, rel=5e-6, abs=1e-9), (route, name)
        for name, exact in m44_free_trade_closed_form().items():
            assert got[name] == pytest.approx(exact, rel=1e-10, abs=1e-9), (route, name)
        # printed margins of the inactive activities
        assert abs(pyo.value(m.prf_X2.body)) == pytest.approx(6.19155, rel=5e-6)
        assert abs(pyo.value(m.prf_M1.body)) == pytest.approx(0.547723, rel=5e-6)
        assert abs(pyo.value(m.prf_E2.body)) == pytest.approx(0.547723, rel=5e-6)
        # Walras' law: the numeraire's market, dropped from the problem, clears
        assert pyo.value(200 * m.W - m.CONS / m.PW) == pytest.approx(0.0, abs=1e-8)
        assert "prf_X2 ⟂ X2" in result.details["at_bound"]
        assert result.details["switched"] == ["prf_X2 ⟂ X2"]
    for name in M44_FREE_TRADE_PRINTED:
        assert solutions["mcp"][name] == pytest.approx(solutions["mcp-ipopt"][name], abs=AGREE)


def test_tighter_quota_both_routes_agree():
    # No published numbers: the quota at half the benchmark imports still binds, its rent rises
    solutions = {}
    for route in ROUTES:
        m = markusen_m44()
        m.del_component(m.quota)
        m.quota = pyo.Constraint(expr=0.5 >= m.M2)
        result = solve(m, route)
        solutions[route] = (_m44_values(m), pyo.value(m.Q))
        assert pyo.value(m.M2) == pytest.approx(0.5, abs=1e-9)
        assert pyo.value(m.Q) > 0.2
        assert result.max_residual <= 1e-9
    assert solutions["mcp"][1] == pytest.approx(solutions["mcp-ipopt"][1], abs=AGREE)
    for name, value in solutions["mcp"][0].items():
        assert value == pytest.approx(solutions["mcp-ipopt"][0][name], abs=AGREE), name


def test_a_problem_without_solution_fails_naming_the_pair():
    # 0 <= x ⟂ -1 - x >= 0 has no solution (F < 0 for every x >= 0)
    m = pyo.ConcreteModel()
    var(m, "x", None, [], block="t", unit="1", doc="x", latex="x", init=1.0, lower=0.0)
    equation(m, "never", None, [], lambda m: -1 - m.x >= 0, block="t", determines="x",
             doc="never holds", latex="-1 - x \\ge 0", complementary=True)
    with pytest.raises(SolveError) as err:
        solve(m, "mcp")
    assert "never" in str(err.value)
    assert pyo.value(m.x) == 1.0  # the model keeps its start


def test_declaration_errors():
    m = pyo.ConcreteModel()
    var(m, "p", ["a"], ["i"], block="t", unit="1", doc="p", latex="p")
    m.p["a"].setub(2.0)
    with pytest.raises(ValueError, match="finite lower bound and no upper bound"):
        equation(m, "e", ["a"], ["i"], lambda m, i: m.p[i] >= 1, block="t", determines="p",
                 doc="e", latex="e", complementary=True)
    with pytest.raises(ValueError, match="has no element"):
        equation(m, "e", ["b"], ["i"], lambda m, i: m.p["a"] >= 1, block="t", determines="p",
                 doc="e", latex="e", complementary=True)


def test_an_undeclared_inequality_is_refused():
    m = ncp4(JOSEPHY, (1, 1, 1, 1))
    m.extra = pyo.Constraint(expr=m.x[1] <= 5)
    with pytest.raises(StructureError, match="extra"):
        solve(m, "mcp")


def test_square_system_through_the_mcp_solver_matches_newton():
    def build():
        m = pyo.ConcreteModel()
        m.x = pyo.Var([1, 2], initialize=1.0, bounds=(1e-10, None))
        m.a = pyo.Constraint(expr=m.x[1] ** 2 + m.x[2] == 5)
        m.b = pyo.Constraint(expr=m.x[1] * m.x[2] == 2)
        return m
    solutions = []
    for route in ("newton", "mcp"):
        m = build()
        solve(m, route)
        solutions.append([pyo.value(m.x[1]), pyo.value(m.x[2])])
    np.testing.assert_allclose(solutions[0], solutions[1], atol=1e-12)


def test_docs_show_pairs_with_the_perp_sign():
    m = ncp4(JOSEPHY, (1, 1, 1, 1))
    assert determines_cell(m.symbols["F"]) == "⟂ `x`"
    assert m.complements == {"F": "x"}
