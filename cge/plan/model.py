r"""Interregional optimisation model (Kantorovich; Granberg's OMMM), LP or MIP on HiGHS.

Choose production :math:`X_{rj}`, deliveries :math:`T_{odj}` from region o to region d,
imports :math:`M_{rj}`, exports :math:`E_{rj}`, continuous capacity expansion
:math:`K_{rj}` and binary project decisions :math:`w_p` to maximise the number of sets
:math:`z` of final consumption of fixed structure :math:`c`:

.. math::

    \max z \quad\text{s.t.}\quad
    X_{oj} &= \sum_d (1+\tau_{odj})\,T_{odj} + E_{oj}
        && \text{distribution}[o,j] \\
    \sum_o T_{odj} + M_{dj} &\ge \sum_{r,i} a_{(d,j),(r,i)} X_{ri} + z\,c_{dj} + g_{dj}
        && \text{balance}[d,j] \\
    X_{rj} &\le \bar X_{rj} + K_{rj} + \sum_{p \to (r,j)} \kappa_p w_p
        && \text{capacity}[r,j] \\
    \sum_j l_{rj} X_{rj} &\le \bar L_r && \text{labour}[r] \\
    \sum_{rj} k\,K_{rj} + \sum_p \text{cost}_p w_p &\le I && \text{investment} \\
    \sum_{rj} M_{rj} - \sum_{rj} E_{rj} &\le D && \text{foreign} \\
    z &\ge z_{\min} && \text{min\_sets}

with :math:`0 \le M \le \bar M`, :math:`0 \le E \le \bar E` (and optionally
:math:`T_{odj} \le \bar T_{odj}` for o != d); committed projects have :math:`w_p = 1`.

The objective is scaled by the benchmark value of one set, :math:`z \sum c`, so the duals
:math:`p_{dj}` of ``balance`` (``shadow_prices``: consumption value gained per extra unit of
commodity j available in region d) are Kantorovich's objectively determined valuations in SAM
units. By LP duality the dual constraint of z reads :math:`\sum_{dj} p_{dj} c_{dj} = \sum c`
when z exceeds its minimum: at these prices one set costs its benchmark value (p = 1: valued
like the average consumption good).

An infeasible plan is explained by a phase-1 LP: every balance and resource limit gets a
nonnegative slack (the distribution identity does not: a slack there would conjure goods) and
the total slack is minimised; the constraints left with positive slack are named in
:class:`PlanInfeasible`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
import pyomo.environ as pyo

from cge.errors import CGEError
from cge.plan.data import PlanData
from cge.solvers import SolveError, SolveResult, SolveStatus, solve

#: Constraint blocks in the order they are reported.
BLOCKS = ("distribution", "balance", "capacity", "labour", "investment", "foreign", "min_sets")


class PlanInfeasible(CGEError):
    """No plan meets every constraint; ``violations`` lists the cheapest repair (phase 1)."""

    def __init__(self, violations: pd.DataFrame, units: str = ""):
        self.violations = violations
        lines = [f"  {row.constraint}: {row.description} by {row.slack:,.6g} {units}".rstrip()
                 for row in violations.itertuples()]
        super().__init__("the plan is infeasible; the smallest total violation (phase-1 LP "
                         "with slacks) needs:\n" + "\n".join(lines))


@dataclass
class PlanResult:
    """A solved plan: the optimum, the quantities by label and the shadow prices (LP)."""

    sets: float
    output: pd.DataFrame
    shipments: pd.Series
    trade: pd.DataFrame
    projects: pd.DataFrame
    shadow_prices: pd.Series | None
    duals: pd.Series | None
    solve: SolveResult
    model: pyo.ConcreteModel


_DESCRIPTION = {
    "balance": "supply short of use",
    "capacity": "production above capacity",
    "labour": "labour use above the labour resource",
    "investment": "capital outlays above the investment budget",
    "foreign": "imports above exports plus the allowed deficit",
    "min_sets": "consumption below the required number of sets",
}


def build_model(data: PlanData) -> pyo.ConcreteModel:
    """The Pyomo model of the module docstring (maximise the number of sets)."""
    return _build(data, phase1=False)[0]


def _build(data: PlanData, phase1: bool) -> tuple[pyo.ConcreteModel, list]:
    """The model and, with ``phase1``, its slacks (block, index, var), whose sum is
    minimised instead of maximising the sets."""
    m = pyo.ConcreteModel(name="plan_phase1" if phase1 else "plan")
    R, J = data.regions, data.sectors
    RJ = [(r, j) for r in R for j in J]
    m.RJ = pyo.Set(initialize=RJ, dimen=2, ordered=True)
    m.ODJ = pyo.Set(initialize=[(o, d, j) for o in R for d in R for j in J], dimen=3,
                    ordered=True)
    m.R = pyo.Set(initialize=R, ordered=True)
    candidates = [p for p in data.projects if p.status == "candidate"]
    committed = [p for p in data.projects if p.status == "committed"]
    m.P = pyo.Set(initialize=[p.name for p in candidates], ordered=True)
    expandable = ([k for k in RJ if data.capacity[k] > 0] if data.capital_output is not None
                  else [])
    m.KX = pyo.Set(initialize=expandable, dimen=2, ordered=True)

    m.X = pyo.Var(m.RJ, within=pyo.NonNegativeReals)
    def ship_bounds(m, o, d, j):
        if o == d or data.shipments_headroom is None or data.shipments is None:
            return (0.0, None)
        return (0.0, float(data.shipments[(o, d, j)]) * (1 + data.shipments_headroom))

    m.T = pyo.Var(m.ODJ, bounds=ship_bounds)
    m.M = pyo.Var(m.RJ, bounds=lambda m, r, j: (0.0, float(data.imports_max[(r, j)])))
    m.E = pyo.Var(m.RJ, bounds=lambda m, r, j: (0.0, float(data.exports_max[(r, j)])))
    m.K = pyo.Var(m.KX, within=pyo.NonNegativeReals)
    m.w = pyo.Var(m.P, within=pyo.Binary)
    m.z = pyo.Var(within=pyo.NonNegativeReals)

    slacks: list = []

    def slack(block: str, idx):
        """A phase-1 slack helping the constraint (0 outside phase 1)."""
        if not phase1:
            return 0.0
        v = pyo.Var(within=pyo.NonNegativeReals)
        m.add_component(f"s_{block}_{len(slacks)}", v)
        slacks.append((block, idx, v))
        return v

    project_capacity = {k: 0.0 for k in RJ}
    for p in committed:
        project_capacity[(p.region, p.sector)] += p.capacity

    def distribution(m, o, j):
        shipped = sum((1 + float(data.margin[(o, d, j)])) * m.T[o, d, j] for d in R)
        return m.X[o, j] == shipped + m.E[o, j]

    def balance(m, d, j):
        a = data.A.loc[(d, j)]
        use = sum(float(a[k]) * m.X[k] for k in RJ if a[k] != 0)
        supply = sum(m.T[o, d, j] for o in R) + m.M[d, j]
        return supply + slack("balance", (d, j)) >= use + m.z * float(data.consumption[(d, j)]) \
            + float(data.other_demand[(d, j)])

    def capacity(m, r, j):
        extra = sum(p.capacity * m.w[p.name] for p in candidates
                    if (p.region, p.sector) == (r, j))
        if (r, j) in expandable:
            extra += m.K[r, j]
        return m.X[r, j] - slack("capacity", (r, j)) <= float(data.capacity[(r, j)]) \
            + project_capacity[(r, j)] + extra

    def labour(m, r):
        return sum(float(data.labour_coef[(r, j)]) * m.X[r, j] for j in J) \
            - slack("labour", r) <= float(data.labour[r])

    m.distribution = pyo.Constraint(m.RJ, rule=distribution)
    m.balance = pyo.Constraint(m.RJ, rule=balance)
    m.capacity = pyo.Constraint(m.RJ, rule=capacity)
    m.labour = pyo.Constraint(m.R, rule=labour)
    outlays = sum(p.cost for p in committed) + sum(p.cost * m.w[p.name] for p in candidates)
    if expandable:
        outlays += data.capital_output * sum(m.K[k] for k in expandable)
    if candidates or expandable or (phase1 and committed):
        m.investment = pyo.Constraint(
            expr=outlays - slack("investment", None) <= data.investment_budget)
    elif outlays > data.investment_budget:
        # Only committed projects: the budget is a constant comparison, no constraint.
        raise PlanInfeasible(pd.DataFrame(
            [("investment", _DESCRIPTION["investment"], outlays - data.investment_budget)],
            columns=["constraint", "description", "slack"]), data.units)
    m.foreign = pyo.Constraint(expr=sum(m.M[k] for k in RJ) - sum(m.E[k] for k in RJ)
                               - slack("foreign", None) <= data.foreign_deficit)
    m.min_sets = pyo.Constraint(expr=m.z + slack("min_sets", None) >= data.min_sets)
    if phase1:
        m.objective = pyo.Objective(expr=sum(v for *_, v in slacks), sense=pyo.minimize)
    else:
        # Scaled by the value of one set: with z alone the duals are ~1e-8 in a SAM of
        # 1e7-sized flows, below HiGHS's dual tolerance, and it stops at suboptimal vertices.
        m.objective = pyo.Objective(expr=m.z * float(data.consumption.sum()),
                                    sense=pyo.maximize)
    return m, slacks


def _diagnose(data: PlanData, options: dict) -> PlanInfeasible:
    m, slacks = _build(data, phase1=True)
    solve(m, solver="highs", options=options)
    rows = []
    tol = 1e-7 * max(1.0, float(data.capacity.abs().max()))
    for block, idx, v in slacks:
        value = pyo.value(v)
        if value > tol:
            label = "" if idx is None else (f"[{idx}]" if isinstance(idx, str)
                                            else f"[{','.join(map(str, idx))}]")
            rows.append((f"{block}{label}", _DESCRIPTION[block], value))
    table = pd.DataFrame(rows, columns=["constraint", "description", "slack"])
    return PlanInfeasible(table.sort_values("slack", ascending=False, ignore_index=True),
                          data.units)


def _solve(model, options) -> SolveResult:
    return solve(model, solver="highs", options=options)


def _duals(model: pyo.ConcreteModel, result: SolveResult) -> pd.Series:
    """Duals by (block, index label), with Pyomo's sign convention (d objective / d rhs)."""
    out = {}
    for block in BLOCKS:
        comp = model.component(block)
        if comp is None:
            continue
        for idx in comp:
            name = comp[idx].name
            label = "" if idx is None else (idx if isinstance(idx, str) else ",".join(idx))
            out[(block, label)] = float(result.duals.get(name, 0.0))
    return pd.Series(out, name="dual").rename_axis(["constraint", "index"])


