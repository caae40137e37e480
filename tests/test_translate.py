"""The reuse of a model's translation (:func:`cge.solvers.translate.translation`): reused while
nothing it depends on changes, translated again after each kind of structural change that
:func:`cge.solvers.translate._fingerprint` must see."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from cge.solvers.translate import translation


def _model() -> pyo.ConcreteModel:
    """x + y = 3, x - y = b (b a Param), z free in an inactive equation, one sub-block."""
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=[1, 2])
    m.x = pyo.Var(initialize=1.0, bounds=(0.0, 10.0))
    m.y = pyo.Var(initialize=1.0)
    m.z = pyo.Var(m.I, initialize=1.0)
    m.b = pyo.Param(initialize=1.0, mutable=True)
    m.e = pyo.Expression(expr=m.x + m.y)
    m.sum = pyo.Constraint(expr=m.e == 3.0)
    m.diff = pyo.Constraint(m.I, rule=lambda m, i: (m.x - m.y == m.b) if i == 1
                            else (m.z[i] == 2.0 * m.x))
    m.spare = pyo.Constraint(expr=m.z[1] == m.y)
    m.spare.deactivate()
    m.z[1].fix(0.0)
    m.sub = pyo.Block()
    m.sub.w = pyo.Var(initialize=1.0)
    m.sub.c = pyo.Constraint(expr=m.sub.w == m.x)
    return m


def _rebuild(m):
    m.diff[1].set_value(m.x - m.y == m.b)


def _add_list_equation(m):
    m.extra = pyo.ConstraintList()
    m.extra.add(m.z[1] == m.x)
    m.z[1].unfix()


def _swap_index(m):
    """One equation of an indexed constraint deleted and added again: a new data object, the
    same count."""
    del m.diff[2]
    m.diff[2] = m.z[2] == 2.0 * m.x


CHANGES = {
    "activated equation": lambda m: (m.spare.activate(), m.z[1].unfix()),
    "deactivated block": lambda m: m.sub.deactivate(),
    "rebuilt equation": _rebuild,
    "new named expression": lambda m: m.e.set_value(m.x + 2.0 * m.y),
    "new component": _add_list_equation,
    "deleted and added equation": _swap_index,
    "fixed Var": lambda m: m.y.fix(),
    "unfixed Var": lambda m: (m.z[1].unfix(), m.spare.activate()),
    "changed bound": lambda m: m.x.setub(5.0),
    "new bound": lambda m: m.y.setlb(-1.0),
    "changed domain": lambda m: setattr(m.y, "domain", pyo.NonNegativeReals),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_structural_change_translates_again(change):
    m = _model()
    first = translation(m)
    assert translation(m) is first
    CHANGES[change](m)
    second = translation(m)
    assert second is not first
    assert translation(m) is second  # and the new one is reused


def test_bound_from_param_translates_again_when_the_param_changes():
    """A bound that is an expression of a Param is the same object after the Param changes;
    its value is what the translation's lbx holds."""
    m = _model()
    m.lo = pyo.Param(initialize=-2.0, mutable=True)
    m.y.setlb(m.lo)
    first = translation(m)
    assert translation(m) is first
    m.lo = -4.0
    second = translation(m)
    assert second is not first
    assert second.lbx[[v is m.y for v in second.variables].index(True)] == -4.0


def test_values_alone_reuse_the_translation():
    """New values of free and fixed Vars and the same bound set again are no change."""
    m = _model()
    first = translation(m)
    m.x.value, m.z[1].value = 2.0, 5.0
    m.x.setub(10.0)
    m.diff[1].deactivate()
    m.diff[1].activate()
    assert translation(m) is first


def test_named_expression_over_a_declared_param_is_copied_once():
    """A named expression over a declared Param, held by two equations, is copied once as a
    named expression of the scratch model (which the NL writer writes once); the translation
    evaluates as Pyomo does (to 1e-14) before and after the Param changes, reusing itself."""
    import casadi as ca

    from cge.solvers import symbolic_params
    from cge.solvers.translate import _with_shadow_vars

    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=1.5)
    m.y = pyo.Var(initialize=0.5)
    m.a = pyo.Param(initialize=3.0, mutable=True)
    m.e = pyo.Expression(expr=m.a * m.x * m.y)
    m.c1 = pyo.Constraint(expr=m.x + m.e == 3.0)
    m.c2 = pyo.Constraint(expr=m.y - m.e ** 2 == 0.0)
    scratch, *_ = _with_shadow_vars(m, frozenset({id(m.a)}))
    assert len(scratch.defined) == 1
    symbolic_params(m, [m.a])
    system = translation(m)
    residual = ca.Function("g", [system.x, system.p], [system.g])

    def check():
        g = np.array(residual(system.values(), system.parameter_values())).ravel()
        pyomo = [pyo.value(c.body) - pyo.value(c.upper) for c in system.constraints]
        assert np.allclose(g - system.lbg, pyomo, rtol=0.0, atol=1e-14)

    check()
    m.a = 2.0
    assert translation(m) is system
    check()
