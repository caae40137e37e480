r"""Production: value added over factors, Leontief intermediates, zero profit.

Sets: ``RS`` = (region r, sector i) with output; ``RFS`` = (r, factor f, i) with factor use;
``RJS`` = (r, commodity j, i) with intermediate use.

.. math::

    Y_{ri} &= b_{ri} \Big(\sum_f \beta_{rfi} F_{rfi}^{\rho_{ri}}\Big)^{1/\rho_{ri}}
        \quad(\text{Cobb-Douglas } b_{ri}\prod_f F_{rfi}^{\beta_{rfi}} \text{ if } \sigma^{va}=1)
        && \text{eq\_va\_technology} \to py_{ri} \\
    F_{rfi} &= (b^{\rho}\beta_{rfi}\, py_{ri} / pf_{rfi})^{1/(1-\rho)} Y_{ri}
        \quad(\beta_{rfi}\, py_{ri} Y_{ri} / pf_{rfi})
        && \text{eq\_factor\_demand} \to F_{rfi} \\
    X_{rji} &= ax_{rji} Z_{ri}  && \text{eq\_intermediate\_demand} \to X_{rji} \\
    Y_{ri} &= ay_{ri} Z_{ri}    && \text{eq\_va\_demand} \to Y_{ri} \\
    pz_{ri} &= ay_{ri}\, py_{ri} + \sum_j ax_{rji}\, pq_{rj}  && \text{eq\_zero\_profit} \to Z_{ri}

``rho = (sigma_va - 1)/sigma_va`` with ``sigma_va`` from the elasticity file; ``b`` is the
productivity shifter experiments shock. ``Z`` is output valued at ``pz``, net of the production
tax (the tax is levied in the transformation block).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import ces
from cge.model.symbols import equation, param, var

BLOCK = "production"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """Sets, parameters and variables of the block."""
    m.RS = list(cal.nonzero("Z0"))
    m.RFS = list(cal.nonzero("beta"))
    m.RJS = list(cal.nonzero("ax"))

    param(m, "b", m.RS, ("region", "sector"), block=BLOCK, unit="1", latex="b",
          doc="value-added productivity (scale) parameter", init=cal.nonzero("b"))
    param(m, "beta", m.RFS, ("region", "factor", "sector"), block=BLOCK, unit="1",
          latex=r"\beta", doc="factor share parameter", init=cal.nonzero("beta"))
    param(m, "ax", m.RJS, ("region", "commodity", "sector"), block=BLOCK, unit="1",
          latex="ax", doc="intermediate input coefficient", init=cal.nonzero("ax"))
    param(m, "ay", m.RS, ("region", "sector"), block=BLOCK, unit="1", latex="ay",
          doc="value added per unit of output", init=cal.nonzero("ay"))

    var(m, "Y", m.RS, ("region", "sector"), block=BLOCK, unit="quantity", latex="Y",
        doc="value added (composite factor)", init=cal.nonzero("Y0"))
    var(m, "F", m.RFS, ("region", "factor", "sector"), block=BLOCK, unit="quantity",
        latex="F", doc="factor demand", init=cal.nonzero("F0"))
    var(m, "X", m.RJS, ("region", "commodity", "sector"), block=BLOCK, unit="quantity",
        latex="X", doc="intermediate demand", init=cal.nonzero("X0"))
    var(m, "Z", m.RS, ("region", "sector"), block=BLOCK, unit="quantity", latex="Z",
        doc="gross output (activity level)", init=cal.nonzero("Z0"))
    var(m, "py", m.RS, ("region", "sector"), block=BLOCK, unit="price", latex="p^y",
        doc="price of value added")
    var(m, "pz", m.RS, ("region", "sector"), block=BLOCK, unit="price", latex="p^z",
        doc="producer price of output, net of production tax")



def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """Equations of the block (all variables of all blocks exist by now)."""
    rho = cal.table("rho_va")
    factors_of = {k: [] for k in m.RS}
    for r, f, i in m.RFS:
        factors_of[(r, i)].append(f)
    inputs_of = {k: [] for k in m.RS}
    for r, j, i in m.RJS:
        inputs_of[(r, i)].append(j)

    equation(m, "eq_va_technology", m.RS, ("region", "sector"), block=BLOCK, determines="py",
             latex=r"Y = b\,\mathrm{CES}(F)", doc="value-added production function",
             rule=lambda m, r, i: ces.technology(
                 m.Y[r, i], m.py[r, i], m.b[r, i],
                 [(m.beta[r, f, i], m.F[r, f, i], m.pf[r, f, i]) for f in factors_of[(r, i)]],
                 rho[(r, i)]))
    equation(m, "eq_factor_demand", m.RFS, ("region", "factor", "sector"), block=BLOCK,
             determines="F", latex=r"F = (b^\rho \beta\, p^y/p^f)^{1/(1-\rho)} Y",
             doc="cost-minimising factor demand",
             rule=lambda m, r, f, i: m.F[r, f, i] == ces.demand(
                 m.b[r, i], m.beta[r, f, i], m.py[r, i], m.pf[r, f, i], m.Y[r, i],
                 rho[(r, i)]))
    equation(m, "eq_intermediate_demand", m.RJS, ("region", "commodity", "sector"),
             block=BLOCK, determines="X", latex="X = ax\\,Z", doc="Leontief intermediate demand",
             rule=lambda m, r, j, i: m.X[r, j, i] == m.ax[r, j, i] * m.Z[r, i])
    equation(m, "eq_va_demand", m.RS, ("region", "sector"), block=BLOCK, determines="Y",
             latex="Y = ay\\,Z", doc="Leontief demand for value added",
             rule=lambda m, r, i: m.Y[r, i] == m.ay[r, i] * m.Z[r, i])
    equation(m, "eq_zero_profit", m.RS, ("region", "sector"), block=BLOCK, determines="Z",
             latex=r"p^z = ay\,p^y + \sum_j ax_j\,p^q_j", doc="zero profit of the activity",
             rule=lambda m, r, i: m.pz[r, i] == m.ay[r, i] * m.py[r, i]
             + sum(m.ax[r, j, i] * m.pq[r, j] for j in inputs_of[(r, i)]))
