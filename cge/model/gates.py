"""Correctness gates every model must pass before its results mean anything.

:func:`check_benchmark` runs, in order:

1. **square**: zero degrees of freedom and no structurally singular block
   (:func:`cge.solvers.quick_check_square`: the answer of :func:`cge.solvers.check_square`,
   from the translated Jacobian pattern, so it stays fast for 100,000+ equations; for a model
   with complementarity pairs, :func:`cge.solvers.mcp.mcp_structure`);
2. **benchmark residual**: the largest equation residual at the calibrated point is below
   ``tol`` (1e-8), evaluated with the translation the structural check made (the equation is
   named);
3. **replication**: a solve started away from the benchmark (every free variable moved by 1 %)
   returns to the benchmark, i.e. the SAM, to ``tol`` relative;
4. **Walras' law**: the market left out of the system clears at that solution;
5. **homogeneity**: doubling the numeraire doubles every price and nominal value and leaves every
   quantity (real value) unchanged. The solve starts at that predicted point, so a homogeneous
   model costs one residual evaluation (the solver stops there) instead of a Newton solve; a
   model that is not homogeneous is solved from there and its solution's gap to the point fails
   the gate.

The model is left at the benchmark with the original numeraire. The gates change only the
start point and the numeraire, a fixed variable, which the translation of the model treats as a
parameter: structure, residual and both solves share one translation and one Jacobian
(:func:`cge.solvers.translate.translation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from cge.errors import CGEError
from cge.model.walras import walras_residual
from cge.solvers import quick_check_square, solve
from cge.solvers.api import equation_residuals
from cge.solvers.mcp import has_complementarity, mcp_structure

NOMINAL_UNITS = {"price", "value", "domestic per foreign currency"}


class GateError(CGEError):
    """A model failed a correctness gate."""

    def __init__(self, report: GateReport):
        self.report = report
        super().__init__("benchmark gates failed:\n" + report.summary())


@dataclass
class GateReport:
    """Outcome of each gate: a measured number, the tolerance and pass/fail."""

    n_equations: int = 0
    walras_residual: float = float("nan")  # at the replicated benchmark
    rows: list[tuple[str, float, float, bool, str]] = field(default_factory=list)

    def add(self, name: str, measured: float, tol: float, detail: str = "") -> None:
        self.rows.append((name, float(measured), float(tol), bool(measured <= tol), detail))

    @property
    def passed(self) -> bool:
        return all(ok for *_, ok, _ in self.rows)

    def summary(self) -> str:
        lines = [f"{'gate':<22}{'measured':>12}{'tolerance':>12}  result"]
        for name, measured, tol, ok, detail in self.rows:
            lines.append(f"{name:<22}{measured:>12.3e}{tol:>12.1e}  {'pass' if ok else 'FAIL'}"
                         + (f"  ({detail})" if detail else ""))
        return "\n".join(lines)


def _free_vars(m: pyo.ConcreteModel) -> list:
    return [v for v in m.component_data_objects(pyo.Var, active=True) if not v.fixed]


def _snapshot(m: pyo.ConcreteModel) -> ComponentMap:
    return ComponentMap((v, v.value) for v in m.component_data_objects(pyo.Var))


def _restore(snap: ComponentMap) -> None:
    for v, val in snap.items():
        v.set_value(val, skip_validation=True)


def set_numeraire(m: pyo.ConcreteModel, level: float) -> None:
    """Fix the numeraire (a variable, or the CPI equation's level) at ``level``.

    A fixed exchange rate is a second nominal anchor and moves with the numeraire (as does the
    inert exchange rate of a closed economy).
    """
    from cge.model.closures import fix_numeraire

    m.numeraire_level = level
    fix_numeraire(m, level)
    if m.cal.config.closure.foreign == "fixed_exchange_rate" or not m.cal.has_rest_of_world:
        # a fixed exchange rate is a nominal anchor too; in a closed economy it is inert
        m.epsilon[m.C[0]].fix(level)


def _homogeneous_point(m: pyo.ConcreteModel, bench: ComponentMap) -> ComponentMap:
    """The model's variables at the benchmark with the numeraire doubled, if prices are
    homogeneous of degree zero: nominal values (:data:`NOMINAL_UNITS`) doubled, quantities as
    they were."""
    point = ComponentMap()
    for sym in m.symbols.values():
        if sym.kind == "variable":
            factor = 2.0 if sym.unit in NOMINAL_UNITS else 1.0
            for v in getattr(m, sym.name).values():
                point[v] = factor * bench[v]
    return point


def _relative_gap(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(b))


def check_benchmark(m: pyo.ConcreteModel, *, tol: float = 1e-8, solver: str = "auto",
                    raise_on_failure: bool = True) -> GateReport:
    """Run the five gates on a freshly built model (see module docstring)."""
    report = GateReport()
    # a model with complementarity pairs is square as an MCP (each inequality paired with its
    # variable), not as a system of equalities
    structure = mcp_structure(m) if has_complementarity(m) else quick_check_square(m)
    report.n_equations = structure.n_equations
    report.add("degrees of freedom", abs(structure.degrees_of_freedom), 0,
               f"{structure.n_equations} equations")
    values, constraints = equation_residuals(m)
    if values.size:
        magnitude = np.abs(values)  # NaN (undefined) is the largest and fails the gate
        i = int(np.argmax(np.where(np.isnan(magnitude), np.inf, magnitude)))
        report.add("benchmark residual", magnitude[i], tol, f"largest at {constraints[i].name}")
    else:
        report.add("benchmark residual", 0.0, tol)

    bench = _snapshot(m)
    for v in _free_vars(m):
        v.set_value(v.value * 1.01 if v.value else 0.01, skip_validation=True)
    solve(m, solver=solver)
    worst, name = 0.0, ""
    for v, val in bench.items():
        gap = _relative_gap(v.value, val)
        if gap > worst:
            worst, name = gap, v.name
    report.add("solve returns SAM", worst, tol, f"largest at {name}" if name else "")
    residual, _ = walras_residual(m)
    report.walras_residual = residual
    report.add("Walras' law", residual, tol, ", ".join(m.walras_names))

    level = pyo.value(m.numeraire_level)
    set_numeraire(m, 2.0 * level)
    try:
        # The solve starts where homogeneity puts the solution: the benchmark with nominal
        # values doubled. A homogeneous model's residual is zero there, and the solver stops at
        # its first evaluation instead of factorising the Jacobian (half a minute and gigabytes
        # at 85 regions); otherwise it moves to the solution, and the gap below shows by how much.
        expected = _homogeneous_point(m, bench)
        for v, value in expected.items():
            if not v.fixed:
                v.set_value(value, skip_validation=True)
        solve(m, solver=solver)
        worst, name = 0.0, ""
        for v, value in expected.items():
            gap = _relative_gap(v.value, value)
            if gap > worst:
                worst, name = gap, v.name
        report.add("homogeneity", worst, tol, f"largest at {name}" if name else "")
    finally:
        set_numeraire(m, level)
        _restore(bench)
    if raise_on_failure and not report.passed:
        raise GateError(report)
    return report
