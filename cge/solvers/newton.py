"""Damped Newton's method for square nonlinear systems F(x) = 0.

Each iteration solves the linear Newton system ``J(x) dx = -F(x)`` with a
sparse LU factorisation of the exact Jacobian, which CasADi differentiates
from the translated expressions. The default (``"auto"``) below ``LARGE_SYSTEM``
equations, UMFPACK (through cvxopt), analyses the Jacobian's pattern once per
translated system (the ordering that keeps the factors sparse) and refactorises
numerically at each new Jacobian; from ``LARGE_SYSTEM`` up it is MUMPS (bundled
with CasADi), which redoes its analysis at every call but whose factors grow
less with the model. Interregional trade links every region's prices, and the
factors fill in faster than the model grows: on the synthetic 25-sector model's
benchmark Jacobian, one factorisation took UMFPACK 1.3 s and 200 MB beyond the
matrix at 46,000 equations (30 regions), MUMPS 3.1 s and 290 MB; at 139,000
(85 regions) UMFPACK 29 s and 2.1 GB, MUMPS 8-13 s and 1.2 GB (peak resident
memory of the factorisation, each in a fresh process). SuperLU
(:func:`scipy.sparse.linalg.splu`, COLAMD ordering) fills the factors about
70-fold at 45,000 equations (10 s per factorisation). A reusable (UMFPACK or
SuperLU) factor is reused for further steps while they converge fast (chord
steps, ``chord_ratio``).
The step ``x + a dx`` is then damped:

* truncated so that variables stay strictly inside their bounds (fraction to
  the boundary ``tau``: a component may move at most ``tau`` of its distance
  to a bound in one step).  CGE prices and quantities carry small positive
  lower bounds because CES/Cobb-Douglas functions are undefined at or below
  zero; a full Newton step can overshoot through them;
* shortened by halving until the Armijo condition on the 2-norm merit holds,
  ``||F(x + a dx)|| <= (1 - c a) ||F(x)||`` (for the Newton direction the
  directional derivative of ||F||^2/2 is -||F||^2, so ``c`` well below one
  is always attainable for small enough ``a`` when F is smooth).

The merit's descent can be very slow where the residuals differ in scale: on the flagship's
5 % cut of world import prices (2,123 equations) every step was shortened to a fraction of a
percent and 100 iterations left max|F| at 0.14, while full steps solve it in four. So a
solve starts with full (relaxed) steps that need not reduce ||F|| (Chamberlain's watchdog, as
in PATH's nonmonotone search), and goes on with them while, within every ``watchdog`` of them,
||F|| falls below ``(1 - c)`` times its value where they started (the anchor). When it does
not, the method returns to the anchor and continues with the line search above for the rest of
the solve: at most ``watchdog`` steps are lost where relaxed steps do not help.

Convergence is declared when max_i |F_i(x)| <= ``tol`` (absolute, in model
units), i.e. on the residuals a user checks, not on step sizes.  Near the
solution the full step is accepted and convergence is quadratic (fast linear
on chord steps), so going from 1e-6 to 1e-12 costs one to three iterations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import casadi as ca
import cvxopt
import numpy as np
import scipy.sparse as sp
from cvxopt import umfpack
from scipy.sparse.linalg import splu

from cge.solvers.result import SolveStatus
from cge.solvers.translate import CasadiSystem


@dataclass(frozen=True)
class NewtonOptions:
    """Options of :func:`newton_solve` (``options`` keys of ``solve(..., "newton")``)."""

    tol: float = 1e-10
    max_iter: int = 100
    min_step: float = 1e-10
    armijo: float = 1e-4
    tau: float = 0.99
    linear_solver: str = "auto"  # "umfpack" or "mumps" by size (see LARGE_SYSTEM), "superlu"
    #: a factor is reused for the next step while a full step reduces ||F|| at least this much
    chord_ratio: float = 0.25
    #: relaxed (full, possibly non-decreasing) steps a solve may take first; 0: monotone only
    watchdog: int = 5
    tee: bool = False


LINEAR_SOLVERS = ("auto", "umfpack", "superlu", "mumps")
#: Equations from which ``"auto"`` factorises with MUMPS instead of UMFPACK: between the two
#: sizes measured in the module docstring, where UMFPACK was faster and smaller (46,000) and
#: where it was three times slower and its factorisation's peak memory 0.9 GB larger (139,000).
LARGE_SYSTEM = 100_000


@dataclass
class NewtonOutcome:
    x: np.ndarray
    residual: np.ndarray
    status: SolveStatus
    iterations: int
    message: str
    factorisations: int = 0
    linear_solver: str = ""


def sparse_jacobian(res: ca.SX, x: ca.SX, pattern: ca.Sparsity | None = None) -> ca.SX:
    """The Jacobian of ``res`` by ``x``, differentiated in groups of rows of similar density.

    CasADi differentiates a whole expression with one directional derivative per colour of the
    Jacobian's pattern: forward mode needs at least as many colours as the densest row, reverse
    mode as the densest column. A CGE model has a few rows over every price (numeraire, balance
    of payments, savings pool) and columns in thousands of rows (the exchange rate), so on the
    whole system both modes need thousands of sweeps over the whole expression graph, and the
    cost grows with the square of the model (100 s at 45,000 equations). Rows binned by their
    number of nonzeros (powers of two) are differentiated separately, each bin in the mode CasADi
    finds cheaper over that bin's rows only: a few dozen sweeps over each part, linear in the
    model size. The result is the same matrix, rows in the original order. ``pattern`` is the
    Jacobian's sparsity when the caller has it (:func:`jacobian_pattern`).
    """
    n = res.numel()
    if n == 0:
        return ca.jacobian(res, x)
    _, row = (ca.jacobian_sparsity(res, x) if pattern is None else pattern).get_ccs()
    row_nnz = np.bincount(np.asarray(row, dtype=np.int64), minlength=n)
    group = np.ceil(np.log2(np.maximum(row_nnz, 1))).astype(np.int64)
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    blocks = [ca.jacobian(res[rows.tolist()], x) for rows in np.split(order, cuts)]
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    return ca.vertcat(*blocks)[inverse.tolist(), :]


class _Evaluator:
    """F and sparse J of ``g(x, p) - lbg`` (equality systems) with CasADi's zero-copy numpy buffers.

    Built once per translated system (see :func:`evaluator`); :meth:`set_parameters` sets the
    values of the fixed Vars before a solve.
    """

    def __init__(self, system: CasadiSystem):
        # The right-hand sides are subtracted at each evaluation, not built in: they are the
        # constants the NL writer moved out of the expressions, kept as numbers in lbg.
        self._system = system
        self._f = residual_function(system)
        self._j = ca.Function("J", [system.x, system.p],
                              [sparse_jacobian(system.g, system.x, jacobian_pattern(system))])
        colind, row = self._j.sparsity_out(0).get_ccs()
        self._indptr = np.asarray(colind, dtype=np.int64)
        self._indices = np.asarray(row, dtype=np.int64)
        self._shape = (system.n_constraints, system.n_variables)
        self._f_buf, self._f_eval = self._f.buffer()
        self._j_buf, self._j_eval = self._j.buffer()
        self.set_parameters(np.zeros(system.p.numel()))

    def set_parameters(self, p: np.ndarray) -> None:
        # The buffers keep a pointer to the array: keep it alive in self.
        self._p = np.ascontiguousarray(p, dtype=float)
        self._f_buf.set_arg(1, memoryview(self._p))
        self._j_buf.set_arg(1, memoryview(self._p))

    def residual(self, x: np.ndarray) -> np.ndarray:
        xin = np.ascontiguousarray(x, dtype=float)
        out = np.empty(self._shape[0])
        self._f_buf.set_arg(0, memoryview(xin))
        self._f_buf.set_res(0, memoryview(out))
        self._f_eval()
        return out - self._system.lbg

    def jacobian(self, x: np.ndarray) -> sp.csc_matrix:
        xin = np.ascontiguousarray(x, dtype=float)
        data = np.empty(self._indices.size)
        self._j_buf.set_arg(0, memoryview(xin))
        self._j_buf.set_res(0, memoryview(data))
        self._j_eval()
        return sp.csc_matrix((data, self._indices, self._indptr), shape=self._shape)


class _LinearSolver:
    """Factorises Jacobians of one fixed sparsity pattern; see :data:`LINEAR_SOLVERS`.

    UMFPACK (through cvxopt) splits the work as the Newton method needs it: the symbolic
    analysis (fill-reducing ordering, elimination tree) depends on the pattern only and is done
    once per translated system, for every solve and step on it; the numeric factorisation is
    redone when the Jacobian is, and a factor can be reused for several steps (chord steps,
    see :func:`newton_solve`). SuperLU's factors can be reused too but it orders afresh at
    each factorisation; CasADi's MUMPS analyses and factorises at every call, so it is never
    reused, and each factorisation gets its own MUMPS instance, freed with its factors after
    its one solve (an instance kept with the system would hold a gigabyte of factors at 85
    regions for as long as the model lives).
    """

    def __init__(self, name: str, jac_pattern: sp.csc_matrix):
        if name not in LINEAR_SOLVERS:
            raise ValueError(f"linear_solver must be one of {LINEAR_SOLVERS}, got {name!r}")
        n, m = jac_pattern.shape
        if name == "auto":
            name = "mumps" if n >= LARGE_SYSTEM else "umfpack"
        self.name = name
        self.reusable = self.name != "mumps"
        if self.name == "mumps":
            self._sparsity = ca.Sparsity(n, m, jac_pattern.indptr.tolist(),
                                         jac_pattern.indices.tolist())
        elif self.name == "umfpack":
            cols = np.repeat(np.arange(m), np.diff(jac_pattern.indptr))
            # cvxopt keeps entries in compressed-column order, as scipy and CasADi do, so new
            # values are written into V in place
            self._matrix = cvxopt.spmatrix(np.ones(jac_pattern.nnz).tolist(),
                                           jac_pattern.indices.tolist(), cols.tolist(), (n, m))
            self._symbolic = umfpack.symbolic(self._matrix)

    def factorize(self, jac: sp.csc_matrix) -> Callable[[np.ndarray], np.ndarray]:
        """A function solving ``jac dx = rhs``; RuntimeError if the matrix is singular."""
        if self.name == "superlu":
            return splu(jac).solve
        if self.name == "umfpack":
            self._matrix.V = cvxopt.matrix(jac.data)
            try:
                numeric = umfpack.numeric(self._matrix, self._symbolic)
            except ArithmeticError as exc:  # cvxopt: "singular matrix"
                raise RuntimeError(f"UMFPACK: {exc}") from None
            matrix = self._matrix

            def solve_umfpack(rhs: np.ndarray) -> np.ndarray:
                b = cvxopt.matrix(np.asarray(rhs, dtype=float))
                umfpack.solve(matrix, numeric, b)
                return np.asarray(b).ravel()

            return solve_umfpack
        values = ca.DM(self._sparsity, jac.data)
        mumps = ca.Linsol("newton", "mumps", self._sparsity)

        def solve_mumps(rhs: np.ndarray) -> np.ndarray:
            dx = np.asarray(mumps.solve(values, ca.DM(rhs))).ravel()
            # MUMPS returns some vector for a singular matrix instead of failing: check it.
            if not np.linalg.norm(jac @ dx - rhs) <= 1e-6 * max(np.linalg.norm(rhs), 1e-300):
                raise RuntimeError("MUMPS: the Jacobian is numerically singular")
            return dx

        return solve_mumps


def linear_solver(system: CasadiSystem, name: str, jac_pattern: sp.csc_matrix) -> _LinearSolver:
    """The system's linear solver ``name``, with its symbolic analysis, kept with the system."""
    key = f"linear_solver:{name}"
    if key not in system.cache:
        system.cache[key] = _LinearSolver(name, jac_pattern)
    return system.cache[key]