def solve_plan(data: PlanData, options: dict | None = None) -> PlanResult:
    r"""Solve the plan (a MIP when there are candidate projects) and report it.

    For a MIP the chosen portfolio is then fixed and the LP re-solved, so shadow prices are
    those of the plan with that portfolio; ``PlanResult.model`` is that LP, holding the
    solution the duals belong to. LP optima are seldom unique (plans jump between vertices
    when data change a little), so the quantities reported are those of the optimal plan
    closest to the benchmark: a second LP holds z at its optimum and minimises
    :math:`\sum_{rj} |X_{rj} - x^0_{rj}| / x^0_{rj}`. Raises :class:`PlanInfeasible` naming
    the violated balances when no plan exists, :class:`cge.solvers.SolveError` on other
    failures.
    """
    options = dict(options or {})
    model = build_model(data)
    try:
        result = _solve(model, options)
    except SolveError as exc:
        if exc.result.status is SolveStatus.INFEASIBLE:
            raise _diagnose(data, options) from exc
        raise
    built = {p.name for p in data.projects
             if p.status == "committed" or round(pyo.value(model.w[p.name]))}
    if len(model.P):
        # HiGHS returns no duals for a MIP: re-solve the LP with the chosen portfolio built.
        portfolio = [replace(p, status="committed") for p in data.projects if p.name in built]
        model = build_model(replace(data, projects=portfolio))
        result = _solve(model, options)
    duals = _duals(model, result)
    # A dual is d objective / d bound of the constraint as Pyomo stores it (body <= upper or
    # body >= lower, whichever side the constants landed on), so one more unit of supply is
    # worth +dual in the first form and -dual in the second.
    gain = pd.Series({",".join(k): (1.0 if model.balance[k].has_ub() else -1.0)
                      * duals[("balance", ",".join(k))] for k in model.RJ})
    shadow = gain.rename("shadow_price")
    shadow.index = pd.MultiIndex.from_tuples(list(model.RJ), names=["region", "sector"])
    chosen = _closest_to_benchmark(model, data, pyo.value(model.z), options)
    return _report(data, chosen, model, result, duals, shadow, built)


