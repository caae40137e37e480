r"""Balancing a SAM: adjusting its cells so every account's receipts equal its payments.

One entry point, :func:`balance`, with four methods. In all of them zero cells stay zero, cells
listed in ``fixed`` keep their values, and every adjusted cell keeps its sign. Write
:math:`A` for the prior (unbalanced) payments, :math:`X` for the balanced ones, :math:`t_k` for
target totals, and :math:`F` for the set of cells that may change (nonzero, not fixed).

``"ras"``: RAS / GRAS
    :math:`x_{ij} = r_i a_{ij} s_j` for positive and :math:`x_{ij} = a_{ij} / (r_i s_j)` for
    negative cells (GRAS, Junius and Oosterhaven 2003, with the correction of Lenzen, Wood and
    Gallego 2007), which minimises the information loss
    :math:`\sum_{ij} |a_{ij}|\,z_{ij} (\ln z_{ij} - 1)` with :math:`z_{ij} = x_{ij}/a_{ij}`.
    Rows and columns are scaled in turn so that each row and each column of :math:`F` sums to
    its target less the fixed cells; with
    :math:`p_i = \sum_j a^+_{ij} s_j` and :math:`n_i = \sum_j a^-_{ij} / s_j` the row step solves
    :math:`r_i p_i - n_i / r_i = u_i`, i.e.
    :math:`r_i = (u_i + \sqrt{u_i^2 + 4 p_i n_i}) / (2 p_i)`. Without negative cells this is
    plain RAS. Needs target totals; those not given are the totals of the least-squares
    balance below (the average of an account's row and column totals is not reachable in
    general: a tax account that pays only its government ties the two accounts' totals).

``"least-squares"``: weighted least squares
    :math:`\min \tfrac12 \sum_F w_{ij} (x_{ij} - a_{ij})^2 / |a_{ij}|` subject to row total =
    column total for every account (and row total = :math:`t_k` where a target is given) and
    :math:`\operatorname{sign} x_{ij} \in \{0, \operatorname{sign} a_{ij}\}`. Dividing by
    :math:`|a_{ij}|` makes adjustments proportional to cell size (Stone's and Byron's choice);
    ``w`` is a reliability weight (larger: the cell is trusted more and moves less). With
    :math:`H = \operatorname{diag}(w/|a|)` and the linear constraints :math:`Cx = d`, the
    KKT conditions give :math:`(C H^{-1} C^T)\lambda = Ca - d`, :math:`x = a - H^{-1}C^T\lambda`:
    one sparse symmetric solve (a weighted graph Laplacian when only row = column is asked).
    Cells whose sign flips are held at zero and the system is solved again (a primal-dual
    active set: a cell held at zero is released if its bound multiplier turns negative).

``"least-absolute"``: weighted least absolute deviations
    :math:`\min \sum_F w_{ij} |x_{ij} - a_{ij}| / |a_{ij}|` with the same constraints, as a
    linear programme in :math:`x = a + p - q`, :math:`p, q \ge 0`, solved by HiGHS. Tends to
    change few cells by more rather than many cells by a little.

``"cross-entropy"``: Robinson, Cattaneo and El-Said (2001)
    Over column coefficient shares :math:`\alpha_{ij} = x_{ij} / t_j` with prior shares
    :math:`\bar\alpha_{ij} = a_{ij} / \bar t_j` (:math:`\bar t_j` the prior column total),
    :math:`\min \sum_F w_{ij} \bigl(|\alpha_{ij}| \ln(|\alpha_{ij}| / |\bar\alpha_{ij}|)
    - |\alpha_{ij}| + |\bar\alpha_{ij}|\bigr)` subject to
    :math:`\sum_j \alpha_{ij} t_j = t_i` and :math:`\sum_i \alpha_{ij} = 1`. With positive
    cells and unit weights the extra :math:`-|\alpha| + |\bar\alpha|` terms add up to a constant
    (the shares of a column sum to one before and after), so this is the Kullback-Leibler
    objective of Robinson et al.; the terms keep it minimal at the prior when negative cells
    are present. Formulated in CasADi, vectorised over the cells, and solved with Ipopt; the
    solution is finished with a few GRAS sweeps to remove what is left of the imbalance at
    Ipopt's tolerance (changes of that order).

Least squares and least absolute deviations use only the targets given: accounts without one
have free totals (row = column is all that is asked).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import xarray as xr
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import cg, minres, splu

from cge.errors import Location, Problem, SAMError
from cge.sam.core import SAM, key
from cge.sam.validate import check

METHODS = ("ras", "least-squares", "least-absolute", "cross-entropy")


@dataclass(frozen=True)
class BalanceResult:
    """A balanced SAM and what balancing did to it."""

    sam: SAM
    method: str
    iterations: int
    #: Largest ``|receipts - payments|`` over accounts after balancing (SAM units).
    max_imbalance: float
    #: Changed cells, largest relative change first: row, col, old, new, change, relative.
    changes: pd.DataFrame
    seconds: float = 0.0

    def report(self, top: int = 15) -> str:
        """A readable summary: method, iterations, final imbalance and the largest changes."""
        n = len(self.changes)
        lines = [f"balanced with {self.method} in {self.iterations} iteration(s), "
                 f"{self.seconds:.3g} s; max |receipts - payments| = {self.max_imbalance:.3g}",
                 f"{n} cell(s) changed" + (f"; largest {min(top, n)} relative changes:" if n
                                           else "")]
        if n:
            shown = self.changes.head(top)
            with pd.option_context("display.width", 200, "display.max_colwidth", 40):
                lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
        return "\n".join(lines)


@dataclass
class _Cells:
    """The adjustable cells of a SAM and the data every method needs, in account positions."""

    n: int
    rows: np.ndarray
    cols: np.ndarray
    prior: np.ndarray
    weight: np.ndarray
    fixed_row: np.ndarray  # row sums of the fixed cells
    fixed_col: np.ndarray  # column sums of the fixed cells
    target: np.ndarray  # target totals, NaN where none was given
    row_total: np.ndarray  # prior row and column totals, all cells
    col_total: np.ndarray


# ---------------------------------------------------------------------------- inputs


def _resolve_cell(sam: SAM, cell) -> tuple[str, str]:
    r, c = cell
    return sam.resolve(r), sam.resolve(c)


def _cell_weights(sam: SAM, weights, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Weights of the cells ``(rows, cols)``: 1 where none (or NaN) is given."""
    n = len(sam.keys)
    if weights is None:
        return np.ones(len(rows))
    if isinstance(weights, xr.DataArray):
        arr = weights.transpose("row", "col").reindex(row=sam.keys, col=sam.keys).values
    elif isinstance(weights, pd.Series):
        arr = np.full((n, n), np.nan)
        pos = {k: i for i, k in enumerate(sam.keys)}
        for cell, w in weights.items():
            r, c = _resolve_cell(sam, cell)
            arr[pos[r], pos[c]] = w
    else:
        arr = np.asarray(weights, dtype=float)
        if arr.shape != (n, n):
            raise SAMError(f"weights have shape {arr.shape}; expected ({n}, {n})")
    w = arr[rows, cols].astype(float)
    w = np.where(np.isnan(w), 1.0, w)
    bad = np.flatnonzero(~(np.isfinite(w) & (w > 0)))
    if len(bad):
        keys = sam.keys
        raise SAMError([Problem("bad-weight", f"weight {w[k]!r} must be positive and finite",
                                Location(cell=(keys[rows[k]], keys[cols[k]]))) for k in bad])
    return w


