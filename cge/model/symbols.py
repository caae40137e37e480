"""Declaring model symbols once, with their documentation.

Every variable, parameter and equation of the model is created through :func:`var`,
:func:`param` or :func:`equation`. Besides the Pyomo component, each call records a
:class:`Symbol` (dims, unit, description, LaTeX) in ``model.symbols``; model documentation,
result attributes and the pairing of equations with the variables they determine are all
generated from that one record, so they cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyomo.environ as pyo

LOWER = 1e-10  # strictly positive lower bound for prices and quantities in CES terms


@dataclass(frozen=True)
class Symbol:
    """Documentation of one model component."""

    name: str
    kind: str  # "variable", "parameter" or "equation"
    dims: tuple[str, ...]
    unit: str
    description: str
    latex: str
    block: str
    determines: str = ""  # for equations: the variable the equation is paired with
    complementary: bool = False  # for equations: an inequality complementary to `determines`


def _register(m: pyo.ConcreteModel, sym: Symbol) -> None:
    if not hasattr(m, "symbols"):
        m.symbols = {}
    if sym.name in m.symbols:
        raise ValueError(f"symbol {sym.name} declared twice (in {m.symbols[sym.name].block} and "
                         f"{sym.block})")
    m.symbols[sym.name] = sym


def _restrict(init, index, default: float):
    """A dict initialiser cut to the (sparse) index: calibration tables cover every label."""
    if isinstance(init, dict) and index is not None:
        return {k: init.get(k, default) for k in index}
    return init


def grouped(index: Sequence[tuple], groups: Sequence) -> dict:
    """``{g: [rest of each key whose first element is g]}``, in index order, one pass.

    Equations over a region need the region's members of a sparse set; scanning the whole set
    once per region would cost regions x set size (quadratic in the number of regions).
    """
    out: dict = {g: [] for g in groups}
    for k in index:
        out[k[0]].append(k[1] if len(k) == 2 else k[1:])
    return out


def var(m: pyo.ConcreteModel, name: str, index: Sequence | None, dims: Sequence[str], *,
        block: str, unit: str, doc: str, latex: str, init: Callable | float | dict = 1.0,
        lower: float | dict | None = LOWER) -> pyo.Var:
    """Declare a variable over a (sparse) index list; ``init`` entries outside it are ignored;
    ``lower`` is one bound or a bound per element."""
    args = () if index is None else (list(index),)
    init = _restrict(init, index, 0.0)
    bounds = ((lambda _, *k: (lower[k if len(k) > 1 else k[0]], None))
              if isinstance(lower, dict) else (lower, None))
    v = pyo.Var(*args, initialize=init, bounds=bounds, doc=doc, dense=True)
    setattr(m, name, v)
    _register(m, Symbol(name, "variable", tuple(dims), unit, doc, latex, block))
    return v


def param(m: pyo.ConcreteModel, name: str, index: Sequence | None, dims: Sequence[str], *,
          block: str, unit: str, doc: str, latex: str, init: Callable | float | dict
          ) -> pyo.Param:
    """Declare a mutable parameter (mutable so experiments can shock it)."""
    args = () if index is None else (list(index),)
    init = _restrict(init, index, 0.0)
    p = pyo.Param(*args, initialize=init, mutable=True, doc=doc, within=pyo.Reals)
    setattr(m, name, p)
    _register(m, Symbol(name, "parameter", tuple(dims), unit, doc, latex, block))
    return p


def equation(m: pyo.ConcreteModel, name: str, index: Sequence | None, dims: Sequence[str],
             rule: Callable, *, block: str, determines: str, doc: str, latex: str,
             complementary: bool = False) -> pyo.Constraint:
    """Declare an equation paired with the variable it determines.

    With ``complementary=True`` the pair is a mixed complementarity condition, ``F(x) >= 0 ⟂
    v >= lower``: the rule returns an inequality (``cost >= price``, ``quota >= imports``; F is
    its greater side less its lesser side), and each element is complementary to the element of
    the variable ``determines`` with the same index: the inequality holds, and holds as an
    equality wherever the variable is above its lower bound (an activity runs only at zero
    profit, a quota earns a rent only when it binds). The variable must be declared before,
    over the equation's index, with a finite lower bound and no upper bound. Pairs are listed in
    ``m.complements`` (equation name -> variable name), which :mod:`cge.solvers.mcp` reads; a
    pair whose variable is fixed is dropped at the solve, as GAMS drops it.
    """
    args = () if index is None else (list(index),)
    if complementary:
        _check_complement(m, name, index, determines)
    c = pyo.Constraint(*args, rule=rule, doc=doc)
    setattr(m, name, c)
    _register(m, Symbol(name, "equation", tuple(dims), "", doc, latex, block, determines,
                        complementary))
    if complementary:
        if not hasattr(m, "complements"):
            m.complements = {}
        m.complements[name] = determines
    return c


def _check_complement(m: pyo.ConcreteModel, name: str, index: Sequence | None,
                      determines: str) -> None:
    v = getattr(m, determines, None)
    if not isinstance(v, pyo.Var):
        raise ValueError(f"complementary equation {name}: {determines!r} is not a variable "
                         "declared before it")
    keys = [None] if index is None else list(index)
    missing = [k for k in keys if k not in v]
    if missing:
        raise ValueError(f"complementary equation {name}: {determines} has no element for "
                         f"{missing[:5]} (the pair needs one variable per equation)")
    for k in keys:
        if v[k].lb is None or v[k].ub is not None:
            raise ValueError(f"complementary equation {name}: {v[k].name} needs a finite lower "
                             f"bound and no upper bound (has {v[k].bounds})")
