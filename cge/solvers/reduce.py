"""Reduced space: variables defined explicitly by their equation are eliminated before Newton.

Every model equation is declared with the variable it determines (``determines=`` in
:mod:`cge.model.symbols`). Many of them are explicit definitions ``v = f(others)``: the
intermediate demands X(r,j,i), one per pair of sectors, composite quantities, nest demands.
Their number grows with the square of the number of sectors, while the truly simultaneous
unknowns (prices, activity levels, closure variables) grow linearly. Here such pairs are
eliminated from the translated system (:mod:`cge.solvers.translate`) before the Newton solve
and their values recovered afterwards:

* a pair (equation i, variable j) is **eliminable** when ``j`` enters ``g_i`` linearly with a
  constant nonzero coefficient ``a`` (the Jacobian entry depends on no variable or parameter),
  so ``g_i = a x_j + r_i(others)`` and ``x_j = (rhs_i - r_i) / a`` exactly;
* the definitions must be evaluable in order: pairs whose definitions depend on each other in
  a cycle are kept as unknowns (strongly connected components of the dependency graph), the
  others are put in levels, each level depending only on earlier ones and on the unknowns.
  Within a level no definition holds another's variable, so ``r_i`` is ``g_i`` with the
  level's variables set to zero, one substitution per level;
* the remaining equations, with the definitions substituted in order (CasADi's
  ``substitute_inplace`` on the SX graph: shared subexpressions stay shared), form the reduced
  system in the remaining unknowns, whose Jacobian CasADi differentiates through the
  definitions. Newton (:func:`cge.solvers.newton.newton_solve`) solves it unchanged;
* the eliminated values are recovered from the solution by the same definitions, and the
  residual is evaluated on the **full** system, so results, gates, the worst-equation table of
  a failure and the Walras check are those of the full system.

Bounds of eliminated variables are not enforced along the Newton path (they have no step to
truncate); a solution whose recovered values violate them, or any failure of the reduced solve,
is reported as such and the caller (:func:`cge.solvers.api.solve`) falls back to the full
system. ``reduced=True`` in the Newton options asks for the reduced space (see
:data:`BY_DEFAULT`).
"""

from __future__ import annotations

from dataclasses import dataclass

import casadi as ca
import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from cge.solvers.newton import NewtonOptions, NewtonOutcome, newton_solve, residual_function
from cge.solvers.result import SolveStatus
from cge.solvers.translate import CasadiSystem

#: Whether ``solve(m, "newton")`` works in reduced space without a ``reduced`` option. Off:
#: measured on n-sector models (benchmarks/sectors.py) it pays from a few hundred sectors
#: (Newton 133 s against 219 s at 200 sectors, 45,216 equations) but costs more than it saves
#: on small models (5.1 s against 3.5 s at 50 sectors), where building the derivatives of the
#: substituted system dominates.
BY_DEFAULT = False
#: relative slack on the bounds of recovered values (rounding of the definitions)
BOUND_SLACK = 1e-12