def _cells(sam: SAM, fixed, targets, weights) -> _Cells:
    values = sam.data.values
    if not np.isfinite(values).all():
        raise SAMError([p for p in check(sam) if p.code == "nan"])
    n = len(sam.keys)
    pos = {k: i for i, k in enumerate(sam.keys)}
    fixed_cells = {(pos[r], pos[c]) for r, c in (_resolve_cell(sam, cell) for cell in fixed or ())}
    target = np.full(n, np.nan)
    if targets is not None:
        for k, t in pd.Series(targets).items():
            if np.isfinite(t):
                target[pos[sam.resolve(k)]] = t
    rows, cols = np.nonzero(values)
    is_fixed = np.array([(i, j) in fixed_cells for i, j in zip(rows, cols, strict=True)]
                        if fixed_cells else np.zeros(len(rows), dtype=bool), dtype=bool)
    fr, fc = rows[is_fixed], cols[is_fixed]
    rows, cols = rows[~is_fixed], cols[~is_fixed]
    fixed_row = np.bincount(fr, weights=values[fr, fc], minlength=n)
    fixed_col = np.bincount(fc, weights=values[fr, fc], minlength=n)
    return _Cells(n, rows, cols, values[rows, cols], _cell_weights(sam, weights, rows, cols),
                  fixed_row, fixed_col, target, values.sum(axis=1), values.sum(axis=0))


