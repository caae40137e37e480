r"""Savings and investment: a national savings pool spent on investment goods.

Set: ``RV`` = (region, commodity) with investment demand.

.. math::

    SAV &= \sum_{r,h} Sp_{rh} + \sum_r Sg_r + Sgf + \varepsilon \sum_r Sf_r
        && \text{eq\_savings\_pool} \to SAV \\
    Xv_{ri} &= \lambda_{ri}\,\kappa_r\, SAV / pq_{ri}  && \text{eq\_investment\_demand} \to Xv_{ri} \\
    \sum_{r,i} pq_{ri} Xv_{ri} &= SAV  && \text{eq\_savings\_investment} \to s^{adj}

Project investment ``XvP[r,i]`` (quantities, zero at the benchmark) is extra demand for
investment goods by a project financed from abroad (a capital inflow in the balance of
payments, rest-of-world block); it is how experiments add the construction phase of a project.

Savings-driven closure (default): eq_investment_demand is active and eq_savings_investment holds
by construction (shares sum to one), so it is inactive. Investment-driven closure: ``Xv`` is
fixed at the benchmark, eq_investment_demand is inactive and eq_savings_investment determines
the households' savings-rate adjuster ``sadj``. ``kappa`` is the region's share of national
investment spending: savings flow between regions through the pool, as in a country with one
capital market.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model.symbols import equation, param, var

BLOCK = "investment"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RV = list(cal.nonzero("lambda"))
    param(m, "lambda_", m.RV, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\lambda",
          doc="investment spending share of the commodity", init=cal.nonzero("lambda"))
    param(m, "kappa", m.R, ("region",), block=BLOCK, unit="1", latex=r"\kappa",
          doc="region's share of national investment spending", init=cal.table("kappa"))
    param(m, "XvP", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{vP}", doc="project investment demand financed from abroad", init=0.0)
    var(m, "Xv", m.RV, ("region", "commodity"), block=BLOCK, unit="quantity", latex="X^v",
        doc="investment demand", init=cal.nonzero("Xv0"))
    var(m, "SAV", None, (), block=BLOCK, unit="value", latex="SAV",
        doc="national savings pool", init=float(cal.data["INV0"].sum()), lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    equation(m, "eq_savings_pool", None, (), block=BLOCK, determines="SAV",
             latex=r"SAV = \sum S^p + \sum S^g + S^{gf} + \varepsilon \sum S^f",
             doc="national savings: households, governments and the rest of the world",
             rule=lambda m: m.SAV == sum(m.Sp[k] for k in m.RH) + sum(m.Sg[r] for r in m.R)
             + m.Sgf
             + m.epsilon * sum(m.Sf[r] for r in m.R))
    equation(m, "eq_investment_demand", m.RV, ("region", "commodity"), block=BLOCK,
             determines="Xv", latex=r"X^v = \lambda \kappa\, SAV/p^q",
             doc="investment spending in fixed shares",
             rule=lambda m, r, i: m.Xv[r, i] * m.pq[r, i] == m.lambda_[r, i] * m.kappa[r] * m.SAV)
    equation(m, "eq_savings_investment", None, (), block=BLOCK, determines="sadj",
             latex=r"\sum p^q X^v = SAV", doc="savings equal investment (exogenous investment)",
             rule=lambda m: sum(m.pq[k] * m.Xv[k] for k in m.RV) == m.SAV)
    m.eq_savings_investment.deactivate()
