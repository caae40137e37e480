r"""Savings and investment: each country's savings pool spent on investment goods.

Set: ``RV`` = (region, commodity) with investment demand; ``c(r)`` is region r's country.

.. math::

    SAV_c &= \sum_{r \in c}\Big(\sum_h Sp_{rh} + Sg_r + SE_r + \varepsilon_c Sf_r\Big) + Sgf
        && \text{eq\_savings\_pool} \to SAV_c \\
    Xv_{ri} &= \lambda_{ri}\,\kappa_r\, SAV_{c(r)} / pq_{ri}  && \text{eq\_investment\_demand} \to Xv_{ri} \\
    \sum_{r \in c,i} pq_{ri} Xv_{ri} &= SAV_c  && \text{eq\_savings\_investment} \to s^{adj}

(federal savings ``Sgf`` exist only in a model of one country; enterprise savings ``SE`` only
in regions with an enterprise, enterprises block).

Project investment ``XvP[r,i]`` (quantities, zero at the benchmark) is extra demand for
investment goods by a project financed from abroad (a capital inflow in the balance of
payments, rest-of-world block); it is how experiments add the construction phase of a project.

Savings-driven closure (default): eq_investment_demand is active and eq_savings_investment holds
by construction (shares sum to one), so it is inactive. Investment-driven closure: ``Xv`` is
fixed at the benchmark, eq_investment_demand is inactive and eq_savings_investment determines
the households' savings-rate adjuster ``sadj`` (one country only). ``kappa`` is the region's
share of its country's investment spending: savings flow between the regions of a country
through the pool, as in a country with one capital market; between countries they are
foreign savings ``Sf``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import enterprises
from cge.model.symbols import equation, grouped, param, var

BLOCK = "investment"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RV = list(cal.nonzero("lambda"))
    param(m, "lambda_", m.RV, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\lambda",
          doc="investment spending share of the commodity", init=cal.nonzero("lambda"))
    param(m, "kappa", m.R, ("region",), block=BLOCK, unit="1", latex=r"\kappa",
          doc="region's share of its country's investment spending", init=cal.table("kappa"))
    param(m, "XvP", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{vP}", doc="project investment demand financed from abroad", init=0.0)
    var(m, "Xv", m.RV, ("region", "commodity"), block=BLOCK, unit="quantity", latex="X^v",
        doc="investment demand", init=cal.nonzero("Xv0"))
    inv0 = cal.table("INV0")
    var(m, "SAV", m.C, ("country",), block=BLOCK, unit="value", latex="SAV",
        doc="savings pool of the country",
        init={c: sum(inv0[r] for r in m.REGIONS_OF[c]) for c in m.C}, lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    households = grouped(m.RH, m.R)
    equation(m, "eq_savings_pool", m.C, ("country",), block=BLOCK, determines="SAV",
             latex=r"SAV_c = \sum_{r \in c} (\sum S^p + S^g + S^e + \varepsilon_c S^f) + S^{gf}",
             doc="savings of the country: households, enterprises, governments and the rest of "
             "the world",
             rule=lambda m, c: m.SAV[c] == sum(
                 sum(m.Sp[r, h] for h in households[r]) + m.Sg[r] + enterprises.savings(m, r)
                 + m.epsilon[c] * m.Sf[r]
                 for r in m.REGIONS_OF[c]) + m.Sgf)
    equation(m, "eq_investment_demand", m.RV, ("region", "commodity"), block=BLOCK,
             determines="Xv", latex=r"X^v = \lambda \kappa\, SAV_c/p^q",
             doc="investment spending in fixed shares",
             rule=lambda m, r, i: m.Xv[r, i] * m.pq[r, i]
             == m.lambda_[r, i] * m.kappa[r] * m.SAV[m.COUNTRY[r]])
    investing = grouped(m.RV, m.R)
    equation(m, "eq_savings_investment", m.C, ("country",), block=BLOCK, determines="sadj",
             latex=r"\sum p^q X^v = SAV_c", doc="savings equal investment (exogenous investment)",
             rule=lambda m, c: sum(m.pq[r, i] * m.Xv[r, i] for r in m.REGIONS_OF[c]
                                   for i in investing[r]) == m.SAV[c])
    m.eq_savings_investment.deactivate()
