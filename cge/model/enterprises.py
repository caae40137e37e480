r"""Enterprises (corporations): capital income, profit tax, distributed profits, retained savings.

Present when the SAM has an account of kind ``enterprise`` in a region (at most one per
region); otherwise every set here is empty and the model is what it was without the block.
Sets: ``RN`` = regions with an enterprise; ``RNF`` = (region, factor) paying part of its income
to the region's enterprise; ``RNH`` = (enterprise region n, household region r, household h)
receiving distributed profits (regions of one country); ``RN_W`` = enterprises paying
profits abroad.

.. math::

    YE_n &= \sum_f she_{nf}\, FY_{nf}          && \text{eq\_enterprise\_income} \to YE_n \\
    TP_n &= \tau^p_n\, YE_n                   && \text{eq\_profit\_tax} \to TP_n \\
    DIV_{nrh} &= dv_{nrh}\,(YE_n - TP_n)      && \text{eq\_distributed\_profits} \to DIV_{nrh} \\
    \varepsilon_{c(n)}\, DIVW_n &= dv^w_n\,(YE_n - TP_n)
        && \text{eq\_profits\_abroad} \to DIVW_n \\
    SE_n &= YE_n - TP_n - \sum_{r,h} DIV_{nrh} - \varepsilon_{c(n)}\, DIVW_n
        && \text{eq\_enterprise\_savings} \to SE_n

An enterprise receives the share ``she`` of its region's factor income ``FY`` (factors block;
for capital: operating surplus), pays the profit tax ``TP`` at the rate ``taup`` on that income,
distributes fixed shares ``dv`` of its income after tax to households of its own and other
regions of its country and ``dvw`` to owners abroad (in world currency ``DIVW``), and saves the
rest (retained earnings and consumption of fixed capital). All shares are benchmark shares of
the SAM (:mod:`cge.calibration.enterprises`). The other blocks take the flows up:

* households (``YH`` includes ``sum_n DIV[n, r, h]``);
* governments: ``TP`` is shared between the region's government and a federal government like
  the other taxes, with the federal share ``fs^p`` of the SAM's profit tax
  (:func:`cge.model.government.tax_revenue`);
* investment: ``SE`` joins the country's savings pool;
* rest of the world: ``DIVW`` is a payment abroad in the balance of payments.

Savings are the residual, so every rouble an enterprise receives has a recipient (Walras' law).
The profit tax rate ``taup`` is a tax instrument experiments may shock.
"""

from __future__ import annotations

import pyomo.environ as pyo

from cge.calibration import Calibration
from cge.model import factors
from cge.model.rest_of_world import fx
from cge.model.symbols import equation, grouped, param, var

BLOCK = "enterprises"


def declare(m: pyo.ConcreteModel, cal: Calibration) -> None:
    m.RN = list(cal.nonzero("YE0"))
    m.RNF = list(cal.nonzero("she"))
    m.RNH = list(cal.nonzero("dvh"))
    m.RN_W = list(cal.nonzero("dvw"))
    param(m, "she", m.RNF, ("region", "factor"), block=BLOCK, unit="1", latex="she",
          doc="enterprise share of the region's factor income", init=cal.nonzero("she"))
    param(m, "taup", m.RN, ("region",), block=BLOCK, unit="1", latex=r"\tau^p",
          doc="profit tax rate on enterprise income", init=cal.table("taup"))
    param(m, "fsp", m.R, ("region",), block=BLOCK, unit="1", latex="fs^p",
          doc="share of the profit tax passed to the federal government",
          init=cal.table("fsp"))
    param(m, "dvh", m.RNH, ("origin", "destination", "household"), block=BLOCK, unit="1",
          latex="dv", doc="share of income after tax distributed to the household",
          init=cal.nonzero("dvh"))
    param(m, "dvw", m.RN_W, ("region",), block=BLOCK, unit="1", latex="dv^w",
          doc="share of income after tax distributed to owners abroad",
          init=cal.nonzero("dvw"))
    var(m, "YE", m.RN, ("region",), block=BLOCK, unit="value", latex="YE",
        doc="enterprise income (factor income received)", init=cal.nonzero("YE0"))
    var(m, "TP", m.RN, ("region",), block=BLOCK, unit="value", latex="T^p",
        doc="profit tax paid by the enterprise", init=cal.table("TP0"), lower=None)
    var(m, "DIV", m.RNH, ("origin", "destination", "household"), block=BLOCK, unit="value",
        latex="DIV", doc="profits distributed to households", init=cal.nonzero("DIV0"),
        lower=None)
    var(m, "DIVW", m.RN_W, ("region",), block=BLOCK, unit="foreign currency", latex="DIVW",
        doc="profits distributed to owners abroad", init=cal.nonzero("DIVW0"), lower=None)
    var(m, "SE", m.RN, ("region",), block=BLOCK, unit="value", latex="S^e",
        doc="enterprise savings (retained earnings and depreciation)", init=cal.table("SE0"),
        lower=None)


