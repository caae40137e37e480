"""``solve``: one entry point for solver choice, options and status handling.

Paths (``solver=``):

``newton``
    Square systems: structural check, NL translation to CasADi, damped
    sparse Newton (:mod:`cge.solvers.newton`), in reduced space: variables defined
    explicitly by their equation are eliminated first and recovered after
    (:mod:`cge.solvers.reduce`, option ``reduced=True``; the full system is the default
    and the fallback). ``details["reduced_space"]`` says which was used, with the sizes.
``ipopt``
    Ipopt bundled in the casadi wheel, for square systems (feasibility
    problems) and general NLPs (:mod:`cge.solvers.ipopt`).
``ipopt-nl``
    An external ``ipopt`` executable through Pyomo, if one is installed.
``highs``
    LP, MIP and convex QP with HiGHS (:mod:`cge.solvers.highs`).
``mcp``, ``mcp-ipopt``
    Models that declare complementarity pairs (``equation(..., complementary=True)``): a
    semismooth Newton method, or Ipopt on the complementarity gap to cross-check it
    (:mod:`cge.solvers.mcp`).
``auto``
    Square equality systems: ``newton``, then ``ipopt`` from the same start
    point if Newton fails (both attempts recorded in ``attempts``).  Models
    with a non-constant objective or inequalities: ``highs`` when they are
    linear with an at most quadratic objective, otherwise ``ipopt``.  Models
    with complementarity pairs: ``mcp``.

Every path starts from the current values of the Pyomo variables, so solving
a counterfactual right after the benchmark is warm-started for free, and
writes values back only on success: a failure raises :class:`SolveError` and
the model keeps its starting point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.collections import ComponentSet
from scipy.sparse.csgraph import structural_rank

from cge.solvers import reduce as reduce_space
from cge.solvers.highs import highs_solve
from cge.solvers.ipopt import casadi_ipopt_solve, nl_ipopt_solve
from cge.solvers.mcp import MCP_SOLVERS, has_complementarity, solve_mcp
from cge.solvers.newton import NewtonOptions, jacobian_pattern, newton_solve, residual_function
from cge.solvers.residuals import (
    constraint_residual,
    equality_constraints,
    model_worst,
    worst_table,
)
from cge.solvers.result import SolveError, SolveResult, SolveStatus, StructureError
from cge.solvers.structure import StructureReport, check_square
from cge.solvers.translate import CasadiSystem, translation

SOLVERS = ("auto", "newton", "ipopt", "ipopt-nl", "highs", *MCP_SOLVERS)

_NEWTON_KEYS = ({f.name for f in fields(NewtonOptions)} - {"tee"}) | {"reduced"}
_CHECK_KEYS = ("check", "allow_unused")


def _is_feasibility_problem(model: pyo.Block) -> bool:
    """True when every active constraint is an equality and no objective depends on a variable."""
    for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
        if obj.expr.polynomial_degree() != 0:
            return False
    return all(
        c.equality
        for c in model.component_data_objects(pyo.Constraint, active=True, descend_into=True)
    )


def _is_linear_or_qp(model: pyo.Block) -> bool:
    for obj in model.component_data_objects(pyo.Objective, active=True, descend_into=True):
        degree = obj.expr.polynomial_degree()
        if degree is None or degree > 2:
            return False
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        degree = con.body.polynomial_degree()
        if degree is None or degree > 1:
            return False
    return True


def _has_discrete(model: pyo.Block) -> bool:
    return any(
        not v.is_continuous()
        for v in model.component_data_objects(pyo.Var, descend_into=True)
        if not v.fixed
    )


def _split_check_options(options: dict[str, Any]) -> tuple[bool, bool]:
    return bool(options.pop("check", True)), bool(options.pop("allow_unused", False))


def _structure_is_regular(model: pyo.Block, system: CasadiSystem) -> bool:
    """Cheap sufficient test that ``check_square`` would pass, from the translated system.

    Square, structurally full rank Jacobian pattern (a perfect matching,
    found by scipy's Hopcroft-Karp in milliseconds), no equation that the NL
    writer dropped for having no free variable, and no unfixed variable left
    out of the translation.  Building Pyomo's incidence graph costs more than
    the translation on large models, so the full Dulmage-Mendelsohn analysis
    is run only to explain a failure of this test.  The answer is kept with the (reused)
    translation.
    """
    if "regular" not in system.cache:
        system.cache["regular"] = _pattern_is_regular(model, system)
    return system.cache["regular"]


def _pattern_is_regular(model: pyo.Block, system: CasadiSystem) -> bool:
    n = system.n_variables
    if system.n_constraints != n or not system.is_equality_system:
        return False
    colind, row = jacobian_pattern(system).get_ccs()
    pattern = sp.csr_matrix(
        sp.csc_matrix((np.ones(len(row)), np.asarray(row), np.asarray(colind)), shape=(n, n))
    )
    if n and structural_rank(pattern) < n:
        return False
    if len(equality_constraints(model)) != n:
        return False
    translated = ComponentSet(system.variables)
    return all(
        v.fixed or v in translated for v in model.component_data_objects(pyo.Var, descend_into=True)
    )


def quick_check_square(model: pyo.Block) -> StructureReport:
    """:func:`check_square` answered from the translated Jacobian pattern when it is regular.

    The usual case, a square and structurally regular model, takes a translation and a
    matching (seconds at 150,000 equations); Pyomo's incidence graph and the full
    Dulmage-Mendelsohn analysis (minutes at that size) run only to explain a failure, and then
    raise :class:`StructureError` as :func:`check_square` does.
    """
    system = translation(model)
    if _structure_is_regular(model, system):
        return StructureReport(n_equations=system.n_constraints, n_variables=system.n_variables)
    return check_square(model)


def equation_residuals(model: pyo.Block) -> tuple[np.ndarray, list]:
    """``body - rhs`` of every active equality constraint at the current point, and the
    constraints, evaluated with the model's (reused) translation.

    One evaluation of the translated residual takes milliseconds where Pyomo's evaluation of
    every expression takes seconds at 100,000 equations. When the translation does not hold
    every active equality (the NL writer skips equations without a free variable; inequalities
    are no residuals), the equations are evaluated in Pyomo instead, so that none is left out.
    """
    system = translation(model)
    cons = equality_constraints(model)
    if system.is_equality_system and system.n_constraints == len(cons):
        return _equality_residual(system, system.values()), system.constraints
    return np.array([constraint_residual(c) for c in cons]), cons


def _structural_check(model, system, timings, allow_unused: bool) -> None:
    start = time.perf_counter()
    if not _structure_is_regular(model, system):
        check_square(model, allow_unused=allow_unused)
    timings["check"] = time.perf_counter() - start


def _translate(model, timings) -> CasadiSystem:
    start = time.perf_counter()
    system = translation(model)
    timings["translate"] = time.perf_counter() - start
    return system


def _equality_residual(system: CasadiSystem, x: np.ndarray) -> np.ndarray:
    """g(x) - rhs on equality rows (inequality rows are not residuals and are returned as 0)."""
    g = np.array(residual_function(system)(x, system.parameter_values())).ravel()
    eq = system.lbg == system.ubg
    return np.where(eq, g - system.lbg, 0.0)


def _casadi_result(
    name: str, system: CasadiSystem, timings, status, iterations, residual, message
) -> SolveResult:
    finite = residual[np.isfinite(residual)]
    max_res = float(np.max(np.abs(finite))) if finite.size == residual.size else float("nan")
    if residual.size == 0:
        max_res = 0.0
    return SolveResult(
        solver=name,
        status=status,
        iterations=iterations,
        timings=dict(timings),
        n_equations=system.n_constraints,
        n_variables=system.n_variables,
        max_residual=max_res,
        worst=worst_table(system.constraints, residual),
        message=message,
    )


def _newton(system, timings, options, tee) -> tuple[SolveResult, np.ndarray]:
    unknown = set(options) - _NEWTON_KEYS
    if unknown:
        raise ValueError(f"unknown newton options {sorted(unknown)}; valid: {sorted(_NEWTON_KEYS)}")
    if not system.is_equality_system:
        raise StructureError(
            "solver 'newton' needs a square equality system; the model has "
            f"{int(np.sum(system.lbg != system.ubg))} inequality constraints "
            "(use 'ipopt' or 'highs')"
        )
    if system.n_constraints != system.n_variables:
        raise StructureError(
            f"solver 'newton' needs a square system; the translated model has "
            f"{system.n_constraints} equations and {system.n_variables} variables"
        )
    options = dict(options)
    use_reduced = bool(options.pop("reduced", reduce_space.BY_DEFAULT))
    opts = NewtonOptions(tee=tee, **options)
    start = time.perf_counter()
    # reduced space first when asked (cge.solvers.reduce); the full system if nothing is
    # eliminable or the reduced solve fails, from the same start
    reduced = (reduce_space.reduced_newton(system, system.start_point(), opts) if use_reduced
               else None)
    space = {"used": False, "equations": system.n_constraints}
    if reduced is not None:
        out, red = reduced
        space = {"used": out.status is SolveStatus.OK, **red.sizes()}
        if out.status is not SolveStatus.OK:
            space["fallback"] = out.message or str(out.status)
    if not space["used"]:
        out = newton_solve(system, system.start_point(), opts)
    timings["solve"] = time.perf_counter() - start
    result = _casadi_result(
        "newton", system, timings, out.status, out.iterations, out.residual, out.message
    )
    result.details.update(linear_solver=out.linear_solver, factorisations=out.factorisations,
                          reduced_space=space)
    return result, out.x


def _ipopt(system, timings, options, tee) -> tuple[SolveResult, np.ndarray]:
    start = time.perf_counter()
    out = casadi_ipopt_solve(system, system.start_point(), options, tee)
    timings["solve"] = time.perf_counter() - start
    residual = _equality_residual(system, out.x)
    result = _casadi_result(
        "ipopt", system, timings, out.status, out.iterations, residual, out.message
    )
    if not system.objective_is_constant:
        result.objective = out.objective
    return result, out.x


def _run_casadi_path(model, solver, options, tee) -> SolveResult:
    options = dict(options)
    do_check, allow_unused = _split_check_options(options)
    timings: dict[str, float] = {}
    system = _translate(model, timings)
    feasibility = system.objective_is_constant and system.is_equality_system
    if do_check and (solver in ("newton", "auto") or feasibility):
        _structural_check(model, system, timings, allow_unused)

    if solver == "newton":
        result, x = _newton(system, timings, options, tee)
    elif solver == "ipopt":
        result, x = _ipopt(system, timings, options, tee)
    else:
        shared = {k: options.pop(k) for k in ("tol",) if k in options}
        newton_opts = {**shared, **options.pop("newton", {})}
        ipopt_opts = {**shared, **options.pop("ipopt", {})}
        if options:
            raise ValueError(
                f"unknown auto options {sorted(options)}; use 'tol', 'check', 'allow_unused', "
                "or sub-dicts 'newton' and 'ipopt'"
            )
        first, x = _newton(system, dict(timings), newton_opts, tee)
        attempts = [first]
        if not first.ok:
            second, x = _ipopt(system, dict(timings), ipopt_opts, tee)
            attempts.append(second)
        last = attempts[-1]
        result = replace(
            last,
            solver=f"auto/{last.solver}",
            timings={**last.timings, "solve": sum(a.timings["solve"] for a in attempts)},
            attempts=attempts,
        )
    if not result.ok:
        raise SolveError(result)
    system.write_back(x)
    return result


def _run_ipopt_nl(model, options, tee) -> SolveResult:
    options = dict(options)
    do_check, allow_unused = _split_check_options(options)
    timings: dict[str, float] = {}
    if do_check and _is_feasibility_problem(model):
        start = time.perf_counter()
        check_square(model, allow_unused=allow_unused)
        timings["check"] = time.perf_counter() - start
    status, message, _, elapsed = nl_ipopt_solve(model, options, tee)
    timings["solve"] = elapsed
    result = SolveResult(
        solver="ipopt-nl",
        status=status,
        timings=timings,
        n_equations=len(equality_constraints(model)),
        n_variables=sum(1 for v in model.component_data_objects(pyo.Var) if not v.fixed),
        message=message,
    )
    if not result.ok:
        # The executable's point was not loaded, so there is no table to show.
        raise SolveError(result)
    result.worst = model_worst(model)
    result.max_residual = float(result.worst["residual"].abs().max()) if len(result.worst) else 0.0
    return result


def _run_highs(model, options, tee) -> SolveResult:
    timings: dict[str, float] = {}
    out = highs_solve(model, dict(options), tee)
    timings["solve"] = out.solve_seconds
    result = SolveResult(
        solver="highs",
        status=out.status,
        iterations=out.iterations,
        timings=timings,
        n_equations=sum(
            1 for _ in model.component_data_objects(pyo.Constraint, active=True, descend_into=True)
        ),
        n_variables=sum(1 for v in model.component_data_objects(pyo.Var) if not v.fixed),
        objective=out.objective,
        duals=out.duals,
        message=out.message,
    )
    if not result.ok:
        raise SolveError(result)
    result.worst = model_worst(model)
    result.max_residual = float(result.worst["residual"].abs().max()) if len(result.worst) else 0.0
    return result


def solve(
    model: pyo.Block,
    solver: str = "auto",
    options: Mapping[str, Any] | None = None,
    *,
    tee: bool = False,
    homotopy: Mapping[Any, float] | Callable[[float], None] | None = None,
) -> SolveResult:
    """Solve ``model`` in place and return a :class:`SolveResult`; raise :class:`SolveError`.

    ``options`` depend on the path (see the module docstrings of
    :mod:`cge.solvers.newton`, :mod:`cge.solvers.ipopt` and
    :mod:`cge.solvers.highs`).  Common keys: ``tol`` (absolute tolerance on
    equality residuals, default 1e-10), ``check`` (run :func:`check_square`
    before square solves, default True) and ``allow_unused`` (tolerate unfixed
    variables that appear in no active constraint).  For ``auto``, options
    specific to one back-end go in sub-dicts ``{"newton": {...}, "ipopt": {...}}``.

    With ``homotopy`` (targets or a shock function, see :func:`homotopy`) the
    shock is applied gradually and each step is solved with ``solver``.
    """
    options = dict(options or {})
    if homotopy is not None:
        # homotopy calls solve for each step, so it imports this module.
        from cge.solvers.homotopy import homotopy as run_homotopy

        return run_homotopy(model, homotopy, solver=solver, options=options, tee=tee)
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {SOLVERS}")
    if solver in MCP_SOLVERS or (solver == "auto" and has_complementarity(model)):
        return solve_mcp(model, "mcp" if solver == "auto" else solver, options, tee)
    if solver == "auto" and not _is_feasibility_problem(model):
        if _is_linear_or_qp(model):
            solver = "highs"
        elif _has_discrete(model):
            raise ValueError("nonlinear models with integer variables are not supported")
        else:
            solver = "ipopt"
    if solver == "highs":
        return _run_highs(model, options, tee)
    if solver == "ipopt-nl":
        return _run_ipopt_nl(model, options, tee)
    return _run_casadi_path(model, solver, options, tee)