def residual_function(system: CasadiSystem) -> ca.Function:
    """``g(x, p)`` of the system as a function, built on first use and kept with the system
    (Newton's evaluator, the gates' benchmark residual and the reduced space share it)."""
    if "residual_function" not in system.cache:
        system.cache["residual_function"] = ca.Function("F", [system.x, system.p], [system.g])
    return system.cache["residual_function"]


def jacobian_pattern(system: CasadiSystem) -> ca.Sparsity:
    """The sparsity of ``dg/dx``, computed on first use and kept with the system (the
    structural check and the Jacobian function both need it: seconds at 100,000 equations)."""
    if "jacobian_pattern" not in system.cache:
        system.cache["jacobian_pattern"] = ca.jacobian_sparsity(system.g, system.x)
    return system.cache["jacobian_pattern"]


def evaluator(system: CasadiSystem) -> _Evaluator:
    """The system's residual and Jacobian functions, built on first use and kept with it."""
    if "evaluator" not in system.cache:
        system.cache["evaluator"] = _Evaluator(system)
    return system.cache["evaluator"]


def _step_to_boundary(x, dx, lb, ub, tau) -> float:
    """Largest a <= 1 with lb < x + a dx < ub for components strictly inside their bounds.

    Components already on a bound are left to the projection in the caller:
    requiring them to stay strictly inside would force a zero step.
    """
    alpha = 1.0
    gap_lo = x - lb
    down = (dx < 0) & (gap_lo > 0) & np.isfinite(lb)
    if down.any():
        alpha = min(alpha, float(np.min(tau * gap_lo[down] / -dx[down])))
    gap_up = ub - x
    up = (dx > 0) & (gap_up > 0) & np.isfinite(ub)
    if up.any():
        alpha = min(alpha, float(np.min(tau * gap_up[up] / dx[up])))
    return alpha