def _complete_targets(cells: _Cells, keys: list[str], tol: float, method: str) -> np.ndarray:
    """Given targets, and the totals of the least-squares balance where none is given.

    The average of an account's prior row and column totals is in general not reachable: an
    account with a single payment (a tax account paying only its government) ties its total to
    part of another account's, and averages ignore such ties. The least-squares balance honours
    them, the given targets, the fixed cells and the signs, so its totals are feasible.
    """
    missing = np.isnan(cells.target)
    if not missing.any():
        return cells.target
    x, _ = _least_squares(cells, keys, tol, 1_000, f"{method} (totals by least squares)")
    totals = np.bincount(cells.rows, weights=x, minlength=cells.n) + cells.fixed_row
    return np.where(missing, totals, cells.target)


def _read_cell_table(file: str | Path, sam: SAM, extra: list[str]) -> pd.DataFrame:
    file = Path(file)
    if not file.exists():
        raise SAMError(Problem("missing-file", "file not found", Location(file=str(file))))
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SAMError(Problem("unreadable", f"cannot parse CSV: {exc}",
                               Location(file=str(file)))) from exc
    df.columns = [c.strip() for c in df.columns]
    need = ["row_region", "row_account", "col_region", "col_account", *extra]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise SAMError(Problem("columns", f"missing column(s) {missing}; expected {need}",
                               Location(file=str(file), line=1)))
    problems = []
    df["row"] = [key(r.strip(), a.strip()) for r, a in zip(df["row_region"], df["row_account"],
                                                           strict=True)]
    df["col"] = [key(r.strip(), a.strip()) for r, a in zip(df["col_region"], df["col_account"],
                                                           strict=True)]
    for i, (r, c) in enumerate(zip(df["row"], df["col"], strict=True)):
        for k in (r, c):
            if k not in sam.accounts.index:
                problems.append(Problem("unknown-account", f"account {k} is not in the SAM",
                                        Location(file=str(file), line=i + 2, cell=(r, c))))
    for col in extra:
        values = pd.to_numeric(df[col], errors="coerce")
        for i in np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float))):
            problems.append(Problem("bad-value", f"{col} {df[col].iloc[i]!r} is not a finite "
                                    "number", Location(file=str(file), line=int(i) + 2)))
        df[col] = values
    if problems:
        raise SAMError(problems)
    return df


def read_fixed(file: str | Path, sam: SAM) -> list[tuple[str, str]]:
    """Cells to hold fixed from a CSV with ``row_region,row_account,col_region,col_account``."""
    df = _read_cell_table(file, sam, [])
    return list(zip(df["row"], df["col"], strict=True))


def read_cell_values(file: str | Path, sam: SAM, column: str = "weight") -> pd.Series:
    """Per-cell numbers (such as reliability weights) from a CSV with the cell columns and
    ``column``, as a Series indexed by ``(row key, col key)``."""
    df = _read_cell_table(file, sam, [column])
    return pd.Series(df[column].to_numpy(), index=pd.MultiIndex.from_arrays([df["row"],
                                                                            df["col"]]))


def read_targets(file: str | Path, sam: SAM) -> pd.Series:
    """Target totals from a CSV with ``region,account,total``, indexed by account key."""
    file = Path(file)
    if not file.exists():
        raise SAMError(Problem("missing-file", "file not found", Location(file=str(file))))
    df = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
    df.columns = [c.strip() for c in df.columns]
    if not {"region", "account", "total"} <= set(df.columns):
        raise SAMError(Problem("columns", "expected columns region,account,total",
                               Location(file=str(file), line=1)))
    keys = [key(r.strip(), a.strip()) for r, a in zip(df["region"], df["account"], strict=True)]
    totals = pd.to_numeric(df["total"], errors="coerce").to_numpy(dtype=float)
    problems = []
    for i, (k, t) in enumerate(zip(keys, totals, strict=True)):
        where = Location(file=str(file), line=i + 2, account=k)
        if k not in sam.accounts.index:
            problems.append(Problem("unknown-account", f"account {k} is not in the SAM", where))
        if not np.isfinite(t):
            problems.append(Problem("bad-value", f"total {df['total'].iloc[i]!r} is not a "
                                    "finite number", where))
    if problems:
        raise SAMError(problems)
    return pd.Series(totals, index=keys, name="target")


