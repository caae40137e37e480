"""LP, MIP and convex QP through HiGHS (``highspy``) and Pyomo's ``pyomo.contrib.solver`` API.

The ``highs`` interface of ``pyomo.contrib.solver`` is used rather than
``appsi_highs`` because it also accepts quadratic objectives.  HiGHS options
are passed through unchanged (``{"solver": "ipm"}`` selects the
interior-point method, the fast choice for large LPs); ``time_limit``,
``threads``, ``rel_gap`` and ``abs_gap`` are Pyomo-level settings.

Row duals are returned for continuous problems (LP and QP) as a Series
keyed by constraint name, with Pyomo's sign convention (for a minimisation,
the dual of a binding ``<=`` row is <= 0: the objective change per unit
increase of its right-hand side), and written into ``model.dual`` when the
model declares an IMPORT ``Suffix`` of that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import TerminationCondition

from cge.solvers.result import SolverNotAvailable, SolveStatus

_CONFIG_KEYS = ("time_limit", "threads", "rel_gap", "abs_gap")

_STATUS = {
    TerminationCondition.convergenceCriteriaSatisfied: SolveStatus.OK,
    TerminationCondition.provenInfeasible: SolveStatus.INFEASIBLE,
    TerminationCondition.locallyInfeasible: SolveStatus.INFEASIBLE,
    TerminationCondition.infeasibleOrUnbounded: SolveStatus.INFEASIBLE,
    TerminationCondition.unbounded: SolveStatus.UNBOUNDED,
    TerminationCondition.iterationLimit: SolveStatus.ITERATION_LIMIT,
    TerminationCondition.maxTimeLimit: SolveStatus.TIME_LIMIT,
}


@dataclass
class HighsOutcome:
    status: SolveStatus
    iterations: int
    objective: float | None
    duals: pd.Series | None
    message: str
    solve_seconds: float


def _is_discrete(model: pyo.Block) -> bool:
    return any(
        v.is_integer() or v.is_binary()
        for v in model.component_data_objects(pyo.Var, active=True, descend_into=True)
        if not v.fixed
    )


def highs_solve(model: pyo.Block, options: dict[str, Any], tee: bool) -> HighsOutcome:
    """Solve with HiGHS; load the solution (and duals) into ``model`` only if optimal."""
    opt = SolverFactory("highs")
    if not opt.available():
        raise SolverNotAvailable("solver 'highs' needs the highspy package (pip install highspy)")
    config = {k: options[k] for k in _CONFIG_KEYS if k in options}
    solver_options = {k: v for k, v in options.items() if k not in _CONFIG_KEYS}
    results = opt.solve(
        model,
        tee=tee,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        solver_options=solver_options,
        **config,
    )
    term = results.termination_condition
    status = _STATUS.get(term, SolveStatus.ERROR)
    extra = results.extra_info
    iterations = sum(
        max(int(getattr(extra, name, 0) or 0), 0)
        for name in (
            "simplex_iteration_count",
            "ipm_iteration_count",
            "qp_iteration_count",
            "pdlp_iteration_count",
        )
    )
    duals = None
    if status is SolveStatus.OK:
        results.solution_loader.load_vars()
        if not _is_discrete(model):
            raw = results.solution_loader.get_duals()
            duals = pd.Series(
                {con.name: float(val) for con, val in raw.items()}, name="dual", dtype=float
            )
            suffix = model.component("dual")
            if isinstance(suffix, pyo.Suffix) and suffix.import_enabled():
                for con, val in raw.items():
                    suffix[con] = val
    return HighsOutcome(
        status=status,
        iterations=iterations,
        objective=results.incumbent_objective if status is SolveStatus.OK else None,
        duals=duals,
        message=f"HiGHS: {term.name}",
        solve_seconds=float(results.timing_info.wall_time),
    )
