"""Damped Newton's method for square nonlinear systems F(x) = 0.

Each iteration solves the linear Newton system ``J(x) dx = -F(x)`` with a
sparse LU factorisation of the exact Jacobian, which CasADi differentiates
from the translated expressions: SuperLU (:func:`scipy.sparse.linalg.splu`)
below ``LARGE_SYSTEM`` equations, MUMPS (bundled with CasADi) from there up
(``linear_solver`` chooses explicitly). Interregional trade links every
region's prices, and SuperLU's COLAMD ordering then fills the factors about
70-fold at 45,000 equations (10 s per factorisation); MUMPS' ordering keeps
it to about a second.
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

Convergence is declared when max_i |F_i(x)| <= ``tol`` (absolute, in model
units), i.e. on the residuals a user checks, not on step sizes.  Near the
solution the full step is accepted and convergence is quadratic, so going
from 1e-6 to 1e-12 costs one or two iterations.
"""

from __future__ import annotations

from dataclasses import dataclass

import casadi as ca
import numpy as np
import scipy.sparse as sp
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
    linear_solver: str = "auto"  # "superlu", "mumps" or "auto" (by size, see module docstring)
    tee: bool = False


#: From this many equations up, ``linear_solver = "auto"`` factorises with MUMPS.
LARGE_SYSTEM = 20_000
LINEAR_SOLVERS = ("auto", "superlu", "mumps")


@dataclass
class NewtonOutcome:
    x: np.ndarray
    residual: np.ndarray
    status: SolveStatus
    iterations: int
    message: str


def sparse_jacobian(res: ca.SX, x: ca.SX) -> ca.SX:
    """The Jacobian of ``res`` by ``x``, differentiated in groups of rows of similar density.

    CasADi differentiates a whole expression with one directional derivative per colour of the
    Jacobian's pattern: forward mode needs at least as many colours as the densest row, reverse
    mode as the densest column. A CGE model has a few rows over every price (numeraire, balance
    of payments, savings pool) and columns in thousands of rows (the exchange rate), so on the
    whole system both modes need thousands of sweeps over the whole expression graph, and the
    cost grows with the square of the model (100 s at 45,000 equations). Rows binned by their
    number of nonzeros (powers of two) are differentiated separately, each bin in the mode CasADi
    finds cheaper over that bin's rows only: a few dozen sweeps over each part, linear in the
    model size. The result is the same matrix, rows in the original order.
    """
    n = res.numel()
    if n == 0:
        return ca.jacobian(res, x)
    _, row = ca.jacobian_sparsity(res, x).get_ccs()
    row_nnz = np.bincount(np.asarray(row, dtype=np.int64), minlength=n)
    group = np.ceil(np.log2(np.maximum(row_nnz, 1))).astype(np.int64)
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    blocks = [ca.jacobian(res[rows.tolist()], x) for rows in np.split(order, cuts)]
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    return ca.vertcat(*blocks)[inverse.tolist(), :]


class _Evaluator:
    """F and sparse J of ``g(x) - lbg`` with CasADi's zero-copy numpy buffers."""

    def __init__(self, system: CasadiSystem):
        res = system.g - ca.DM(system.lbg)
        self._f = ca.Function("F", [system.x], [res])
        self._j = ca.Function("J", [system.x], [sparse_jacobian(res, system.x)])
        colind, row = self._j.sparsity_out(0).get_ccs()
        self._indptr = np.asarray(colind, dtype=np.int64)
        self._indices = np.asarray(row, dtype=np.int64)
        self._shape = (system.n_constraints, system.n_variables)
        self._f_buf, self._f_eval = self._f.buffer()
        self._j_buf, self._j_eval = self._j.buffer()

    def residual(self, x: np.ndarray) -> np.ndarray:
        xin = np.ascontiguousarray(x, dtype=float)
        out = np.empty(self._shape[0])
        self._f_buf.set_arg(0, memoryview(xin))
        self._f_buf.set_res(0, memoryview(out))
        self._f_eval()
        return out

    def jacobian(self, x: np.ndarray) -> sp.csc_matrix:
        xin = np.ascontiguousarray(x, dtype=float)
        data = np.empty(self._indices.size)
        self._j_buf.set_arg(0, memoryview(xin))
        self._j_buf.set_res(0, memoryview(data))
        self._j_eval()
        return sp.csc_matrix((data, self._indices, self._indptr), shape=self._shape)


