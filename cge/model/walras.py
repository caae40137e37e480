r"""Walras' law on every solution: the market left out of the system must clear.

The closure leaves one market per country out of the square system (``m.walras_names``); it
clears by Walras' law only when every payment in the model has a recipient. A flow that leaves
the circular flow (the revenue of a tax nobody receives, savings that no investment spends)
breaks the law without making the system singular, so the solver converges to a point that
looks like an equilibrium but is not one: the dropped market is out of balance by exactly the
lost flow. That is why the dropped equations are evaluated after *every* solve (benchmark
gates, scenarios, dynamic years, sensitivity and sweep runs), not only at the benchmark.

Tolerance. The dropped market's residual is the price-weighted sum of the residuals of all the
other equations (that is Walras' identity), so it grows with the size of the system and of the
economy. A violation is declared when

.. math:: \max_k |r_k| > \max\big(10^{-8},\ 10^{-9} \textstyle\sum_{ri} p^z_{ri} Z_{ri}\big)

at the benchmark gross output of the model: a billionth of gross output is far below any flow
an economist would read, and far above what a converged Newton solve (``tol = 1e-10`` per
equation) leaves, even with 10^5 equations.
"""

from __future__ import annotations

import math

import pyomo.environ as pyo

from cge.solvers.result import SolverError

#: Absolute floor of the tolerance (model value units): the benchmark gate's tolerance.
WALRAS_ATOL = 1e-8
#: Tolerance relative to benchmark gross output.
WALRAS_RTOL = 1e-9


class WalrasViolation(SolverError):
    """A solution at which the market left out by Walras' law does not clear."""

    def __init__(self, where: str, residual: float, equation: str, tol: float):
        self.residual, self.equation, self.tol = residual, equation, tol
        super().__init__(
            f"{where}: Walras' law fails: the market left out of the system ({equation}) is out "
            f"of balance by {residual:.6g} (tolerance {tol:.1e}). Some flow has no recipient "
            "(e.g. the revenue of a tax in a region whose government neither spends nor saves "
            "it, or savings that no investment spends): the solver's point is not an "
            "equilibrium.")


def walras_tolerance(m: pyo.ConcreteModel) -> float:
    """The tolerance of the model's Walras check (see module docstring); set at build time."""
    return float(m.walras_tol)


def benchmark_tolerance(m: pyo.ConcreteModel) -> float:
    """Tolerance from the model's benchmark gross output; call on the freshly built model."""
    gross = sum(pyo.value(m.pz[k]) * pyo.value(m.Z[k]) for k in m.RS)
    return max(WALRAS_ATOL, WALRAS_RTOL * abs(gross))


def walras_residual(m: pyo.ConcreteModel) -> tuple[float, str]:
    """Largest |body - rhs| of the equations left out by Walras' law, and which one.

    NaN (with the equation's name) when a dropped equation cannot be evaluated at the current
    point.
    """
    worst, name = 0.0, ""
    for eq_name in m.walras_names:
        eq = m.find_component(eq_name)
        try:
            r = abs(pyo.value(eq.body) - pyo.value(eq.upper))
        except (ValueError, ZeroDivisionError, OverflowError):
            return math.nan, eq_name
        if not r <= worst:  # NaN propagates as the worst
            worst, name = r, eq_name
    return worst, name


def check_walras(m: pyo.ConcreteModel, where: str) -> float:
    """The Walras residual of the current point; raises :class:`WalrasViolation` above the
    model's tolerance (or if it cannot be evaluated)."""
    residual, equation = walras_residual(m)
    tol = walras_tolerance(m)
    if not residual <= tol:
        raise WalrasViolation(where, residual, equation, tol)
    return residual
