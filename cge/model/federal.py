r"""Federal government: the taxes regions pass on, federal consumption and transfers.

Present when the SAM has a government account in a region of its own (no activities), e.g.
region ``FED``; otherwise every equation here holds with zeros. Sets: ``RGF`` = (region,
commodity) with federal consumption; ``R_TRG`` = regions receiving federal transfers;
``RH_TRF`` = (region, household) receiving federal transfers.

.. math::

    FREV &= \sum_r \Big(fs^z_r \sum_i Tz_{ri} + fs^m_r \sum_i Tm_{ri} + fs^q_r \sum_i Tq_{ri}
        + fs^d_r \sum_h Td_{rh} + fs^w_r\,\varepsilon\, GRW_r + fs^p_r\, TP_r\Big)
        && \text{eq\_federal\_revenue} \to FREV \\
    Sgf &= ss^{gf}\, FREV\ [-\,PF]   && \text{eq\_federal\_savings} \to Sgf \\
    Xgf_{ri} &= \mu^f_{ri}(FREV - Sgf - PF)/pq_{ri}   && \text{eq\_federal\_demand} \to Xgf_{ri} \\
    TRG_r &= \omega^g_r (FREV - Sgf - PF)   && \text{eq\_federal\_transfers\_regions} \to TRG_r \\
    TRF_{rh} &= \omega^f_{rh} (FREV - Sgf - PF)   && \text{eq\_federal\_transfers\_households} \to TRF_{rh}

``PF = \sum_{ri} pq_{ri} XvF_{ri}`` is the cost of the investment projects the federal
government pays for (:mod:`cge.model.projects`): cut from its consumption and its transfers to
every region's government and households in their benchmark proportions, so every region's
budget bears part of a project in one region; or, with ``project_financing = { federal =
"borrowing" }``, borrowed from the savings pool (the bracketed term).

Federal savings join the national savings pool (investment block), federal consumption the
regional commodity markets (markets block), federal transfers the regional governments'
revenue (government block) and households' income (households block). Closure
``government = "fixed_consumption"`` fixes ``Xgf`` too and replaces eq_federal_savings and
eq_federal_demand by the budget ``FREV - Sgf = sum pq Xgf + sum TRG + sum TRF + PF``
(eq_federal_budget -> Sgf).
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import projects
from cge.model.government import tax_revenue
from cge.model.symbols import equation, param, var

BLOCK = "federal"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RGF = list(cal.nonzero("muf"))
    m.R_TRG = list(cal.nonzero("omegag"))
    m.RH_TRF = list(cal.nonzero("omegaf"))
    param(m, "ssgf", None, (), block=BLOCK, unit="1", latex="ss^{gf}",
          doc="federal savings rate (share of revenue)", init=float(cal.data["ssgf"]))
    param(m, "muf", m.RGF, ("region", "commodity"), block=BLOCK, unit="1", latex=r"\mu^f",
          doc="federal spending share of the commodity in the region", init=cal.nonzero("muf"))
    param(m, "omegag", m.R_TRG, ("region",), block=BLOCK, unit="1", latex=r"\omega^g",
          doc="federal spending share of transfers to the region's government",
          init=cal.nonzero("omegag"))
    param(m, "omegaf", m.RH_TRF, ("region", "household"), block=BLOCK, unit="1",
          latex=r"\omega^f", doc="federal spending share of transfers to households",
          init=cal.nonzero("omegaf"))
    var(m, "FREV", None, (), block=BLOCK, unit="value", latex="FREV",
        doc="federal government revenue", init=float(cal.data["FREV0"]), lower=None)
    var(m, "Sgf", None, (), block=BLOCK, unit="value", latex="S^{gf}",
        doc="federal government savings", init=float(sum(cal.table("Sgf0").values())),
        lower=None)
    var(m, "Xgf", m.RGF, ("region", "commodity"), block=BLOCK, unit="quantity",
        latex="X^{gf}", doc="federal government consumption", init=cal.nonzero("Xgf0"))
    var(m, "TRG", m.R_TRG, ("region",), block=BLOCK, unit="value", latex="TRG",
        doc="federal transfers to the regional government", init=cal.nonzero("TRG0"))
    var(m, "TRF", m.RH_TRF, ("region", "household"), block=BLOCK, unit="value",
        latex="TRF", doc="federal transfers to households", init=cal.nonzero("TRF0"))


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    # projects the federal government pays for (projects block): borrowed, or cut from its
    # spending in every region
    borrows = projects.financing(cal, "federal") == "borrowing"

    def spending(m):
        return m.FREV - m.Sgf - projects.federal_cost(m)

    equation(m, "eq_federal_revenue", None, (), block=BLOCK, determines="FREV",
             latex=r"FREV = \sum_r fs\,T", doc="taxes passed on by the regions",
             rule=lambda m: m.FREV == sum(tax_revenue(m, r, federal=True) for r in m.R))
    equation(m, "eq_federal_savings", None, (), block=BLOCK, determines="Sgf",
             latex=r"S^{gf} = ss^{gf} FREV\ [- PF]", doc="federal savings at a fixed rate "
             "(less the projects it pays for when it borrows for them)",
             rule=lambda m: m.Sgf == m.ssgf * m.FREV - (projects.federal_cost(m) if borrows
                                                         else 0))
    equation(m, "eq_federal_demand", m.RGF, ("region", "commodity"), block=BLOCK,
             determines="Xgf", latex=r"X^{gf} = \mu^f (FREV - S^{gf} - PF)/p^q",
             doc="federal consumption in fixed budget shares",
             rule=lambda m, r, i: m.Xgf[r, i] * m.pq[r, i] == m.muf[r, i] * spending(m))
    equation(m, "eq_federal_transfers_regions", m.R_TRG, ("region",), block=BLOCK,
             determines="TRG", latex=r"TRG = \omega^g (FREV - S^{gf} - PF)",
             doc="federal transfers to regional governments in fixed shares",
             rule=lambda m, r: m.TRG[r] == m.omegag[r] * spending(m))
    equation(m, "eq_federal_transfers_households", m.RH_TRF, ("region", "household"),
             block=BLOCK, determines="TRF", latex=r"TRF = \omega^f (FREV - S^{gf} - PF)",
             doc="federal transfers to households in fixed shares",
             rule=lambda m, r, h: m.TRF[r, h] == m.omegaf[r, h] * spending(m))
    equation(m, "eq_federal_budget", None, (), block=BLOCK, determines="Sgf",
             latex=r"FREV - S^{gf} = \sum p^q X^{gf} + \sum TRG + \sum TRF + PF",
             doc="federal budget (active only with fixed real consumption)",
             rule=lambda m: spending(m) == sum(m.pq[k] * m.Xgf[k] for k in m.RGF)
             + sum(m.TRG[r] for r in m.R_TRG) + sum(m.TRF[k] for k in m.RH_TRF))
    m.eq_federal_budget.deactivate()
