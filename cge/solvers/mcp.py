"""Mixed complementarity problems (MCPs): a semismooth Newton method and an Ipopt cross-check.

A model declares pairs with ``equation(..., complementary=True)`` (:mod:`cge.model.symbols`),
which lists them in ``model.complements`` (equation name -> variable name, element by element
over the same index). The problem is then: find x with

* ``F_E(x) = 0`` for every equality (the square part, as for :mod:`cge.solvers.newton`);
* for every pair i of an inequality row and its variable z_i with lower bound l_i:
  ``z_i >= l_i``, ``F_i(x) >= 0`` and ``(z_i - l_i) F_i(x) = 0``, where F_i is the greater side
  of the inequality less its lesser side (zero profit with an activity level, market clearing
  with a price, a quota with its rent).

A pair whose variable is fixed is dropped (its equation is not part of the problem), as GAMS
does: fixing a price as numeraire removes its market, fixing a rent at zero removes the quota.

``mcp`` (:func:`semismooth_newton`) writes each pair as the Fischer-Burmeister equation
``phi(a, b) = sqrt(a^2 + b^2) - a - b = 0`` with ``a = z_i - l_i`` and ``b = F_i``; phi is zero
exactly when a >= 0, b >= 0 and a b = 0, and it is semismooth, so Newton's method on
``Phi(x) = (F_E, phi(a, b)) = 0`` with an element of the generalized Jacobian converges locally
quadratically (De Luca, Facchinei and Kanzow 1996, Math. Programming 75, 407-439). The
Jacobian is the model's sparse CasADi Jacobian (:func:`cge.solvers.newton.sparse_jacobian`)
with each pair's row scaled by ``dphi/db`` plus ``dphi/da`` on the variable's column.
Globalisation: the merit ``Psi = ||Phi||^2 / 2`` is continuously differentiable with gradient
``H' Phi``; a Newton direction that is not a descent direction of it (or a singular H) is
replaced by a Levenberg-Marquardt step ``(H'H + lambda I) d = -H' Phi`` that always descends,
and the Armijo line search runs on Psi. Paired variables are projected onto their bounds
(activity levels may land exactly on zero); other variables keep the fraction-to-the-boundary
rule of the square Newton. Without pairs the iteration is the square Newton's.

Convergence is declared on the natural residual, ``max(|F_E|, |min(z - l, F)|) <= tol``, in
model units. A failure names the worst rows and the pairs that switched regime (variable at
its bound or equation binding) most often: those that cycle.

``mcp-ipopt`` (:func:`ipopt_complementarity`) is an independent route for cross-checks: the
bundled Ipopt minimises the complementarity gap ``sum_i (z_i - l_i) F_i(x)`` subject to
``F_E = 0``, ``F_i >= 0`` and the bounds (the penalty formulation of an MPEC; its zero
minima are the MCP's solutions). It shares no code with the Newton iteration beyond the
translation and checks its answer with the same natural residual.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import casadi as ca
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.collections import ComponentMap
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from scipy.sparse.csgraph import structural_rank
from scipy.sparse.linalg import splu

from cge.solvers.ipopt import casadi_options
from cge.solvers.newton import sparse_jacobian
from cge.solvers.residuals import worst_table
from cge.solvers.result import SolveError, SolveResult, SolveStatus, StructureError
from cge.solvers.structure import StructureReport
from cge.solvers.translate import CasadiSystem, to_casadi

MCP_SOLVERS = ("mcp", "mcp-ipopt")


def has_complementarity(model: pyo.Block) -> bool:
    """True when ``model`` declares at least one complementarity pair (a block may declare a
    pair over an empty index: the model then has none)."""
    return any(len(getattr(model, name)) for name in getattr(model, "complements", {}))


def complementarity_pairs(model: pyo.Block) -> tuple[list[tuple[ConstraintData, VarData]],
                                                     list[ConstraintData]]:
    """The active pairs (equation row, variable) and the rows dropped because their variable
    is fixed."""
    pairs, dropped = [], []
    for con_name, var_name in getattr(model, "complements", {}).items():
        con, var = getattr(model, con_name), getattr(model, var_name)
        for k, row in con.items():
            if not row.active:
                continue
            if var[k].fixed:
                dropped.append(row)
            else:
                pairs.append((row, var[k]))
    return pairs, dropped


def pair_name(row: ConstraintData, var: VarData) -> str:
    """How a pair is named in results and messages: ``row ⟂ variable``."""
    return f"{row.name} ⟂ {var.name}"


def regimes(model: pyo.Block) -> list[str]:
    """The active pairs whose variable is at its bound at the model's current point (the
    others bind: their inequality holds as an equality), evaluated in Pyomo without a
    translation, so that a caller can compare the regimes of two solutions."""
    out = []
    for row, var in complementarity_pairs(model)[0]:
        body = pyo.value(row.body)
        slack = body - pyo.value(row.lower) if row.has_lb() else pyo.value(row.upper) - body
        if var.value - var.lb <= slack:
            out.append(pair_name(row, var))
    return out


def mcp_structure(model: pyo.Block) -> StructureReport:
    """The structural check of a model with pairs: square and structurally regular as an MCP
    (:func:`build_mcp` raises :class:`StructureError` otherwise)."""
    system = build_mcp(model).system
    return StructureReport(n_equations=system.n_constraints, n_variables=system.n_variables)


@dataclass
class McpSystem:
    """A translated model as an MCP: rows ``F(x)`` signed so that pairs read ``F_i >= 0``.

    ``pair_rows[k]`` is the row of pair k and ``pair_cols[k]`` the column of its variable,
    whose lower bound is ``lower[k]``. Rows not in ``pair_rows`` are equalities.
    """

    system: CasadiSystem
    pair_rows: np.ndarray
    pair_cols: np.ndarray
    lower: np.ndarray
    F: ca.Function
    J: ca.Function
    names: list[str] = field(default_factory=list)  # "row ⟂ variable" for each pair

    @property
    def n(self) -> int:
        return self.system.n_variables

    def residual(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.F(x), dtype=float).ravel()

    def jacobian(self, x: np.ndarray) -> sp.csc_matrix:
        jac = self.J(x)
        colind, row = jac.sparsity().get_ccs()
        return sp.csc_matrix((np.asarray(jac.nonzeros(), dtype=float), row, colind),
                             shape=(self.n, self.n))

    def natural_residual(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        """F on equality rows, min(z - l, F) on pair rows: zero exactly at a solution."""
        out = f.copy()
        out[self.pair_rows] = np.minimum(x[self.pair_cols] - self.lower, f[self.pair_rows])
        return out

    def at_bound(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Per pair: True where the variable is at its bound rather than the equation binding."""
        return x[self.pair_cols] - self.lower <= f[self.pair_rows]


