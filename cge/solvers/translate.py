"""Pyomo -> CasADi translation through the AMPL NL format.

Pyomo's NL writer walks the expression trees once in compiled-friendly code
and CasADi parses the resulting NL file in C++; measured on CGE-sized models
this is several times faster than translating Pyomo expressions with a Python
visitor.  The NL writer is called with

* ``linear_presolve=False`` so that every free variable that appears in an
  active constraint stays a column (otherwise variables defined by linear
  equations are substituted away and would have to be written back from
  ``info.eliminated_vars``);
* ``scale_model=False`` so that residuals are in model units and the absolute
  tolerance means what the caller thinks it means;
* no symbolic labels (CasADi's NL parser rejects the comment lines they add);
  the writer's returned ``info.variables`` / ``info.constraints`` give the
  column and row order instead.

Fixed Vars (the numeraire, endowments, closure variables) are unfixed while the
NL file is written, so they arrive as columns; they become the CasADi
parameter vector ``p`` of the translated system, whose values are read from
the model at each solve.  Mutable Params are written as numbers: the NL
writer folds them into coefficients and drops terms whose coefficient is
zero, so the structure itself depends on their values.

:func:`translation` keeps one translation per model and reuses it (with its
derivative functions and the structural check's answer) while the model's
structure and Param values are unchanged: the benchmark gates, which only
move the start point and the fixed numeraire, translate once.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import Any

import casadi as ca
import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.core.expr.numvalue import is_constant
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn.plugins.nl_writer import NLWriter

from cge.gcpause import gc_paused


@dataclass
class CasadiSystem:
    """A Pyomo model as CasADi SX expressions: min f(x) s.t. lbg <= g(x) <= ubg, lbx <= x <= ubx.

    Row ``i`` of ``g`` is ``constraints[i]``, entry ``j`` of ``x`` is
    ``variables[j]`` and entry ``k`` of the parameters ``p`` is the fixed Var
    ``parameters[k]``.  For an equality row ``lbg[i] == ubg[i]`` is the
    constant right-hand side, so its residual is ``g[i] - lbg[i]``.
    ``cache`` holds what callers derive from the expressions (derivative
    functions, the structural check's answer) so that reuses of the system
    do not derive it again.
    """

    variables: list[VarData]
    constraints: list[ConstraintData]
    x: ca.SX
    f: ca.SX
    g: ca.SX
    lbx: np.ndarray
    ubx: np.ndarray
    lbg: np.ndarray
    ubg: np.ndarray
    parameters: list[VarData] = field(default_factory=list)
    p: ca.SX = field(default_factory=lambda: ca.SX(0, 1))
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def n_variables(self) -> int:
        return len(self.variables)

    @property
    def n_constraints(self) -> int:
        return len(self.constraints)

    @property
    def is_equality_system(self) -> bool:
        return bool(np.all(self.lbg == self.ubg))

    @property
    def objective_is_constant(self) -> bool:
        return not ca.depends_on(self.f, self.x)

    def values(self) -> np.ndarray:
        """Current Pyomo values of ``variables`` (unset ones as NaN)."""
        return np.array([np.nan if v.value is None else float(v.value) for v in self.variables])

    def start_point(self) -> np.ndarray:
        """Current Pyomo values (unset ones as 0), projected into the bounds."""
        return np.clip(np.nan_to_num(self.values(), nan=0.0), self.lbx, self.ubx)

    def parameter_values(self) -> np.ndarray:
        """Current values of the fixed Vars in ``parameters``."""
        return np.array([np.nan if v.value is None else float(v.value) for v in self.parameters])

    def write_back(self, x: np.ndarray) -> None:
        """Store ``x`` in the Pyomo variables (only ever called with a solution)."""
        for var, value in zip(self.variables, x, strict=True):
            var.set_value(float(value), skip_validation=True)


def to_casadi(model: pyo.Block, *, fixed_as_parameters: bool = False) -> CasadiSystem:
    """Translate the active part of ``model`` (see module docstring for how and why).

    With ``fixed_as_parameters`` the fixed Vars are the parameters ``p`` of the system (as
    :func:`translation` makes it); without, they are numbers and ``p`` is empty.
    """
    fixed = [v for v in model.component_data_objects(pyo.Var, descend_into=True)
             if v.fixed] if fixed_as_parameters else []
    was_fixed = ComponentSet(fixed)
    # the NL writer and CasADi's parser allocate millions of objects that survive (cge.gcpause)
    with gc_paused():
        try:
            for v in fixed:
                v.unfix()
            with tempfile.TemporaryDirectory(prefix="cge_nl_") as tmp:
                path = os.path.join(tmp, "model.nl")
                with open(path, "w") as stream:
                    info = NLWriter().write(
                        model,
                        stream,
                        symbolic_solver_labels=False,
                        linear_presolve=False,
                        scale_model=False,
                        skip_trivial_constraints=True,
                    )
                builder = ca.NlpBuilder()
                builder.import_nl(path)
        finally:
            for v in fixed:
                v.fix()

    columns = list(info.variables)
    is_param = np.array([v in was_fixed for v in columns], dtype=bool)
    free, par = np.flatnonzero(~is_param), np.flatnonzero(is_param)
    mx_x = ca.vertcat(*builder.x)
    # A model without an objective comes back with an empty (0x0) one.
    mx_f = builder.f if builder.f.numel() == 1 else ca.MX(0)
    mx_g = ca.vertcat(*builder.g) if builder.g else ca.MX(0, 1)
    # Expanding to SX once turns the NL graph of scalar MX nodes into a flat
    # instruction list: function and Jacobian evaluations become much faster.
    fun = ca.Function("nlp", [mx_x], [mx_f, mx_g]).expand()
    x = ca.SX.sym("x", free.size)
    p = ca.SX.sym("p", par.size)
    position = np.empty(len(columns), dtype=np.int64)
    position[free] = np.arange(free.size)
    position[par] = free.size + np.arange(par.size)
    f, g = fun(ca.vertcat(x, p)[position.tolist()])
    constraints = list(info.constraints)
    lbg, ubg = np.array(builder.g_lb, dtype=float), np.array(builder.g_ub, dtype=float)
    # Constraints over fixed Vars only were skipped by the NL writer before the Vars were
    # unfixed; skip them again, so that the system is the one the writer would have written.
    _, row = ca.jacobian_sparsity(g, x).get_ccs()
    keep = np.flatnonzero(np.bincount(np.asarray(row, dtype=np.int64), minlength=g.numel()))
    if keep.size < g.numel():
        g = g[keep.tolist()]
        constraints = [constraints[i] for i in keep]
        lbg, ubg = lbg[keep], ubg[keep]
    return CasadiSystem(
        variables=[columns[j] for j in free],
        constraints=constraints,
        x=x,
        f=f,
        g=g,
        lbx=np.array(builder.x_lb, dtype=float)[free],
        ubx=np.array(builder.x_ub, dtype=float)[free],
        lbg=lbg,
        ubg=ubg,
        parameters=[columns[j] for j in par],
        p=p,
    )


def _fingerprint(model: pyo.Block) -> tuple[tuple, list, np.ndarray]:
    """What a translation depends on besides the values of fixed Vars: structure and Params.

    Structure: the active constraints and objectives and their expression objects (a rebuilt
    or added equation is a new object), named expressions, which Vars are fixed and every Var's
    bounds. Then every mutable Param (its id, and its value). Walking the model's components
    costs a small fraction of a translation.
    """
    active = [
        (id(c), id(c.expr))
        for ctype in (pyo.Constraint, pyo.Objective)
        for c in model.component_data_objects(ctype, active=True, descend_into=True)
    ]
    named = [(id(e), id(e.expr)) for e in model.component_data_objects(
        pyo.Expression, descend_into=True)]
    variables = [(id(v), v.fixed, v.lb, v.ub)
                 for v in model.component_data_objects(pyo.Var, descend_into=True)]
    params = [
        d
        for param in model.component_objects(pyo.Param, descend_into=True)
        if param.mutable
        for d in param.values()
    ]
    values = np.array([np.nan if d.value is None else d.value for d in params], dtype=float)
    return (tuple(active), tuple(named), tuple(variables)), params, values


@dataclass
class _Cached:
    structure: tuple
    param_ids: list[int]
    values: np.ndarray
    system: CasadiSystem
    body_params: set[int] | None = None  # ids of the Params the expressions (not bounds) use
    bound_rows: np.ndarray | None = None  # rows whose bounds are expressions


def _body_params(model: pyo.Block, system: CasadiSystem) -> tuple[set[int], np.ndarray]:
    """Ids of the Params the expressions (not the bounds) use, and the rows whose bounds are
    expressions (that Params can move)."""
    exprs = [c.body for c in system.constraints] + [
        o.expr for o in model.component_data_objects(pyo.Objective, active=True,
                                                      descend_into=True)]
    used = {id(d) for e in exprs for d in identify_mutable_parameters(e)}
    rows = np.array([i for i, c in enumerate(system.constraints)
                     if not (is_constant(c.lower) and is_constant(c.upper))], dtype=np.int64)
    return used, rows


def _refresh_bounds(system: CasadiSystem, rows: np.ndarray, params: list,
                    old: np.ndarray) -> None:
    """Bounds of ``rows`` after ``params`` (in bounds only) changed from their ``old`` values.

    The NL writer moves the constant of each body into its bounds; that constant does not
    change with Params that appear in bounds only, so each bound moves by as much as the
    Pyomo bound moved.
    """
    cons = [system.constraints[i] for i in rows]
    new = np.array([d.value for d in params], dtype=float)
    bounds = []
    for values in (old, new):
        for d, v in zip(params, values, strict=True):
            d.set_value(float(v))
        bounds.append((np.array([_value_or_nan(c.lower) for c in cons]),
                       np.array([_value_or_nan(c.upper) for c in cons])))
    (lo0, up0), (lo1, up1) = bounds
    lbg, ubg = system.lbg[rows], system.ubg[rows]
    system.lbg[rows] = np.where(np.isfinite(lbg), lbg + (lo1 - lo0), lbg)
    system.ubg[rows] = np.where(np.isfinite(ubg), ubg + (up1 - up0), ubg)


_TRANSLATIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def translation(model: pyo.Block) -> CasadiSystem:
    """The model's translation, reused while its structure and the Params it uses are unchanged.

    Fixed Vars are parameters of the translation, so their values never matter. Mutable
    Params that appear only in constraint bounds (a numeraire's level, a right-hand side) are
    refreshed; a change to a Param inside an expression (a scenario's shock) or to the
    structure makes a new translation. One translation per model is kept (the last).
    """
    structure, params, values = _fingerprint(model)
    param_ids = [id(d) for d in params]
    cached = _TRANSLATIONS.get(model)
    if cached is not None and cached.structure == structure and cached.param_ids == param_ids:
        changed = values != cached.values
        changed &= ~(np.isnan(values) & np.isnan(cached.values))
        if not changed.any():
            return cached.system
        if cached.body_params is None:
            cached.body_params, cached.bound_rows = _body_params(model, cached.system)
        moved = np.flatnonzero(changed)
        if not any(param_ids[i] in cached.body_params for i in moved):
            _refresh_bounds(cached.system, cached.bound_rows, [params[i] for i in moved],
                            cached.values[moved])
            cached.values = values
            return cached.system
    system = to_casadi(model, fixed_as_parameters=True)
    _TRANSLATIONS[model] = _Cached(structure, param_ids, values, system)
    return system


def _value_or_nan(bound) -> float:
    return np.nan if bound is None else float(pyo.value(bound))
