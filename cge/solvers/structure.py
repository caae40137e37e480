"""Structural diagnostics for square systems (equations = free unknowns).

Newton's method and a feasibility-mode Ipopt need the Jacobian to be square
and non-singular.  Two things can be checked without numbers:

* counting: active equality constraints versus the unfixed variables that
  appear in them (the degrees of freedom must be zero);
* structure: a Dulmage-Mendelsohn decomposition of the bipartite
  equation/variable incidence graph (``pyomo.contrib.incidence_analysis``)
  splits it into an under-constrained part (more variables than equations
  that involve them), an over-constrained part (more equations than
  variables) and a well-constrained square part.  A system whose counts agree
  can still be structurally singular, e.g. two equations in the same single
  variable while a third variable appears nowhere else.

Unfixed variables that appear in no active constraint are a modelling error
in a CGE model (an exogenous quantity that was not fixed, or an equation that
was deactivated); they are reported too.  Numerical singularity with a
non-singular structure (e.g. Walras' law: one market-clearing equation too
many for a model without a numeraire) cannot be seen here; Newton reports it
as a singular Jacobian.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet

from cge.solvers.result import StructureError

_MAX_NAMES = 20


def _names(components: Sequence) -> list[str]:
    return [c.name for c in components]


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_MAX_NAMES])
    if len(names) > _MAX_NAMES:
        shown += f", ... and {len(names) - _MAX_NAMES} more"
    return shown


@dataclass
class StructureReport:
    """Result of :func:`check_square`; ``ok`` when the system is square and non-singular.

    ``unmatched_variables`` / ``unmatched_equations`` are left over by a
    maximum matching; the ``under_*`` and ``over_*`` lists are the whole
    under- and over-constrained subsystems of the Dulmage-Mendelsohn
    decomposition (which of their members is "unmatched" is arbitrary, the
    subsystem is where the modelling error is).
    """

    n_equations: int
    n_variables: int
    unmatched_variables: list[str] = field(default_factory=list)
    unmatched_equations: list[str] = field(default_factory=list)
    under_variables: list[str] = field(default_factory=list)
    under_equations: list[str] = field(default_factory=list)
    over_variables: list[str] = field(default_factory=list)
    over_equations: list[str] = field(default_factory=list)
    unused_variables: list[str] = field(default_factory=list)

    @property
    def degrees_of_freedom(self) -> int:
        return self.n_variables - self.n_equations

    @property
    def singular(self) -> bool:
        return bool(self.unmatched_variables or self.unmatched_equations)

    @property
    def ok(self) -> bool:
        return self.degrees_of_freedom == 0 and not self.singular and not self.unused_variables

    def message(self) -> str:
        dof = self.degrees_of_freedom
        plural = "" if abs(dof) == 1 else "s"
        head = f"model has {self.n_equations} equations and {self.n_variables} free variables"
        if dof > 0:
            head += f" ({dof} degree{plural} of freedom)"
        elif dof < 0:
            head += f" ({-dof} equation{plural} too many)"
        elif self.singular:
            head += " but is structurally singular"
        parts = [head]
        if self.unmatched_variables:
            parts.append(f"unmatched variables: {_listing(self.unmatched_variables)}")
        if self.under_variables:
            parts.append(
                f"under-constrained block: variables {_listing(self.under_variables)} "
                f"in equations {_listing(self.under_equations) or '(none)'}"
            )
        if self.unmatched_equations:
            parts.append(f"unmatched equations: {_listing(self.unmatched_equations)}")
        if self.over_equations:
            parts.append(
                f"over-constrained block: equations {_listing(self.over_equations)} "
                f"in variables {_listing(self.over_variables) or '(none)'}"
            )
        if self.unused_variables:
            parts.append(
                "unfixed variables in no active constraint (fix them or activate their "
                f"equations): {_listing(self.unused_variables)}"
            )
        return ";\n  ".join(parts)


def structure_report(model: pyo.Block) -> StructureReport:
    """Count and Dulmage-Mendelsohn-decompose the active equality system of ``model``."""
    # here: the incidence analysis (networkx, scipy) takes a second to import
    from pyomo.contrib.incidence_analysis import IncidenceGraphInterface

    graph = IncidenceGraphInterface(model, active=True, include_inequality=False)
    variables, constraints = graph.variables, graph.constraints
    report = StructureReport(n_equations=len(constraints), n_variables=len(variables))
    if variables and constraints:
        var_part, con_part = graph.dulmage_mendelsohn()
        report.unmatched_variables = _names(var_part.unmatched)
        report.unmatched_equations = _names(con_part.unmatched)
        report.under_variables = _names(var_part.unmatched) + _names(var_part.underconstrained)
        report.under_equations = _names(con_part.underconstrained)
        report.over_variables = _names(var_part.overconstrained)
        report.over_equations = _names(con_part.unmatched) + _names(con_part.overconstrained)
    else:
        report.unmatched_variables = _names(variables)
        report.unmatched_equations = _names(constraints)
    seen = ComponentSet(variables)
    report.unused_variables = [
        v.name
        for v in model.component_data_objects(pyo.Var, descend_into=True)
        if not v.fixed and v not in seen
    ]
    return report


def check_square(model: pyo.Block, *, allow_unused: bool = False) -> StructureReport:
    """Raise :class:`StructureError` unless ``model`` is a square, structurally regular system.

    With ``allow_unused=True`` unfixed variables that appear in no active
    constraint are tolerated (they are listed in the report but solvers leave
    them untouched).
    """
    report = structure_report(model)
    fatal = report.degrees_of_freedom != 0 or report.singular
    if fatal or (report.unused_variables and not allow_unused):
        raise StructureError(report.message())
    return report