def build_mcp(model: pyo.Block) -> McpSystem:
    """Translate ``model`` and pair its rows; StructureError if the pairs do not make it square."""
    pairs, dropped = complementarity_pairs(model)
    # Rows of pairs whose variable is fixed are no part of the problem; the NL writer
    # translates active constraints, so they are switched off while it runs.
    for row in dropped:
        row.deactivate()
    try:
        system = to_casadi(model)
    finally:
        for row in dropped:
            row.activate()
    row_of = ComponentMap((c, i) for i, c in enumerate(system.constraints))
    col_of = ComponentMap((v, j) for j, v in enumerate(system.variables))
    pair_rows, pair_cols, names = [], [], []
    for con, var in pairs:
        if con not in row_of:
            raise StructureError(f"complementary equation {con.name} has no free variable")
        if var not in col_of:
            raise StructureError(f"{var.name}, complementary to {con.name}, appears in no "
                                 "active equation")
        pair_rows.append(row_of[con])
        pair_cols.append(col_of[var])
        names.append(pair_name(con, var))
    pair_rows_a = np.array(pair_rows, dtype=np.int64)
    pair_cols_a = np.array(pair_cols, dtype=np.int64)
    if len(set(pair_cols)) != len(pair_cols):
        twice = [n for n, c in Counter(pair_cols).items() if c > 1]
        raise StructureError("a variable is complementary to more than one equation: "
                             + ", ".join(system.variables[j].name for j in twice))
    is_pair = np.zeros(system.n_constraints, dtype=bool)
    is_pair[pair_rows_a] = True
    lbg, ubg = system.lbg, system.ubg
    unpaired = np.flatnonzero(~is_pair & (lbg != ubg))
    if unpaired.size:
        raise StructureError(
            "inequalities that are not declared complementary to a variable: "
            + ", ".join(system.constraints[i].name for i in unpaired[:10]))
    if system.n_constraints != system.n_variables:
        raise StructureError(
            f"the complementarity problem is not square: {system.n_constraints} equations "
            f"({pair_rows_a.size} complementary) and {system.n_variables} free variables")
    # F_i >= 0 reads g >= lbg (F = g - lbg) or g <= ubg (F = ubg - g); equalities give g - rhs.
    lower_side = np.isfinite(lbg)
    sign = np.where(is_pair & ~lower_side, -1.0, 1.0)
    rhs = np.where(lower_side, lbg, ubg)
    if np.any(is_pair & lower_side & np.isfinite(ubg)):
        raise StructureError("a complementary equation is a range (two-sided) constraint")
    lower = system.lbx[pair_cols_a]
    if not np.all(np.isfinite(lower)) or np.any(np.isfinite(system.ubx[pair_cols_a])):
        raise StructureError("complementary variables need a finite lower bound and no upper "
                             "bound")
    res = ca.DM(sign) * (system.g - ca.DM(rhs))
    pattern = _structural_pattern(ca.jacobian_sparsity(res, system.x), pair_rows_a, pair_cols_a,
                                  system.n_variables)
    if system.n_variables and structural_rank(pattern) < system.n_variables:
        raise StructureError("the complementarity problem is structurally singular (no "
                             "matching of equations and pairs to variables)")
    return McpSystem(
        system=system,
        pair_rows=pair_rows_a,
        pair_cols=pair_cols_a,
        lower=lower,
        F=ca.Function("F", [system.x], [res]),
        J=ca.Function("J", [system.x], [sparse_jacobian(res, system.x)]),
        names=names,
    )