class _LinearSolver:
    """Solves ``J dx = rhs`` for Jacobians of one fixed sparsity pattern."""

    def __init__(self, name: str, jac_pattern: sp.csc_matrix):
        if name not in LINEAR_SOLVERS:
            raise ValueError(f"linear_solver must be one of {LINEAR_SOLVERS}, got {name!r}")
        if name == "auto":
            name = "mumps" if jac_pattern.shape[0] >= LARGE_SYSTEM else "superlu"
        self.name = name
        if name == "mumps":
            n, m = jac_pattern.shape
            self._sparsity = ca.Sparsity(n, m, jac_pattern.indptr.tolist(),
                                         jac_pattern.indices.tolist())
            self._mumps = ca.Linsol("newton", "mumps", self._sparsity)

    def solve(self, jac: sp.csc_matrix, rhs: np.ndarray) -> np.ndarray:
        """The solution; RuntimeError if the matrix is singular."""
        if self.name == "superlu":
            return splu(jac).solve(rhs)
        dx = np.asarray(self._mumps.solve(ca.DM(self._sparsity, jac.data), ca.DM(rhs))).ravel()
        # MUMPS returns some vector for a singular matrix instead of failing: check it.
        if not np.linalg.norm(jac @ dx - rhs) <= 1e-6 * max(np.linalg.norm(rhs), 1e-300):
            raise RuntimeError("MUMPS: the Jacobian is numerically singular")
        return dx


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


def newton_solve(system: CasadiSystem, x0: np.ndarray, opts: NewtonOptions) -> NewtonOutcome:
    """Solve the square equality system ``system`` from ``x0`` (see module docstring)."""
    lb, ub = system.lbx, system.ubx
    ev = _Evaluator(system)
    x = np.clip(np.asarray(x0, dtype=float), lb, ub)
    fx = ev.residual(x)
    if not np.all(np.isfinite(fx)):
        return NewtonOutcome(x, fx, SolveStatus.ERROR, 0, "residual undefined at the start point")
    norm = _norm(fx)
    linear = None
    for it in range(opts.max_iter + 1):
        max_abs = float(np.max(np.abs(fx))) if fx.size else 0.0
        if opts.tee:
            print(f"newton {it:3d}  max|F| {max_abs:.3e}  ||F|| {norm:.3e}")
        if max_abs <= opts.tol:
            return NewtonOutcome(x, fx, SolveStatus.OK, it, "")
        if it == opts.max_iter:
            break
        jac = ev.jacobian(x)
        linear = linear or _LinearSolver(opts.linear_solver, jac)
        try:
            dx = linear.solve(jac, -fx)
        except RuntimeError as exc:  # SuperLU: "Factor is exactly singular"; MUMPS: error code
            return NewtonOutcome(x, fx, SolveStatus.SINGULAR, it, f"Jacobian singular ({exc})")
        if not np.all(np.isfinite(dx)):
            return NewtonOutcome(x, fx, SolveStatus.SINGULAR, it, "Jacobian numerically singular")
        alpha = _step_to_boundary(x, dx, lb, ub, opts.tau)
        while alpha >= opts.min_step:
            trial = np.clip(x + alpha * dx, lb, ub)
            f_trial = ev.residual(trial)
            if np.all(np.isfinite(f_trial)):
                norm_trial = _norm(f_trial)
                if norm_trial <= (1.0 - opts.armijo * alpha) * norm:
                    break
            alpha *= 0.5
        else:
            relative_step = float(np.max(np.abs(dx) / (1.0 + np.abs(x))))
            if relative_step < 1e3 * np.finfo(float).eps:
                why = (
                    "the Newton step is at rounding level, so this residual is the attainable "
                    "accuracy at the model's scale: loosen tol or rescale the model"
                )
            else:
                why = "the system may have no solution nearby (try homotopy or ipopt)"
            return NewtonOutcome(
                x,
                fx,
                SolveStatus.LINE_SEARCH_FAILED,
                it,
                f"no step of length >= {opts.min_step:g} along the Newton direction reduces "
                f"||F|| (max|F| = {max_abs:.3e}); {why}",
            )
        x, fx, norm = trial, f_trial, norm_trial
    return NewtonOutcome(
        x, fx, SolveStatus.ITERATION_LIMIT, opts.max_iter, f"max_iter = {opts.max_iter} reached"
    )