def equations(m: pyo.ConcreteModel, cal: Calibration) -> None:
    owned = grouped(m.RNF, m.RN)
    paid = grouped(m.RNH, m.RN)
    abroad = set(m.RN_W)

    def after_tax(m, n):
        return m.YE[n] - m.TP[n]

    equation(m, "eq_enterprise_income", m.RN, ("region",), block=BLOCK, determines="YE",
             latex=r"YE = \sum_f she\, FY_f", doc="enterprise income: its share of factor income",
             rule=lambda m, n: m.YE[n] == sum(m.she[n, f] * factors.income(m, n, f)
                                              for f in owned[n]))
    equation(m, "eq_profit_tax", m.RN, ("region",), block=BLOCK, determines="TP",
             latex=r"T^p = \tau^p YE", doc="profit tax",
             rule=lambda m, n: m.TP[n] == m.taup[n] * m.YE[n])
    equation(m, "eq_distributed_profits", m.RNH, ("origin", "destination", "household"),
             block=BLOCK, determines="DIV", latex=r"DIV = dv\,(YE - T^p)",
             doc="profits distributed to households in fixed shares",
             rule=lambda m, n, r, h: m.DIV[n, r, h] == m.dvh[n, r, h] * after_tax(m, n))
    equation(m, "eq_profits_abroad", m.RN_W, ("region",), block=BLOCK, determines="DIVW",
             latex=r"\varepsilon\, DIVW = dv^w (YE - T^p)",
             doc="profits distributed to owners abroad in a fixed share",
             rule=lambda m, n: fx(m, n) * m.DIVW[n] == m.dvw[n] * after_tax(m, n))
    equation(m, "eq_enterprise_savings", m.RN, ("region",), block=BLOCK, determines="SE",
             latex=r"S^e = YE - T^p - \sum DIV - \varepsilon\, DIVW",
             doc="enterprise savings: what is neither taxed nor distributed",
             rule=lambda m, n: m.SE[n] == after_tax(m, n)
             - sum(m.DIV[n, r, h] for r, h in paid[n])
             - (fx(m, n) * m.DIVW[n] if n in abroad else 0))


def profits_received(m: pyo.ConcreteModel) -> dict[tuple[str, str], list]:
    """``{(region, household): [DIV terms]}``: distributed profits each household receives."""
    out: dict[tuple[str, str], list] = {}
    for n, r, h in m.RNH:
        out.setdefault((r, h), []).append(m.DIV[n, r, h])
    return out


def profit_tax(m: pyo.ConcreteModel, r: str):
    """The profit tax raised in region r (0 without an enterprise)."""
    return m.TP[r] if r in m.RN else 0


def savings(m: pyo.ConcreteModel, r: str):
    """Enterprise savings of region r (0 without an enterprise)."""
    return m.SE[r] if r in m.RN else 0


def paid_abroad(m: pyo.ConcreteModel, r: str):
    """Profits region r's enterprise pays abroad, world currency (0 if none)."""
    return m.DIVW[r] if r in m.RN_W else 0
