"""Components the dynamics add to a built model, without touching the model's block modules.

:func:`substitute` rewrites an equation of the built model with some symbols replaced by
expressions (e.g. ``b -> b * A``): the new constraint is the model's own equation, term for
term, so a change in the block is picked up automatically; the original is deactivated and
the copy inherits its active flag per index (the equation dropped by Walras' law stays
dropped, and is checked under its new name).
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo
from pyomo.core.expr.visitor import replace_expressions


def substitute(m: pyo.ConcreteModel, name: str, new_name: str,
               mapping: Callable[[object], dict]) -> pyo.Constraint:
    """Add ``new_name``: equation ``name`` with ``mapping(index)`` substitutions applied.

    ``mapping(index)`` returns ``{id(component data): replacement expression}`` for that index.
    """
    old = getattr(m, name)
    keys = list(old.keys())
    active = {k: old[k].active for k in keys}
    exprs = {k: replace_expressions(old[k].expr, mapping(k), descend_into_named_expressions=True,
                                    remove_named_expressions=False) for k in keys}
    if old.is_indexed():
        new = pyo.Constraint(keys, rule=lambda _m, *k: exprs[k if len(k) > 1 else k[0]])
    else:
        new = pyo.Constraint(rule=lambda _m: exprs[None])
    m.add_component(new_name, new)
    renamed = {}
    for k in keys:
        old[k].deactivate()
        if not active[k]:
            new[k].deactivate()
            renamed[old[k].name] = new[k].name
    # the dropped equation's copy is the one Walras' law is checked on (cge.model.walras)
    m.walras_names = [renamed.get(n, n) for n in m.walras_names]
    # a complementarity pair's equation passes its pair on to the copy (cge.solvers.mcp)
    if name in getattr(m, "complements", {}):
        m.complements[new_name] = m.complements.pop(name)
    return new
