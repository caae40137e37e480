"""Result and error types shared by every solver path.

A solve either returns a :class:`SolveResult` whose status is ``OK`` (and the
solution has been written into the Pyomo model) or raises :class:`SolveError`
carrying the failed result (and the model keeps the values it had before the
call).  Nothing in between: callers never have to inspect a status to know
whether the numbers in their model are a solution.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cge.errors import CGEError

WORST_COLUMNS = ["equation", "index", "residual"]


class SolveStatus(enum.Enum):
    """Outcome of one solver attempt, normalised across back-ends."""

    OK = "ok"
    ITERATION_LIMIT = "iteration_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    SINGULAR = "singular"
    LINE_SEARCH_FAILED = "line_search_failed"
    TIME_LIMIT = "time_limit"
    ERROR = "error"


@dataclass
class SolveResult:
    """What one call to :func:`cge.solvers.solve` (or :func:`homotopy`) did.

    ``timings`` holds wall-clock seconds keyed by phase: ``check`` (structural
    diagnostics), ``translate`` (Pyomo -> solver representation), ``solve``
    (the numerical method itself) and, when a caller adds it, ``build`` (model
    construction, which only the caller can measure).

    ``max_residual`` is max |body - rhs| over the equality constraints the
    solver saw, at the point the solver stopped; ``worst`` lists the largest of
    those residuals by equation name and index.  ``duals`` (LPs and QPs solved
    with HiGHS) maps constraint names to their dual values (shadow prices)
    with Pyomo's sign convention.  ``attempts`` records every back-end tried
    when a path falls back to another (``auto``) or steps a homotopy.
    """

    solver: str
    status: SolveStatus
    iterations: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    n_equations: int = 0
    n_variables: int = 0
    max_residual: float = float("nan")
    worst: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WORST_COLUMNS))
    objective: float | None = None
    duals: pd.Series | None = None
    message: str = ""
    attempts: list[SolveResult] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is SolveStatus.OK

    def summary(self, n_worst: int = 5) -> str:
        """Readable multi-line account: status, size, residual, timings, worst rows."""
        lines = [
            f"solver {self.solver}: {self.status.value}"
            + (f" ({self.message})" if self.message else ""),
            f"  {self.n_equations} equations, {self.n_variables} variables, "
            f"{self.iterations} iterations, max |residual| = {self.max_residual:.3e}",
        ]
        if self.objective is not None:
            lines.append(f"  objective = {self.objective:.10g}")
        if self.timings:
            lines.append("  time: " + ", ".join(f"{k} {v:.3f} s" for k, v in self.timings.items()))
        for attempt in self.attempts:
            lines.append(
                f"  attempt {attempt.solver}: {attempt.status.value}, "
                f"{attempt.iterations} iterations, max |residual| = {attempt.max_residual:.3e}"
                + (f" ({attempt.message})" if attempt.message else "")
            )
        if len(self.worst):
            lines.append("  largest residuals:")
            table = self.worst.head(n_worst).to_string(index=False)
            lines.extend("    " + row for row in table.splitlines())
        return "\n".join(lines)


class SolverError(CGEError):
    """Base class of every error raised by :mod:`cge.solvers`.

    A :class:`~cge.errors.CGEError`, so the CLI prints it (with the worst equations) without a
    traceback and exits with status 2.
    """


class SolveError(SolverError):
    """A solve did not converge; ``result`` says how far it got and where."""

    def __init__(self, result: SolveResult):
        self.result = result
        super().__init__(
            "solve did not converge; the model keeps its starting values.\n" + result.summary(10)
        )


class StructureError(SolverError):
    """The system is not square or is structurally singular (see ``check_square``)."""


class SolverNotAvailable(SolverError):
    """The requested back-end is not installed on this machine."""