def _norm(f: np.ndarray) -> float:
    # Residuals of a far-off trial point can be ~1e200; their norm is then
    # legitimately inf (and the trial rejected), not an error.
    with np.errstate(over="ignore"):
        return float(np.linalg.norm(f))


def newton_solve(system: CasadiSystem, x0: np.ndarray, opts: NewtonOptions,
                 parameters: np.ndarray | None = None) -> NewtonOutcome:
    """Solve the square equality system ``system`` from ``x0`` (see module docstring).

    ``parameters`` are the values of ``system.p`` (default: read from the model's fixed Vars
    and symbolic Params), so that a caller solving many parameter points on one translation
    (a sensitivity batch) need not write each point into the Pyomo model.

    A factorised Jacobian is kept for the next step (a chord step) while a full step reduced
    ||F|| by ``chord_ratio`` or more, as it does near the solution; otherwise, and whenever a
    step along an old factor's direction fails the line search, the Jacobian is evaluated and
    factorised at the current point. The convergence test is the same either way.
    """
    lb, ub = system.lbx, system.ubx
    ev = evaluator(system)
    ev.set_parameters(system.parameter_values() if parameters is None else parameters)
    x = np.clip(np.asarray(x0, dtype=float), lb, ub)
    fx = ev.residual(x)
    if not np.all(np.isfinite(fx)):
        return NewtonOutcome(x, fx, SolveStatus.ERROR, 0, "residual undefined at the start point")
    norm = _norm(fx)
    solve_with = None  # the current factor's solve, None when the Jacobian is to be factorised
    it = factorisations = 0
    linear = None
    # the watchdog: where relaxed steps started, and how many are left (0: monotone from here)
    anchor, relaxed = (x, fx, norm), opts.watchdog

    def outcome(status: SolveStatus, message: str = "") -> NewtonOutcome:
        return NewtonOutcome(x, fx, status, it, message, factorisations,
                             linear.name if linear else "")

    while True:
        max_abs = float(np.max(np.abs(fx))) if fx.size else 0.0
        if opts.tee:
            print(f"newton {it:3d}  max|F| {max_abs:.3e}  ||F|| {norm:.3e}"
                  + ("" if solve_with is None else "  (chord)"))
        if max_abs <= opts.tol:
            return outcome(SolveStatus.OK)
        if it == opts.max_iter:
            break
        fresh = solve_with is None
        if fresh:
            jac = ev.jacobian(x)
            linear = linear_solver(system, opts.linear_solver, jac)
            factorisations += 1
            try:
                solve_with = linear.factorize(jac)
            except RuntimeError as exc:  # SuperLU: "Factor is exactly singular"; UMFPACK
                return outcome(SolveStatus.SINGULAR, f"Jacobian singular ({exc})")
        try:
            dx = solve_with(-fx)
        except RuntimeError as exc:  # MUMPS: numerically singular
            return outcome(SolveStatus.SINGULAR, f"Jacobian singular ({exc})")
        if not np.all(np.isfinite(dx)):
            return outcome(SolveStatus.SINGULAR, "Jacobian numerically singular")
        alpha = _step_to_boundary(x, dx, lb, ub, opts.tau)
        if relaxed and fresh:
            trial = np.clip(x + alpha * dx, lb, ub)
            f_trial = ev.residual(trial)
            norm_trial = _norm(f_trial)
            if np.isfinite(norm_trial):
                relaxed -= 1
                if norm_trial <= (1.0 - opts.armijo) * anchor[2]:
                    anchor, relaxed = (trial, f_trial, norm_trial), opts.watchdog
                elif not relaxed:  # no decrease within the budget: back, and monotone from here
                    x, fx, norm = anchor
                    solve_with = None
                    it += 1
                    continue
                if not (linear.reusable and alpha == 1.0 and norm_trial <= opts.chord_ratio * norm):
                    solve_with = None
                x, fx, norm = trial, f_trial, norm_trial
                it += 1
                continue
            relaxed = 0  # a full step leaves the residual's domain: monotone from here
        while alpha >= opts.min_step:
            trial = np.clip(x + alpha * dx, lb, ub)
            f_trial = ev.residual(trial)
            if np.all(np.isfinite(f_trial)):
                norm_trial = _norm(f_trial)
                if norm_trial <= (1.0 - opts.armijo * alpha) * norm:
                    break
            alpha *= 0.5
        else:
            if not fresh:  # an old factor's direction: factorise here and try again
                solve_with = None
                continue
            relative_step = float(np.max(np.abs(dx) / (1.0 + np.abs(x))))
            if relative_step < 1e3 * np.finfo(float).eps:
                why = (
                    "the Newton step is at rounding level, so this residual is the attainable "
                    "accuracy at the model's scale: loosen tol or rescale the model"
                )
            else:
                why = "the system may have no solution nearby (try homotopy or ipopt)"
            return outcome(
                SolveStatus.LINE_SEARCH_FAILED,
                f"no step of length >= {opts.min_step:g} along the Newton direction reduces "
                f"||F|| (max|F| = {max_abs:.3e}); {why}",
            )
        if not (linear.reusable and alpha == 1.0 and norm_trial <= opts.chord_ratio * norm):
            solve_with = None
        x, fx, norm = trial, f_trial, norm_trial
        it += 1
    if relaxed and anchor[2] < norm:  # stopped during relaxed steps that had not yet paid off
        x, fx, norm = anchor
    return outcome(SolveStatus.ITERATION_LIMIT, f"max_iter = {opts.max_iter} reached")