def _structural_pattern(sparsity: ca.Sparsity, rows, cols, n: int) -> sp.csr_matrix:
    colind, row = sparsity.get_ccs()
    jac = sp.csc_matrix((np.ones(len(row)), np.asarray(row), np.asarray(colind)), shape=(n, n))
    return sp.csr_matrix(jac + sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)))


@dataclass(frozen=True)
class McpOptions:
    """Options of :func:`semismooth_newton` (``options`` keys of ``solve(..., "mcp")``)."""

    tol: float = 1e-10
    max_iter: int = 200
    min_step: float = 1e-12
    armijo: float = 1e-4
    tau: float = 0.99
    # Descent test of De Luca et al.: grad' d <= -rho ||d||^p (d relative to the variables),
    # else the regularised step
    rho: float = 1e-10
    p: float = 2.1
    tee: bool = False


@dataclass
class McpOutcome:
    x: np.ndarray
    residual: np.ndarray  # natural residual per row
    status: SolveStatus
    iterations: int
    message: str
    at_bound: np.ndarray  # per pair, at the point returned
    switches: np.ndarray  # per pair, how often its regime changed over the iterations


def _fischer_burmeister(a: np.ndarray, b: np.ndarray):
    """phi(a, b) and its partial derivatives (an element of the generalized gradient at 0)."""
    r = np.hypot(a, b)
    phi = r - a - b
    safe = np.where(r > 0, r, 1.0)
    # At a = b = 0 phi is not differentiable; (1/sqrt2 - 1, 1/sqrt2 - 1) belongs to its
    # generalized gradient (the unit circle shifted by -1), the choice of De Luca et al.
    da = np.where(r > 0, a / safe, np.sqrt(0.5)) - 1.0
    db = np.where(r > 0, b / safe, np.sqrt(0.5)) - 1.0
    return phi, da, db