# ---------------------------------------------------------------------------- RAS / GRAS


def _scale_step(p: np.ndarray, neg: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Solve ``r p - neg / r = u`` for the positive root ``r`` (1 where the line is empty)."""
    r = np.ones_like(u)
    both = p > 0
    root = np.sqrt(u[both] ** 2 + 4 * p[both] * neg[both])
    # Two algebraically equal forms; pick the one without cancellation.
    r[both] = np.where(u[both] >= 0, (u[both] + root) / (2 * p[both]),
                       2 * neg[both] / np.where(root - u[both] > 0, root - u[both], 1.0))
    only_neg = (p == 0) & (neg > 0)
    r[only_neg] = -neg[only_neg] / u[only_neg]
    return r


def _gras_feasible(cells: _Cells, totals: np.ndarray, keys: list[str], scale: float,
                   tol: float) -> None:
    """Name every line GRAS cannot bring to its target, whatever the scaling."""
    problems = []
    for idx, fixed, what in ((cells.rows, cells.fixed_row, "receipts"),
                             (cells.cols, cells.fixed_col, "payments")):
        need = totals - fixed
        pos = np.bincount(idx, weights=np.maximum(cells.prior, 0), minlength=cells.n)
        neg = np.bincount(idx, weights=np.maximum(-cells.prior, 0), minlength=cells.n)
        for k in range(cells.n):
            if pos[k] == 0 and neg[k] == 0 and abs(need[k]) > tol * scale:
                problems.append(f"{what} must change by {need[k]:.6g} but no cell can change")
            elif neg[k] == 0 and pos[k] > 0 and need[k] <= 0:
                problems.append(f"{what} of the adjustable cells (all positive) must come to "
                                f"{need[k]:.6g}")
            elif pos[k] == 0 and neg[k] > 0 and need[k] >= 0:
                problems.append(f"{what} of the adjustable cells (all negative) must come to "
                                f"{need[k]:.6g}")
            else:
                continue
            problems[-1] = Problem("infeasible", problems[-1] + f" (target total "
                                   f"{totals[k]:.6g}, fixed cells {fixed[k]:.6g})",
                                   Location(account=keys[k]))
    if problems:
        raise SAMError(problems)


def _gras(cells: _Cells, totals: np.ndarray, keys: list[str], tol: float, max_iter: int
          ) -> tuple[np.ndarray, int]:
    scale = max(1.0, float(np.abs(totals).max(initial=0)))
    _gras_feasible(cells, totals, keys, scale, tol)
    n = cells.n
    positive = np.maximum(cells.prior, 0)
    negative = np.maximum(-cells.prior, 0)
    shape = (n, n)
    pmat = sp.csr_matrix((positive, (cells.rows, cells.cols)), shape=shape)
    nmat = sp.csr_matrix((negative, (cells.rows, cells.cols)), shape=shape)
    u, v = totals - cells.fixed_row, totals - cells.fixed_col
    r, s = np.ones(n), np.ones(n)
    for it in range(1, max_iter + 1):
        r = _scale_step(pmat @ s, nmat @ (1 / s), u)
        s = _scale_step(pmat.T @ r, nmat.T @ (1 / r), v)
        x = _gras_values(cells, r, s)
        gap = np.abs(np.bincount(cells.rows, weights=x, minlength=n) - u).max(initial=0)
        if gap <= tol * scale:
            return x, it
    off = np.bincount(cells.rows, weights=x, minlength=n) - u
    worst = np.argsort(-np.abs(off))[:5]
    raise SAMError([Problem("not-converged", f"RAS did not converge in {max_iter} iterations: "
                            f"receipts off target by {off[k]:.3g}; the targets may be "
                            "unreachable with this pattern of nonzero and fixed cells",
                            Location(account=keys[k])) for k in worst])


def _gras_values(cells: _Cells, r: np.ndarray, s: np.ndarray) -> np.ndarray:
    ri, sj = r[cells.rows], s[cells.cols]
    return np.where(cells.prior > 0, ri * cells.prior * sj, cells.prior / (ri * sj))


# ---------------------------------------------------------------------------- constraints


def _constraints(cells: _Cells, free: np.ndarray) -> tuple[sp.csc_matrix, np.ndarray]:
    """``C x = d``: row = column for each account and row = target where given.

    The row = column constraints of a group of accounts connected by free cells sum to zero,
    so one per group is dropped. ``C`` has a column for every cell, free or not (the columns
    of cells held at zero give their bound multipliers).
    """
    n = cells.n
    rows, cols = cells.rows, cells.cols
    m = len(rows)
    ones = np.ones(m)
    incidence = (sp.csr_matrix((ones, (rows, np.arange(m))), shape=(n, m))
                 - sp.csr_matrix((ones, (cols, np.arange(m))), shape=(n, m)))
    graph = sp.csr_matrix((ones[free], (rows[free], cols[free])), shape=(n, n))
    _, group = connected_components(graph, directed=False)
    _, first = np.unique(group, return_index=True)
    keep = np.ones(n, dtype=bool)
    keep[first] = False
    d_balance = cells.fixed_col - cells.fixed_row
    has_target = ~np.isnan(cells.target)
    row_sum = sp.csr_matrix((ones, (rows, np.arange(m))), shape=(n, m))
    c = sp.vstack([incidence[keep], row_sum[has_target]]).tocsc()
    d = np.concatenate([d_balance[keep], (cells.target - cells.fixed_row)[has_target]])
    return c, d


def _check_groups(cells: _Cells, free: np.ndarray, keys: list[str], method: str,
                  tol: float) -> None:
    """Name the groups of accounts that fixed cells leave unbalanced with nothing to adjust.

    Free cells only move money within a group of accounts they connect, so a group without
    targets balances only if its fixed cells do.
    """
    n = cells.n
    graph = sp.csr_matrix((np.ones(free.sum()), (cells.rows[free], cells.cols[free])),
                          shape=(n, n))
    _, group = connected_components(graph, directed=False)
    gap = np.bincount(group, weights=cells.fixed_col - cells.fixed_row)
    targeted = np.bincount(group, weights=~np.isnan(cells.target)) > 0
    scale = max(1.0, float(np.abs(cells.row_total).max(initial=0)))
    problems = []
    for g in np.flatnonzero((np.abs(gap) > tol * scale) & ~targeted):
        members = [keys[k] for k in np.flatnonzero(group == g)]
        if len(members) == 1:
            text = (f"no cell of this account can change and its fixed cells leave receipts - "
                    f"payments = {-gap[g]:.6g}")
        else:
            names = ", ".join(members[:6]) + (f" and {len(members) - 6} more"
                                               if len(members) > 6 else "")
            text = (f"fixed cells leave accounts {names} together unbalanced by "
                    f"{-gap[g]:.6g} and no adjustable cell links them to other accounts")
        problems.append(Problem("infeasible", f"{method}: {text}",
                                Location(account=members[0])))
    if problems:
        raise SAMError(problems)


def _infeasible(cells: _Cells, x: np.ndarray, free: np.ndarray, keys: list[str], method: str,
                tol: float) -> None:
    """Raise naming the accounts still unbalanced (or off target) after a solve."""
    n = cells.n
    rows = np.bincount(cells.rows[free], weights=x[free], minlength=n) + cells.fixed_row
    cols = np.bincount(cells.cols[free], weights=x[free], minlength=n) + cells.fixed_col
    scale = max(1.0, float(np.abs(cells.row_total).max(initial=0)))
    off = np.abs(rows - cols)
    has_target = ~np.isnan(cells.target)
    off_target = np.where(has_target, np.abs(rows - np.nan_to_num(cells.target)), 0.0)
    bad = np.flatnonzero((off > tol * scale) | (off_target > tol * scale))
    if len(bad):
        raise SAMError([Problem(
            "infeasible", f"{method}: cannot balance this account with the cells allowed to "
            f"change (receipts {rows[k]:.6g}, payments {cols[k]:.6g}"
            + (f", target {cells.target[k]:.6g}" if has_target[k] else "") + "); check fixed "
            "cells, targets and sign constraints", Location(account=keys[k])) for k in bad])


# ---------------------------------------------------------------------------- least squares


def _solve_equality_qp(cells: _Cells, h: np.ndarray, free: np.ndarray) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """Minimise ``1/2 sum h (x - a)^2`` over the free cells subject to the balance constraints.

    Returns the free cells' values (cells not free are 0) and ``C^T lambda`` per cell.
    """
    c_all, d = _constraints(cells, free)
    c = c_all[:, free]
    a = cells.prior[free]
    hinv = 1 / h[free]
    m = (c @ sp.diags(hinv) @ c.T).tocsc()
    rhs = c @ a - d
    lam = None
    if m.shape[0]:
        lam = _solve_spd(m, rhs)
        ct_lam = c_all.T @ lam
    else:
        ct_lam = np.zeros(len(cells.prior))
    x = np.zeros(len(cells.prior))
    x[free] = a - hinv * ct_lam[free]
    return x, ct_lam


def _solve_spd(m: sp.csc_matrix, rhs: np.ndarray) -> np.ndarray:
    """Solve ``M lam = rhs`` for symmetric positive (semi)definite ``M``.

    Conjugate gradients with a diagonal preconditioner first: sparse LU of these Laplacian-like
    matrices fills in badly (seconds at 5,000 accounts) while CG takes milliseconds. Then LU
    with a symmetric ordering, then MINRES, which also solves the consistent singular systems
    that a target repeating what row = column already says produces.
    """
    good = 1e-10 * max(1.0, float(np.abs(rhs).max(initial=0)))

    def solved(lam: np.ndarray | None) -> bool:
        return (lam is not None and bool(np.all(np.isfinite(lam)))
                and float(np.abs(m @ lam - rhs).max(initial=0)) <= good)

    diag = m.diagonal()
    precond = sp.diags(np.where(diag > 0, 1 / np.where(diag > 0, diag, 1), 1.0))
    lam = cg(m, rhs, rtol=1e-14, atol=0, maxiter=10 * m.shape[0], M=precond)[0]
    if solved(lam):
        return lam
    try:
        lam = splu(m, permc_spec="MMD_AT_PLUS_A").solve(rhs)
    except RuntimeError:  # exactly singular
        lam = None
    if solved(lam):
        return lam
    return minres(m, rhs, rtol=1e-14, maxiter=10 * m.shape[0])[0]


def _least_squares(cells: _Cells, keys: list[str], tol: float, max_iter: int,
                   method: str = "least-squares") -> tuple[np.ndarray, int]:
    h = cells.weight / np.abs(cells.prior)
    sign = np.sign(cells.prior)
    free = np.ones(len(cells.prior), dtype=bool)
    seen: set[bytes] = set()
    release_all = True
    _check_groups(cells, free, keys, method, max(tol, 1e-9))
    # A cell the balance forces to zero comes out as rounding noise of either sign; holding it
    # at zero then leaves its bound multiplier undetermined, and the set would flip forever.
    noise = 1e-13 * max(1.0, float(np.abs(cells.row_total).max(initial=0)))
    for it in range(1, max_iter + 1):
        x, ct_lam = _solve_equality_qp(cells, h, free)
        flipped = free & (sign * x < -noise)
        if flipped.any():
            free &= ~flipped
        else:
            # Multiplier of the bound sign*x >= 0 for a cell held at zero; negative: the
            # objective would fall if the cell moved back inside, so release it.
            mu = -h * np.abs(cells.prior) + sign * ct_lam
            release = ~free & (mu < -1e-12 * np.abs(h * cells.prior))
            if not release.any():
                x = np.where(sign * x < 0, 0.0, x)
                _infeasible(cells, x, free, keys, method, max(tol, 1e-9))
                return x, it
            if not release_all:
                release = np.zeros_like(release)
                release[np.argmin(np.where(~free, mu, np.inf))] = True
            free |= release
        state = free.tobytes()
        if state in seen:  # cycling between active sets: release one cell at a time
            release_all = False
        seen.add(state)
    raise SAMError(Problem("not-converged", f"{method}: active set did not settle in "
                           f"{max_iter} iterations"))


# ---------------------------------------------------------------------------- least absolute


def _least_absolute(cells: _Cells, keys: list[str], tol: float) -> tuple[np.ndarray, int]:
    a = cells.prior
    m = len(a)
    free = np.ones(m, dtype=bool)
    _check_groups(cells, free, keys, "least-absolute", max(tol, 1e-9))
    c, d = _constraints(cells, free)
    # Scale so the LP's absolute tolerances act as relative ones.
    scale = max(1.0, float(np.abs(a).max(initial=0)))
    h = cells.weight / np.abs(a)
    cost = np.concatenate([h, h]) * scale
    pos = a > 0
    # x = a + p - q keeps its sign: a positive cell may fall by at most a, a negative one rise
    # by at most |a|.
    p_upper = np.where(pos, np.inf, -a / scale)
    q_upper = np.where(pos, a / scale, np.inf)
    bounds = np.column_stack([np.zeros(2 * m), np.concatenate([p_upper, q_upper])])
    a_eq = sp.hstack([c, -c]).tocsr()
    b_eq = (d - c @ a) / scale
    from scipy.optimize import linprog  # here: scipy.optimize takes a second to import

    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    if res.status == 2:
        raise SAMError(Problem("infeasible", "least-absolute: no balanced SAM keeps these fixed "
                               "cells, targets and signs"))
    if res.status != 0:
        raise SAMError(Problem("solver", f"least-absolute: HiGHS failed: {res.message}"))
    x = a + (res.x[:m] - res.x[m:]) * scale
    x = np.where(np.sign(x) == np.sign(a), x, 0.0)  # bound-level noise across zero
    _infeasible(cells, x, free, keys, "least-absolute", max(tol, 1e-9))
    return x, int(getattr(res, "nit", 0) or 0)


# ---------------------------------------------------------------------------- cross-entropy


def _cross_entropy(cells: _Cells, keys: list[str], tol: float, max_iter: int
                   ) -> tuple[np.ndarray, int]:
    import casadi as ca

    totals = _complete_targets(cells, keys, tol, "cross-entropy")
    active = (np.bincount(cells.rows, minlength=cells.n)
              + np.bincount(cells.cols, minlength=cells.n)) > 0
    bad = np.flatnonzero(active & ((totals <= 0) | (cells.col_total <= 0)))
    if len(bad):
        raise SAMError([Problem("nonpositive-total", f"cross-entropy works on column shares "
                                f"and needs positive totals; target {totals[k]:.6g}, prior "
                                f"column total {cells.col_total[k]:.6g}",
                                Location(account=keys[k])) for k in bad])
    n, m = cells.n, len(cells.prior)
    rows, cols, a = cells.rows, cells.cols, cells.prior
    sign = np.sign(a)
    prior_share = np.abs(a) / cells.col_total[cols]
    # Share b of cell (i, j) pays x = sign * b * t_j. Constraints, divided by t_k so all are
    # of order one: receipts / t_i = 1 and sum of column shares = 1.
    row_coef = sign * totals[cols] / totals[rows]
    col_coef = sign
    has_row = np.bincount(rows, minlength=n) > 0
    has_col = np.bincount(cols, minlength=n) > 0
    _gras_feasible(cells, totals, keys, max(1.0, float(np.abs(totals).max())), tol)
    # Weighted by t, the receipts constraints of a connected group of rows and columns (the
    # bipartite graph of cells) sum to its payments constraints: drop one payments constraint
    # per group, or Ipopt meets a singular Jacobian.
    graph = sp.csr_matrix((np.ones(m), (rows, n + cols)), shape=(2 * n, 2 * n))
    _, group = connected_components(graph, directed=False)
    col_group = group[n:]
    drop = np.zeros(n, dtype=bool)
    for g in np.unique(col_group[has_col]):
        drop[np.flatnonzero(has_col & (col_group == g))[0]] = True
    col_keep = has_col & ~drop
    row_index = -np.ones(n, dtype=int)
    row_index[has_row] = np.arange(has_row.sum())
    col_index = -np.ones(n, dtype=int)
    col_index[col_keep] = has_row.sum() + np.arange(col_keep.sum())
    n_con = int(has_row.sum() + col_keep.sum())
    in_col = col_keep[cols]
    con_rows = np.concatenate([row_index[rows], col_index[cols][in_col]])
    con_cols = np.concatenate([np.arange(m), np.arange(m)[in_col]])
    con_vals = np.concatenate([row_coef * prior_share, (col_coef * prior_share)[in_col]])
    jac = sp.csc_matrix((con_vals, (con_rows, con_cols)), shape=(n_con, m))
    # only accounts with cells have constraints (and positive totals): others never divide
    rhs = np.concatenate([1 - cells.fixed_row[has_row] / totals[has_row],
                          1 - cells.fixed_col[col_keep] / totals[col_keep]])
    jac_ca = ca.DM(ca.Sparsity(n_con, m, jac.indptr.tolist(), jac.indices.tolist()),
                   jac.data.tolist())
    # Unknowns z = b / bbar start at 1, away from Ipopt's push off the bound z >= 0; shares
    # are often far smaller than that push (0.01).
    z = ca.MX.sym("z", m)
    wb = ca.DM(cells.weight * prior_share)
    objective = ca.sum1(wb * (z * ca.log(z) - z + 1))
    nlp = {"x": z, "f": objective, "g": ca.mtimes(jac_ca, z)}
    solver = ca.nlpsol("cross_entropy", "ipopt", nlp, {
        "print_time": False,
        "ipopt": {"print_level": 0, "sb": "yes", "tol": 1e-12, "constr_viol_tol": 1e-12,
                  "max_iter": max_iter, "mu_strategy": "adaptive"}})
    sol = solver(x0=np.ones(m), lbx=0, ubx=np.inf, lbg=rhs, ubg=rhs)
    stats = solver.stats()
    if not stats["success"]:
        raise SAMError(Problem("solver", f"cross-entropy: Ipopt stopped with "
                               f"{stats['return_status']}; the targets may be unreachable with "
                               "this pattern of nonzero and fixed cells"))
    share = np.asarray(sol["x"]).ravel() * prior_share
    x = sign * share * totals[cols]
    polished = _Cells(n, rows, cols, np.where(x != 0, x, a), cells.weight, cells.fixed_row,
                      cells.fixed_col, cells.target, cells.row_total, cells.col_total)
    x, sweeps = _gras(polished, totals, keys, tol, 1000)
    return x, int(stats["iter_count"]) + sweeps


# ---------------------------------------------------------------------------- entry point


def _changes(sam: SAM, new: np.ndarray) -> pd.DataFrame:
    old = sam.data.values
    r, c = np.nonzero(new != old)
    keys = np.asarray(sam.keys, dtype=object)
    df = pd.DataFrame({"row": keys[r], "col": keys[c], "old": old[r, c], "new": new[r, c]})
    df["change"] = df["new"] - df["old"]
    df["relative"] = df["change"] / df["old"].abs()
    order = np.argsort(-df["relative"].abs().to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


def balance(sam: SAM, method: str = "ras", *,
            fixed: Iterable[tuple[str, str]] | None = None,
            targets: pd.Series | dict[str, float] | None = None,
            weights: xr.DataArray | pd.Series | np.ndarray | None = None,
            tol: float = 1e-10, max_iter: int | None = None) -> BalanceResult:
    """Balance a SAM with one of :data:`METHODS` (see the module docstring for the maths).

    Parameters
    ----------
    fixed:
        Cells ``(row, col)`` held at their values, given as account keys or ``(region,
        account)`` pairs.
    targets:
        Target totals (receipts = payments) by account key. The least-squares methods leave
        the totals of accounts without one free; RAS and cross-entropy need all totals and take
        the missing ones from the least-squares balance.
    weights:
        Reliability weights per cell (positive; larger: the cell changes less), as a DataArray
        with dims ``("row", "col")``, a Series indexed by ``(row, col)`` or an n x n array.
        Missing or NaN weights are 1. Not used by RAS.
    tol:
        Relative balance tolerance: ``|receipts - payments| <= tol * max(1, largest total)``.
    max_iter:
        Iteration limit (RAS sweeps, active-set rounds or Ipopt iterations).

    Raises :class:`SAMError` naming the accounts that cannot be balanced.
    """
    if method not in METHODS:
        raise SAMError(f"unknown balancing method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "ras" and weights is not None:
        raise SAMError("RAS has no weights: use least-squares, least-absolute or cross-entropy")
    start = time.perf_counter()
    cells = _cells(sam, fixed, targets, weights)
    keys = sam.keys
    if not np.any(cells.prior):
        raise SAMError(Problem("no-cells", f"{method}: nothing to balance, no nonzero cell "
                               "may change (zero cells stay zero, fixed cells stay fixed)"))
    if method == "ras":
        x, iterations = _gras(cells, _complete_targets(cells, keys, tol, "ras"), keys, tol,
                              max_iter or 10_000)
    elif method == "least-squares":
        x, iterations = _least_squares(cells, keys, tol, max_iter or 1_000)
    elif method == "least-absolute":
        x, iterations = _least_absolute(cells, keys, tol)
    else:
        x, iterations = _cross_entropy(cells, keys, tol, max_iter or 3_000)
    new = sam.data.values.copy()
    new[cells.rows, cells.cols] = x
    out = sam.with_values(new)
    worst = float(np.abs(out.imbalance().to_numpy()).max(initial=0))
    return BalanceResult(out, method, iterations, worst, _changes(sam, new),
                         time.perf_counter() - start)
