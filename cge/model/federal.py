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
    D &= FREV + t^{df}\textstyle\sum_{rh} YH_{rh} - Sgf - PF - \sum_r TRT_r, \qquad
        \Omega = \sum_{ri}\mu^f_{ri} + \sum_r \omega^g_r + \sum_{rh}\omega^f_{rh} \\
    Xgf_{ri} &= (\mu^f_{ri}/\Omega)\, D/pq_{ri}   && \text{eq\_federal\_demand} \to Xgf_{ri} \\
    TRG_r &= (\omega^g_r/\Omega)\, D   && \text{eq\_federal\_transfers\_regions} \to TRG_r \\
    TRF_{rh} &= (\omega^f_{rh}/\Omega)\, D   && \text{eq\_federal\_transfers\_households} \to TRF_{rh}

Transfers to regional budgets are two instruments, both paid by the federal budget and
received by the regional government's revenue ``GREV`` (government block):

* ``TRG`` (equalisation and general transfers): the share ``omega^g_r`` of the federal
  budget's spending, calibrated to the SAM's transfers from the federal government to each
  regional government (one cell per region: a SAM does not split equalisation grants from
  earmarked ones). The shares are normalised by their sum ``Omega`` (one at the benchmark), so
  a shock to ``omegag`` (or ``muf``, ``omegaf``) re-divides the same budget: a region's larger
  share is paid by smaller federal consumption and transfers everywhere else;
* ``TRT`` (targeted transfers): an amount (value, in the numeraire's units), zero at the
  benchmark; an experiment sets it for the regions it targets, and the federal budget pays it
  before the shares, cutting everything else in proportion (or, under ``fixed_consumption``,
  its savings).

``PF = \sum_{ri} pq_{ri} XvF_{ri}`` is the cost of the investment projects the federal
government pays for (:mod:`cge.model.projects`): cut from its consumption and its transfers to
every region's government and households in their benchmark proportions, so every region's
budget bears part of a project in one region; or, with ``project_financing = { federal =
"borrowing" }``, borrowed from the savings pool (the bracketed term); or, with ``{ federal =
"taxes" }``, paid by a surcharge ``t^{df}`` on every household's direct tax rate in every
region, all of it federal, just large enough (``D`` is then what it would be without the
project):

.. math:: t^{df} \sum_{rh} YH_{rh} = PF  \qquad \text{eq\_federal\_surcharge} \to t^{df}

(inactive, and ``t^{df}`` fixed at zero, under the other options). A model without a
federal government refuses shocks to ``TRT`` and ``XvF`` (nobody would pay).

Federal savings join the national savings pool (investment block), federal consumption the
regional commodity markets (markets block), federal transfers the regional governments'
revenue (government block) and households' income (households block). Closure
``government = "fixed_consumption"`` fixes ``Xgf`` too and replaces eq_federal_savings and
eq_federal_demand by the budget ``FREV - Sgf = sum pq Xgf + sum TRG + sum TRF + PF + sum TRT``
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
          doc="federal spending share of (equalisation and general) transfers to the region's "
          "government", init=cal.nonzero("omegag"))
    param(m, "TRT", m.R, ("region",), block=BLOCK, unit="value", latex="TRT",
          doc="targeted federal transfer to the region's government", init=0.0)
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
    var(m, "tdf", None, (), block=BLOCK, unit="1", latex="t^{df}",
        doc="federal surcharge on every household's direct tax rate (pays for federal "
        "projects under project_financing = { federal = \"taxes\" }; zero otherwise)",
        init=0.0, lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    # projects the federal government pays for (projects block): borrowed, or cut from its
    # spending in every region
    borrows = projects.financing(cal, "federal") == "borrowing"

    def surcharge(m):
        return m.tdf * sum(m.YH[k] for k in m.RH)

    def spending(m):
        """What the federal budget spends in shares: after savings, projects and targeted
        transfers, with the surcharge that pays for projects."""
        return (m.FREV + surcharge(m) - m.Sgf - projects.federal_cost(m)
                - sum(m.TRT[r] for r in m.R))

    # the sum of the shares (one at the benchmark; none without a federal government), so a
    # shock to one share re-divides the budget instead of spending money it does not have
    shares = ([m.muf[k] for k in m.RGF] + [m.omegag[r] for r in m.R_TRG]
              + [m.omegaf[k] for k in m.RH_TRF])
    total = sum(shares) if shares else 1.0

    equation(m, "eq_federal_revenue", None, (), block=BLOCK, determines="FREV",
             latex=r"FREV = \sum_r fs\,T", doc="taxes passed on by the regions",
             rule=lambda m: m.FREV == sum(tax_revenue(m, r, federal=True) for r in m.R))
    equation(m, "eq_federal_savings", None, (), block=BLOCK, determines="Sgf",
             latex=r"S^{gf} = ss^{gf} FREV\ [- PF]", doc="federal savings at a fixed rate "
             "(less the projects it pays for when it borrows for them)",
             rule=lambda m: m.Sgf == m.ssgf * m.FREV - (projects.federal_cost(m) if borrows
                                                         else 0))
    equation(m, "eq_federal_demand", m.RGF, ("region", "commodity"), block=BLOCK,
             determines="Xgf", latex=r"X^{gf} = (\mu^f/\Omega)\, D/p^q",
             doc="federal consumption in fixed budget shares",
             rule=lambda m, r, i: m.Xgf[r, i] * m.pq[r, i] == m.muf[r, i] / total * spending(m))
    equation(m, "eq_federal_transfers_regions", m.R_TRG, ("region",), block=BLOCK,
             determines="TRG", latex=r"TRG = (\omega^g/\Omega)\, D",
             doc="federal transfers to regional governments in fixed shares",
             rule=lambda m, r: m.TRG[r] == m.omegag[r] / total * spending(m))
    equation(m, "eq_federal_transfers_households", m.RH_TRF, ("region", "household"),
             block=BLOCK, determines="TRF", latex=r"TRF = (\omega^f/\Omega)\, D",
             doc="federal transfers to households in fixed shares",
             rule=lambda m, r, h: m.TRF[r, h] == m.omegaf[r, h] / total * spending(m))
    equation(m, "eq_federal_budget", None, (), block=BLOCK, determines="Sgf",
             latex=r"FREV - S^{gf} = \sum p^q X^{gf} + \sum TRG + \sum TRF + PF + \sum TRT",
             doc="federal budget (active only with fixed real consumption)",
             rule=lambda m: spending(m) == sum(m.pq[k] * m.Xgf[k] for k in m.RGF)
             + sum(m.TRG[r] for r in m.R_TRG) + sum(m.TRF[k] for k in m.RH_TRF))
    m.eq_federal_budget.deactivate()
    equation(m, "eq_federal_surcharge", None, (), block=BLOCK, determines="tdf",
             latex=r"t^{df} \sum YH = PF", doc="the surcharge on direct taxes pays for the "
             "federal projects (active only when the federal government raises taxes for them)",
             rule=lambda m: surcharge(m) == projects.federal_cost(m))
    if projects.financing(cal, "federal") != "taxes":
        m.eq_federal_surcharge.deactivate()
        m.tdf.fix(0.0)