def _step_to_boundary(x, dx, lb, ub, tau, free) -> float:
    """Largest a <= 1 keeping unpaired variables strictly inside their bounds (see newton)."""
    alpha = 1.0
    gap_lo, gap_up = x - lb, ub - x
    down = free & (dx < 0) & (gap_lo > 0) & np.isfinite(lb)
    if down.any():
        alpha = min(alpha, float(np.min(tau * gap_lo[down] / -dx[down])))
    up = free & (dx > 0) & (gap_up > 0) & np.isfinite(ub)
    if up.any():
        alpha = min(alpha, float(np.min(tau * gap_up[up] / dx[up])))
    return alpha


def _merit(phi: np.ndarray) -> float:
    with np.errstate(over="ignore"):
        return 0.5 * float(phi @ phi)


def semismooth_newton(mcp: McpSystem, x0: np.ndarray, opts: McpOptions) -> McpOutcome:
    """Solve the MCP from ``x0`` (see the module docstring)."""
    sys_ = mcp.system
    lb, ub = sys_.lbx, sys_.ubx
    rows, cols = mcp.pair_rows, mcp.pair_cols
    free = np.ones(mcp.n, dtype=bool)
    free[cols] = False

    def phi_of(x, f):
        phi = f.copy()
        phi[rows], da, db = _fischer_burmeister(x[cols] - mcp.lower, f[rows])
        return phi, da, db

    x = np.clip(np.asarray(x0, dtype=float), lb, ub)
    f = mcp.residual(x)
    start_state = mcp.at_bound(x, f)
    state, switches = start_state.copy(), np.zeros(rows.size, dtype=np.int64)

    def outcome(status, it, message):
        return McpOutcome(x, mcp.natural_residual(x, f), status, it, message,
                          mcp.at_bound(x, f), switches)

    if not np.all(np.isfinite(f)):
        return outcome(SolveStatus.ERROR, 0, "residual undefined at the start point")
    phi, da, db = phi_of(x, f)
    psi = _merit(phi)
    for it in range(opts.max_iter + 1):
        natural = mcp.natural_residual(x, f)
        worst = float(np.max(np.abs(natural))) if natural.size else 0.0
        if opts.tee:
            print(f"mcp {it:3d}  max|natural| {worst:.3e}  ||Phi|| {np.sqrt(2 * psi):.3e}")
        if worst <= opts.tol:
            return outcome(SolveStatus.OK, it, "")
        if it == opts.max_iter:
            break
        scale = np.ones(mcp.n)
        scale[rows] = db
        h = (sp.diags(scale) @ mcp.jacobian(x)
             + sp.csc_matrix((da, (rows, cols)), shape=(mcp.n, mcp.n))).tocsc()
        grad = h.T @ phi
        step = None
        for d in _directions(h, phi, grad, psi, x, opts):
            step = _line_search(mcp, phi_of, x, d, grad, psi, lb, ub, free, opts)
            if step is not None:
                break
        if step is None:
            return outcome(SolveStatus.LINE_SEARCH_FAILED, it,
                           f"no step of length >= {opts.min_step:g} along the semismooth "
                           "Newton, Levenberg-Marquardt or gradient direction reduces the merit "
                           f"function (max natural residual {worst:.3e}); "
                           + _cycling(mcp, switches, x, f))
        x, f, phi, da, db, psi = step
        new_state = mcp.at_bound(x, f)
        switches += new_state != state
        state = new_state
    return outcome(SolveStatus.ITERATION_LIMIT, opts.max_iter,
                   f"max_iter = {opts.max_iter} reached; " + _cycling(mcp, switches, x, f))


