r"""Investment projects by source of financing: who pays for the construction demand.

A project's construction phase is exogenous demand for investment goods (quantities, zero at
the benchmark; experiments shock them, the dynamics set them year by year,
:mod:`cge.dynamics.projects`). There is one parameter per source of financing, each indexed by
the market (region, commodity) where the goods are bought:

* ``XvP`` (investment block): financed from abroad, a capital inflow in the balance of
  payments (rest-of-world block);
* ``XvD``: financed from private domestic savings, which the country's savings pool would
  otherwise have invested: pool investment falls by the project's cost,

  .. math:: pq_{ri} Xv_{ri} = \lambda_{ri}\kappa_r\big(SAV_c - PD_c\big), \qquad
      PD_c = \sum_{r \in c,\,i} pq_{ri} XvD_{ri}

  (eq_investment_demand and eq_savings_investment, investment block);
* ``XvR``: paid by the government of the region whose market it buys in (a regional budget
  buys through its own region's market, like its consumption ``Xg``), out of its spending
  ``GREV_r - Sg_r``; with :math:`PR_r = \sum_i pq_{ri} XvR_{ri}` (government block)

  .. math::

      \text{spending (default):}\quad & pq_{ri} Xg_{ri} = \mu_{ri}(GREV_r - Sg_r - PR_r),\
          TR_{rh} = \omega_{rh}(GREV_r - Sg_r - PR_r) \\
      \text{borrowing:}\quad & Sg_r = ss^g_r GREV_r - PR_r

  so either the region's consumption and transfers to its households are cut by the
  project's cost, or the region borrows it from the savings pool (its savings fall, and with
  them the pool's investment in every region of the country: regional borrowing crowds out
  investment, since the pool is the country's one capital market);
* ``XvF``: paid by the federal government, in any region's market, out of its spending
  ``FREV - Sgf``; with :math:`PF = \sum_{ri} pq_{ri} XvF_{ri}` (federal block)

  .. math::

      \text{spending (default):}\quad & pq_{ri} Xgf_{ri} = \mu^f_{ri}(FREV - Sgf - PF - TRT),
          \ TRG_r = \omega^g_r(\dots),\ TRF_{rh} = \omega^f_{rh}(\dots) \\
      \text{borrowing:}\quad & Sgf = ss^{gf} FREV - PF

  so federal money is cut elsewhere: federal consumption in every region and the federal
  transfers to every region's government and households fall in proportion to their
  benchmark shares (other regions' budgets change), or the federal government borrows it
  from the pool (crowding out investment in every region), or (``"taxes"``) it raises every
  household's direct tax rate by the surcharge ``t^{df}`` that pays for the project
  (:mod:`cge.model.federal`): households everywhere pay. ``TRT`` are the federal block's
  targeted transfers to regions, paid before the shares.

The choice is the closure's ``project_financing = { regional = "spending" | "borrowing",
federal = "spending" | "borrowing" | "taxes" }``. Under ``government = "fixed_consumption"`` real
government consumption is fixed and the budgets close through savings, so a budget-financed
project is borrowed whatever the option (eq_government_budget, eq_federal_budget:
:math:`GREV_r - Sg_r = \sum_i pq\,Xg + \sum_h TR + PR_r`).

All four join the commodity market (markets block) and GRP by expenditure as final uses.
A model without a federal government cannot take ``XvF`` (nobody would pay): shocks to it are
refused (closures block, ``m.unshockable``).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model.symbols import param

BLOCK = "projects"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    param(m, "XvD", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{vD}", doc="project investment demand financed from private savings "
          "(the savings pool)", init=0.0)
    param(m, "XvR", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{vR}", doc="project investment demand paid by the region's government",
          init=0.0)
    param(m, "XvF", m.RQ, ("region", "commodity"), block=BLOCK, unit="quantity",
          latex="X^{vF}", doc="project investment demand paid by the federal government",
          init=0.0)
    m.has_federal = float(cal.data["FREV0"]) > 0


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    """The block's parameters enter the equations of the blocks that pay for them."""


def financing(cal: Calibration, level: str) -> str:
    """The closure's option for projects paid by the ``"regional"`` or ``"federal"`` budget."""
    return cal.config.closure.project_financing.get(level, "spending")


def private_cost(m: pyo.ConcreteModel, country: str):
    """``PD_c``: the cost of the projects financed from the country's private savings."""
    return sum(m.pq[r, i] * m.XvD[r, i] for r in m.REGIONS_OF[country]
               for i in m.REGION_MARKETS[r])


def regional_cost(m: pyo.ConcreteModel, r: str):
    """``PR_r``: the cost of the projects paid by region r's government."""
    return sum(m.pq[r, i] * m.XvR[r, i] for i in m.REGION_MARKETS[r])


def federal_cost(m: pyo.ConcreteModel):
    """``PF``: the cost of the projects paid by the federal government."""
    return sum(m.pq[k] * m.XvF[k] for k in m.RQ)


def unpaid(m: pyo.ConcreteModel, cal: Calibration) -> dict[tuple[str, object], str]:
    """Project (and targeted-transfer) entries nobody could pay for, and why: a shock to them
    would leave its cost unpaid and break Walras' law (closures block, ``m.unshockable``)."""
    fixed = cal.config.closure.government == "fixed_consumption"
    invests = {m.COUNTRY[r] for r, _ in m.RV}
    spends = {r for r, _ in m.RG} | {r for r, _ in m.RH_TR}
    out: dict[tuple[str, object], str] = {}
    for r, i in m.RQ:
        c = m.COUNTRY[r]
        if c not in invests:
            reason = f"the savings pool of {c} invests nothing, so it cannot pay by investing less"
            out[("XvD", (r, i))] = reason
            if fixed or financing(cal, "regional") == "borrowing":
                out[("XvR", (r, i))] = f"region {r}'s government would borrow, but {reason}"
        if not fixed and financing(cal, "regional") == "spending" and r not in spends:
            out[("XvR", (r, i))] = (f"region {r}'s government has no consumption or transfers "
                                    "to cut (try project_financing = { regional = "
                                    "\"borrowing\" })")
    federal_spends = bool(m.RGF or m.R_TRG or m.RH_TRF)
    borrows = fixed or financing(cal, "federal") == "borrowing"
    if not m.has_federal:
        why_f = why_t = "the SAM has no federal government to pay for it"
    else:
        # a targeted transfer is cut from federal spending, or under fixed consumption
        # borrowed; a project as the closure's project_financing says
        cut = "the federal government has no consumption or transfers to cut"
        lend = "the federal government would borrow, but the savings pool invests nothing"
        pool = m.C[0] in invests

        def why(borrowed: bool) -> str | None:
            if borrowed:
                return None if pool else lend
            return None if federal_spends else cut

        # raising taxes needs only households, which every SAM has
        taxes = financing(cal, "federal") == "taxes"
        why_f, why_t = (None if taxes else why(borrows)), why(fixed)
    if why_f:
        out.update({("XvF", k): why_f for k in m.RQ})
    if why_t:
        out.update({("TRT", r): why_t for r in m.R})
    return out