def _closest_to_benchmark(model: pyo.ConcreteModel, data: PlanData, z: float,
                          options: dict) -> pyo.ConcreteModel:
    """A copy of the solved LP that keeps z optimal and moves output least from benchmark."""
    m = model.clone()
    m.objective.deactivate()
    # Relative tolerance on z: the second LP must not lose sets to rounding in the first.
    m.z.setlb(z * (1 - 1e-9))
    x0 = data.benchmark["output"] if data.benchmark is not None else data.capacity
    weight = {k: 1.0 / float(x0[k]) for k in m.RJ if x0[k] > 0}
    m.dev = pyo.Var(list(weight), within=pyo.NonNegativeReals)
    m.dev_up = pyo.Constraint(list(weight), rule=lambda m, r, j: m.dev[r, j]
                              >= m.X[r, j] - float(x0[(r, j)]))
    m.dev_down = pyo.Constraint(list(weight), rule=lambda m, r, j: m.dev[r, j]
                                >= float(x0[(r, j)]) - m.X[r, j])
    m.closest = pyo.Objective(expr=sum(w * m.dev[k] for k, w in weight.items()),
                              sense=pyo.minimize)
    _solve(m, options)
    return m


def _report(data, model, lp, result, duals, shadow, built) -> PlanResult:
    rj = list(model.RJ)
    idx = pd.MultiIndex.from_tuples(rj, names=["region", "sector"])
    X = pd.Series([pyo.value(model.X[k]) for k in rj], index=idx)
    added = {k: pyo.value(model.K[k]) for k in model.KX}
    for p in data.projects:
        if p.name in built:
            added[(p.region, p.sector)] = added.get((p.region, p.sector), 0.0) + p.capacity
    cap = data.capacity.reindex(idx) + pd.Series(added, dtype=float).reindex(idx, fill_value=0.0)
    bench = data.benchmark["output"] if data.benchmark is not None else X * float("nan")
    output = pd.DataFrame({"benchmark": bench.reindex(idx), "plan": X, "capacity": cap})
    output["change_pct"] = (output["plan"] / output["benchmark"] - 1) * 100
    ships = pd.Series({k: pyo.value(model.T[k]) for k in model.ODJ}, name="delivered")
    ships.index = ships.index.set_names(["origin", "destination", "sector"])
    trade = pd.DataFrame({"imports": [pyo.value(model.M[k]) for k in rj],
                          "exports": [pyo.value(model.E[k]) for k in rj],
                          "shadow_price": shadow.reindex(idx).to_numpy()}, index=idx)
    rows = []
    for p in data.projects:
        rows.append((p.name, p.region, p.sector, p.capacity, p.cost, p.year, p.status,
                     p.name in built))
    projects = pd.DataFrame(rows, columns=["name", "region", "sector", "capacity", "cost", "year",
                                           "status", "built"])
    return PlanResult(float(pyo.value(lp.z)), output, ships, trade, projects, shadow, duals,
                      result, lp)


__all__ = ["BLOCKS", "PlanInfeasible", "PlanResult", "build_model", "solve_plan"]
