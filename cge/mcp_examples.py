"""Small published complementarity problems, declared with ``equation(..., complementary=True)``.

Examples of declaring pairs; ``tests/test_mcp.py`` and ``benchmarks/mcp.py`` solve them.
"""

import math

import pyomo.environ as pyo

from cge.model.symbols import equation, var

# F of the four-variable NCPs, as printed in MCPLIB (Dirkse and Ferris 1995, "MCPLIB: a
# collection of nonlinear mixed complementarity problems", Optim. Methods Softw. 5, 319-345),
# models kojshin and josephy; they differ in the coefficients of F2 and F3.
KOJIMA_SHINDO = {
    1: lambda x: 3 * x[1] ** 2 + 2 * x[1] * x[2] + 2 * x[2] ** 2 + x[3] + 3 * x[4] - 6,
    2: lambda x: 2 * x[1] ** 2 + x[1] + x[2] ** 2 + 10 * x[3] + 2 * x[4] - 2,
    3: lambda x: 3 * x[1] ** 2 + x[1] * x[2] + 2 * x[2] ** 2 + 2 * x[3] + 9 * x[4] - 9,
    4: lambda x: x[1] ** 2 + 3 * x[2] ** 2 + 2 * x[3] + 3 * x[4] - 3,
}
JOSEPHY = {
    **KOJIMA_SHINDO,
    2: lambda x: 2 * x[1] ** 2 + x[1] + x[2] ** 2 + 3 * x[3] + 2 * x[4] - 2,
    3: lambda x: 3 * x[1] ** 2 + x[1] * x[2] + 2 * x[2] ** 2 + 2 * x[3] + 3 * x[4] - 1,
}


def ncp4(functions: dict, start: tuple[float, ...]) -> pyo.ConcreteModel:
    """0 <= x_i ⟂ F_i(x) >= 0, i = 1..4, from ``start``."""
    m = pyo.ConcreteModel()
    idx = [1, 2, 3, 4]
    var(m, "x", idx, ["i"], block="ncp", unit="1", doc="unknown", latex="x_i",
        init=dict(zip(idx, start, strict=True)), lower=0.0)
    equation(m, "F", idx, ["i"], lambda m, i: functions[i](m.x) >= 0, block="ncp",
             determines="x", doc="F_i(x) >= 0", latex="F_i(x) \\ge 0", complementary=True)
    return m


# Markusen's M44 (small open economy with an auction quota on imports of good 2), from
# julia-mpsge/MPSGE.jl examples/Markusen_Examples/Chapter_04/M44.gms: world prices
PE1, PM1 = 1.0, 1.01
PM2 = 1 / 1.2
PE2 = PM2 * 0.99


def markusen_m44(start: dict[str, float] | None = None) -> pyo.ConcreteModel:
    """M44 as an MCP in MPSGE's scale: each zero-profit condition in value per benchmark
    activity, so that its slack is the "margin" MPSGE prints. Benchmark: every level and price
    1, the quota (imports of good 2 at most 1) binding with rent Q = 0.2, E2 = M1 = 0."""
    m = pyo.ConcreteModel()
    levels = {"X1": 1, "X2": 1, "E1": 1, "E2": 0, "M1": 0, "M2": 1, "W": 1, "P1": 1, "P2": 1,
              "PFX": 1, "PW": 1, "PL": 1, "PK": 1, "CONS": 200, "Q": 0.2, **(start or {})}
    for name, value in levels.items():
        var(m, name, None, [], block="m44", unit="1", doc=name, latex=name, init=value,
            lower=0.0)
    m.PW.fix(1.0)  # numeraire: its market is dropped (Walras' law)

    def c1(m):
        return m.PL ** (2 / 3) * m.PK ** (1 / 3)

    def c2(m):
        return m.PL ** 0.5 * m.PK ** 0.5

    def cw(m):
        return m.P1 ** 0.5 * m.P2 ** 0.5

    def pair(name, var_name, rule):
        equation(m, name, None, [], lambda m: rule(m), block="m44", determines=var_name,
                 doc=name, latex=name, complementary=True)

    pair("prf_X1", "X1", lambda m: 150 * c1(m) >= 150 * m.P1)
    pair("prf_X2", "X2", lambda m: 40 * c2(m) >= 40 * m.P2)
    pair("prf_E1", "E1", lambda m: 50 * m.P1 >= 50 * PE1 * m.PFX)
    pair("prf_E2", "E2", lambda m: 60 * m.P2 >= 60 * PE2 * m.PFX)
    pair("prf_M1", "M1", lambda m: 50 * PM1 * m.PFX >= 50 * m.P1)
    pair("prf_M2", "M2", lambda m: 60 * PM2 * m.PFX * (1 + m.Q) >= 60 * m.P2)
    pair("prf_W", "W", lambda m: 200 * cw(m) >= 200 * m.PW)
    pair("mkt_P1", "P1", lambda m: 150 * m.X1 + 50 * m.M1 >= 50 * m.E1 + 100 * m.W * cw(m) / m.P1)
    pair("mkt_P2", "P2", lambda m: 40 * m.X2 + 60 * m.M2 >= 60 * m.E2 + 100 * m.W * cw(m) / m.P2)
    pair("mkt_PFX", "PFX",
         lambda m: 50 * PE1 * m.E1 + 60 * PE2 * m.E2 >= 50 * PM1 * m.M1 + 60 * PM2 * m.M2)
    pair("mkt_PW", "PW", lambda m: 200 * m.W >= m.CONS / m.PW)
    pair("mkt_PL", "PL", lambda m: 120 >= (100 * m.X1 * c1(m) + 20 * m.X2 * c2(m)) / m.PL)
    pair("mkt_PK", "PK", lambda m: 70 >= (50 * m.X1 * c1(m) + 20 * m.X2 * c2(m)) / m.PK)
    equation(m, "income", None, [],
             lambda m: m.CONS == 120 * m.PL + 70 * m.PK + m.Q * 60 * PM2 * m.PFX * m.M2,
             block="m44", determines="CONS", doc="income", latex="CONS")
    pair("quota", "Q", lambda m: 1 >= m.M2)
    return m


def m44_free_trade_closed_form() -> dict[str, float]:
    """The free-trade solution of M44 (Q fixed at 0) in closed form: good 2 is imported and not
    produced, so P2 = PM2 PFX, P1 = PE1 PFX and PW = sqrt(P1 P2) = 1 fix the exchange rate; X1
    employs all labour and capital (PK / PL = 6 / 7 from their demands) at zero profit."""
    pfx = math.sqrt(1.2)
    pl = pfx / (6 / 7) ** (1 / 3)
    x1 = 120 * pl / (100 * pfx)
    cons = 120 * pl + 70 * (6 / 7) * pl
    w = cons / 200
    e1 = (150 * x1 - 100 * w / pfx) / 50  # good 1 not consumed is exported
    m2 = 50 * PE1 * e1 / (60 * PM2)  # trade balance at world prices
    return {"X1": x1, "X2": 0.0, "W": w, "PL": pl, "PK": 6 / 7 * pl, "P1": pfx,
            "P2": pfx / 1.2, "PFX": pfx, "CONS": cons, "M2": m2, "E1": e1, "E2": 0.0,
            "M1": 0.0}