@dataclass
class Reduction:
    """A translated square system with explicit definitions eliminated.

    ``system`` is the reduced system: rows ``rows_kept`` and columns ``kept`` of the full one,
    with the definitions substituted; ``recover(x_kept, p)`` gives the eliminated columns
    ``eliminated`` (in the order of their definitions, rows ``rows_eliminated``).
    """

    system: CasadiSystem
    kept: np.ndarray
    rows_kept: np.ndarray
    eliminated: np.ndarray
    rows_eliminated: np.ndarray
    levels: int
    recover: ca.Function

    def full_point(self, x_kept: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
        x = np.empty(n)
        x[self.kept] = x_kept
        x[self.eliminated] = np.asarray(self.recover(x_kept, p)).ravel()
        return x

    def sizes(self) -> dict[str, int]:
        return {"equations": int(self.rows_kept.size), "eliminated": int(self.eliminated.size),
                "levels": self.levels}


def determined_pairs(system: CasadiSystem) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the system's equations and the free variables they determine.

    Read from the model's symbol table (equation element ``k`` determines the variable's
    element ``k``); a model without one (or equations whose variable is fixed or indexed
    differently) gives no pair for them.
    """
    if not system.constraints:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    model = system.constraints[0].model()
    symbols = getattr(model, "symbols", None) or {}
    row_of = {id(c): i for i, c in enumerate(system.constraints)}
    col_of = {id(v): j for j, v in enumerate(system.variables)}
    rows, cols, taken = [], [], set()
    for name, sym in symbols.items():
        if sym.kind != "equation" or not sym.determines or sym.complementary:
            continue
        eq, var = getattr(model, name, None), getattr(model, sym.determines, None)
        if not isinstance(eq, pyo.Constraint) or not isinstance(var, pyo.Var):
            continue
        for key, con in eq.items():
            i = row_of.get(id(con))
            if i is None or key not in var:
                continue
            j = col_of.get(id(var[key]))
            if j is not None and j not in taken:
                taken.add(j)
                rows.append(i)
                cols.append(j)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def _colouring(pattern: sp.csr_matrix) -> np.ndarray:
    """A colour per node such that no two nodes of a colour are linked either way.

    Rounds of independent sets (Jones-Plassmann with a fixed seeded priority): a node not yet
    coloured whose priority beats every uncoloured neighbour's takes the round's colour. Each
    round is a few array operations, and a CGE model needs a few dozen rounds.
    """
    n = pattern.shape[0]
    sym = (pattern + pattern.T).tocsr()
    indptr, indices = sym.indptr, sym.indices
    has_nb = np.diff(indptr) > 0
    starts = indptr[:-1][has_nb]
    priority = np.random.default_rng(0).permutation(n)
    colour = np.full(n, -1, dtype=np.int64)
    for c in range(n):
        open_ = colour < 0
        if not open_.any():
            break
        neighbour = np.where(open_[indices], priority[indices], -1)
        best = np.full(n, -1, dtype=np.int64)
        if starts.size:
            best[has_nb] = np.maximum.reduceat(neighbour, starts)
        colour[open_ & (priority > best)] = c
    return colour


def _levels(pattern: sp.csr_matrix) -> np.ndarray:
    """Evaluation level of each node of the dependency graph ``pattern`` (row k depends on
    column l), -1 for nodes on a cycle (and nodes that depend on them stay evaluable: a node
    on a cycle is kept as an unknown, so depending on it is depending on an unknown)."""
    n = pattern.shape[0]
    n_comp, label = connected_components(pattern, directed=True, connection="strong")
    on_cycle = np.bincount(label, minlength=n_comp)[label] > 1
    # dependencies on cycle nodes are dependencies on unknowns: drop those edges
    edges = pattern.tocoo()
    acyclic = ~on_cycle[edges.row] & ~on_cycle[edges.col]
    graph = sp.csr_matrix((np.ones(int(acyclic.sum())), (edges.row[acyclic], edges.col[acyclic])),
                          shape=(n, n))
    level = np.zeros(n, dtype=np.int64)
    # longest path from the sources, one sweep per level (CGE definitions nest a few deep)
    indptr, indices = graph.indptr, graph.indices
    has_deps = np.diff(indptr) > 0
    starts = indptr[:-1][has_deps]
    for _ in range(n + 1):
        dep_level = level[indices] + 1
        new = level.copy()
        new[has_deps] = np.maximum.reduceat(dep_level, starts) if starts.size else 0
        if np.array_equal(new, level):
            break
        level = new
    level[on_cycle] = -1
    return level


def build_reduction(system: CasadiSystem) -> Reduction | None:
    """The reduction of ``system`` (see module docstring), or None when nothing is eliminable."""
    if not system.is_equality_system or system.n_constraints != system.n_variables:
        return None
    rows, cols = determined_pairs(system)
    if rows.size == 0:
        return None
    x, p, g = system.x, system.p, system.g
    colind, row = (np.asarray(a, dtype=np.int64) for a in ca.jacobian_sparsity(g, x).get_ccs())
    # Substituting a definition with r - 1 other terms into the c - 1 other rows that hold its
    # variable adds up to (r - 1)(c - 1) entries and removes r + c - 1: an aggregate (income,
    # revenue: a sum over every sector, used by every demand) would turn sparse rows dense, so
    # it stays an unknown; a flow defined by a price or two and used once or twice goes.
    r_nnz = np.bincount(row, minlength=system.n_constraints)[rows]
    c_nnz = np.diff(colind)[cols]
    sparse_fill = (r_nnz - 1) * (c_nnz - 1) <= r_nnz + c_nnz - 1
    rows, cols = rows[sparse_fill], cols[sparse_fill]
    if rows.size == 0:
        return None
    # dependency graph between the pairs: row k holds the variable of pair l
    colind, row = (np.asarray(a, dtype=np.int64)
                   for a in ca.jacobian_sparsity(g[rows.tolist()], x).get_ccs())
    pair_of_col = np.full(system.n_variables, -1, dtype=np.int64)
    pair_of_col[cols] = np.arange(cols.size)
    col = pair_of_col[np.repeat(np.arange(system.n_variables), np.diff(colind))]
    edge = (col >= 0) & (col != row)
    pattern = sp.csr_matrix((np.ones(int(edge.sum())), (row[edge], col[edge])),
                            shape=(cols.size, cols.size))
    # each pair's coefficient a: pairs are coloured so that no row of a colour holds the
    # variable of another pair of that colour; one directional derivative along a colour's
    # variables then gives each of its rows its own coefficient
    colour = _colouring(pattern)
    by_colour = np.argsort(colour, kind="stable")
    parts = []
    for at in np.split(by_colour, np.flatnonzero(np.diff(colour[by_colour])) + 1):
        where = np.sort(cols[at])
        seed = ca.DM(ca.Sparsity(system.n_variables, 1, [0, where.size], where.tolist()),
                     np.ones(where.size))
        parts.append(ca.jtimes(g[rows[at].tolist()], x, seed))
    inverse = np.empty_like(by_colour)
    inverse[by_colour] = np.arange(by_colour.size)
    coefficient = ca.vertcat(*parts)[inverse.tolist()]
    # constant: the coefficient depends on no variable and no parameter
    _, dep_row = ca.jacobian_sparsity(coefficient, ca.vertcat(x, p)).get_ccs()
    constant = np.bincount(np.asarray(dep_row, dtype=np.int64), minlength=cols.size) == 0
    value = np.asarray(ca.Function("a", [x, p], [coefficient])(
        np.zeros(x.numel()), np.zeros(p.numel()))).ravel()
    eligible = np.flatnonzero(constant & (value != 0.0) & np.isfinite(value))
    # definitions on a cycle are kept as unknowns; depending on an unknown is fine
    level = np.full(cols.size, -1, dtype=np.int64)
    level[eligible] = _levels(pattern[eligible][:, eligible])
    ok = level >= 0
    keep = np.flatnonzero(ok)
    if keep.size == 0:
        return None
    keep = keep[np.argsort(level[keep], kind="stable")]
    e_rows, e_cols, a, level = rows[keep], cols[keep], value[keep], level[keep]
    definitions = []
    for lev in np.unique(level):
        at = np.flatnonzero(level == lev)
        r_rows, r_cols = e_rows[at].tolist(), e_cols[at].tolist()
        # zeroing the level's variables zeroes each row's own term only, leaving r_i
        rest = ca.substitute(g[r_rows], x[r_cols], ca.SX.zeros(len(r_cols)))
        definitions.append((system.lbg[r_rows] - rest) / a[at])
    vdef = ca.vertcat(*definitions)
    is_eliminated = np.zeros(system.n_variables, dtype=bool)
    is_eliminated[e_cols] = True
    kept = np.flatnonzero(~is_eliminated)
    row_eliminated = np.zeros(system.n_constraints, dtype=bool)
    row_eliminated[e_rows] = True
    rows_kept = np.flatnonzero(~row_eliminated)
    [vdef], [g_reduced] = ca.substitute_inplace([x[e_cols.tolist()]], [vdef],
                                                [g[rows_kept.tolist()]], False)
    x_kept = x[kept.tolist()]
    reduced = CasadiSystem(
        variables=[system.variables[j] for j in kept],
        constraints=[system.constraints[i] for i in rows_kept],
        x=x_kept, f=ca.SX(0), g=g_reduced,
        lbx=system.lbx[kept], ubx=system.ubx[kept],
        lbg=system.lbg[rows_kept], ubg=system.ubg[rows_kept],
        parameters=system.parameters, p=p, numeric_params=system.numeric_params,
    )
    return Reduction(reduced, kept, rows_kept, e_cols, e_rows, int(level.max()) + 1,
                     ca.Function("recover", [x_kept, p], [vdef]))


def reduction(system: CasadiSystem) -> Reduction | None:
    """The system's reduction, built on first use and kept with the (reused) translation."""
    if "reduction" not in system.cache:
        system.cache["reduction"] = build_reduction(system)
    return system.cache["reduction"]


