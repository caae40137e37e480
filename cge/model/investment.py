r"""Savings and investment: each country's savings pool spent on investment goods.

Set: ``RV`` = (region, commodity) with investment demand; ``c(r)`` is region r's country.

.. math::

    SAV_c &= \sum_{r \in c}\Big(\sum_h Sp_{rh} + Sg_r + SE_r + \varepsilon_c Sf_r\Big) + Sgf
        && \text{eq\_savings\_pool} \to SAV_c \\
    Xv_{ri} &= \lambda_{ri}\,\kappa_r\, (SAV_{c(r)} - PD_{c(r)}) / pq_{ri}  && \text{eq\_investment\_demand} \to Xv_{ri} \\
    \sum_{r \in c,i} pq_{ri} Xv_{ri} &= SAV_c - PD_c  && \text{eq\_savings\_investment} \to s^{adj}

(federal savings ``Sgf`` exist only in a model of one country; enterprise savings ``SE`` only
in regions with an enterprise, enterprises block).

Project investment ``XvP[r,i]`` (quantities, zero at the benchmark) is extra demand for
investment goods by a project financed from abroad (a capital inflow in the balance of
payments, rest-of-world block); it is how experiments add the construction phase of a project.
``PD_c = sum pq XvD`` is the cost of the country's projects financed from private savings
(:mod:`cge.model.projects`, which also has projects paid by budgets): the pool invests what is
left.

Savings-driven closure (default): eq_investment_demand is active and eq_savings_investment holds
by construction (shares sum to one), so it is inactive. Investment-driven closure: ``Xv`` is
fixed at the benchmark, eq_investment_demand is inactive and eq_savings_investment determines
the households' savings-rate adjuster ``sadj`` (one country only). ``kappa`` is the region's
share of its country's investment spending: savings flow between the regions of a country
through the pool, as in a country with one capital market; between countries they are
foreign savings ``Sf``.

With ``closure.investment_allocation = { factor = f, elasticity = e }`` the regions' shares
follow the rate of return on capital f (TERM/MMRF style): region r's return is its income from
f per unit of benchmark income, ``FY_{rf}/FY^0_{rf}`` (one at the benchmark), over the price
of its investment goods ``PI_r = \sum_i \lambda_{ri} pq_{ri}``, and

.. math::

    kv_r &= \kappa_r \big(ROR_r / RORN_{c(r)}\big)^{e}
        && \text{eq\_investment\_allocation} \to kv_r \\
    \sum_{r \in c} kv_r &= \sum_{r \in c} \kappa_r && \text{eq\_investment\_shares} \to RORN_c

replaces ``kappa`` in eq_investment_demand for the regions with capital f (``RORN`` is the
country's return index; regions without f keep their benchmark share).

Non-negative investment (``[model] nonnegative_investment = true``). Set: ``C_NNI`` = the
countries when the option is on (empty otherwise). Projects financed from private savings (``XvD``) may cost more
than the pool holds, and the pool would then invest a negative amount (``Xv < 0``: capital
goods sold back, which no economy does). With the option, gross pool investment is
non-negative, a complementarity pair per country: the shortfall ``XSF`` of private savings
below the projects' cost is borrowed abroad (a capital inflow in the balance of payments,
rest-of-world block, like ``XvP``), and there is a shortfall only when the pool invests nothing:

.. math::

    SAV_c - PD_c + XSF_c \ge 0 \;\perp\; XSF_c \ge 0 && \text{eq\_pool\_investment}

``SAV_c - PD_c + XSF_c`` replaces ``SAV_c - PD_c`` in eq_investment_demand and
eq_savings_investment. The dynamics spread pool investment over sectors in positive shares
(:mod:`cge.dynamics.capital`), so every sector's gross investment is non-negative too. Needs a
rest of the world (the lender).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.errors import InputError, Problem
from cge.model import ces, enterprises, factors, projects
from cge.model.symbols import LOWER, equation, grouped, param, var

BLOCK = "investment"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RV = list(cal.nonzero("lambda"))
    param(m, "lambda_", m.RV, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\lambda",
          doc="investment spending share of the commodity", init=cal.nonzero("lambda"))
    param(m, "kappa", m.R, ("region",), block=BLOCK, unit="1", latex=r"\kappa",
          doc="region's share of its country's investment spending", init=cal.table("kappa"))
    param(m, "XvP", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{vP}", doc="project investment demand financed from abroad", init=0.0)
    alloc = cal.config.closure.investment_allocation
    capital = alloc.get("factor")
    kappa = cal.table("kappa")
    m.R_ALLOC = [r for r in m.R if alloc and kappa[r] > 0 and (r, capital) in set(m.RF)]
    m.C_ALLOC = list(dict.fromkeys(m.COUNTRY[r] for r in m.R_ALLOC))
    param(m, "inv_el", m.C_ALLOC, ("country",), block=BLOCK, unit="1", latex="e^{inv}",
          doc="elasticity of a region's investment share to its relative rate of return",
          init=float(alloc.get("elasticity", 0.0)))
    var(m, "kv", m.R_ALLOC, ("region",), block=BLOCK, unit="1", latex="kv",
        doc="region's share of its country's investment spending, following returns",
        init={r: kappa[r] for r in m.R_ALLOC})
    var(m, "RORN", m.C_ALLOC, ("country",), block=BLOCK, unit="1", latex="RORN",
        doc="the country's index of returns on capital", init=1.0)
    var(m, "Xv", m.RV, ("region", "commodity"), block=BLOCK, unit="quantity", latex="X^v",
        doc="investment demand", init=cal.nonzero("Xv0"),
        # under non-negative investment the pool's pair keeps it >= 0 and it reaches 0
        lower=None if cal.config.nonnegative_investment else LOWER)
    inv0 = cal.table("INV0")
    if cal.config.nonnegative_investment and not cal.has_rest_of_world:
        raise InputError(Problem("nonnegative-investment", "nonnegative_investment borrows a "
                                 "shortfall of savings abroad, but the SAM has no rest of the "
                                 "world"))
    m.C_NNI = list(m.C) if cal.config.nonnegative_investment else []
    var(m, "XSF", m.C_NNI, ("country",), block=BLOCK, unit="value", latex="XSF",
        doc="shortfall of private savings below the cost of the projects they finance, "
        "borrowed abroad (non-negative investment)", init=0.0, lower=0.0)
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
    allocated = set(m.R_ALLOC)
    # PD_c once per country, named: every investment demand of the country holds it, and
    # written out in each the sum over the country's regions and commodities made the build
    # and the translation quadratic in the regions (at 30 regions 750 equations of 750 terms,
    # a third of the build); the NL writer writes a named expression once
    m.private_project_cost = pyo.Expression(m.C, rule=projects.private_cost)

    def pool(m, c):
        # what is left of the pool after the projects financed from private savings
        return m.SAV[c] - m.private_project_cost[c] + (m.XSF[c] if c in m.XSF else 0)

    def share(m, r):
        return m.kv[r] if r in allocated else m.kappa[r]

    equation(m, "eq_investment_demand", m.RV, ("region", "commodity"), block=BLOCK,
             determines="Xv", latex=r"X^v = \lambda \kappa\, (SAV_c - PD_c)/p^q",
             doc="investment spending in fixed shares (kv for kappa under allocation by "
             "returns)",
             rule=lambda m, r, i: m.Xv[r, i] * m.pq[r, i]
             == m.lambda_[r, i] * share(m, r) * pool(m, m.COUNTRY[r]))
    equation(m, "eq_pool_investment", m.C_NNI, ("country",), block=BLOCK,
             determines="XSF", complementary=True, latex=r"SAV_c - PD_c + XSF_c \ge 0",
             doc="the pool invests a non-negative amount; a shortfall is borrowed abroad only "
             "when it invests nothing", rule=lambda m, c: pool(m, c) >= 0)
    investing = grouped(m.RV, m.R)
    capital = cal.config.closure.investment_allocation.get("factor")
    income0 = {r: pyo.value(factors.income(m, r, capital)) for r in m.R_ALLOC}

    def allocation(m, r):
        c = m.COUNTRY[r]
        price = sum(m.lambda_[r, i] * m.pq[r, i] for i in investing[r])
        relative = factors.income(m, r, capital) / (income0[r] * price * m.RORN[c])
        return ces.constant_elasticity(m.kv[r], m.kappa[r], relative, m.inv_el[c])

    equation(m, "eq_investment_allocation", m.R_ALLOC, ("region",), block=BLOCK,
             determines="kv", latex=r"kv = \kappa (ROR/RORN)^{e}",
             doc="a region's share of investment follows its relative rate of return",
             rule=allocation)
    members = grouped([(m.COUNTRY[r], r) for r in m.R_ALLOC], m.C_ALLOC)
    equation(m, "eq_investment_shares", m.C_ALLOC, ("country",), block=BLOCK,
             determines="RORN", latex=r"\sum_{r \in c} kv = \sum_{r \in c} \kappa",
             doc="the regions following returns share what they held at the benchmark",
             rule=lambda m, c: sum(m.kv[r] for r in members[c])
             == sum(m.kappa[r] for r in members[c]))
    equation(m, "eq_savings_investment", m.C, ("country",), block=BLOCK, determines="sadj",
             latex=r"\sum p^q X^v = SAV_c - PD_c", doc="savings equal investment (exogenous investment)",
             rule=lambda m, c: sum(m.pq[r, i] * m.Xv[r, i] for r in m.REGIONS_OF[c]
                                   for i in investing[r]) == pool(m, c))
    m.eq_savings_investment.deactivate()