def _directions(h, phi, grad, psi, x, opts: McpOptions):
    """Search directions in the order tried: semismooth Newton (when it is one of descent),
    Levenberg-Marquardt, steepest descent of the merit function."""
    d = _newton_direction(h, phi)
    # The test of De Luca et al. assumes variables of order one; a CGE model's values in bln
    # RUB reach 1e5, where an exact Newton step (grad'd = -||Phi||^2) would be refused for its
    # length alone (doubling the numeraire: ||d|| = 1.2e5 on the flagship). The step is
    # measured relative to the variables instead.
    length = np.linalg.norm(d / np.maximum(1.0, np.abs(x))) if d is not None else 0.0
    if d is not None and grad @ d <= -opts.rho * length ** opts.p:
        yield d
    yield _regularised_direction(h, grad, psi)
    yield -grad


def _line_search(mcp, phi_of, x, d, grad, psi, lb, ub, free, opts: McpOptions):
    """Armijo backtracking on Psi along the projected path ``P(x + a d)``; None if it fails.

    Paired variables are projected onto their bounds (a step may take an activity exactly to
    zero), so the sufficient decrease is measured on the step actually taken; unpaired
    variables keep the square Newton's fraction to the boundary.
    """
    alpha = _step_to_boundary(x, d, lb, ub, opts.tau, free)
    while alpha >= opts.min_step:
        trial = np.clip(x + alpha * d, lb, ub)
        f_trial = mcp.residual(trial)
        if np.all(np.isfinite(f_trial)):
            phi_t, da_t, db_t = phi_of(trial, f_trial)
            psi_t = _merit(phi_t)
            slope = min(float(grad @ (trial - x)), 0.0)
            if psi_t <= psi + opts.armijo * slope and psi_t < psi:
                return trial, f_trial, phi_t, da_t, db_t, psi_t
        alpha *= 0.5
    return None


def _newton_direction(h: sp.csc_matrix, phi: np.ndarray) -> np.ndarray | None:
    try:
        d = splu(h).solve(-phi)
    except RuntimeError:  # SuperLU: "Factor is exactly singular"
        return None
    return d if np.all(np.isfinite(d)) else None


def _regularised_direction(h, grad, psi) -> np.ndarray:
    # lambda grows with the residual: a gradient-like step far away, Gauss-Newton close by.
    lam = min(1.0, np.sqrt(2 * psi))
    n = h.shape[1]
    normal = (h.T @ h + lam * sp.identity(n)).tocsc()
    return splu(normal).solve(-grad)


def _cycling(mcp: McpSystem, switches: np.ndarray, x, f) -> str:
    """The pairs that switched regime most often, with where each stands now."""
    if not switches.size or switches.max() == 0:
        return "no pair switched regime"
    order = np.argsort(-switches, kind="stable")[:10]
    bound = mcp.at_bound(x, f)
    parts = [f"{mcp.names[k]} ({int(switches[k])} switches, now "
             f"{'at its bound' if bound[k] else 'binding'})" for k in order if switches[k]]
    return "pairs that switched regime most often: " + "; ".join(parts)


