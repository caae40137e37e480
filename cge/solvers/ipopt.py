"""Ipopt, either bundled in the casadi wheel (``ipopt``) or as an AMPL executable (``ipopt-nl``).

The bundled path needs nothing beyond ``pip install casadi``: the problem

    min f(x)  s.t.  lbg <= g(x) <= ubg,  lbx <= x <= ubx

is handed to ``casadi.nlpsol('ipopt')`` with CasADi's exact derivatives.  A
square CGE system has no objective (or a constant dummy one) and is solved
as a feasibility problem: with zero degrees of freedom Ipopt's iterations
reduce to a Newton method on the constraints, safeguarded by its filter line
search and restoration phase, which is why it is the fallback when plain
Newton fails.  Variable bounds are passed to Ipopt, which keeps iterates
inside them (interior-point method).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from typing import Any

import casadi as ca
import numpy as np
import pyomo.environ as pyo

from cge.solvers.result import SolverNotAvailable, SolveStatus
from cge.solvers.translate import CasadiSystem

_IPOPT_STATUS = {
    "Solve_Succeeded": SolveStatus.OK,
    "Solved_To_Acceptable_Level": SolveStatus.OK,
    "Feasible_Point_Found": SolveStatus.OK,
    "Infeasible_Problem_Detected": SolveStatus.INFEASIBLE,
    "Maximum_Iterations_Exceeded": SolveStatus.ITERATION_LIMIT,
    "Maximum_CpuTime_Exceeded": SolveStatus.TIME_LIMIT,
    "Maximum_WallTime_Exceeded": SolveStatus.TIME_LIMIT,
    "Diverging_Iterates": SolveStatus.UNBOUNDED,
}

_HESSIAN = {"exact": "exact", "limited-memory": "limited-memory", "lbfgs": "limited-memory"}


@dataclass
class IpoptOutcome:
    x: np.ndarray
    status: SolveStatus
    iterations: int
    objective: float
    message: str


def casadi_options(options: dict[str, Any], tee: bool) -> tuple[dict[str, Any], float]:
    """Map user options to ``nlpsol`` options; return them and the residual tolerance.

    Keys understood:

    * ``tol``: absolute tolerance on equality residuals (default 1e-10); sets
      Ipopt's ``constr_viol_tol`` and is checked again on the result;
    * ``hessian``: ``"exact"`` (default) or ``"limited-memory"`` (L-BFGS;
      avoids forming the Hessian of the Lagrangian, often faster on large
      square systems);
    * ``"ipopt.<name>"``: passed to Ipopt as is; ``"casadi.<name>"``: a
      top-level ``nlpsol`` option (e.g. ``casadi.expand``);
    * any other plain key is taken as an Ipopt option (``{"max_iter": 200}``).
    """
    opts: dict[str, Any] = {
        "print_time": tee,
        # Ipopt recovers from evaluations that overflow by cutting its step;
        # CasADi would print a warning for each one.
        "show_eval_warnings": tee,
        "error_on_fail": False,
        "ipopt.print_level": 5 if tee else 0,
        "ipopt.sb": "yes",
    }
    tol = 1e-10
    for key, value in options.items():
        if key == "tol":
            tol = float(value)
        elif key == "hessian":
            if value not in _HESSIAN:
                raise ValueError(f"hessian must be one of {sorted(_HESSIAN)}, got {value!r}")
            opts["ipopt.hessian_approximation"] = _HESSIAN[value]
        elif key.startswith("ipopt."):
            opts[key] = value
        elif key.startswith("casadi."):
            opts[key.removeprefix("casadi.")] = value
        else:
            opts[f"ipopt.{key}"] = value
    opts.setdefault("ipopt.constr_viol_tol", tol)
    return opts, tol


def casadi_ipopt_solve(
    system: CasadiSystem, x0: np.ndarray, options: dict[str, Any], tee: bool
) -> IpoptOutcome:
    """Run bundled Ipopt from ``x0``; success also requires residuals within ``tol``."""
    opts, tol = casadi_options(options, tee)
    solver = _nlpsol(system, opts)
    sol = solver(x0=x0, p=system.parameter_values(), lbx=system.lbx, ubx=system.ubx,
                 lbg=system.lbg, ubg=system.ubg)
    stats = solver.stats()
    return_status = str(stats.get("return_status", "unknown"))
    status = _IPOPT_STATUS.get(return_status, SolveStatus.ERROR)
    x = np.array(sol["x"]).ravel()
    g = np.array(sol["g"]).ravel()
    violation = np.maximum(system.lbg - g, g - system.ubg)
    worst = float(np.max(violation)) if violation.size else 0.0
    message = f"Ipopt: {return_status}"
    if status is SolveStatus.OK and not worst <= tol:
        status = SolveStatus.ERROR
        message += f", but max constraint violation {worst:.3e} > tol {tol:g}"
    return IpoptOutcome(
        x=x,
        status=status,
        iterations=int(stats.get("iter_count", 0)),
        objective=float(sol["f"]),
        message=message,
    )


def _nlpsol(system: CasadiSystem, opts: dict[str, Any]) -> ca.Function:
    """The system's Ipopt solver for ``opts``, built once per translation and options: building
    it (CasADi derives and compiles the Lagrangian's Hessian) took most of each Ipopt call on
    the flagship, and homotopy steps, sensitivity points and welfare paths call it again on the
    same translation with other parameter values, bounds and start."""
    key = ("ipopt", repr(sorted(opts.items())))
    if key not in system.cache:
        nlp = {"x": system.x, "p": system.p, "f": system.f, "g": system.g}
        system.cache[key] = ca.nlpsol("cge_ipopt", "ipopt", nlp, opts)
    return system.cache[key]


def nl_ipopt_solve(model: pyo.Block, options: dict[str, Any], tee: bool):
    """Run an external ``ipopt`` executable through Pyomo's NL interface.

    Returns ``(status, message, results, solve_seconds)``; the solution is
    loaded into ``model`` only when Ipopt reports optimality, so a failure
    leaves the starting point in place.
    """
    opt = pyo.SolverFactory("ipopt")
    if shutil.which("ipopt") is None or not opt.available(exception_flag=False):
        raise SolverNotAvailable(
            "solver 'ipopt-nl' needs an `ipopt` executable on PATH (AMPL interface), "
            "e.g. from conda-forge (`conda install -c conda-forge ipopt`) or a system "
            "package; solver='ipopt' uses the Ipopt bundled in the casadi wheel instead "
            "and needs no executable"
        )
    for key, value in options.items():
        opt.options[key.removeprefix("ipopt.")] = value
    start = time.perf_counter()
    results = opt.solve(model, tee=tee, load_solutions=False)
    elapsed = time.perf_counter() - start
    term = results.solver.termination_condition
    tc = pyo.TerminationCondition
    if term in (tc.optimal, tc.locallyOptimal, tc.globallyOptimal, tc.feasible):
        model.solutions.load_from(results)
        status = SolveStatus.OK
    elif term in (tc.infeasible, tc.locallyInfeasible, tc.globallyInfeasible):
        status = SolveStatus.INFEASIBLE
    elif term is tc.maxIterations:
        status = SolveStatus.ITERATION_LIMIT
    elif term in (tc.maxTimeLimit, tc.maxEvaluations):
        status = SolveStatus.TIME_LIMIT
    elif term is tc.unbounded:
        status = SolveStatus.UNBOUNDED
    else:
        status = SolveStatus.ERROR
    return status, f"ipopt executable: {term}", results, elapsed