def full_residual(system: CasadiSystem, x: np.ndarray) -> np.ndarray:
    """``g(x, p) - rhs`` of the full (equality) system, without building its Jacobian."""
    g = residual_function(system)(x, system.parameter_values())
    return np.asarray(g).ravel() - system.lbg


def reduced_newton(system: CasadiSystem, x0: np.ndarray, opts: NewtonOptions
                   ) -> tuple[NewtonOutcome, Reduction] | None:
    """Newton on the reduced system from ``x0`` (a point of the full system); the outcome is
    over the full system (its point and residual). None when nothing is eliminable."""
    red = reduction(system)
    if red is None:
        return None
    out = newton_solve(red.system, x0[red.kept], opts)
    p = system.parameter_values()
    x = red.full_point(out.x, p, system.n_variables)
    fx = full_residual(system, x)
    status, message = out.status, out.message
    if status is SolveStatus.OK:
        slack = BOUND_SLACK * np.maximum(1.0, np.abs(x))
        outside = (x < system.lbx - slack) | (x > system.ubx + slack)
        worst = float(np.max(np.abs(fx))) if fx.size else 0.0
        if outside.any():
            j = int(np.flatnonzero(outside)[0])
            status = SolveStatus.ERROR
            message = (f"reduced space: {int(outside.sum())} recovered values outside their "
                       f"bounds (first {system.variables[j].name} = {x[j]:.6g})")
        elif not worst <= opts.tol:
            status = SolveStatus.ERROR
            message = f"reduced space: full-system residual {worst:.3e} above tol"
    return NewtonOutcome(x, fx, status, out.iterations, message, out.factorisations,
                         out.linear_solver), red
