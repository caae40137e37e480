"""Solver layer: one place for solver choice, options, diagnostics and status handling.

Public API::

    solve(model, solver="auto", options=None, *, tee=False, homotopy=None) -> SolveResult
    homotopy(model, targets, *, solver="auto", options=None, steps=4, max_halvings=8)
    residuals(model) -> pandas.Series;  max_residual(model) -> float
    check_square(model, *, allow_unused=False) -> StructureReport
    symbolic_params(model, components)   (Params to keep as parameters of the translation)
    quick_check_square(model) -> StructureReport   (same answer, fast when the model is regular)

``solve`` raises :class:`SolveError` (never returns a failed result) and
leaves the model at its starting point when it does; :class:`StructureError`
reports non-square or structurally singular systems before any solver runs;
:class:`SolverNotAvailable` says what to install.
"""

from cge.solvers.api import SOLVERS, quick_check_square, solve
from cge.solvers.homotopy import homotopy
from cge.solvers.residuals import max_residual, residuals
from cge.solvers.result import (
    SolveError,
    SolverError,
    SolveResult,
    SolverNotAvailable,
    SolveStatus,
    StructureError,
)
from cge.solvers.structure import StructureReport, check_square, structure_report
from cge.solvers.translate import symbolic_params

__all__ = [
    "SOLVERS",
    "SolveError",
    "SolveResult",
    "SolveStatus",
    "SolverError",
    "SolverNotAvailable",
    "StructureError",
    "StructureReport",
    "check_square",
    "homotopy",
    "max_residual",
    "quick_check_square",
    "residuals",
    "solve",
    "structure_report",
    "symbolic_params",
]
