r"""Forecast and policy closures: productivity as an unknown that makes real GRP hit a target.

A productivity index ``A[r]``, uniform across the sectors of a region, multiplies the model's
factor-augmenting productivity everywhere it appears (the production equations listed in
:data:`cge.model.production.PRODUCTIVITY_EQUATIONS` are rewritten with ``b -> b A``;
:func:`cge.dynamics.components.substitute`): every factor ``F`` of an activity enters its nest
as the effective input ``b A F`` at price ``pf / (b A)``.

* **forecast closure** (baseline): ``A[r]`` is free for every region with a target and

  .. math:: GRP^{real}_r = \overline{GRP}_r \qquad \text{eq\_dyn\_grp} \to A_r

  with real GRP at base-year prices and tax rates, by production
  (:func:`cge.model.grp.real`, the definition of the ``GRP_real`` indicator);
* **policy closure**: ``A[r]`` is fixed at the baseline's value of the year and eq_dyn_grp is
  inactive, so real GRP responds to the policy.

Outside a forecast ``A = 1`` and productivity trends act on ``b`` directly.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.dynamics.components import substitute
from cge.model import grp, production


def add_productivity_index(m: pyo.ConcreteModel) -> None:
    """Add ``dyn_A``, ``dyn_grp_real``, ``dyn_grp_target``, ``eq_dyn_grp``; rewrite production.

    Call on a model at its benchmark point: the base-year prices and rates of real GRP are read
    from the current values. Leaves the policy closure on with ``A = 1``.
    """
    base = grp.BasePrices.from_model(m)
    real = {r: production for r, (production, _) in grp.real(m, base).items()}
    m.dyn_A = pyo.Var(m.R, initialize=1.0, bounds=(1e-10, None),
                      doc="productivity index of the region (uniform across sectors)")
    m.dyn_A.fix()
    m.dyn_grp_real = pyo.Expression(m.R, rule=lambda m, r: real[r],
                                    doc="real GRP at base-year prices")
    m.dyn_grp_target = pyo.Param(m.R, mutable=True, within=pyo.Reals,
                                 initialize={r: pyo.value(m.dyn_grp_real[r]) for r in m.R},
                                 doc="target real GRP (forecast closure)")
    m.eq_dyn_grp = pyo.Constraint(m.R, rule=lambda m, r: m.dyn_grp_real[r]
                                  == m.dyn_grp_target[r])
    m.eq_dyn_grp.deactivate()

    for name, activity in production.PRODUCTIVITY_EQUATIONS.items():
        def b_times_a(k, activity=activity):
            r, i = activity(k)
            return {id(m.b[r, i]): m.b[r, i] * m.dyn_A[r]}

        substitute(m, name, name.replace("eq_", "eq_dyn_", 1), b_times_a)


def set_forecast(m: pyo.ConcreteModel, targets: dict[str, float] | None) -> None:
    """Forecast closure for the regions in ``targets`` (real GRP levels); None: policy."""
    for r in m.R:
        if targets is not None and r in targets:
            m.dyn_grp_target[r] = targets[r]
            m.dyn_A[r].unfix()
            m.eq_dyn_grp[r].activate()
        else:
            m.dyn_A[r].fix()
            m.eq_dyn_grp[r].deactivate()
