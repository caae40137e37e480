"""Equation residuals of a Pyomo model at its current variable values.

For an equality constraint ``lhs == rhs`` Pyomo stores ``body`` and a constant
``upper`` (= ``lower``); the residual is ``body - upper``, so a solution has
all residuals zero.  These functions evaluate the model expressions in Python,
independently of any solver translation, which is what makes them a credible
gate ("benchmark residual below 1e-8") for calibrated models.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.base.constraint import ConstraintData

from cge.solvers.result import WORST_COLUMNS


def equality_constraints(model: pyo.Block) -> list[ConstraintData]:
    """Active equality constraints of ``model`` in declaration order."""
    return [
        c
        for c in model.component_data_objects(pyo.Constraint, active=True, descend_into=True)
        if c.equality
    ]


def constraint_residual(con: ConstraintData) -> float:
    """``body - rhs`` of one constraint in Pyomo (NaN where undefined)."""
    # Expressions can be undefined away from the solution (log or fractional
    # power of a negative number); report those as NaN rather than raising so
    # that a diagnostic table can still be produced.
    try:
        value = pyo.value(con.body) - pyo.value(con.upper)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return math.nan
    return float(value.real) if isinstance(value, complex) else float(value)


def residuals(model: pyo.Block) -> pd.Series:
    """``body - rhs`` of every active equality constraint, indexed by ``name[index]``."""
    cons = equality_constraints(model)
    return pd.Series(
        [constraint_residual(c) for c in cons],
        index=[c.name for c in cons],
        name="residual",
        dtype=float,
    )


def max_residual(model: pyo.Block) -> float:
    """max |body - rhs| over active equality constraints (NaN if any is undefined, 0 if none)."""
    res = residuals(model)
    if res.empty:
        return 0.0
    if res.isna().any():
        return math.nan
    return float(res.abs().max())


def worst_table(cons: Sequence[ConstraintData], values: np.ndarray, n: int = 20) -> pd.DataFrame:
    """The ``n`` largest |residuals| (NaN first: undefined is worse than large) as a table."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return pd.DataFrame(columns=WORST_COLUMNS)
    magnitude = np.where(np.isfinite(values), np.abs(values), np.inf)
    order = np.argsort(-magnitude, kind="stable")[:n]
    rows = []
    for i in order:
        con = cons[i]
        index = con.index()
        rows.append(
            {
                "equation": con.parent_component().name,
                "index": "" if index is None else index,
                "residual": float(values[i]),
            }
        )
    return pd.DataFrame(rows, columns=WORST_COLUMNS)


def model_worst(model: pyo.Block, n: int = 20) -> pd.DataFrame:
    """:func:`worst_table` evaluated in Pyomo for every active equality constraint."""
    cons = equality_constraints(model)
    return worst_table(cons, np.array([constraint_residual(c) for c in cons]), n)
