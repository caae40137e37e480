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

Fixed Vars (the numeraire, endowments, closure variables) are unfixed while the NL file is
written, so they arrive as columns; they become the CasADi parameter vector ``p`` of the
translated system, whose values are read from the model at each solve. So do the *symbolic*
Params: those of the components a caller declares (:func:`symbolic_params`: the runner
declares every Param its scenarios shock, a sensitivity task those of its runs), those whose
values have changed under an earlier translation of the model, and Params that stand alone on
one side of an equation or inequality (a right-hand side such as a numeraire's level). A
scenario, homotopy step or sensitivity point on the same model then only sets values and
solves, with the same residual and Jacobian functions and the same symbolic factorisation.
The NL writer folds Params into numbers (and drops terms whose coefficient is zero), so it is
given copies of the expressions in which each symbolic Param is a shadow Var on a scratch
model (see :func:`_with_shadow_vars`). The other Params stay numbers: a parameter times a
variable is a nonlinear term for the writer and a symbolic factor in every derivative, which
made the translation of a CGE model with every Param symbolic 2-3 times as costly and its
Jacobian function several times larger.

:func:`translation` keeps one translation per model and reuses it (with its derivative
functions and the structural check's answer) while the model's structure and the values of
its numeric Params are unchanged. A change of a numeric Param makes its component symbolic
and translates again (once: later changes reuse that translation); a new structure (a closure
that fixes other variables, an activated or rebuilt equation, a changed bound) translates
again.
"""

from __future__ import annotations

import itertools
import operator
import os
import sys
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import Any

import casadi as ca
import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.param import ParamData
from pyomo.core.base.var import VarData
from pyomo.core.expr.base import NPV_Mixin
from pyomo.core.expr.numeric_expr import (
    LinearExpression,
    MonomialTermExpression,
    ProductExpression,
    SumExpression,
)
from pyomo.core.expr.numvalue import native_types
from pyomo.core.expr.relational_expr import RangedExpression, RelationalExpression
from pyomo.core.expr.visitor import identify_mutable_parameters
from pyomo.repn.plugins.nl_writer import NLWriter

from cge.gcpause import gc_paused


@dataclass
class CasadiSystem:
    """A Pyomo model as CasADi SX expressions: min f(x) s.t. lbg <= g(x) <= ubg, lbx <= x <= ubx.

    Row ``i`` of ``g`` is ``constraints[i]``, entry ``j`` of ``x`` is
    ``variables[j]`` and entry ``k`` of the parameters ``p`` is the fixed Var or the Param
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
    parameters: list[VarData | ParamData] = field(default_factory=list)
    p: ca.SX = field(default_factory=lambda: ca.SX(0, 1))
    numeric_params: list[ParamData] = field(default_factory=list)  # written as numbers
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
        """Current values of the fixed Vars and Params in ``parameters``."""
        return np.array([np.nan if v.value is None else float(v.value) for v in self.parameters])

    def write_back(self, x: np.ndarray) -> None:
        """Store ``x`` in the Pyomo variables (only ever called with a solution)."""
        for var, value in zip(self.variables, x, strict=True):
            var.set_value(float(value), skip_validation=True)


def to_casadi(model: pyo.Block, *, fixed_as_parameters: bool = False,
              symbolic: frozenset[int] = frozenset()) -> CasadiSystem:
    """Translate the active part of ``model`` (see module docstring for how and why).

    With ``fixed_as_parameters`` the fixed Vars and the symbolic Params (of the Param
    components whose ids are in ``symbolic``, and those alone on one side of a relation) are
    the parameters ``p`` of the system (as :func:`translation` makes it), and
    ``system.numeric_params`` lists the Params written as numbers; without, all are numbers
    and ``p`` is empty.
    """
    # The NL writer and CasADi's parser allocate millions of objects (cge.gcpause), and few
    # of them outlive the translation: paused until its end (not only around the writer), the
    # collector does not traverse them all once more (2.6 of 17 s at 30 regions x 25 sectors)
    with gc_paused():
        return _to_casadi(model, fixed_as_parameters, symbolic)


def _to_casadi(model: pyo.Block, fixed_as_parameters: bool, symbolic: frozenset[int]
               ) -> CasadiSystem:
    fixed = [v for v in model.component_data_objects(pyo.Var, descend_into=True)
             if v.fixed] if fixed_as_parameters else []
    was_fixed = ComponentSet(fixed)
    scratch, originals, shadows, numeric = (
        _with_shadow_vars(model, symbolic) if fixed_as_parameters else (model, {}, {}, []))
    try:
        for v in fixed:
            v.unfix()
        with tempfile.TemporaryDirectory(prefix="cge_nl_") as tmp:
            path = os.path.join(tmp, "model.nl")
            with open(path, "w") as stream:
                info = NLWriter().write(
                    scratch,
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
    constraints = [originals.get(id(c), c) for c in info.constraints]
    if scratch is not model:
        # the scratch block refers to itself (as Pyomo's scalar blocks do), so it and all the
        # copies it holds would wait for the collector; taken apart, they are freed now
        for component in list(scratch.component_objects(descend_into=False)):
            scratch.del_component(component)
    del info, scratch, originals

    is_param = np.array([v in was_fixed or id(v) in shadows for v in columns],
                        dtype=bool)
    free, par = np.flatnonzero(~is_param), np.flatnonzero(is_param)
    # each read of a builder's list converts every element from C++
    mx_x = ca.vertcat(*builder.x)
    mx_f, mx_g = builder.f, builder.g
    # A model without an objective comes back with an empty (0x0) one.
    mx_f = mx_f if mx_f.numel() == 1 else ca.MX(0)
    mx_g = ca.vertcat(*mx_g) if mx_g else ca.MX(0, 1)
    # Expanding to SX once turns the NL graph of scalar MX nodes into a flat
    # instruction list: function and Jacobian evaluations become much faster.
    fun = ca.Function("nlp", [mx_x], [mx_f, mx_g]).expand()
    x = ca.SX.sym("x", free.size)
    p = ca.SX.sym("p", par.size)
    position = np.empty(len(columns), dtype=np.int64)
    position[free] = np.arange(free.size)
    position[par] = free.size + np.arange(par.size)
    f, g = fun(ca.vertcat(x, p)[position.tolist()])
    lbg, ubg = np.array(builder.g_lb, dtype=float), np.array(builder.g_ub, dtype=float)
    # Constraints over fixed Vars and Params only were skipped by the NL writer before these
    # became columns; skip them again, so that the system is the one the writer would have
    # written.
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
        parameters=[shadows.get(id(columns[j]), columns[j]) for j in par],
        p=p,
        numeric_params=numeric,
    )


def _with_shadow_vars(model: pyo.Block, symbolic: frozenset[int]
                      ) -> tuple[pyo.ConcreteModel, dict, dict, list]:
    """A scratch model whose constraints and objectives are ``model``'s with symbolic Params
    as Vars (see :func:`to_casadi` for which).

    Returns the scratch model, its constraints' ids -> ``model``'s constraints, shadow Vars'
    ids -> Params, and the Params left as numbers (once each). Expression nodes without a
    symbolic Param are shared, not copied; a node over one is copied as the potentially
    variable class of its kind (``p * x`` is a monomial whose coefficient the NL writer would
    fold, ``p * q`` a constant), so the writer keeps the Param. The two bounds of a ranged
    constraint stay numbers: Pyomo needs them constant. A named expression that holds a
    symbolic Param is copied once, as a named expression of the scratch model.
    """
    scratch = pyo.ConcreteModel(name="cge_translation")
    # One Var component sized for the model's Params: adding Vars one by one to a VarList
    # costs several times more; a Param from outside the model gets one of ``extra``.
    n_params = sum(len(p) for p in model.component_objects(pyo.Param, descend_into=True)
                   if p.mutable)
    scratch.shadow = pyo.Var(range(n_params))
    scratch.extra = pyo.VarList()
    scratch.defined = pyo.Expression(pyo.Any)
    pool = iter(scratch.shadow.values())
    shadow_of: dict[int, VarData] = {}
    params: dict[int, ParamData] = {}
    numeric: dict[int, ParamData] = {}  # met in expressions, each written as a number
    in_bounds: dict[int, ParamData] = {}  # in a ranged constraint's bounds, numbers too

    def shadow(param):
        var = shadow_of.get(id(param))
        if var is None:
            var = next(pool, None)
            if var is None:
                var = scratch.extra.add()
            shadow_of[id(param)] = var
            params[id(var)] = param
        return var

    def leaf(param):
        if id(param.parent_component()) in symbolic:
            return shadow(param)
        numeric[id(param)] = param
        return param

    named: dict[int, Any] = {}
    # Leaves that stay as they are (Vars, numbers, numeric Params met before) are tested in
    # the comprehension over a node's arguments instead of in a call of copy() each: the walk
    # visits every node of every equation, and most nodes are such leaves (at 30 regions x 25
    # sectors, 2.7 million calls became 1.1 million)
    plain = _PLAIN

    def copy(node):
        cls = node.__class__
        if cls is MonomialTermExpression:  # coefficient x variable, the most common node
            coefficient = node.arg(0)
            if coefficient.__class__ in plain or id(coefficient) in numeric:
                return node
        kind = _KINDS.get(cls) or _kind(node)  # _kind_of(node), one call less per node
        if kind is _LEAF:
            return node
        if kind is _PARAM:
            return leaf(node)
        if kind is _NAMED:
            out = named.get(id(node))
            if out is None:
                inner = copy(node.expr)
                if inner is node.expr:
                    out = node
                else:
                    # the copy stays named: the NL writer writes it once, however many
                    # equations hold it (inline, a sum over a country's regions held by each
                    # of its investment demands was walked once per equation)
                    k = len(scratch.defined)
                    scratch.defined[k] = inner
                    out = scratch.defined[k]
                named[id(node)] = out
            return out
        args = node.args
        if kind is _RANGED:
            for bound in (args[0], args[2]):
                in_bounds.update((id(d), d) for d in identify_mutable_parameters(bound))
            new = [args[0], copy(args[1]), args[2]]
        elif kind is _RELATION:
            # a Param alone on one side is one linear term: always symbolic, cheaply
            new = [shadow(a) if _kind_of(a) is _PARAM else copy(a) for a in args]
        else:
            new = [a if a.__class__ in plain or id(a) in numeric else copy(a) for a in args]
        if any(map(operator.is_not, new, args)):
            return _variable_copy(node, tuple(new))
        return node

    originals: dict[int, ConstraintData] = {}
    cons = list(model.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    # copy() recurses once per level of an expression, and a Cobb-Douglas product over n goods
    # nests n deep: Python's default limit (1,000 frames) was reached at 500 sectors
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, DEEPEST_EXPRESSION))
    try:
        scratch.c = pyo.Constraint(range(len(cons)), rule=lambda _, i: copy(cons[i].expr))
        objectives = list(model.component_data_objects(pyo.Objective, active=True,
                                                       descend_into=True))
        scratch.o = pyo.ObjectiveList()
        for obj in objectives:
            scratch.o.add(copy(obj.expr), sense=obj.sense)
    finally:
        sys.setrecursionlimit(limit)
    for i, con in enumerate(cons):
        originals[id(scratch.c[i])] = con
    return scratch, originals, params, list({**numeric, **in_bounds}.values())


#: Frames :func:`_with_shadow_vars` may use: about three per level of an expression (a product
#: over 10,000 goods); Python-to-Python calls use no C stack since Python 3.11.
DEEPEST_EXPRESSION = 30_000
# What :func:`_with_shadow_vars` does with a node depends on its class only: kinds by class.
_LEAF, _PARAM, _NAMED, _RANGED, _RELATION, _NODE = (
    "leaf", "param", "named", "ranged", "relation", "node")
_KINDS: dict[type, str] = {}
#: The classes of kind _LEAF.
_PLAIN: set[type] = set()


def _kind_of(node) -> str:
    """The kind of ``node``'s class, recorded in :data:`_KINDS` (and :data:`_PLAIN`)."""
    kind = _KINDS.get(node.__class__)
    return _kind(node) if kind is None else kind


def _kind(node) -> str:
    if node.__class__ in native_types or not node.is_expression_type():
        kind = _PARAM if getattr(node, "is_parameter_type", bool)() else _LEAF
    elif node.is_named_expression_type():
        kind = _NAMED
    elif isinstance(node, RangedExpression):
        kind = _RANGED
    else:
        kind = _RELATION if isinstance(node, RelationalExpression) else _NODE
    _KINDS[node.__class__] = kind
    if kind is _LEAF:
        _PLAIN.add(node.__class__)
    return kind


def _variable_copy(node, args: tuple):
    """``node`` over ``args``, as a class whose every argument the NL writer walks into.

    NPV classes are evaluated as one number, a linear sum or monomial folds its coefficients:
    a copy that holds a shadow Var becomes the general class of its kind.
    """
    cls = node.potentially_variable_base_class() if isinstance(node, NPV_Mixin) else type(node)
    if issubclass(cls, LinearExpression):
        return SumExpression(list(args))
    if issubclass(cls, MonomialTermExpression):
        return ProductExpression(args)
    if cls is type(node):
        return node.create_node_with_local_data(args)
    # the general class's own copy, which keeps local data (a function's name)
    return cls.create_node_with_local_data(node, args, cls)


def _fingerprint(model: pyo.Block) -> tuple[tuple[list, ...], list]:
    """What a translation depends on besides the values of fixed Vars and Params: structure.

    The blocks and whether they are active; every constraint, whether it is active and its
    expression object (a rebuilt or added equation is a new object); the objectives and named
    expressions with theirs; every Var, whether it is fixed, its bound and domain objects, and
    the values of bounds that are expressions of Params. Returned as ``(objects, flags)``:
    lists of objects compared by identity (holding them keeps their ids from being reused) and
    a list of flags and numbers compared by value (see :func:`_unchanged`).

    Called on every :func:`translation`, so the per-equation and per-variable part reads the
    data's slots through C-level ``map`` instead of Pyomo's properties and
    ``component_data_objects`` (measured on the flagship, 2,123 equations: 7-12 ms per call that
    way, about 1 ms this way); ``tests/test_translate.py`` pins each change it must see.
    """
    kinds: dict[type, list] = {ctype: [] for ctype in _WATCHED}
    for component in model.component_objects(_WATCHED, descend_into=True):
        kinds[component.ctype].append(component)
    blocks = list(model.block_data_objects(descend_into=True))
    relations = _data(kinds[pyo.Constraint])
    variables = _data(kinds[pyo.Var])
    named = _data(kinds[pyo.Objective]) + _data(kinds[pyo.Expression])
    lower, upper = list(map(_LOWER, variables)), list(map(_UPPER, variables))
    # a bound that is an expression of Params is the same object when the Params change
    evaluated = ([] if native_types.issuperset(map(type, lower + upper)) else
                 [(v.lb, v.ub) for v in variables])
    objects = (blocks, relations, list(map(_EXPR, relations)), named,
               [e.expr for e in named], variables, lower, upper, list(map(_DOMAIN, variables)))
    flags = [[b.active for b in blocks], list(map(_ACTIVE, relations)),
             [(e.active, getattr(e, "sense", None)) for e in named],
             list(map(_FIXED, variables)), evaluated]
    return objects, flags


def _unchanged(old: tuple[tuple[list, ...], list], new: tuple[tuple[list, ...], list]) -> bool:
    """Whether two :func:`_fingerprint` answers describe the same structure."""
    return old[1] == new[1] and all(
        len(a) == len(b) and all(map(operator.is_, a, b))
        for a, b in zip(old[0], new[0], strict=True))


def _data(components: list) -> list:
    """The data objects of ``components`` (a scalar component's is itself), in order."""
    return list(itertools.chain.from_iterable([c._data.values() for c in components]))


_WATCHED = (pyo.Constraint, pyo.Var, pyo.Objective, pyo.Expression)
# the slots behind ConstraintData.active/.expr and VarData.fixed/.domain; VarData.lower is a
# new expression on each call where the domain has a bound, _lb is what setlb stored
_ACTIVE, _EXPR, _FIXED, _LOWER, _UPPER, _DOMAIN = map(
    operator.attrgetter, ("_active", "_expr", "_fixed", "_lb", "_ub", "_domain"))


def _param_values(params: list) -> np.ndarray:
    # the slot behind ParamData.value (None if unset, which numeric Params are not: the NL
    # writer evaluated them); ten times faster than the property over thousands of Params
    return np.array(list(map(_VALUE, params)), dtype=float)


_VALUE = operator.attrgetter("_value")


@dataclass
class _Cached:
    structure: tuple
    values: np.ndarray  # of system.numeric_params when translated
    system: CasadiSystem


_TRANSLATIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Per model, ids of the Param components that are symbolic in its translations.
_SYMBOLIC: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def symbolic_params(model: pyo.Block, components) -> None:
    """Declare Param components (or their data) that callers will change between solves:
    the next translation of ``model`` makes them parameters, so that changing them reuses it.
    Declaring before the first solve saves the translation a first change would make."""
    parents = (c.parent_component() for c in components)
    ids = {id(c) for c in parents if isinstance(c, pyo.Param)}
    _SYMBOLIC[model] = _SYMBOLIC.get(model, frozenset()) | ids


def translation(model: pyo.Block) -> CasadiSystem:
    """The model's translation, reused while its structure and numeric Params are unchanged.

    Fixed Vars and symbolic Params are parameters of the translation, so their values never
    matter. A changed numeric Param makes its component symbolic (for this and every later
    translation of the model) and the model is translated again; so does a change of structure
    (see :func:`_fingerprint`: a closure that fixes other variables, a new or (de)activated
    equation, a changed variable bound). One translation per model is kept (the last).
    """
    structure = _fingerprint(model)
    cached = _TRANSLATIONS.get(model)
    if cached is not None and _unchanged(cached.structure, structure):
        numeric = cached.system.numeric_params
        changed = ~np.isclose(_param_values(numeric), cached.values, rtol=0.0, atol=0.0,
                              equal_nan=True)
        if not changed.any():
            return cached.system
        symbolic_params(model, [numeric[i] for i in np.flatnonzero(changed)])
    system = to_casadi(model, fixed_as_parameters=True,
                       symbolic=_SYMBOLIC.get(model, frozenset()))
    _TRANSLATIONS[model] = _Cached(structure, _param_values(system.numeric_params), system)
    return system