def ipopt_complementarity(mcp: McpSystem, x0: np.ndarray, options: dict[str, Any],
                          tee: bool) -> McpOutcome:
    """Minimise the complementarity gap with the bundled Ipopt (see the module docstring)."""
    options = dict(options)
    tol = float(options.pop("tol", 1e-9))
    # An interior point reaches the complementarity boundary only as fast as its barrier
    # parameter falls, and Ipopt relaxes bounds by 1e-8 relative unless told not to: the
    # tolerances it is given are tighter than the natural residual checked below: an idle
    # level ends at about the barrier parameter over its loss per unit, 1e-9 for a loss of
    # 1e-2 (M44's exports of good 2) at the barrier tol * 1e-2 would leave.
    opts, _ = casadi_options({"ipopt.bound_relax_factor": 0.0, "ipopt.tol": tol * 1e-5,
                             "ipopt.max_iter": 500, **options, "tol": tol * 1e-1}, tee)
    sys_ = mcp.system
    x = sys_.x
    res = mcp.F(x)
    rows, cols = mcp.pair_rows, mcp.pair_cols
    gap = ca.dot(x[cols.tolist()] - ca.DM(mcp.lower), res[rows.tolist()]) if rows.size else 0
    lbg = np.zeros(mcp.n)
    ubg = np.zeros(mcp.n)
    ubg[rows] = np.inf
    solver = ca.nlpsol("cge_mcp_ipopt", "ipopt", {"x": x, "f": gap, "g": res}, opts)
    sol = solver(x0=x0, lbx=sys_.lbx, ubx=sys_.ubx, lbg=lbg, ubg=ubg)
    stats = solver.stats()
    xs = np.clip(np.asarray(sol["x"], dtype=float).ravel(), sys_.lbx, sys_.ubx)
    f = mcp.residual(xs)
    natural = mcp.natural_residual(xs, f)
    worst = float(np.max(np.abs(natural))) if natural.size else 0.0
    ok = worst <= tol
    status = SolveStatus.OK if ok else SolveStatus.INFEASIBLE
    message = "" if ok else (f"Ipopt: {stats.get('return_status')}, complementarity gap "
                             f"{float(sol['f']):.3e}, max natural residual {worst:.3e}")
    return McpOutcome(xs, natural, status, int(stats.get("iter_count", 0)), message,
                      mcp.at_bound(xs, f), np.zeros(rows.size, dtype=np.int64))


def _regimes(mcp: McpSystem, start: np.ndarray, out: McpOutcome) -> dict[str, list[str]]:
    return {
        "at_bound": [mcp.names[k] for k in np.flatnonzero(out.at_bound)],
        "switched": [mcp.names[k] for k in np.flatnonzero(out.at_bound != start)],
    }


def solve_mcp(model: pyo.Block, solver: str, options: dict[str, Any], tee: bool) -> SolveResult:
    """Solve a model with complementarity pairs in place; raise :class:`SolveError` on failure.

    ``details`` of the result lists the pairs whose variable is at its bound (``at_bound``)
    and those whose regime differs from the start point (``switched``).
    """
    if solver not in MCP_SOLVERS:
        raise ValueError(f"unknown MCP solver {solver!r}; choose one of {MCP_SOLVERS}")
    options = dict(options)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    mcp = build_mcp(model)
    timings["translate"] = time.perf_counter() - start
    x0 = mcp.system.start_point()
    start_state = mcp.at_bound(x0, mcp.residual(x0))
    start = time.perf_counter()
    if solver == "mcp":
        valid = set(McpOptions.__dataclass_fields__) - {"tee"}
        unknown = set(options) - valid
        if unknown:
            raise ValueError(f"unknown mcp options {sorted(unknown)}; valid: {sorted(valid)}")
        out = semismooth_newton(mcp, x0, McpOptions(tee=tee, **options))
    else:
        out = ipopt_complementarity(mcp, x0, options, tee)
    timings["solve"] = time.perf_counter() - start
    finite = out.residual[np.isfinite(out.residual)]
    result = SolveResult(
        solver=solver,
        status=out.status,
        iterations=out.iterations,
        timings=timings,
        n_equations=mcp.system.n_constraints,
        n_variables=mcp.n,
        max_residual=(float(np.max(np.abs(finite))) if finite.size == out.residual.size
                      and finite.size else (0.0 if not out.residual.size else float("nan"))),
        worst=worst_table(mcp.system.constraints, out.residual),
        message=out.message,
        details={"pairs": len(mcp.names), **_regimes(mcp, start_state, out)},
    )
    if not result.ok:
        raise SolveError(result)
    mcp.system.write_back(out.x)
    return result
